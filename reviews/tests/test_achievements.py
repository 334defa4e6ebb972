import re
from datetime import UTC, datetime, timedelta

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


def badges_section(html: str, role: str = "instructor") -> str:
    return html.split(f'id="badges-{role}-h"')[1].split("</section>")[0]


@pytest.mark.parametrize(
    ("ends_at", "local_day", "utc_day"),
    [
        # 23:45 in New York on Monday 2 March (EST) is already Tuesday 3 March in UTC.
        (datetime(2026, 3, 3, 4, 45, tzinfo=UTC), "Mar 2, 2026", "Mar 3, 2026"),
        # 23:30 on Sunday 8 March, the day DST starts (EDT): 03:30 UTC on Monday 9 March.
        (datetime(2026, 3, 9, 3, 30, tzinfo=UTC), "Mar 8, 2026", "Mar 9, 2026"),
        # 23:30 on Sunday 1 November, the day DST ends (EST again): 04:30 UTC on Monday 2 November.
        (datetime(2026, 11, 2, 4, 30, tzinfo=UTC), "Nov 1, 2026", "Nov 2, 2026"),
    ],
)
def test_badge_dates_are_the_local_day_on_both_dashboards_and_the_profile(
    client, django_capture_on_commit_callbacks, ends_at, local_day, utc_day
):
    import time_machine

    from bookings.tests.factories import bookable_offer

    offer = bookable_offer(hours="00:00-24:00", notice=1)
    with django_capture_on_commit_callbacks(execute=True):
        lesson = completed_lesson(offer=offer, starts_at=ends_at - timedelta(minutes=30), duration=30)
    assert lesson.lesson_ends_at == ends_at
    assert lesson.student.timezone == offer.instructor.user.timezone == "America/New_York"
    earned = f"earned {local_day}"
    with time_machine.travel(ends_at + timedelta(days=1), tick=False):
        client.force_login(lesson.student)
        student_badges = badges_section(client.get("/dashboard/").content.decode(), "student")
        client.force_login(offer.instructor.user)
        teaching_badges = badges_section(client.get("/dashboard/").content.decode())
        client.logout()
        profile_badges = badges_section(client.get(f"/instructors/{offer.instructor.public_id}/").content.decode())
    assert "Your badges" in student_badges
    assert "Your teaching badges" in teaching_badges
    for section, description in (
        (student_badges, "Completed a first lesson"),
        (teaching_badges, "Taught a first lesson"),
        (profile_badges, "Taught a first lesson"),
    ):
        assert f'<strong>First lesson</strong> <span class="small">{description}</span>' in section
        assert earned in section and utc_day not in section
    # A student in London sees their own dates on London's clock.
    lesson.student.timezone = "Europe/London"
    lesson.student.save()
    with time_machine.travel(ends_at + timedelta(days=1), tick=False):
        client.force_login(lesson.student)
        london = badges_section(client.get("/dashboard/").content.decode(), "student")
    assert f"earned {utc_day}" in london


def test_instructor_dashboard_lists_the_teaching_badges_with_their_dates(client, django_capture_on_commit_callbacks):
    import time_machine

    with django_capture_on_commit_callbacks(execute=True):
        lesson = completed_lesson()
    now = lesson.lesson_ends_at + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_create(booking=lesson, user=lesson.student, stars=5, now=now)
    instructor = lesson.instructor.user
    with time_machine.travel(now, tick=False):
        client.force_login(instructor)
        section = badges_section(client.get("/dashboard/").content.decode())
    items = re.findall(r'<li class="achievement">(.*?)</li>', section)
    assert [re.sub(r"<[^>]+>", "", item) for item in items] == [
        "First lesson Taught a first lesson · earned Mar 2, 2026",
        "First 5-star review Received a first 5-star review · earned Mar 2, 2026",
    ]


def test_twenty_five_lessons_badge_at_the_end_of_the_twenty_fifth_lesson():
    from bookings.tests.factories import bookable_offer

    offer = bookable_offer(hours="00:00-24:00", notice=1, prices={30: 4500, 60: 9000})
    first = completed_lesson(offer=offer, duration=30)
    lessons = [first] + [
        completed_lesson(offer=offer, who=first.student, starts_at=FIRST_LESSON_AT + timedelta(days=d), duration=30)
        for d in range(1, 24)
    ]
    assert Kind.TWENTY_FIVE_LESSONS not in achievements.compute(user=first.student, role=Achievement.Role.STUDENT)
    lessons.append(
        completed_lesson(offer=offer, who=first.student, starts_at=FIRST_LESSON_AT + timedelta(days=24), duration=30)
    )
    earned = achievements.compute(user=first.student, role=Achievement.Role.STUDENT)
    assert earned[Kind.TWENTY_FIVE_LESSONS] == lessons[24].lesson_ends_at
    # 20 × 30 minutes: ten hours learned at the end of the twentieth lesson.
    assert earned[Kind.TEN_HOURS] == lessons[19].lesson_ends_at
    teaching = achievements.compute(user=offer.instructor.user, role=Achievement.Role.INSTRUCTOR)
    assert teaching[Kind.TWENTY_FIVE_LESSONS] == lessons[24].lesson_ends_at
