"""Settings for every environment, read from the environment (django-environ).

The defaults work on a developer machine with no configuration at all; production
(`instainstru.production`) refuses to start without the values that must be real.
Every variable is documented in `.env.example`.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
# A variable set to nothing (`NAME=`) means "not set": its default applies. An empty secret
# key, broker URL or media root is never what anyone meant (an empty MEDIA_ROOT was the
# checkout itself, served under /media/).
env.ENVIRON = {name: value for name, value in os.environ.items() if value.strip()}

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The development key is fine locally; production.py refuses it.
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-8f2c1a"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "daphne",
    "instainstru.core.admin_apps.InstaInstruAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "django.contrib.sites",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "channels",
    "storages",
    # Our domains, one app each.
    "instainstru.core",
    "accounts",
    "notifications",
    "catalog",
    "availability",
    "bookings",
    "payments",
    "reviews",
    "messaging",
    "referrals",
    "search",
]

MIDDLEWARE = [
    # /healthz answers here, before anything that needs the database (instainstru.core.health).
    "instainstru.core.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
]

ROOT_URLCONF = "instainstru.urls"
WSGI_APPLICATION = "instainstru.wsgi.application"
ASGI_APPLICATION = "instainstru.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "instainstru.core.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL",
        default="postgis://instainstru:instainstru@127.0.0.1:5432/instainstru",
        engine="django.contrib.gis.db.backends.postgis",
    )
}
# Measured here: one indexed query per page drops from ~1,400 to ~150 req/s without
# persistent connections. Under ASGI (set by asgi.py) persistent connections pile up per
# thread, so those processes use psycopg's pool instead.
if os.environ.get("INSTAINSTRU_ASGI") == "1":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env.int("DATABASE_POOL_MAX", default=8),
        "timeout": 10,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# JIT compiling costs 60–200 ms on the search's larger plans (measured by bench/search.py at
# 10,000 instructors) and never pays off for queries that run in a few milliseconds.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, Celery broker, Channels layer --------------------------------------
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="instainstru"),
        "TIMEOUT": 300,
    }
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [REDIS_URL],
            "prefix": env.str("CHANNELS_PREFIX", default="instainstru"),
        },
    }
}
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="instainstru")
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = "UTC"

# --- Auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
SITE_ID = 1

ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupDetailsForm"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
# The product asks for a clear "already registered" message on sign-up.
ACCOUNT_PREVENT_ENUMERATION = False
# allauth's default rate limits stay on (log-in failures, sign-ups, password resets per IP and
# per account): exactly what a bot would abuse.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "InstaInstru: "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "InstaInstru"
# Accept the codes either side of now: phones drift by a few seconds.
MFA_TOTP_TOLERANCE = 1

# --- Email: delivery goes through one adapter (notifications/) ------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="notifications.email_backend.RecordingEmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="InstaInstru <hello@instainstru.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SMS_ADAPTER = env.str("SMS_ADAPTER", default="notifications.sms.RecordingSmsAdapter")

# --- I18N / time ----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/New_York"  # default display zone for guests; storage is always UTC
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
AWS_STORAGE_BUCKET_NAME = env.str("S3_BUCKET", default="")
if AWS_STORAGE_BUCKET_NAME:
    # Any S3-compatible store (AWS, Cloudflare R2, MinIO).
    AWS_S3_ENDPOINT_URL = env.str("S3_ENDPOINT_URL", default=None)
    AWS_ACCESS_KEY_ID = env.str("S3_ACCESS_KEY_ID", default=None)
    AWS_SECRET_ACCESS_KEY = env.str("S3_SECRET_ACCESS_KEY", default=None)
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    _media_backend = "storages.backends.s3.S3Storage"
else:
    _media_backend = "django.core.files.storage.FileSystemStorage"
# Private files (original photos, documents): never served from MEDIA_URL.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private-media")


def media_roots_problem(media_root, private_root, project_root) -> str | None:
    """Why these media roots are unsafe to serve under MEDIA_URL, or None when they are safe.

    Everything under MEDIA_ROOT is public. It must not reveal the source tree and `.env`
    (the project directory, a parent of it, or any directory inside it other than `media/`),
    nor the private originals."""
    media, private, project = (Path(p).resolve() for p in (media_root, private_root, project_root))
    if media == project or media in project.parents:
        return f"MEDIA_ROOT ({media}) contains the project directory, whose source and .env /media/ would serve."
    if project in media.parents and media != project / "media" and project / "media" not in media.parents:
        return f"MEDIA_ROOT ({media}) is inside the project: use {project / 'media'} or a directory outside it."
    if private == media or media in private.parents or private in media.parents:
        return f"MEDIA_ROOT ({media}) and PRIVATE_MEDIA_ROOT ({private}) overlap: private files would be public."
    return None


if _media_problem := media_roots_problem(MEDIA_ROOT, PRIVATE_MEDIA_ROOT, BASE_DIR):
    raise ImproperlyConfigured(_media_problem)
if AWS_STORAGE_BUCKET_NAME:
    _private_storage = {"BACKEND": _media_backend, "OPTIONS": {"location": "private", "default_acl": "private"}}
else:
    _private_storage = {"BACKEND": _media_backend, "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT)}}
STORAGES = {
    "default": {"BACKEND": _media_backend},
    "private": _private_storage,
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# --- Geocoding (catalog.geocoding): "offline" (bundled NYC gazetteer) or "nominatim" ----
GEOCODER = env.str("GEOCODER", default="offline")
GEOCODER_URL = env.str("GEOCODER_URL", default="https://nominatim.openstreetmap.org")

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Only the site's session, which allauth opens after email verification, its log-in rate
    # limits and the second factor. HTTP Basic took a bare password and skipped all three.
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_ANON_RATE", default="600/minute"),
        "user": env.str("API_USER_RATE", default="1200/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "InstaInstru API",
    "DESCRIPTION": "Partner API for the InstaInstru lessons marketplace.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Stripe (the local server in development and tests; real keys in production) -----
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="sk_test_local")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="pk_test_local")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="http://127.0.0.1:12111")
STRIPE_JS_URL = env.str("STRIPE_JS_URL", default="http://127.0.0.1:12111/v3/")
# --- Payments (payments app) --------------------------------------------------------------
# Seconds a webhook signature's timestamp may lag our clock (Stripe's default). 0 = no age
# check (only for a local Stripe server whose clock is pinned in the past); the HMAC is always checked.
STRIPE_WEBHOOK_TOLERANCE_SECONDS = env.int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", default=300)
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=10)
# Completed lessons in the last 90 days → commission rate (payments.pricing).
PAYMENTS_COMMISSION_TIERS = [(0, "0.15"), (10, "0.12"), (50, "0.10")]

# --- Reviews: ratings for search ranking (search.ranking reads these annotations) ------
SEARCH_RATING_ANNOTATIONS = "reviews.selectors.rating_annotations"

# --- Security -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie.

# --- Logging: one JSON object per line ------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "instainstru.core.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"level": "WARNING"},
        # The SDK logs every request and response at INFO (two lines a call); our services log
        # what they did with the answer, and errors still show.
        "stripe": {"level": env.str("STRIPE_LOG_LEVEL", default="WARNING")},
    },
}

SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )

SILENCED_SYSTEM_CHECKS = [
    # Debian 12 ships GDAL 3.6, which GeoDjango supports but calls old; nothing we use
    # needs a newer one.
    "gis.W001",
]

# --- Search ranking inputs from other apps (search.ranking) -------------------------------
SEARCH_COMPLETED_LESSONS_ANNOTATION = env.str(
    "SEARCH_COMPLETED_LESSONS_ANNOTATION", default="bookings.selectors.search_completed_lessons_annotation"
)
SEARCH_COMPLETED_LESSONS_DAYS = env.int("SEARCH_COMPLETED_LESSONS_DAYS", default=365)
