"""Production settings: everything in settings.py, hardened, and strict about configuration.

Start with DJANGO_SETTINGS_MODULE=instainstru.production. It refuses to start without a real
secret key, allowed hosts and database URL, and with any local stand-in left in place (the
recording email adapter, the local Stripe server or its keys), listing every problem at once
(instainstru.core.deployment).
"""

import os

from django.core.exceptions import ImproperlyConfigured

from instainstru.core.deployment import configuration_problems
from instainstru.settings import *  # noqa: F403
from instainstru.settings import env

_problems = configuration_problems(environ=os.environ, settings=globals())
if _problems:
    raise ImproperlyConfigured("Production settings refused:\n- " + "\n- ".join(_problems))

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"].strip()
ALLOWED_HOSTS = [h.strip() for h in os.environ["DJANGO_ALLOWED_HOSTS"].split(",") if h.strip()]

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
