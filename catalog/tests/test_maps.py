"""What the service-area pictures draw, and that public pages never place anything at a studio's
or base's exact point."""

import math
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from catalog import services
from catalog.geocoding import geocode
from catalog.maps import Projection, public_shapes
from catalog.models import Service
from catalog.tests.factories import live_instructor

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def svg_of(body: str) -> ET.Element:
    match = re.search(r"<svg class=\"area-map\".*?</svg>", body, re.S)
    assert match, "no area map on the page"
    return ET.fromstring(match.group(0))  # noqa: S314 - our own page, in a test


def drawn(svg: ET.Element, kind: str) -> list[ET.Element]:
    return [el for el in svg.iter() if el.get("class") == f"map-{kind}"]


def title(element: ET.Element) -> str:
    return element.find(f"{SVG}title").text


def metres(a, b) -> float:
    return a.transform(32618, clone=True).distance(b.transform(32618, clone=True))


def pixels(projection: Projection, point) -> tuple[float, float]:
    return projection.project(point.x, point.y)


def instructor(**area):
    offer = live_instructor(service=Service.objects.get(slug="piano"))
    offer.instructor.user.full_name = "Mia Map"
    offer.instructor.user.save()
    return services.instructor_set_service_area(instructor=offer.instructor, **area)


def test_a_studio_only_instructor_shows_the_studio_neighborhood_and_an_approximate_marker(nyc, client):
    profile = instructor(neighborhood_slugs=[], studio_address="350 5th Ave")
    studio = geocode("350 5th Ave").point
    assert profile.studio_neighborhood.slug == "midtown"
    body = client.get(profile.get_absolute_url()).content.decode()
    assert "Studio lessons take place in Midtown, Manhattan; the exact address is shared after booking." in body
    assert "350 5th" not in body and f"{studio.x:.4f}" not in body and f"{studio.y:.4f}" not in body

    svg = svg_of(body)
    (area,) = drawn(svg, "studio-area")
    assert title(area) == "Studio in Midtown"
    (marker,) = drawn(svg, "studio")
    assert title(marker) == "Studio (approximate location)"
    assert drawn(svg, "area") == [] and drawn(svg, "travel") == []
    projection = Projection.fitting(public_shapes(profile), width=320, height=220)
    at = (float(marker.get("cx")), float(marker.get("cy")))
    assert math.dist(at, pixels(projection, profile.public_point)) < 0.1
    # 150–400 m from the studio, which is several pixels at this scale.
    assert 140 <= metres(profile.public_point, studio) <= 410
    assert math.dist(at, pixels(projection, studio)) > 3


def test_the_travel_circle_is_drawn_around_a_jitter_of_the_base_point(nyc, client):
    profile = instructor(neighborhood_slugs=["park-slope"], base_address="200 Eastern Parkway", travel_radius_m=2000)
    base = geocode("200 Eastern Parkway").point
    body = client.get(profile.get_absolute_url()).content.decode()
    assert "Travels to Park Slope." in body and "Also travels up to 2 km from their base (the circle on the map" in body
    assert "200 Eastern" not in body

    svg = svg_of(body)
    assert [title(path) for path in drawn(svg, "area")] == ["Park Slope"]
    (circle,) = drawn(svg, "travel")
    assert title(circle) == "Travels up to 2 km"
    assert drawn(svg, "studio") == []
    projection = Projection.fitting(public_shapes(profile), width=320, height=220)
    centre = services.public_travel_center(profile)
    assert 140 <= metres(centre, base) <= 410
    at = (float(circle.get("cx")), float(circle.get("cy")))
    assert math.dist(at, pixels(projection, centre)) < 0.1
    assert math.dist(at, pixels(projection, base)) > 3
    rx, ry = projection.radii_px(centre, 2000)
    assert (float(circle.get("rx")), float(circle.get("ry"))) == (round(rx, 1), round(ry, 1))
    # 2 km north of the centre is on the circle's edge in the picture.
    north = type(centre)(centre.x, centre.y + 2000 / 110_540, srid=4326)
    assert abs(pixels(projection, north)[1] - (at[1] - ry)) < 0.2


def test_studio_and_base_each_get_their_own_jitter(nyc, client):
    profile = instructor(
        neighborhood_slugs=["park-slope"], base_address="200 Eastern Parkway", travel_radius_m=1500,
        studio_address="350 5th Ave",
    )  # fmt: skip
    studio, base = geocode("350 5th Ave").point, geocode("200 Eastern Parkway").point
    assert 140 <= metres(profile.public_point, studio) <= 410
    shapes = {shape.kind: shape for shape in public_shapes(profile)}
    assert 140 <= metres(shapes["travel"].center, base) <= 410
    assert shapes["studio"].center.coords == profile.public_point.coords
    assert shapes["studio-area"].title == "Studio in Midtown"
    body = client.get(profile.get_absolute_url()).content.decode()
    assert "Studio lessons take place in Midtown, Manhattan" in body
    assert "350 5th" not in body and "200 Eastern" not in body


def test_the_jitter_is_keyed_by_the_secret_key(settings, nyc):
    point = geocode("350 5th Ave").point
    first = services.jittered_point(point=point, public_id="01J0000000000000000000000")
    assert services.jittered_point(point=point, public_id="01J0000000000000000000000").coords == first.coords
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert services.jittered_point(point=point, public_id="01J0000000000000000000000").coords != first.coords


def test_the_onboarding_map_shows_the_own_coverage_and_the_studio_as_students_see_it(nyc, client):
    profile = instructor(
        neighborhood_slugs=["park-slope", "windsor-terrace"], studio_address="350 5th Ave",
    )  # fmt: skip
    profile.status = "onboarding"
    profile.save()
    client.force_login(profile.user)
    body = client.get(reverse("onboarding_step", args=["area"])).content.decode()
    assert "Students see that you travel to Park Slope and Windsor Terrace." in body
    assert "Students see your studio as in Midtown, Manhattan, with an approximate marker" in body
    svg = svg_of(body)
    assert [title(path) for path in drawn(svg, "area")] == ["Where you travel"]
    assert [title(path) for path in drawn(svg, "studio-area")] == ["Studio in Midtown"]
    assert len(drawn(svg, "studio")) == 1


def test_no_area_draws_no_picture(nyc, client):
    offer = live_instructor()
    body = client.get(offer.instructor.get_absolute_url()).content.decode()
    assert 'class="area-map"' not in body
