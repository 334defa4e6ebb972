from celery import shared_task
from django.utils import timezone

from bookings import services


@shared_task(name="bookings.tasks.complete_finished_lessons")
def complete_finished_lessons() -> int:
    """Confirmed lessons that ended become completed (not those in review). Idempotent."""
    return services.bookings_complete_finished(now=timezone.now())


@shared_task(name="bookings.tasks.release_expired_holds")
def release_expired_holds() -> int:
    """Releases pending holds and requests whose time ran out (booking_create also does it)."""
    return services.bookings_release_expired_holds(now=timezone.now())
