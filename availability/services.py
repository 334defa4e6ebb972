"""Writes to instructor availability. Every change bumps the settings `version` (the week
editor's optimistic lock) and refreshes the instructor's `OpenTime` summary in the same
transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from availability.masks import text_from_mask
from availability.models import (
    AvailabilitySettings,
    DateOverride,
    OpenTime,
    TimeOff,
    WeeklyAvailability,
    int_to_mask,
    mask_to_int,
)
from availability.selectors import availability_settings_for, schedule_for, week_masks
from availability.slots import Schedule, open_intervals, subtract
from search.services import search_summary_refresh


@dataclass(frozen=True)
class DayChange:
    day: date
    loaded: str  # what the editor showed, as text
    current: str  # what is stored now


class WeekConflict(Exception):
    """The week changed since the editor loaded it; nothing was saved."""

    def __init__(self, *, changes: list[DayChange], current_version: int):
        super().__init__("This week was changed somewhere else since you opened it.")
        self.changes = changes
        self.current_version = current_version


def _locked_settings(instructor) -> AvailabilitySettings:
    rules, _ = AvailabilitySettings.objects.get_or_create(instructor=instructor)
    return AvailabilitySettings.objects.select_for_update().get(pk=rules.pk)


def _describe_booking(booking, zone) -> str:
    local = booking.lesson_starts_at.astimezone(zone)
    return (
        f"{booking.service_name} with {booking.student.full_name} on {local:%A %-d %B at %H:%M} "
        f"({booking.public_id[-6:].upper()})"
    )


def _refuse_if_bookings_lose_time(*, instructor, schedule: Schedule, now: datetime, dates: set[date] | None):
    """Refuses a change that would leave an upcoming booking outside open time, naming it."""
    from bookings.models import Booking
    from bookings.selectors import live_holding_bookings

    upcoming = Booking.objects.filter(live_holding_bookings(now=now), instructor=instructor, lesson_ends_at__gt=now)
    for booking in upcoming.select_related("student"):
        if dates is not None and booking.lesson_starts_at.astimezone(schedule.zone).date() not in dates:
            continue
        covered = open_intervals(schedule, booking.lesson_starts_at, booking.lesson_ends_at)
        if covered != [(booking.lesson_starts_at, booking.lesson_ends_at)]:
            raise ValidationError(
                f"You have a booking then: {_describe_booking(booking, schedule.zone)}. "
                "Cancel or move it before removing that time."
            )


def open_time_refresh(*, instructor, now: datetime) -> int:
    """Rewrites the instructor's OpenTime rows: open time minus bookings, from now to the horizon."""
    from bookings.selectors import busy_spans

    rules = availability_settings_for(instructor=instructor)
    start = now.astimezone(UTC).replace(second=0, microsecond=0)
    end = start + timedelta(days=rules.booking_horizon_days)
    with transaction.atomic():
        # Serialises refreshes of one instructor, so each one reads what the previous committed.
        _locked_settings(instructor)
        OpenTime.objects.filter(instructor=instructor).delete()
        free = subtract(
            open_intervals(schedule_for(instructor=instructor), start, end),
            busy_spans(instructor=instructor, start=start, end=end, now=now),
        )
        OpenTime.objects.bulk_create(OpenTime(instructor=instructor, span=(lower, upper)) for lower, upper in free)
        search_summary_refresh(instructor_ids=[instructor.pk], now=now)
    return len(free)


def open_time_repair_all(*, now: datetime) -> int:
    """Periodic: rebuilds every live or paused instructor's OpenTime summary (idempotent)."""
    from catalog.models import InstructorProfile

    count = 0
    for instructor in InstructorProfile.objects.filter(
        status__in=[InstructorProfile.Status.LIVE, InstructorProfile.Status.PAUSED]
    ).select_related("user"):
        open_time_refresh(instructor=instructor, now=now)
        count += 1
    OpenTime.objects.exclude(
        instructor__status__in=[InstructorProfile.Status.LIVE, InstructorProfile.Status.PAUSED]
    ).delete()
    return count


def availability_week_save(
    *,
    instructor,
    week_start: date,
    masks: dict[date, int],
    loaded_masks: dict[date, int],
    expected_version: int,
    every_week: bool,
    now: datetime,
) -> AvailabilitySettings:
    """Saves the 7 days from `week_start` at once, or nothing.

    Refuses with `WeekConflict` when the version differs from the one the editor loaded (the
    conflict lists the days that differ from what the editor showed), and with ValidationError
    when an upcoming booking would lose its time. `every_week` makes the days the recurring
    schedule (and drops this week's per-date changes); otherwise they apply to this week only:
    a day that differs from the recurring schedule gets a per-date change, a day that matches it
    has none (so it follows later changes of the recurring schedule).
    """
    dates = [week_start + timedelta(days=i) for i in range(7)]
    if sorted(masks) != dates:
        raise ValidationError("A week has seven days, starting on Monday.")
    with transaction.atomic():
        rules = _locked_settings(instructor)
        if rules.version != expected_version:
            current = week_masks(instructor=instructor, week_start=week_start)
            changes = [
                DayChange(day, text_from_mask(loaded_masks.get(day, 0)), text_from_mask(mask_to_int(current[day])))
                for day in dates
                if mask_to_int(current[day]) != loaded_masks.get(day, 0)
            ]
            raise WeekConflict(changes=changes, current_version=rules.version)
        existing = schedule_for(instructor=instructor)
        if every_week:
            weekly = dict(existing.weekly) | {day.weekday(): masks[day] for day in dates}
            overrides = {d: m for d, m in existing.overrides.items() if d not in masks}
            proposed = Schedule(existing.zone, weekly, overrides, existing.time_off)
            _refuse_if_bookings_lose_time(instructor=instructor, schedule=proposed, now=now, dates=None)
            for day in dates:
                WeeklyAvailability.objects.update_or_create(
                    instructor=instructor, weekday=day.weekday(), defaults={"quarter_hours": int_to_mask(masks[day])}
                )
            DateOverride.objects.filter(instructor=instructor, date__in=dates).delete()
        else:
            # Only the days that differ from the recurring schedule get a per-date change; the
            # others keep following it (and its later changes).
            changed = {day: masks[day] for day in dates if masks[day] != existing.weekly.get(day.weekday(), 0)}
            overrides = {d: m for d, m in existing.overrides.items() if d not in masks} | changed
            proposed = Schedule(existing.zone, existing.weekly, overrides, existing.time_off)
            _refuse_if_bookings_lose_time(instructor=instructor, schedule=proposed, now=now, dates=set(dates))
            DateOverride.objects.filter(instructor=instructor, date__in=dates).exclude(date__in=changed).delete()
            for day, mask in changed.items():
                DateOverride.objects.update_or_create(
                    instructor=instructor, date=day, defaults={"quarter_hours": int_to_mask(mask)}
                )
        rules.version += 1
        rules.save(update_fields=["version", "updated_at"])
        open_time_refresh(instructor=instructor, now=now)
    return rules


def availability_settings_update(
    *,
    instructor,
    minimum_notice_hours: int,
    booking_horizon_days: int,
    buffer_minutes: int,
    travel_buffer_minutes: int,
    now: datetime,
) -> AvailabilitySettings:
    """Saves the booking rules; they apply to new bookings only (bookings copy their terms)."""
    with transaction.atomic():
        rules = _locked_settings(instructor)
        rules.minimum_notice_hours = minimum_notice_hours
        rules.booking_horizon_days = booking_horizon_days
        rules.buffer_minutes = buffer_minutes
        rules.travel_buffer_minutes = travel_buffer_minutes
        rules.full_clean()
        rules.save()
        open_time_refresh(instructor=instructor, now=now)
    return rules


def time_off_create(*, instructor, first_day: date, last_day: date, reason: str, now: datetime) -> TimeOff:
    """Blocks every local date in the range; refused when it would cover an upcoming booking."""
    if last_day < first_day:
        raise ValidationError("The last day of time off must not be before the first day.")
    today = now.astimezone(schedule_for(instructor=instructor).zone).date()
    if last_day < today:
        raise ValidationError("That time off is already over.")
    with transaction.atomic():
        rules = _locked_settings(instructor)
        existing = schedule_for(instructor=instructor)
        proposed = Schedule(
            existing.zone, existing.weekly, existing.overrides, (*existing.time_off, (first_day, last_day))
        )
        _refuse_if_bookings_lose_time(instructor=instructor, schedule=proposed, now=now, dates=None)
        time_off = TimeOff.objects.create(instructor=instructor, first_day=first_day, last_day=last_day, reason=reason)
        rules.version += 1
        rules.save(update_fields=["version", "updated_at"])
        open_time_refresh(instructor=instructor, now=now)
    return time_off


def time_off_delete(*, instructor, time_off_id: int, now: datetime) -> bool:
    """Removes one of the instructor's own time-off ranges; another's id changes nothing."""
    with transaction.atomic():
        rules = _locked_settings(instructor)
        deleted, _ = TimeOff.objects.filter(instructor=instructor, pk=time_off_id).delete()
        if deleted:
            rules.version += 1
            rules.save(update_fields=["version", "updated_at"])
            open_time_refresh(instructor=instructor, now=now)
    return bool(deleted)


def local_midnight_utc(day: date, zone) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
