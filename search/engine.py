"""From request parameters to results: read the natural-language query, merge it with the explicit
filters (explicit ones win), run the search, and describe every filter as a removable chip.

The page and the API both call `search_run`; the page redirects to `canonical_params` so the URL
holds the understood parts as plain parameters (shareable, and each chip removes one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.http import QueryDict

from catalog.models import AgeGroup, Level, LocationType, Neighborhood, Service
from search.lookup_cache import lookup_tables
from search.lookups import DatabaseLookup, services_resembling
from search.parsing import ParsedQuery, parse_query
from search.selectors import (
    DEFAULT_RADIUS_KM,
    SearchFilters,
    SearchResults,
    Sort,
    search_has_results,
    search_instructors,
)

NEAR_ME = "me"  # `near=me`: the searcher asked for "near me" and the page waits for their location
SHARE_LOCATION_MESSAGE = "Share your location (the “Use my location” button) to see instructors near you."

LOCATION_LABELS = {
    LocationType.ONLINE: "Online",
    LocationType.STUDENT_PLACE: "At your place",
    LocationType.STUDIO: "At a studio",
    LocationType.NEUTRAL: "At a neutral place",
}


@dataclass
class Chip:
    param: str
    label: str
    remove_params: dict


@dataclass
class Suggestion:
    label: str
    params: dict


@dataclass
class SearchOutcome:
    params: dict  # canonical parameters (understood parts as their own parameters)
    results: SearchResults
    chips: list[Chip]
    suggestions: list[Suggestion] = field(default_factory=list)
    parsed: ParsedQuery | None = None
    messages: list[str] = field(default_factory=list)


def dollars_param(cents: int) -> int | Decimal:
    """A price parameter from cents: whole dollars as an int ("90"), else dollars and cents ("89.99")."""
    return cents // 100 if cents % 100 == 0 else Decimal(cents).scaleb(-2)


def cents_from_param(dollars) -> int:
    return int((Decimal(str(dollars)) * 100).to_integral_value())


def canonical_params(cleaned: dict, parsed: ParsedQuery | None) -> dict:
    """Explicit parameters, plus what the query understood, with `q` reduced to the free text.

    What the query asked for but could not be used yet travels on as a parameter too, so the page
    redirected to can say so: "near me" without the browser's location (`near=me`) and a ZIP code or
    address that was not found (`where`, reported as not found).
    """
    params = {key: value for key, value in cleaned.items() if value not in (None, "", [], ()) and key != "page"}
    for key in ("price_min", "price_max"):
        if key in params:
            params[key] = dollars_param(cents_from_param(params[key]))
    if not parsed:
        return params
    understood = {
        "service": parsed.service.slug if parsed.service else None,
        "age": parsed.age_group,
        "level": parsed.level,
        "price_min": dollars_param(parsed.min_price_cents) if parsed.min_price_cents is not None else None,
        "price_max": dollars_param(parsed.max_price_cents) if parsed.max_price_cents is not None else None,
        "type": list(parsed.location_types),
        "when": parsed.window.phrase if parsed.window else "",
        "near": NEAR_ME if parsed.needs_location else "",
        "where": parsed.unknown_place,
    }
    if parsed.place:
        if parsed.place.kind == "neighborhood":
            understood["area"] = parsed.place.neighborhood_slug
        elif parsed.place.kind == "borough":
            understood["area"] = parsed.place.region
        elif parsed.place.kind == "near_me":
            understood["lat"], understood["lng"] = parsed.place.latitude, parsed.place.longitude
        else:
            understood["where"] = parsed.place.phrase
    for key, value in understood.items():
        if value not in (None, "", [], ()) and key not in params:
            params[key] = value
    params["q"] = parsed.free_text
    if not params["q"]:
        del params["q"]
    return params


@dataclass
class Understanding:
    parsed: ParsedQuery | None
    params: dict  # canonical parameters, see canonical_params


def search_understand(*, cleaned: dict, zone: ZoneInfo, now: datetime, lookup: DatabaseLookup | None = None):
    """Reads the natural-language query (no search yet): the page redirects to `params` first."""
    lookup = lookup or DatabaseLookup()
    parsed = _parse(cleaned, lookup=lookup, now=now, zone=zone)
    params = canonical_params(cleaned, parsed)
    # The understood URL must be a fixed point, or the page redirects twice: reading the free-text
    # rest again can understand more of it ("english as a second language for adults" leaves
    # "as second language", which names the service once more). Read it the way the next request
    # would, through the form, until nothing changes.
    seen_q = {cleaned.get("q") or ""}
    while params.get("q") and params["q"] not in seen_q:
        seen_q.add(params["q"])
        again = _cleaned_from(params)
        params = canonical_params(again, _parse(again, lookup=lookup, now=now, zone=zone))
    return Understanding(parsed=parsed, params=params)


def _parse(cleaned: dict, *, lookup, now: datetime, zone: ZoneInfo) -> ParsedQuery | None:
    if not cleaned.get("q"):
        return None
    return parse_query(cleaned["q"], lookup=lookup, now=now, zone=zone, latitude=cleaned.get("lat"),
                       longitude=cleaned.get("lng"))  # fmt: skip


def _cleaned_from(params: dict) -> dict:
    """What `SearchForm` reads from the URL of `params` (canonical parameters are always valid)."""
    from search.forms import SearchForm

    form = SearchForm(QueryDict(querystring(params)))
    form.is_valid()
    return form.cleaned_data


def search_run(
    *,
    cleaned: dict,
    zone: ZoneInfo,
    now: datetime,
    lookup: DatabaseLookup | None = None,
    understanding: Understanding | None = None,
) -> SearchOutcome:
    """Runs a search from validated `SearchForm` data. Unknown slugs and places become messages, not errors."""
    lookup = lookup or DatabaseLookup()
    understanding = understanding or search_understand(cleaned=cleaned, zone=zone, now=now, lookup=lookup)
    parsed, params = understanding.parsed, understanding.params
    filters, chips, messages = _filters(params, lookup=lookup, now=now, zone=zone)
    results = search_instructors(filters=filters, now=now, page=cleaned.get("page") or 1)
    outcome = SearchOutcome(params=params, results=results, chips=chips, parsed=parsed, messages=messages)
    if results.count == 0:
        outcome.suggestions = _suggestions(params, filters, lookup=lookup, now=now, zone=zone)
    return outcome


def _without(params: dict, *keys: str) -> dict:
    return {key: value for key, value in params.items() if key not in keys}


def _filters(params: dict, *, lookup, now, zone) -> tuple[SearchFilters, list[Chip], list[str]]:
    filters = SearchFilters(sort=params.get("sort") or Sort.RELEVANCE, free_text=params.get("q", ""))
    chips: list[Chip] = []
    messages: list[str] = []

    def chip(param: str, label: str, *also: str) -> None:
        chips.append(Chip(param=param, label=label, remove_params=_without(params, param, *also)))

    tables = lookup_tables()
    if slug := params.get("service"):
        service = tables.services.get(slug)
        if service:
            filters.service_id = service.pk
            chip("service", service.name)
        else:
            messages.append(f"There is no service “{slug}”.")
    if slug := params.get("category"):
        category_name = tables.categories.get(slug)
        if category_name:
            filters.category_slug = slug
            chip("category", category_name)
        else:
            messages.append(f"There is no category “{slug}”.")
    if age := params.get("age"):
        filters.age_group = age
        chip("age", AgeGroup(age).label)
    if level := params.get("level"):
        filters.level = level
        chip("level", Level(level).label)
    low, high = params.get("price_min"), params.get("price_max")
    if low is not None:
        filters.min_price_cents = cents_from_param(low)
    if high is not None:
        filters.max_price_cents = cents_from_param(high)
    if low is not None and high is not None:
        chip("price_min", f"${low}–${high}/h", "price_max")
    elif low is not None:
        chip("price_min", f"From ${low}/h")
    elif high is not None:
        chip("price_max", f"Under ${high}/h")
    if types := params.get("type"):
        filters.location_types = tuple(types)
        for location_type in types:
            remaining = [t for t in types if t != location_type]
            chips.append(
                Chip(
                    "type",
                    LOCATION_LABELS[location_type],
                    {**_without(params, "type"), **({"type": remaining} if remaining else {})},
                )
            )
    if area := params.get("area"):
        hood = tables.neighborhoods.get(area)
        if hood:
            filters.neighborhood_slug, filters.origin = hood.slug, hood.center
            chip("area", hood.name)
        elif region := lookup.match_places([area.lower()]).get(area.lower()):
            filters.region = region.region
            chip("area", region.label)
        else:
            messages.append(f"We couldn't find the area “{area}”.")
    if where := params.get("where"):
        place = lookup.match_places([where.lower()]).get(where.lower())
        if place and place.has_point:
            filters.point = Point(place.longitude, place.latitude, srid=4326)
            chip("where", place.label)
        else:
            messages.append(f"We couldn't find “{where}”. Try a neighborhood, a ZIP code or a street address.")
            chip("where", f"{where} (not found)")  # searched without it; the chip takes it out of the URL
    if params.get("lat") is not None and params.get("lng") is not None:
        filters.point = Point(float(params["lng"]), float(params["lat"]), srid=4326)
        chip("lat", "Near you", "lng", "near")
    elif params.get("near") == NEAR_ME:
        messages.append(SHARE_LOCATION_MESSAGE)
        chip("near", "Near you")
    if params.get("radius_km"):
        filters.radius_km = float(params["radius_km"])
    if when := params.get("when"):
        window = parse_query(when, lookup=_NoLookup(), now=now, zone=zone).window
        if window:
            filters.windows = window.utc_intervals(zone)
            chip("when", window.label)
        else:
            messages.append(f"We didn't understand the time “{when}”. Try “saturday morning” or “weekdays after 5pm”.")
    if params.get("min_rating"):
        filters.min_rating = float(params["min_rating"])
        chip("min_rating", f"{params['min_rating']:g}★ and up")
    if filters.free_text:
        chip("q", f"“{filters.free_text}”")
    return filters, chips, messages


class _NoLookup:
    def match_services(self, phrases):
        return {}

    def match_places(self, phrases):
        return {}


# An empty page offers at most this many places and services, trying a few more than it shows:
# only suggestions that find someone are shown.
SUGGESTED_PLACES, TRIED_PLACES = 3, 5
SUGGESTED_SERVICES, TRIED_SERVICES = 3, 5
_PLACE_PARAMS = ("area", "where", "lat", "lng", "near")


def _suggestions(params: dict, filters: SearchFilters, *, lookup, now, zone) -> list[Suggestion]:
    """Ways out of an empty page: nearby neighborhoods (or boroughs), online lessons, related services,
    no filters. Each one is searched first and offered only when it finds someone (a suggestion
    that leads to another empty page is worse than none)."""

    def finds_someone(suggested: dict) -> bool:
        return search_has_results(filters=_filters(suggested, lookup=lookup, now=now, zone=zone)[0], now=now)

    def first_that_find_someone(candidates: list[Suggestion], limit: int) -> list[Suggestion]:
        found = []
        for candidate in candidates:
            if len(found) == limit:
                break
            if finds_someone(candidate.params):
                found.append(candidate)
        return found

    places: list[Suggestion] = []
    if filters.distance_from is not None:
        nearby = (
            Neighborhood.objects.annotate(distance=Distance("center", filters.distance_from))
            .exclude(slug=filters.neighborhood_slug)
            .order_by("distance")
            .values_list("name", "slug")[:TRIED_PLACES]
        )
        places = [
            Suggestion(f"Try {name}", {**_without(params, *_PLACE_PARAMS), "area": slug}) for name, slug in nearby
        ]
    elif filters.region:
        places = [
            Suggestion(f"Try {region}", {**_without(params, *_PLACE_PARAMS), "area": region})
            for region in _regions_nearest(filters.region)[:TRIED_PLACES]
        ]
    suggestions = first_that_find_someone(places, SUGGESTED_PLACES)
    if filters.location_types != (LocationType.ONLINE,):
        suggestions += first_that_find_someone(
            [
                Suggestion(
                    "Try online lessons", {**_without(params, *_PLACE_PARAMS, "type"), "type": [LocationType.ONLINE]}
                )
            ],
            1,
        )
    services: list[Suggestion] = []
    if filters.service_id:
        service = Service.objects.get(pk=filters.service_id)
        related = (
            Service.objects.filter(category_id=service.category_id)
            .exclude(pk=service.pk)
            .order_by("display_order", "name")
            .values_list("name", "slug")[:TRIED_SERVICES]
        )
        services = [Suggestion(f"Try {name}", {**params, "service": slug}) for name, slug in related]
    elif filters.free_text:
        # Words that named no service: offer the services they come closest to, instead of the words.
        services = [
            Suggestion(f"Try {name}", {**_without(params, "q"), "service": slug})
            for slug, name in services_resembling(filters.free_text, limit=TRIED_SERVICES)
        ]
    suggestions += first_that_find_someone(services, SUGGESTED_SERVICES)
    if len(params) > 1:
        suggestions += first_that_find_someone(
            [Suggestion("Clear all filters", {"q": params["q"]} if params.get("q") else {})], 1
        )
    return suggestions


def _regions_nearest(region: str) -> list[str]:
    """The other boroughs, nearest first (by the distance between their shapes)."""
    tables = lookup_tables()
    area = tables.region_area(region)
    if area is None:
        return []
    others = [(other, tables.region_area(other)) for other in tables.region_areas if other != region]
    return [other for other, shape in sorted(others, key=lambda item: area.distance(item[1]))]


def querystring(params: dict) -> str:
    return urlencode(params, doseq=True)


__all__ = ["DEFAULT_RADIUS_KM", "SearchOutcome", "canonical_params", "querystring", "search_run", "search_understand"]
