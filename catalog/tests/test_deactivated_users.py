"""An instructor whose user account is deactivated is not live, whatever their profile says: not found
by search (page and API) or the catalog pages, no public profile, and not bookable."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.tests.factories import student
from bookings import services as bookings
from bookings.models import Booking
from bookings.tests.factories import bookable_offer
from catalog.models import Category, InstructorProfile
from catalog.selectors import category_offers, kids_services, live_instructors, public_profile
from search.selectors import SearchFilters, Sort, search_instructors
from search.tests.helpers import make_catalog

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


@pytest.fixture
def pair():
    """Two live piano teachers for kids; the second one's account is then deactivated."""
    catalog = make_catalog()
    active, deactivated = (bookable_offer(service=catalog["piano"]) for _ in range(2))
    for offer, name in ((active, "Active Ada"), (deactivated, "Deactivated Dora")):
        offer.age_groups = ["kids"]
        offer.save()
        offer.instructor.user.full_name = name
        offer.instructor.user.save()
    deactivated.instructor.user.is_active = False
    deactivated.instructor.user.save()
    assert deactivated.instructor.status == InstructorProfile.Status.LIVE  # the profile still says live
    return active, deactivated


def test_live_means_an_active_user_too(pair):
    active, deactivated = pair
    assert list(live_instructors()) == [active.instructor]
    assert active.instructor.is_live and not InstructorProfile.objects.get(pk=deactivated.instructor.pk).is_live
    assert public_profile(deactivated.instructor.public_id) is None
    music = Category.objects.get(slug="music")
    assert list(category_offers(category=music)) == [active]
    assert [service.slug for service in kids_services()] == ["piano"]
    active.instructor.user.is_active = False
    active.instructor.user.save()
    assert list(kids_services()) == []


def test_search_page_and_api_never_return_a_deactivated_instructor(client, pair):
    active, deactivated = pair
    for sort, _ in Sort.CHOICES:
        results = search_instructors(filters=SearchFilters(sort=sort), now=NOW)
        assert [card.pk for card in results.page.object_list] == [active.instructor.pk]
        assert results.count == 1
    response = client.get("/search/", {"service": "piano"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Active Ada" in body and "Deactivated Dora" not in body
    assert deactivated.instructor.public_id not in body
    response = client.get("/api/v1/search/", {"service": "piano"})
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert [card["public_id"] for card in response.json()["results"]] == [active.instructor.public_id]


def test_profile_and_booking_pages_are_not_found(client, pair):
    active, deactivated = pair
    assert client.get(active.instructor.get_absolute_url()).status_code == 200
    assert client.get(deactivated.instructor.get_absolute_url()).status_code == 404
    client.force_login(student())
    assert client.get(reverse("booking_start", args=[deactivated.instructor.public_id])).status_code == 404
    slots = f"/api/v1/instructors/{deactivated.instructor.public_id}/slots/"
    assert client.get(slots, {"service": "piano", "duration": 60, "from": "2026-05-04"}).status_code == 404


LESSON_AT = datetime(2026, 5, 4, 10, tzinfo=NY)


def book(offer, key):
    return bookings.booking_create(
        student=student(),
        offer=offer,
        duration_minutes=60,
        starts_at=LESSON_AT,
        location_type="online",
        now=NOW,
        idempotency_key=key,
    )


def test_booking_a_deactivated_instructor_is_refused_and_stores_nothing(pair):
    active, deactivated = pair
    with pytest.raises(ValidationError, match="not taking bookings"):
        book(deactivated, "deactivated")
    assert Booking.objects.count() == 0
    booking = book(active, "active")  # the same request to the active one is accepted
    assert (booking.lesson_starts_at, booking.lesson_ends_at) == (LESSON_AT, LESSON_AT + timedelta(minutes=60))
    assert Booking.objects.count() == 1
