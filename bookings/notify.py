"""Telling both sides about a booking: in-app notification and email, each in the recipient's
own timezone with the zone named. Called from services through `transaction.on_commit`."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from bookings.ics import booking_ics
from notifications.services import email_send, notification_create


def when_for(booking, user) -> str:
    """'Tuesday 3 March 2026, 09:00–10:00 (America/New_York)' in `user`'s zone."""
    zone = user.zone
    starts = booking.lesson_starts_at.astimezone(zone)
    ends = booking.lesson_ends_at.astimezone(zone)
    return f"{starts:%A %-d %B %Y, %H:%M}–{ends:%H:%M} ({zone.key})"


def _site_url(path: str) -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def tell(booking, *, user, kind: str, title: str, lines: list[str], with_calendar: bool = False) -> None:
    """One in-app notification and one email to `user` about `booking`."""
    path = reverse("booking_detail", args=[booking.public_id])
    when = when_for(booking, user)
    body = "\n".join([*lines, "", f"When: {when}", f"Lesson: {booking.service_name}, {booking.duration_minutes} min"])
    notification_create(user=user, kind=kind, title=title, body=f"{booking.service_name}: {when}", url=path)
    attachments = []
    if with_calendar:
        ics = booking_ics(booking=booking, recipient=user, title=f"{booking.service_name} lesson", url=_site_url(path))
        attachments.append(("lesson.ics", ics, "text/calendar"))
    email_send(to=user.email, subject=title, body=f"{body}\n\n{_site_url(path)}", attachments=attachments)


def tell_both(booking, *, kind: str, student_title: str, instructor_title: str, lines=(), calendar=False) -> None:
    tell(booking, user=booking.student, kind=kind, title=student_title, lines=list(lines), with_calendar=calendar)
    tell(
        booking,
        user=booking.instructor.user,
        kind=kind,
        title=instructor_title,
        lines=list(lines),
        with_calendar=calendar,
    )
