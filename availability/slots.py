"""The slot engine: when can this student book this instructor for this offer, duration and
location type, in this date range — answered in the student's timezone.

Everything is computed in UTC from the instructor's *local* quarter-hour masks, one local date
at a time with `zoneinfo`, so:
- a 9:00 availability stays 9:00 local on the day the clocks change;
- local times that do not exist (the skipped spring-forward hour) give no open time;
- a repeated local hour (autumn fall-back) is open once, at its first occurrence (fold=0).

Busy time is the `span` of every booking that holds time (buffers included) and of every
pending hold that has not expired at `now`. A candidate lesson at `s` needs
[s, s + duration) inside open time and its own span [s − pre, s + duration + post) free,
where post = buffer (+ travel) and pre = travel (lessons at the student's place only); since
the lesson buffer is only ever *after* a lesson, two lessons are separated by one buffer.
Travel is the instructor's own setting for "extra time before and after a lesson at the student's
place": it is kept on both sides of each such lesson, so between two lessons at students' places
there is the buffer and two travel times (leaving one place, reaching the other: nothing tells us
the two places are near each other), and between such a lesson and an online one the buffer and
one travel time. Every booking's span is one range, which is what the exclusion constraint needs.

`compute_slots` is pure (no database) so the benchmark and the tests can drive it directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from catalog.models import LocationType

QUARTER = timedelta(minutes=15)
SLOT_STEP = timedelta(minutes=15)


class Slot(NamedTuple):
    """One bookable lesson time (a named tuple: the engine makes hundreds per request)."""

    starts_at: datetime  # UTC
    ends_at: datetime  # UTC

    def local_start(self, zone: ZoneInfo) -> datetime:
        return self.starts_at.astimezone(zone)


@dataclass(frozen=True)
class Schedule:
    """An instructor's availability, loaded once: weekday masks, per-date masks, time off."""

    zone: ZoneInfo
    weekly: dict[int, int]  # weekday (Mon=0) -> 96-bit mask
    overrides: dict[date, int]  # local date -> mask (replaces the weekday)
    time_off: tuple[tuple[date, date], ...]  # inclusive local date ranges

    def mask_for(self, day: date) -> int:
        for first, last in self.time_off:
            if first <= day <= last:
                return 0
        if day in self.overrides:
            return self.overrides[day]
        return self.weekly.get(day.weekday(), 0)


def _runs(mask: int) -> Iterable[tuple[int, int]]:
    """(first quarter, end quarter exclusive) of each run of set bits, low bit = 00:00."""
    i = 0
    while mask:
        if mask & 1:
            start = i
            while mask & 1:
                mask >>= 1
                i += 1
            yield start, i
        else:
            low = (mask & -mask).bit_length() - 1
            mask >>= low
            i += low


def _exists(naive: datetime, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a local wall time (first occurrence), or None if it never happens."""
    aware = naive.replace(tzinfo=zone)
    utc = aware.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return utc


def day_open_intervals(day: date, mask: int, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """Open UTC intervals of one local date."""
    if not mask:
        return []
    midnight = datetime.combine(day, time())
    next_midnight = midnight + timedelta(days=1)
    start_offset = midnight.replace(tzinfo=zone).utcoffset()
    if start_offset == next_midnight.replace(tzinfo=zone).utcoffset():
        # No clock change today: each run converts with one offset.
        return [
            (
                (midnight + first * QUARTER - start_offset).replace(tzinfo=UTC),
                (midnight + end * QUARTER - start_offset).replace(tzinfo=UTC),
            )
            for first, end in _runs(mask)
        ]
    # A clock change today: convert quarter by quarter, dropping wall times that do not exist
    # and offering a repeated wall time once.
    intervals: list[tuple[datetime, datetime]] = []
    for first, end in _runs(mask):
        for quarter in range(first, end):
            utc = _exists(midnight + quarter * QUARTER, zone)
            if utc is None:
                continue
            if intervals and intervals[-1][1] == utc:
                intervals[-1] = (intervals[-1][0], utc + QUARTER)
            else:
                intervals.append((utc, utc + QUARTER))
    return intervals


def open_intervals(schedule: Schedule, window_start: datetime, window_end: datetime) -> list[tuple[datetime, datetime]]:
    """Open UTC intervals clipped to [window_start, window_end), adjacent days merged."""
    first_day = window_start.astimezone(schedule.zone).date() - timedelta(days=1)
    last_day = window_end.astimezone(schedule.zone).date() + timedelta(days=1)
    merged: list[tuple[datetime, datetime]] = []
    day = first_day
    while day <= last_day:
        for start, end in day_open_intervals(day, schedule.mask_for(day), schedule.zone):
            start, end = max(start, window_start), min(end, window_end)
            if start >= end:
                continue
            if merged and merged[-1][1] >= start:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        day += timedelta(days=1)
    return merged


def subtract(intervals: list[tuple[datetime, datetime]], busy: list[tuple[datetime, datetime]]):
    """`intervals` minus `busy` (both sorted)."""
    result = []
    for start, end in intervals:
        cursor = start
        for busy_start, busy_end in busy:
            if busy_end <= cursor or busy_start >= end:
                continue
            if busy_start > cursor:
                result.append((cursor, busy_start))
            cursor = max(cursor, busy_end)
        if cursor < end:
            result.append((cursor, end))
    return result


def _ceil_to_step(moment: datetime) -> datetime:
    step = int(SLOT_STEP.total_seconds())
    seconds = int(moment.timestamp())
    rounded = -(-seconds // step) * step
    if rounded == seconds and moment.microsecond == 0:
        return moment
    return datetime.fromtimestamp(rounded, tz=UTC)


def buffers_for(*, location_type: str, buffer_minutes: int, travel_buffer_minutes: int) -> tuple[timedelta, timedelta]:
    """(before, after) the lesson that its booking's span takes from the calendar."""
    travel = timedelta(minutes=travel_buffer_minutes) if location_type == LocationType.STUDENT_PLACE else timedelta()
    return travel, timedelta(minutes=buffer_minutes) + travel


def compute_slots(
    *,
    schedule: Schedule,
    busy: list[tuple[datetime, datetime]],
    window_start: datetime,
    window_end: datetime,
    duration: timedelta,
    before: timedelta,
    after: timedelta,
    earliest_start: datetime,
    latest_start: datetime,
) -> list[Slot]:
    """Lesson starts in [window_start, window_end) on the 15-minute grid; see the module doc."""
    busy = sorted(busy)  # bookings of one instructor never overlap: their ends are sorted too
    count, index = len(busy), 0
    reach = duration + after  # a lesson starting at s takes [s - before, s + reach)
    first_start = max(window_start, earliest_start)
    # The last start the window, the horizon and (per interval) the open time allow.
    last_start = min(latest_start, window_end - timedelta(microseconds=1))
    slots: list[Slot] = []
    for open_start, open_end in open_intervals(schedule, window_start, window_end + duration):
        start = _ceil_to_step(max(open_start, first_start))
        last = min(open_end - duration, last_start)
        while start <= last:
            # Starts only grow, so bookings that end before this lesson's span are done with.
            while index < count and busy[index][1] <= start - before:
                index += 1
            if index < count and busy[index][0] < start + reach:
                # Jump past the conflicting booking instead of walking quarter by quarter.
                start = _ceil_to_step(max(start + SLOT_STEP, busy[index][1] + before))
                continue
            # Free until the next booking: every start up to there fits.
            free_until = last if index == count else min(last, busy[index][0] - reach)
            while start <= free_until:
                slots.append(Slot(start, start + duration))
                start += SLOT_STEP
    return slots


def available_slots(
    *,
    offer,
    duration_minutes: int,
    location_type: str,
    start_date: date,
    end_date: date,
    student_tz: str | ZoneInfo,
    now: datetime,
    exclude_booking=None,
) -> list[Slot]:
    """Bookable lesson starts for `offer` from `start_date` to `end_date` (inclusive dates in
    the student's timezone), honouring schedule, per-date changes, time off, bookings and live
    holds, buffers, travel buffers, minimum notice and the booking horizon. `exclude_booking`
    frees that booking's own time (used when rescheduling it)."""
    from availability.selectors import slot_inputs_for

    zone = student_tz if isinstance(student_tz, ZoneInfo) else ZoneInfo(student_tz)
    window_start = datetime.combine(start_date, time(), tzinfo=zone).astimezone(UTC)
    window_end = datetime.combine(end_date + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    duration = timedelta(minutes=duration_minutes)
    inputs = slot_inputs_for(
        instructor=offer.instructor,
        start=window_start,
        end=window_end + duration,
        now=now,
        exclude_booking=exclude_booking,
    )
    rules = inputs.rules
    before, after = buffers_for(
        location_type=location_type,
        buffer_minutes=rules.buffer_minutes,
        travel_buffer_minutes=rules.travel_buffer_minutes,
    )
    return compute_slots(
        schedule=inputs.schedule,
        busy=inputs.busy,
        window_start=window_start,
        window_end=window_end,
        duration=duration,
        before=before,
        after=after,
        earliest_start=now + timedelta(hours=rules.minimum_notice_hours),
        latest_start=now + timedelta(days=rules.booking_horizon_days),
    )
