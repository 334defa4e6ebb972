"""Search with the bookings work: completed lessons rank, bookings teach aliases; and what the
speed work must not change (one search per request, a cache that follows catalog changes)."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import student
from bookings.models import Booking, BookingStatus
from bookings.services import booking_cancel, booking_mark_completed, bookings_complete_finished
from bookings.tests.factories import bookable_offer, confirmed_booking
from catalog.models import InstructorProfile
from search.models import InstructorSearchSummary, SearchTermAlias, SearchTermObservation
from search.selectors import SearchFilters, search_instructors
from search.services import search_summaries_repair
from search.tests.helpers import make_catalog
from search.unmatched import unmatched_term_current

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


def test_completed_lessons_count_from_each_completion_and_age_out_at_the_repair(
    catalog, settings, django_capture_on_commit_callbacks
):
    settings.SEARCH_COMPLETED_LESSONS_DAYS = 30
    experienced = piano_teacher(catalog, "Erin Experienced")
    piano_teacher(catalog, "Nina New")
    for starts_at in (datetime(2026, 3, 5, 15, tzinfo=UTC), datetime(2026, 3, 20, 15, tzinfo=UTC)):
        with django_capture_on_commit_callbacks(execute=True):
            completed(experienced, starts_at)
    cancelled = confirmed_booking(offer=experienced, starts_at=datetime(2026, 3, 24, 15, tzinfo=UTC), now=NOW)
    booking_cancel(booking=cancelled, user=cancelled.student, now=NOW, reason="")
    search_now = datetime(2026, 4, 15, 12, tzinfo=UTC)

    def lessons_on_cards():
        results = search_instructors(filters=SearchFilters(service_id=catalog["piano"].pk), now=search_now)
        return [(card.user.full_name, card.completed_lessons) for card in results.page.object_list]

    # Each completion refreshed the summary: two lessons in the 30 days before the second one.
    assert InstructorSearchSummary.objects.get(instructor=experienced.instructor).completed_lessons == 2
    assert lessons_on_cards() == [("Erin Experienced", 2), ("Nina New", 0)]
    # The periodic completion job refreshes too (the lesson of March 23 is ended but not marked).
    unmarked = confirmed_booking(offer=experienced, starts_at=datetime(2026, 3, 23, 15, tzinfo=UTC), now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        assert bookings_complete_finished(now=datetime(2026, 3, 23, 17, tzinfo=UTC)) == 1
    assert lessons_on_cards() == [("Erin Experienced", 3), ("Nina New", 0)]
    # On April 15 the lesson of March 5 is 41 days old: the repair job ages it out of the window.
    assert search_summaries_repair(now=search_now) == InstructorProfile.objects.count()
    assert lessons_on_cards() == [("Erin Experienced", 2), ("Nina New", 0)]
    assert Booking.objects.get(pk=unmarked.pk).status == BookingStatus.COMPLETED
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
            assert unmatched_term_current(client.session, now=NOW) == "klavier"
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


def test_a_lookup_asks_the_database_once_per_phrase(catalog):
    from search.lookup_cache import lookup_tables
    from search.lookups import DatabaseLookup

    lookup_tables()  # boroughs come from the cached tables; load them first
    lookup = DatabaseLookup(geocode=lambda phrase: None)
    with CaptureQueriesContext(connection) as first:
        services = lookup.match_services(["pianno", "patient", "pianno teacher"])
        places = lookup.match_places(["park slope", "patient"])
    assert len(first.captured_queries) == 2
    assert {phrase: match.slug for phrase, match in services.items()} == {"pianno": "piano"}
    assert {phrase: match.neighborhood_slug for phrase, match in places.items()} == {"park slope": "park-slope"}
    with CaptureQueriesContext(connection) as again:
        assert lookup.match_services(["patient", "pianno"]) == {"pianno": services["pianno"]}
        assert lookup.match_places(["patient", "park slope"]) == places
    assert again.captured_queries == []
    with CaptureQueriesContext(connection) as new_phrase:
        assert lookup.match_services(["guitr", "pianno"]).keys() == {"guitr", "pianno"}
    assert len(new_phrase.captured_queries) == 1


def test_a_typed_search_that_names_a_service_clears_the_unmatched_term(client, catalog):
    """ "shredding", then "piano patient", then opening or booking a piano teacher teaches nothing:
    only the last typed search counts, and it named a service (on both hops of its redirect)."""
    offer = piano_teacher(catalog, "Pia Keys")
    learner = student()
    client.force_login(learner)
    with time_machine.travel(NOW, tick=False):
        client.get("/search/", {"q": "shredding"})
        assert unmatched_term_current(client.session, now=NOW) == "shredding"
        first_hop = client.get("/search/", {"q": "piano patient"})
        assert unmatched_term_current(client.session, now=NOW) == ""
        assert parse_qs(urlsplit(first_hop["Location"]).query) == {"service": ["piano"], "q": ["patient"]}
        assert client.get(first_hop["Location"]).status_code == 200
        assert unmatched_term_current(client.session, now=NOW) == ""  # "patient" rode along with a service
        assert client.post("/search/opened/", {"service": "piano"}).status_code == 204
        assert book(client, offer, datetime(2026, 3, 10, 15, tzinfo=UTC)).status_code == 302
    assert Booking.objects.filter(student=learner).count() == 1
    assert SearchTermObservation.objects.count() == 0
    assert SearchTermAlias.objects.count() == 0


def test_the_unmatched_term_lapses_half_an_hour_after_the_search(client, catalog):
    offer = piano_teacher(catalog, "Pia Keys")
    learner = student()
    client.force_login(learner)
    with time_machine.travel(NOW, tick=False):
        client.get("/search/", {"q": "klavier"})
    with time_machine.travel(NOW + timedelta(minutes=31), tick=False):
        assert client.post("/search/opened/", {"service": "piano"}).status_code == 204
        assert book(client, offer, datetime(2026, 3, 10, 15, tzinfo=UTC)).status_code == 302
    assert Booking.objects.filter(student=learner).count() == 1
    assert SearchTermObservation.objects.count() == 0
    # Typed again, it counts again.
    with time_machine.travel(NOW + timedelta(minutes=40), tick=False):
        client.get("/search/", {"q": "klavier"})
    with time_machine.travel(NOW + timedelta(minutes=69), tick=False):
        assert book(client, offer, datetime(2026, 3, 11, 15, tzinfo=UTC), key="again").status_code == 302
    alias = SearchTermAlias.objects.get()
    assert (alias.term, alias.service, alias.distinct_users) == ("klavier", catalog["piano"], 1)
