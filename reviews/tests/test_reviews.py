from datetime import UTC, datetime, timedelta

import pytest

from accounts.tests.factories import staff, student
from bookings.services import booking_mark_completed
from bookings.tests.factories import bookable_offer, confirmed_booking
from notifications.models import Notification, OutboundMessage
from reviews import services
from reviews.errors import RefusedError
from reviews.models import Review, ReviewModerationEvent, ReviewReport, ReviewResponse
from reviews.selectors import (
    rating_annotations,
    rating_stats_for,
    rating_summary,
    review_deadline,
    reviewed_booking_ids,
)
from reviews.tests.factories import FIRST_LESSON_AT, completed_lesson

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson():
    return completed_lesson()


def after(booking, **delta):
    return booking.lesson_ends_at + timedelta(**(delta or {"hours": 1}))


def test_student_reviews_a_completed_lesson(lesson, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        review = services.review_create(
            booking=lesson, user=lesson.student, stars="4", text="  Clear & kind <3  ", now=after(lesson)
        )
    assert (review.stars, review.text, review.author_id, review.instructor_id) == (
        4,
        "Clear & kind <3",
        lesson.student_id,
        lesson.instructor_id,
    )
    assert Notification.objects.filter(user=lesson.instructor.user, kind="review_received").count() == 1
    assert reviewed_booking_ids([lesson]) == {lesson.pk}


@pytest.mark.parametrize(
    ("stars", "text", "message"),
    [
        (0, "", "Choose a rating from 1 to 5 stars."),
        (6, "", "Choose a rating from 1 to 5 stars."),
        ("", "", "Choose a rating from 1 to 5 stars."),
        ("four", "", "Choose a rating from 1 to 5 stars."),
        (5, "x" * 501, "Keep your review to 500 characters; this one has 501."),
        (5, "Great <script>alert(1)</script>", "must be plain text"),
        (5, "Great <b>teacher</b>", "must be plain text"),
        (5, '<img src=x onerror="alert(1)">', "must be plain text"),
        (5, "Nice <!-- hidden -->", "must be plain text"),
        (5, "<x-widget onclick=alert(1)>hi", "must be plain text"),
        (5, "Good </p>", "must be plain text"),
        (5, "<svg/onload=alert(1)>", "must be plain text"),
        (5, "Great <script", "must be plain text"),
    ],
)
def test_bad_input_is_refused_and_nothing_stored(lesson, stars, text, message):
    with pytest.raises(RefusedError, match=message.replace("(", r"\(")) as refusal:
        services.review_create(booking=lesson, user=lesson.student, stars=stars, text=text, now=after(lesson))
    assert refusal.value.status == 422
    assert Review.objects.count() == 0


@pytest.mark.parametrize(
    "text", ["JavaScript: great teacher", "javascript:void(0) is what I typed", "2<x and y>1", "<3 <3", "x<y and z=1"]
)
def test_plain_text_that_only_looks_like_code_is_accepted(lesson, text):
    review = services.review_create(booking=lesson, user=lesson.student, stars=5, text=text, now=after(lesson))
    assert Review.objects.get(pk=review.pk).text == text


def test_exactly_500_characters_are_accepted(lesson):
    review = services.review_create(booking=lesson, user=lesson.student, stars=5, text="y" * 500, now=after(lesson))
    assert len(review.text) == 500


def test_someone_elses_lesson_is_refused(lesson):
    for intruder in (student(), lesson.instructor.user):
        with pytest.raises(RefusedError, match="You can only review your own lessons.") as refusal:
            services.review_create(booking=lesson, user=intruder, stars=5, now=after(lesson))
        assert refusal.value.status == 403
    assert Review.objects.count() == 0


def test_second_review_is_refused(lesson):
    services.review_create(booking=lesson, user=lesson.student, stars=5, now=after(lesson))
    with pytest.raises(RefusedError, match="You have already reviewed this lesson."):
        services.review_create(booking=lesson, user=lesson.student, stars=1, text="changed", now=after(lesson))
    assert list(Review.objects.values_list("stars", "text")) == [(5, "")]


def test_same_instructor_can_be_reviewed_again_for_another_lesson(lesson):
    second = completed_lesson(offer=lesson.offer, who=lesson.student, starts_at=FIRST_LESSON_AT + timedelta(days=7))
    services.review_create(booking=lesson, user=lesson.student, stars=5, now=after(second))
    services.review_create(booking=second, user=lesson.student, stars=3, now=after(second))
    assert Review.objects.filter(instructor=lesson.instructor).count() == 2


def test_review_before_the_lesson_ends_is_refused():
    offer = bookable_offer()
    booking = confirmed_booking(offer=offer, starts_at=FIRST_LESSON_AT, now=FIRST_LESSON_AT - timedelta(days=2))
    with pytest.raises(RefusedError, match="once it has ended"):
        services.review_create(
            booking=booking, user=booking.student, stars=5, now=booking.lesson_ends_at - timedelta(minutes=1)
        )
    # Ended but not (yet) completed: still refused.
    with pytest.raises(RefusedError, match="Only completed lessons can be reviewed."):
        services.review_create(booking=booking, user=booking.student, stars=5, now=after(booking))
    assert Review.objects.count() == 0


def test_reviews_close_30_days_after_the_lesson_at_the_same_local_time(lesson):
    # Ended Monday 2 March 2026, 11:00 in New York (EST); DST starts on 8 March, so the deadline,
    # Wednesday 1 April 11:00 EDT, is 30 days less an hour later.
    assert lesson.lesson_ends_at == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    deadline = review_deadline(lesson)
    assert deadline == datetime(2026, 4, 1, 15, 0, tzinfo=UTC)
    assert deadline - lesson.lesson_ends_at == timedelta(days=30, hours=-1)
    with pytest.raises(RefusedError, match="Reviews close 30 days after the lesson."):
        services.review_create(booking=lesson, user=lesson.student, stars=5, now=deadline + timedelta(seconds=1))
    assert Review.objects.count() == 0
    services.review_create(booking=lesson, user=lesson.student, stars=5, now=deadline)
    assert Review.objects.count() == 1


@pytest.mark.parametrize(
    ("zone", "ends_at", "deadline", "local_time"),
    [
        # Spring forward (New York, 8 March 2026): 30 days minus an hour.
        ("America/New_York", datetime(2026, 3, 2, 16, 0, tzinfo=UTC), datetime(2026, 4, 1, 15, 0, tzinfo=UTC), "11:00"),
        # Fall back (New York, 1 November 2026): 30 days plus an hour.
        (
            "America/New_York",
            datetime(2026, 10, 20, 15, 0, tzinfo=UTC),
            datetime(2026, 11, 19, 16, 0, tzinfo=UTC),
            "11:00",
        ),
        # The student's zone, not the instructor's: London moves on 29 March 2026, New York on 8 March.
        ("Europe/London", datetime(2026, 3, 20, 16, 0, tzinfo=UTC), datetime(2026, 4, 19, 15, 0, tzinfo=UTC), "16:00"),
        # No change in between: exactly 30 × 24 hours.
        ("America/New_York", datetime(2026, 6, 1, 15, 0, tzinfo=UTC), datetime(2026, 7, 1, 15, 0, tzinfo=UTC), "11:00"),
    ],
)
def test_review_deadline_across_dst_keeps_the_students_local_time(zone, ends_at, deadline, local_time):
    from zoneinfo import ZoneInfo

    offer = bookable_offer(hours="00:00-24:00", notice=1)
    booking = completed_lesson(offer=offer, starts_at=ends_at - timedelta(hours=1))
    booking.student.timezone = zone
    booking.student.save()
    booking.student.refresh_from_db()
    assert review_deadline(booking) == deadline
    assert f"{booking.lesson_ends_at.astimezone(ZoneInfo(zone)):%H:%M}" == local_time
    assert f"{deadline.astimezone(ZoneInfo(zone)):%H:%M}" == local_time
    assert services.review_refusal(booking=booking, user=booking.student, now=deadline) is None
    assert services.review_refusal(booking=booking, user=booking.student, now=deadline + timedelta(seconds=1))


def test_the_review_banner_closes_with_the_same_deadline(lesson):
    from reviews.selectors import lessons_awaiting_review

    deadline = review_deadline(lesson)  # 30 days less the DST hour after the lesson
    assert lessons_awaiting_review(lesson.student, now=deadline) == [lesson]
    assert lessons_awaiting_review(lesson.student, now=deadline + timedelta(seconds=1)) == []


def test_instructor_responds_once(lesson, django_capture_on_commit_callbacks):
    review = services.review_create(booking=lesson, user=lesson.student, stars=4, now=after(lesson))
    instructor = lesson.instructor.user
    with pytest.raises(RefusedError, match="Only the instructor who was reviewed can respond."):
        services.review_respond(review=review, user=lesson.student, text="me too", now=after(lesson))
    with pytest.raises(RefusedError, match="Write your response first."):
        services.review_respond(review=review, user=instructor, text="   ", now=after(lesson))
    with pytest.raises(RefusedError, match="must be plain text"):
        services.review_respond(review=review, user=instructor, text="<script>x</script>", now=after(lesson))
    with pytest.raises(RefusedError, match="this one has 501"):
        services.review_respond(review=review, user=instructor, text="z" * 501, now=after(lesson))
    assert ReviewResponse.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.review_respond(review=review, user=instructor, text="Thank you!", now=after(lesson))
    with pytest.raises(RefusedError, match="You have already responded to this review."):
        services.review_respond(review=review, user=instructor, text="Again", now=after(lesson))
    assert list(ReviewResponse.objects.values_list("text", flat=True)) == ["Thank you!"]
    assert Notification.objects.filter(user=lesson.student, kind="review_response").count() == 1


def _three_reviews():
    first = completed_lesson()
    stars = [5, 4, 2]
    lessons = [first] + [
        completed_lesson(offer=first.offer, starts_at=FIRST_LESSON_AT + timedelta(days=day)) for day in (1, 2)
    ]
    reviews = [
        services.review_create(booking=booking, user=booking.student, stars=n, now=after(booking))
        for booking, n in zip(lessons, stars, strict=True)
    ]
    return first.instructor, reviews


def test_rating_is_shown_from_three_reviews_and_cache_follows_changes(django_capture_on_commit_callbacks):
    first = completed_lesson()
    instructor = first.instructor
    with django_capture_on_commit_callbacks(execute=True):
        services.review_create(booking=first, user=first.student, stars=5, now=after(first))
    summary = rating_summary(instructor)
    assert (summary.count, summary.average, summary.shown) == (1, 5.0, False)
    later = [completed_lesson(offer=first.offer, starts_at=FIRST_LESSON_AT + timedelta(days=d)) for d in (1, 2)]
    with django_capture_on_commit_callbacks(execute=True):
        services.review_create(booking=later[0], user=later[0].student, stars=4, now=after(later[1]))
    assert (rating_summary(instructor).count, rating_summary(instructor).shown) == (2, False)
    with django_capture_on_commit_callbacks(execute=True):
        review = services.review_create(booking=later[1], user=later[1].student, stars=3, now=after(later[1]))
    summary = rating_summary(instructor)
    assert (summary.count, summary.average, summary.shown) == (3, 4.0, True)
    assert summary.per_service == [(first.offer.service.name, 3)]
    assert rating_stats_for([instructor.pk]) == {instructor.pk: (3, 4.0)}

    with django_capture_on_commit_callbacks(execute=True):
        services.review_hide(review=review, staff_user=staff(), reason="Off topic", now=after(later[1]))
    assert rating_stats_for([instructor.pk]) == {instructor.pk: (2, 4.5)}
    assert rating_summary(instructor).shown is False


def test_rating_annotations_for_search():
    from catalog.models import InstructorProfile

    instructor, _ = _three_reviews()
    unreviewed = bookable_offer().instructor
    row = InstructorProfile.objects.annotate(**rating_annotations()).get(pk=instructor.pk)
    assert (row.rating_count, row.rating_sum) == (3, 11)
    other = InstructorProfile.objects.annotate(**rating_annotations()).get(pk=unreviewed.pk)
    assert (other.rating_count, other.rating_sum) == (0, 0)


def test_rating_stats_batch_costs_one_query_then_none(django_assert_num_queries):
    instructor, _ = _three_reviews()
    other = completed_lesson().instructor
    with django_assert_num_queries(1):
        stats = rating_stats_for([instructor.pk, other.pk])
    assert stats == {instructor.pk: (3, 11 / 3), other.pk: (0, None)}
    with django_assert_num_queries(0):
        assert rating_stats_for([instructor.pk, other.pk]) == stats


def test_hide_is_staff_only_audited_and_tells_the_author(lesson, django_capture_on_commit_callbacks):
    review = services.review_create(booking=lesson, user=lesson.student, stars=1, text="Rude words", now=after(lesson))
    with pytest.raises(RefusedError, match="Only staff can hide reviews."):
        services.review_hide(review=review, staff_user=lesson.instructor.user, reason="I dislike it", now=after(lesson))
    moderator = staff()
    with pytest.raises(RefusedError, match="Give the reason"):
        services.review_hide(review=review, staff_user=moderator, reason=" ", now=after(lesson))
    review.refresh_from_db()
    assert review.is_hidden is False
    assert ReviewModerationEvent.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.review_hide(review=review, staff_user=moderator, reason="Abusive language", now=after(lesson))
        services.review_hide(review=review, staff_user=moderator, reason="Twice", now=after(lesson))
    review.refresh_from_db()
    assert (review.is_hidden, review.hidden_reason) == (True, "Abusive language")
    assert list(ReviewModerationEvent.objects.values_list("action", "reason", "staff")) == [
        ("hide", "Abusive language", moderator.pk)
    ]
    email = OutboundMessage.objects.get(to=lesson.student.email, subject="Your review was hidden")
    assert "Reason: Abusive language" in email.body
    with pytest.raises(RefusedError, match="hidden by our team"):
        services.review_respond(review=review, user=lesson.instructor.user, text="ok", now=after(lesson))


def test_report_once_by_others_not_the_author(lesson):
    review = services.review_create(booking=lesson, user=lesson.student, stars=2, now=after(lesson))
    with pytest.raises(RefusedError, match="your own review"):
        services.review_report(review=review, user=lesson.student, reason="oops", now=after(lesson))
    with pytest.raises(RefusedError, match="Tell us what is wrong"):
        services.review_report(review=review, user=lesson.instructor.user, reason="", now=after(lesson))
    services.review_report(review=review, user=lesson.instructor.user, reason="Never my student", now=after(lesson))
    with pytest.raises(RefusedError, match="already reported"):
        services.review_report(review=review, user=lesson.instructor.user, reason="again", now=after(lesson))
    assert list(ReviewReport.objects.values_list("reason", flat=True)) == ["Never my student"]


def test_completion_sends_the_prompt_once_and_not_after_a_review(django_capture_on_commit_callbacks):
    offer = bookable_offer()
    booking = confirmed_booking(offer=offer, starts_at=FIRST_LESSON_AT, now=FIRST_LESSON_AT - timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_mark_completed(booking=booking, user=offer.instructor.user, now=after(booking))
    prompt = OutboundMessage.objects.get(to=booking.student.email, subject__startswith="How was your")
    assert f"/lessons/{booking.public_id}/review/" in prompt.body
    # The lesson ended at 11:00 (EST); the deadline is at 11:00 too, after the DST change.
    assert "until Wednesday 1 April 2026, 11:00 (America/New_York)" in prompt.body
    assert Notification.objects.filter(user=booking.student, kind="review_prompt").count() == 1
    services.review_create(booking=booking, user=booking.student, stars=5, now=after(booking))
    assert services.review_prompt_send(booking=booking) is False
    assert OutboundMessage.objects.filter(subject__startswith="How was your").count() == 1


def test_a_lesson_completed_again_after_a_problem_prompts_only_once(django_capture_on_commit_callbacks):
    from bookings.models import ProblemReport
    from bookings.services import problem_report_create, problem_resolve
    from reviews.models import ReviewPrompt

    offer = bookable_offer()
    booking = confirmed_booking(offer=offer, starts_at=FIRST_LESSON_AT, now=FIRST_LESSON_AT - timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_mark_completed(booking=booking, user=offer.instructor.user, now=after(booking))
    first_sent_at = ReviewPrompt.objects.get(booking=booking).sent_at
    with django_capture_on_commit_callbacks(execute=True):
        report = problem_report_create(
            booking=booking,
            user=booking.student,
            kind=ProblemReport.Kind.LESSON_CUT_SHORT,
            details="Ended 20 minutes early",
            now=after(booking, hours=2),
        )
        problem_resolve(
            report=report,
            staff_user=staff(),
            resolution=ProblemReport.Resolution.COMPLETED,
            now=after(booking, hours=5),
        )
    booking.refresh_from_db()
    assert booking.status == "completed"
    assert OutboundMessage.objects.filter(to=booking.student.email, subject__startswith="How was your").count() == 1
    assert Notification.objects.filter(user=booking.student, kind="review_prompt").count() == 1
    assert list(ReviewPrompt.objects.values_list("booking", "sent_at")) == [(booking.pk, first_sent_at)]
    assert services.review_prompt_send(booking=booking, now=after(booking, hours=6)) is False
    assert OutboundMessage.objects.filter(subject__startswith="How was your").count() == 1


def test_review_prompt_migration_records_prompts_already_sent(django_capture_on_commit_callbacks):
    """The data migration gives lessons prompted before ReviewPrompt existed their row."""
    import importlib

    from django.apps import apps

    from reviews.models import ReviewPrompt

    migration = importlib.import_module("reviews.migrations.0003_review_prompt_once_per_lesson")
    offer = bookable_offer()
    booking = confirmed_booking(offer=offer, starts_at=FIRST_LESSON_AT, now=FIRST_LESSON_AT - timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_mark_completed(booking=booking, user=offer.instructor.user, now=after(booking))
    other = completed_lesson(offer=offer, starts_at=FIRST_LESSON_AT + timedelta(days=1))  # never prompted
    sent_at = Notification.objects.get(kind="review_prompt").created_at
    ReviewPrompt.objects.all().delete()
    migration.record_prompts_already_sent(apps, None)
    assert list(ReviewPrompt.objects.values_list("booking", "sent_at")) == [(booking.pk, sent_at)]
    assert not ReviewPrompt.objects.filter(booking=other).exists()
    assert services.review_prompt_send(booking=booking, now=after(booking)) is False
