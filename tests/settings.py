"""Test settings: production behaviour (DEBUG off, secure cookies), plus fast hashing.

Everything else comes from pixelunion.settings, read from the environment as in production;
``DATABASE_URL`` picks SQLite or PostgreSQL for a run.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("DJANGO_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# The provider's signing key: one per test run (production reads OIDC_PRIVATE_KEY the same way).
if not os.environ.get("OIDC_PRIVATE_KEY"):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    os.environ["OIDC_PRIVATE_KEY"] = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )

from pixelunion.settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Production names it __Host-sessionid (pixelunion/settings.py); the suite reads cookies by the
# plain name, and tests/test_settings.py signs in with the production name end to end.
SESSION_COOKIE_NAME = "sessionid"
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
