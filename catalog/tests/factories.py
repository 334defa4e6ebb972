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


def photo_upload(*, name: str = "portrait.jpg", image_format: str = "JPEG", size=(480, 360), color=(40, 120, 200)):
    """An uploaded photo as the browser sends it."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=image_format)
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{image_format.lower()}")


def go_live_ready(
    stripe_server, *, service_slug: str = "piano", verified: bool = True, **user_kwargs
) -> InstructorProfile:
    """An onboarding instructor who passes every go-live check, made through the services the pages
    use: profile text and photo, a priced piano offer at the student's place and online, Park Slope as
    the area, an approved verification (staff review; only waiting for it with `verified=False`) and a
    Connect account the local Stripe server enabled (payments' own functions). Needs the `nyc` catalog
    and the `local_stripe` server."""
    from accounts.tests.factories import staff
    from catalog import services
    from catalog.verification import verification_decide, verification_start
    from payments.services import connect_account_ensure, connect_account_refresh

    now = timezone.now()
    profile = services.instructor_profile_start(user=instructor_user(**user_kwargs))
    services.instructor_update_profile(
        instructor=profile, headline="Patient piano teacher", bio="I teach classical, pop and jazz piano. " * 3,
        years_experience=8, languages=["English"],
    )  # fmt: skip
    services.instructor_set_photo(instructor=profile, upload=photo_upload())
    services.offer_save(
        instructor=profile, service=Service.objects.get(slug=service_slug), age_groups=["adults"],
        levels=["beginner"], location_types=[LocationType.STUDENT_PLACE, LocationType.ONLINE],
        prices={30: 4500, 60: 9000},
    )  # fmt: skip
    services.instructor_set_service_area(instructor=profile, neighborhood_slugs=["park-slope"])
    pending = verification_start(instructor=profile, now=now).request
    if verified:
        verification_decide(verification=pending, approve=True, decided_by=staff(), now=now)
    account = connect_account_ensure(instructor=profile, now=now)
    stripe_server.account_action(account.account_id, "enable")
    connect_account_refresh(instructor=profile, now=now)
    profile.refresh_from_db()
    return profile
