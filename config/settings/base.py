"""Settings shared by every mode; every value that differs between machines comes from the environment.

With no DATABASE_URL / REDIS_URL the project runs embedded: a SQLite file beside manage.py and Celery
tasks executed in-process. With them set it is the production shape: PostgreSQL, Redis, Celery workers.
"""
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="django-insecure-embedded-development-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_filters",
    "simple_history",
    "django_celery_beat",
    "axes",
    # In dependency order (docs/architecture.md): each app imports only those above it in this list.
    "crm",
    "customers",
    "crm.dormancy",
    "campaigns",
    "visits",
    "crm.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Anonymous users see only views marked @login_not_required (login, health, public forms).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that it sees the outcome of authentication (login throttling).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a background import writes.
    DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20}
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "crm.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: lock an account+IP pair after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind a reverse proxy, name it here (IPs or CIDR ranges, comma-separated in TRUSTED_PROXIES): only then is
# its X-Forwarded-For believed, for login throttling and the inquiry rate limit alike (see crm/client_ip.py).
MEZAME_TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
AXES_CLIENT_IP_CALLABLE = "crm.client_ip.client_ip"

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_TAGS = {40: "danger"}

# Cache: Redis when configured (shared by web and workers, used by rate limits), else local memory.
REDIS_URL = env("REDIS_URL", default="")


def _next_redis_database(url):
    """The same Redis server, the next database number: the cache must not share the broker's database,
    or a cache.clear() would delete queued tasks."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(number + 1) % 16}"))


CACHE_URL = env("CACHE_URL", default=_next_redis_database(REDIS_URL) if REDIS_URL else "")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: with no broker configured, tasks run in-process so the embedded mode needs nothing else.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_RESULT_EXPIRES = 3600
# Workers started before Redis (docker compose, CI) keep retrying instead of exiting.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Mezame <noreply@mezame.example>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie; kept default.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Mezame's own settings.
MEZAME_INQUIRY_RATE_LIMIT = env("INQUIRY_RATE_LIMIT", default="5/h")
# Largest customer or purchase file the upload forms accept (bytes); the commands read any size. Files are not
# bound by DATA_UPLOAD_MAX_MEMORY_SIZE (Django streams them to disk), so this is the web limit.
MEZAME_IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
# Days a double opt-in link from the inquiry form stays valid.
MEZAME_INQUIRY_CONFIRM_DAYS = env.int("INQUIRY_CONFIRM_DAYS", default=7)
# Days between the dormancy scan's full verification passes over the purchases (0: only on `scan_dormancy --full`).
MEZAME_DORMANCY_FULL_PASS_DAYS = env.int("DORMANCY_FULL_PASS_DAYS", default=7)

# Delivery (campaigns.delivery, docs/delivery.md). The public base URL of links in campaign e-mails (unsubscribe,
# click tracking): workers render messages without a request.
MEZAME_SITE_URL = env("SITE_URL", default="http://localhost:8000")
# The sender block of letters and the sender information every campaign e-mail must carry (特定電子メール法).
MEZAME_SENDER = {
    "company": env("SENDER_COMPANY", default="Mezame株式会社"),
    "postal_code": env("SENDER_POSTAL_CODE", default="100-0001"),
    "address": env("SENDER_ADDRESS", default="東京都千代田区千代田1-1"),
    "phone": env("SENDER_PHONE", default="03-0000-0000"),
    "email": env("SENDER_EMAIL", default="info@mezame.example"),
    "url": env("SENDER_URL", default=""),
}
MEZAME_EMAIL_FROM = env("CAMPAIGN_FROM_EMAIL", default="")  # empty: DEFAULT_FROM_EMAIL
MEZAME_EMAIL_MESSAGE_ID_DOMAIN = env("CAMPAIGN_MESSAGE_ID_DOMAIN", default="mezame.local")
MEZAME_EMAIL_BATCH_SIZE = env.int("CAMPAIGN_EMAIL_BATCH_SIZE", default=200)  # messages per SMTP connection
MEZAME_EMAIL_RATE_PER_SECOND = env.float("CAMPAIGN_EMAIL_RATE_PER_SECOND", default=20)  # per worker; 0: no limit
MEZAME_EMAIL_LEASE_SECONDS = env.int("CAMPAIGN_EMAIL_LEASE_SECONDS", default=600)  # a dead worker's rows wait this
MEZAME_EMAIL_MAX_ATTEMPTS = env.int("CAMPAIGN_EMAIL_MAX_ATTEMPTS", default=5)
MEZAME_EMAIL_OPEN_PIXEL = env.bool("CAMPAIGN_EMAIL_OPEN_PIXEL", default=False)
MEZAME_LETTER_STAFF_PROFILE = env("LETTER_STAFF_PROFILE", default="")
