"""The database side of query understanding: which phrases name a service (pg_trgm similarity over
service names, catalog aliases and learned aliases) and which name a place (neighborhoods,
boroughs; ZIP codes and addresses through the catalog's geocoder).

Each call is one query for all candidate phrases (`unnest` + `LATERAL`), so parsing a long query
costs two round trips, not one per word.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection

from catalog.geocoding import GeocodeResult
from catalog.geocoding import geocode as catalog_geocode
from search.parsing import PlaceMatch, ServiceMatch

# Below this similarity a phrase does not name a service: "guitr"→"guitar" is 0.44,
# "violn"→"violin" 0.44, "pianno"→"piano" 0.63, while unrelated words stay under 0.3.
SERVICE_SIMILARITY = 0.4
# Places must be closer: a wrong neighborhood silently filters out everyone.
PLACE_SIMILARITY = 0.6
BOROUGH_ALIASES = {"bk": "Brooklyn", "bklyn": "Brooklyn", "the bronx": "Bronx", "si": "Staten Island", "nyc": ""}

_SERVICE_SQL = """
SELECT p.phrase, best.id, best.name, best.slug, best.sim
FROM unnest(%s::text[]) AS p(phrase)
CROSS JOIN LATERAL (
    SELECT s.id, s.name, s.slug, similarity(t.term, p.phrase) AS sim
    FROM (
        SELECT id AS service_id, lower(name) AS term FROM catalog_service
        UNION ALL
        SELECT id, lower(alias) FROM catalog_service, unnest(aliases) AS alias
        UNION ALL
        SELECT service_id, term FROM search_searchtermalias WHERE status IN ('active', 'approved')
    ) AS t
    JOIN catalog_service s ON s.id = t.service_id
    WHERE t.term %% p.phrase OR t.term = p.phrase
    ORDER BY sim DESC, s.display_order, s.id
    LIMIT 1
) AS best
WHERE best.sim >= %s
"""

_NEIGHBORHOOD_SQL = """
SELECT p.phrase, best.name, best.slug, best.region, best.lon, best.lat, best.sim
FROM unnest(%s::text[]) AS p(phrase)
CROSS JOIN LATERAL (
    SELECT n.name, n.slug, n.region, ST_X(n.center::geometry) AS lon, ST_Y(n.center::geometry) AS lat,
           similarity(lower(n.name), p.phrase) AS sim
    FROM catalog_neighborhood n
    WHERE lower(n.name) %% p.phrase OR lower(n.name) = p.phrase
    ORDER BY sim DESC, n.id
    LIMIT 1
) AS best
WHERE best.sim >= %s
"""


# Suggestions for a search that found nothing may be looser than understanding: "ballroom" is not
# Ballet (0.33), but offering Ballet beats an empty page.
SUGGESTION_SIMILARITY = 0.25

_RESEMBLING_SQL = """
SELECT s.slug, s.name, max(similarity(t.term, w.word)) AS sim
FROM unnest(%s::text[]) AS w(word)
JOIN (
    SELECT id AS service_id, lower(name) AS term FROM catalog_service
    UNION ALL
    SELECT id, lower(alias) FROM catalog_service, unnest(aliases) AS alias
) AS t ON similarity(t.term, w.word) >= %s
JOIN catalog_service s ON s.id = t.service_id
GROUP BY s.id, s.slug, s.name, s.display_order
ORDER BY sim DESC, s.display_order, s.id
LIMIT %s
"""


def services_resembling(text: str, *, limit: int = 3) -> list[tuple[str, str]]:
    """(slug, name) of the services whose name or alias most resembles a word of `text`, closest first."""
    words = [word for word in dict.fromkeys(text.lower().split()) if len(word) >= 3]
    if not words:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_RESEMBLING_SQL, [words, SUGGESTION_SIMILARITY, limit])
        return [(slug, name) for slug, name, _ in cursor.fetchall()]


class DatabaseLookup:
    """`search.parsing.QueryLookup` backed by PostgreSQL; ZIP codes and addresses go through `geocode`
    (the catalog's geocoder, `catalog.geocoding.geocode`, unless a test passes another).

    Made per request: it remembers each phrase's answer for its whole life."""

    def __init__(self, geocode: Callable[[str], GeocodeResult | None] | None = None):
        self.geocode = geocode or catalog_geocode
        self._regions: dict[str, str] | None = None
        # Answers per phrase, kept for this lookup's life (one request): reading the free-text rest
        # of a query again (see `search.engine.search_understand`) asks mostly the same phrases.
        self._known_services: dict[str, ServiceMatch | None] = {}
        self._known_places: dict[str, PlaceMatch | None] = {}

    def match_services(self, phrases: list[str]) -> dict[str, ServiceMatch]:
        return _remembered(self._known_services, phrases, self._match_services)

    def match_places(self, phrases: list[str]) -> dict[str, PlaceMatch]:
        return _remembered(self._known_places, phrases, self._match_places)

    def _match_services(self, phrases: list[str]) -> dict[str, ServiceMatch]:
        phrases = [p for p in dict.fromkeys(phrases) if len(p) >= 3 and not p.isdigit()]
        if not phrases:
            return {}
        with connection.cursor() as cursor:
            cursor.execute(_SERVICE_SQL, [phrases, SERVICE_SIMILARITY])
            return {
                phrase: ServiceMatch(service_id=pk, name=name, slug=slug, similarity=float(sim))
                for phrase, pk, name, slug, sim in cursor.fetchall()
            }

    def _match_places(self, phrases: list[str]) -> dict[str, PlaceMatch]:
        phrases = list(dict.fromkeys(p for p in phrases if len(p) >= 2))
        found: dict[str, PlaceMatch] = {}
        words = [p for p in phrases if not p[0].isdigit()]
        for phrase in words:
            region = self._borough(phrase)
            if region:
                found[phrase] = PlaceMatch(kind="borough", label=region, region=region)
        words = [p for p in words if p not in found and len(p) >= 4]
        if words:
            with connection.cursor() as cursor:
                cursor.execute(_NEIGHBORHOOD_SQL, [words, PLACE_SIMILARITY])
                for phrase, name, slug, region, lon, lat, sim in cursor.fetchall():
                    found[phrase] = PlaceMatch(
                        kind="neighborhood",
                        label=f"{name}, {region}",
                        longitude=lon,
                        latitude=lat,
                        neighborhood_slug=slug,
                        region=region,
                        similarity=float(sim),
                    )
        if self.geocode:
            for phrase in (p for p in phrases if p[0].isdigit()):
                result = self.geocode(phrase)
                if result is not None:
                    found[phrase] = PlaceMatch(
                        kind=result.kind,
                        label=result.label,
                        longitude=result.point.x,
                        latitude=result.point.y,
                        neighborhood_slug=result.neighborhood_slug or "",
                    )
        return found

    def _borough(self, phrase: str) -> str:
        from search.lookup_cache import lookup_tables

        if self._regions is None:
            self._regions = lookup_tables().regions
        name = BOROUGH_ALIASES.get(phrase, phrase)
        return self._regions.get(name.lower(), "") if name else ""


def _remembered(known: dict, phrases: list[str], match: Callable[[list[str]], dict]) -> dict:
    """`match(phrases)`, asking only about phrases not answered before (each phrase independently)."""
    missing = [phrase for phrase in dict.fromkeys(phrases) if phrase not in known]
    if missing:
        found = match(missing)
        known.update({phrase: found.get(phrase) for phrase in missing})
    return {phrase: known[phrase] for phrase in dict.fromkeys(phrases) if known[phrase] is not None}
