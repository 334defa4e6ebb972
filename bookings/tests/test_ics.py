"""The .ics files, parsed with the icalendar library: valid, with a VTIMEZONE that gives the
right instant, one stable UID whose SEQUENCE grows with each move, and a cancellation that
takes the lesson out of calendars."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from icalendar import Calendar

from accounts.tests.factories import student
from bookings import services
from bookings.ics import booking_ics
from bookings.tests.factories import bookable_offer, confirmed_booking, pay_and_confirm
from notifications.models import OutboundMessage

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
MAY4_10 = datetime(2026, 5, 4, 10, tzinfo=NY)


def parse_ics(content: bytes) -> tuple[Calendar, dict]:
    """The calendar and the facts of its one event, checked the way a calendar app reads them:
    its VTIMEZONE alone (not the zone database) turns DTSTART/DTEND into instants."""
    calendar = Calendar.from_ical(content)
    (zone,) = calendar.walk("VTIMEZONE")
    (event,) = calendar.walk("VEVENT")
    own_rules = zone.to_tz(lookup_tzid=False)
    attendees = event.get("attendee", [])
    facts = {
        "method": str(calendar["method"]),
        "tzid": str(zone["tzid"]),
        "uid": str(event["uid"]),
        "sequence": int(event["sequence"]),
        "status": str(event["status"]),
        "dtstart_tzid": event["dtstart"].params["TZID"],
        "local_start": event["dtstart"].dt.replace(tzinfo=None),
        "starts_at": event["dtstart"].dt.replace(tzinfo=own_rules).astimezone(UTC),
        "ends_at": event["dtend"].dt.replace(tzinfo=own_rules).astimezone(UTC),
        "attendees": [str(a) for a in (attendees if isinstance(attendees, list) else [attendees])],
    }
    return calendar, facts


def download(client, user, booking) -> dict:
    client.force_login(user)
    response = client.get(reverse("booking_calendar_file", args=[booking.public_id]))
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar; charset=utf-8"
    return parse_ics(response.content)[1]


def test_the_download_is_valid_icalendar_in_the_users_zone(client):
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    learner = student(timezone="Europe/London")
    booking = confirmed_booking(offer=offer, starts_at=MAY4_10, now=NOW, who=learner)
    facts = download(client, learner, booking)
    assert facts == {
        "method": "PUBLISH",
        "tzid": "Europe/London",
        "uid": f"booking-{booking.public_id}@instainstru",
        "sequence": 0,
        "status": "CONFIRMED",
        "dtstart_tzid": "Europe/London",
        "local_start": datetime(2026, 5, 4, 15, 0),
        "starts_at": MAY4_10,
        "ends_at": MAY4_10 + timedelta(hours=1),
        "attendees": [],
    }
    assert download(client, learner, booking) == facts  # the same file every time


def test_a_move_resends_the_same_event_with_a_higher_sequence_and_a_cancellation_removes_it(
    client, django_capture_on_commit_callbacks
):
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    learner = student(full_name="Cal Endar")
    booking = confirmed_booking(offer=offer, starts_at=MAY4_10, now=NOW, who=learner)
    first = download(client, learner, booking)
    booking = services.booking_reschedule(
        booking=booking, user=learner, new_starts_at=MAY4_10 + timedelta(hours=2), now=NOW + timedelta(days=1)
    )
    moved = download(client, learner, booking)
    assert (moved["uid"], moved["sequence"], moved["starts_at"]) == (first["uid"], 1, MAY4_10 + timedelta(hours=2))

    with django_capture_on_commit_callbacks(execute=True):
        booking = services.booking_cancel(booking=booking, user=learner, now=NOW + timedelta(days=1, hours=1))
    url = settings.SITE_URL.rstrip("/") + reverse("booking_detail", args=[booking.public_id])
    for user in (learner, offer.instructor.user):
        calendar_file = booking_ics(booking=booking, recipient=user, title=f"{booking.service_name} lesson", url=url)
        _calendar, cancelled = parse_ics(calendar_file)
        assert (cancelled["method"], cancelled["status"], cancelled["uid"], cancelled["sequence"]) == (
            "CANCEL",
            "CANCELLED",
            first["uid"],
            2,
        )
        assert cancelled["attendees"] == [f"mailto:{user.email}"]
        # Each side's cancellation email carries that file.
        email = OutboundMessage.objects.get(to__icontains=user.email, subject__startswith="Lesson cancelled")
        assert email.attachments == [
            {"filename": "lesson.ics", "mimetype": "text/calendar", "size": len(calendar_file)}
        ]
    assert download(client, learner, booking)["method"] == "CANCEL"


def test_a_declined_request_sends_no_calendar_file(django_capture_on_commit_callbacks):
    offer = bookable_offer(hours="00:00-24:00", notice=1, booking_mode="request")
    learner = student()
    request = services.booking_create(
        student=learner,
        offer=offer,
        duration_minutes=60,
        starts_at=MAY4_10,
        location_type="online",
        now=NOW,
        idempotency_key="request",
    )
    request = pay_and_confirm(request, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking=request, user=offer.instructor.user, now=NOW + timedelta(hours=1))
    email = OutboundMessage.objects.get(to__icontains=learner.email, subject="Lesson request declined")
    assert email.attachments == []
