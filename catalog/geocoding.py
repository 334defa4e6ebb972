"""Turns what a person types ("Park Slope", "11215", "5th Ave & 42nd St") into a point.

`geocode(query)` is the one entry point. The provider is chosen by the GEOCODER setting:

- "offline" (default): the bundled NYC gazetteer in `catalog/data/nyc_gazetteer.json`
  (neighborhoods, ZIP codes, a few hundred addresses and Manhattan intersections). Works with
  no network, which is what development, tests and CI have.
- "nominatim": an OpenStreetMap Nominatim server at GEOCODER_URL (self-hosted or public).
  Its answers go through the same `GeocodeResult`; the neighborhood is found in our own
  polygons, so the rest of the product never knows which provider answered.

Unknown input gives `None`; callers show UNKNOWN_ADDRESS_MESSAGE.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

logger = logging.getLogger(__name__)

GAZETTEER_PATH = Path(__file__).parent / "data" / "nyc_gazetteer.json"
UNKNOWN_ADDRESS_MESSAGE = (
    "We couldn't find that address. Try a street address with the house number, "
    "an intersection like “5th Ave & 42nd St”, a ZIP code or a neighborhood name."
)


@dataclass(frozen=True)
class GeocodeResult:
    point: Point  # SRID 4326
    label: str
    neighborhood_slug: str | None
    kind: str  # "address", "zip" or "neighborhood"


@dataclass(frozen=True)
class GazetteerNeighborhood:
    slug: str
    name: str
    region: str
    center: Point
    boundary: MultiPolygon


# --- The bundled data ------------------------------------------------------------------


@cache
def _gazetteer() -> dict:
    return json.loads(GAZETTEER_PATH.read_text())


@cache
def gazetteer_neighborhoods() -> tuple[GazetteerNeighborhood, ...]:
    """The seeded NYC neighborhoods (the seed and the offline geocoder share them)."""
    return tuple(
        GazetteerNeighborhood(
            slug=row["slug"],
            name=row["name"],
            region=row["region"],
            center=Point(*row["center"], srid=4326),
            boundary=MultiPolygon(Polygon(row["boundary"]), srid=4326),
        )
        for row in _gazetteer()["neighborhoods"]
    )


def neighborhood_slug_for_point(point: Point) -> str | None:
    """The neighborhood whose (approximate) polygon covers the point, without the database."""
    for hood in gazetteer_neighborhoods():
        if hood.boundary.covers(point):
            return hood.slug
    return None


# --- Normalising what people type -------------------------------------------------------

_ORDINAL_WORDS = {
    "first": "1st", "second": "2nd", "third": "3rd", "fourth": "4th", "fifth": "5th", "sixth": "6th",
    "seventh": "7th", "eighth": "8th", "ninth": "9th", "tenth": "10th", "eleventh": "11th", "twelfth": "12th",
}  # fmt: skip
_WORD_ABBREVIATIONS = {
    "avenue": "ave", "av": "ave", "street": "st", "str": "st", "place": "pl", "plaza": "plaza",
    "boulevard": "blvd", "parkway": "pkwy", "drive": "dr", "square": "sq", "north": "n", "south": "s",
    "lex": "lexington",
}  # fmt: skip
_CITY_SUFFIX = re.compile(
    r",?\s*(new york( city)?|nyc|ny|manhattan|brooklyn|queens|bronx|the bronx|staten island)?"
    r"(,?\s*(ny|new york))?(,?\s*\d{5})?\s*$"
)
_DIRECTIONS = {"e", "w", "east", "west"}


def _ordinal(number: str) -> str:
    n = int(number)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _normalize_street(text: str) -> str:
    words = []
    for raw in re.split(r"[\s,.]+", text.strip().lower()):
        if not raw:
            continue
        word = _ORDINAL_WORDS.get(raw, _WORD_ABBREVIATIONS.get(raw, raw))
        if re.fullmatch(r"\d+", word) and not words:
            words.append(word)  # a house number stays a number
            continue
        if re.fullmatch(r"\d+", word):
            word = _ordinal(word)
        words.append(word)
    # "W 42nd St" and "42nd St" are the same crossing for our purposes.
    if len(words) > 1 and words[0] in _DIRECTIONS:
        words = words[1:]
    return " ".join(words)


def _strip_city(text: str) -> str:
    return _CITY_SUFFIX.sub("", text.strip().lower()).strip(" ,")


def _place_keys(label: str) -> list[str]:
    parts = re.split(r"\s*(?:&|/|\band\b|\bat\b)\s*", label.lower())
    parts = [_normalize_street(p) for p in parts if p.strip()]
    if len(parts) == 2:
        return ["&".join(sorted(parts))]
    return [" ".join(parts)]


@cache
def _place_index() -> dict[str, dict]:
    index = {}
    for place in _gazetteer()["places"]:
        for key in _place_keys(place["label"]):
            index[key] = place
    return index


@cache
def _neighborhood_index() -> dict[str, GazetteerNeighborhood]:
    index = {}
    for hood in gazetteer_neighborhoods():
        for key in {hood.name.lower(), hood.slug.replace("-", " "), hood.name.lower().replace(".", "")}:
            index[key] = hood
    return index


# --- Providers ---------------------------------------------------------------------------


class GazetteerGeocoder:
    """Offline: the bundled NYC gazetteer."""

    def geocode(self, query: str) -> GeocodeResult | None:
        text = " ".join(query.split()).strip()
        if not text:
            return None
        zips = _gazetteer()["zips"]
        if re.fullmatch(r"\d{5}(-\d{4})?", text):
            return self._zip(text[:5], zips)
        bare = _strip_city(text)
        hood = _neighborhood_index().get(bare.replace("-", " ")) or _neighborhood_index().get(bare)
        if hood:
            return GeocodeResult(point=hood.center, label=f"{hood.name}, {hood.region}", neighborhood_slug=hood.slug,
                                 kind="neighborhood")  # fmt: skip
        for key in _place_keys(bare):
            place = _place_index().get(key)
            if place:
                point = Point(*place["point"], srid=4326)
                return GeocodeResult(point=point, label=f"{place['label']}, {place['region']}",
                                     neighborhood_slug=neighborhood_slug_for_point(point), kind="address")  # fmt: skip
        trailing_zip = re.search(r"\b(\d{5})(-\d{4})?$", text)
        if trailing_zip:
            return self._zip(trailing_zip.group(1), zips)
        return None

    def _zip(self, zip_code: str, zips: dict) -> GeocodeResult | None:
        if zip_code not in zips:
            return None
        hood = self._hood(zips[zip_code])
        return GeocodeResult(point=hood.center, label=f"{zip_code} ({hood.name})", neighborhood_slug=hood.slug,
                             kind="zip")  # fmt: skip

    @staticmethod
    def _hood(slug: str) -> GazetteerNeighborhood:
        return next(h for h in gazetteer_neighborhoods() if h.slug == slug)


class NominatimGeocoder:
    """A Nominatim (OpenStreetMap) server. Failures are logged and read as "not found"."""

    def __init__(self, base_url: str, timeout: float = 4.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def geocode(self, query: str) -> GeocodeResult | None:
        if not query.strip():
            return None
        params = urllib.parse.urlencode({"q": query, "format": "jsonv2", "limit": 1, "countrycodes": "us"})
        request = urllib.request.Request(  # noqa: S310 - the URL comes from settings, not from users
            f"{self.base_url}/search?{params}", headers={"User-Agent": "InstaInstru geocoder"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                rows = json.loads(response.read())
        except (OSError, ValueError):
            logger.warning("geocoder unavailable", exc_info=True)
            return None
        if not isinstance(rows, list) or not rows:
            return None  # no match (an error reply is an object, not a list)
        row = rows[0]
        try:
            point = Point(float(row["lon"]), float(row["lat"]), srid=4326)
        except (KeyError, TypeError, ValueError):
            logger.warning("geocoder answered a row without coordinates: %r", row)
            return None
        kind = "zip" if row.get("type") == "postcode" else "address"
        return GeocodeResult(point=point, label=row.get("display_name", query), kind=kind,
                             neighborhood_slug=neighborhood_slug_for_point(point))  # fmt: skip


def get_geocoder():
    name = getattr(settings, "GEOCODER", "offline")
    if name == "nominatim":
        return NominatimGeocoder(getattr(settings, "GEOCODER_URL", "https://nominatim.openstreetmap.org"))
    if name == "offline":
        return GazetteerGeocoder()
    raise ValueError(f"Unknown GEOCODER {name!r}: use 'offline' or 'nominatim'.")


def geocode(query: str) -> GeocodeResult | None:
    """The point for an address, intersection, ZIP code or neighborhood, or None if unknown."""
    return get_geocoder().geocode(query)
