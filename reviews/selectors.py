"""Reads shared by pages, the API and other apps.

Public for other apps:
- `rating_stats_for(instructor_ids) -> {id: (count, average)}` (cached; search and profiles)
- `rating_annotations()` for search's SEARCH_RATING_ANNOTATIONS (ranking in SQL)
- `reviewed_booking_ids(bookings) -> set of booking ids` ("Reviewed" next to listed lessons)
- `favorite_instructor_ids(user)`
"""

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from reviews.models import RATING_SHOWN_FROM, REVIEW_WINDOW_DAYS, Achievement, Favorite, Review

# ------------------------------------------------------------------------------- favorites


def favorite_instructor_ids(user) -> set[int]:
    """The ids of the instructors `user` has favorited (empty for guests). One query."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(Favorite.objects.filter(user=user).values_list("instructor_id", flat=True))


def favorite_instructor_ids_for_request(request) -> set[int]:
    """As `favorite_instructor_ids`, memoised on the request so a page of cards costs one query."""
    cached = getattr(request, "_favorite_instructor_ids", None)
    if cached is None:
        cached = request._favorite_instructor_ids = favorite_instructor_ids(request.user)
    return cached


def favorites_of(user) -> QuerySet[Favorite]:
    return Favorite.objects.filter(user=user).select_related("instructor__user").order_by("-created_at", "-pk")


# ------------------------------------------------------------------------------- ratings

# Each instructor's summary is cached under a key that names a version; dropping the cache bumps
# the version. A reader that counted before a review committed stores its (old) counts under the
# version it read first, which nobody reads after the bump: a stale summary cannot outlive the
# invalidation (plain delete-on-write let such a reader write it back for CACHE_SECONDS).
CACHE_KEY = "reviews:rating:v2:{}:{}"
VERSION_KEY = "reviews:rating:version:{}"
CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class RatingSummary:
    count: int
    stars_sum: int
    # (service name, visible review count), most reviewed first.
    per_service: list[tuple[str, int]] = field(default_factory=list)

    @property
    def average(self) -> float | None:
        return self.stars_sum / self.count if self.count else None

    @property
    def shown(self) -> bool:
        """Profiles show the rating only from RATING_SHOWN_FROM reviews on; before that, "New"."""
        return self.count >= RATING_SHOWN_FROM


def _new_version() -> int:
    # A version key lost from Redis starts again from a random number, not from one an old, still
    # cached summary was stored under (62 bits: room for incr, collisions out of reach).
    return secrets.randbits(62)


def rating_cache_invalidate(instructor_id: int) -> None:
    """Makes every cached summary of `instructor_id` unreachable (call it after commit)."""
    key = VERSION_KEY.format(instructor_id)
    try:
        cache.incr(key)
    except ValueError:  # no version yet (or evicted): any new one differs from the old
        cache.add(key, _new_version(), timeout=None)


def rating_cache_versions(instructor_ids: list[int]) -> dict[int, int]:
    """The current cache version of each instructor (created where missing). Read it before
    counting: the counts are stored under it."""
    keys = {pk: VERSION_KEY.format(pk) for pk in instructor_ids}
    found = cache.get_many(list(keys.values()))
    missing = {keys[pk]: _new_version() for pk in instructor_ids if keys[pk] not in found}
    if missing:
        for key, version in missing.items():
            cache.add(key, version, timeout=None)  # a concurrent reader's add wins; read it back
        found.update(cache.get_many(list(missing)))
    return {pk: found.get(keys[pk], missing.get(keys[pk])) for pk in instructor_ids}


def rating_summaries_count(instructor_ids: list[int]) -> dict[int, RatingSummary]:
    """Visible-review summaries straight from the database, one query for all of them."""
    rows = (
        Review.objects.filter(instructor_id__in=instructor_ids, is_hidden=False)
        .values("instructor_id", "offer__service__name")
        .annotate(n=Count("pk"), total=Sum("stars"))
        .order_by("instructor_id", "-n", "offer__service__name")
    )
    built: dict[int, list] = {pk: [0, 0, []] for pk in instructor_ids}
    for row in rows:
        entry = built[row["instructor_id"]]
        entry[0] += row["n"]
        entry[1] += row["total"]
        entry[2].append((row["offer__service__name"], row["n"]))
    return {pk: RatingSummary(count, total, services) for pk, (count, total, services) in built.items()}


def rating_summaries(instructor_ids) -> dict[int, RatingSummary]:
    """Visible-review summary per instructor id, from the cache; misses cost one query together."""
    ids = list(dict.fromkeys(instructor_ids))
    if not ids:
        return {}
    versions = rating_cache_versions(ids)
    keys = {pk: CACHE_KEY.format(pk, versions[pk]) for pk in ids}
    cached = cache.get_many(list(keys.values()))
    found = {pk: cached[keys[pk]] for pk in ids if keys[pk] in cached}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        fresh = rating_summaries_count(missing)
        cache.set_many({keys[pk]: summary for pk, summary in fresh.items()}, CACHE_SECONDS)
        found.update(fresh)
    return found


def rating_summary(instructor) -> RatingSummary:
    return rating_summaries([instructor.pk])[instructor.pk]


def rating_stats_for(instructor_ids) -> dict[int, tuple[int, float | None]]:
    """(visible review count, average stars or None) per instructor id. Cached."""
    return {pk: (summary.count, summary.average) for pk, summary in rating_summaries(instructor_ids).items()}


def rating_annotations() -> dict:
    """`rating_count` and `rating_sum` over visible reviews, as expressions on an InstructorProfile
    queryset (for search's SEARCH_RATING_ANNOTATIONS: sorting by Bayesian rating stays in SQL)."""
    visible = Review.objects.filter(instructor=OuterRef("pk"), is_hidden=False).order_by().values("instructor")
    return {
        "rating_count": Coalesce(
            Subquery(visible.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), Value(0)
        ),
        "rating_sum": Coalesce(
            Subquery(visible.annotate(total=Sum("stars")).values("total"), output_field=IntegerField()), Value(0)
        ),
    }


# ------------------------------------------------------------------------------- reviews


def reviewed_booking_ids(bookings) -> set[int]:
    """Which of `bookings` (instances or ids) have a review, hidden ones included. One query."""
    ids = [getattr(booking, "pk", booking) for booking in bookings]
    if not ids:
        return set()
    return set(Review.objects.filter(booking_id__in=ids).values_list("booking_id", flat=True))


def instructor_with_public_reviews(public_id: str):
    """The instructor whose reviews anyone may read (the page and the API), or None: exactly the
    instructors whose public profile exists (catalog's live rule: live status and an active user
    account). Suspended, paused, onboarding and deactivated instructors' reviews are not listed."""
    from catalog.selectors import live_instructors

    return live_instructors().select_related("user").filter(public_id=public_id).first()


def profile_reviews(instructor, *, min_stars: int | None = None, with_text: bool = False) -> QuerySet[Review]:
    """Visible reviews of `instructor`, newest first, with what the list shows."""
    reviews = Review.objects.filter(instructor=instructor, is_hidden=False)
    if min_stars:
        reviews = reviews.filter(stars__gte=min_stars)
    if with_text:
        reviews = reviews.exclude(text="")
    return reviews.select_related("author", "offer__service", "response").order_by("-created_at", "-pk")


def reviews_with_reported_flag(reviews: QuerySet[Review], user) -> QuerySet[Review]:
    """Adds `reported_by_me` so the list can show "Reported" instead of the button, in the same query."""
    from reviews.models import ReviewReport

    if not getattr(user, "is_authenticated", False):
        return reviews.annotate(reported_by_me=Value(False))
    return reviews.annotate(reported_by_me=Exists(ReviewReport.objects.filter(review=OuterRef("pk"), reported_by=user)))


# ------------------------------------------------------------------------------- achievements


def achievements_of(user, *, role: str | None = None) -> QuerySet[Achievement]:
    rows = Achievement.objects.filter(user=user)
    return rows.filter(role=role) if role else rows


def review_deadline(booking) -> datetime:
    """The end of `booking`'s review window: REVIEW_WINDOW_DAYS calendar days after the lesson
    ended, at the same time of day on the student's own clock. Across a DST change that is 30 days
    ± 1 hour rather than 30 × 24 hours, so "review until 11:00" matches a lesson that ended at 11:00."""
    # Adding a timedelta to an aware datetime moves its wall clock; the offset is then recomputed.
    local_end = booking.lesson_ends_at.astimezone(booking.student.zone)
    return (local_end + timedelta(days=REVIEW_WINDOW_DAYS)).astimezone(UTC)


def lessons_awaiting_review(user, *, now, limit: int = 3):
    """The student's completed lessons still open for a review (newest first), for the banner."""
    from bookings.models import Booking, BookingStatus

    # A day of slack covers the DST hour; review_deadline then decides exactly.
    candidates = (
        Booking.objects.filter(
            student=user,
            status=BookingStatus.COMPLETED,
            lesson_ends_at__gte=now - timedelta(days=REVIEW_WINDOW_DAYS + 1),
            lesson_ends_at__lte=now,
            review__isnull=True,
        )
        .select_related("student", "instructor__user")
        .order_by("-lesson_ends_at")
    )
    return [booking for booking in candidates if review_deadline(booking) >= now][:limit]
