"""The lists people work from: "My lessons" (upcoming, past, pages, book again), the instructor's
bookings list and week calendar, and the instructor's marks made through the lesson page."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from accounts.tests.factories import student
from bookings import services
from bookings.models import BookingEvent, BookingStatus
from bookings.tests.factories import bookable_offer, confirmed_booking

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


def lesson_on(day: int):
    return datetime(2026, 5, day, 10, tzinfo=NY)


@pytest.fixture
def twelve_lessons():
    """One student, one instructor, a lesson at 10:00 New York on 2–13 May."""
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    learner = student(full_name="Lena Lister")
    bookings = [confirmed_booking(offer=offer, starts_at=lesson_on(day), now=NOW, who=learner) for day in range(2, 14)]
    return offer, learner, bookings


def links_to_lessons(html: str, bookings) -> list[str]:
    return [b.public_id for b in bookings if reverse("booking_detail", args=[b.public_id]) in html]


def test_my_lessons_upcoming_past_pages_and_book_again(client, twelve_lessons):
    offer, learner, bookings = twelve_lessons
    client.force_login(learner)
    with time_machine.travel(NOW, tick=False):
        first = client.get(reverse("my_lessons")).content.decode()
        second = client.get(reverse("my_lessons"), {"page": 2}).content.decode()
    assert links_to_lessons(first, bookings) == [b.public_id for b in bookings[:10]]
    assert "Page 1 of 2 (12 in all)" in first
    assert links_to_lessons(second, bookings) == [b.public_id for b in bookings[10:]]
    assert "Book again" not in first

    # On 7 May at noon, the lessons of 2–7 May are past (newest first) and can be booked again.
    with time_machine.travel(datetime(2026, 5, 7, 12, tzinfo=NY), tick=False):
        upcoming = client.get(reverse("my_lessons")).content.decode()
        past = client.get(reverse("my_lessons"), {"show": "past"}).content.decode()
    assert links_to_lessons(upcoming, bookings) == [b.public_id for b in bookings[6:]]
    assert links_to_lessons(past, bookings) == [b.public_id for b in bookings[:6]]
    assert past.index(bookings[5].public_id) < past.index(bookings[0].public_id)
    assert past.count("Book again") == 6
    assert reverse("booking_start", args=[offer.instructor.public_id]) in past


def test_instructor_bookings_list_and_week_calendar(client, twelve_lessons):
    offer, learner, bookings = twelve_lessons
    client.force_login(offer.instructor.user)
    with time_machine.travel(NOW, tick=False):
        listing = client.get(reverse("teaching_bookings")).content.decode()
        week = client.get(reverse("teaching_week"), {"week": "2026-05-06"}).content.decode()
    assert "with Lena Lister" in listing and "Page 1 of 2 (12 in all)" in listing
    # The week of Monday 4 May: the lessons of 4–10 May, each under its own day, in New York time.
    assert "Week of 4 May 2026" in week and "Times in America/New_York" in week
    assert links_to_lessons(week, bookings) == [b.public_id for b in bookings[2:9]]
    monday = week.index('aria-label="Monday 4 May"')
    tuesday = week.index('aria-label="Tuesday 5 May"')
    assert monday < week.index(bookings[2].public_id) < tuesday
    assert "10:00–11:00" in week

    client.force_login(learner)
    assert client.get(reverse("teaching_week")).status_code == 403


def test_instructor_marks_completed_and_no_show_from_the_lesson_page(client, twelve_lessons):
    offer, learner, bookings = twelve_lessons
    ended, absent, future = bookings[0], bookings[1], bookings[5]
    with time_machine.travel(datetime(2026, 5, 4, 9, tzinfo=NY), tick=False):
        # The student cannot mark their own lesson.
        client.force_login(learner)
        refused = client.post(reverse("booking_complete", args=[ended.public_id]), follow=True)
        assert "Only the instructor can record how the lesson went." in refused.content.decode()
        ended.refresh_from_db()
        assert ended.status == BookingStatus.CONFIRMED
        client.force_login(offer.instructor.user)
        detail = client.get(reverse("booking_detail", args=[ended.public_id])).content.decode()
        assert "Mark completed" in detail and "Mark no-show" in detail
        done = client.post(reverse("booking_complete", args=[ended.public_id]), follow=True)
        assert "Marked as completed." in done.content.decode()
        missed = client.post(reverse("booking_no_show", args=[absent.public_id]), follow=True)
        assert "Recorded a no-show." in missed.content.decode()
        early = client.post(reverse("booking_complete", args=[future.public_id]), follow=True)
        assert "You can mark it completed once the lesson has ended." in early.content.decode()
    for booking in (ended, absent, future):
        booking.refresh_from_db()
    assert [b.status for b in (ended, absent, future)] == [
        BookingStatus.COMPLETED,
        BookingStatus.NO_SHOW,
        BookingStatus.CONFIRMED,
    ]


def test_cancelling_twice_changes_nothing_the_second_time(twelve_lessons):
    _offer, learner, bookings = twelve_lessons
    booking = bookings[3]
    first = services.booking_cancel(booking=booking, user=learner, now=NOW + timedelta(hours=2), reason="Ill")
    events = BookingEvent.objects.filter(booking=booking).count()
    again = services.booking_cancel(booking=booking, user=learner, now=NOW + timedelta(hours=3), reason="Other")
    again.refresh_from_db()
    assert (again.status, again.cancelled_at, again.cancellation_reason) == (
        BookingStatus.CANCELLED,
        first.cancelled_at,
        "Ill",
    )
    assert BookingEvent.objects.filter(booking=booking).count() == events
