"""Settings shared by every environment.

The embedded default needs no server: SQLite (WAL) for data, the embedded
search engine over the same database, local-disk media, the immediate task
backend. ``DATABASE_URL``, ``BANCHENG_SEARCH_ENGINE`` and ``BANCHENG_TASK_BACKEND``
switch to PostgreSQL, Elasticsearch and a task worker without code changes.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent
VAR_DIR = Path(os.environ.get("BANCHENG_VAR_DIR", BASE_DIR / "var"))

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "portal",
    "portal.home",
    "knowledge",
    "cases",
    "search",
    "kernel",
    "csp",
    "axes",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.search_promotions",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.table_block",
    "wagtail.contrib.typed_table_block",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "wagtail.api.v2",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before the page cache, so cached answers carry the policy too (no nonces: no inline scripts).
    "csp.middleware.CSPMiddleware",
    # The editor's preview panel frames the previewed page, which brings the page's policy along.
    "portal.middleware.AdminPreviewFramingMiddleware",
    "portal.middleware.ChineseErrorPagesMiddleware",
    # A NUL in the address or a form field: a 400 before any view compares it in PostgreSQL.
    "portal.middleware.RefuseNulCharactersMiddleware",
    # Outermost after security: a hit skips sessions, CSRF, auth and the view.
    "portal.cache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A publish refused for personal data becomes a message, not a server error.
    "knowledge.middleware.PublishRefusedMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the Chinese lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"

# --- Database -------------------------------------------------------------
# SQLite in WAL mode with a busy timeout so the dev server, the task worker
# and the test live server can share one file without "database is locked".
SQLITE_PATH = VAR_DIR / "db.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{SQLITE_PATH}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Logins and sessions ----------------------------------------------------
# django-axes counts failed logins (admin login form and any authenticate() call).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five wrong passwords for one account lock it for 15 minutes, from wherever they came
# (per address alone, a guesser with many addresses would never be stopped); five from
# one address lock that address too (one guesser trying many accounts); an IPv6 client
# counts by its /64, as every rate limit does (kernel.ratelimit.client_ip_or_none).
AXES_FAILURE_LIMIT = int(os.environ.get("BANCHENG_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("BANCHENG_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A good login clears that account's failed attempts only (portal.login_audit): axes' own reset
# would clear every attempt from the address, the guesses at other accounts too.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "kernel.ratelimit.client_ip_or_none"
AXES_LOCKOUT_CALLABLE = "portal.views.login_locked_out"
AXES_VERBOSE = False  # no addresses in the application log; the attempts are in the database
# Staff sessions end when the browser closes, and after a working day (8 hours) without a request.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = 8 * 3600
SESSION_SAVE_EVERY_REQUEST = True

# --- Language -------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文")]
WAGTAIL_CONTENT_LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# Chinese for the Wagtail admin strings Wagtail's own zh_Hans catalogue lacks (locale/README.md).
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static and media -----------------------------------------------------
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_URL = "/static/"
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Cache ----------------------------------------------------------------
# Anonymous page views are cached (portal.cache). A per-process memory cache
# suits the single-process dev server and tests; production.py switches to a
# file cache shared by all worker processes (CACHE_LOCATION).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "bancheng",
        "TIMEOUT": 600,
    }
}
# Anonymous page cache (portal.cache); see DEFAULTS there for every key.
BANCHENG_PAGE_CACHE = {
    "ENABLED": os.environ.get("BANCHENG_PAGE_CACHE", "1") == "1",
    "TIMEOUT": 600,
    # What the public report, status and 提交前看看 flows keep in an anonymous session
    # (cases.views): no public page reads them, so such a reader still gets cached pages.
    "NEUTRAL_SESSION_KEYS": ["cases_report_done", "cases_status_case", "cases_guide_visits"],
}
# Only `make bench-pages` (portal.settings.bench) routes /bench/hello/.
BANCHENG_BENCH_HELLO = False
# request.META key of the client address set by the trusted reverse proxy (e.g.
# HTTP_X_REAL_IP); unset, the public forms' rate limits key on REMOTE_ADDR. Set it
# only when a proxy always sets or overwrites that header: clients can send it too.
BANCHENG_CLIENT_IP_HEADER = os.environ.get("BANCHENG_CLIENT_IP_HEADER") or None

# --- Tasks ----------------------------------------------------------------
# Index updates and reminders run as Django tasks: immediately in-process by
# default, or queued in the database for `manage.py db_worker` at scale.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "BANCHENG_TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
        ),
    }
}

# --- Mail -----------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "bancheng@localhost")

# --- Wagtail --------------------------------------------------------------
WAGTAIL_SITE_NAME = "办成 · 办不成事反映"
# The demo is served on BANCHENG_RUN_ADDR (`make run`); links in e-mails, feeds and the
# sitemap must point there, not at a fixed port.
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL") or "http://" + (
    os.environ.get("BANCHENG_RUN_ADDR") or "127.0.0.1:8000"
)
WAGTAIL_I18N_ENABLED = False
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_MODERATION_ENABLED = True
# Service-hall networks are closed: no calls home for releases, no English release banners.
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
# Avatars from Gravatar would be broken images there (and leak staff e-mail hashes): use Wagtail's own.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILSEARCH_BACKENDS = {
    "default": {
        # The search app wires Chinese analysis into Wagtail's own admin search.
        "BACKEND": "search.wagtail_backend",
    }
}

# --- Bancheng search ------------------------------------------------------
BANCHENG_SEARCH = {
    "ENGINE": os.environ.get("BANCHENG_SEARCH_ENGINE", "embedded"),  # embedded | elasticsearch
    "ES_URL": os.environ.get("BANCHENG_ES_URL", "http://127.0.0.1:9200"),
    "ES_INDEX_PREFIX": os.environ.get("BANCHENG_ES_INDEX_PREFIX", "bancheng"),
    "ES_SHARDS": int(os.environ.get("BANCHENG_ES_SHARDS", "1")),
    "ES_REPLICAS": int(os.environ.get("BANCHENG_ES_REPLICAS", "0")),
    # "ik" or "smartcn" when the cluster has that analysis plugin installed.
    "ES_ANALYZER_PLUGIN": os.environ.get("BANCHENG_ES_ANALYZER_PLUGIN", ""),
}
# Learned ranking (search/learning/): off until this many distinct queries have positives
# (clicks, long reads, "这篇指引解决了"); reranks each engine's top TOP_K; a process looks for a new model or
# a switched-off flag every CHECK_SECONDS; FOLDS-fold cross-validation over the logged queries
# judges a new model. Clicks count per reader (search/learning/readers.py): one client (a daily
# marker of its address, or of a signed-in user) counts once per (query, result), teaches from at
# most CLIENT_QUERIES distinct queries a day, and nothing on a day it records more than
# CLIENT_BOT_CLICKS clicks.
BANCHENG_SEARCH_LEARNING = {
    "MIN_QUERIES": int(os.environ.get("BANCHENG_LEARNING_MIN_QUERIES", "30")),
    "TOP_K": 30,
    "CHECK_SECONDS": 5.0,
    "FOLDS": 5,
    "CLIENT_QUERIES": 10,
    "CLIENT_BOT_CLICKS": 150,
}
# A result opened from a search and kept visible this many seconds (visible time only, the
# page's small script measures it) is a "long read": a positive on top of its click.
BANCHENG_LONG_READ_SECONDS = int(os.environ.get("BANCHENG_LONG_READ_SECONDS", "30"))

# --- Logging --------------------------------------------------------------
# Personal data never goes to logs: apps log ids and tracking numbers only.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "filters": {"database_away_one_line": {"()": "portal.log_filters.DatabaseAwayOneLine"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        # A request that met the database gone (a restart): one line, not two tracebacks each.
        "django.request": {"filters": ["database_away_one_line"]},
        "portal": {"level": "INFO"},
        "knowledge": {"level": "INFO"},
        "cases": {"level": "INFO"},
        "search": {"level": "INFO"},
        # A request retried on another node is routine on a cluster: the node pool's own
        # one-line warning says which node failed; the transport's traceback adds nothing.
        "elastic_transport.transport": {"level": "ERROR"},
    },
}

LOGIN_URL = "wagtailadmin_login"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
# No site may frame ours; Wagtail's preview views override this with SAMEORIGIN for the editor's panel
# (and portal.middleware.AdminPreviewFramingMiddleware relaxes the page's frame-ancestors to match).
X_FRAME_OPTIONS = "DENY"
# A Chinese page without technical advice (Django's says to set DEBUG=True).
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
# Public pages run no inline script (everything is in static/js/). The Wagtail admin
# (its own inline scripts; previews framed by the admin) and documents are left out.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/documents/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

BANCHENG_PUBLIC_NAME = _("办成")

# --- Case intelligence (cases/triage.py, cases/clustering.py) --------------
# A recurring class (一类事) may be opened as a 类案 from this size/window on.
BANCHENG_CLASS_THRESHOLD = {"min_cases": 3, "days": 60}
# The triage suggestion model written by `manage.py triage_train`.
BANCHENG_TRIAGE_MODEL_PATH = VAR_DIR / "models" / "triage.joblib"
# 个人信息保存期限: days after archiving before `manage.py erase_expired_personal_data`
# removes a reporter's personal data; set it to the local records-retention rule.
BANCHENG_PERSONAL_DATA_RETENTION_DAYS = int(os.environ.get("BANCHENG_PERSONAL_DATA_RETENTION_DAYS", 3 * 365))
# Search analytics (搜索记录, 搜索点击) older than this are deleted by `manage.py prune_search_logs`
# (daily): the reports look back 30 days, suggestions 90, learned ranking uses what is kept.
BANCHENG_SEARCH_LOG_RETENTION_DAYS = int(os.environ.get("BANCHENG_SEARCH_LOG_RETENTION_DAYS", 180))


# --- Public API (Wagtail API v2 + OpenAPI) ------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Read-only public content: no session (no CSRF, no signed-in view of drafts).
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "办成 Bancheng API",
    "DESCRIPTION": "已发布的办事指引、政策衔接指引、主题、部门、政策文件（Wagtail API v2），全文搜索，以及 Open311 GeoReport v2 案件接口。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the installed sidecar package's static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge from Swagger's online validator (an outside request the CSP refuses anyway).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "PREPROCESSING_HOOKS": ["portal.openapi.only_public_api"],
    "POSTPROCESSING_HOOKS": ["portal.openapi.add_hand_written_paths"],
}
