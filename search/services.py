"""Writes owned by search: learning aliases from what people search and then open or book."""

from datetime import datetime

from django.conf import settings
from django.db import transaction

from search.models import SearchTermAlias, SearchTermObservation

DEFAULT_ALIAS_THRESHOLD = 3


def _normalize_term(term: str) -> str:
    return " ".join(term.lower().split())[:60]


def search_term_alias_observe(*, user, term: str, service, now: datetime) -> SearchTermAlias | None:
    """Records that `user` searched `term` (which matched no service) and then opened or booked `service`.

    Counts each signed-in person once per term and service. When SEARCH_ALIAS_THRESHOLD distinct
    people agree, a candidate becomes active (used by the parser). Rejected aliases stay rejected.
    Guests are not counted: one person with many sessions must not teach the search a word.
    """
    term = _normalize_term(term)
    if not term or user is None or not user.is_authenticated:
        return None
    threshold = getattr(settings, "SEARCH_ALIAS_THRESHOLD", DEFAULT_ALIAS_THRESHOLD)
    with transaction.atomic():
        alias, _ = SearchTermAlias.objects.get_or_create(
            term=term, service=service, defaults={"created_at": now, "updated_at": now}
        )
        alias = SearchTermAlias.objects.select_for_update().get(pk=alias.pk)
        _, created = SearchTermObservation.objects.get_or_create(alias=alias, user=user, defaults={"created_at": now})
        if not created:
            return alias
        alias.distinct_users = alias.observations.count()
        if alias.status == SearchTermAlias.Status.CANDIDATE and alias.distinct_users >= threshold:
            alias.status = SearchTermAlias.Status.ACTIVE
        alias.updated_at = now
        alias.save(update_fields=["distinct_users", "status", "updated_at"])
        return alias


def search_term_alias_decide(*, alias_id: int, status: str, now: datetime) -> SearchTermAlias:
    """Staff approve or reject an alias. Idempotent; refuses moves the transition table does not allow."""
    with transaction.atomic():
        alias = SearchTermAlias.objects.select_for_update().get(pk=alias_id)
        if alias.status == status:
            return alias
        if status not in SearchTermAlias.TRANSITIONS[alias.status]:
            raise ValueError(f"An alias cannot go from {alias.status} to {status}.")
        alias.status = status
        alias.updated_at = now
        alias.save(update_fields=["status", "updated_at"])
        return alias
