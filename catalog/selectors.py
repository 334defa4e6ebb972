"""Reads of the catalog that pages, search and bookings share."""

from __future__ import annotations

import math

from django.contrib.gis.geos import Point
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from catalog.models import (
    AgeGroup,
    Category,
    InstructorProfile,
    InstructorService,
    LocationType,
    PriceFloor,
    Service,
    ServicePrice,
)

# The product's defaults when staff have not set a floor for a category and location type.
DEFAULT_HOURLY_FLOOR_CENTS = {
    LocationType.STUDENT_PLACE: 8000,
    LocationType.STUDIO: 8000,
    LocationType.NEUTRAL: 8000,
    LocationType.ONLINE: 6000,
}


def live_instructor_q(prefix: str = "") -> Q:
    """The condition that makes an instructor live, for a query on profiles (`prefix` "") or on rows
    reaching a profile through `prefix` (for example "instructor__"): a live profile whose user account
    is active. A deactivated account keeps its profile's status, so the status alone is not enough."""
    return Q(**{f"{prefix}status": InstructorProfile.Status.LIVE, f"{prefix}user__is_active": True})


def live_instructors() -> QuerySet[InstructorProfile]:
    """The only instructors students may ever see, book or find (see `live_instructor_q`)."""
    return InstructorProfile.objects.filter(live_instructor_q())


def instructor_covers_point(*, instructor: InstructorProfile, point: Point) -> bool:
    """Does the instructor travel to this point? One ST_Covers on the indexed `coverage` column.

    Points on the border count as covered.
    """
    return InstructorProfile.objects.filter(pk=instructor.pk, coverage__covers=point).exists()


def hourly_floor_cents(*, category: Category, location_type: str) -> int:
    floor = PriceFloor.objects.filter(category=category, location_type=location_type).first()
    return floor.hourly_floor_cents if floor else DEFAULT_HOURLY_FLOOR_CENTS[location_type]


def price_floor_cents(*, category: Category, location_type: str, duration_minutes: int) -> int:
    """The minimum price of one lesson: the hourly floor pro rata, rounded up to the cent."""
    return math.ceil(hourly_floor_cents(category=category, location_type=location_type) * duration_minutes / 60)


def _offers_with_prices() -> Prefetch:
    return Prefetch("prices", queryset=ServicePrice.objects.order_by("duration_minutes"))


def kids_services() -> QuerySet[Service]:
    """Exactly the services that at least one live instructor teaches to kids."""
    kids_offers = InstructorService.objects.filter(
        live_instructor_q("instructor__"),
        service=OuterRef("pk"),
        is_active=True,
        age_groups__contains=[AgeGroup.KIDS],
    )
    return Service.objects.filter(Exists(kids_offers)).select_related("category")


def category_services(category: Category) -> QuerySet[Service]:
    """The services listed under a category; the Kids category is computed (kids_services)."""
    if category.is_kids:
        return kids_services()
    return category.services.all()


def category_offers(*, category: Category, service: Service | None = None) -> QuerySet[InstructorService]:
    """Live instructors' offers shown on a category page (kids-capable only under Kids)."""
    offers = InstructorService.objects.filter(live_instructor_q("instructor__"), is_active=True)
    if category.is_kids:
        offers = offers.filter(age_groups__contains=[AgeGroup.KIDS])
    else:
        offers = offers.filter(service__category=category)
    if service is not None:
        offers = offers.filter(service=service)
    return (
        offers.select_related("service", "instructor__user")
        .prefetch_related(_offers_with_prices())
        .order_by("-instructor__is_founding", "hourly_rate_cents", "instructor__public_id")
    )


def public_profile(public_id: str) -> InstructorProfile | None:
    """A live instructor's profile with what the public page shows, or None."""
    return (
        live_instructors()
        .select_related("user", "studio_neighborhood")
        .prefetch_related(
            Prefetch(
                "services",
                queryset=InstructorService.objects.filter(is_active=True)
                .in_display_order()
                .select_related("service__category")
                .prefetch_related(_offers_with_prices()),
            ),
            "neighborhoods",
        )
        .filter(public_id=public_id)
        .first()
    )
