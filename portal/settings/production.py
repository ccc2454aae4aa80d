"""Production: secrets and hosts come from the environment, never the repo."""

import os

import dj_database_url

from .base import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.config(conn_max_age=600, conn_health_checks=True)}
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def _flag(name: str, default: str = "1") -> bool:
    return os.environ.get(name, default) == "1"


# HTTPS only: plain-HTTP requests are redirected and browsers told to remember it.
# DJANGO_SSL_REDIRECT=0 / DJANGO_HSTS_SECONDS=0 only where TLS ends elsewhere and the
# proxy already does both, or on loopback benchmarks.
SECURE_SSL_REDIRECT = _flag("DJANGO_SSL_REDIRECT")
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("DJANGO_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = _flag("DJANGO_HSTS_PRELOAD")
SESSION_COOKIE_SECURE = os.environ.get("DJANGO_SECURE_COOKIES", "1") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
}
# A cache shared by every worker process: the page cache's content version and
# the rate limits must be the same in all of them (a per-process memory cache
# would keep serving a page another worker just unpublished).
CACHES = {
    "default": {
        "BACKEND": "portal.cache_backends.SampledCullFileBasedCache",
        "LOCATION": os.environ.get("CACHE_LOCATION", str(VAR_DIR / "cache")),  # noqa: F405
        "TIMEOUT": 600,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}
