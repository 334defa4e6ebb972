"""`/api/v1/search/` takes every parameter the page takes and answers with the same instructors, in
the same order, read the same way (the page's understood URL is the API's `understood`)."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.contrib.gis.geos import Point
from psycopg.types.range import Range

from availability.models import OpenTime
from catalog.models import InstructorNeighborhood
from catalog.tests.factories import live_instructor
from search.models import InstructorSearchSummary
from search.tests.helpers import NOW, make_catalog

pytestmark = pytest.mark.django_db


def teacher(catalog, name, service, *, cents, ages=("adults",), levels=("beginner",), types=("online",), **profile):
    offer = live_instructor(service=catalog[service], prices={60: cents}, **profile)
    offer.age_groups, offer.levels, offer.location_types = list(ages), list(levels), list(types)
    offer.save()
    offer.instructor.user.full_name = name
    offer.instructor.user.save()
    return offer.instructor


@pytest.fixture
def teachers():
    catalog = make_catalog()
    park_slope, harlem = catalog["park-slope"].center, catalog["harlem"].center
    rows = {
        "kids_piano": teacher(catalog, "Kira", "piano", cents=8000, ages=("kids",), types=("student_place",),
                              public_point=park_slope, headline="Patient jazz piano"),
        "adult_piano": teacher(catalog, "Paul", "piano", cents=6000, levels=("advanced",), types=("studio",),
                               public_point=harlem, is_founding=True),
        "guitar": teacher(catalog, "Gina", "guitar", cents=9500, ages=("teens", "adults"), types=("online", "studio"),
                          public_point=Point(-73.99, 40.68, srid=4326)),
        "spanish": teacher(catalog, "Sara", "spanish", cents=4500, types=("online",)),
        "paused": teacher(catalog, "Pia", "piano", cents=5000, status="paused", public_point=park_slope),
    }  # fmt: skip
    InstructorNeighborhood.objects.create(instructor=rows["kids_piano"], neighborhood=catalog["park-slope"])
    InstructorNeighborhood.objects.create(instructor=rows["adult_piano"], neighborhood=catalog["harlem"])
    saturday_morning = datetime(2026, 3, 7, 14, tzinfo=UTC)  # 9:00 in New York
    for key, starts_at in (("kids_piano", saturday_morning), ("guitar", NOW + timedelta(hours=2))):
        OpenTime.objects.create(instructor=rows[key], span=Range(starts_at, starts_at + timedelta(hours=2)))
    for key, (count, total) in {"adult_piano": (20, 96), "guitar": (2, 7), "spanish": (1, 5)}.items():
        InstructorSearchSummary.objects.create(
            instructor=rows[key], rating_count=count, rating_sum=total, bayesian_rating=(45 + total) / (10 + count),
            refreshed_at=NOW,
        )  # fmt: skip
    return rows


PARAMETERS = [
    {},
    {"q": "pianno for my 8 year old in park slope under $90 saturday morning"},
    {"q": "guitr online"},
    {"q": "jazz"},
    {"category": "music"},
    {"category": "music", "sort": "-price"},
    {"service": "piano", "sort": "price"},
    {"age": "teens"},
    {"level": "advanced"},
    {"price_min": 50, "price_max": 90, "sort": "price"},
    {"price_max": "94.99", "category": "music"},
    {"q": "swim coach near me"},
    {"near": "me", "service": "piano"},
    {"q": "piano 99999"},
    {"type": ["studio", "student_place"]},
    {"area": "park-slope"},
    {"area": "Manhattan"},
    {"where": "11215", "sort": "distance"},
    {"lat": 40.811, "lng": -73.945, "radius_km": 3, "sort": "distance"},
    {"when": "saturday morning"},
    {"min_rating": 4.5, "sort": "rating"},
    {"sort": "soonest"},
    {"sort": "relevance", "page": 1},
]


def read(params: dict) -> dict:
    """The parameters as the search reads them (3 and 3.0 are the same radius)."""
    from django.http import QueryDict

    from search.engine import querystring
    from search.forms import SearchForm

    form = SearchForm(QueryDict(querystring(params)))
    assert form.is_valid(), form.errors
    return {key: value for key, value in form.cleaned_data.items() if value not in (None, "", [])}


def page_search(client, params):
    response = client.get("/search/", params, follow=True)
    assert response.status_code == 200
    final_query = parse_qs(urlsplit(response.request["PATH_INFO"] + "?" + response.request["QUERY_STRING"]).query)
    body = response.content.decode()
    count = int(re.search(r'class="result-count" role="status">(\d+) instructor', body).group(1))
    return final_query, count, re.findall(r'href="/instructors/([0-9a-z]+)/" data-service', body)


@pytest.mark.parametrize("params", PARAMETERS, ids=lambda params: "&".join(f"{k}={v}" for k, v in params.items()))
def test_api_answers_like_the_page(client, teachers, params):
    with time_machine.travel(NOW, tick=False):
        understood_url, page_count, page_ids = page_search(client, params)
        body = client.get("/api/v1/search/", params).json()
    understood_url.pop("page", None)
    assert read(body["understood"]) == read(understood_url)
    assert [card["public_id"] for card in body["results"]] == page_ids
    assert body["count"] == page_count == len(page_ids)
    assert str(teachers["paused"].public_id) not in page_ids


def test_every_page_parameter_is_tried_through_the_api():
    from search.forms import SearchForm

    tried = {key for params in PARAMETERS for key in params}
    assert tried == set(SearchForm.base_fields)


def test_the_parameters_narrow_as_expected(client, teachers):
    def names(**params):
        with time_machine.travel(NOW, tick=False):
            return [card["name"] for card in client.get("/api/v1/search/", params).json()["results"]]

    assert names(service="piano", sort="price") == ["Paul", "Kira"]
    assert names(when="saturday morning") == ["Kira"]
    # Sara's one 5-star review shows as "New" on her card: a minimum rating needs a shown rating.
    assert names(min_rating=4.5, sort="rating") == ["Paul"]
    assert names(price_max="94.99", category="music", sort="price") == ["Paul", "Kira"]
    assert names(level="advanced") == ["Paul"]
    assert names(category="music", sort="-price") == ["Gina", "Kira", "Paul"]
    assert names(lat=40.811, lng=-73.945, radius_km=3, sort="distance") == ["Paul"]
    assert names(where="11215", sort="distance")[0] == "Kira"
