"""Helpers for availability and booking tests: a bookable instructor with a weekly schedule."""

from datetime import datetime, timedelta

from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

from accounts.tests.factories import student
from availability.masks import mask_from_text
from availability.models import AvailabilitySettings, WeeklyAvailability, int_to_mask
from bookings.models import Booking, BookingStatus
from bookings.services import booking_confirm_payment_step, booking_create
from catalog.tests.factories import live_instructor
from payments.tests.factories import card_on_file


def set_weekly(instructor, text: str, weekdays=range(7)) -> None:
    for weekday in weekdays:
        WeeklyAvailability.objects.update_or_create(
            instructor=instructor, weekday=weekday, defaults={"quarter_hours": int_to_mask(mask_from_text(text))}
        )


def bookable_offer(*, timezone="America/New_York", hours="09:00-17:00", notice=12, buffer=15, travel=30, **kwargs):
    """A live instructor (in `timezone`) available `hours` every day, with settings."""
    offer = live_instructor(**kwargs)
    instructor = offer.instructor
    instructor.user.timezone = timezone
    instructor.user.save(update_fields=["timezone"])
    AvailabilitySettings.objects.create(
        instructor=instructor,
        minimum_notice_hours=notice,
        buffer_minutes=buffer,
        travel_buffer_minutes=travel,
        booking_horizon_days=60,
    )
    set_weekly(instructor, hours)
    return offer


_keys = iter(range(10**9))


def confirmed_booking(*, offer, starts_at: datetime, now: datetime, who=None, duration=60, location_type="online"):
    who = who or student()
    booking = booking_create(
        student=who,
        offer=offer,
        duration_minutes=duration,
        starts_at=starts_at,
        location_type=location_type,
        now=now,
        idempotency_key=f"key-{next(_keys)}",
    )
    return pay_and_confirm(booking, now=now + timedelta(seconds=1))


def pay_and_confirm(booking, *, now: datetime):
    """The payment step as the payments checkout does it for a saved card (no Stripe server; see
    `payments.tests.factories`), then the booking's payment step."""
    card_on_file(booking=booking, now=now)
    return booking_confirm_payment_step(booking=booking, now=now)


def booking_row(offer, lower: datetime, upper: datetime, *, status=BookingStatus.CONFIRMED, **fields) -> Booking:
    """A booking row written straight to the table (no slot check), taking [lower, upper) of the
    instructor's calendar: a 60-minute online lesson from `lower`."""
    return Booking.objects.create(
        student=fields.pop("student", None) or student(),
        instructor=offer.instructor,
        offer=offer,
        service_name=offer.service.name,
        duration_minutes=60,
        lesson_price_cents=9000,
        booking_fee_cents=1080,
        location_type="online",
        lesson_starts_at=lower,
        lesson_ends_at=lower + timedelta(minutes=60),
        span=DateTimeTZRange(lower, upper),
        status=status,
        policy_clock_started_at=lower - timedelta(days=3),
        idempotency_key=f"row-{next(_keys)}",
        created_at=lower - timedelta(days=3),
        **fields,
    )
