"""The bookings' periodic jobs run by a real Celery worker process over Redis, on a queue of
their own, against the test database."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import student
from availability.models import OpenTime
from bookings import tasks
from bookings.models import Booking, BookingEvent, BookingStatus, Role
from bookings.services import booking_create
from bookings.tests.factories import bookable_offer, confirmed_booking
from instainstru.tests.processes import celery_worker

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_completes_finished_lessons_and_releases_expired_holds():
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    ended = confirmed_booking(offer=offer, starts_at=now - timedelta(hours=3), now=now - timedelta(days=2))
    upcoming = confirmed_booking(offer=offer, starts_at=now + timedelta(days=2), now=now - timedelta(days=2))
    hold_starts = now + timedelta(days=3)
    hold = booking_create(
        student=student(),
        offer=offer,
        duration_minutes=60,
        starts_at=hold_starts,
        location_type="online",
        now=now - timedelta(hours=1),  # its 15 minutes ran out long ago
        idempotency_key="stale-hold",
    )

    def hold_time_is_open() -> bool:
        return OpenTime.objects.filter(instructor=offer.instructor, span__contains=hold_starts).exists()

    assert not hold_time_is_open()  # the summary was written while the hold was live
    with celery_worker() as worker:
        # One worker, one queue: the jobs run in the order sent, so once the hold is released
        # both completion runs are done.
        tasks.complete_finished_lessons.apply_async(queue=worker.queue)
        tasks.complete_finished_lessons.apply_async(queue=worker.queue)
        tasks.release_expired_holds.apply_async(queue=worker.queue)
        worker.wait_for(hold_time_is_open, what="release the expired hold", timeout=120)

    for booking in (ended, upcoming, hold):
        booking.refresh_from_db()
    assert (ended.status, upcoming.status) == (BookingStatus.COMPLETED, BookingStatus.CONFIRMED)
    assert list(BookingEvent.objects.filter(booking=ended).values_list("kind", flat=True)) == [
        "created",
        "confirmed",
        "completed",
    ]
    assert (hold.status, hold.cancelled_by, hold.cancellation_reason) == (
        BookingStatus.CANCELLED,
        Role.SYSTEM,
        "The booking was not completed in time.",
    )
    assert Booking.objects.filter(status=BookingStatus.PENDING).count() == 0
