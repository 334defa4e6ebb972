"""What is taught and by whom: categories, services, instructor profiles and their offers,
and where instructors teach (PostGIS).

Money is integer cents (USD). Geometry is stored in WGS 84 (SRID 4326); distances are
computed on the geography type so radii are in metres.
"""

from django.conf import settings
from django.contrib.gis.db import models as gis
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.dispatch import receiver
from django.urls import reverse
from django.utils.functional import LazyObject, empty

from instainstru.core.ids import PublicIdField

LESSON_DURATIONS = (30, 45, 60, 90)
BIO_MIN_LENGTH = 80
BIO_MAX_LENGTH = 2000


class _PrivateStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages["private"]


_private_storage = _PrivateStorage()


@receiver(setting_changed)
def _reset_private_storage(*, setting, **_kwargs):
    if setting in ("STORAGES", "MEDIA_ROOT"):
        _private_storage._wrapped = empty


def private_storage():
    """Originals of uploaded photos: never under MEDIA_URL (settings.STORAGES["private"])."""
    return _private_storage


class AgeGroup(models.TextChoices):
    KIDS = "kids", "Kids"
    TEENS = "teens", "Teens"
    ADULTS = "adults", "Adults"


class Level(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"


class LocationType(models.TextChoices):
    STUDENT_PLACE = "student_place", "At the student's place"
    STUDIO = "studio", "At the instructor's studio"
    ONLINE = "online", "Online"
    NEUTRAL = "neutral", "At a neutral place"

    @classmethod
    def in_person(cls) -> set[str]:
        return {cls.STUDENT_PLACE, cls.STUDIO, cls.NEUTRAL}


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    subtitle = models.CharField(max_length=160, blank=True)
    icon_name = models.CharField(max_length=40, blank=True)
    display_order = models.PositiveSmallIntegerField(default=100)
    # The Kids category holds no services of its own: it shows every service that a live,
    # kids-capable instructor teaches (catalog.selectors.kids_services).
    is_kids = models.BooleanField(default=False)

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("category_detail", args=[self.slug])


class Service(models.Model):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)
    aliases = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    description = models.TextField(blank=True)
    display_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["category__display_order", "display_order", "name"]
        indexes = [GinIndex(fields=["aliases"], name="service_aliases_gin")]

    def __str__(self):
        return self.name


class PriceFloor(models.Model):
    """Minimum hourly price per category and location type, enforced pro rata per duration."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="price_floors")
    location_type = models.CharField(max_length=20, choices=LocationType.choices)
    hourly_floor_cents = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "location_type"], name="price_floor_unique"),
        ]

    def __str__(self):
        return f"{self.category} / {self.location_type}: {self.hourly_floor_cents}¢/h"


class InstructorProfile(models.Model):
    class Status(models.TextChoices):
        ONBOARDING = "onboarding", "Onboarding"
        LIVE = "live", "Live"
        PAUSED = "paused", "Paused"
        SUSPENDED = "suspended", "Suspended"

    class BookingMode(models.TextChoices):
        INSTANT = "instant", "Instant booking"
        REQUEST = "request", "Request to book"

    public_id = PublicIdField()
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="instructor_profile")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ONBOARDING, db_index=True)
    headline = models.CharField(max_length=120, blank=True)
    bio = models.TextField(blank=True)
    years_experience = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(70)])
    languages = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    booking_mode = models.CharField(max_length=10, choices=BookingMode.choices, default=BookingMode.INSTANT)
    is_founding = models.BooleanField(default=False, help_text="Founding instructors: staff only.")
    teaches_kids = models.BooleanField(default=False, db_index=True)
    # Photos: public re-encoded sizes; the original is kept privately (catalog.photos).
    photo = models.ImageField(upload_to="instructors/photos/", blank=True)
    photo_thumb = models.ImageField(upload_to="instructors/photos/", blank=True)
    photo_original = models.FileField(upload_to="instructors/originals/", storage=private_storage, blank=True)
    # Where they teach. The base point (where they travel from, or the studio when they only
    # teach there) and the studio's point are private; public pages show `public_point` (a
    # jitter of the studio, else of the base, keyed by SECRET_KEY: catalog.services.jittered_point),
    # the travel circle around a jitter of the base, and the neighborhoods.
    base_point = gis.PointField(geography=True, null=True, blank=True)
    public_point = gis.PointField(geography=True, null=True, blank=True)
    travel_radius_m = models.PositiveIntegerField(null=True, blank=True)
    studio_address = models.CharField(max_length=200, blank=True)
    studio_point = gis.PointField(geography=True, null=True, blank=True)
    studio_neighborhood = models.ForeignKey(
        "Neighborhood", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The neighborhood the studio is in: what public pages name instead of the address.",
    )  # fmt: skip
    # What the instructor typed for their base (private, like the point itself).
    base_address = models.CharField(max_length=200, blank=True)
    neighborhoods = models.ManyToManyField("Neighborhood", through="InstructorNeighborhood", blank=True)
    # The union of the neighborhoods and the radius: "does this instructor travel to this
    # address?" is one ST_Covers on this indexed column.
    coverage = gis.MultiPolygonField(geography=True, null=True, blank=True, spatial_index=True)
    went_live_at = models.DateTimeField(null=True, blank=True)
    suspended_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user.full_name} ({self.status})"

    def get_absolute_url(self):
        return reverse("instructor_profile", args=[self.public_id])

    @property
    def is_live(self) -> bool:
        """Live and with an active user account (`catalog.selectors.live_instructor_q` in SQL)."""
        return self.status == self.Status.LIVE and self.user.is_active


class InstructorServiceQuerySet(models.QuerySet):
    def in_display_order(self):
        """The catalog's order (category, then service display order) wherever offers are listed.

        Not the model's default ordering: search and the slot engine read offers in bulk and must
        not pay for the joins.
        """
        return self.order_by("service__category__display_order", "service__display_order", "service__name")


class InstructorService(models.Model):
    """One service an instructor offers, with the terms a booking copies at the time it is made."""

    public_id = PublicIdField()
    instructor = models.ForeignKey(InstructorProfile, on_delete=models.CASCADE, related_name="services")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="offers")
    description = models.TextField(blank=True)
    age_groups = ArrayField(models.CharField(max_length=10, choices=AgeGroup.choices), default=list)
    levels = ArrayField(models.CharField(max_length=14, choices=Level.choices), default=list)
    location_types = ArrayField(models.CharField(max_length=20, choices=LocationType.choices), default=list)
    # The cheapest hourly rate across durations, kept for search filters and sorting.
    hourly_rate_cents = models.PositiveIntegerField(default=0, db_index=True)
    is_active = models.BooleanField(default=True)

    objects = InstructorServiceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instructor", "service"], name="instructor_service_unique"),
        ]

    def __str__(self):
        return f"{self.service} by {self.instructor.user.full_name}"

    def price_cents_for(self, duration_minutes: int) -> int | None:
        for price in self.prices.all():
            if price.duration_minutes == duration_minutes:
                return price.price_cents
        return None


class ServicePrice(models.Model):
    """The price of one lesson of one duration. Shown per lesson and per hour, before fees."""

    offer = models.ForeignKey(InstructorService, on_delete=models.CASCADE, related_name="prices")
    duration_minutes = models.PositiveSmallIntegerField(
        choices=[(d, f"{d} minutes") for d in LESSON_DURATIONS],
        validators=[MinValueValidator(30), MaxValueValidator(90)],
    )
    price_cents = models.PositiveIntegerField()

    class Meta:
        ordering = ["duration_minutes"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "duration_minutes"], name="service_price_unique"),
            models.CheckConstraint(condition=models.Q(price_cents__gt=0), name="service_price_positive"),
        ]

    def __str__(self):
        return f"{self.duration_minutes} min: {self.price_cents}¢"

    @property
    def hourly_cents(self) -> int:
        return self.price_cents * 60 // self.duration_minutes


class Neighborhood(models.Model):
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=100, unique=True)
    region = models.CharField(max_length=60, help_text="Borough or region")
    boundary = gis.MultiPolygonField(geography=True, spatial_index=True)
    center = gis.PointField(geography=True)

    class Meta:
        ordering = ["region", "name"]

    def __str__(self):
        return f"{self.name}, {self.region}"


class InstructorNeighborhood(models.Model):
    instructor = models.ForeignKey(InstructorProfile, on_delete=models.CASCADE, related_name="area_links")
    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.PROTECT, related_name="instructor_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instructor", "neighborhood"], name="instructor_neighborhood_unique"),
        ]

    def __str__(self):
        return f"{self.instructor_id} → {self.neighborhood}"


class VerificationRequest(models.Model):
    """One identity check of an instructor, through the adapter in catalog.verification.

    The local adapter leaves it pending for staff to approve or reject in the admin; a
    provider (e.g. Stripe Identity) fills `provider_reference` and decides by webhook.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    instructor = models.ForeignKey(InstructorProfile, on_delete=models.CASCADE, related_name="verifications")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    provider = models.CharField(max_length=30, default="staff_review")
    provider_reference = models.CharField(max_length=120, blank=True)
    reason = models.CharField(max_length=300, blank=True, help_text="Shown to the instructor when rejected.")
    submitted_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            # One open request at a time per instructor.
            models.UniqueConstraint(
                fields=["instructor"], condition=models.Q(status="pending"), name="verification_one_pending"
            ),
        ]

    def __str__(self):
        return f"Verification of {self.instructor.user.full_name}: {self.get_status_display()}"


class InstructorStatusEvent(models.Model):
    """One change of an instructor's status (going live, pausing, resuming, suspension,
    reinstatement): who did it, when, from what to what, and why. Written by the services in
    catalog.services in the same transaction as the change."""

    instructor = models.ForeignKey(InstructorProfile, on_delete=models.CASCADE, related_name="status_events")
    from_status = models.CharField(max_length=16, choices=InstructorProfile.Status.choices)
    to_status = models.CharField(max_length=16, choices=InstructorProfile.Status.choices)
    reason = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="Who made the change (empty: the system).",
    )  # fmt: skip
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["instructor", "-created_at"], name="status_event_instructor_time")]

    def __str__(self):
        return f"{self.instructor_id}: {self.from_status} → {self.to_status}"
