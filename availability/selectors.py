"""Reads of instructor availability shared by the slot engine, the editor and search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection

from availability.models import (
    EMPTY_MASK,
    MAX_BUFFER_MINUTES,
    MAX_TRAVEL_BUFFER_MINUTES,
    AvailabilitySettings,
    DateOverride,
    TimeOff,
    WeeklyAvailability,
    mask_to_int,
)
from availability.slots import Schedule
from bookings.selectors import BUSY_SPANS_SQL, busy_spans_params


def availability_settings_for(*, instructor) -> AvailabilitySettings:
    """The instructor's settings row (defaults when they never saved any; not stored)."""
    try:
        return instructor.availability_settings
    except AvailabilitySettings.DoesNotExist:
        return AvailabilitySettings(instructor=instructor)


@dataclass(frozen=True)
class SlotInputs:
    rules: AvailabilitySettings  # not necessarily stored (defaults)
    schedule: Schedule  # per-date changes and time off of the dates asked about only
    busy: list[tuple[datetime, datetime]]  # sorted UTC spans


_SETTINGS_COLUMNS = ("minimum_notice_hours", "booking_horizon_days", "buffer_minutes", "travel_buffer_minutes")
_SLOT_INPUTS_SQL = f"""
SELECT
  (SELECT ARRAY[{", ".join(_SETTINGS_COLUMNS)}] FROM {AvailabilitySettings._meta.db_table}
    WHERE instructor_id = %(instructor)s),
  (SELECT json_object_agg(weekday, quarter_hours) FROM {WeeklyAvailability._meta.db_table}
    WHERE instructor_id = %(instructor)s),
  (SELECT json_object_agg(date, quarter_hours) FROM {DateOverride._meta.db_table}
    WHERE instructor_id = %(instructor)s AND date BETWEEN %(first_day)s AND %(last_day)s),
  ARRAY(SELECT ARRAY[first_day, last_day] FROM {TimeOff._meta.db_table}
    WHERE instructor_id = %(instructor)s AND first_day <= %(last_day)s AND last_day >= %(first_day)s),
  ARRAY(SELECT ARRAY[lower(span), upper(span)] FROM ({BUSY_SPANS_SQL}) AS busy ORDER BY lower(span), upper(span))
"""  # noqa: S608 - table and column names are constants; values are parameters


def slot_inputs_for(*, instructor, start: datetime, end: datetime, now: datetime, exclude_booking=None) -> SlotInputs:
    """Everything the slot engine needs about lessons that start and end inside [start, end)
    (UTC), read in one statement (one round trip, no ORM): the booking rules, the weekly
    schedule, the per-date changes and time off of those local dates (and a day either side),
    and the busy spans that a lesson there could touch, whatever its buffers. `exclude_booking`
    frees that booking's own time (a reschedule)."""
    zone = ZoneInfo(instructor.user.timezone)
    params = busy_spans_params(
        instructor=instructor,
        start=start - timedelta(minutes=MAX_TRAVEL_BUFFER_MINUTES),
        end=end + timedelta(minutes=MAX_BUFFER_MINUTES + MAX_TRAVEL_BUFFER_MINUTES),
        now=now,
        exclude_booking=exclude_booking,
    )
    params["first_day"] = start.astimezone(zone).date() - timedelta(days=1)
    params["last_day"] = end.astimezone(zone).date() + timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(_SLOT_INPUTS_SQL, params)
        rules_row, weekly, overrides, time_off, busy = cursor.fetchone()
    if rules_row is None:
        rules = AvailabilitySettings(instructor=instructor)
    else:
        rules = AvailabilitySettings(instructor=instructor, **dict(zip(_SETTINGS_COLUMNS, rules_row, strict=True)))
    schedule = Schedule(
        zone=zone,
        weekly={int(weekday): mask_to_int(mask) for weekday, mask in (weekly or {}).items()},
        overrides={date.fromisoformat(day): mask_to_int(mask) for day, mask in (overrides or {}).items()},
        time_off=tuple((first, last) for first, last in time_off),
    )
    return SlotInputs(rules=rules, schedule=schedule, busy=[(lower, upper) for lower, upper in busy])


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
