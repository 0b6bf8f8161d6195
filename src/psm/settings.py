"""PSM settings, read from the environment (see README "Configuration").

One file, typed readers from ``psm.lib.env``; a bad value stops start-up with a clear message.
"""

from __future__ import annotations

import ipaddress
import re as _re
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from psm.lib import charsets as _charsets
from psm.lib import priority_words as _priority_words
from psm.lib.env import Env

env = Env()

BASE_DIR = Path(__file__).resolve().parent
PSM_ENV = env.choice("PSM_ENV", "development", ("development", "production"))
PRODUCTION = PSM_ENV == "production"
TESTING = "pytest" in sys.modules or env.boolean("PSM_TESTING", False)
DEBUG = env.boolean("PSM_DEBUG", not PRODUCTION and not TESTING)

DATA_DIR = Path(env.string("PSM_DATA_DIR", str(Path.cwd() / "var"))).resolve()

DEVELOPMENT_SECRET_KEY = "psm-development-key-never-use-in-production"
SECRET_KEY = env.string("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if PRODUCTION and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "PSM_ENV=production needs SECRET_KEY (or SECRET_KEY_FILE); "
        "refusing to start with the development key."
    )
if PRODUCTION and len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters in production.")

BASE_URL = env.url("PSM_BASE_URL", "http://127.0.0.1:8000")
ALLOWED_HOSTS = env.strings(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("PSM_ENV=production needs ALLOWED_HOSTS (comma-separated).")
CSRF_TRUSTED_ORIGINS = [BASE_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "psm.audit",
    "psm.team",
    "psm.accounts",
    "psm.coverage",
    "psm.background",
    "psm.portal",
    "psm.engagement",
    "psm.advisories",
    "psm.knowledge",
    "psm.checklists",
    "psm.notifications",
    "psm.cases",
    "psm.channels",
    "psm.paging",
    "psm.channels.telephony",
    "psm.insights",
    # The REST API (/api/v1, README "API"); "ninja" serves its docs page's static files.
    "ninja",
    "psm.api",
    # Hardening and operations (README "Security" and "Operations").
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp_webauthn",
    "axes",
    "csp",
    "django_prometheus",
    "psm.security",
    "psm.ops",
    # Last, so its demo (run in this order) finds the cases, pages and engagement it reports on.
    "psm.reports",
    # Outgoing webhooks announce every other app's events (README "Webhooks").
    "psm.webhooks",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "psm.security.middleware.MFAMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # It answers a locked-out log-in with the lockout page.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "psm.urls"
WSGI_APPLICATION = "psm.wsgi.application"
AUTH_USER_MODEL = "team.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

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
                "psm.context_processors.navigation",
            ],
        },
    },
]

DATABASE_URL = env.string("DATABASE_URL", "")
if DATABASE_URL:
    try:
        _database = dict(dj_database_url.parse(DATABASE_URL, conn_max_age=60))
    except Exception as exc:  # dj-database-url raises several types for a bad URL
        raise ImproperlyConfigured(f"DATABASE_URL is not a usable database URL: {exc}") from exc
else:
    _database = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "psm.sqlite3",
        # A file, not memory, so tests can start real worker and server processes on it.
        "TEST": {"NAME": str(DATA_DIR / "test-psm.sqlite3")},
    }
    DATA_DIR.mkdir(parents=True, exist_ok=True)
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker write while pages read; IMMEDIATE avoids upgrade deadlocks.
    _database["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": env.string("PSM_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# The project's own static files (app.css, app.js, vendored htmx) live beside settings.py.
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DATA_DIR / "files"},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# E-mail: SMTP when EMAIL_HOST is set, else files under var/outbox to read in development.
EMAIL_HOST = env.string("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env.integer("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env.string("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env.string("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env.boolean("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "outbox"
PSM_MAIL_DOMAIN = env.string("PSM_MAIL_DOMAIN", "psm.localhost")
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", f"PSM <psm@{PSM_MAIL_DOMAIN}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The provider's normal support queue, used when nothing else covers (coverage engine).
PSM_BASIC_SUPPORT = env.string("PSM_BASIC_SUPPORT", "basic-support")

# Cases and e-mail (README "Cases and e-mail").
MAIL_DIR = DATA_DIR / "mail"  # raw inbound mail, written before it is parsed
PSM_MAIL_MAX_BYTES = env.integer("PSM_MAIL_MAX_BYTES", 40 * 1024 * 1024, minimum=1024)
PSM_ATTACHMENT_MAX_BYTES = env.integer("PSM_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
PSM_MAIL_PRIORITY_WORDS = _priority_words.parse(
    env.string("PSM_MAIL_PRIORITY_WORDS", _priority_words.DEFAULT)
)
# Charsets tried in order for 8-bit text that declares none (RT's EmailInputEncodings).
PSM_MAIL_INPUT_ENCODINGS = _charsets.parse_list(
    env.string("PSM_MAIL_INPUT_ENCODINGS", _charsets.DEFAULT_INPUT_ENCODINGS)
)
# At most this many automatic acknowledgements to one sender address per window (0: no limit),
# so an auto-responder that varies its subject cannot ping-pong with us.
PSM_MAIL_ACK_LIMIT = env.integer("PSM_MAIL_ACK_LIMIT", 5, minimum=0)
PSM_MAIL_ACK_WINDOW_MINUTES = env.integer("PSM_MAIL_ACK_WINDOW_MINUTES", 60, minimum=1)
PSM_SMTPD_BIND = env.string("PSM_SMTPD_BIND", "127.0.0.1:2525")
PSM_IMAP_HOST = env.string("PSM_IMAP_HOST", "")
PSM_IMAP_SSL = env.boolean("PSM_IMAP_SSL", True)
PSM_IMAP_PORT = env.integer("PSM_IMAP_PORT", 993 if PSM_IMAP_SSL else 143, minimum=1)
PSM_IMAP_USER = env.string("PSM_IMAP_USER", "")
PSM_IMAP_PASSWORD = env.string("PSM_IMAP_PASSWORD", "")
PSM_IMAP_FOLDER = env.string("PSM_IMAP_FOLDER", "INBOX")
PSM_IMAP_ARCHIVE_FOLDER = env.string("PSM_IMAP_ARCHIVE_FOLDER", "")
if PSM_IMAP_HOST and not PSM_IMAP_USER:
    raise ImproperlyConfigured("PSM_IMAP_HOST is set: PSM_IMAP_USER (and PASSWORD) are needed too.")
PSM_SLA_WARNING_MINUTES = env.integer("PSM_SLA_WARNING_MINUTES", 30, minimum=0)
PSM_NOTIFY_MAX_ATTEMPTS = env.integer("PSM_NOTIFY_MAX_ATTEMPTS", 8, minimum=1)
PSM_NOTIFY_BACKOFF_SECONDS = env.integer("PSM_NOTIFY_BACKOFF_SECONDS", 30, minimum=1)
PSM_NOTIFY_LEASE_SECONDS = env.integer("PSM_NOTIFY_LEASE_SECONDS", 300, minimum=1)

# Outgoing webhooks (README "Webhooks"). Receivers on loopback, private, link-local or
# IPv4-mapped addresses are refused unless allowed (tests, on-premise receivers).
PSM_WEBHOOKS_ALLOW_PRIVATE = env.boolean("PSM_WEBHOOKS_ALLOW_PRIVATE", False)
PSM_WEBHOOKS_TIMEOUT_SECONDS = env.integer("PSM_WEBHOOKS_TIMEOUT_SECONDS", 15, minimum=1)
# Retries: exponential backoff with jitter from this base, for this many hours, then give up.
PSM_WEBHOOKS_BACKOFF_SECONDS = env.integer("PSM_WEBHOOKS_BACKOFF_SECONDS", 30, minimum=1)
PSM_WEBHOOKS_RETRY_HOURS = env.integer("PSM_WEBHOOKS_RETRY_HOURS", 72, minimum=1)
PSM_WEBHOOKS_LEASE_SECONDS = env.integer("PSM_WEBHOOKS_LEASE_SECONDS", 60, minimum=1)
# After a secret is rotated, the old one still signs (a second signature) this long.
PSM_WEBHOOKS_ROTATION_HOURS = env.integer("PSM_WEBHOOKS_ROTATION_HOURS", 24, minimum=0)

# Telephone and pager (README "Telephone and pager").
PSM_PAGE_ACK_MINUTES = env.integer("PSM_PAGE_ACK_MINUTES", 15, minimum=1)
PSM_PAGE_SWEEP_SECONDS = env.integer("PSM_PAGE_SWEEP_SECONDS", 15, minimum=1)
PSM_BASIC_SUPPORT_EMAIL = env.string("PSM_BASIC_SUPPORT_EMAIL", f"support@{PSM_MAIL_DOMAIN}")
PSM_TWILIO_AUTH_TOKEN = env.string("PSM_TWILIO_AUTH_TOKEN", "")  # unset: webhooks answer 403
PSM_BASIC_SUPPORT_PHONE = env.string("PSM_BASIC_SUPPORT_PHONE", "")  # holiday P1 calls
PSM_PHONE_REGION = env.string("PSM_PHONE_REGION", "US")  # for numbers written without +
# Refused (unsigned) webhook requests logged as rows per minute; more are counted on the last.
PSM_TELEPHONY_REFUSAL_LOG_PER_MINUTE = env.integer(
    "PSM_TELEPHONY_REFUSAL_LOG_PER_MINUTE", 10, minimum=1
)

# Status reports (README "Status reports"): the installation's name, logo and colours on every
# report; how long rendering one report may take in the worker.
PSM_INSTALLATION_NAME = env.string("PSM_INSTALLATION_NAME", "PSM Premium Support")
PSM_BRAND_LOGO = env.string("PSM_BRAND_LOGO", "")  # an SVG or PNG file; blank: the PSM mark
PSM_BRAND_COLOR = env.string("PSM_BRAND_COLOR", "#14213d")
PSM_BRAND_ACCENT = env.string("PSM_BRAND_ACCENT", "#1f5fbf")
for _name, _value in (("PSM_BRAND_COLOR", PSM_BRAND_COLOR), ("PSM_BRAND_ACCENT", PSM_BRAND_ACCENT)):
    if not _re.fullmatch(r"#[0-9a-fA-F]{6}", _value):
        raise ImproperlyConfigured(f"{_name} must be a colour written #rrggbb, not {_value!r}.")
if PSM_BRAND_LOGO and not Path(PSM_BRAND_LOGO).is_file():
    raise ImproperlyConfigured(f"PSM_BRAND_LOGO names no file: {PSM_BRAND_LOGO!r}.")
if PSM_BRAND_LOGO and Path(PSM_BRAND_LOGO).suffix.lower() not in (".svg", ".png"):
    raise ImproperlyConfigured("PSM_BRAND_LOGO must be an .svg or .png file.")
PSM_REPORT_RENDER_SECONDS = env.integer("PSM_REPORT_RENDER_SECONDS", 120, minimum=5)

# Security (README "Security"). Behind N reverse proxies, each appends the address it saw
# to X-Forwarded-For: the client is the N-th entry from the right, and nothing further left
# (which the client wrote itself) is believed. 0: X-Forwarded-For is ignored entirely.
PSM_TRUSTED_PROXIES = env.integer("PSM_TRUSTED_PROXIES", 0, minimum=0)
HTTPS = BASE_URL.startswith("https://")
if PSM_TRUSTED_PROXIES:
    # Only a trusted proxy's X-Forwarded-Proto says the request came in over HTTPS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.boolean("PSM_HTTPS_REDIRECT", PRODUCTION and HTTPS)
# Probes and scrapers talk to the process directly, often over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.integer(
    "PSM_HSTS_SECONDS", 31_536_000 if PRODUCTION and HTTPS else 0, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.boolean("PSM_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env.boolean("PSM_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = PRODUCTION or HTTPS
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # pages carry the token in the form / hx-headers, never read it
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.integer("PSM_SESSION_HOURS", 12, minimum=1) * 3600

# Content-Security-Policy (django-csp 4): scripts and styles only from our own static files;
# no inline script anywhere (a nonce is available as request.csp_nonce where one must be).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
        "report-uri": ["/csp-report/"],
    }
}

# The REST API: requests per personal access token (django-ninja's throttling; "600/m",
# "20/s", "10000/h"), counted in Django's cache (per process unless CACHES is shared).
PSM_API_RATE = env.string("PSM_API_RATE", "600/m")
if not _re.fullmatch(r"[1-9][0-9]*/[smhd]", PSM_API_RATE):
    raise ImproperlyConfigured(f'PSM_API_RATE must look like "600/m" (got {PSM_API_RATE!r})')
PSM_API_PAGE_SIZE = env.integer("PSM_API_PAGE_SIZE", 50, minimum=1)

# Log-in throttling (django-axes): after PSM_LOGIN_FAILURE_LIMIT wrong passwords for one user
# name from one address, that pair is locked for PSM_LOGIN_LOCKOUT_MINUTES (every further
# attempt restarts the wait), whatever the password. The address is psm.lib.clientip's.
AUTHENTICATION_BACKENDS = [
    "psm.security.backends.ThrottledLogins",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.integer("PSM_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env.integer("PSM_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "psm.lib.clientip.client_ip"
AXES_LOCKOUT_CALLABLE = "psm.security.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
# Password-reset e-mails: at most this many per address and hour, and requests per client
# address and hour (more get a "try later" page and no e-mail).
PSM_RESET_PER_EMAIL_HOUR = env.integer("PSM_RESET_PER_EMAIL_HOUR", 3, minimum=1)
PSM_RESET_PER_ADDRESS_HOUR = env.integer("PSM_RESET_PER_ADDRESS_HOUR", 10, minimum=1)

# Multi-factor authentication (django-otp): TOTP apps, security keys (WebAuthn), recovery
# codes. PSM_MFA_REQUIRED makes it mandatory for administrators and managers (default: on
# in production); everyone else may turn it on for themselves.
PSM_MFA_REQUIRED = env.boolean("PSM_MFA_REQUIRED", PRODUCTION)
PSM_RECOVERY_CODES = 10
OTP_TOTP_ISSUER = env.string("PSM_MFA_ISSUER", "PSM")
# Security keys are bound to the site's host name; browsers allow them over https, or over
# plain http only at http://localhost (development: browse http://localhost:8000).
_base = urlsplit(BASE_URL)
OTP_WEBAUTHN_RP_ID = env.string(
    "PSM_WEBAUTHN_RP_ID", (_base.hostname or "localhost") if HTTPS else "localhost"
)
OTP_WEBAUTHN_RP_NAME = OTP_TOTP_ISSUER
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.strings(
    "PSM_WEBAUTHN_ORIGINS", [BASE_URL] if HTTPS else [f"http://localhost:{_base.port or 80}"]
)
# A security key is a second factor here, never the only one (axes guards the password).
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False

# Operations (README "Operations"): health, metrics, retention, backups.
PSM_METRICS_TOKEN = env.string("PSM_METRICS_TOKEN", "")
PSM_METRICS_ALLOW = env.strings("PSM_METRICS_ALLOW", ["127.0.0.0/8", "::1/128"])
for _network in PSM_METRICS_ALLOW:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"PSM_METRICS_ALLOW: {_network!r} is not an address range (e.g. 10.0.0.0/8)"
        ) from None
PSM_HEALTH_QUEUE_LAG_SECONDS = env.integer("PSM_HEALTH_QUEUE_LAG_SECONDS", 300, minimum=1)
PSM_HEALTH_SCHEDULER_SECONDS = env.integer("PSM_HEALTH_SCHEDULER_SECONDS", 120, minimum=1)
PSM_HEALTH_SMTPD = env.boolean("PSM_HEALTH_SMTPD", True)
PSM_HEALTH_SMTPD_SECONDS = env.integer("PSM_HEALTH_SMTPD_SECONDS", 120, minimum=1)
PSM_HEALTH_IMAP_SECONDS = env.integer("PSM_HEALTH_IMAP_SECONDS", 600, minimum=1)
PSM_RETAIN_MAIL_DAYS = env.integer("PSM_RETAIN_MAIL_DAYS", 365, minimum=0)
PSM_RETAIN_TASKS_DAYS = env.integer("PSM_RETAIN_TASKS_DAYS", 7, minimum=0)
PSM_RETAIN_NOTIFICATIONS_DAYS = env.integer("PSM_RETAIN_NOTIFICATIONS_DAYS", 180, minimum=0)
PSM_RETAIN_LOGIN_ATTEMPTS_DAYS = env.integer("PSM_RETAIN_LOGIN_ATTEMPTS_DAYS", 90, minimum=0)
PSM_RETAIN_WEBHOOKS_DAYS = env.integer("PSM_RETAIN_WEBHOOKS_DAYS", 30, minimum=0)

PSM_LOG_FORMAT = env.choice("PSM_LOG_FORMAT", "plain", ("plain", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "psm.lib.jsonlog.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": PSM_LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.string("PSM_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # WeasyPrint narrates every step of every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
