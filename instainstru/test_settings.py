"""Settings for the test suite: the real services, with speed-ups that change no behaviour."""

import os

from instainstru.settings import *  # noqa: F403
from instainstru.settings import CACHES, CHANNEL_LAYERS, DATABASES

# Argon2 is deliberately slow; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # noqa: S303
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": "var/test-private"}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Separate key spaces so a running `make run` (or another checkout's tests) is never touched.
# Servers a test starts (daphne, a Celery worker) inherit the variable, so they share the test
# run's cache and channel layer: a notification the test creates reaches their websockets.
_run_prefix = os.environ.setdefault("INSTAINSTRU_TEST_KEY_PREFIX", f"test-{os.getpid()}")
CACHES["default"]["KEY_PREFIX"] = _run_prefix
CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = _run_prefix
# The whole suite logs in from 127.0.0.1 many times a minute; rate limits are tested on their
# own in accounts/tests/test_rate_limits.py with the production setting.
ACCOUNT_RATE_LIMITS = False
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
CELERY_TASK_ALWAYS_EAGER = False
# Async tests run ORM calls on worker threads; a persistent connection left open there keeps
# the test database busy at teardown.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# Servers a test starts serve static files straight from the source (no `collectstatic` needed).
WHITENOISE_USE_FINDERS = True
