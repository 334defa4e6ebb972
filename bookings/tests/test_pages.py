from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from accounts.tests.factories import student
from availability.models import AvailabilitySettings
from bookings import services
from bookings.models import Booking, BookingEvent, BookingStatus
from bookings.tests.factories import bookable_offer, confirmed_booking
from bookings.tests.test_ics import download
from notifications.models import OutboundMessage

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


def test_other_people_cannot_see_or_change_a_booking(client):
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    booking = confirmed_booking(offer=offer, starts_at=NOW + timedelta(days=3), now=NOW)
    for outsider in (student(), bookable_offer().instructor.user):
        client.force_login(outsider)
        for name in ("booking_detail", "booking_calendar_file", "booking_reschedule"):
            assert client.get(reverse(name, args=[booking.public_id])).status_code == 404
        for name in ("booking_cancel", "booking_complete", "booking_no_show", "booking_accept", "booking_reschedule"):
            assert client.post(reverse(name, args=[booking.public_id]), {"start": NOW.isoformat()}).status_code == 404
    booking.refresh_from_db()
    assert (booking.status, booking.lesson_starts_at, booking.moves_count) == (
        BookingStatus.CONFIRMED,
        NOW + timedelta(days=3),
        0,
    )
    assert BookingEvent.objects.filter(booking=booking).count() == 2


def test_student_pages_refuse_instructor_pages(client):
    client.force_login(student())
    assert client.get(reverse("teaching_bookings")).status_code == 403
    assert client.get(reverse("availability_week")).status_code == 403


def test_removing_booked_time_is_refused_naming_the_booking(client):
    offer = bookable_offer(hours="09:00-17:00", notice=1)
    learner = student(full_name="Ana Booked")
    with time_machine.travel(NOW, tick=False):
        confirmed_booking(offer=offer, starts_at=datetime(2026, 5, 4, 10, tzinfo=NY), now=NOW, who=learner)
        client.force_login(offer.instructor.user)
        version = AvailabilitySettings.objects.get(instructor=offer.instructor).version
        data = {"version": version, "every_week": "0"}
        for i in range(7):
            data[f"day_{i}"] = "13:00-17:00"
            data[f"loaded_{i}"] = ""
        response = client.post(reverse("availability_week") + "?week=2026-05-04", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "Ana Booked on Monday 4 May at 10:00" in response.content.decode()
    assert AvailabilitySettings.objects.get(instructor=offer.instructor).version == version


@pytest.mark.parametrize(
    ("day", "london_start", "london_end"),
    [
        # Both zones on summer time: London is 5 hours ahead.
        (date(2026, 5, 4), "14:00", "15:00"),
        # 8–29 March 2026: New York already on summer time, London not yet: 4 hours ahead.
        (date(2026, 3, 16), "13:00", "14:00"),
    ],
)
def test_london_student_and_new_york_instructor_each_see_their_own_time(
    client, django_capture_on_commit_callbacks, day, london_start, london_end
):
    offer = bookable_offer(timezone="America/New_York", hours="09:00-12:00", notice=1)
    learner = student(timezone="Europe/London")
    starts = datetime.combine(day, time(9), tzinfo=NY)
    booked_at = starts - timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        booking = confirmed_booking(offer=offer, starts_at=starts, now=booked_at, who=learner)
    long_day = f"{day:%A} {day.day} {day:%B %Y}"
    student_mail = OutboundMessage.objects.get(to__icontains=learner.email, subject__startswith="Booked:")
    teacher_mail = OutboundMessage.objects.get(to__icontains=offer.instructor.user.email)
    assert f"{long_day}, {london_start}–{london_end} (Europe/London)" in student_mail.body
    assert f"{long_day}, 09:00–10:00 (America/New_York)" in teacher_mail.body
    client.force_login(learner)
    page = client.get(reverse("booking_detail", args=[booking.public_id])).content.decode()
    assert f"{london_start}–{london_end} (Europe/London)" in page
    ics = download(client, learner, booking)
    assert (ics["tzid"], ics["dtstart_tzid"], ics["starts_at"]) == ("Europe/London", "Europe/London", starts)
    assert ics["local_start"] == datetime.combine(day, time.fromisoformat(london_start))
    client.force_login(offer.instructor.user)
    page = client.get(reverse("booking_detail", args=[booking.public_id])).content.decode()
    assert "09:00–10:00 (America/New_York)" in page
    ics = download(client, offer.instructor.user, booking)
    assert (ics["tzid"], ics["local_start"], ics["starts_at"]) == (
        "America/New_York",
        datetime.combine(day, time(9)),
        starts,
    )
    # The student's slot list is in London time.
    client.force_login(learner)
    with time_machine.travel(booked_at, tick=False):
        listing = client.get(
            reverse("booking_start", args=[offer.instructor.public_id]),
            {
                "offer": offer.public_id,
                "duration": 60,
                "location_type": "online",
                "from_date": (day + timedelta(days=1)).isoformat(),
            },
        ).content.decode()
    assert f">{london_start}<" in listing and ">09:00<" not in listing


def test_review_page_refuses_a_taken_time_and_stores_nothing(client):
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    starts = NOW + timedelta(days=2)
    confirmed_booking(offer=offer, starts_at=starts, now=NOW)
    learner = student()
    client.force_login(learner)
    url = reverse("booking_review", args=[offer.instructor.public_id])
    query = urlencode(
        {
            "offer": offer.public_id,
            "duration": 60,
            "location_type": "online",
            "from_date": "2026-05-03",
            "start": starts.isoformat(),
        }
    )
    with time_machine.travel(NOW, tick=False):
        response = client.post(f"{url}?{query}", {"idempotency_key": "abc", "note": ""})
    assert response.status_code == 200
    assert "That time was just taken" in response.content.decode()
    assert Booking.objects.filter(student=learner).count() == 0


def test_the_reschedule_page_says_which_terms_a_move_keeps(client):
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    learner = student()
    starts = datetime(2026, 5, 4, 10, tzinfo=NY)
    booking = confirmed_booking(offer=offer, starts_at=starts, now=NOW, who=learner)
    client.force_login(learner)
    url = reverse("booking_reschedule", args=[booking.public_id])
    with time_machine.travel(starts - timedelta(days=2), tick=False):
        assert "cancellation terms" not in client.get(url).content.decode()
    late = starts - timedelta(hours=20)
    with time_machine.travel(late, tick=False):
        page = client.get(url).content.decode()
        assert "moving it keeps today's cancellation terms for the new time" in page
        services.booking_reschedule(booking=booking, user=learner, new_starts_at=starts + timedelta(days=3), now=late)
        page = client.get(url).content.decode()
    assert "This lesson keeps the cancellation terms of its last-minute move (12 to 24 hours before)" in page
    client.force_login(offer.instructor.user)
    with time_machine.travel(late, tick=False):
        page = client.get(url).content.decode()
    assert "can cancel at no cost for 24 hours after your move" in page and "last-minute move" not in page
