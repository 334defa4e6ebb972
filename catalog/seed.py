"""Reference data: NYC neighborhoods, the catalog and price floors (demo instructors: catalog.demo).

Everything here is idempotent: running it twice adds nothing the second time.
"""

from __future__ import annotations

from django.utils.text import slugify

from catalog.catalog_data import CATEGORIES, SERVICES

# The demo instructors live in catalog.demo; re-exported for the seeders and tests that import them here.
from catalog.demo import DEMO_EMAIL_DOMAIN, seed_demo_catalog  # noqa: F401
from catalog.geocoding import gazetteer_neighborhoods
from catalog.models import (
    Category,
    InstructorNeighborhood,
    LocationType,
    Neighborhood,
    PriceFloor,
    Service,
)
from catalog.selectors import DEFAULT_HOURLY_FLOOR_CENTS


def seed_neighborhoods() -> int:
    """The approximate NYC neighborhoods from the bundled gazetteer (see catalog/data). The gazetteer
    is the source of the shapes it names: a neighborhood whose polygon or centre changed there is
    updated, and the coverage of instructors who travel there is rebuilt."""
    from catalog.services import instructors_rebuild_coverage

    existing = {hood.slug: hood for hood in Neighborhood.objects.all()}
    new, changed = [], []
    for h in gazetteer_neighborhoods():
        row = existing.get(h.slug)
        if row is None:
            new.append(Neighborhood(slug=h.slug, name=h.name, region=h.region, boundary=h.boundary, center=h.center))
        elif not (row.boundary.equals_exact(h.boundary, 1e-9) and row.center.equals_exact(h.center, 1e-9)):
            row.boundary, row.center = h.boundary, h.center
            changed.append(row)
    Neighborhood.objects.bulk_create(new)
    if changed:
        Neighborhood.objects.bulk_update(changed, ["boundary", "center"])
        affected = InstructorNeighborhood.objects.filter(neighborhood__in=changed).values_list("instructor", flat=True)
        instructors_rebuild_coverage(instructor_ids=list(set(affected)))
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
        for service_order, (service_name, aliases, description) in enumerate(SERVICES[slug], start=1):
            service, made = Service.objects.get_or_create(
                slug=slugify(service_name),
                defaults={"category": category, "name": service_name, "aliases": aliases,
                          "description": description, "display_order": service_order * 10},
            )  # fmt: skip
            created += made
            if not service.description:  # seeded before descriptions existed; staff text is kept
                Service.objects.filter(pk=service.pk).update(description=description)
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
