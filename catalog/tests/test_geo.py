"""Geocoding, neighborhoods and coverage (real PostGIS)."""

import http.server
import json
import threading
import urllib.parse

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError

from catalog import geocoding
from catalog.geocoding import GeocodeResult, gazetteer_neighborhoods, geocode
from catalog.models import InstructorNeighborhood, InstructorProfile, Neighborhood
from catalog.selectors import instructor_covers_point
from catalog.services import instructor_set_service_area, jittered_point
from catalog.tests.factories import InstructorProfileFactory, NeighborhoodFactory, square

METRES_PER_DEGREE_LAT = 110_540


@pytest.mark.parametrize(
    ("query", "kind", "label", "slug"),
    [
        ("Park Slope", "neighborhood", "Park Slope, Brooklyn", "park-slope"),
        ("park slope, brooklyn, ny", "neighborhood", "Park Slope, Brooklyn", "park-slope"),
        ("hells kitchen", "neighborhood", "Hell's Kitchen, Manhattan", "hells-kitchen"),
        ("11215", "zip", "11215 (Park Slope)", "park-slope"),
        ("10025-1234", "zip", "10025 (Upper West Side)", "upper-west-side"),
        ("5th Ave & 42nd St", "address", "5th Ave & 42nd St, Manhattan", "midtown"),
        ("W 42nd Street and Fifth Avenue", "address", "5th Ave & 42nd St, Manhattan", "midtown"),
        ("Lexington Avenue at 86th St, New York, NY", "address", "Lexington Ave & 86th St, Manhattan",
         "upper-east-side"),
        ("350 Fifth Avenue, New York, NY 10118", "address", "350 5th Ave, Manhattan", "midtown"),
        ("200 Eastern Parkway, Brooklyn", "address", "200 Eastern Pkwy, Brooklyn", "prospect-heights"),
    ],
)  # fmt: skip
def test_offline_geocoder_understands_neighborhoods_zips_addresses_and_intersections(query, kind, label, slug):
    result = geocode(query)
    assert result is not None
    assert (result.kind, result.label, result.neighborhood_slug) == (kind, label, slug)
    assert result.point.srid == 4326


@pytest.mark.parametrize("query", ["", "   ", "12 Nowhere Road", "99999", "Springfield"])
def test_unknown_addresses_give_none(query):
    assert geocode(query) is None


def test_gazetteer_has_the_promised_size():
    data = geocoding._gazetteer()
    assert len(data["neighborhoods"]) >= 50
    assert len(data["zips"]) >= 80
    assert len(data["places"]) >= 300


def test_every_seeded_point_lies_inside_its_own_neighborhood():
    hoods = {h.slug: h for h in gazetteer_neighborhoods()}
    for hood in hoods.values():
        assert hood.boundary.valid, hood.slug
        assert hood.boundary.contains(hood.center), hood.slug
        others = [o.slug for o in hoods.values() if o.slug != hood.slug and o.boundary.contains(hood.center)]
        assert others == [], hood.slug
    for zip_code, slug in geocoding._gazetteer()["zips"].items():
        assert hoods[slug].boundary.contains(geocode(zip_code).point), zip_code
    # Every address and intersection lies in a neighborhood of its own borough.
    outside = []
    for place in geocoding._gazetteer()["places"]:
        slug = geocoding.neighborhood_slug_for_point(Point(*place["point"], srid=4326))
        if slug is None or hoods[slug].region != place["region"]:
            outside.append((place["label"], slug))
    assert outside == []


def test_addresses_once_outside_every_polygon_now_have_their_neighborhood():
    assert geocode("1904 Surf Ave").neighborhood_slug == "coney-island"
    assert geocode("1000 Richmond Terrace").neighborhood_slug == "west-new-brighton"


def test_reseeding_updates_a_changed_neighborhood_and_its_instructors_coverage(nyc):
    from catalog.seed import seed_neighborhoods

    profile = InstructorProfileFactory()
    instructor_set_service_area(instructor=profile, neighborhood_slugs=["brighton-beach"])
    # A database seeded from an older gazetteer: Brighton Beach reached over Coney Island.
    old = square(-73.975, 40.5775, 0.02)
    Neighborhood.objects.filter(slug="brighton-beach").update(boundary=old)
    from catalog.services import instructors_rebuild_coverage

    instructors_rebuild_coverage(instructor_ids=[profile.pk])
    coney = geocode("1904 Surf Ave").point
    assert instructor_covers_point(instructor=profile, point=coney)
    assert seed_neighborhoods() == 0
    assert Neighborhood.objects.get(slug="brighton-beach").boundary.equals_exact(
        next(h.boundary for h in gazetteer_neighborhoods() if h.slug == "brighton-beach"), 1e-9
    )
    assert not instructor_covers_point(instructor=profile, point=coney)


def test_seeded_neighborhoods_in_the_database_contain_their_centres(nyc):
    assert Neighborhood.objects.count() == len(gazetteer_neighborhoods())
    outside = Neighborhood.objects.raw("SELECT id FROM catalog_neighborhood WHERE NOT ST_Covers(boundary, center)")
    assert list(outside) == []


def test_nominatim_provider_is_selected_by_setting_and_unreachable_means_none(settings):
    settings.GEOCODER = "nominatim"
    settings.GEOCODER_URL = "http://127.0.0.1:9"  # nothing listens here
    assert isinstance(geocoding.get_geocoder(), geocoding.NominatimGeocoder)
    assert geocode("5th Ave & 42nd St") is None
    settings.GEOCODER = "offline"
    assert isinstance(geocode("5th Ave & 42nd St"), GeocodeResult)


class _FakeNominatim(http.server.BaseHTTPRequestHandler):
    """A Nominatim server on loopback answering /search with the rows the test sets."""

    replies: dict[str, bytes] = {}
    seen: list[tuple[dict, str]] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        type(self).seen.append((query, self.headers["User-Agent"]))
        body = type(self).replies.get(query.get("q", ""), b"[]")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def nominatim(settings):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FakeNominatim)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _FakeNominatim.replies, _FakeNominatim.seen = {}, []
    settings.GEOCODER = "nominatim"
    settings.GEOCODER_URL = f"http://127.0.0.1:{server.server_address[1]}/"
    yield _FakeNominatim
    server.shutdown()
    server.server_close()


def test_nominatim_replies_are_read_into_the_same_result(nominatim):
    nominatim.replies = {
        "350 5th Ave, New York": json.dumps([{
            "lat": "40.7484", "lon": "-73.9857", "type": "commercial",
            "display_name": "Empire State Building, 350, 5th Avenue, Manhattan, New York, 10118, United States",
        }]).encode(),
        "11215": json.dumps([{"lat": "40.6710", "lon": "-73.9814", "type": "postcode",
                              "display_name": "11215, Brooklyn, New York, United States"}]).encode(),
        "garbage": b"<html>busy</html>",
        "odd": b'[{"display_name": "no coordinates"}]',
        "odder": b'{"error": "Unable to geocode"}',
    }  # fmt: skip
    result = geocode("350 5th Ave, New York")
    assert (result.kind, result.neighborhood_slug, result.point.coords, result.point.srid) == (
        "address", "midtown", (-73.9857, 40.7484), 4326
    )  # fmt: skip
    assert result.label.startswith("Empire State Building, 350, 5th Avenue")
    assert nominatim.seen[0] == (
        {"q": "350 5th Ave, New York", "format": "jsonv2", "limit": "1", "countrycodes": "us"}, "InstaInstru geocoder"
    )  # fmt: skip
    postcode = geocode("11215")
    assert (postcode.kind, postcode.neighborhood_slug) == ("zip", "park-slope")
    assert geocode("Nowhere at all") is None  # an empty list
    assert geocode("garbage") is None  # not JSON: logged, read as not found
    assert geocode("odd") is None and geocode("odder") is None  # JSON of another shape, the same


# --- Coverage -------------------------------------------------------------------------------

pytestmark = pytest.mark.django_db


def _instructor_in(neighborhood):
    profile = InstructorProfileFactory()
    InstructorNeighborhood.objects.create(instructor=profile, neighborhood=neighborhood)
    from catalog.services import instructors_rebuild_coverage

    instructors_rebuild_coverage(instructor_ids=[profile.pk])
    profile.refresh_from_db()
    return profile


def test_coverage_inside_outside_and_on_the_border():
    hood = NeighborhoodFactory(boundary=square(-73.98, 40.67, 0.01), center=Point(-73.98, 40.67, srid=4326))
    profile = _instructor_in(hood)
    assert instructor_covers_point(instructor=profile, point=Point(-73.98, 40.67, srid=4326))
    assert instructor_covers_point(instructor=profile, point=Point(-73.975, 40.675, srid=4326))
    assert not instructor_covers_point(instructor=profile, point=Point(-73.95, 40.67, srid=4326))
    assert not instructor_covers_point(instructor=profile, point=Point(-73.9699, 40.67, srid=4326))
    # On the eastern edge (a meridian, so the same line on the sphere and on the map).
    assert instructor_covers_point(instructor=profile, point=Point(-73.97, 40.67, srid=4326))


def test_coverage_by_radius_around_the_base_point():
    profile = InstructorProfileFactory(base_point=Point(-73.98, 40.67, srid=4326), travel_radius_m=1000)
    from catalog.services import instructors_rebuild_coverage

    instructors_rebuild_coverage(instructor_ids=[profile.pk])
    profile.refresh_from_db()
    north = lambda metres: Point(-73.98, 40.67 + metres / METRES_PER_DEGREE_LAT, srid=4326)  # noqa: E731
    assert instructor_covers_point(instructor=profile, point=north(950))
    assert not instructor_covers_point(instructor=profile, point=north(1050))


def test_coverage_is_the_union_of_neighborhoods_and_radius(nyc):
    profile = InstructorProfileFactory()
    profile = instructor_set_service_area(
        instructor=profile, neighborhood_slugs=["park-slope"], base_address="5th Ave & 42nd St", travel_radius_m=800
    )
    assert profile.coverage is not None
    assert instructor_covers_point(instructor=profile, point=geocode("11215").point)  # Park Slope
    assert instructor_covers_point(instructor=profile, point=geocode("5th Ave & 44th St").point)  # 160 m away
    assert not instructor_covers_point(instructor=profile, point=geocode("Astoria").point)
    assert not instructor_covers_point(instructor=profile, point=geocode("5th Ave & 59th St").point)  # 1.4 km
    # Exactly this instructor covers Park Slope (that the query uses the GiST index is tested below).
    assert InstructorProfile.objects.filter(coverage__covers=geocode("11215").point).count() == 1


def test_unknown_address_is_refused_and_changes_nothing(nyc):
    profile = InstructorProfileFactory()
    instructor_set_service_area(instructor=profile, neighborhood_slugs=["astoria"])
    with pytest.raises(ValidationError) as error:
        instructor_set_service_area(
            instructor=profile, neighborhood_slugs=["park-slope"], base_address="12 Nowhere Road", travel_radius_m=500
        )
    assert "couldn't find that address" in str(error.value)
    profile.refresh_from_db()
    assert list(profile.neighborhoods.values_list("slug", flat=True)) == ["astoria"]
    assert profile.base_point is None


def test_unknown_neighborhood_is_refused(nyc):
    profile = InstructorProfileFactory()
    with pytest.raises(ValidationError):
        instructor_set_service_area(instructor=profile, neighborhood_slugs=["atlantis"])
    assert InstructorNeighborhood.objects.count() == 0


def test_public_point_is_a_stable_jitter_of_the_studio(nyc):
    profile = InstructorProfileFactory()
    profile = instructor_set_service_area(instructor=profile, neighborhood_slugs=[], studio_address="350 5th Ave")
    studio = geocode("350 5th Ave").point
    assert profile.public_point.coords != studio.coords
    distance = profile.public_point.transform(32618, clone=True).distance(studio.transform(32618, clone=True))
    assert 140 <= distance <= 410
    assert jittered_point(point=studio, public_id=profile.public_id).coords == profile.public_point.coords


def test_the_covering_instructors_query_uses_the_spatial_index():
    """With enough instructors for PostgreSQL to prefer it, "who travels to this point?" is a GiST
    index search on `coverage`, not a scan of every profile."""
    from django.db import connection

    from accounts.models import User

    users = User.objects.bulk_create(
        [User(email=f"coverage{n}@example.com", full_name=f"Cover {n}", timezone="America/New_York")
         for n in range(3000)]
    )  # fmt: skip
    InstructorProfile.objects.bulk_create(
        InstructorProfile(user=user, coverage=square(-74.2 + (n % 60) * 0.008, 40.55 + (n // 60) * 0.006, 0.002))
        for n, user in enumerate(users)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_instructorprofile")
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'catalog_instructorprofile'"
            " AND indexdef LIKE '%%USING gist (coverage)%%'"
        )
        (gist_index,) = cursor.fetchone()
    point = Point(-73.9845, 40.6705, srid=4326)  # inside the square of instructor 27 + 20 × 60
    query = InstructorProfile.objects.filter(coverage__covers=point).values_list("user__email", flat=True)
    plan = query.explain()
    assert f"Index Scan using {gist_index}" in plan or f"Bitmap Index Scan on {gist_index}" in plan, plan
    assert "Seq Scan on catalog_instructorprofile" not in plan, plan
    assert list(query) == ["coverage1227@example.com"]
