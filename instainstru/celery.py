"""The Celery app. Timed jobs are declared in `instainstru.periodic` and registered in
django-celery-beat's database by `manage.py sync_periodic_tasks` (run by `make setup`)."""

import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instainstru.settings")

app = Celery("instainstru")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _log_like_django(**kwargs):
    """Worker and beat log through Django's LOGGING (one JSON object per line): a receiver of
    this signal stops Celery from installing its own plain-text handlers on the root logger."""
    from django.conf import settings
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
