"""The exclusion constraint itself (`booking_no_double_booking`): rows written straight to the
table, past the services' slot check, and the services' answer when the constraint is what
refuses them."""

import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

from accounts.tests.factories import student
from bookings import services
from bookings.models import Booking, BookingEvent, BookingStatus
from bookings.tests.factories import bookable_offer, booking_row, confirmed_booking
from catalog.services import instructor_set_service_area

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
TEN = datetime(2026, 5, 4, 10, tzinfo=NY)
_keys = iter(range(10**6))


def hold(offer, starts_at, *, who=None, now=NOW, location_type="online", **location) -> Booking:
    """A pending booking made through the service (60 minutes)."""
    return services.booking_create(
        student=who or student(),
        offer=offer,
        duration_minutes=60,
        starts_at=starts_at,
        location_type=location_type,
        now=now,
        idempotency_key=f"service-{next(_keys)}",
        **location,
    )


def refused_by_the_constraint(write) -> str:
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        write()
    return refused.value.__cause__.diag.constraint_name


@pytest.mark.django_db
def test_an_overlapping_row_is_refused_naming_the_constraint_and_nothing_is_stored():
    offer = bookable_offer()
    booking_row(offer, TEN, TEN + timedelta(minutes=75))
    assert refused_by_the_constraint(
        lambda: booking_row(offer, TEN + timedelta(minutes=30), TEN + timedelta(hours=2))
    ) == ("booking_no_double_booking")
    assert refused_by_the_constraint(
        lambda: booking_row(offer, TEN - timedelta(hours=1), TEN + timedelta(minutes=1))
    ) == ("booking_no_double_booking")
    assert Booking.objects.count() == 1


@pytest.mark.django_db
def test_adjacent_rows_and_other_instructors_are_accepted():
    offer = bookable_offer()
    booking_row(offer, TEN, TEN + timedelta(minutes=75))
    booking_row(offer, TEN + timedelta(minutes=75), TEN + timedelta(minutes=150))  # [) ranges touch
    booking_row(offer, TEN - timedelta(hours=1), TEN)
    booking_row(bookable_offer(), TEN, TEN + timedelta(minutes=75))  # another instructor's calendar
    assert Booking.objects.count() == 4


@pytest.mark.django_db
def test_pending_holds_are_included_even_once_expired_and_cancelled_rows_are_not():
    offer = bookable_offer()
    booking_row(offer, TEN, TEN + timedelta(minutes=75), status=BookingStatus.PENDING, hold_expires_at=NOW)
    # Ran out but not released yet: it still holds the time (the services release it first).
    assert refused_by_the_constraint(lambda: booking_row(offer, TEN, TEN + timedelta(minutes=75))) == (
        "booking_no_double_booking"
    )
    later = TEN + timedelta(hours=3)
    booking_row(
        offer,
        later,
        later + timedelta(minutes=75),
        status=BookingStatus.CANCELLED,
        cancelled_at=NOW,
        cancelled_by="student",
    )
    booking_row(offer, later, later + timedelta(minutes=75))
    assert list(Booking.objects.order_by("pk").values_list("status", flat=True)) == [
        "pending",
        "cancelled",
        "confirmed",
    ]


@pytest.mark.parametrize("status", ["in_review", "completed", "no_show"])
@pytest.mark.django_db
def test_lessons_after_the_fact_keep_their_time(status):
    offer = bookable_offer()
    booking_row(offer, TEN, TEN + timedelta(minutes=75), status=status)
    assert refused_by_the_constraint(lambda: booking_row(offer, TEN, TEN + timedelta(minutes=75))) == (
        "booking_no_double_booking"
    )


@pytest.mark.django_db
def test_the_buffer_and_the_travel_time_are_part_of_the_span():
    """An online lesson at 10:00 takes 10:00–11:15 (15 min buffer after); one at the student's
    place at 15:00 takes 14:30–16:45 (30 min travel before and after, and the buffer). A row
    touching the buffer or the travel is refused, one just outside is accepted."""
    offer = bookable_offer(hours="00:00-24:00", notice=1, buffer=15, travel=30)
    instructor_set_service_area(
        instructor=offer.instructor, neighborhood_slugs=[], base_address="Park Slope", travel_radius_m=2000
    )
    offer.instructor.refresh_from_db()
    booking = hold(offer, TEN)
    assert (booking.span.lower, booking.span.upper) == (TEN, TEN + timedelta(minutes=75))
    in_buffer = TEN + timedelta(minutes=74)
    assert refused_by_the_constraint(lambda: booking_row(offer, in_buffer, in_buffer + timedelta(hours=1))) == (
        "booking_no_double_booking"
    )
    booking_row(offer, TEN + timedelta(minutes=75), TEN + timedelta(minutes=135))

    at_home = TEN + timedelta(hours=5)
    visit = hold(
        offer,
        at_home,
        location_type="student_place",
        location_address="200 Eastern Pkwy, Brooklyn",
        location_point=offer.instructor.base_point,
    )
    assert (visit.span.lower, visit.span.upper) == (at_home - timedelta(minutes=30), at_home + timedelta(minutes=105))
    before = at_home - timedelta(minutes=31)
    assert refused_by_the_constraint(lambda: booking_row(offer, before, before + timedelta(minutes=2))) == (
        "booking_no_double_booking"
    )
    after = at_home + timedelta(minutes=104)
    assert refused_by_the_constraint(lambda: booking_row(offer, after, after + timedelta(minutes=60))) == (
        "booking_no_double_booking"
    )
    booking_row(offer, at_home - timedelta(minutes=90), at_home - timedelta(minutes=30))
    booking_row(offer, at_home + timedelta(minutes=105), at_home + timedelta(minutes=165))
    assert Booking.objects.count() == 5


@pytest.mark.django_db
def test_moving_a_row_onto_another_is_refused():
    offer = bookable_offer()
    booking_row(offer, TEN, TEN + timedelta(minutes=75))
    other = booking_row(offer, TEN + timedelta(hours=3), TEN + timedelta(hours=3, minutes=75))
    other.span = DateTimeTZRange(TEN + timedelta(minutes=60), TEN + timedelta(minutes=135))
    assert refused_by_the_constraint(lambda: other.save(update_fields=["span"])) == "booking_no_double_booking"
    other.refresh_from_db()
    assert other.span.lower == TEN + timedelta(hours=3)


@contextmanager
def row_locked_elsewhere(booking: Booking):
    """Another transaction (say, payments confirming that very hold) holds the booking's row."""
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                Booking.objects.select_for_update().get(pk=booking.pk)
                locked.set()
                release.wait(timeout=60)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(timeout=30)
    try:
        yield
    finally:
        release.set()
        holder.join()


@pytest.mark.django_db(transaction=True)
def test_when_only_the_constraint_sees_the_conflict_the_services_answer_slot_taken():
    """An expired hold whose row another transaction holds is skipped by the release (SKIP
    LOCKED) and ignored by the slot check (it ran out), but still holds its time for the
    constraint: moving or booking onto it is refused with "that time was just taken", changing
    nothing."""
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    who = student()
    booking = confirmed_booking(offer=offer, starts_at=TEN, now=NOW, who=who)
    three = TEN + timedelta(hours=3)
    stale = hold(offer, three)
    later = NOW + timedelta(minutes=16)
    events = BookingEvent.objects.count()
    with row_locked_elsewhere(stale):
        with pytest.raises(services.SlotTaken, match="That time was just taken"):
            services.booking_reschedule(booking=booking, user=who, new_starts_at=three, now=later)
        with pytest.raises(services.SlotTaken, match="That time was just taken"):
            hold(offer, three, who=who, now=later)
    booking.refresh_from_db()
    stale.refresh_from_db()
    assert (booking.lesson_starts_at, booking.moves_count, booking.status) == (TEN, 0, BookingStatus.CONFIRMED)
    assert stale.status == BookingStatus.PENDING
    assert Booking.objects.count() == 2 and BookingEvent.objects.count() == events
