from celery import shared_task
from django.utils import timezone

from search.services import search_summaries_repair


@shared_task(name="search.tasks.repair_search_summaries")
def repair_search_summaries() -> int:
    """Rebuilds every instructor's search summary: repairs drift, ages completed lessons out."""
    return search_summaries_repair(now=timezone.now())
