"""Factories for catalog rows. `live_instructor()` gives a bookable instructor in one call."""

import factory
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone

from accounts.tests.factories import instructor_user
from catalog.models import (
    Category,
    InstructorProfile,
    InstructorService,
    LocationType,
    Neighborhood,
    Service,
    ServicePrice,
)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    display_order = factory.Sequence(lambda n: n)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("slug",)

    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Service {n}")
    slug = factory.Sequence(lambda n: f"service-{n}")


def square(lon: float, lat: float, half_side_degrees: float = 0.01) -> MultiPolygon:
    d = half_side_degrees
    ring = ((lon - d, lat - d), (lon + d, lat - d), (lon + d, lat + d), (lon - d, lat + d), (lon - d, lat - d))
    return MultiPolygon(Polygon(ring), srid=4326)


class NeighborhoodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Neighborhood
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Neighborhood {n}")
    slug = factory.Sequence(lambda n: f"neighborhood-{n}")
    region = "Brooklyn"
    boundary = factory.LazyFunction(lambda: square(-73.98, 40.67))
    center = factory.LazyFunction(lambda: Point(-73.98, 40.67, srid=4326))


class InstructorProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InstructorProfile

    user = factory.LazyFunction(instructor_user)
    status = InstructorProfile.Status.LIVE
    headline = "Patient, fun and experienced"
    bio = "I have taught for many years and love helping students of every age."
    years_experience = 5
    languages = factory.LazyFunction(lambda: ["English"])
    went_live_at = factory.LazyFunction(timezone.now)


class InstructorServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InstructorService

    instructor = factory.SubFactory(InstructorProfileFactory)
    service = factory.SubFactory(ServiceFactory)
    age_groups = factory.LazyFunction(lambda: ["adults"])
    levels = factory.LazyFunction(lambda: ["beginner", "intermediate"])
    location_types = factory.LazyFunction(lambda: [LocationType.ONLINE, LocationType.STUDENT_PLACE])
    hourly_rate_cents = 9000


def live_instructor(*, service=None, prices=None, **profile_kwargs) -> InstructorService:
    """A live instructor offering one service at `prices` ({minutes: cents}, default $90/h)."""
    prices = prices or {30: 4500, 60: 9000}
    profile = InstructorProfileFactory(**profile_kwargs)
    offer = InstructorServiceFactory(
        instructor=profile,
        service=service or ServiceFactory(),
        hourly_rate_cents=min(cents * 60 // minutes for minutes, cents in prices.items()),
    )
    for minutes, cents in prices.items():
        ServicePrice.objects.create(offer=offer, duration_minutes=minutes, price_cents=cents)
    return offer
