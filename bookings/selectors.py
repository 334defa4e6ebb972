"""Reads of bookings shared by views, the slot engine and other apps."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Expression, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from bookings.models import HOLDS_TIME, Booking, BookingStatus


def live_holding_bookings(*, now: datetime) -> Q:
    """Bookings that hold calendar time at `now` (expired pending holds do not)."""
    return Q(status__in=HOLDS_TIME) & ~Q(status=BookingStatus.PENDING, hold_expires_at__lte=now)


# `live_holding_bookings` in SQL, for statements that read busy time together with other inputs
# in one round trip (`availability.selectors.slot_inputs_for`): the spans of the bookings of
# %(instructor)s that hold time at %(now)s and overlap [%(busy_start)s, %(busy_end)s), except
# %(exclude_booking)s (an id, or 0). Pending rows always have an expiry (a check constraint).
_HOLDS_TIME_SQL = ", ".join(f"'{status}'" for status in HOLDS_TIME)
BUSY_SPANS_SQL = (
    f"SELECT span FROM {Booking._meta.db_table}"  # noqa: S608 - table name and statuses are constants
    " WHERE instructor_id = %(instructor)s AND span && tstzrange(%(busy_start)s, %(busy_end)s)"
    f" AND status IN ({_HOLDS_TIME_SQL})"
    f" AND NOT (status = '{BookingStatus.PENDING}' AND hold_expires_at <= %(now)s)"
    " AND id <> %(exclude_booking)s"
)


def busy_spans_params(*, instructor, start: datetime, end: datetime, now: datetime, exclude_booking=None) -> dict:
    return {
        "instructor": instructor.pk,
        "busy_start": start,
        "busy_end": end,
        "now": now,
        "exclude_booking": exclude_booking.pk if exclude_booking is not None else 0,
    }


def busy_spans(*, instructor, start: datetime, end: datetime, now: datetime, exclude_booking=None):
    """Sorted (start, end) UTC spans of the instructor's bookings overlapping [start, end)."""
    params = busy_spans_params(instructor=instructor, start=start, end=end, now=now, exclude_booking=exclude_booking)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT lower(span), upper(span) FROM ({BUSY_SPANS_SQL}) AS busy ORDER BY 1, 2", params)  # noqa: S608
        return cursor.fetchall()


def student_bookings(*, student, upcoming: bool, now: datetime) -> QuerySet[Booking]:
    rows = Booking.objects.filter(student=student).select_related("instructor__user", "offer")
    if upcoming:
        return rows.filter(lesson_ends_at__gt=now).exclude(status=BookingStatus.CANCELLED).order_by("lesson_starts_at")
    return rows.filter(Q(lesson_ends_at__lte=now) | Q(status=BookingStatus.CANCELLED)).order_by("-lesson_starts_at")


def instructor_bookings(*, instructor, upcoming: bool, now: datetime) -> QuerySet[Booking]:
    rows = Booking.objects.filter(instructor=instructor).select_related("student", "offer")
    if upcoming:
        return rows.filter(lesson_ends_at__gt=now).exclude(status=BookingStatus.CANCELLED).order_by("lesson_starts_at")
    return rows.filter(Q(lesson_ends_at__lte=now) | Q(status=BookingStatus.CANCELLED)).order_by("-lesson_starts_at")


def instructor_bookings_between(*, instructor, start: datetime, end: datetime) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(instructor=instructor, lesson_starts_at__lt=end, lesson_ends_at__gt=start)
        .exclude(status=BookingStatus.CANCELLED)
        .select_related("student")
        .order_by("lesson_starts_at")
    )


def booking_for_participant(*, user, public_id: str) -> Booking | None:
    """The booking if `user` is its student or instructor; None otherwise (views answer 404)."""
    return (
        Booking.objects.filter(public_id=public_id)
        .filter(Q(student=user) | Q(instructor__user=user))
        .select_related("student", "instructor__user", "offer__service")
        .first()
    )


def search_completed_lessons_annotation(*, now: datetime | None = None) -> Expression:
    """Completed lessons per instructor whose lesson started in the last SEARCH_COMPLETED_LESSONS_DAYS
    days, as an expression over an `InstructorProfile` queryset (search ranks by it; see
    `search.ranking`). Plugged in by the SEARCH_COMPLETED_LESSONS_ANNOTATION setting."""
    now = now or timezone.now()
    days = getattr(settings, "SEARCH_COMPLETED_LESSONS_DAYS", 365)
    completed = (
        Booking.objects.filter(
            instructor=OuterRef("pk"),
            status=BookingStatus.COMPLETED,
            lesson_starts_at__gte=now - timedelta(days=days),
            lesson_starts_at__lte=now,
        )
        .order_by()
        .values("instructor")
        .annotate(lessons=Count("pk"))
        .values("lessons")
    )
    return Coalesce(Subquery(completed, output_field=IntegerField()), Value(0))
