"""Saving availability: which rows a week save writes, and changes refused because a booking
would lose its time (nothing changes then)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from accounts.tests.factories import student
from availability import services
from availability.masks import mask_from_text, text_from_mask
from availability.models import AvailabilitySettings, DateOverride, OpenTime, TimeOff, WeeklyAvailability, mask_to_int
from availability.selectors import week_masks
from bookings.tests.factories import bookable_offer, confirmed_booking

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
WEEK = date(2026, 5, 4)  # a Monday
NEXT_WEEK = date(2026, 5, 11)


def save_week(instructor, week_start: date, *, every_week: bool, **days: str):
    """Saves the week as the editor shows it, with `days` (monday="10:00-12:00", …) retyped."""
    names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    shown = {day: mask_to_int(mask) for day, mask in week_masks(instructor=instructor, week_start=week_start).items()}
    masks = {
        day: mask_from_text(days[names[day.weekday()]]) if names[day.weekday()] in days else mask
        for day, mask in shown.items()
    }
    return services.availability_week_save(
        instructor=instructor,
        week_start=week_start,
        masks=masks,
        loaded_masks=shown,
        expected_version=AvailabilitySettings.objects.get(instructor=instructor).version,
        every_week=every_week,
        now=NOW,
    )


def texts(instructor, week_start: date) -> list[str]:
    return [
        text_from_mask(mask_to_int(mask)) for mask in week_masks(instructor=instructor, week_start=week_start).values()
    ]


def test_this_week_only_writes_changes_for_the_days_that_differ():
    offer = bookable_offer(hours="09:00-17:00")
    instructor = offer.instructor
    save_week(instructor, WEEK, every_week=False, tuesday="10:00-12:00")
    assert list(DateOverride.objects.filter(instructor=instructor).values_list("date", flat=True)) == [date(2026, 5, 5)]
    # Later the recurring schedule changes (from another week): this week's other days follow it,
    # its Tuesday keeps the change made for it.
    save_week(instructor, NEXT_WEEK, every_week=True, monday="08:00-12:00", tuesday="13:00-15:00")
    assert texts(instructor, WEEK)[:3] == ["08:00–12:00", "10:00–12:00", "09:00–17:00"]
    assert texts(instructor, NEXT_WEEK)[:3] == ["08:00–12:00", "13:00–15:00", "09:00–17:00"]


def test_this_week_only_back_to_the_recurring_day_drops_its_change():
    offer = bookable_offer(hours="09:00-17:00")
    instructor = offer.instructor
    save_week(instructor, WEEK, every_week=False, tuesday="10:00-12:00", friday="")
    save_week(instructor, WEEK, every_week=False, tuesday="09:00-17:00")
    assert list(DateOverride.objects.filter(instructor=instructor).values_list("date", "quarter_hours")) == [
        (date(2026, 5, 8), "0" * 24)  # Friday stays closed this week
    ]
    assert texts(instructor, WEEK) == ["09:00–17:00"] * 4 + ["", "09:00–17:00", "09:00–17:00"]


def booked(offer, starts_at, name="Ana Booked"):
    return confirmed_booking(offer=offer, starts_at=starts_at, now=NOW, who=student(full_name=name))


def test_an_every_week_save_cannot_remove_a_booked_time_in_another_week():
    offer = bookable_offer(hours="09:00-17:00", notice=1)
    instructor = offer.instructor
    booking = booked(offer, datetime(2026, 5, 11, 10, tzinfo=NY))  # Monday of next week
    services.open_time_refresh(instructor=instructor, now=NOW)
    version = AvailabilitySettings.objects.get(instructor=instructor).version
    weekly = list(WeeklyAvailability.objects.filter(instructor=instructor).values_list("weekday", "quarter_hours"))
    open_time = sorted(OpenTime.objects.filter(instructor=instructor).values_list("span", flat=True))
    with pytest.raises(ValidationError) as refused:
        save_week(instructor, WEEK, every_week=True, monday="13:00-17:00")
    assert refused.value.messages == [
        f"You have a booking then: {booking.service_name} with Ana Booked on Monday 11 May at 10:00 "
        f"({booking.public_id[-6:].upper()}). Cancel or move it before removing that time."
    ]
    assert AvailabilitySettings.objects.get(instructor=instructor).version == version
    assert list(WeeklyAvailability.objects.filter(instructor=instructor).values_list("weekday", "quarter_hours")) == (
        weekly
    )
    assert sorted(OpenTime.objects.filter(instructor=instructor).values_list("span", flat=True)) == open_time
    # This week only is fine: the booking is next week.
    save_week(instructor, WEEK, every_week=False, monday="13:00-17:00")
    assert texts(instructor, WEEK)[0] == "13:00–17:00"


def test_time_off_over_a_booked_day_is_refused_naming_the_booking():
    offer = bookable_offer(hours="09:00-17:00", notice=1)
    instructor = offer.instructor
    booking = booked(offer, datetime(2026, 5, 6, 15, 30, tzinfo=NY), name="Tom Taken")
    version = AvailabilitySettings.objects.get(instructor=instructor).version
    with pytest.raises(ValidationError) as refused:
        services.time_off_create(
            instructor=instructor, first_day=date(2026, 5, 5), last_day=date(2026, 5, 8), reason="Trip", now=NOW
        )
    assert refused.value.messages == [
        f"You have a booking then: {booking.service_name} with Tom Taken on Wednesday 6 May at 15:30 "
        f"({booking.public_id[-6:].upper()}). Cancel or move it before removing that time."
    ]
    assert TimeOff.objects.count() == 0
    assert AvailabilitySettings.objects.get(instructor=instructor).version == version
    # The days around it are fine.
    services.time_off_create(
        instructor=instructor, first_day=date(2026, 5, 7), last_day=date(2026, 5, 8), reason="Trip", now=NOW
    )
    assert TimeOff.objects.count() == 1


def test_time_off_of_another_instructor_cannot_be_removed():
    mine = bookable_offer().instructor
    theirs = bookable_offer().instructor
    off = services.time_off_create(
        instructor=theirs, first_day=date(2026, 5, 5), last_day=date(2026, 5, 8), reason="Trip", now=NOW
    )
    versions = dict(AvailabilitySettings.objects.values_list("instructor_id", "version"))
    assert services.time_off_delete(instructor=mine, time_off_id=off.pk, now=NOW + timedelta(hours=1)) is False
    assert list(TimeOff.objects.values_list("pk", "instructor_id")) == [(off.pk, theirs.pk)]
    assert dict(AvailabilitySettings.objects.values_list("instructor_id", "version")) == versions
