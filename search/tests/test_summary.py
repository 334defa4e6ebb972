"""The per-instructor search summary: each owning service refreshes it, the repair job fixes drift,
and search ranks from it exactly as from the owners' live figures."""

from datetime import UTC, date, datetime, timedelta

import pytest

from accounts.tests.factories import staff
from availability.models import OpenTime
from availability.services import open_time_refresh, time_off_create
from bookings.tests.factories import bookable_offer
from catalog.models import InstructorProfile
from instainstru.periodic import PERIODIC_TASKS
from reviews import services as reviews
from reviews.errors import RefusedError
from reviews.tests.factories import FIRST_LESSON_AT, completed_lesson
from search import ranking
from search.models import InstructorSearchSummary
from search.selectors import SearchFilters, Sort, search_instructors
from search.services import search_summaries_repair, search_summary_refresh, seed_search_summaries
from search.tasks import repair_search_summaries
from search.tests.helpers import make_catalog

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # a Wednesday, 10:00 in New York


def summary_of(instructor) -> InstructorSearchSummary:
    return InstructorSearchSummary.objects.get(instructor=instructor)


def first_open(instructor, now, notice=timedelta(hours=1)):
    """The first open interval with room for a 30-minute lesson from now plus the notice (these tests'
    times are on the quarter hour), straight from OpenTime."""
    spans = [row.span for row in OpenTime.objects.filter(instructor=instructor)]
    span = min(
        (span for span in spans if span.upper - max(span.lower, now + notice) >= timedelta(minutes=30)),
        key=lambda span: span.upper,
    )
    return span.lower, span.upper


def test_reviews_created_hidden_and_shown_refresh_the_ratings(django_capture_on_commit_callbacks):
    first = completed_lesson()
    second = completed_lesson(offer=first.offer, starts_at=FIRST_LESSON_AT + timedelta(days=1))
    instructor = first.offer.instructor
    after = second.lesson_ends_at + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        reviews.review_create(booking=first, user=first.student, stars=5, now=after)
    assert (summary_of(instructor).rating_count, summary_of(instructor).rating_sum) == (1, 5)
    with django_capture_on_commit_callbacks(execute=True):
        three = reviews.review_create(booking=second, user=second.student, stars=3, now=after)
    summary = summary_of(instructor)
    assert (summary.rating_count, summary.rating_sum) == (2, 8)
    assert summary.bayesian_rating == pytest.approx((10 * 4.5 + 8) / 12)
    assert summary.refreshed_at == after

    # Someone who is not staff cannot hide it: refused, and the summary does not move.
    with pytest.raises(RefusedError), django_capture_on_commit_callbacks(execute=True):
        reviews.review_hide(review=three, staff_user=instructor.user, reason="I dislike it", now=after)
    assert (summary_of(instructor).rating_count, summary_of(instructor).rating_sum) == (2, 8)

    moderator = staff()
    with django_capture_on_commit_callbacks(execute=True):
        reviews.review_hide(review=three, staff_user=moderator, reason="Off topic", now=after)
    assert (summary_of(instructor).rating_count, summary_of(instructor).rating_sum) == (1, 5)
    with django_capture_on_commit_callbacks(execute=True):
        reviews.review_show(review=three, staff_user=moderator, reason="Appeal upheld", now=after)
    assert (summary_of(instructor).rating_count, summary_of(instructor).rating_sum) == (2, 8)

    card = search_instructors(filters=SearchFilters(), now=after).page.object_list[0]
    assert (card.rating_count, card.average_rating, card.completed_lessons) == (2, 4.0, 2)


def test_open_time_changes_refresh_the_next_open_interval_and_search_reads_it():
    make_catalog()
    offer = bookable_offer(hours="09:00-12:00", notice=1)
    instructor = offer.instructor
    open_time_refresh(instructor=instructor, now=NOW)
    # Wednesday 10:00 in New York: the rest of today's 09:00–12:00 is the first open time.
    assert (summary_of(instructor).next_open_starts_at, summary_of(instructor).next_open_ends_at) == first_open(
        instructor, NOW
    )
    assert summary_of(instructor).next_open_starts_at == NOW

    time_off_create(instructor=instructor, first_day=date(2026, 3, 4), last_day=date(2026, 3, 5), reason="", now=NOW)
    # Friday 09:00 New York time.
    assert summary_of(instructor).next_open_starts_at == datetime(2026, 3, 6, 14, 0, tzinfo=UTC)

    card = search_instructors(filters=SearchFilters(), now=NOW).page.object_list[0]
    assert card.next_available_at == datetime(2026, 3, 6, 14, 0, tzinfo=UTC)
    # Later than the stored interval's end, search probes OpenTime itself (Saturday 09:00).
    later = datetime(2026, 3, 6, 16, 45, tzinfo=UTC)  # 15 minutes of Friday left: no lesson fits
    assert summary_of(instructor).next_open_ends_at < later + timedelta(minutes=30)
    card = search_instructors(filters=SearchFilters(), now=later).page.object_list[0]
    assert card.next_available_at == datetime(2026, 3, 7, 14, 0, tzinfo=UTC) == first_open(instructor, later)[0]
    # Inside the stored interval, the card shows now plus the hour of notice (as the probe does).
    inside = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
    card = search_instructors(filters=SearchFilters(), now=inside).page.object_list[0]
    assert card.next_available_at == inside + timedelta(hours=1)


def test_repair_job_fixes_drift_and_is_scheduled():
    make_catalog()
    drifted = bookable_offer(hours="09:00-12:00", notice=1).instructor
    missing = bookable_offer(hours="13:00-17:00", notice=1).instructor
    for instructor in (drifted, missing):
        open_time_refresh(instructor=instructor, now=NOW)
    right = {row.pk: (row.rating_count, row.next_open_starts_at) for row in InstructorSearchSummary.objects.all()}
    InstructorSearchSummary.objects.filter(instructor=drifted).update(
        rating_count=7, rating_sum=35, bayesian_rating=4.7, completed_lessons=12, next_open_starts_at=None
    )
    InstructorSearchSummary.objects.filter(instructor=missing).delete()

    assert search_summaries_repair(now=NOW) == InstructorProfile.objects.count() == 2
    assert {row.pk: (row.rating_count, row.next_open_starts_at) for row in InstructorSearchSummary.objects.all()} == (
        right
    )
    fixed = summary_of(drifted)
    assert (fixed.rating_sum, fixed.bayesian_rating, fixed.completed_lessons) == (0, ranking.PRIOR_MEAN, 0)
    assert repair_search_summaries.run() == 2  # the periodic task, idempotent
    assert InstructorSearchSummary.objects.count() == 2
    assert "search.tasks.repair_search_summaries" in {task.task for task in PERIODIC_TASKS}


def test_seeder_and_an_empty_refresh():
    make_catalog()
    for hours in ("09:00-12:00", "13:00-17:00", "18:00-20:00"):
        bookable_offer(hours=hours, notice=1)
    InstructorSearchSummary.objects.all().delete()
    assert seed_search_summaries() == ["Search: 3 instructor search summaries."]
    assert InstructorSearchSummary.objects.count() == 3
    assert search_summary_refresh(instructor_ids=[], now=NOW) == 0


def test_ranking_from_the_summary_equals_ranking_from_the_owners_live_figures(django_capture_on_commit_callbacks):
    """Reviews, lessons and open time through the real services; every card's figures and the order
    of every sort match the owners' own annotations computed at search time."""
    catalog = make_catalog()
    offers = [
        bookable_offer(hours=hours, notice=1, service=catalog["piano"]) for hours in ("09:00-17:00", "10:00-17:00")
    ]
    lessons = [completed_lesson(offer=offers[0], starts_at=FIRST_LESSON_AT + timedelta(days=d)) for d in (0, 1)]
    lessons.append(completed_lesson(offer=offers[1], starts_at=FIRST_LESSON_AT))
    after = FIRST_LESSON_AT + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        for lesson, stars in zip(lessons, (5, 5, 3), strict=True):
            reviews.review_create(booking=lesson, user=lesson.student, stars=stars, now=after)
    bookable_offer(hours="11:00-12:00", notice=1, service=catalog["piano"], is_founding=True)
    for offer in InstructorProfile.objects.all():
        open_time_refresh(instructor=offer, now=after)

    live = {
        row.pk: (row.rating_count, row.rating_sum, row.completed_lessons)
        for row in InstructorProfile.objects.annotate(
            **ranking.rating_annotations(), completed_lessons=ranking.completed_lessons_annotation(now=after)
        )
    }
    assert sorted(live.values()) == [(0, 0, 0), (1, 3, 1), (2, 10, 2)]
    for sort in (Sort.RELEVANCE, Sort.RATING, Sort.SOONEST):
        cards = search_instructors(filters=SearchFilters(sort=sort), now=after).page.object_list
        for card in cards:
            assert (card.rating_count, card.rating_sum, card.completed_lessons) == live[card.pk]
            assert card.bayesian_rating == pytest.approx(ranking.bayesian_rating(*live[card.pk][:2]))
            assert card.next_available_at == max(first_open(card, after)[0], after + timedelta(hours=1))
        if sort == Sort.RATING:
            # Bayesian: 55/12 = 4.58, the prior 4.5 for no reviews, 48/11 = 4.36 for one 3-star review.
            assert [live[card.pk][:2] for card in cards] == [(2, 10), (0, 0), (1, 3)]
        if sort == Sort.SOONEST:
            assert [card.next_available_at for card in cards] == sorted(card.next_available_at for card in cards)
    # Pin the new-instructor case: no summary row yet still ranks, with the prior and a probe.
    InstructorSearchSummary.objects.all().delete()
    cards = search_instructors(filters=SearchFilters(sort=Sort.RATING), now=after).page.object_list
    assert [card.bayesian_rating for card in cards] == [ranking.PRIOR_MEAN] * 3
    assert all(card.next_available_at == max(first_open(card, after)[0], after + timedelta(hours=1)) for card in cards)


def test_bookings_and_availability_changes_move_the_next_open_time_in_the_summary(django_capture_on_commit_callbacks):
    from availability.services import time_off_delete
    from bookings.services import booking_cancel, booking_reschedule
    from bookings.tests.factories import confirmed_booking

    make_catalog()
    offer = bookable_offer(hours="09:00-12:00", notice=1)
    instructor = offer.instructor
    now = datetime(2026, 3, 4, 18, 0, tzinfo=UTC)  # Wednesday 13:00 in New York: today's hours are over
    thursday_nine = datetime(2026, 3, 5, 14, 0, tzinfo=UTC)
    open_time_refresh(instructor=instructor, now=now)
    assert summary_of(instructor).next_open_starts_at == thursday_nine

    def next_open():
        summary = summary_of(instructor)
        assert (summary.next_open_starts_at, summary.next_open_ends_at) == first_open(instructor, now)
        return summary.next_open_starts_at

    with django_capture_on_commit_callbacks(execute=True):
        booking = confirmed_booking(offer=offer, starts_at=thursday_nine, now=now)
    assert next_open() > thursday_nine  # the lesson (and its buffer) took Thursday's first hour
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_reschedule(
            booking=booking, user=booking.student, new_starts_at=thursday_nine + timedelta(hours=2), now=now
        )
    assert next_open() == thursday_nine  # moved to 11:00: 9:00 is open again
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, user=booking.student, now=now, reason="")
    assert next_open() == thursday_nine

    time_off = time_off_create(
        instructor=instructor, first_day=date(2026, 3, 5), last_day=date(2026, 3, 5), reason="", now=now
    )
    assert next_open() == datetime(2026, 3, 6, 14, 0, tzinfo=UTC)  # Friday 9:00
    time_off_delete(instructor=instructor, time_off_id=time_off.pk, now=now)
    assert next_open() == thursday_nine
