"""People: one User model for students, instructors and staff (email login, no username).

Roles are groups (`students`, `instructors`) plus Django's `is_staff`; a person may be both a
student and an instructor. Each user keeps an IANA timezone: storage is UTC, display is theirs.
"""

import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.gis.db import models as gis
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone as django_timezone

from instainstru.core.ids import PublicIdField

STUDENTS_GROUP = "students"
INSTRUCTORS_GROUP = "instructors"


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a time zone we know. Pick one like America/New_York.")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    public_id = PublicIdField()
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=120)
    timezone = models.CharField(max_length=64, default="America/New_York", validators=[validate_timezone])
    phone_number = models.CharField(max_length=20, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=django_timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["-date_joined"]

    def __str__(self):
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def first_name(self):
        return self.get_short_name()

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def _in_group(self, name: str) -> bool:
        # Prefetch-friendly: uses the cache when groups were prefetched.
        cache = getattr(self, "_role_cache", None)
        if cache is None:
            cache = self._role_cache = set(self.groups.values_list("name", flat=True))
        return name in cache

    @property
    def is_student(self) -> bool:
        return self._in_group(STUDENTS_GROUP)

    @property
    def is_instructor(self) -> bool:
        return self._in_group(INSTRUCTORS_GROUP)


MAX_SAVED_ADDRESSES = 10


class SavedAddress(models.Model):
    """A place a student has lessons (home, office…), geocoded when saved so booking forms can
    check it against an instructor's coverage without asking again."""

    public_id = PublicIdField()
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="saved_addresses")
    label = models.CharField(max_length=60)
    text = models.CharField(max_length=250, help_text="The address as the geocoder understood it.")
    point = gis.PointField(geography=True)
    neighborhood = models.ForeignKey(
        "catalog.Neighborhood", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        ordering = ["label", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "label"], name="saved_address_label_unique")]

    def __str__(self):
        return f"{self.label}: {self.text}"
