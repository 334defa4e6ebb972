"""Lessons at the instructor's studio and at a neutral place: the place stored on the booking, the
time it takes from the calendar, and the message when the meeting place is missing."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.tests.factories import student
from bookings import services
from bookings.models import Booking
from bookings.tests.factories import bookable_offer
from catalog.models import LocationType

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
STARTS = NOW + timedelta(days=2)
STUDIO = "12 Studio Lane, Brooklyn"


def in_person_offer():
    """Teaches at a studio, at neutral places and online; 15 min buffer, 30 min travel."""
    offer = bookable_offer(hours="00:00-24:00", notice=1, buffer=15, travel=30)
    offer.location_types = [LocationType.STUDIO, LocationType.NEUTRAL, LocationType.ONLINE]
    offer.save(update_fields=["location_types"])
    offer.instructor.studio_address = STUDIO
    offer.instructor.save(update_fields=["studio_address"])
    return offer


def book(offer, location_type, **place):
    return services.booking_create(
        student=student(),
        offer=offer,
        duration_minutes=60,
        starts_at=STARTS,
        location_type=location_type,
        now=NOW,
        idempotency_key=location_type,
        **place,
    )


def test_a_studio_lesson_is_at_the_studio_whatever_was_typed():
    offer = in_person_offer()
    booking = book(offer, LocationType.STUDIO, location_address="My kitchen", location_details="Bring music")
    assert (booking.location_type, booking.location_address, booking.location_point, booking.location_details) == (
        "studio",
        STUDIO,
        None,
        "Bring music",
    )
    # No travel for the instructor: the lesson and the buffer after it.
    assert (booking.span.lower, booking.span.upper) == (STARTS, STARTS + timedelta(minutes=75))


def test_a_neutral_place_needs_a_name_and_takes_no_travel_time():
    offer = in_person_offer()
    for blank in ("", "   "):
        with pytest.raises(ValidationError) as refused:
            book(offer, LocationType.NEUTRAL, location_address=blank)
        assert refused.value.messages == ["Name the place where you would like to meet."]
    assert Booking.objects.count() == 0
    booking = book(offer, LocationType.NEUTRAL, location_address="  Prospect Park Boathouse ", location_details="Bench")
    assert (booking.location_type, booking.location_address, booking.location_point, booking.location_details) == (
        "neutral",
        "Prospect Park Boathouse",
        None,
        "Bench",
    )
    assert (booking.span.lower, booking.span.upper) == (STARTS, STARTS + timedelta(minutes=75))


def review_url(offer, location_type):
    query = urlencode(
        {
            "offer": offer.public_id,
            "duration": 60,
            "location_type": location_type,
            "from_date": "2026-05-03",
            "start": STARTS.isoformat(),
        }
    )
    return f"{reverse('booking_review', args=[offer.instructor.public_id])}?{query}"


def test_booking_at_the_studio_through_the_pages(client):
    offer = in_person_offer()
    learner = student()
    client.force_login(learner)
    with time_machine.travel(NOW, tick=False):
        page = client.get(review_url(offer, "studio")).content.decode()
        assert "At the instructor&#x27;s studio" in page and 'name="address"' not in page
        response = client.post(review_url(offer, "studio"), {"idempotency_key": "k1", "note": ""})
    booking = Booking.objects.get(student=learner)
    assert response.status_code == 302 and response["Location"] == f"/payments/checkout/{booking.public_id}/"
    assert booking.location_address == STUDIO
    detail = client.get(reverse("booking_detail", args=[booking.public_id])).content.decode()
    assert f"At the instructor&#x27;s studio · {STUDIO}" in detail


def test_booking_at_a_neutral_place_through_the_pages(client):
    offer = in_person_offer()
    learner = student()
    client.force_login(learner)
    with time_machine.travel(NOW, tick=False):
        page = client.get(review_url(offer, "neutral")).content.decode()
        assert '<label for="id_address">Meeting place:</label>' in page
        missing = client.post(review_url(offer, "neutral"), {"idempotency_key": "k1", "note": "", "address": " "})
        assert missing.status_code == 200 and "This field is required." in missing.content.decode()
        assert Booking.objects.count() == 0
        response = client.post(
            review_url(offer, "neutral"), {"idempotency_key": "k1", "note": "", "address": "Prospect Park Boathouse"}
        )
    booking = Booking.objects.get(student=learner)
    assert response.status_code == 302
    assert (booking.location_type, booking.location_address) == ("neutral", "Prospect Park Boathouse")


def test_a_place_the_instructor_does_not_offer_is_refused():
    offer = bookable_offer()  # online and at the student's place
    for location_type in (LocationType.STUDIO, LocationType.NEUTRAL):
        with pytest.raises(ValidationError, match="Pick one of the places this instructor teaches."):
            book(offer, location_type, location_address="Somewhere")
    assert Booking.objects.count() == 0
