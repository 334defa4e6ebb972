import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.gis.geos import Point
from psycopg.types.range import Range

from accounts.tests.factories import student
from availability.models import OpenTime
from catalog.models import InstructorNeighborhood
from catalog.tests.factories import live_instructor
from search.models import SearchTermAlias, SearchTermObservation
from search.services import search_term_alias_decide, search_term_alias_observe
from search.tests.helpers import NOW, make_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    return make_catalog()


def named(offer, name):
    offer.instructor.user.full_name = name
    offer.instructor.user.save()
    return offer


def test_natural_language_query_redirects_to_understood_parameters(client, catalog):
    kids = named(live_instructor(service=catalog["piano"], prices={60: 8000}), "Kira Keys")
    kids.age_groups = ["kids"]
    kids.save()
    InstructorNeighborhood.objects.create(instructor=kids.instructor, neighborhood=catalog["park-slope"])
    named(live_instructor(service=catalog["piano"], prices={60: 8000}, status="paused"), "Paula Paused")

    response = client.get("/search/", {"q": "pianno for my 8 year old in park slope under $90 patient"})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/search/"
    assert parse_qs(location.query) == {
        "service": ["piano"],
        "age": ["kids"],
        "price_max": ["90"],
        "area": ["park-slope"],
        "q": ["patient"],
    }
    page = client.get(response["Location"]).content.decode()
    for chip in ("Piano", "Kids", "Under $90/h", "Park Slope", "“patient”"):
        assert f'aria-label="Remove {chip}"' in page
    assert "Kira Keys" in page
    assert "From $80/h" in page
    assert f'href="/instructors/{kids.instructor.public_id}/"' in page
    assert "Paula Paused" not in page
    assert "1 instructor<" in page


def test_understood_url_is_stable_one_redirect_at_most(client, catalog):
    """The free-text rest of the first reading names the service again; the page must not redirect twice."""
    ella = named(live_instructor(service=catalog["esl"], prices={60: 7000}), "Ella English")
    ella.age_groups = ["adults"]
    ella.save()

    response = client.get("/search/", {"q": "english as a second language for adults"})
    assert response.status_code == 302
    assert parse_qs(urlsplit(response["Location"]).query) == {"service": ["esl"], "age": ["adults"]}
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Ella English" in page.content.decode()
    assert "1 instructor<" in page.content.decode()


def test_htmx_request_gets_only_the_results(client, catalog):
    named(live_instructor(service=catalog["guitar"]), "Gus Guitar")
    response = client.get("/search/", {"service": "guitar", "sort": "price"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="search-area"')
    assert "<html" not in body
    assert "Gus Guitar" in body


def test_next_available_is_shown_in_the_searchers_zone(client, catalog):
    offer = named(live_instructor(service=catalog["violin"]), "Vera Violin")
    OpenTime.objects.create(
        instructor=offer.instructor, span=Range(NOW.replace(year=2099), NOW.replace(year=2099, hour=18))
    )
    london = student(timezone="Europe/London")
    client.force_login(london)
    body = client.get("/search/", {"service": "violin"}).content.decode()
    # 15:00 UTC on 4 March 2099 is 15:00 GMT in London (and 10:00 EST in New York).
    assert "Next available: Wed, Mar 4, 3:00 PM GMT" in body


def test_bad_parameters_get_a_clear_message_and_no_results(client, catalog):
    named(live_instructor(service=catalog["piano"]), "Pia Piano")
    response = client.get("/search/", {"price_min": "cheap", "price_max": "10", "sort": "random"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "<li>Min $/hour: Enter a number.</li>" in body
    assert "<li>Sort by: Select a valid choice. random is not one of the available choices.</li>" in body
    assert "Pia Piano" not in body
    assert 'class="result-count"' not in body
    response = client.get("/search/", {"price_min": "90", "price_max": "50"})
    assert "<li>Max $/hour: The maximum price must be at least the minimum price.</li>" in response.content.decode()
    # Bad choices for the selects: said, and left out of the form sent with the next change.
    response = client.get("/search/", {"radius_km": "far", "min_rating": "lots", "type": ["online", "moon"]})
    body = response.content.decode()
    assert response.status_code == 400
    assert "<li>Within (km): Enter a number.</li>" in body
    assert "<li>Minimum rating: Enter a number.</li>" in body
    assert "<li>Lesson type: Select a valid choice. moon is not one of the available choices.</li>" in body
    assert " checked" not in body


def test_a_bad_filter_through_htmx_answers_the_filters_to_correct_and_changes_nothing(client, catalog):
    """The fragment HTMX swaps in (search-area opts in to swapping a 400) says what is wrong and
    holds the filter form with what was typed; no results, and the session keeps its last search."""
    named(live_instructor(service=catalog["piano"]), "Pia Piano")
    client.force_login(student())
    with time_machine.travel(NOW, tick=False):
        client.get("/search/", {"q": "shredding"})
    before = dict(client.session.items())
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        response = client.get(
            "/search/",
            {"q": "shredding", "category": "music", "price_min": "90", "price_max": "50", "lat": "north"},
            headers={"HX-Request": "true"},
        )
    body = response.content.decode()
    assert response.status_code == 400
    assert body.lstrip().startswith('<div id="search-area"')
    assert "data-swap-errors" in body.split(">", 1)[0]
    assert "<html" not in body
    assert "<li>Max $/hour: The maximum price must be at least the minimum price.</li>" in body
    assert "<li>Latitude: Enter a number.</li>" in body
    form = body[body.index('<form id="search-filters"') : body.index("</form>")]
    assert 'name="price_min" min="0" step="0.01" value="90"' in form
    assert 'name="price_max" min="0.01" step="0.01" value="50"' in form
    assert '<option value="music" selected>Music</option>' in form
    assert '<input type="hidden" name="q" value="shredding">' in form
    assert 'name="lat"' not in form  # a bad value without a control is dropped: the next change works
    assert "Pia Piano" not in body
    assert 'class="result-count"' not in body
    assert dict(client.session.items()) == before


def test_empty_results_suggest_only_what_finds_someone(client, catalog):
    astoria = named(live_instructor(service=catalog["violin"]), "Vic Astoria")
    InstructorNeighborhood.objects.create(instructor=astoria.instructor, neighborhood=catalog["astoria"])
    online = named(live_instructor(service=catalog["violin"]), "Olive Online")
    online.location_types = ["online"]
    online.save()
    piano = named(live_instructor(service=catalog["piano"]), "Pete Park Slope")
    InstructorNeighborhood.objects.create(instructor=piano.instructor, neighborhood=catalog["park-slope"])

    body = client.get("/search/", {"service": "violin", "area": "park-slope"}).content.decode()
    assert "0 instructors" in body
    suggestions = re.findall(r'<li><a href="\?([^"]*)" hx-get="[^"]*">([^<]+)</a></li>', body)
    labels = [label for _, label in suggestions]
    # Williamsburg is nearer, but nobody teaches violin there; of the other music services only
    # Piano has someone in Park Slope.
    assert labels == ["Try Astoria", "Try online lessons", "Try Piano", "Clear all filters"]
    for href, label in suggestions:
        followed = client.get("/search/?" + href.replace("&amp;", "&")).content.decode()
        count = int(re.search(r'class="result-count" role="status">(\d+) instructor', followed).group(1))
        assert count > 0, label
    assert "Vic Astoria" in client.get("/search/", {"service": "violin", "area": "astoria"}).content.decode()


def test_an_empty_borough_suggests_the_nearest_boroughs_that_have_someone(client, catalog):
    brooklyn = named(live_instructor(service=catalog["painting"]), "Bea Brooklyn")
    InstructorNeighborhood.objects.create(instructor=brooklyn.instructor, neighborhood=catalog["williamsburg"])
    body = client.get("/search/", {"q": "painting in queens"}, follow=True).content.decode()
    assert "0 instructors" in body
    assert ">Try Brooklyn<" in body
    assert 'href="?service=painting&amp;area=Brooklyn"' in body
    for empty in ("Manhattan", "Bronx", "Staten Island"):
        assert f">Try {empty}<" not in body
    assert "Bea Brooklyn" in client.get("/search/", {"service": "painting", "area": "Brooklyn"}).content.decode()


def test_near_me_typed_on_the_page_asks_for_the_location_then_sorts_by_distance(client, catalog):
    near = named(live_instructor(service=catalog["swimming"], public_point=Point(-73.978, 40.672, srid=4326)), "Nell")
    far = named(live_instructor(service=catalog["swimming"], public_point=Point(-73.945, 40.811, srid=4326)), "Fay")
    response = client.get("/search/", {"q": "swim coach near me"})
    assert response.status_code == 302
    assert parse_qs(urlsplit(response["Location"]).query) == {"service": ["swimming"], "near": ["me"]}
    page = client.get(response["Location"]).content.decode()
    assert "Share your location (the “Use my location” button) to see instructors near you." in page
    assert 'aria-label="Remove Near you"' in page
    assert '<input type="hidden" name="near" value="me">' in page
    assert "Use my location</button>" in page
    # What "Use my location" sends: the browser's coordinates and the distance sort.
    located = client.get("/search/", {"service": "swimming", "near": "me", "lat": 40.671, "lng": -73.978,
                                      "sort": "distance", "radius_km": 25})  # fmt: skip
    body = located.content.decode()
    assert "Share your location" not in body
    assert body.index("Nell") < body.index("Fay")
    assert re.findall(r"[\d.]+ mi away", body) == ["0.1 mi away", "9.8 mi away"]
    assert f'href="/instructors/{near.instructor.public_id}/"' in body
    assert f'href="/instructors/{far.instructor.public_id}/"' in body
    # Its chip removes the location and the wish for it.
    assert 'href="?service=swimming&amp;radius_km=25.0&amp;sort=distance" hx-get' in body


def test_an_unknown_zip_or_address_typed_on_the_page_is_reported_not_dropped(client, catalog):
    named(live_instructor(service=catalog["piano"]), "Pia Piano")
    response = client.get("/search/", {"q": "piano 99999"})
    assert parse_qs(urlsplit(response["Location"]).query) == {"service": ["piano"], "where": ["99999"]}
    page = client.get(response["Location"]).content.decode()
    assert "We couldn&#x27;t find “99999”. Try a neighborhood, a ZIP code or a street address." in page
    assert "Pia Piano" in page  # searched without the place
    assert 'href="?service=piano" hx-get="?service=piano" aria-label="Remove 99999 (not found)"' in page
    response = client.get("/search/", {"q": "piano lessons near 12 nowhere st"}, follow=True)
    assert "We couldn&#x27;t find “12 nowhere st”." in response.content.decode()


def test_a_price_with_cents_is_kept_to_the_cent(client, catalog):
    named(live_instructor(service=catalog["violin"], prices={60: 8950}), "Cent Below")
    named(live_instructor(service=catalog["violin"], prices={60: 9000}), "Even Ninety")
    response = client.get("/search/", {"q": "violin under $89.99"})
    assert parse_qs(urlsplit(response["Location"]).query) == {"service": ["violin"], "price_max": ["89.99"]}
    page = client.get(response["Location"]).content.decode()
    assert "Cent Below" in page
    assert "Even Ninety" not in page
    assert 'aria-label="Remove Under $89.99/h"' in page
    assert 'name="price_max" min="0.01" step="0.01" value="89.99"' in page


def test_a_guests_times_are_read_in_the_zone_their_browser_sent(client, catalog):
    """search.js stores the browser's zone in the `tz` cookie; a guest's search reads it."""
    offer = named(live_instructor(service=catalog["violin"]), "Vera Violin")
    OpenTime.objects.create(
        instructor=offer.instructor, span=Range(NOW.replace(year=2099), NOW.replace(year=2099, hour=18))
    )
    assert "Next available: Wed, Mar 4, 10:00 AM EST" in client.get("/search/", {"service": "violin"}).content.decode()
    client.cookies["tz"] = "Europe/London"
    body = client.get("/search/", {"service": "violin"}).content.decode()
    assert "Next available: Wed, Mar 4, 3:00 PM GMT" in body
    assert 'data-guest-zone="Europe/London"' in body
    for made_up in ("Mars/Olympus", "../../etc/passwd", ""):
        client.cookies["tz"] = made_up
        assert "10:00 AM EST" in client.get("/search/", {"service": "violin"}).content.decode()
    # A signed-in user's own zone wins over the cookie.
    client.cookies["tz"] = "Asia/Tokyo"
    client.force_login(student(timezone="Europe/London"))
    body = client.get("/search/", {"service": "violin"}).content.decode()
    assert "3:00 PM GMT" in body
    assert "data-guest-zone" not in body


def test_unknown_place_is_reported(client, catalog):
    response = client.get("/search/", {"where": "99999"})
    assert "We couldn&#x27;t find “99999”" in response.content.decode()


def test_alias_is_learned_from_three_different_people_and_staff_decide(catalog):
    guitar = catalog["guitar"]
    first, second, third = student(), student(), student()
    alias = search_term_alias_observe(user=first, term="Shred ", service=guitar, now=NOW)
    search_term_alias_observe(user=first, term="shred", service=guitar, now=NOW)
    assert (alias.term, alias.distinct_users, alias.status) == ("shred", 1, "candidate")
    search_term_alias_observe(user=second, term="shred", service=guitar, now=NOW)
    alias = search_term_alias_observe(user=third, term="shred", service=guitar, now=NOW)
    assert (alias.distinct_users, alias.status) == (3, "active")
    assert SearchTermObservation.objects.filter(alias=alias).count() == 3

    rejected = search_term_alias_decide(alias_id=alias.pk, status="rejected", now=NOW)
    assert rejected.status == "rejected"
    search_term_alias_observe(user=student(), term="shred", service=guitar, now=NOW)
    alias.refresh_from_db()
    assert (alias.distinct_users, alias.status) == (4, "rejected")
    with pytest.raises(ValueError, match="cannot go from rejected to candidate"):
        search_term_alias_decide(alias_id=alias.pk, status="candidate", now=NOW)


def test_guests_do_not_teach_aliases(client, catalog):
    client.get("/search/", {"q": "shredding"})
    response = client.post("/search/opened/", {"service": "guitar"})
    assert response.status_code == 204
    assert SearchTermAlias.objects.count() == 0


def test_a_suggestion_followed_from_an_unmatched_search_still_teaches_its_words(client, catalog):
    """ "ballroom" → "Try Ballet" → opening a ballet teacher: the searcher settled on what the words
    meant. Filter changes and suggestions are no new typed search, so the term stays."""
    named(live_instructor(service=catalog["ballet"]), "Bella Ballet")
    client.force_login(student())
    with time_machine.travel(NOW, tick=False):
        body = client.get("/search/", {"q": "ballroom for adults"}, follow=True).content.decode()
        suggestion = re.search(r'href="\?([^"]*)" hx-get="[^"]*">Try Ballet<', body).group(1).replace("&amp;", "&")
        assert "Bella Ballet" in client.get(f"/search/?{suggestion}").content.decode()
        assert client.post("/search/opened/", {"service": "ballet"}).status_code == 204
    alias = SearchTermAlias.objects.get()
    assert (alias.term, alias.service.slug, alias.distinct_users) == ("ballroom", "ballet", 1)


def test_opening_a_result_after_an_unmatched_search_records_an_observation(client, catalog):
    client.force_login(student())
    client.get("/search/", {"q": "shredding"})
    client.post("/search/opened/", {"service": "guitar"})
    alias = SearchTermAlias.objects.get()
    assert (alias.term, alias.service.slug, alias.distinct_users, alias.status) == (
        "shredding",
        "guitar",
        1,
        "candidate",
    )


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 7, 17, 5, tzinfo=UTC),  # Saturday afternoon, EST
        datetime(2026, 3, 8, 7, 0, tzinfo=UTC),  # the night clocks change: 3:00 AM EDT
        datetime(2026, 7, 4, 4, 30, tzinfo=UTC),  # half past midnight, EDT
        datetime(2026, 12, 31, 17, 0, tzinfo=UTC),  # noon
    ],
)
def test_card_times_read_as_the_date_filter_would_print_them(moment):
    from django.template.defaultfilters import date as date_filter

    from search.cards import local_when

    zone = ZoneInfo("America/New_York")
    assert local_when(moment, zone) == date_filter(moment.astimezone(zone), "D, M j, g:i A T")
    assert local_when(None, zone) == ""


def test_when_is_read_in_the_searchers_zone_on_the_page_and_in_the_api(client, catalog):
    import time_machine

    evening_in_london = named(live_instructor(service=catalog["violin"]), "Lena London")
    # Thursday 5 March 17:30–19:00 UTC: after 5pm in London, still the afternoon in New York.
    OpenTime.objects.create(
        instructor=evening_in_london.instructor,
        span=Range(datetime(2026, 3, 5, 17, 30, tzinfo=UTC), datetime(2026, 3, 5, 19, tzinfo=UTC)),
    )
    evening_in_new_york = named(live_instructor(service=catalog["violin"]), "Nora New York")
    # Friday 6 March 01:00–03:00 UTC: Thursday 20:00–22:00 in New York, Friday night in London.
    OpenTime.objects.create(
        instructor=evening_in_new_york.instructor,
        span=Range(datetime(2026, 3, 6, 1, tzinfo=UTC), datetime(2026, 3, 6, 3, tzinfo=UTC)),
    )
    params = {"service": "violin", "when": "tomorrow after 5pm"}

    def found():
        page = client.get("/search/", params).content.decode()
        api = client.get("/api/v1/search/", params).json()
        on_page = [name for name in ("Lena London", "Nora New York") if name in page]
        return on_page, [card["name"] for card in api["results"]]

    with time_machine.travel(NOW, tick=False):  # Wednesday 4 March, 15:00 UTC
        assert found() == (["Nora New York"], ["Nora New York"])  # a guest: New York
        client.force_login(student(timezone="Europe/London"))
        assert found() == (["Lena London"], ["Lena London"])


def test_words_that_name_no_service_suggest_the_services_they_resemble(client, catalog):
    named(live_instructor(service=catalog["ballet"]), "Bella Ballet")
    response = client.get("/search/", {"q": "ballroom for adults"}, follow=True)
    body = response.content.decode()
    assert "0 instructors" in body
    assert 'href="?age=adults&amp;service=ballet"' in body
    assert ">Try Ballet<" in body
    follow = client.get("/search/", {"age": "adults", "service": "ballet"}).content.decode()
    assert "Bella Ballet" in follow
    # Nothing alike: no made-up suggestions.
    body = client.get("/search/", {"q": "zzqx"}).content.decode()
    assert "0 instructors" in body
    assert "Try Ballet" not in body


def test_every_filter_has_a_control_that_keeps_its_value_and_is_sent_once(client, catalog):
    # Teaches 1 km from the centre of ZIP 11215 (the catalog's gazetteer puts it at Park Slope's).
    advanced = named(
        live_instructor(service=catalog["piano"], prices={60: 8000}, public_point=Point(-73.98, 40.68, srid=4326)),
        "Ada Advanced",
    )
    advanced.levels = ["advanced"]
    advanced.save()
    named(live_instructor(service=catalog["piano"], prices={60: 8000}), "Bea Beginner")
    params = {"category": "music", "level": "advanced", "price_min": 60, "price_max": 90, "where": "11215",
              "radius_km": 5, "when": "weekends", "min_rating": 4, "sort": "price", "age": "adults"}  # fmt: skip
    body = client.get(
        "/search/", {**params, "when": "", "min_rating": ""}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "Ada Advanced" in body
    assert "Bea Beginner" not in body
    body = client.get("/search/", params).content.decode()
    form = body[body.index('<form id="search-filters"') : body.index("</form>", body.index('id="search-filters"'))]
    for label in ("Category", "Level", "Min $/hour", "Max $/hour", "When", "Within", "Minimum rating", "Sort by"):
        assert f">{label}</label>" in form
    assert '<option value="music" selected>Music</option>' in form
    assert '<option value="advanced" selected>Advanced</option>' in form
    assert '<option value="5.0" selected>5 km</option>' in form
    assert 'name="price_min" min="0" step="0.01" value="60"' in form
    assert 'name="when" value="weekends"' in form
    # Each parameter goes out once when the form changes: no hidden copy next to its control.
    names = re.findall(r'<(?:input|select)[^>]* name="([a-z_]+)"', form)
    names = [name for name in names if name != "type"]
    assert sorted(names) == sorted({*params, "type"} - {"type"})
