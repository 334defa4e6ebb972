"""Reference data (NYC neighborhoods, the catalog, price floors) and demo instructors.

Everything here is idempotent: running it twice adds nothing the second time.
"""

from __future__ import annotations

from django.utils.text import slugify

from catalog.catalog_data import CATEGORIES, SERVICES
from catalog.geocoding import gazetteer_neighborhoods
from catalog.models import Category, LocationType, Neighborhood, PriceFloor, Service
from catalog.selectors import DEFAULT_HOURLY_FLOOR_CENTS


def seed_neighborhoods() -> int:
    """The approximate NYC neighborhoods from the bundled gazetteer (see catalog/data)."""
    existing = set(Neighborhood.objects.values_list("slug", flat=True))
    new = [
        Neighborhood(slug=h.slug, name=h.name, region=h.region, boundary=h.boundary, center=h.center)
        for h in gazetteer_neighborhoods()
        if h.slug not in existing
    ]
    Neighborhood.objects.bulk_create(new)
    return len(new)


def seed_catalog() -> int:
    """Categories, services with aliases, and the default price floors per location type."""
    created = 0
    for order, (slug, name, subtitle, icon, is_kids) in enumerate(CATEGORIES, start=1):
        category, made = Category.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "subtitle": subtitle, "icon_name": icon, "is_kids": is_kids,
                      "display_order": order * 10},
        )  # fmt: skip
        created += made
        if is_kids:
            continue
        for service_order, (service_name, aliases) in enumerate(SERVICES[slug], start=1):
            _, made = Service.objects.get_or_create(
                slug=slugify(service_name),
                defaults={"category": category, "name": service_name, "aliases": aliases,
                          "display_order": service_order * 10},
            )  # fmt: skip
            created += made
        for location_type in LocationType.values:
            PriceFloor.objects.get_or_create(
                category=category,
                location_type=location_type,
                defaults={"hourly_floor_cents": DEFAULT_HOURLY_FLOOR_CENTS[location_type]},
            )
    return created


def seed_reference_data(**_options) -> list[str]:
    hoods = seed_neighborhoods()
    rows = seed_catalog()
    return [f"Catalog: {rows} new categories/services, {hoods} new neighborhoods."]
