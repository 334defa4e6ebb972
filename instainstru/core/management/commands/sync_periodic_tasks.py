from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from instainstru.periodic import PERIODIC_TASKS

# Rows we manage carry this prefix, so tasks added by hand for a one-off are left alone.
MANAGED_PREFIX = "[code] "


class Command(BaseCommand):
    help = "Makes django-celery-beat's periodic tasks match instainstru.periodic (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        wanted = {MANAGED_PREFIX + spec.name: spec for spec in PERIODIC_TASKS}
        for name, spec in wanted.items():
            interval, _ = IntervalSchedule.objects.get_or_create(
                every=spec.every_seconds, period=IntervalSchedule.SECONDS
            )
            PeriodicTask.objects.update_or_create(
                name=name, defaults={"task": spec.task, "interval": interval, "enabled": True}
            )
        stale = PeriodicTask.objects.filter(name__startswith=MANAGED_PREFIX).exclude(name__in=wanted)
        removed, _ = stale.delete()
        self.stdout.write(f"Periodic tasks: {len(wanted)} declared, {removed} stale removed.")
