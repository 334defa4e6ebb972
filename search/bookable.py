"""When a student could book open time, in SQL: what the slot engine (`availability.slots`) decides per
slot, as expressions over `OpenTime` spans, so that search's "next available", its soonest sort, its
time filter and the per-instructor summary agree with the slots a student is offered.

A lesson can start at `s` in an open span [lower, upper) when
- `s` is on the engine's 15-minute grid (`SLOT_STEP`, counted from the Unix epoch),
- `s` is at or after `now` plus the instructor's minimum notice (the engine's `earliest_start`),
- `s` is at or after `lower`, and the shortest lesson (`MIN_LESSON`) ends by `upper`.
So the first start in a span is the grid time at or after GREATEST(lower, now + notice), and the span
fits a lesson when that start plus `MIN_LESSON` is at or before `upper`.

Not modelled (the engine still decides, at booking time): the buffer after a lesson that ends where a
booking's time begins, and offers whose shortest duration is longer than `MIN_LESSON`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.postgres.fields.ranges import RangeEndsWith, RangeStartsWith
from django.db.models import DateTimeField, DurationField, Expression, ExpressionWrapper, Func, QuerySet, Value
from django.db.models.functions import Greatest
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual

from availability.models import DEFAULT_MINIMUM_NOTICE_HOURS, OpenTime
from availability.slots import SLOT_STEP

# The shortest lesson: open time shorter than this cannot be booked.
MIN_LESSON = timedelta(minutes=30)

__all__ = ["DEFAULT_MINIMUM_NOTICE_HOURS", "MIN_LESSON", "first_bookable_open_time", "first_start", "fits_lesson"]


class _UpToSlotStep(Func):
    """The first time on the slot engine's grid at or after the argument (`availability.slots._ceil_to_step`)."""

    output_field = DateTimeField()

    def as_sql(self, compiler, connection, **extra_context):
        moment, params = compiler.compile(self.source_expressions[0])
        step = int(SLOT_STEP.total_seconds())
        return f"to_timestamp(ceil(extract(epoch from ({moment})) / {step})::float8 * {step})", params


class _Hours(Func):
    """An interval of so many hours (the minimum notice is stored in whole hours)."""

    output_field = DurationField()

    def as_sql(self, compiler, connection, **extra_context):
        hours, params = compiler.compile(self.source_expressions[0])
        return f"make_interval(hours => ({hours})::integer)", params


def earliest_start(*, now: datetime, notice_hours) -> Expression:
    """`now` plus the minimum notice (an expression giving hours): no lesson may start before it."""
    now_value = Value(now, output_field=DateTimeField())
    return ExpressionWrapper(now_value + _Hours(notice_hours), output_field=DateTimeField())


def first_start(start, earliest: Expression) -> Expression:
    """The first bookable start of open time beginning at `start` (before checking the lesson fits)."""
    return _UpToSlotStep(Greatest(start, earliest, output_field=DateTimeField()))


def _plus_lesson(moment: Expression) -> Expression:
    return ExpressionWrapper(moment + Value(MIN_LESSON), output_field=DateTimeField())


def fits_lesson(start, end, earliest: Expression) -> LessThanOrEqual:
    """Open time [start, end) has room for the shortest lesson from its first bookable start."""
    return LessThanOrEqual(_plus_lesson(first_start(start, earliest)), end)


def first_bookable_open_time(*, instructor, earliest: Expression) -> QuerySet:
    """The instructor's open spans with room for a lesson after `earliest`, first one first, each with
    its first bookable start as `bookable_start` (slice `[:1]` for a subquery).

    An instructor's spans never overlap, so the first by end is the first by start: ordering by
    `upper(span)` from `earliest` plus a lesson walks the `search_open_time_instructor_end` btree index,
    and the fit test skips the few spans too short to take a lesson.
    """
    return (
        OpenTime.objects.filter(instructor=instructor)
        .filter(GreaterThanOrEqual(RangeEndsWith("span"), _plus_lesson(earliest)))
        .filter(fits_lesson(RangeStartsWith("span"), RangeEndsWith("span"), earliest))
        .order_by(RangeEndsWith("span"))
        .annotate(bookable_start=first_start(RangeStartsWith("span"), earliest))
    )
