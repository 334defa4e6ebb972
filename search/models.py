"""Search's own tables: learned aliases ("guitr lessons" → Guitar) and the observations behind them."""

from django.conf import settings
from django.db import models

from availability.models import DEFAULT_MINIMUM_NOTICE_HOURS


class SearchTermAlias(models.Model):
    """A term people search for that means a service.

    Learned, not typed: when different signed-in people search a term no service matched and then
    open or book the same service, each is one observation. At `SEARCH_ALIAS_THRESHOLD` distinct
    people a candidate becomes active and the parser uses it. Staff may approve (always used) or
    reject (never used, and never re-activated by more observations).
    """

    class Status(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        ACTIVE = "active", "Active (learned)"
        APPROVED = "approved", "Approved by staff"
        REJECTED = "rejected", "Rejected by staff"

    # Which moves each status allows; staff decide from any status.
    TRANSITIONS = {
        Status.CANDIDATE: {Status.ACTIVE, Status.APPROVED, Status.REJECTED},
        Status.ACTIVE: {Status.APPROVED, Status.REJECTED},
        Status.APPROVED: {Status.REJECTED},
        Status.REJECTED: {Status.APPROVED},
    }

    term = models.CharField(max_length=60)
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="learned_aliases")
    distinct_users = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CANDIDATE, db_index=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-distinct_users", "term"]
        constraints = [models.UniqueConstraint(fields=["term", "service"], name="search_alias_term_service_unique")]

    def __str__(self):
        return f"{self.term} → {self.service} ({self.status})"

    @property
    def is_used(self) -> bool:
        return self.status in {self.Status.ACTIVE, self.Status.APPROVED}


class SearchTermObservation(models.Model):
    """One person searched `term`, matched no service, then opened or booked `service`."""

    alias = models.ForeignKey(SearchTermAlias, on_delete=models.CASCADE, related_name="observations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alias", "user"], name="search_observation_once_per_user")]

    def __str__(self):
        return f"{self.user_id}: {self.alias}"


class InstructorSearchSummary(models.Model):
    """What ranking reads per instructor, precomputed so a search ranks columns, not subqueries.

    Kept by the owning services through `search.services.search_summary_refresh`: reviews (create,
    hide, show) for the ratings, bookings (completion) for the lessons, availability's
    `open_time_refresh` (every change of open time, bookings included) for the next open interval.
    A periodic job (`search.tasks.repair_search_summaries`) rebuilds every row: it repairs drift and
    ages completed lessons out of their window.

    `next_open_*` is the first open interval that still had room for a lesson a student could book
    when the row was refreshed: from `refreshed_at` plus the instructor's minimum notice, on the slot
    engine's grid (`search.bookable`). As time passes the earliest bookable moment only moves later,
    so it stays the first such interval for as long as it still has room from the current earliest
    moment; search uses it until then and probes OpenTime itself afterwards (or when an instructor has
    no row yet). `minimum_notice_hours` is the availability setting, copied by the same refreshes
    (changing the setting refreshes open time), so search reads it without another join.
    """

    instructor = models.OneToOneField(
        "catalog.InstructorProfile", on_delete=models.CASCADE, primary_key=True, related_name="search_summary"
    )
    rating_count = models.PositiveIntegerField(default=0)  # visible reviews
    rating_sum = models.PositiveIntegerField(default=0)  # their stars
    bayesian_rating = models.FloatField()  # search.ranking.bayesian_rating(rating_count, rating_sum)
    completed_lessons = models.PositiveIntegerField(default=0)  # in SEARCH_COMPLETED_LESSONS_DAYS before refreshed_at
    minimum_notice_hours = models.PositiveSmallIntegerField(default=DEFAULT_MINIMUM_NOTICE_HOURS)
    next_open_starts_at = models.DateTimeField(null=True, blank=True)
    next_open_ends_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField()

    def __str__(self):
        return f"search summary of instructor {self.instructor_id}"
