"""Writes owned by search: learning aliases from what people search and then open or book."""

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.contrib.postgres.fields.ranges import RangeEndsWith, RangeStartsWith
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from search import bookable, ranking
from search.models import InstructorSearchSummary, SearchTermAlias, SearchTermObservation

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


# ----------------------------------------------------------------------- per-instructor summary


def search_summary_refresh(*, instructor_ids: Iterable[int] | None, now: datetime) -> int:
    """Recomputes the `InstructorSearchSummary` rows of `instructor_ids` (every instructor when None)
    as of `now`, in one set-based statement; returns how many rows it wrote.

    Ratings and completed lessons come from the apps that own them (the SEARCH_RATING_ANNOTATIONS and
    SEARCH_COMPLETED_LESSONS_ANNOTATION expressions, see `search.ranking`); the minimum notice from the
    instructor's availability settings; the next open interval from availability's OpenTime: the first
    one with room for a lesson a student could book at `now` (see `search.bookable`). Idempotent; safe
    to run concurrently with itself (an upsert per row).
    """
    from availability.models import AvailabilitySettings
    from catalog.models import InstructorProfile

    instructors = InstructorProfile.objects.all()
    if instructor_ids is not None:
        instructor_ids = list(instructor_ids)
        if not instructor_ids:
            return 0
        instructors = instructors.filter(pk__in=instructor_ids)
    notice_hours = Coalesce(
        Subquery(AvailabilitySettings.objects.filter(instructor=OuterRef("pk")).values("minimum_notice_hours")[:1]),
        bookable.DEFAULT_MINIMUM_NOTICE_HOURS,
    )
    first_open = bookable.first_bookable_open_time(
        instructor=OuterRef("pk"), earliest=bookable.earliest_start(now=now, notice_hours=OuterRef("notice_hours"))
    )
    inputs = (
        instructors.order_by()
        .annotate(
            **ranking.rating_annotations(),
            completed_lessons=ranking.completed_lessons_annotation(now=now),
            notice_hours=notice_hours,
        )
        .annotate(
            next_open_starts_at=Subquery(first_open.annotate(start=RangeStartsWith("span")).values("start")[:1]),
            next_open_ends_at=Subquery(first_open.annotate(end=RangeEndsWith("span")).values("end")[:1]),
        )
        .values(
            "id",
            "rating_count",
            "rating_sum",
            "completed_lessons",
            "notice_hours",
            "next_open_starts_at",
            "next_open_ends_at",
        )
    )
    inner, params = inputs.query.sql_with_params()
    table = InstructorSearchSummary._meta.db_table
    # Only constants and ORM-compiled SQL are interpolated; every value is a parameter.
    sql = f"""
        INSERT INTO {table} (instructor_id, rating_count, rating_sum, bayesian_rating, completed_lessons,
                             minimum_notice_hours, next_open_starts_at, next_open_ends_at, refreshed_at)
        SELECT s.id, COALESCE(s.rating_count, 0), COALESCE(s.rating_sum, 0),
               ({ranking.CONFIDENCE * ranking.PRIOR_MEAN!r} + COALESCE(s.rating_sum, 0)::float)
                 / ({float(ranking.CONFIDENCE)!r} + COALESCE(s.rating_count, 0)::float),
               COALESCE(s.completed_lessons, 0), s.notice_hours, s.next_open_starts_at, s.next_open_ends_at, %s
        FROM ({inner}) s
        ON CONFLICT (instructor_id) DO UPDATE SET
            rating_count = EXCLUDED.rating_count, rating_sum = EXCLUDED.rating_sum,
            bayesian_rating = EXCLUDED.bayesian_rating, completed_lessons = EXCLUDED.completed_lessons,
            minimum_notice_hours = EXCLUDED.minimum_notice_hours,
            next_open_starts_at = EXCLUDED.next_open_starts_at, next_open_ends_at = EXCLUDED.next_open_ends_at,
            refreshed_at = EXCLUDED.refreshed_at
    """  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [now, *params])
        return cursor.rowcount


def search_summaries_repair(*, now: datetime) -> int:
    """Periodic: rebuilds every instructor's summary (repairs drift, ages lessons out of the window)."""
    return search_summary_refresh(instructor_ids=None, now=now)


def seed_search_summaries(instructors=None, **_options) -> list[str]:
    """seed_demo: every instructor's summary in one statement (after the availability seeder)."""
    written = search_summary_refresh(instructor_ids=None, now=timezone.now())
    return [f"Search: {written} instructor search summaries."]
