"""The Celery app. Timed jobs are declared in `instainstru.periodic` and registered in
django-celery-beat's database by `manage.py sync_periodic_tasks` (run by `make setup`)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instainstru.settings")

app = Celery("instainstru")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
