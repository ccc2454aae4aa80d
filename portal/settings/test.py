"""Test settings: same stack as the embedded default, fast password hashing.

``DATABASE_URL`` (set by `make test` for the second pass) switches to PostgreSQL.
"""

from .base import *  # noqa: F401,F403

DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not Django's default in-memory database: concurrency tests (rate limits,
    # idempotent reports) need SQLite's real locking, which the shared in-memory
    # database replaces with immediate "table is locked" errors.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405
# A trained model or a moved switch must show on the very next search of a test.
BANCHENG_SEARCH_LEARNING = {**BANCHENG_SEARCH_LEARNING, "CHECK_SECONDS": 0.0}  # noqa: F405
