from celery import shared_task
from django.utils import timezone

from accounts.services import sessions_purge_expired


@shared_task(name="accounts.tasks.purge_expired_sessions")
def purge_expired_sessions() -> int:
    """Deletes expired sessions; safe to run twice or concurrently."""
    return sessions_purge_expired(now=timezone.now())
