"""Completed lessons for review and badge tests, made through the bookings services."""

from datetime import UTC, datetime, timedelta

from bookings.services import booking_mark_completed
from bookings.tests.factories import bookable_offer, confirmed_booking

# A Monday, 10:00 in New York (15:00 UTC).
FIRST_LESSON_AT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def completed_lesson(*, offer=None, who=None, starts_at=FIRST_LESSON_AT, duration=60):
    """A lesson booked two days ahead, taught, and marked completed five minutes after it ended."""
    offer = offer or bookable_offer()
    booking = confirmed_booking(
        offer=offer, starts_at=starts_at, now=starts_at - timedelta(days=2), who=who, duration=duration
    )
    return booking_mark_completed(
        booking=booking, user=offer.instructor.user, now=booking.lesson_ends_at + timedelta(minutes=5)
    )
