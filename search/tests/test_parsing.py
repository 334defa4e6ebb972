"""The query parser against real pg_trgm lookups: 60+ phrasings people actually type."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from search.lookups import DatabaseLookup
from search.parsing import parse_query
from search.tests.helpers import NEW_YORK, NOW, make_catalog

ONLINE, HOME, STUDIO, NEUTRAL = "online", "student_place", "studio", "neutral"
EMPTY = {"service": None, "age": "", "level": "", "place": None, "price": (None, None), "types": (), "when": None,
         "free": "", "needs_location": False, "unknown_place": ""}  # fmt: skip

# (query, expected parts that differ from EMPTY). `place` is a neighborhood slug, a borough, or
# "near_me"/"zip:<label>"/"address:<label>" (ZIP codes and addresses through the catalog's
# geocoder, `catalog.geocoding`); `when` is the window's label.
CASES = [
    ("piano", {"service": "piano"}),
    ("Piano lessons", {"service": "piano"}),
    ("pianno", {"service": "piano"}),
    ("piano teacher", {"service": "piano"}),
    ("guitr", {"service": "guitar"}),
    ("guitar lessons for beginners", {"service": "guitar", "level": "beginner"}),
    ("violn", {"service": "violin"}),
    ("fiddle lessons", {"service": "violin"}),
    ("singing", {"service": "voice"}),
    ("spanish online", {"service": "spanish", "types": (ONLINE,)}),
    ("spanish tutor over zoom", {"service": "spanish", "types": (ONLINE,)}),
    ("learn french virtually", {"service": "french", "types": (ONLINE,)}),
    ("chinese lessons", {"service": "mandarin"}),
    ("esl for adults", {"service": "esl", "age": "adults"}),
    ("swim coach near me", {"service": "swimming", "needs_location": True}),
    ("swimming lessons for my 5 year old", {"service": "swimming", "age": "kids"}),
    (
        "piano lessons for my 8 year old in park slope under $90 saturday morning",
        {"service": "piano", "age": "kids", "place": "park-slope", "price": (None, 9000), "when": "Saturday morning"},
    ),
    ("math tutor for my 15-year-old", {"service": "math", "age": "teens"}),
    ("algebra help for my teen", {"service": "math", "age": "teens", "free": "help"}),
    ("sat prep tutor", {"service": "sat-prep"}),
    ("chem tutor for high school", {"service": "chemistry", "age": "teens"}),
    ("kids chess", {"service": "chess", "age": "kids"}),
    ("chess for kids in williamsburg", {"service": "chess", "age": "kids", "place": "williamsburg"}),
    ("tennis in astoria", {"service": "tennis", "place": "astoria"}),
    ("tennis astoria weekends", {"service": "tennis", "place": "astoria", "when": "Weekends"}),
    ("yoga on weekends", {"service": "yoga", "when": "Weekends"}),
    ("yoga this weekend", {"service": "yoga", "when": "This weekend"}),
    ("boxing trainer weekday evenings", {"service": "boxing", "when": "Weekdays evening"}),
    ("personal trainer at my home", {"service": "personal-training", "types": (HOME,)}),
    ("fitness coach who comes to me", {"service": "personal-training", "types": (HOME,)}),
    ("drum lessons in a studio", {"service": "drums", "types": (STUDIO,)}),
    ("drums at your studio in brooklyn", {"service": "drums", "types": (STUDIO,), "place": "Brooklyn"}),
    ("guitar in person manhattan", {"service": "guitar", "types": (HOME, STUDIO, NEUTRAL), "place": "Manhattan"}),
    ("ukulele bk", {"service": "ukulele", "place": "Brooklyn"}),
    ("ballet for toddlers", {"service": "ballet", "age": "kids"}),
    ("salsa dancing for adults", {"service": "salsa", "age": "adults", "free": "dancing"}),
    ("drawing classes for children", {"service": "drawing", "age": "kids"}),
    ("watercolor", {"service": "painting"}),
    ("oil painting near me", {"service": "painting", "needs_location": True}),
    ("python programming for teens", {"service": "coding", "age": "teens"}),
    ("coding for my 10 yo", {"service": "coding", "age": "kids"}),
    ("javascript", {"service": "coding"}),
    ("piano $50-80", {"service": "piano", "price": (5000, 8000)}),
    ("piano $50 - $80 an hour", {"service": "piano", "price": (5000, 8000)}),
    ("violin between $60 and $100", {"service": "violin", "price": (6000, 10000)}),
    ("guitar under 70 dollars", {"service": "guitar", "price": (None, 7000)}),
    ("spanish less than $45/hr", {"service": "spanish", "price": (None, 4500)}),
    ("tennis over $100", {"service": "tennis", "price": (10000, None)}),
    ("math tutor $60/hour", {"service": "math", "price": (None, 6000)}),
    ("piano tomorrow after 5pm", {"service": "piano", "when": "Tomorrow after 5pm"}),
    ("guitar tomorrow after 5", {"service": "guitar", "when": "Tomorrow after 5pm"}),
    ("french tonight", {"service": "french", "when": "Tonight evening"}),
    ("voice lessons today", {"service": "voice", "when": "Today"}),
    ("piano sunday afternoon", {"service": "piano", "when": "Sunday afternoon"}),
    ("swimming saturdays", {"service": "swimming", "when": "Saturdays"}),
    ("chess mornings", {"service": "chess", "when": "Morning"}),
    ("math after school", {"service": "math", "when": "After school"}),
    ("spanish before 9am", {"service": "spanish", "when": "Before 9am"}),
    ("piano friday between 3 and 6pm", {"service": "piano", "when": "Friday 3pm–6pm"}),
    ("yoga at 7am", {"service": "yoga", "when": "At 7am"}),
    ("piano 11215", {"service": "piano", "place": "zip:11215 (Park Slope)"}),
    ("guitar lessons near 350 5th ave", {"service": "guitar", "place": "address:350 5th Ave, Manhattan"}),
    ("tutor in 10025", {"place": "zip:10025 (Upper West Side)"}),
    ("piano in park slop", {"service": "piano", "place": "park-slope"}),
    ("upper west side violin for kids", {"service": "violin", "age": "kids", "place": "upper-west-side"}),
    ("harlem", {"place": "harlem"}),
    ("queens", {"place": "Queens"}),
    ("lessons in the bronx", {"place": "Bronx"}),
    ("advanced piano", {"service": "piano", "level": "advanced"}),
    ("intermediate spanish conversation", {"service": "spanish", "level": "intermediate", "free": "conversation"}),
    ("patient piano teacher with jazz experience", {"service": "piano", "free": "patient jazz experience"}),
    ("underwater basket weaving", {"free": "underwater basket weaving"}),
    ("", {}),
    ("   ", {}),
    ("$$$ !!! ???", {}),
    ("PIANO FOR MY DAUGHTER", {"service": "piano", "age": "kids"}),
    ("Piano lessons for my 8-year-old son", {"service": "piano", "age": "kids"}),
    ("mandarin for seniors", {"service": "mandarin", "age": "adults"}),
    (
        "keyboard lessons online for my 12 year old under $60",
        {"service": "piano", "age": "kids", "types": (ONLINE,), "price": (None, 6000)},
    ),  # fmt: skip
    ("spanish next monday", {"service": "spanish", "when": "Monday"}),
    # Ages written as ages, not prices ("under 10" after kids is an age).
    ("swim lessons for kids under 10", {"service": "swimming", "age": "kids"}),
    ("drawing for ages 5-7", {"service": "drawing", "age": "kids"}),
    ("chess for ages 13 to 15", {"service": "chess", "age": "teens"}),
    ("piano for 5-7 year olds", {"service": "piano", "age": "kids"}),
    ("ballet for under 10s", {"service": "ballet", "age": "kids"}),
    ("yoga for adults over 50", {"service": "yoga", "age": "adults"}),
    ("swimming for kids under 10 under $80", {"service": "swimming", "age": "kids", "price": (None, 8000)}),
    ("guitar for kids under 60 dollars", {"service": "guitar", "age": "kids", "price": (None, 6000)}),
    # Prices with cents and without a dollar sign.
    ("violin under $89.99", {"service": "violin", "price": (None, 8999)}),
    ("tennis over 50", {"service": "tennis", "price": (5000, None)}),
    ("piano $49.50-$80", {"service": "piano", "price": (4950, 8000)}),
    ("chess tutor with over 10 years experience", {"service": "chess", "free": "over years experience"}),
    # Time ranges written without spaces.
    ("guitar 10am-12pm", {"service": "guitar", "when": "10am–12pm"}),
    ("spanish saturday 6-8pm", {"service": "spanish", "when": "Saturday 6pm–8pm"}),
    # Places the geocoder does not know are reported, not dropped.
    ("piano 99999", {"service": "piano", "unknown_place": "99999"}),
    ("violin lessons near 12 nowhere st", {"service": "violin", "unknown_place": "12 nowhere st"}),
    ("piano 11211", {"service": "piano", "place": "zip:11211 (Williamsburg)"}),
]


def summarize(parsed) -> dict:
    place = None
    if parsed.place:
        place = {
            "neighborhood": parsed.place.neighborhood_slug,
            "borough": parsed.place.region,
            "near_me": "near_me",
        }.get(parsed.place.kind, f"{parsed.place.kind}:{parsed.place.label}")
    return {
        "service": parsed.service.slug if parsed.service else None,
        "age": parsed.age_group,
        "level": parsed.level,
        "place": place,
        "price": (parsed.min_price_cents, parsed.max_price_cents),
        "types": parsed.location_types,
        "when": parsed.window.label if parsed.window else None,
        "free": parsed.free_text,
        "needs_location": parsed.needs_location,
        "unknown_place": parsed.unknown_place,
    }


@pytest.fixture
def lookup(db):
    make_catalog()
    return DatabaseLookup()


def test_there_are_at_least_sixty_phrasings():
    assert len(CASES) >= 60


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[q or "<empty>" for q, _ in CASES])
def test_phrasing(lookup, query, expected):
    parsed = parse_query(query, lookup=lookup, now=NOW, zone=NEW_YORK)
    assert summarize(parsed) == {**EMPTY, **expected}


def test_near_me_uses_browser_coordinates(lookup):
    parsed = parse_query("swim coach near me", lookup=lookup, now=NOW, zone=NEW_YORK, latitude=40.7, longitude=-73.9)
    assert parsed.place.kind == "near_me"
    assert (parsed.place.longitude, parsed.place.latitude) == (-73.9, 40.7)
    assert parsed.needs_location is False


def test_saturday_morning_is_next_saturday_in_new_york_time(lookup):
    parsed = parse_query("saturday morning", lookup=lookup, now=NOW, zone=NEW_YORK)
    assert parsed.window.days == (date(2026, 3, 7),)
    # 08:00–12:00 EST is 13:00–17:00 UTC.
    assert parsed.window.utc_intervals(NEW_YORK) == [
        (datetime(2026, 3, 7, 13, tzinfo=UTC), datetime(2026, 3, 7, 17, tzinfo=UTC))
    ]


def test_weekends_cross_the_daylight_saving_change(lookup):
    parsed = parse_query("weekends", lookup=lookup, now=NOW, zone=NEW_YORK)
    assert parsed.window.days == (date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 14), date(2026, 3, 15))
    intervals = parsed.window.utc_intervals(NEW_YORK)
    # Saturday 7 March is EST (UTC-5); Sunday 8 March starts in EST and ends in EDT (a 23-hour day).
    assert intervals[0] == (datetime(2026, 3, 7, 5, tzinfo=UTC), datetime(2026, 3, 8, 5, tzinfo=UTC))
    assert intervals[1] == (datetime(2026, 3, 8, 5, tzinfo=UTC), datetime(2026, 3, 9, 4, tzinfo=UTC))


def test_tomorrow_after_5pm_is_read_in_the_searchers_zone(lookup):
    london_zone = ZoneInfo("Europe/London")
    london = parse_query("tomorrow after 5pm", lookup=lookup, now=NOW, zone=london_zone)
    assert london.window.days == (date(2026, 3, 5),)
    assert london.window.start == time(17)
    assert london.window.utc_intervals(london_zone) == [
        (datetime(2026, 3, 5, 17, tzinfo=UTC), datetime(2026, 3, 6, 0, tzinfo=UTC))
    ]


def test_late_evening_in_new_york_is_already_tomorrow_in_utc(lookup):
    late = datetime(2026, 3, 5, 3, 30, tzinfo=UTC)  # Wednesday 22:30 in New York
    parsed = parse_query("tomorrow", lookup=lookup, now=late, zone=NEW_YORK)
    assert parsed.window.days == (date(2026, 3, 5),)


def test_learned_alias_is_used_only_once_active(lookup):
    from catalog.models import Service
    from search.models import SearchTermAlias

    guitar = Service.objects.get(slug="guitar")
    alias = SearchTermAlias.objects.create(term="shredding", service=guitar, distinct_users=1, created_at=NOW,
                                           updated_at=NOW)  # fmt: skip
    assert parse_query("shredding", lookup=lookup, now=NOW, zone=NEW_YORK).service is None
    alias.status = SearchTermAlias.Status.ACTIVE
    alias.save()
    # A lookup remembers its answers for one request; the next request asks afresh.
    assert parse_query("shredding", lookup=lookup, now=NOW, zone=NEW_YORK).service is None
    next_request = DatabaseLookup()
    assert parse_query("shredding", lookup=next_request, now=NOW, zone=NEW_YORK).service.slug == "guitar"


@pytest.mark.parametrize(
    ("typed_at", "first_day"),
    [
        (datetime(2026, 3, 7, 14, 0, tzinfo=UTC), date(2026, 3, 7)),  # Saturday 9:00 in New York: today
        (datetime(2026, 3, 7, 16, 59, tzinfo=UTC), date(2026, 3, 7)),  # 11:59: a minute of it is left
        (datetime(2026, 3, 7, 19, 0, tzinfo=UTC), date(2026, 3, 14)),  # Saturday 14:00: the morning is over
    ],
)
def test_saturday_morning_typed_on_a_saturday_means_the_next_one_once_the_morning_is_over(lookup, typed_at, first_day):
    parsed = parse_query("saturday morning", lookup=lookup, now=typed_at, zone=NEW_YORK)
    assert parsed.window.days == (first_day,)


def test_saturdays_typed_on_a_saturday_afternoon_start_next_week(lookup):
    saturday_afternoon = datetime(2026, 3, 7, 19, 0, tzinfo=UTC)
    parsed = parse_query("saturdays morning", lookup=lookup, now=saturday_afternoon, zone=NEW_YORK)
    assert parsed.window.days == (date(2026, 3, 14), date(2026, 3, 21))
    # Without a time of day, what is left of today still counts.
    assert parse_query("saturday", lookup=lookup, now=saturday_afternoon, zone=NEW_YORK).window.days == (
        date(2026, 3, 7),
    )


@pytest.mark.parametrize(
    ("typed_at", "query", "expected"),
    [
        # Saturday 7 March, noon EST; tomorrow is the Sunday the clocks go forward (EDT, UTC-4).
        (
            datetime(2026, 3, 7, 17, 0, tzinfo=UTC),
            "tomorrow after 5pm",
            [(datetime(2026, 3, 8, 21, tzinfo=UTC), datetime(2026, 3, 9, 4, tzinfo=UTC))],
        ),
        (
            datetime(2026, 3, 7, 17, 0, tzinfo=UTC),
            "sunday morning",
            [(datetime(2026, 3, 8, 12, tzinfo=UTC), datetime(2026, 3, 8, 16, tzinfo=UTC))],
        ),
        # Saturday 31 October, noon EDT; tomorrow the clocks go back (EST, UTC-5).
        (
            datetime(2026, 10, 31, 16, 0, tzinfo=UTC),
            "tomorrow after 5pm",
            [(datetime(2026, 11, 1, 22, tzinfo=UTC), datetime(2026, 11, 2, 5, tzinfo=UTC))],
        ),
        (
            datetime(2026, 10, 31, 16, 0, tzinfo=UTC),
            "saturday morning",  # today's morning is over: next Saturday, in EST
            [(datetime(2026, 11, 7, 13, tzinfo=UTC), datetime(2026, 11, 7, 17, tzinfo=UTC))],
        ),
    ],
)
def test_time_words_across_a_daylight_saving_change(lookup, typed_at, query, expected):
    parsed = parse_query(query, lookup=lookup, now=typed_at, zone=NEW_YORK)
    assert parsed.window.utc_intervals(NEW_YORK) == expected
