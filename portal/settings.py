"""The one settings module. Every value comes from the environment (see .env.example).

The defaults run a fresh clone with no services at all: SQLite, a file cache and
kombu's filesystem broker, all under var/. Production switches on PostgreSQL, Redis
and the security settings through variables, not through a second settings file.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"), overwrite=False)

VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# A development key is acceptable only while DEBUG is on; production must set its own.
SECRET_KEY = env(
    "DJANGO_SECRET_KEY", default="dev-only-insecure-key" if DEBUG else environ.Env.NOTSET
)
# Where customers reach the portal; links in emails sent by workers start with it.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "rest_framework",
    "django_celery_beat",
    "django_htmx",
    "tenants",
    "provisioning",
    "billing",
]

MIDDLEWARE = [
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
    "tenants.middleware.ActiveMembershipMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "tenants.context_processors.membership",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and scheduler share the file: wait for locks instead of failing, and
    # keep the test database in a file too so a worker process can see it (one per test
    # run, so two runs side by side never share one).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test_db_{os.getpid()}.sqlite3")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: shared by every process (the LucidLink token lives here) ------------------
CACHES = {"default": env.cache("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")}
# Several portals (or a test run) can share one Redis database under different prefixes.
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", default="portal")

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    (_broker_dir / "queue").mkdir(parents=True, exist_ok=True)
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        # The default polls once a second, which would add a second to every hop.
        "polling_interval": 0.1,
    }
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="portal")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic tasks are declared here; django-celery-beat copies them into the database,
# where staff see and edit them in the admin.
CELERY_BEAT_SCHEDULE = {
    "provisioning-status-round": {
        "task": "provisioning.tasks.filespace_status_round",
        "schedule": timedelta(seconds=env.int("PROVISIONING_SWEEP_SECONDS", default=60)),
    },
    "provisioning-resume-stalled-orders": {
        "task": "provisioning.tasks.filespace_resume_stalled",
        "schedule": timedelta(seconds=env.int("PROVISIONING_SWEEP_SECONDS", default=60)),
    },
    "provisioning-resume-stalled-deletions": {
        "task": "provisioning.tasks.filespace_resume_stalled_deletions",
        "schedule": timedelta(seconds=env.int("PROVISIONING_SWEEP_SECONDS", default=60)),
    },
}

# --- LucidLink Service API -------------------------------------------------------------
LUCIDLINK_API_URL = env("LUCIDLINK_API_URL", default="http://127.0.0.1:8765/api/v1")
LUCIDLINK_TOKEN_URL = env("LUCIDLINK_TOKEN_URL", default="http://127.0.0.1:8765/oauth2/token")
LUCIDLINK_CLIENT_ID = env("LUCIDLINK_CLIENT_ID", default="")
LUCIDLINK_CLIENT_SECRET = env("LUCIDLINK_CLIENT_SECRET", default="")
LUCIDLINK_AUTH_HEADER_STYLE = env("LUCIDLINK_AUTH_HEADER_STYLE", default="bearer")
LUCIDLINK_CONNECT_TIMEOUT = env.float("LUCIDLINK_CONNECT_TIMEOUT", default=5.0)
LUCIDLINK_READ_TIMEOUT = env.float("LUCIDLINK_READ_TIMEOUT", default=30.0)
LUCIDLINK_MAX_RETRY_AFTER = env.float("LUCIDLINK_MAX_RETRY_AFTER", default=300.0)
# The provider's one domain: filespaces are "<name>.<domain>".
LUCIDLINK_DOMAIN = env("LUCIDLINK_DOMAIN", default="portal-demo")

# --- Provisioning -----------------------------------------------------------------------
# Seconds between status rounds while filespaces are pending (one GET /filespaces each).
PROVISIONING_POLL_SECONDS = env.float("PROVISIONING_POLL_SECONDS", default=3.0)
# A filespace still provisioning after this long goes to error for staff to look at.
PROVISIONING_TIMEOUT = timedelta(minutes=env.float("PROVISIONING_TIMEOUT_MINUTES", default=30))
PROVISIONING_MAX_BACKOFF = env.float("PROVISIONING_MAX_BACKOFF_SECONDS", default=600.0)
# Default maximum number of live filespaces per customer (staff can override per customer).
PROVISIONING_DEFAULT_MAX_FILESPACES = env.int("PROVISIONING_DEFAULT_MAX_FILESPACES", default=25)

# --- Billing ----------------------------------------------------------------------------
BILLING_TIME_ZONE = env("BILLING_TIME_ZONE", default="UTC")
BILLING_CURRENCY = env("BILLING_CURRENCY", default="EUR")
# One reading per filespace per window of this many seconds (also the collection period).
BILLING_COLLECT_SECONDS = env.int("BILLING_COLLECT_SECONDS", default=300 if DEBUG else 3600)
# A period is closed this long after it ends, so the last round's readings are in.
BILLING_CLOSE_GRACE_MINUTES = env.int("BILLING_CLOSE_GRACE_MINUTES", default=5)
# Issue invoices when a period closes; false leaves drafts for staff to check and issue.
BILLING_AUTO_ISSUE = env.bool("BILLING_AUTO_ISSUE", default=True)
# Our currency per unit of LucidLink's (reconciliation margins), e.g. 0.92 EUR per USD.
BILLING_UPSTREAM_FX_RATE = env("BILLING_UPSTREAM_FX_RATE", default="1")
CELERY_BEAT_SCHEDULE |= {
    "billing-usage-collect": {
        "task": "billing.tasks.usage_collect",
        "schedule": timedelta(seconds=BILLING_COLLECT_SECONDS),
    },
    # Hourly at :10 UTC: closes every period that has ended in the billing time zone,
    # whatever its offset from UTC; a period already closed is skipped.
    "billing-period-close": {
        "task": "billing.tasks.period_close_due",
        "schedule": crontab(minute=10),
    },
    "billing-upstream-invoices-pull": {
        "task": "billing.tasks.upstream_invoices_pull",
        "schedule": crontab(minute=30, hour=6),
    },
}

# --- Accounts (django-allauth) -----------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "optional"  # required before the first order, not before login
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SIGNUP_FORM_CLASS = "tenants.forms.OrganisationSignupForm"
ACCOUNT_ADAPTER = "tenants.adapters.AccountAdapter"
ACCOUNT_USER_DISPLAY = "tenants.adapters.user_display"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
LOGIN_REDIRECT_URL = "dashboard"
LOGIN_URL = "account_login"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Filespace Portal <noreply@localhost>")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- REST framework -----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}

# --- Internationalisation, static files ----------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# --- Security (production turns these on with variables) -----------------------------------
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("DJANGO_BEHIND_PROXY", default=False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # urllib3 and oauthlib at DEBUG would print headers and tokens: keep them quiet.
        "urllib3": {"level": "WARNING"},
        "oauthlib": {"level": "WARNING"},
        "requests_oauthlib": {"level": "WARNING"},
    },
}
