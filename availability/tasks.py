from celery import shared_task
from django.utils import timezone

from availability.services import open_time_repair_all


@shared_task(name="availability.tasks.repair_open_time")
def repair_open_time() -> int:
    """Rebuilds every instructor's OpenTime summary; repairs drift and rolls the window forward."""
    return open_time_repair_all(now=timezone.now())
