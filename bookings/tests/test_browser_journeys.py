"""Browser journeys: request-to-book, problem → staff resolution in the admin, availability
settings and time off, the London student / New York instructor, and the instructor's move."""

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.browser import staff_logs_in_with_totp
from accounts.tests.factories import staff, student
from availability.models import AvailabilitySettings, TimeOff
from availability.slots import available_slots
from bookings.models import Booking, BookingStatus, CancellationWindow, ProblemReport, Role
from bookings.services import bookings_release_expired_holds
from bookings.tests.factories import bookable_offer, confirmed_booking
from bookings.tests.test_browser import log_in
from catalog.models import InstructorProfile
from notifications.models import Notification
from payments.tests.fixtures import pay_in_checkout

pytestmark = pytest.mark.django_db(transaction=True)
NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def off_loop(function, *args, **kwargs):
    """Runs a service from a plain thread: Playwright's event loop in the test thread would make
    the notifications' async_to_sync refuse to run in on_commit callbacks."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_with_own_connection, function, *args, **kwargs).result()


def _with_own_connection(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    finally:
        connection.close()


def at(day: date, hour: int, zone=NY) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone)


def ny_day(days_ahead: int) -> date:
    return (timezone.now().astimezone(NY) + timedelta(days=days_ahead)).date()


def request_booking(offer, starts_at, now, who):
    from bookings.services import booking_create
    from bookings.tests.factories import pay_and_confirm

    booking = booking_create(
        student=who,
        offer=offer,
        duration_minutes=60,
        starts_at=starts_at,
        location_type="online",
        now=now,
        idempotency_key=f"req-{who.pk}",
    )
    return pay_and_confirm(booking, now=now)


def test_request_to_book_accept_decline_and_expiry(live_url, page, phone_page, browser_stripe):
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    instructor = offer.instructor
    log_in(page, live_url, instructor.user)
    page.goto(f"{live_url}/teach/onboarding/profile/")
    page.get_by_label("About you").fill(
        "I teach patiently and clearly, with lots of practice pieces chosen for each student's own taste."
    )
    page.get_by_label("Request to book").check()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile was saved.")).to_be_visible()
    instructor.refresh_from_db()
    assert instructor.booking_mode == InstructorProfile.BookingMode.REQUEST

    day = ny_day(3)
    learner = student(full_name="Rita Requester")
    log_in(phone_page, live_url, learner)
    phone_page.goto(f"{live_url}/instructors/{instructor.public_id}/book/")
    expect(phone_page.get_by_text("accepts requests")).to_be_visible()
    phone_page.get_by_label("Where").select_option("online")
    phone_page.get_by_label("From").fill(day.isoformat())
    phone_page.get_by_role("button", name="Show times").click()
    phone_page.get_by_role("link", name="10:00").first.click()
    phone_page.get_by_role("button", name="Send request").click()
    pay_in_checkout(phone_page, button="Send request")
    expect(phone_page.get_by_text("Waiting for the instructor")).to_be_visible()
    requested = Booking.objects.get(student=learner)
    assert (requested.status, requested.pending_reason) == (BookingStatus.PENDING, "instructor_approval")

    # A second request the instructor declines, and a third that ran out 1 hour ago.
    decliner = student(full_name="Dan Declined")
    declined = off_loop(request_booking, offer, at(day, 12), timezone.now(), decliner)
    sleeper = student(full_name="Eve Expired")
    expired = off_loop(request_booking, offer, at(day, 15), timezone.now() - timedelta(hours=25), sleeper)
    assert expired.hold_expires_at < timezone.now()

    page.goto(f"{live_url}/teach/bookings/")
    page.get_by_role("link", name=re.compile("with Rita Requester")).click()
    page.get_by_role("button", name="Accept request").click()
    expect(page.get_by_text("You accepted the request.")).to_be_visible()
    expect(page.get_by_text("Confirmed", exact=True)).to_be_visible()
    requested.refresh_from_db()
    assert requested.status == BookingStatus.CONFIRMED and requested.instructor_accepted_at is not None

    page.goto(f"{live_url}/teach/bookings/")
    page.get_by_role("link", name=re.compile("with Dan Declined")).click()
    page.get_by_role("button", name="Decline request").click()
    expect(page.get_by_text("The lesson was cancelled.")).to_be_visible()
    declined.refresh_from_db()
    assert (declined.status, declined.cancelled_by, declined.cancellation_window) == (
        BookingStatus.CANCELLED,
        Role.INSTRUCTOR,
        CancellationWindow.NO_COST_TO_STUDENT,
    )

    assert off_loop(bookings_release_expired_holds, now=timezone.now()) == 1  # the periodic job
    expired.refresh_from_db()
    assert (expired.status, expired.cancelled_by) == (BookingStatus.CANCELLED, Role.SYSTEM)

    # Both students are told, and the declined and expired times are free again.
    for person, title in ((decliner, "Lesson request declined"), (sleeper, "Your lesson request expired")):
        log_in(phone_page, live_url, person)
        phone_page.goto(f"{live_url}/notifications/")
        expect(phone_page.get_by_text(title)).to_be_visible()
    starts = {
        slot.starts_at
        for slot in available_slots(
            offer=offer,
            duration_minutes=60,
            location_type="online",
            start_date=day,
            end_date=day,
            student_tz=NY,
            now=timezone.now(),
        )
    }
    assert at(day, 12) in starts and at(day, 15) in starts and at(day, 10) not in starts


def staff_admin_page(browser, live_url):
    reviewer = staff(email="ops@example.com")
    context = browser.new_context()
    admin = context.new_page()
    staff_logs_in_with_totp(admin, live_url, reviewer)
    return reviewer, context, admin


def test_problem_report_goes_to_review_and_staff_resolve_it_in_the_admin(live_url, page, browser):
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    booked_at = (timezone.now() - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    starts = booked_at + timedelta(days=2) - timedelta(hours=2)  # ended an hour ago
    learner = student(full_name="Pat Problem")
    booking = off_loop(confirmed_booking, offer=offer, starts_at=starts, now=booked_at, who=learner)
    log_in(page, live_url, learner)
    page.goto(f"{live_url}/lessons/{booking.public_id}/")
    page.get_by_text("Report a problem").click()
    page.get_by_label("The lesson was cut short").check()
    page.get_by_label("Details").fill("We stopped after 25 minutes")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_text("Thanks — we are looking into it.")).to_be_visible()
    expect(page.get_by_text("In review", exact=True)).to_be_visible()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.IN_REVIEW
    assert Notification.objects.filter(
        user=offer.instructor.user, title="A problem was reported: The lesson was cut short"
    ).exists()

    reviewer, context, admin = staff_admin_page(browser, live_url)
    admin.goto(live_url + "/admin/bookings/problemreport/")
    admin.get_by_role("link", name=re.compile(rf"^{booking.service_name} .*\(in_review\)")).click()
    admin.get_by_label("Minutes delivered").fill("25")
    admin.get_by_role("button", name="Save", exact=True).click()
    admin.get_by_role("checkbox", name=re.compile("Select this object")).check()
    admin.get_by_label(re.compile("^Action")).select_option(
        label="Resolve: partly completed (set minutes delivered first)"
    )
    admin.get_by_role("button", name="Go").click()
    expect(admin.get_by_text("Resolved 1 problem(s) as partly completed; both sides were told.")).to_be_visible()
    context.close()
    report = ProblemReport.objects.get()
    assert (report.resolution, report.minutes_delivered, report.resolved_by) == ("partly_completed", 25, reviewer)

    page.reload()
    expect(page.get_by_text("Completed", exact=True)).to_be_visible()
    page.goto(f"{live_url}/notifications/")
    expect(page.get_by_text("Problem resolved: Partly completed")).to_be_visible()


def test_instructor_changes_booking_settings_and_time_off(live_url, phone_page):
    offer = bookable_offer(hours="09:00-17:00", notice=12)
    instructor = offer.instructor
    log_in(phone_page, live_url, instructor.user)
    phone_page.goto(f"{live_url}/teach/availability/")
    phone_page.get_by_role("link", name="Booking settings").click()
    phone_page.get_by_label("Minimum notice (hours)").fill("400")
    phone_page.get_by_role("button", name="Save settings").click()
    expect(phone_page.get_by_text("Ensure this value is less than or equal to 336.")).to_be_visible()
    assert AvailabilitySettings.objects.get(instructor=instructor).minimum_notice_hours == 12
    phone_page.get_by_label("Minimum notice (hours)").fill("48")
    phone_page.get_by_label("Buffer between lessons (minutes)").fill("30")
    phone_page.get_by_role("button", name="Save settings").click()
    expect(phone_page.get_by_text("Your booking settings were saved.")).to_be_visible()
    rules = AvailabilitySettings.objects.get(instructor=instructor)
    assert (rules.minimum_notice_hours, rules.buffer_minutes) == (48, 30)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375

    first, last = ny_day(5), ny_day(7)
    phone_page.get_by_role("link", name="Back to the week").click()
    phone_page.get_by_role("link", name="Time off").click()
    phone_page.get_by_label("First day off").fill(last.isoformat())
    phone_page.get_by_label("Last day off").fill(first.isoformat())
    phone_page.get_by_role("button", name="Add time off").click()
    expect(phone_page.get_by_text("The last day of time off must not be before the first day.")).to_be_visible()
    assert TimeOff.objects.count() == 0
    phone_page.get_by_label("First day off").fill(first.isoformat())
    phone_page.get_by_label("Last day off").fill(last.isoformat())
    phone_page.get_by_label("Reason (optional)").fill("Family trip")
    phone_page.get_by_role("button", name="Add time off").click()
    expect(phone_page.get_by_text("Time off added.")).to_be_visible()
    expect(phone_page.get_by_text(f"{first.day} {first:%B %Y} – {last.day} {last:%B %Y} · Family trip")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375

    def open_days():
        slots = available_slots(
            offer=offer,
            duration_minutes=60,
            location_type="online",
            start_date=first - timedelta(days=1),
            end_date=last + timedelta(days=1),
            student_tz=NY,
            now=timezone.now(),
        )
        return sorted({slot.starts_at.astimezone(NY).date() for slot in slots})

    assert open_days() == [first - timedelta(days=1), last + timedelta(days=1)]
    phone_page.get_by_role("button", name="Remove").click()
    expect(phone_page.get_by_text("Time off removed.")).to_be_visible()
    assert TimeOff.objects.count() == 0
    assert len(open_days()) == 5


def test_london_student_and_new_york_instructor_in_the_browser(live_url, page, phone_page, browser_stripe):
    offer = bookable_offer(timezone="America/New_York", hours="09:00-12:00", notice=1)
    learner = student(full_name="Lucy London", timezone="Europe/London")
    day = ny_day(4)
    london_start = at(day, 9).astimezone(LONDON)
    log_in(page, live_url, learner)
    page.goto(f"{live_url}/instructors/{offer.instructor.public_id}/book/")
    page.get_by_label("Where").select_option("online")
    page.get_by_label("Duration").select_option("60")
    page.get_by_label("From").fill(london_start.date().isoformat())
    page.get_by_role("button", name="Show times").click()
    expect(page.get_by_text("(Europe/London)")).to_be_visible()
    page.get_by_role("link", name=f"{london_start:%H:%M}").first.click()
    page.get_by_role("button", name="Confirm and book").click()
    pay_in_checkout(page)
    london_end = london_start + timedelta(hours=1)
    expect(page.get_by_text(f"{london_start:%H:%M}–{london_end:%H:%M} (Europe/London)")).to_be_visible()
    booking = Booking.objects.get()
    assert booking.lesson_starts_at == at(day, 9)

    # The instructor sees New York time, and moves the lesson at no cost to the student.
    log_in(phone_page, live_url, offer.instructor.user)
    phone_page.goto(f"{live_url}/teach/bookings/")
    expect(phone_page.get_by_text(re.compile(r"09:00 \(America/New_York\)"))).to_be_visible()
    phone_page.get_by_role("link", name=re.compile("with Lucy London")).click()
    expect(phone_page.get_by_text("09:00–10:00 (America/New_York)")).to_be_visible()
    phone_page.get_by_role("link", name="Reschedule").click()
    expect(phone_page.get_by_text("Moving a lesson never costs Lucy")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    day_card = phone_page.locator(".card", has=phone_page.get_by_role("heading", name=f"{day:%A} {day.day} {day:%B}"))
    day_card.get_by_role("button", name="11:00").click()
    expect(phone_page.get_by_text("The lesson was moved.")).to_be_visible()
    expect(phone_page.get_by_text("11:00–12:00 (America/New_York)")).to_be_visible()
    booking.refresh_from_db()
    assert booking.lesson_starts_at == at(day, 11)
    assert (booking.moves_count, booking.late_moves_count, booking.locked_cancellation_window) == (1, 0, "")
    assert booking.events.get(kind="rescheduled").actor_role == Role.INSTRUCTOR

    moved = at(day, 11).astimezone(LONDON)
    page.reload()
    expect(page.get_by_text(f"{moved:%H:%M}–{moved + timedelta(hours=1):%H:%M} (Europe/London)")).to_be_visible()
    expect(page.get_by_text("If you cancel now: Not the student's doing (free for the student)")).to_be_visible()
    page.goto(f"{live_url}/notifications/")
    expect(page.get_by_text(re.compile("Lesson moved:"))).to_be_visible()
