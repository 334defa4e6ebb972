"""Production settings: everything in settings.py, hardened, and strict about configuration.

Start with DJANGO_SETTINGS_MODULE=instainstru.production. It refuses to start without a
real secret key, allowed hosts and a database URL rather than fall back to a development
default.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from instainstru.settings import *  # noqa: F403
from instainstru.settings import DEVELOPMENT_SECRET_KEY, env


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production (see .env.example).")
    return value


DEBUG = False
SECRET_KEY = _required("DJANGO_SECRET_KEY")
if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a long random value, not the development key.")
ALLOWED_HOSTS = [h.strip() for h in _required("DJANGO_ALLOWED_HOSTS").split(",") if h.strip()]
_required("DATABASE_URL")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
