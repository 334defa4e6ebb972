from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from psycopg.types.range import Range

from availability.models import AvailabilitySettings, OpenTime
from catalog.models import InstructorNeighborhood, InstructorProfile
from catalog.tests.factories import live_instructor, square
from search import ranking
from search.selectors import SearchFilters, Sort, search_instructors
from search.services import search_summary_refresh
from search.tests import ratings
from search.tests.helpers import NOW, make_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    return make_catalog()


def names(results):
    return [profile.user.full_name for profile in results.page.object_list]


def teacher(catalog, name, service="piano", **kwargs):
    prices = kwargs.pop("prices", None)
    offer_fields = {k: kwargs.pop(k) for k in ("age_groups", "location_types", "levels") if k in kwargs}
    offer = live_instructor(service=catalog[service], prices=prices, **kwargs)
    offer.instructor.user.full_name = name
    offer.instructor.user.save()
    for key, value in offer_fields.items():
        setattr(offer, key, value)
    offer.save()
    return offer.instructor


def test_only_live_instructors_are_ever_returned(catalog):
    teacher(catalog, "Live Lina")
    for status in ("paused", "suspended", "onboarding"):
        teacher(catalog, f"Not {status}", status=status)
    for sort, _ in Sort.CHOICES:
        results = search_instructors(filters=SearchFilters(sort=sort), now=NOW)
        assert names(results) == ["Live Lina"]
    assert InstructorProfile.objects.count() == 4


def test_service_age_level_price_and_location_type_filters(catalog):
    teacher(catalog, "Kids Piano 80", age_groups=["kids"], prices={60: 8000})
    teacher(catalog, "Adult Piano 70", age_groups=["adults"], prices={60: 7000})
    teacher(catalog, "Kids Piano 120", age_groups=["kids", "teens"], prices={60: 12000}, location_types=["studio"])
    teacher(catalog, "Kids Guitar 60", service="guitar", age_groups=["kids"], prices={60: 6000})
    piano = catalog["piano"].pk

    def found(**kwargs):
        return sorted(names(search_instructors(filters=SearchFilters(**kwargs), now=NOW)))

    assert found(service_id=piano) == ["Adult Piano 70", "Kids Piano 120", "Kids Piano 80"]
    assert found(service_id=piano, age_group="kids") == ["Kids Piano 120", "Kids Piano 80"]
    assert found(service_id=piano, age_group="kids", max_price_cents=9000) == ["Kids Piano 80"]
    assert found(min_price_cents=7000, max_price_cents=8000) == ["Adult Piano 70", "Kids Piano 80"]
    assert found(location_types=("studio",)) == ["Kids Piano 120"]
    assert found(location_types=("online",), age_group="kids") == ["Kids Guitar 60", "Kids Piano 80"]
    assert found(category_slug="music", age_group="teens") == ["Kids Piano 120"]
    assert found(category_slug="languages") == []


def test_price_from_is_the_cheapest_hourly_rate_of_the_matching_offer(catalog):
    teacher(catalog, "Two durations", prices={30: 3000, 60: 7000})
    [card] = search_instructors(filters=SearchFilters(), now=NOW).page.object_list
    assert card.price_from_cents == 6000
    assert card.matched_service_name == "Piano"


def test_neighborhood_and_distance_filters(catalog):
    park_slope = catalog["park-slope"]
    linked = teacher(catalog, "Linked to Park Slope")
    InstructorNeighborhood.objects.create(instructor=linked, neighborhood=park_slope)
    covering = teacher(catalog, "Covers Park Slope", public_point=Point(-73.99, 40.68, srid=4326))
    covering.coverage = square(-73.978, 40.671, 0.02)
    covering.save()
    far = teacher(catalog, "Harlem only", public_point=Point(-73.945, 40.811, srid=4326))
    far.coverage = square(-73.945, 40.811, 0.01)
    far.save()
    teacher(catalog, "Online only", location_types=["online"])

    by_slug = SearchFilters(neighborhood_slug="park-slope", origin=park_slope.center)
    assert sorted(names(search_instructors(filters=by_slug, now=NOW))) == ["Covers Park Slope", "Linked to Park Slope"]
    brooklyn = SearchFilters(region="Brooklyn")
    assert sorted(names(search_instructors(filters=brooklyn, now=NOW))) == ["Covers Park Slope", "Linked to Park Slope"]
    online = SearchFilters(neighborhood_slug="park-slope", location_types=("online",))
    assert "Online only" in names(search_instructors(filters=online, now=NOW))

    near_harlem = SearchFilters(point=Point(-73.945, 40.811, srid=4326), radius_km=2, sort=Sort.DISTANCE)
    results = search_instructors(filters=near_harlem, now=NOW)
    assert names(results) == ["Harlem only"]
    assert results.page.object_list[0].distance_m.m == pytest.approx(0, abs=1)


def test_a_neighborhood_means_teaching_there_not_a_radius_around_its_centre(catalog):
    """Park Slope (the test square: 0.02° wide, about 1.7 km by 2.2 km): instructors who cover it or
    listed it, and studios in it or within STUDIO_NEAR_AREA_M of its edge; distance from its centre."""
    from search.engine import search_run
    from search.tests.helpers import NEW_YORK

    def at(lon, lat):
        return Point(lon, lat, srid=4326)

    # 8 km north: travels around home only, which is not Park Slope (the old 10 km radius let them in).
    eight_km = teacher(catalog, "Eight km away", public_point=at(-73.978, 40.743), location_types=["studio"])
    eight_km.coverage = square(-73.978, 40.743, 0.01)
    eight_km.save()
    covers = teacher(catalog, "Covers the east side", public_point=at(-73.96, 40.671))
    covers.coverage = square(-73.96, 40.671, 0.01)  # overlaps the square's eastern edge
    covers.save()
    teacher(catalog, "Studio 550 m north", public_point=at(-73.978, 40.686), location_types=["studio"])
    teacher(catalog, "Home visits 550 m north", public_point=at(-73.978, 40.686), location_types=["student_place"])
    teacher(catalog, "Studio 2 km north", public_point=at(-73.978, 40.699), location_types=["studio"])
    listed = teacher(catalog, "Listed Park Slope")
    InstructorNeighborhood.objects.create(instructor=listed, neighborhood=catalog["park-slope"])

    outcome = search_run(cleaned={"area": "park-slope", "sort": "distance"}, zone=NEW_YORK, now=NOW)
    cards = outcome.results.page.object_list
    assert [card.user.full_name for card in cards] == [
        "Covers the east side",
        "Studio 550 m north",
        "Listed Park Slope",
    ]
    assert [round(card.distance_m.km, 1) if card.distance_m else None for card in cards] == [1.5, 1.7, None]
    assert [chip.label for chip in outcome.chips] == ["Park Slope"]
    # Asking for home visits leaves the studio out; asking for a studio keeps it.
    home = search_run(cleaned={"area": "park-slope", "type": ["student_place"]}, zone=NEW_YORK, now=NOW)
    assert sorted(card.user.full_name for card in home.results.page.object_list) == [
        "Covers the east side",
        "Listed Park Slope",
    ]
    studio = search_run(cleaned={"area": "park-slope", "type": ["studio"]}, zone=NEW_YORK, now=NOW)
    assert [card.user.full_name for card in studio.results.page.object_list] == ["Studio 550 m north"]


def test_availability_window_needs_thirty_open_minutes_inside_it(catalog):
    window = (NOW + timedelta(days=3), NOW + timedelta(days=3, hours=4))
    fits = teacher(catalog, "Open two hours")
    OpenTime.objects.create(instructor=fits, span=Range(window[0] + timedelta(hours=1), window[0] + timedelta(hours=3)))
    grazes = teacher(catalog, "Open 15 minutes inside")
    OpenTime.objects.create(
        instructor=grazes, span=Range(window[1] - timedelta(minutes=15), window[1] + timedelta(hours=2))
    )
    teacher(catalog, "No open time")
    results = search_instructors(filters=SearchFilters(windows=[window]), now=NOW)
    assert names(results) == ["Open two hours"]


def test_soonest_sort_and_next_available(catalog):
    later = teacher(catalog, "Tomorrow")
    OpenTime.objects.create(instructor=later, span=Range(NOW + timedelta(days=1), NOW + timedelta(days=1, hours=2)))
    now_open = teacher(catalog, "Open now")
    AvailabilitySettings.objects.create(instructor=now_open, minimum_notice_hours=0)  # the default is 12 hours
    OpenTime.objects.create(instructor=now_open, span=Range(NOW - timedelta(hours=1), NOW + timedelta(hours=3)))
    teacher(catalog, "Never")
    results = search_instructors(filters=SearchFilters(sort=Sort.SOONEST), now=NOW)
    assert names(results) == ["Open now", "Tomorrow", "Never"]
    cards = results.page.object_list
    assert [card.next_available_at for card in cards] == [NOW, NOW + timedelta(days=1), None]


def test_price_sorts(catalog):
    teacher(catalog, "Mid", prices={60: 9000})
    teacher(catalog, "Cheap", prices={60: 6000})
    teacher(catalog, "Dear", prices={60: 15000})
    assert names(search_instructors(filters=SearchFilters(sort=Sort.PRICE_LOW), now=NOW)) == ["Cheap", "Mid", "Dear"]
    assert names(search_instructors(filters=SearchFilters(sort=Sort.PRICE_HIGH), now=NOW)) == ["Dear", "Mid", "Cheap"]


def test_bayesian_rating_one_five_star_does_not_beat_fifty_4_8s():
    assert ranking.bayesian_rating(1, 5.0) == pytest.approx(4.5455, abs=1e-4)
    assert ranking.bayesian_rating(50, 50 * 4.8) == pytest.approx(4.75)
    assert ranking.bayesian_rating(0, 0) == ranking.PRIOR_MEAN
    assert ranking.RatingStats(50, 4.8).bayesian > ranking.RatingStats(1, 5.0).bayesian


def test_rating_sort_min_rating_and_relevance_use_the_plugged_in_ratings(catalog, settings):
    settings.SEARCH_RATING_ANNOTATIONS = "search.tests.ratings.rating_annotations"
    one_review = teacher(catalog, "One 5-star")
    two_reviews = teacher(catalog, "Two 5-stars")
    three_reviews = teacher(catalog, "Three 5-stars")
    fifty = teacher(catalog, "Fifty 4.8s")
    teacher(catalog, "New")
    ratings.RATINGS.clear()
    ratings.RATINGS.update(
        {one_review.pk: (1, 5.0), two_reviews.pk: (2, 10.0), three_reviews.pk: (3, 15.0), fifty.pk: (50, 240.0)}
    )
    assert search_summary_refresh(instructor_ids=None, now=NOW) == 5
    try:
        assert names(search_instructors(filters=SearchFilters(sort=Sort.RATING), now=NOW)) == [
            "Fifty 4.8s",
            "Three 5-stars",
            "Two 5-stars",
            "One 5-star",
            "New",
        ]
        assert names(search_instructors(filters=SearchFilters(sort=Sort.RELEVANCE), now=NOW))[0] == "Fifty 4.8s"
        # Cards show a rating from RATING_SHOWN_FROM (3) reviews on and "New" before: only a shown
        # rating can pass a minimum, so one or two 5-star reviews do not.
        assert names(search_instructors(filters=SearchFilters(min_rating=4.9), now=NOW)) == ["Three 5-stars"]
        assert sorted(names(search_instructors(filters=SearchFilters(min_rating=4.5), now=NOW))) == [
            "Fifty 4.8s",
            "Three 5-stars",
        ]
        assert sorted(ranking.rating_stats([one_review.pk, fifty.pk]).values()) == [(1, 5.0), (50, 4.8)]
    finally:
        ratings.RATINGS.clear()


def test_relevance_boosts_founding_and_soon_available(catalog):
    teacher(catalog, "Plain")
    teacher(catalog, "Founding", is_founding=True)
    soon = teacher(catalog, "Open tomorrow")
    OpenTime.objects.create(instructor=soon, span=Range(NOW + timedelta(days=1), NOW + timedelta(days=1, hours=2)))
    # soon: 1 / (1 + 24/48) = 0.67 beats founding's 0.5.
    assert names(search_instructors(filters=SearchFilters(), now=NOW)) == ["Open tomorrow", "Founding", "Plain"]


def summary(instructor, **columns):
    from search.models import InstructorSearchSummary

    columns.setdefault("bayesian_rating", ranking.PRIOR_MEAN)
    return InstructorSearchSummary.objects.update_or_create(
        instructor=instructor, defaults={"refreshed_at": NOW, **columns}
    )[0]


def test_relevance_ranks_more_completed_lessons_first(catalog):
    plain = teacher(catalog, "No lessons yet")  # created first: first when everything else is equal
    busy = teacher(catalog, "Forty lessons")
    summary(plain, completed_lessons=0)
    summary(busy, completed_lessons=40)
    assert names(search_instructors(filters=SearchFilters(), now=NOW)) == ["Forty lessons", "No lessons yet"]
    summary(busy, completed_lessons=0)
    assert names(search_instructors(filters=SearchFilters(), now=NOW)) == ["No lessons yet", "Forty lessons"]


def test_relevance_ranks_the_nearer_instructor_first(catalog):
    here = Point(-73.978, 40.671, srid=4326)
    far = teacher(catalog, "Five km away", public_point=Point(-73.978, 40.716, srid=4326))
    near = teacher(catalog, "One km away", public_point=Point(-73.978, 40.680, srid=4326))
    for instructor in (far, near):
        instructor.coverage = square(-73.978, 40.69, 0.05)  # both travel to `here`
        instructor.save()
    results = search_instructors(filters=SearchFilters(point=here), now=NOW)
    assert names(results) == ["One km away", "Five km away"]
    assert [round(card.distance_m.km) for card in results.page.object_list] == [1, 5]
    # Without a place, distance counts for nobody: back to creation order.
    assert names(search_instructors(filters=SearchFilters(), now=NOW)) == ["Five km away", "One km away"]


def test_words_in_an_offers_description_find_and_rank_like_the_headline(catalog):
    teacher(catalog, "Classical", headline="Classical repertoire")
    described = teacher(catalog, "Described")
    offer = described.services.get()
    offer.description = "Jazz standards, improvisation and reading lead sheets"
    offer.save()
    assert names(search_instructors(filters=SearchFilters(free_text="jazz"), now=NOW)) == ["Described"]
    with_service = SearchFilters(free_text="jazz", service_id=catalog["piano"].pk)
    results = search_instructors(filters=with_service, now=NOW)
    assert names(results) == ["Described", "Classical"]
    assert results.page.object_list[0].relevance - results.page.object_list[1].relevance == pytest.approx(
        ranking.WEIGHTS["text"]
    )


def test_free_text_without_a_service_searches_headline_and_bio(catalog):
    teacher(catalog, "Jazz", headline="Jazz piano and improvisation")
    teacher(catalog, "Classical", headline="Classical repertoire")
    assert names(search_instructors(filters=SearchFilters(free_text="jazz"), now=NOW)) == ["Jazz"]
    # With a service, free text only ranks: both piano teachers, the jazz one first.
    both = SearchFilters(free_text="jazz", service_id=catalog["piano"].pk)
    assert names(search_instructors(filters=both, now=NOW)) == ["Jazz", "Classical"]


def test_pagination_counts(catalog):
    for number in range(23):
        teacher(catalog, f"Teacher {number:02d}", prices={60: 5000 + number * 100})
    first = search_instructors(filters=SearchFilters(sort=Sort.PRICE_LOW), now=NOW, page=1)
    second = search_instructors(filters=SearchFilters(sort=Sort.PRICE_LOW), now=NOW, page=2)
    assert first.count == 23
    assert len(first.page.object_list) == 20
    assert names(second) == ["Teacher 20", "Teacher 21", "Teacher 22"]
    assert first.page.paginator.num_pages == 2
    past_the_end = search_instructors(filters=SearchFilters(sort=Sort.PRICE_LOW), now=NOW, page=5)
    assert (past_the_end.page.number, past_the_end.count) == (2, 23)
    assert names(past_the_end) == ["Teacher 20", "Teacher 21", "Teacher 22"]


def test_distance_sort_without_a_place_ranks_by_relevance_text_included(catalog):
    teacher(catalog, "Classical", headline="Classical repertoire")  # created first: first by id
    teacher(catalog, "Jazz", headline="Jazz piano and improvisation")
    by_distance = SearchFilters(free_text="jazz", service_id=catalog["piano"].pk, sort=Sort.DISTANCE)
    assert names(search_instructors(filters=by_distance, now=NOW)) == ["Jazz", "Classical"]


def test_each_card_shows_its_cheapest_offer_among_those_that_matched(catalog):
    from catalog.tests.factories import InstructorServiceFactory

    both = teacher(catalog, "Two Services", prices={60: 6000}, location_types=["online"])
    InstructorServiceFactory(
        instructor=both, service=catalog["guitar"], hourly_rate_cents=9000, location_types=["studio"]
    )
    teacher(catalog, "Only Guitar", service="guitar", prices={60: 8000}, location_types=["student_place"])

    def cards(**kwargs):
        results = search_instructors(filters=SearchFilters(sort=Sort.PRICE_LOW, **kwargs), now=NOW)
        return [
            (c.user.full_name, c.matched_service_slug, c.matched_location_types, c.price_from_cents)
            for c in results.page.object_list
        ]

    assert cards(service_id=catalog["guitar"].pk) == [
        ("Only Guitar", "guitar", ["student_place"], 8000),
        ("Two Services", "guitar", ["studio"], 9000),
    ]
    assert cards() == [("Two Services", "piano", ["online"], 6000), ("Only Guitar", "guitar", ["student_place"], 8000)]


@pytest.mark.parametrize(
    "filters",
    [
        SearchFilters(),
        SearchFilters(service_id=1, age_group="kids", max_price_cents=9000, sort=Sort.SOONEST),
        SearchFilters(free_text="patient jazz teacher", sort=Sort.RELEVANCE),
        SearchFilters(free_text="patient", service_id=2, min_rating=4.5, sort=Sort.RATING),
        SearchFilters(point=Point(-73.97, 40.67, srid=4326), location_types=("online",), sort=Sort.DISTANCE),
        SearchFilters(
            neighborhood_slug="park-slope",
            point=Point(-73.98, 40.67, srid=4326),
            windows=[(NOW + timedelta(days=3), NOW + timedelta(days=3, hours=4))],
        ),
    ],
)
def test_statement_compiled_once_per_filters_equals_a_fresh_compile(filters):
    from search import selectors

    selectors._COMPILED.clear()
    first_sql, first_params = selectors._page_sql(filters, now=NOW)
    later = NOW + timedelta(hours=5, minutes=7)
    again_sql, again_params = selectors._page_sql(filters, now=later)
    assert len(selectors._COMPILED) == 1  # compiled once, reused with the later `now`
    fresh_sql, fresh_params = selectors._candidates(filters, now=later).query.sql_with_params()
    assert again_sql == first_sql
    assert fresh_sql in again_sql
    expected_params = [*([later] if filters.sort == Sort.RELEVANCE else []), *fresh_params]
    assert again_params == expected_params
    assert later in again_params and NOW not in again_params


def test_borough_statements_are_compiled_every_time(catalog):
    from search import selectors

    selectors._COMPILED.clear()
    teacher(catalog, "Anyone")
    search_instructors(filters=SearchFilters(region="brooklyn"), now=NOW)
    assert selectors._COMPILED == {}
