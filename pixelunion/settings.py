"""Settings for PixelUnion Kontosäkerhet.

Everything that differs between a laptop and production is read from the environment here,
and only here (see the configuration table in the README).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "")
    return float(value) if value.strip() else default


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdefghij"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1" if DEBUG else "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",  # passkeys (accounts/passkeys.py)
    "pixelunion",
    "sessions_ui",
    "accounts",
    "account_security",
    "ninja",  # django-ninja: serves the API docs page's assets locally (no CDN)
    "api",
    "allauth.idp.oidc",  # the OpenID Connect provider Immich signs in through
    "django_tasks",
    "django_tasks_db",  # background work (back-channel logouts, Immich sync, alerts, daily runs): manage.py worker
    "immich",
    "background",  # retries with back-off, recovery after a killed worker, `manage.py worker`
]

MIDDLEWARE = [
    # Health probes (/healthz/live, /healthz/ready): before the host check and the HTTPS redirect.
    "pixelunion.health.HealthProbeMiddleware",
    # Every log line of a request carries its id (X-Request-ID, pixelunion/log.py).
    "pixelunion.log.RequestIdMiddleware",
    # The reverse proxy's check of every Immich request: answered before anything else runs.
    "immich.gate.ImmichGateMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy (CONTENT_SECURITY_POLICY below)
    "pixelunion.middleware.NoStoreMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "sessions_ui.middleware.TrackedSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After OTPMiddleware: a signed-in session still owing its 2FA code counts as signed out.
    "accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages: "Du har loggats ut från den här enheten" for a device signed out elsewhere.
    "account_security.middleware.SignedOutNoticeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "pixelunion.urls"
WSGI_APPLICATION = "pixelunion.wsgi.application"
ASGI_APPLICATION = "pixelunion.asgi.application"

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
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
# Redis Sentinel: "host:port" of each sentinel; REDIS_URL's host is then the name of the
# monitored primary (redis://mymaster/0), which the sentinels resolve, before every connection,
# to whichever server is the primary now. Only the primary is used (never a replica): a replica
# lags, and a session just saved or ended must not be read back old from it.
REDIS_SENTINELS = [
    (host.strip("[]"), int(port))  # "[::1]:26379" too
    for host, _, port in (item.rpartition(":") for item in env_list("REDIS_SENTINELS"))
]


def redis_options(timeout: float) -> dict:
    """django-redis' OPTIONS for one alias: the plain client, or Sentinel's."""
    options: dict = {
        "CLIENT_CLASS": "django_redis.client.DefaultClient",
        "SOCKET_CONNECT_TIMEOUT": timeout,
        "SOCKET_TIMEOUT": timeout,
    }
    if REDIS_SENTINELS:
        options.update(
            CLIENT_CLASS="django_redis.client.SentinelClient",
            CONNECTION_FACTORY="django_redis.pool.SentinelConnectionFactory",
            SENTINELS=REDIS_SENTINELS,
            SENTINEL_KWARGS={"socket_timeout": timeout, "socket_connect_timeout": timeout},
        )
    return options


# With Sentinel a one-item list: SentinelClient makes a second, replica pool from a string.
REDIS_LOCATION = [REDIS_URL] if REDIS_SENTINELS else REDIS_URL
if REDIS_URL:
    CACHES = {
        # Redis, with a local-memory stand-in while Redis is down, so sign-in and its rate
        # limits keep working (pixelunion/cache.py).
        "default": {
            "BACKEND": "pixelunion.cache.FailoverRedisCache",
            "LOCATION": REDIS_LOCATION,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "pu"),
            "OPTIONS": redis_options(1),
        },
        # Sessions get an alias of their own: own key prefix, own timeouts, and errors that
        # reach the store, which falls back to the database and retries revocations.
        "sessions": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_LOCATION,
            "KEY_PREFIX": os.environ.get("SESSION_CACHE_KEY_PREFIX", "pu-s"),
            "OPTIONS": {**redis_options(0.5), "IGNORE_EXCEPTIONS": False},
        },
    }
else:
    # No Redis: Django's database cache, so allauth's rate limits are counted once for every
    # worker and app server (a per-process memory would give each worker its own budget).
    # The table is made by a migration (accounts.0004_shared_cache_table) and `createcachetable`.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "pixelunion_cache",
        }
    }

# --- Sessions: one tracked table for browsers and the mobile app -------------------------------
SESSION_ENGINE = "sessions_ui.backends.cached_db" if REDIS_URL else "sessions_ui.backends.db"
SESSION_CACHE_ALIAS = "sessions" if REDIS_URL else "default"
# How long a session row (or a revocation tombstone) lives in the cache, in seconds.
SESSION_CACHE_TTL = env_int("SESSION_CACHE_TTL", 300)
# After a cache error the store reads from the database for this many seconds before retrying.
SESSION_CACHE_RETRY_AFTER = env_int("SESSION_CACHE_RETRY_AFTER", 5)
# With the cache: how often each process reads the keys revoked since its last look (seconds;
# sessions_ui/revoked_keys.py). A sign-out holds on every app server at most this much later.
SESSION_REVOCATION_CHECK_INTERVAL = env_float("SESSION_REVOCATION_CHECK_INTERVAL", 0.5)
# Idle timeout and absolute lifetime, enforced on the server (see README, "Sessions").
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 14 * 24 * 3600)
SESSION_ABSOLUTE_LIFETIME = env_int("SESSION_ABSOLUTE_LIFETIME", 90 * 24 * 3600)
APP_SESSION_IDLE_TIMEOUT = env_int("APP_SESSION_IDLE_TIMEOUT", 90 * 24 * 3600)
APP_SESSION_ABSOLUTE_LIFETIME = env_int("APP_SESSION_ABSOLUTE_LIFETIME", 365 * 24 * 3600)
# Last activity is written at most this often per session (seconds).
SESSION_ACTIVITY_INTERVAL = env_int("SESSION_ACTIVITY_INTERVAL", 60)
# The cookie outlives idle periods; the server decides when a session has expired.
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
# __Host-: the browser keeps the cookie only if it is Secure, Path=/ and has no Domain, so no
# sibling subdomain (an Immich host, say) can set or shadow it. (Tests keep "sessionid":
# tests/settings.py; tests/test_settings.py checks this name end to end.)
SESSION_COOKIE_NAME = "__Host-sessionid" if SESSION_COOKIE_SECURE else "sessionid"
SESSION_COOKIE_PATH = "/"
SESSION_COOKIE_DOMAIN = None
# Which browser signed in, for the risk signals (sessions_ui/browsers.py): a random id that
# outlives sessions; 400 days is the longest Chromium keeps a cookie. Renewed at every sign-in.
BROWSER_COOKIE_NAME = "__Host-browser" if SESSION_COOKIE_SECURE else "browser"
BROWSER_COOKIE_AGE = 400 * 24 * 3600
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Client identification ---------------------------------------------------------------------
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
GEOIP_DB = os.environ.get("GEOIP_DB", "")
# Optional: an ASN file in the MaxMind format (GeoLite2-ASN, DB-IP ASN Lite) for the network an
# address belongs to; without it there is no "Värdnätverk" signal.
GEOIP_ASN_DB = os.environ.get("GEOIP_ASN_DB", "")

# --- Accounts (allauth) --------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's backends, loading the user's 2FA status in the same query.
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
    # Still accepted for sessions that name it (start_session's default before it named the
    # first backend above); such sessions load the user without the prepared query.
    "django.contrib.auth.backends.ModelBackend",
]
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "signup": "20/m/ip",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[PixelUnion] "
# The "sudo" window: password (and 2FA code) entries on a session older than this are asked for
# again before changing password, email or 2FA and before ending sessions (accounts.reauth).
ACCOUNT_REAUTHENTICATION_TIMEOUT = env_int("REAUTHENTICATION_TIMEOUT", 15 * 60)

# --- Two-factor authentication (django-otp) and the security log ------------------------------
OTP_TOTP_ISSUER = "PixelUnion"
# Wrong codes wait 1, 2, 4, … seconds (django-otp's throttle); a check refuses 0 in production.
OTP_TOTP_THROTTLE_FACTOR = env_int("OTP_THROTTLE_FACTOR", 1)
OTP_STATIC_THROTTLE_FACTOR = OTP_TOTP_THROTTLE_FACTOR
# Security events older than this are deleted by `manage.py prune_security_log`.
SECURITY_LOG_RETENTION_DAYS = env_int("SECURITY_LOG_RETENTION_DAYS", 365)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "account_security"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Email ----------------------------------------------------------------------------------------
if os.environ.get("EMAIL_URL") or os.environ.get("DJANGO_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
    EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", True)
    if os.environ.get("EMAIL_URL"):
        from urllib.parse import unquote, urlparse

        _url = urlparse(os.environ["EMAIL_URL"])
        EMAIL_HOST = _url.hostname or EMAIL_HOST
        EMAIL_PORT = _url.port or EMAIL_PORT
        EMAIL_HOST_USER = unquote(_url.username or "")
        EMAIL_HOST_PASSWORD = unquote(_url.password or "")
        EMAIL_USE_TLS = _url.scheme in {"smtp+tls", "submission"}
        EMAIL_USE_SSL = _url.scheme == "smtps"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "PixelUnion <no-reply@pixelunion.example>")
# An unreachable SMTP server gives up after this many seconds instead of hanging a request.
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 10)

# --- Suspicious activity: risk signals and new sign-in alerts (account_security.risk, .alerts) --------
# Ny plats: the place (city, or country when the city is unknown) is not among the account's
# sign-ins of this many days before the session.
RISK_NEW_PLACE_DAYS = env_int("RISK_NEW_PLACE_DAYS", 90)
# Flera länder: sessions active within this many hours come from more than one country.
RISK_SEVERAL_COUNTRIES_HOURS = env_int("RISK_SEVERAL_COUNTRIES_HOURS", 24)
# Omöjlig resa: two sign-ins further apart than the distance a plane could cover at this speed
# (km/h, great-circle distance)…
RISK_IMPOSSIBLE_TRAVEL_KMH = env_int("RISK_IMPOSSIBLE_TRAVEL_KMH", 1000)
# …and at least this far apart (km): below it, GeoIP's own inaccuracy (mobile networks are often
# placed hundreds of km off) would raise false alarms.
RISK_IMPOSSIBLE_TRAVEL_MIN_KM = env_int("RISK_IMPOSSIBLE_TRAVEL_MIN_KM", 500)
# Ovanlig tid: a local hour more than RISK_USUAL_HOURS_MARGIN hours from every hour the account
# has signed in at is unusual; with fewer trusted sign-ins than RISK_USUAL_HOURS_MIN_SIGN_INS, only
# if it is also night (local RISK_NIGHT_START to RISK_NIGHT_END o'clock).
RISK_USUAL_HOURS_MIN_SIGN_INS = env_int("RISK_USUAL_HOURS_MIN_SIGN_INS", 5)
RISK_USUAL_HOURS_MARGIN = env_int("RISK_USUAL_HOURS_MARGIN", 3)
RISK_NIGHT_START = env_int("RISK_NIGHT_START", 0)
RISK_NIGHT_END = env_int("RISK_NIGHT_END", 5)
# How far back (days) and how many of the newest sign-in events the signals read.
RISK_HISTORY_DAYS = env_int("RISK_HISTORY_DAYS", 365)
RISK_HISTORY_LIMIT = env_int("RISK_HISTORY_LIMIT", 500)
# Trusted sign-ins pruned from the security log are kept in summary (per place, network, device
# and hour: how many, the last one) until the last of them is this many days old.
RISK_SUMMARY_DAYS = env_int("RISK_SUMMARY_DAYS", 1095)
# Ny plats: a place within this many km of a familiar one is familiar (GeoIP names a suburb,
# the next town, for the same line).
RISK_NEAR_KM = env_int("RISK_NEAR_KM", 60)
# A sign-in that raised only a quiet note teaches, once it is this many days old and was not
# disowned ("Det var inte jag"); see account_security.risk.
RISK_SETTLE_DAYS = env_int("RISK_SETTLE_DAYS", 7)
# A place with at least this many trusted sign-ins stays familiar for the whole history.
RISK_HOME_SIGN_INS = env_int("RISK_HOME_SIGN_INS", 3)
# Värdnätverk: autonomous system numbers of hosting / VPN operators, on top of the built-in list.
RISK_HOSTING_ASNS = [int(n) for n in env_list("RISK_HOSTING_ASNS")]
# "Ny inloggning på ditt PixelUnion-konto" for a sign-in whose signals together raise a warning.
SIGN_IN_ALERTS = env_bool("SIGN_IN_ALERTS", True)
# Links in emails point here (never at the Host header of the request that caused the email).
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/") or (
    # localhost rather than 127.0.0.1: browsers refuse an IP address as a passkey's RP id.
    "http://localhost:8000" if DEBUG else (f"https://{ALLOWED_HOSTS[0]}" if ALLOWED_HOSTS else "")
)
# Passkeys (django-otp-webauthn): the relying party is the site itself, so the RP id is the host
# of SITE_URL and the only origin a registration or assertion may come from is SITE_URL's.
# A passkey is bound to that host: changing it makes every registered passkey unusable.
from urllib.parse import urlsplit as _urlsplit  # noqa: E402

_site = _urlsplit(SITE_URL)
OTP_WEBAUTHN_RP_ID = _site.hostname or ""
OTP_WEBAUTHN_RP_NAME = "PixelUnion"
OTP_WEBAUTHN_ALLOWED_ORIGINS = [f"{_site.scheme}://{_site.netloc}"] if _site.netloc else []
# Signing in with a passkey alone (a discoverable credential with user verification) is on;
# the library then asks authenticators to keep the credential (resident key required).
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = True
OTP_WEBAUTHN_TIMEOUT_SECONDS = env_int("PASSKEY_TIMEOUT", 5 * 60)
OTP_WEBAUTHN_HELPER_CLASS = "accounts.passkeys.PasskeyHelper"
# Where the "Det var inte jag" walk-through and the emails send people for help.
SUPPORT_EMAIL = os.environ.get("SUPPORT_EMAIL", "support@pixelunion.example")

# --- Immich: PixelUnion is its OpenID Connect provider (immich/, docs/immich.md) ----------------
# Without IMMICH_URL nothing is sent to or fetched from Immich; the provider itself is always on.
IMMICH_URL = os.environ.get("IMMICH_URL", "").strip().rstrip("/")
# An Immich API key of an admin with the adminUser.read and adminSession.read permissions.
IMMICH_API_KEY = os.environ.get("IMMICH_API_KEY", "")
# The OAuth client Immich is registered as (created by `manage.py immich_client`).
IMMICH_OIDC_CLIENT_ID = os.environ.get("IMMICH_OIDC_CLIENT_ID", "immich")
IMMICH_OIDC_CLIENT_SECRET = os.environ.get("IMMICH_OIDC_CLIENT_SECRET", "")
# An Immich session's idle timeout and absolute lifetime here (seconds); Immich's own default
# session has no expiry, so ours decides.
IMMICH_SESSION_IDLE_TIMEOUT = env_int("IMMICH_SESSION_IDLE_TIMEOUT", APP_SESSION_IDLE_TIMEOUT)
IMMICH_SESSION_ABSOLUTE_LIFETIME = env_int(
    "IMMICH_SESSION_ABSOLUTE_LIFETIME", APP_SESSION_ABSOLUTE_LIFETIME
)
# How long Immich's own session details (device, app version, last update) are kept before the
# background sync asks again, and how many seconds a timeout of one Immich call may take.
IMMICH_SYNC_INTERVAL = env_int("IMMICH_SYNC_INTERVAL", 300)
IMMICH_HTTP_TIMEOUT = env_int("IMMICH_HTTP_TIMEOUT", 5)
# Back-channel logout deliveries: attempts before giving up (with back-off 5 s, 10 s, 20 s, …
# capped at BACKCHANNEL_MAX_DELAY): 12 attempts cover well over an hour of Immich downtime.
BACKCHANNEL_ATTEMPTS = env_int("BACKCHANNEL_ATTEMPTS", 12)
BACKCHANNEL_FIRST_DELAY = env_int("BACKCHANNEL_FIRST_DELAY", 5)
BACKCHANNEL_MAX_DELAY = env_int("BACKCHANNEL_MAX_DELAY", 15 * 60)
# The Immich gate (deploy/nginx/immich-gate.conf): the shared secret the proxy sends in
# X-PixelUnion-Gate. Without it the gate answers 404 to everyone.
IMMICH_GATE_SECRET = os.environ.get("IMMICH_GATE_SECRET", "")

# The provider's RSA signing key (PEM), from OIDC_PRIVATE_KEY or the file OIDC_PRIVATE_KEY_FILE.
OIDC_PRIVATE_KEY = os.environ.get("OIDC_PRIVATE_KEY", "").strip()
if not OIDC_PRIVATE_KEY and os.environ.get("OIDC_PRIVATE_KEY_FILE"):
    OIDC_PRIVATE_KEY = Path(os.environ["OIDC_PRIVATE_KEY_FILE"]).read_text().strip()
if not OIDC_PRIVATE_KEY:
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "OIDC_PRIVATE_KEY (or OIDC_PRIVATE_KEY_FILE) must be set when DJANGO_DEBUG is off: "
            "the RSA key that signs Immich's ID and logout tokens. Make one with "
            "`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048` (docs/immich.md)."
        )
    # Development only: a key of this checkout, made once (git-ignored).
    from pixelunion.dev_key import development_key

    OIDC_PRIVATE_KEY = development_key(BASE_DIR / ".oidc-dev-key.pem")
IDP_OIDC_PRIVATE_KEY = OIDC_PRIVATE_KEY
IDP_OIDC_ADAPTER = "immich.provider.ImmichOIDCAdapter"
# The issuer is SITE_URL (tokens are also signed outside requests: back-channel logouts).
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").rstrip("/") or SITE_URL
IDP_OIDC_RP_INITIATED_LOGOUT_ASKS_FOR_OP_LOGOUT = True

# --- Background tasks (django-tasks with its database backend; worker: manage.py worker) ---------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# background.retry: a failed task runs again after 30 s, 60 s, 120 s, … (capped), this many times.
TASK_RETRY_ATTEMPTS = env_int("TASK_RETRY_ATTEMPTS", 8)
TASK_RETRY_FIRST_DELAY = env_int("TASK_RETRY_FIRST_DELAY", 30)
TASK_RETRY_MAX_DELAY = env_int("TASK_RETRY_MAX_DELAY", 3600)
# background.recovery: a task RUNNING this long was abandoned by a killed worker; run it again.
TASK_ABANDONED_AFTER = env_int("TASK_ABANDONED_AFTER", 3600)
# `manage.py worker`'s id: stable across restarts (so it takes back what it held), unique per worker.
TASK_WORKER_ID = os.environ.get("TASK_WORKER_ID", "") or socket.gethostname()[:64]

# --- Internationalisation --------------------------------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Europe/Stockholm")
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Deployment safety: `check --deploy` refuses these development defaults unless allowed ------
# (pixelunion/checks.py; README "Configuration"). For a small single-server install.
ALLOW_SQLITE = env_bool("ALLOW_SQLITE")
ALLOW_CONSOLE_EMAIL = env_bool("ALLOW_CONSOLE_EMAIL")
ALLOW_NO_REDIS = env_bool("ALLOW_NO_REDIS")
ALLOW_EMBEDDED_GEOIP = env_bool("ALLOW_EMBEDDED_GEOIP")

# --- Production hardening -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXIES else None

# --- Content-Security-Policy (django-csp 4) ----------------------------------------------------------
# Only our own files: no inline script or style anywhere (tests/test_templates.py keeps the
# templates so), no plugins, no framing. The QR code is inline SVG markup (presentation
# attributes, not style); `data:` images are allowed for it and for the API docs' icons.
# form-action is left open on purpose: the OpenID Connect consent form redirects to Immich.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Logs and error reports (pixelunion/log.py) ------------------------------------------------------
# One line per event: time, level, logger, request id, message; JSON with LOG_FORMAT=json.
from pixelunion.log import init_sentry, logging_config  # noqa: E402

LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
LOGGING = logging_config(
    level=os.environ.get("DJANGO_LOG_LEVEL", "WARNING"), json_format=LOG_FORMAT == "json"
)
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    init_sentry(
        SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", ""),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE") or 0),
    )
