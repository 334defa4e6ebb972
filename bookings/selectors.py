"""Reads of bookings shared by views, the slot engine and other apps."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Expression, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from bookings.models import HOLDS_TIME, Booking, BookingStatus


def live_holding_bookings(*, now: datetime) -> Q:
    """Bookings that hold calendar time at `now` (expired pending holds do not)."""
    return Q(status__in=HOLDS_TIME) & ~Q(status=BookingStatus.PENDING, hold_expires_at__lte=now)


def busy_spans(*, instructor, start: datetime, end: datetime, now: datetime, exclude_booking=None):
    """Sorted (start, end) UTC spans of the instructor's bookings overlapping [start, end)."""
    rows = Booking.objects.filter(live_holding_bookings(now=now), instructor=instructor, span__overlap=(start, end))
    if exclude_booking is not None:
        rows = rows.exclude(pk=exclude_booking.pk)
    return sorted((span.lower, span.upper) for span in rows.values_list("span", flat=True))


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
