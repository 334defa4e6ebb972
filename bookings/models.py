"""Bookings: a lesson is a time range on the instructor's calendar, not slot rows.

`span` is the time the booking takes from the instructor's calendar: the lesson plus the
buffer after it, plus travel time before and after for lessons at the student's place. Because
the lesson buffer is only *after* a lesson, two neighbouring lessons are separated by exactly
one buffer. A PostgreSQL exclusion constraint (btree_gist) over instructor and span makes
double booking impossible for every status that holds time, pending included.

Every status change goes through one service in `bookings.services` that locks the row, checks
`TRANSITIONS`, and records a `BookingEvent`.
"""

from django.conf import settings
from django.contrib.gis.db import models as gis
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import models

from catalog.models import LocationType
from instainstru.core.ids import PublicIdField


class BookingStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    IN_REVIEW = "in_review", "In review"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


# Allowed status changes; anything else is refused by the services.
TRANSITIONS: dict[str, frozenset[str]] = {
    BookingStatus.PENDING: frozenset({BookingStatus.CONFIRMED, BookingStatus.CANCELLED}),
    BookingStatus.CONFIRMED: frozenset(
        {BookingStatus.CANCELLED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW, BookingStatus.IN_REVIEW}
    ),
    BookingStatus.IN_REVIEW: frozenset({BookingStatus.COMPLETED, BookingStatus.CANCELLED}),
    BookingStatus.COMPLETED: frozenset({BookingStatus.IN_REVIEW}),
    BookingStatus.NO_SHOW: frozenset({BookingStatus.IN_REVIEW}),
    BookingStatus.CANCELLED: frozenset(),
}

# Statuses whose span is taken from the instructor's calendar (the exclusion constraint's scope).
HOLDS_TIME = (
    BookingStatus.PENDING,
    BookingStatus.CONFIRMED,
    BookingStatus.IN_REVIEW,
    BookingStatus.COMPLETED,
    BookingStatus.NO_SHOW,
)


class PendingReason(models.TextChoices):
    PAYMENT = "payment", "Waiting for payment"
    INSTRUCTOR_APPROVAL = "instructor_approval", "Waiting for the instructor to accept"


class Role(models.TextChoices):
    STUDENT = "student", "Student"
    INSTRUCTOR = "instructor", "Instructor"
    PLATFORM = "platform", "InstaInstru"
    SYSTEM = "system", "Automatic"


class CancellationWindow(models.TextChoices):
    """Which part of the cancellation policy applied; the payments app attaches money to it."""

    GRACE = "grace", "Within 15 minutes of booking (free)"
    OVER_24H = "over_24h", "24 hours or more before (free)"
    BETWEEN_12_24H = "12_24h", "12 to 24 hours before"
    UNDER_12H = "under_12h", "Less than 12 hours before"
    NO_COST_TO_STUDENT = "no_cost", "Not the student's doing (free for the student)"


class Booking(models.Model):
    public_id = PublicIdField()
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings")
    instructor = models.ForeignKey("catalog.InstructorProfile", on_delete=models.PROTECT, related_name="bookings")
    offer = models.ForeignKey("catalog.InstructorService", on_delete=models.PROTECT, related_name="bookings")

    # Copied at booking time: later catalog changes do not touch a booking.
    service_name = models.CharField(max_length=80)
    duration_minutes = models.PositiveSmallIntegerField()
    lesson_price_cents = models.PositiveIntegerField()
    booking_fee_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="usd")
    terms = models.JSONField(default=dict, help_text="The instructor's booking terms when the booking was made.")

    location_type = models.CharField(max_length=20, choices=LocationType.choices)
    location_address = models.CharField(max_length=250, blank=True)
    location_point = gis.PointField(geography=True, null=True, blank=True)
    location_details = models.CharField(max_length=250, blank=True)
    note = models.TextField(blank=True, max_length=1000)

    lesson_starts_at = models.DateTimeField()
    lesson_ends_at = models.DateTimeField()
    span = DateTimeRangeField()

    status = models.CharField(max_length=12, choices=BookingStatus.choices, default=BookingStatus.PENDING)
    pending_reason = models.CharField(max_length=20, choices=PendingReason.choices, blank=True)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    payment_confirmed_at = models.DateTimeField(null=True, blank=True)
    instructor_accepted_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    cancelled_by = models.CharField(max_length=12, choices=Role.choices, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.CharField(max_length=300, blank=True)
    cancellation_window = models.CharField(max_length=12, choices=CancellationWindow.choices, blank=True)

    # Reschedule policy (bookings.services.booking_reschedule): a student's late move (under 24 h
    # before) locks the window that applied then, for the lesson's new time too; moving it again
    # less than 24 h before it starts is refused. An instructor's move clears the lock, and the
    # student may cancel at no cost for 24 h after it.
    locked_cancellation_window = models.CharField(max_length=12, choices=CancellationWindow.choices, blank=True)
    policy_clock_started_at = models.DateTimeField(help_text="Start of the cancellation policy clock.")
    instructor_moved_at = models.DateTimeField(
        null=True, blank=True, help_text="The instructor's last move, unless the student moved the lesson since."
    )
    late_moves_count = models.PositiveSmallIntegerField(default=0)
    moves_count = models.PositiveSmallIntegerField(default=0)

    idempotency_key = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["lesson_starts_at"]
        indexes = [
            models.Index(fields=["student", "lesson_starts_at"], name="booking_student_start"),
            models.Index(fields=["instructor", "lesson_starts_at"], name="booking_instructor_start"),
            models.Index(fields=["status", "lesson_ends_at"], name="booking_status_end"),
            models.Index(
                fields=["hold_expires_at"],
                name="booking_pending_hold",
                condition=models.Q(status=BookingStatus.PENDING),
            ),
        ]
        constraints = [
            ExclusionConstraint(
                name="booking_no_double_booking",
                expressions=[("instructor", RangeOperators.EQUAL), ("span", RangeOperators.OVERLAPS)],
                condition=models.Q(status__in=HOLDS_TIME),
            ),
            models.UniqueConstraint(fields=["student", "idempotency_key"], name="booking_idempotency_unique"),
            models.CheckConstraint(
                condition=models.Q(lesson_ends_at__gt=models.F("lesson_starts_at")), name="booking_lesson_order"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=BookingStatus.PENDING) | models.Q(hold_expires_at__isnull=False),
                name="booking_pending_has_expiry",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=BookingStatus.CANCELLED)
                | (models.Q(cancelled_at__isnull=False) & ~models.Q(cancelled_by="")),
                name="booking_cancelled_has_who_and_when",
            ),
        ]

    def __str__(self):
        return f"{self.service_name} {self.lesson_starts_at:%Y-%m-%d %H:%M} UTC ({self.status})"

    @property
    def holds_time(self) -> bool:
        return self.status in HOLDS_TIME

    def can_become(self, status: str) -> bool:
        return status in TRANSITIONS[self.status]


class BookingEvent(models.Model):
    """One row per transition or change: the audit trail of a booking."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    actor_role = models.CharField(max_length=12, choices=Role.choices)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.booking_id} {self.kind} {self.from_status}→{self.to_status}"


class ProblemReport(models.Model):
    class Kind(models.TextChoices):
        INSTRUCTOR_NO_SHOW = "instructor_no_show", "The instructor did not show up"
        LESSON_DID_NOT_HAPPEN = "did_not_happen", "The lesson did not happen"
        LESSON_CUT_SHORT = "cut_short", "The lesson was cut short"
        STUDENT_NO_SHOW = "student_no_show", "The student did not show up"

    class Resolution(models.TextChoices):
        COMPLETED = "completed", "Completed"
        PARTLY_COMPLETED = "partly_completed", "Partly completed"
        CANCELLED_NO_CHARGE = "cancelled_no_charge", "Cancelled without charge"

    public_id = PublicIdField()
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="problem_reports")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reporter_role = models.CharField(max_length=12, choices=Role.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    details = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField()
    resolution = models.CharField(max_length=20, choices=Resolution.choices, blank=True)
    minutes_delivered = models.PositiveSmallIntegerField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open report per booking: the second side's report joins the same review.
            models.UniqueConstraint(
                fields=["booking"], condition=models.Q(resolved_at__isnull=True), name="problem_report_one_open"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.booking_id})"
