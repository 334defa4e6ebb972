"""Lessons at the student's place: geocoded addresses checked against the instructor's coverage."""

import html
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.urls import reverse

from accounts.services import saved_address_add
from accounts.tests.factories import student
from bookings.models import Booking, BookingStatus
from bookings.tests.factories import bookable_offer
from catalog.geocoding import UNKNOWN_ADDRESS_MESSAGE
from catalog.services import instructor_set_service_area

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
STARTS = NOW + timedelta(days=2)


def park_slope_offer():
    """Travels 2 km around Park Slope: 200 Eastern Pkwy (1.5 km) is inside, Midtown is not."""
    offer = bookable_offer(hours="00:00-24:00", notice=1, travel=30)
    instructor_set_service_area(
        instructor=offer.instructor, neighborhood_slugs=[], base_address="Park Slope", travel_radius_m=2000
    )
    return offer


def review_url(offer):
    query = urlencode(
        {
            "offer": offer.public_id,
            "duration": 60,
            "location_type": "student_place",
            "from_date": "2026-05-03",
            "start": STARTS.isoformat(),
        }
    )
    return f"{reverse('booking_review', args=[offer.instructor.public_id])}?{query}"


def post_review(client, offer, **data):
    with time_machine.travel(NOW, tick=False):
        return client.post(review_url(offer), {"idempotency_key": "k1", "note": "", **data})


def test_an_address_inside_the_coverage_books_the_lesson_there(client):
    offer = park_slope_offer()
    learner = student()
    client.force_login(learner)
    response = post_review(client, offer, address="200 Eastern Parkway", details="Ring twice")
    booking = Booking.objects.get(student=learner)
    # The time is held while the student pays (payments checkout).
    assert response.status_code == 302 and response["Location"] == f"/payments/checkout/{booking.public_id}/"
    assert booking.status == BookingStatus.PENDING
    assert (booking.location_address, booking.location_details) == ("200 Eastern Pkwy, Brooklyn", "Ring twice")
    assert (round(booking.location_point.x, 4), round(booking.location_point.y, 4)) == (-73.9636, 40.6712)
    # Travel time (30 min) is held before and after the lesson, plus the 15 min buffer after.
    assert booking.span.lower == STARTS - timedelta(minutes=30)
    assert booking.span.upper == STARTS + timedelta(minutes=60 + 15 + 30)


def test_an_address_outside_the_coverage_is_refused_and_nothing_is_stored(client):
    offer = park_slope_offer()
    learner = student()
    client.force_login(learner)
    response = post_review(client, offer, address="350 5th Ave")
    assert response.status_code == 200
    assert "This instructor does not travel to that address." in response.content.decode()
    assert Booking.objects.count() == 0


def test_an_unknown_address_gets_the_geocoder_message_and_nothing_is_stored(client):
    offer = park_slope_offer()
    client.force_login(student())
    response = post_review(client, offer, address="742 Evergreen Terrace, Springfield")
    assert response.status_code == 200
    assert UNKNOWN_ADDRESS_MESSAGE in html.unescape(response.content.decode())
    assert Booking.objects.count() == 0


def test_saved_addresses_are_offered_and_only_the_owners_can_be_used(client):
    offer = park_slope_offer()
    learner = student()
    home = saved_address_add(user=learner, label="Home", text="200 Eastern Pkwy")
    office = saved_address_add(user=learner, label="Office", text="350 5th Ave")
    someone_else = saved_address_add(user=student(), label="Theirs", text="11215")
    client.force_login(learner)
    with time_machine.travel(NOW, tick=False):
        page = client.get(review_url(offer)).content.decode()
    assert "Home: 200 Eastern Pkwy, Brooklyn" in page and "Office: 350 5th Ave, Manhattan" in page
    assert "Theirs" not in page

    # Another person's saved address is not a valid choice: refused, nothing stored.
    response = post_review(client, offer, saved_address=someone_else.public_id)
    assert response.status_code == 200 and Booking.objects.count() == 0
    # The office is outside this instructor's area.
    response = post_review(client, offer, saved_address=office.public_id)
    assert "This instructor does not travel to that address." in response.content.decode()
    assert Booking.objects.count() == 0
    response = post_review(client, offer, saved_address=home.public_id)
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.location_address == "200 Eastern Pkwy, Brooklyn" and booking.location_point == home.point
