"""Instructor availability: a recurring weekly schedule in the instructor's own timezone,
per-date changes, time off and booking settings; plus `OpenTime`, the summary search reads.

A day's availability is a 96-bit mask of quarter-hours in *local* time (bit i = the quarter
hour starting i×15 minutes after local midnight), stored as 24 hex digits. Local masks make
"9:00 stays 9:00 on the day the clocks change" automatic; the slot engine converts to UTC
per date with `zoneinfo` (`availability.slots`).

`OpenTime` rows are the instructor's open intervals (UTC) for the coming weeks, after the
schedule, time off and bookings are applied. The availability and booking services refresh
an instructor's rows on every change, and a periodic job repairs drift, so search can filter
by "Saturday morning" and sort by "soonest available" with one indexed query instead of
running the slot engine per card.
"""

from django.contrib.postgres.fields import DateTimeRangeField
from django.contrib.postgres.indexes import GistIndex
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

QUARTERS_PER_DAY = 96
# An instructor who never saved booking settings gets these hours of notice (the slot engine and search).
DEFAULT_MINIMUM_NOTICE_HOURS = 12
EMPTY_MASK = "0" * 24
FULL_MASK = "f" * 24

# The largest buffers the settings allow: how far around a lesson another booking can matter.
MAX_BUFFER_MINUTES = 120
MAX_TRAVEL_BUFFER_MINUTES = 180

mask_validator = RegexValidator(r"^[0-9a-f]{24}$", "A day's availability is 24 lowercase hex digits.")


def mask_to_int(mask: str) -> int:
    return int(mask, 16)


def int_to_mask(bits: int) -> str:
    if bits < 0 or bits >= 1 << QUARTERS_PER_DAY:
        raise ValidationError("A day has 96 quarter-hours.")
    return f"{bits:024x}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class AvailabilitySettings(models.Model):
    """Booking rules of one instructor; `version` guards the week editor against stale saves."""

    instructor = models.OneToOneField(
        "catalog.InstructorProfile", on_delete=models.CASCADE, related_name="availability_settings"
    )
    minimum_notice_hours = models.PositiveSmallIntegerField(
        default=DEFAULT_MINIMUM_NOTICE_HOURS,
        validators=[MaxValueValidator(24 * 14)],
        help_text="How long before a lesson students must book.",
    )
    booking_horizon_days = models.PositiveSmallIntegerField(
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="How far ahead students may book.",
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MaxValueValidator(MAX_BUFFER_MINUTES)], help_text="Free time after every lesson."
    )
    travel_buffer_minutes = models.PositiveSmallIntegerField(
        default=30,
        validators=[MaxValueValidator(MAX_TRAVEL_BUFFER_MINUTES)],
        help_text="Extra time before and after a lesson at the student's place.",
    )
    # Bumped by every schedule or per-date change; the week editor sends the version it loaded.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "availability settings"

    def __str__(self):
        return f"Availability settings of {self.instructor_id}"


class WeeklyAvailability(models.Model):
    """The recurring schedule for one weekday; continues until changed."""

    instructor = models.ForeignKey("catalog.InstructorProfile", on_delete=models.CASCADE, related_name="weekly_days")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    quarter_hours = models.CharField(max_length=24, default=EMPTY_MASK, validators=[mask_validator])

    class Meta:
        ordering = ["instructor", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["instructor", "weekday"], name="weekly_availability_unique"),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="weekly_availability_weekday"),
        ]

    def __str__(self):
        return f"{self.instructor_id} {self.get_weekday_display()}"


class DateOverride(models.Model):
    """Replaces the weekly schedule on one local date (an all-zero mask means not available)."""

    instructor = models.ForeignKey("catalog.InstructorProfile", on_delete=models.CASCADE, related_name="date_overrides")
    date = models.DateField()
    quarter_hours = models.CharField(max_length=24, default=EMPTY_MASK, validators=[mask_validator])

    class Meta:
        ordering = ["instructor", "date"]
        constraints = [models.UniqueConstraint(fields=["instructor", "date"], name="date_override_unique")]

    def __str__(self):
        return f"{self.instructor_id} {self.date}"


class TimeOff(models.Model):
    """A vacation: every local date from `first_day` to `last_day` (inclusive) is blocked."""

    instructor = models.ForeignKey("catalog.InstructorProfile", on_delete=models.CASCADE, related_name="time_off")
    first_day = models.DateField()
    last_day = models.DateField()
    reason = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["instructor", "first_day"]
        constraints = [
            models.CheckConstraint(condition=models.Q(last_day__gte=models.F("first_day")), name="time_off_order"),
        ]

    def __str__(self):
        return f"{self.instructor_id} off {self.first_day}–{self.last_day}"


class OpenTime(models.Model):
    instructor = models.ForeignKey("catalog.InstructorProfile", on_delete=models.CASCADE, related_name="open_times")
    span = DateTimeRangeField()

    class Meta:
        indexes = [GistIndex(fields=["instructor", "span"], name="open_time_instructor_span")]

    def __str__(self):
        return f"{self.instructor_id}: {self.span}"
