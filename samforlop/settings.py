"""Django settings for Samforløp.

Configuration comes from the environment so that one settings module serves development, tests
and production. SQLite (WAL) is the embedded default; DATABASE_URL=postgres://… switches to
PostgreSQL.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SAMFORLOP_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Each setting is read from SAMFORLOP_<NAME>, or from plain <NAME> as a deployment may name it.
def env(name: str, default: str = "") -> str:
    return os.environ.get(f"SAMFORLOP_{name}", os.environ.get(name, default))


DEBUG = env("DEBUG", "0").strip().lower() in {"1", "true", "yes", "on"}
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and not env_bool("SAMFORLOP_TESTING"):
        # Refusing to start beats running production with a known key.
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("Set SAMFORLOP_SECRET_KEY (or SAMFORLOP_DEBUG=1 for development).")
    SECRET_KEY = "insecure-development-key-not-for-production"

ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "samforlop.core",
    "samforlop.accounts",
    "samforlop.audit",
    "samforlop.patients",
    "samforlop.pathways",
    "samforlop.messaging",
    "samforlop.referrals",
    "samforlop.assessments",
    "samforlop.meetings",
    "samforlop.careplan",
    "samforlop.tasks",
    "samforlop.checkins",
    "samforlop.offers",
    "samforlop.reports",
    "samforlop.portal",
    "samforlop.demo",
    "samforlop.fhir",
    "samforlop.work",
    "samforlop.costs",
    "samforlop.outreach",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "samforlop.core.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "samforlop.core.middleware.ContentSecurityPolicyMiddleware",
    "samforlop.core.middleware.SessionLifetimeMiddleware",
]

ROOT_URLCONF = "samforlop.urls"
WSGI_APPLICATION = "samforlop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "samforlop" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "samforlop.core.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    sqlite_path = os.environ.get("SAMFORLOP_SQLITE_PATH", str(VAR_DIR / "samforlop.sqlite3"))
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": sqlite_path,
            "OPTIONS": {
                # WAL lets readers go on while one writer commits; IMMEDIATE avoids the
                # "database is locked" upgrade race between two writers.
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=5000;"
                ),
            },
            "TEST": {"NAME": os.environ.get("SAMFORLOP_TEST_SQLITE_PATH") or None},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "pathways:worklist"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Oslo"
USE_TZ = True

# --- Static files: served by us, never from a CDN ---------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it; collectstatic fills it in production
WHITENOISE_USE_FINDERS = True

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# Sessions end after 30 minutes without a request and at the latest 10 hours after log-in.
SESSION_IDLE_SECONDS = int(os.environ.get("SAMFORLOP_SESSION_IDLE_SECONDS", 30 * 60))
SESSION_ABSOLUTE_SECONDS = int(os.environ.get("SAMFORLOP_SESSION_ABSOLUTE_SECONDS", 10 * 3600))
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG and not env_bool("SAMFORLOP_TESTING")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG and not env_bool("SAMFORLOP_TESTING"):
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SAMFORLOP_HSTS_PRELOAD", True)
    SECURE_SSL_REDIRECT = env_bool("SAMFORLOP_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"

# --- Samforløp ------------------------------------------------------------------------------
PATHWAY_DEFINITIONS_DIR = BASE_DIR / "samforlop" / "pathways" / "definitions"
# A time limit is "at risk" when this many days or fewer are left.
AT_RISK_DAYS = 14
WORKLIST_PAGE_SIZE = 50

# --- Messages: the outbox table is delivered by `manage.py send_messages` ---------------------
EMAIL_BACKEND = os.environ.get("SAMFORLOP_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("SAMFORLOP_FROM_EMAIL", "Samforløp <ikke-svar@samforlop.example>")
# Absolute address of this service, for links in e-mail notices.
SITE_URL = os.environ.get("SAMFORLOP_SITE_URL", "http://127.0.0.1:8000")

# --- National log-in over OpenID Connect (accounts/oidc.py) -------------------------------------
# One client for both national identity providers; a provider is offered only when its issuer and
# client id are set. HelseID (health personnel): PAR, PKCE S256 and private_key_jwt, security
# level 4, the person found by HPR number and checked against the organisation number. ID-porten
# (patients and relatives): PKCE, level of assurance "high" only; private_key_jwt when a key file
# is given, otherwise a public client.
OIDC_PROVIDERS = {}
if os.environ.get("SAMFORLOP_HELSEID_ISSUER") and os.environ.get("SAMFORLOP_HELSEID_CLIENT_ID"):
    OIDC_PROVIDERS["helseid"] = {
        "issuer": os.environ["SAMFORLOP_HELSEID_ISSUER"],
        "client_id": os.environ["SAMFORLOP_HELSEID_CLIENT_ID"],
        "private_key_file": os.environ.get("SAMFORLOP_HELSEID_PRIVATE_KEY_FILE", ""),
        "scopes": os.environ.get("SAMFORLOP_HELSEID_SCOPES", "openid profile helseid://scopes/identity/pid "
                                 "helseid://scopes/identity/security_level helseid://scopes/hpr/hpr_number").split(),
        "acr_values": "Level4",
        "level_claim": "helseid://claims/identity/security_level",
        "accepted_levels": ["4"],
        "use_par": True,
        "audience": "personnel",
        "hpr_claim": "helseid://claims/hpr/hpr_number",
        "org_number_claim": os.environ.get("SAMFORLOP_HELSEID_ORGNR_CLAIM", "helseid://claims/client/claims/orgnr_parent"),
        "pid_claim": "helseid://claims/identity/pid",
    }
if os.environ.get("SAMFORLOP_IDPORTEN_ISSUER") and os.environ.get("SAMFORLOP_IDPORTEN_CLIENT_ID"):
    OIDC_PROVIDERS["idporten"] = {
        "issuer": os.environ["SAMFORLOP_IDPORTEN_ISSUER"],
        "client_id": os.environ["SAMFORLOP_IDPORTEN_CLIENT_ID"],
        "private_key_file": os.environ.get("SAMFORLOP_IDPORTEN_PRIVATE_KEY_FILE", ""),
        "scopes": os.environ.get("SAMFORLOP_IDPORTEN_SCOPES", "openid profile").split(),
        "acr_values": "idporten-loa-high",
        "level_claim": "acr",
        "accepted_levels": ["idporten-loa-high"],
        "use_par": False,
        "audience": "citizens",
        "pid_claim": "pid",
    }
# Key for the HMAC of identity numbers on users who are not patients (User.person_identifier).
# Changing it unlinks those users until their identifiers are recomputed.
PERSON_IDENTIFIER_KEY = os.environ.get("SAMFORLOP_PERSON_IDENTIFIER_KEY", SECRET_KEY)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SAMFORLOP_LOG_LEVEL", "WARNING")},
}
