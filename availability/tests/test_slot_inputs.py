"""The slot engine's inputs come from one statement: the rules, the schedule of the dates asked
about, and the busy time, by the same rule as the bookings' ORM filter."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from availability.masks import mask_from_text
from availability.models import AvailabilitySettings, DateOverride, TimeOff, int_to_mask
from availability.selectors import slot_inputs_for
from availability.slots import available_slots
from bookings.models import Booking, BookingStatus
from bookings.selectors import busy_spans, live_holding_bookings
from bookings.tests.factories import bookable_offer, booking_row
from catalog.models import InstructorService

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
START = datetime(2026, 5, 4, tzinfo=NY)
END = datetime(2026, 5, 11, tzinfo=NY)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 5, day, hour, tzinfo=NY)


def spans(*bookings) -> list[tuple[datetime, datetime]]:
    return sorted((booking.span.lower, booking.span.upper) for booking in bookings)


@pytest.fixture
def calendar():
    """One instructor's bookings in every state, with the ones that hold time at NOW named."""
    offer = bookable_offer()
    hour = timedelta(hours=1)
    rows = {
        "confirmed": booking_row(offer, at(4, 10), at(4, 11)),
        "live hold": booking_row(offer, at(5, 10), at(5, 11), status=BookingStatus.PENDING, hold_expires_at=NOW + hour),
        "in review": booking_row(offer, at(6, 10), at(6, 11), status=BookingStatus.IN_REVIEW),
        "completed": booking_row(offer, at(7, 10), at(7, 11), status=BookingStatus.COMPLETED),
        "no-show": booking_row(offer, at(8, 10), at(8, 11), status=BookingStatus.NO_SHOW),
        "moving": booking_row(offer, at(9, 10), at(9, 11)),
    }
    ignored = [
        booking_row(offer, at(4, 14), at(4, 15), status=BookingStatus.PENDING, hold_expires_at=NOW),  # ran out
        booking_row(
            offer, at(5, 14), at(5, 15), status=BookingStatus.CANCELLED, cancelled_at=NOW, cancelled_by="student"
        ),
        booking_row(offer, at(12, 10), at(12, 11)),  # after the window
        booking_row(bookable_offer(), at(4, 10), at(4, 11)),  # another instructor
    ]
    return offer, rows, ignored


def test_busy_spans_follow_the_live_holding_rule(calendar):
    offer, rows, _ignored = calendar
    busy = busy_spans(instructor=offer.instructor, start=START, end=END, now=NOW, exclude_booking=rows["moving"])
    assert busy == spans(*(row for name, row in rows.items() if name != "moving"))
    orm = Booking.objects.filter(
        live_holding_bookings(now=NOW), instructor=offer.instructor, span__overlap=(START, END)
    )
    assert busy == spans(*orm.exclude(pk=rows["moving"].pk))
    assert busy_spans(instructor=offer.instructor, start=START, end=END, now=NOW) == spans(*rows.values())


def test_slot_inputs_are_one_statement(calendar, django_assert_num_queries):
    offer, rows, _ignored = calendar
    instructor = offer.instructor
    AvailabilitySettings.objects.filter(instructor=instructor).update(
        minimum_notice_hours=6, booking_horizon_days=30, buffer_minutes=10, travel_buffer_minutes=20
    )
    afternoon = int_to_mask(mask_from_text("14:00-16:00"))
    for day in (date(2026, 5, 3), date(2026, 5, 6), date(2026, 5, 20)):
        DateOverride.objects.create(instructor=instructor, date=day, quarter_hours=afternoon)
    TimeOff.objects.create(instructor=instructor, first_day=date(2026, 4, 30), last_day=date(2026, 5, 4))
    TimeOff.objects.create(instructor=instructor, first_day=date(2026, 4, 1), last_day=date(2026, 4, 5))
    instructor = type(instructor).objects.select_related("user").get(pk=instructor.pk)

    with django_assert_num_queries(1):
        inputs = slot_inputs_for(instructor=instructor, start=START, end=END, now=NOW, exclude_booking=rows["moving"])
    rules = inputs.rules
    assert (
        rules.minimum_notice_hours,
        rules.booking_horizon_days,
        rules.buffer_minutes,
        rules.travel_buffer_minutes,
    ) == (6, 30, 10, 20)
    nine_to_five = mask_from_text("09:00-17:00")
    assert inputs.schedule.zone == NY
    assert inputs.schedule.weekly == dict.fromkeys(range(7), nine_to_five)
    # The dates asked about and a day either side: 3 May is in, 20 May and April's time off are not.
    two_to_four = mask_from_text("14:00-16:00")
    assert inputs.schedule.overrides == {date(2026, 5, 3): two_to_four, date(2026, 5, 6): two_to_four}
    assert inputs.schedule.time_off == ((date(2026, 4, 30), date(2026, 5, 4)),)
    assert inputs.busy == spans(*(row for name, row in rows.items() if name != "moving"))


def test_an_instructor_who_never_saved_anything_gets_the_defaults(django_assert_num_queries):
    offer = bookable_offer()
    instructor = offer.instructor
    AvailabilitySettings.objects.filter(instructor=instructor).delete()
    instructor.weekly_days.all().delete()
    instructor = type(instructor).objects.select_related("user").get(pk=instructor.pk)
    with django_assert_num_queries(1):
        inputs = slot_inputs_for(instructor=instructor, start=START, end=END, now=NOW)
    defaults = AvailabilitySettings()
    assert (inputs.rules.minimum_notice_hours, inputs.rules.buffer_minutes, inputs.rules.pk) == (
        defaults.minimum_notice_hours,
        defaults.buffer_minutes,
        None,
    )
    assert (inputs.schedule.weekly, inputs.schedule.overrides, inputs.schedule.time_off, inputs.busy) == (
        {},
        {},
        (),
        [],
    )


def test_a_booking_before_the_window_that_a_lesson_could_touch_is_read(django_assert_num_queries):
    """The busy time read reaches as far as the largest buffers the settings allow: with 3 h of
    travel before a lesson at the student's place, a booking that ends at 23:00 the night before
    keeps the first day asked about closed until 02:00."""
    offer = bookable_offer(hours="00:00-24:00", notice=1, buffer=0, travel=180)
    booking_row(offer, at(3, 20), at(3, 23))
    offer = InstructorService.objects.select_related("service", "instructor__user").get(pk=offer.pk)
    with django_assert_num_queries(1):
        slots = available_slots(
            offer=offer,
            duration_minutes=60,
            location_type="student_place",
            start_date=date(2026, 5, 4),
            end_date=date(2026, 5, 4),
            student_tz=NY,
            now=NOW,
        )
    assert slots[0].starts_at == at(4, 2)
