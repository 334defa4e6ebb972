"""Browser tests: people using the real pages in Chromium."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import student
from availability.models import AvailabilitySettings, WeeklyAvailability
from bookings.models import Booking, BookingStatus
from bookings.tests.factories import bookable_offer
from bookings.tests.test_ics import parse_ics
from notifications.models import OutboundMessage
from payments.tests.fixtures import pay_in_checkout

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, live_url, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_url}])


def fits_a_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_instructor_edits_a_week_and_a_stale_tab_gets_the_conflict_screen(live_url, page, phone_page):
    offer = bookable_offer(hours="09:00-12:00")
    instructor = offer.instructor.user
    for tab in (page, phone_page):
        log_in(tab, live_url, instructor)
        tab.goto(f"{live_url}/teach/availability/")
    fits_a_phone(phone_page)
    monday = page.get_by_label(re.compile(r"^Monday"))
    expect(monday).to_have_value("09:00–12:00")
    monday.fill("08:00-12:00, 14:00-18:00")
    page.get_by_label("Every week from now on").check()
    page.get_by_role("button", name="Save week").click()
    expect(page.get_by_text("Your week was saved.")).to_be_visible()
    expect(page.get_by_label(re.compile(r"^Monday"))).to_have_value("08:00–12:00, 14:00–18:00")
    assert WeeklyAvailability.objects.get(instructor=offer.instructor, weekday=0).quarter_hours != "0" * 24
    version = AvailabilitySettings.objects.get(instructor=offer.instructor).version

    # The phone tab still shows the old week; its save is refused and shows what changed.
    phone_page.get_by_label(re.compile(r"^Tuesday")).fill("10:00-11:00")
    phone_page.get_by_role("button", name="Save week").click()
    expect(phone_page.get_by_text("This week was changed somewhere else")).to_be_visible()
    expect(
        phone_page.get_by_text(re.compile(r"you had “09:00–12:00”, now it is “08:00–12:00, 14:00–18:00”"))
    ).to_be_visible()
    fits_a_phone(phone_page)
    assert AvailabilitySettings.objects.get(instructor=offer.instructor).version == version
    # Reloading shows the week as it is now: the other tab's Monday, Tuesday as stored.
    phone_page.get_by_role("link", name="Reload the week").click()
    expect(phone_page.get_by_label(re.compile(r"^Monday"))).to_have_value("08:00–12:00, 14:00–18:00")
    expect(phone_page.get_by_label(re.compile(r"^Tuesday"))).to_have_value("09:00–12:00")
    expect(phone_page.get_by_text("This week was changed somewhere else")).to_have_count(0)
    phone_page.get_by_label(re.compile(r"^Tuesday")).fill("10:00-11:00")
    phone_page.get_by_role("button", name="Save week").click()
    expect(phone_page.get_by_text("Your week was saved.")).to_be_visible()
    expect(phone_page.get_by_label(re.compile(r"^Tuesday"))).to_have_value("10:00–11:00")
    assert AvailabilitySettings.objects.get(instructor=offer.instructor).version == version + 1

    # Now the first tab is the stale one; it overwrites knowingly.
    page.get_by_label(re.compile(r"^Wednesday")).fill("13:00-15:00")
    page.get_by_role("button", name="Save week").click()
    expect(page.get_by_text(re.compile(r"you had “09:00–12:00”, now it is “10:00–11:00”"))).to_be_visible()
    page.get_by_role("button", name="Overwrite with my version").click()
    expect(page.get_by_text("Your week was saved.")).to_be_visible()
    expect(page.get_by_label(re.compile(r"^Wednesday"))).to_have_value("13:00–15:00")
    expect(page.get_by_label(re.compile(r"^Tuesday"))).to_have_value("09:00–12:00")  # the overwrite's own
    assert AvailabilitySettings.objects.get(instructor=offer.instructor).version == version + 2


def test_student_books_downloads_ics_reschedules_and_cancels(live_url, page, browser_stripe):
    offer = bookable_offer(hours="00:00-24:00", notice=1, prices={30: 4500, 60: 9000})
    learner = student(full_name="Lee Learner")
    log_in(page, live_url, learner)
    page.goto(f"{live_url}/instructors/{offer.instructor.public_id}/book/")
    page.get_by_label("Duration").select_option("60")
    page.get_by_label("Where").select_option("online")
    tomorrow = (timezone.now().astimezone(learner.zone) + timedelta(days=2)).date()
    page.get_by_label("From").fill(tomorrow.isoformat())
    page.get_by_role("button", name="Show times").click()
    page.get_by_role("link", name="10:00").first.click()
    expect(page.get_by_role("heading", name="Review your booking")).to_be_visible()
    expect(page.get_by_text("$90.00")).to_be_visible()
    expect(page.get_by_text("$10.80")).to_be_visible()
    expect(page.get_by_text("$100.80")).to_be_visible()
    page.get_by_label("Note for the instructor").fill("First lesson, please be patient")
    page.get_by_role("button", name="Confirm and book").click()
    # The payment step: card entry through Stripe.js (the local server's stand-in).
    expect(page.get_by_text(re.compile(r"We save your card now and authorize \$100\.80 on"))).to_be_visible()
    pay_in_checkout(page)
    expect(page.get_by_text("Confirmed")).to_be_visible()
    expect(
        page.get_by_text(f"{tomorrow:%A} {tomorrow.day} {tomorrow:%B %Y}, 10:00–11:00 (America/New_York)")
    ).to_be_visible()
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.CONFIRMED and booking.note == "First lesson, please be patient"
    payment = booking.payments.get()
    assert (payment.status, payment.card_cents) == ("card_saved", 10080)
    assert [card.last4 for card in learner.saved_cards.all()] == ["4242"]
    assert OutboundMessage.objects.filter(to__icontains=learner.email, subject__startswith="Booked:").count() == 1

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    with open(download_info.value.path(), "rb") as downloaded:
        _calendar, ics = parse_ics(downloaded.read())
    assert (ics["method"], ics["tzid"], ics["dtstart_tzid"], ics["uid"]) == (
        "PUBLISH",
        "America/New_York",
        "America/New_York",
        f"booking-{booking.public_id}@instainstru",
    )
    assert (ics["local_start"], ics["starts_at"]) == (
        datetime.combine(tomorrow, time(10)),
        booking.lesson_starts_at,
    )

    page.get_by_role("link", name="My lessons").click()
    page.get_by_role("link", name=re.compile(booking.service_name)).click()
    page.get_by_role("link", name="Reschedule").click()
    page.get_by_role("button", name="14:00").first.click()
    expect(page.get_by_text("The lesson was moved.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"14:00–15:00 \(America/New_York\)"))).to_be_visible()
    booking.refresh_from_db()
    assert booking.lesson_starts_at.astimezone(learner.zone).hour == 14 and Booking.objects.count() == 1

    page.get_by_label("Reason for cancelling (optional)").fill("Plans changed")
    page.get_by_role("button", name="Cancel lesson").click()
    expect(page.get_by_text("The lesson was cancelled.")).to_be_visible()
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by, booking.cancellation_reason) == (
        "cancelled",
        "student",
        "Plans changed",
    )
    assert booking.cancellation_window == "grace"
    payment.refresh_from_db()
    assert payment.status == "canceled"


def test_booking_flow_fits_a_phone(live_url, phone_page, browser_stripe):
    """Choosing a time, the review page, the confirmation and My lessons, at 375 px."""
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    log_in(phone_page, live_url, student())
    phone_page.goto(f"{live_url}/instructors/{offer.instructor.public_id}/book/")
    phone_page.get_by_label("Where").select_option("online")
    day = (timezone.now().astimezone(offer.instructor.user.zone) + timedelta(days=2)).date()
    phone_page.get_by_label("From").fill(day.isoformat())
    phone_page.get_by_role("button", name="Show times").click()
    expect(phone_page.get_by_role("region", name="Available times")).to_be_visible()
    fits_a_phone(phone_page)
    phone_page.get_by_role("link", name="10:00").first.click()
    expect(phone_page.get_by_role("heading", name="Review your booking")).to_be_visible()
    fits_a_phone(phone_page)
    phone_page.get_by_role("button", name="Confirm and book").click()
    pay_in_checkout(phone_page)
    expect(phone_page.get_by_text("Confirmed")).to_be_visible()
    expect(phone_page.get_by_role("link", name="Add to calendar (.ics)")).to_be_visible()
    fits_a_phone(phone_page)
    phone_page.get_by_role("button", name="Menu").click()
    phone_page.get_by_role("link", name="My lessons").click()
    expect(phone_page.get_by_role("heading", name="My lessons")).to_be_visible()
    expect(phone_page.get_by_role("link", name=re.compile(offer.service.name))).to_be_visible()
    fits_a_phone(phone_page)
    assert Booking.objects.get().status == BookingStatus.CONFIRMED
