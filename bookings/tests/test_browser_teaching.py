"""Browser: an instructor on a phone works from the bookings list and the week calendar — cancels
an upcoming lesson, marks one completed and another a no-show."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import student
from bookings.models import Booking, BookingStatus, CancellationWindow, Role
from bookings.tests.factories import bookable_offer, confirmed_booking
from bookings.tests.test_browser import fits_a_phone, log_in
from bookings.tests.test_browser_journeys import off_loop
from notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def show_week_of(page, day: date, today: date) -> None:
    """From the calendar's current week, step to the week holding `day` with its links."""
    weeks = (monday_of(day) - monday_of(today)).days // 7
    for _ in range(abs(weeks)):
        page.get_by_role("link", name="Next week" if weeks > 0 else "Previous week").click()
    expect(page.get_by_role("heading", name=f"Week of {monday_of(day).day} {monday_of(day):%B %Y}")).to_be_visible()


def test_instructor_cancels_marks_completed_and_no_show_from_the_list_and_calendar(live_url, phone_page):
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    teacher = offer.instructor.user
    zone = teacher.zone
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    booked_at = now - timedelta(days=2)
    lessons = {}
    for name, starts_at in (
        ("Ann Ended", now - timedelta(hours=4)),
        ("Bo Absent", now - timedelta(hours=2)),
        ("Cy Future", now + timedelta(hours=26)),
    ):
        lessons[name] = off_loop(
            confirmed_booking, offer=offer, starts_at=starts_at, now=booked_at, who=student(full_name=name)
        )
    future = lessons["Cy Future"]
    local_start = future.lesson_starts_at.astimezone(zone)
    local_end = future.lesson_ends_at.astimezone(zone)

    log_in(phone_page, live_url, teacher)
    phone_page.goto(f"{live_url}/teach/bookings/")
    expect(phone_page.get_by_role("heading", name="Bookings")).to_be_visible()
    expect(phone_page.get_by_role("link", name=re.compile("with Cy Future"))).to_be_visible()
    fits_a_phone(phone_page)

    # The week calendar: the upcoming lesson under its own day, in the instructor's time.
    phone_page.get_by_role("link", name="Week calendar").click()
    expect(phone_page.get_by_text(f"Times in {zone.key}")).to_be_visible()
    show_week_of(phone_page, local_start.date(), today=timezone.now().astimezone(zone).date())
    fits_a_phone(phone_page)
    day = phone_page.get_by_role("region", name=f"{local_start:%A} {local_start.day} {local_start:%B}")
    day.get_by_role("link", name=f"{local_start:%H:%M}–{local_end:%H:%M} {future.service_name}, Cy Future").click()
    expect(phone_page.get_by_text("Student: Cy Future")).to_be_visible()
    fits_a_phone(phone_page)
    phone_page.get_by_label("Reason for cancelling (optional)").fill("I am ill")
    phone_page.get_by_role("button", name="Cancel lesson").click()
    expect(phone_page.get_by_text("The lesson was cancelled.")).to_be_visible()
    expect(phone_page.get_by_text(re.compile(r"Cancelled by Instructor on .*I am ill"))).to_be_visible()
    future.refresh_from_db()
    assert (future.status, future.cancelled_by, future.cancellation_window, future.cancellation_reason) == (
        BookingStatus.CANCELLED,
        Role.INSTRUCTOR,
        CancellationWindow.NO_COST_TO_STUDENT,
        "I am ill",
    )
    assert (
        Notification.objects.filter(user=future.student, title=f"Lesson cancelled by {teacher.full_name}").count() == 1
    )

    # Past lessons: one happened, the other student never came.
    phone_page.goto(f"{live_url}/teach/bookings/")
    phone_page.get_by_role("link", name="Past").click()
    phone_page.get_by_role("link", name=re.compile("with Ann Ended")).click()
    fits_a_phone(phone_page)
    phone_page.get_by_role("button", name="Mark completed").click()
    expect(phone_page.get_by_text("Marked as completed.")).to_be_visible()
    expect(phone_page.get_by_text("Completed", exact=True)).to_be_visible()
    expect(phone_page.get_by_role("button", name="Mark completed")).to_have_count(0)

    phone_page.goto(f"{live_url}/teach/bookings/?show=past")
    phone_page.get_by_role("link", name=re.compile("with Bo Absent")).click()
    phone_page.get_by_role("button", name="Mark no-show").click()
    expect(phone_page.get_by_text("Recorded a no-show.")).to_be_visible()
    expect(phone_page.get_by_text("No-show", exact=True)).to_be_visible()
    statuses = dict(Booking.objects.values_list("student__full_name", "status"))
    assert statuses == {
        "Ann Ended": BookingStatus.COMPLETED,
        "Bo Absent": BookingStatus.NO_SHOW,
        "Cy Future": BookingStatus.CANCELLED,
    }
    assert (
        Notification.objects.filter(
            user=lessons["Bo Absent"].student, title="Your instructor recorded a no-show"
        ).count()
        == 1
    )
