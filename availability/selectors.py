"""Reads of instructor availability shared by the slot engine, the editor and search."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from availability.models import (
    EMPTY_MASK,
    AvailabilitySettings,
    DateOverride,
    TimeOff,
    WeeklyAvailability,
    mask_to_int,
)
from availability.slots import Schedule


def availability_settings_for(*, instructor) -> AvailabilitySettings:
    """The instructor's settings row (defaults when they never saved any; not stored)."""
    try:
        return instructor.availability_settings
    except AvailabilitySettings.DoesNotExist:
        return AvailabilitySettings(instructor=instructor)


def schedule_for(*, instructor) -> Schedule:
    """Everything the slot engine needs about an instructor's open time, in three queries."""
    weekly = {
        day.weekday: mask_to_int(day.quarter_hours)
        for day in WeeklyAvailability.objects.filter(instructor=instructor).only("weekday", "quarter_hours")
    }
    overrides = {
        row.date: mask_to_int(row.quarter_hours)
        for row in DateOverride.objects.filter(instructor=instructor).only("date", "quarter_hours")
    }
    time_off = tuple(TimeOff.objects.filter(instructor=instructor).values_list("first_day", "last_day"))
    return Schedule(zone=ZoneInfo(instructor.user.timezone), weekly=weekly, overrides=overrides, time_off=time_off)


def week_masks(*, instructor, week_start: date) -> dict[date, str]:
    """The effective mask of each of the 7 local dates from `week_start` (a Monday), before time off."""
    weekly = dict(WeeklyAvailability.objects.filter(instructor=instructor).values_list("weekday", "quarter_hours"))
    dates = [week_start + timedelta(days=i) for i in range(7)]
    overrides = dict(
        DateOverride.objects.filter(instructor=instructor, date__in=dates).values_list("date", "quarter_hours")
    )
    return {day: overrides.get(day, weekly.get(day.weekday(), EMPTY_MASK)) for day in dates}


def time_off_list(*, instructor, today: date):
    return TimeOff.objects.filter(instructor=instructor, last_day__gte=today).order_by("first_day")
