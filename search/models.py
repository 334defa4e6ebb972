"""Search's own tables: learned aliases ("guitr lessons" → Guitar) and the observations behind them."""

from django.conf import settings
from django.db import models


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
