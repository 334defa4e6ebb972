import pytest

from catalog.tests.factories import live_instructor
from search.tests.helpers import make_catalog

pytestmark = pytest.mark.django_db


def test_api_search_reads_the_query_like_the_page(client):
    catalog = make_catalog()
    offer = live_instructor(service=catalog["guitar"], prices={60: 7000})
    offer.location_types = ["online"]
    offer.save()
    live_instructor(service=catalog["guitar"], prices={60: 7000}, status="suspended")
    response = client.get("/api/v1/search/", {"q": "guitr online under $80", "sort": "price"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["understood"] == {"sort": "price", "service": "guitar", "price_max": 80, "type": ["online"]}
    assert [chip["label"] for chip in body["chips"]] == ["Guitar", "Under $80/h", "Online"]
    [card] = body["results"]
    assert card["public_id"] == str(offer.instructor.public_id)
    assert card["price_from_cents"] == 7000
    assert card["location_types"] == ["online"]
    assert (card["rating_count"], card["rating_average"], card["next_available_at"]) == (0, None, None)
    assert card["profile_url"] == f"/instructors/{offer.instructor.public_id}/"


def test_api_says_what_it_could_not_apply_like_the_page(client):
    catalog = make_catalog()
    live_instructor(service=catalog["swimming"])
    body = client.get("/api/v1/search/", {"q": "swim coach near me"}).json()
    assert body["understood"] == {"service": "swimming", "near": "me"}
    assert body["messages"] == ["Share your location (the “Use my location” button) to see instructors near you."]
    assert [chip["label"] for chip in body["chips"]] == ["Swimming", "Near you"]
    assert body["count"] == 1
    body = client.get("/api/v1/search/", {"q": "swimming 99999"}).json()
    assert body["understood"] == {"service": "swimming", "where": "99999"}
    assert body["messages"] == ["We couldn't find “99999”. Try a neighborhood, a ZIP code or a street address."]


def test_api_rejects_bad_parameters_with_reasons(client):
    response = client.get("/api/v1/search/", {"price_max": "lots", "lat": "40.7"})
    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "price_max": ["Enter a number."],
            "lat": ["Your location needs both a latitude and a longitude."],
        }
    }


def test_api_is_in_the_openapi_schema(client):
    schema = client.get("/api/v1/schema/", headers={"Accept": "application/json"}).content.decode()
    assert "/api/v1/search/" in schema
    assert "price_from_cents" in schema
