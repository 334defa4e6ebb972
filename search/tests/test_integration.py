"""Search with the bookings work: completed lessons rank, bookings teach aliases; and what the
speed work must not change (one search per request, a cache that follows catalog changes)."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import student
from bookings.models import Booking, BookingStatus
from bookings.services import booking_cancel, booking_mark_completed
from bookings.tests.factories import bookable_offer, confirmed_booking
from search.models import SearchTermAlias, SearchTermObservation
from search.selectors import SearchFilters, search_instructors
from search.tests.helpers import make_catalog

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


@pytest.fixture
def catalog():
    return make_catalog()


def piano_teacher(catalog, name):
    offer = bookable_offer(hours="09:00-17:00", notice=1, service=catalog["piano"])
    offer.instructor.user.full_name = name
    offer.instructor.user.save()
    return offer


def completed(offer, starts_at):
    booking = confirmed_booking(offer=offer, starts_at=starts_at, now=starts_at - timedelta(days=1))
    return booking_mark_completed(booking=booking, user=offer.instructor.user, now=starts_at + timedelta(hours=2))


def test_completed_lessons_in_the_window_count_for_ranking(catalog, settings):
    settings.SEARCH_COMPLETED_LESSONS_DAYS = 30
    experienced = piano_teacher(catalog, "Erin Experienced")
    piano_teacher(catalog, "Nina New")
    completed(experienced, datetime(2026, 3, 5, 15, tzinfo=UTC))  # 41 days before: too old
    completed(experienced, datetime(2026, 3, 20, 15, tzinfo=UTC))
    completed(experienced, datetime(2026, 3, 23, 15, tzinfo=UTC))
    cancelled = confirmed_booking(offer=experienced, starts_at=datetime(2026, 3, 24, 15, tzinfo=UTC), now=NOW)
    booking_cancel(booking=cancelled, user=cancelled.student, now=NOW, reason="")
    search_now = datetime(2026, 4, 15, 12, tzinfo=UTC)

    results = search_instructors(filters=SearchFilters(service_id=catalog["piano"].pk), now=search_now)

    cards = {card.user.full_name: card.completed_lessons for card in results.page.object_list}
    assert cards == {"Erin Experienced": 2, "Nina New": 0}
    assert [card.user.full_name for card in results.page.object_list] == ["Erin Experienced", "Nina New"]
    assert Booking.objects.filter(status=BookingStatus.COMPLETED).count() == 3


def book(client, offer, starts_at, key="first"):
    query = urlencode(
        {
            "offer": offer.public_id,
            "duration": 60,
            "location_type": "online",
            "from_date": starts_at.date().isoformat(),
            "start": starts_at.isoformat(),
        }
    )
    url = reverse("booking_review", args=[offer.instructor.public_id])
    return client.post(f"{url}?{query}", {"idempotency_key": f"{key}-{starts_at:%d%H}", "note": ""})


def test_booking_after_an_unmatched_search_teaches_an_alias(client, catalog, settings):
    settings.SEARCH_ALIAS_THRESHOLD = 2
    offer = piano_teacher(catalog, "Pia Keys")
    for day in (10, 11):
        learner = student()
        client.force_login(learner)
        with time_machine.travel(NOW, tick=False):
            assert client.get("/search/", {"q": "klavier"}).status_code == 200
            assert client.session["search_unmatched_term"] == "klavier"
            response = book(client, offer, datetime(2026, 3, day, 15, tzinfo=UTC))
        assert response.status_code == 302
        assert Booking.objects.filter(student=learner).count() == 1
    alias = SearchTermAlias.objects.get(term="klavier")
    assert (alias.service, alias.distinct_users, alias.status) == (catalog["piano"], 2, SearchTermAlias.Status.ACTIVE)


def test_a_booking_that_fails_or_follows_no_search_teaches_nothing(client, catalog):
    offer = piano_teacher(catalog, "Pia Keys")
    learner = student()
    client.force_login(learner)
    starts_at = datetime(2026, 3, 10, 15, tzinfo=UTC)
    with time_machine.travel(NOW, tick=False):
        assert book(client, offer, starts_at).status_code == 302  # no search before it
        client.get("/search/", {"q": "klavier"})
        refused = book(client, offer, starts_at, key="second")  # the same time again: taken
    assert refused.status_code == 200
    assert Booking.objects.filter(student=learner).count() == 1
    assert SearchTermObservation.objects.count() == 0
    assert SearchTermAlias.objects.count() == 0


def test_the_redirect_runs_no_search_and_the_session_is_written_once(client, catalog):
    piano_teacher(catalog, "Pia Keys")
    client.get("/search/", {"q": "warm up the lookup cache"})
    with CaptureQueriesContext(connection) as first_hop:
        response = client.get("/search/", {"q": "pianno for kids"})
    assert response.status_code == 302
    assert not [q for q in first_hop.captured_queries if "catalog_instructorprofile" in q["sql"]]
    client.get("/search/", {"q": "klavier"})
    with CaptureQueriesContext(connection) as again:
        client.get("/search/", {"q": "klavier"})
    assert not [q for q in again.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]


def test_a_renamed_service_shows_its_new_name_at_once(client, catalog):
    piano_teacher(catalog, "Pia Keys")
    assert 'aria-label="Remove Piano"' in client.get("/search/", {"service": "piano"}).content.decode()
    piano = catalog["piano"]
    piano.name = "Piano & Keyboard"
    piano.save()
    page = client.get("/search/", {"service": "piano"}).content.decode()
    assert 'aria-label="Remove Piano &amp; Keyboard"' in page
    assert "Pia Keys" in page
