"""`make bench-pages`: production settings on loopback, plus a hello-world view.

The benchmark script points BANCHENG_VAR_DIR at build/bench/ (fresh database,
static files and cache) and runs gunicorn with this module.
"""

import os

# Production reads these from the environment; the benchmark is loopback-only.
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
os.environ.setdefault("DJANGO_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_HSTS_SECONDS", "0")

from .production import *  # noqa: E402,F401,F403

DATABASES["default"]["CONN_MAX_AGE"] = 600  # noqa: F405  (persistent, as in production)
BANCHENG_BENCH_HELLO = True
