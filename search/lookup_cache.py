"""The small reference tables every search reads (services, categories, neighborhoods, boroughs),
kept in the Redis cache so a search does not query them again and again.

The cached copy is dropped whenever one of those rows is saved or deleted (signals connected in
`search.apps`; the bulk seeders and migrations that bypass signals are followed by
`lookup_tables_invalidate()` or simply expire after `TIMEOUT`). Cache invalidation is what the
signals are for here, not a business flow.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.geos import GEOSGeometry, Point
from django.core.cache import cache
from django.db import connection

CACHE_KEY = "search:lookup-tables:v2"
TIMEOUT = 3600


@dataclass(frozen=True)
class ServiceRow:
    pk: int
    name: str
    slug: str
    category_id: int


@dataclass(frozen=True)
class NeighborhoodRow:
    name: str
    slug: str
    region: str
    longitude: float
    latitude: float

    @property
    def center(self) -> Point:
        return Point(self.longitude, self.latitude, srid=4326)


@dataclass(frozen=True)
class LookupTables:
    services: dict[str, ServiceRow]  # by slug
    categories: dict[str, str]  # slug → name
    neighborhoods: dict[str, NeighborhoodRow]  # by slug
    region_areas: dict[str, str]  # region → EWKB hex of the union of its neighborhoods
    neighborhood_areas: dict[str, str]  # slug → EWKB hex of its boundary

    def region_area(self, region: str) -> GEOSGeometry | None:
        area = self.region_areas.get(region)
        return GEOSGeometry(area) if area else None

    def neighborhood_area(self, slug: str) -> GEOSGeometry | None:
        area = self.neighborhood_areas.get(slug)
        return GEOSGeometry(area) if area else None

    @property
    def regions(self) -> dict[str, str]:
        """lower-case name → region."""
        return {region.lower(): region for region in self.region_areas}


def _load() -> LookupTables:
    from catalog.models import Category, Neighborhood, Service

    services = {
        row.slug: ServiceRow(row.pk, row.name, row.slug, row.category_id)
        for row in Service.objects.only("name", "slug", "category_id")
    }
    categories = dict(Category.objects.values_list("slug", "name"))
    neighborhoods = {}
    for hood in Neighborhood.objects.only("name", "slug", "region", "center"):
        neighborhoods[hood.slug] = NeighborhoodRow(hood.name, hood.slug, hood.region, hood.center.x, hood.center.y)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT region, encode(ST_AsEWKB(ST_Union(boundary::geometry)), 'hex') "
            "FROM catalog_neighborhood GROUP BY region"
        )
        region_areas = dict(cursor.fetchall())
        cursor.execute("SELECT slug, encode(ST_AsEWKB(boundary::geometry), 'hex') FROM catalog_neighborhood")
        neighborhood_areas = dict(cursor.fetchall())
    return LookupTables(services, categories, neighborhoods, region_areas, neighborhood_areas)


def lookup_tables() -> LookupTables:
    tables = cache.get(CACHE_KEY)
    if tables is None:
        tables = _load()
        cache.set(CACHE_KEY, tables, TIMEOUT)
    return tables


def lookup_tables_invalidate(**_kwargs) -> None:
    cache.delete(CACHE_KEY)


def seed_refresh_lookup_tables(**_options) -> list[str]:
    """A seed_demo step: the seeders write neighborhoods and services in bulk, without signals."""
    lookup_tables_invalidate()
    return []
