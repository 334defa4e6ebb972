"""Badges, derived from completed lessons and reviews.

`compute` is a pure reading of the data: for each badge, the moment the data first met its rule
(the end of the fifth lesson, the lesson that made ten hours, ...). `award` adds what is missing
and never changes what exists, so it can run after any event, any number of times; `recompute`
rebuilds the set from scratch and, because `compute` is deterministic, gives the same rows.

Students earn badges for lessons taken, instructors for lessons taught; "first 5-star review"
is for instructors only.
"""

from datetime import datetime, timedelta

from django.db import transaction

from bookings.models import Booking, BookingStatus
from reviews.models import Achievement, Review

Kind = Achievement.Kind
STUDENT = Achievement.Role.STUDENT
INSTRUCTOR = Achievement.Role.INSTRUCTOR

LESSON_COUNTS = {Kind.FIRST_LESSON: 1, Kind.FIVE_LESSONS: 5, Kind.TWENTY_FIVE_LESSONS: 25}
HOURS_MINUTES = 10 * 60
STREAK_WEEKS = 4
CATEGORY_COUNT = 3

DESCRIPTIONS = {
    STUDENT: {
        Kind.FIRST_LESSON: "Completed a first lesson",
        Kind.FIVE_LESSONS: "Completed 5 lessons",
        Kind.TWENTY_FIVE_LESSONS: "Completed 25 lessons",
        Kind.TEN_HOURS: "10 hours of lessons learned",
        Kind.FOUR_WEEK_STREAK: "A lesson every week for 4 weeks in a row",
        Kind.THREE_CATEGORIES: "Lessons in 3 different categories",
    },
    INSTRUCTOR: {
        Kind.FIRST_LESSON: "Taught a first lesson",
        Kind.FIVE_LESSONS: "Taught 5 lessons",
        Kind.TWENTY_FIVE_LESSONS: "Taught 25 lessons",
        Kind.TEN_HOURS: "10 hours of lessons taught",
        Kind.FOUR_WEEK_STREAK: "Taught every week for 4 weeks in a row",
        Kind.THREE_CATEGORIES: "Taught lessons in 3 different categories",
        Kind.FIRST_FIVE_STAR: "Received a first 5-star review",
    },
}


def _lessons(user, role):
    lessons = Booking.objects.filter(status=BookingStatus.COMPLETED)
    lessons = lessons.filter(student=user) if role == STUDENT else lessons.filter(instructor__user=user)
    return lessons.order_by("lesson_ends_at", "pk").values_list(
        "lesson_starts_at", "lesson_ends_at", "duration_minutes", "offer__service__category_id"
    )


def compute(*, user, role: str) -> dict[str, datetime]:
    """{badge kind: when it was earned} for `user` in `role`, from the data as it is now."""
    earned: dict[str, datetime] = {}
    zone = user.zone
    minutes = 0
    categories: set[int] = set()
    weeks: set[tuple[int, int]] = set()
    for count, (starts_at, ends_at, duration, category_id) in enumerate(_lessons(user, role), start=1):
        for kind, needed in LESSON_COUNTS.items():
            if count == needed:
                earned[kind] = ends_at
        minutes += duration
        if minutes >= HOURS_MINUTES:
            earned.setdefault(Kind.TEN_HOURS, ends_at)
        categories.add(category_id)
        if len(categories) >= CATEGORY_COUNT:
            earned.setdefault(Kind.THREE_CATEGORIES, ends_at)
        # Weeks are the person's own calendar weeks (ISO, Monday first) in their time zone.
        local_day = starts_at.astimezone(zone).date()
        weeks.add(local_day.isocalendar()[:2])
        if Kind.FOUR_WEEK_STREAK not in earned and _streak_ending(local_day, weeks) >= STREAK_WEEKS:
            earned[Kind.FOUR_WEEK_STREAK] = ends_at
    if role == INSTRUCTOR:
        first_five_star = (
            Review.objects.filter(instructor__user=user, stars=5, is_hidden=False)
            .order_by("created_at", "pk")
            .values_list("created_at", flat=True)
            .first()
        )
        if first_five_star:
            earned[Kind.FIRST_FIVE_STAR] = first_five_star
    return earned


def _streak_ending(day, weeks: set[tuple[int, int]]) -> int:
    """How many consecutive weeks with a lesson run through the week of `day`."""
    run = 1
    for step in (timedelta(weeks=-1), timedelta(weeks=1)):
        cursor = day + step
        while cursor.isocalendar()[:2] in weeks:
            run += 1
            cursor += step
    return run


def award(*, user, role: str) -> list[str]:
    """Adds the badges `user` has earned in `role` and does not have yet. Idempotent. Returns the
    kinds newly awarded."""
    earned = compute(user=user, role=role)
    have = set(Achievement.objects.filter(user=user, role=role).values_list("kind", flat=True))
    new = [
        Achievement(user=user, role=role, kind=kind, earned_at=earned_at)
        for kind, earned_at in earned.items()
        if kind not in have
    ]
    Achievement.objects.bulk_create(new, ignore_conflicts=True)
    return [row.kind for row in new]


def recompute(*, user, role: str) -> None:
    """Rebuilds `user`'s badges in `role` from scratch (after moderation, or to repair)."""
    with transaction.atomic():
        Achievement.objects.filter(user=user, role=role).delete()
        award(user=user, role=role)


def description(achievement: Achievement) -> str:
    return DESCRIPTIONS[achievement.role][achievement.kind]
