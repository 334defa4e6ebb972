from datetime import timedelta

import pytest

from catalog.tests.factories import CategoryFactory, ServiceFactory
from reviews import achievements, services
from reviews.models import Achievement
from reviews.tests.factories import FIRST_LESSON_AT, completed_lesson

pytestmark = pytest.mark.django_db
Kind = Achievement.Kind


def badges(user, role):
    return dict(Achievement.objects.filter(user=user, role=role).values_list("kind", "earned_at"))


def test_badges_from_lessons_are_awarded_idempotently_and_recompute_to_the_same_set(
    django_capture_on_commit_callbacks,
):
    from bookings.tests.factories import bookable_offer

    categories = [CategoryFactory() for _ in range(3)]
    offers = [
        bookable_offer(service=ServiceFactory(category=category), prices={30: 4500, 60: 9000, 90: 13500})
        for category in categories
    ]
    first = completed_lesson(offer=offers[0], duration=90)
    person = first.student
    lessons = [first]
    # Weekly for five more weeks (Mondays 10:00 New York), then categories 2 and 3, 90 minutes each.
    with django_capture_on_commit_callbacks(execute=True):
        for week in range(1, 6):
            offer = offers[0] if week < 4 else offers[week - 3]
            lessons.append(
                completed_lesson(
                    offer=offer, who=person, starts_at=FIRST_LESSON_AT + timedelta(weeks=week), duration=90
                )
            )
    student_badges = badges(person, Achievement.Role.STUDENT)
    assert set(student_badges) == {
        Kind.FIRST_LESSON,
        Kind.FIVE_LESSONS,
        Kind.FOUR_WEEK_STREAK,
        Kind.THREE_CATEGORIES,
    }
    assert student_badges[Kind.FIRST_LESSON] == lessons[0].lesson_ends_at
    assert student_badges[Kind.FOUR_WEEK_STREAK] == lessons[3].lesson_ends_at
    assert student_badges[Kind.FIVE_LESSONS] == lessons[4].lesson_ends_at
    assert student_badges[Kind.THREE_CATEGORIES] == lessons[5].lesson_ends_at
    # 6 × 90 min = 9 h: not yet ten hours.
    assert Kind.TEN_HOURS not in student_badges

    assert achievements.award(user=person, role=Achievement.Role.STUDENT) == []
    assert Achievement.objects.filter(user=person).count() == 4
    before = badges(person, Achievement.Role.STUDENT)
    achievements.recompute(user=person, role=Achievement.Role.STUDENT)
    assert badges(person, Achievement.Role.STUDENT) == before

    with django_capture_on_commit_callbacks(execute=True):
        seventh = completed_lesson(offer=offers[2], who=person, starts_at=FIRST_LESSON_AT + timedelta(weeks=6))
    assert badges(person, Achievement.Role.STUDENT)[Kind.TEN_HOURS] == seventh.lesson_ends_at


def test_instructor_gets_first_five_star_badge_and_loses_it_when_hidden(django_capture_on_commit_callbacks):
    from accounts.tests.factories import staff

    with django_capture_on_commit_callbacks(execute=True):
        lesson = completed_lesson()
    instructor = lesson.instructor.user
    assert set(badges(instructor, Achievement.Role.INSTRUCTOR)) == {Kind.FIRST_LESSON}
    now = lesson.lesson_ends_at + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        review = services.review_create(booking=lesson, user=lesson.student, stars=5, now=now)
    assert badges(instructor, Achievement.Role.INSTRUCTOR)[Kind.FIRST_FIVE_STAR] == now
    assert set(badges(lesson.student, Achievement.Role.STUDENT)) == {Kind.FIRST_LESSON}
    with django_capture_on_commit_callbacks(execute=True):
        services.review_hide(review=review, staff_user=staff(), reason="Fake", now=now)
    assert set(badges(instructor, Achievement.Role.INSTRUCTOR)) == {Kind.FIRST_LESSON}


def test_streak_uses_the_students_own_weeks():
    from datetime import UTC, datetime

    from bookings.tests.factories import bookable_offer

    offer = bookable_offer(hours="00:00-24:00", notice=1)
    # Sunday 1 March 23:30 in New York is Monday 2 March 04:30 UTC: in UTC weeks the four lessons
    # make only three weeks, in the student's own weeks they make four in a row.
    sunday_night = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)
    first = completed_lesson(offer=offer, starts_at=sunday_night, duration=30)
    tuesdays = [datetime(2026, 3, day, 14, 0, tzinfo=UTC) for day in (3, 10, 17)]
    for tuesday in tuesdays:
        completed_lesson(offer=offer, who=first.student, starts_at=tuesday, duration=30)
    earned = achievements.compute(user=first.student, role=Achievement.Role.STUDENT)
    assert earned[Kind.FOUR_WEEK_STREAK] == tuesdays[-1] + timedelta(minutes=30)
    first.student.timezone = "UTC"
    first.student.save()
    assert Kind.FOUR_WEEK_STREAK not in achievements.compute(user=first.student, role=Achievement.Role.STUDENT)
