"""Browser tests of the payment pages, with Stripe.js served by the local Stripe server."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking, BookingStatus
from payments import stripe_client
from payments.models import LedgerEntry, Payment
from payments.tests.helpers import start_booking

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, live_url, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_url}])


def type_card(page, number, expiry="12/34", cvc="123"):
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry (MM/YY)").fill(expiry)
    page.get_by_label("CVC").fill(cvc)


def same_day_booking():
    from bookings.tests.factories import bookable_offer

    offer = bookable_offer(hours="00:00-24:00", notice=1)
    now = timezone.now()
    starts = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=4)
    return start_booking(offer=offer, starts_at=starts, now=now)


def test_same_day_checkout_authorizes_now_with_3d_secure_in_the_page_on_a_phone(live_url, phone_page, browser_stripe):
    booking = same_day_booking()
    page = phone_page
    log_in(page, live_url, booking.student)
    page.goto(f"{live_url}/payments/checkout/{booking.public_id}/")
    expect(page.get_by_text("We authorize $100.80 on your card now; your bank may ask you to confirm.")).to_be_visible()
    starts = booking.lesson_starts_at.astimezone(booking.student.zone)
    late_from = (booking.lesson_starts_at - timedelta(hours=12)).astimezone(booking.student.zone)
    # Booked under 12 h ahead: free only during the 15-minute grace period, then the full price.
    grace = (booking.created_at + timedelta(minutes=15)).astimezone(booking.student.zone)
    free_line = f"Cancel until {grace:%A} {grace.day} {grace:%B, %H:%M} and nothing is charged."
    expect(page.get_by_text(free_line)).to_be_visible()
    assert late_from < grace < starts
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    type_card(page, "4000 0027 6000 3184")  # the bank asks for 3-D Secure
    page.get_by_role("button", name="Authorize and book").click()
    dialog = page.get_by_role("dialog", name="3D Secure authentication")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Complete authentication").click()
    expect(page.get_by_text("Confirmed")).to_be_visible()

    booking.refresh_from_db()
    payment = Payment.objects.get(booking=booking)
    assert (booking.status, payment.status, payment.card_cents) == (BookingStatus.CONFIRMED, "authorized", 10080)
    assert list(LedgerEntry.objects.values_list("kind", "amount_cents")) == [("authorization", 10080)]
    intent = stripe_client.call("payment_intents", "retrieve", payment.payment_intent_id)
    assert (intent.status, intent.amount, intent.capture_method) == ("requires_capture", 10080, "manual")


def test_failed_3d_secure_makes_no_booking_and_releases_the_time(live_url, page, browser_stripe):
    booking = same_day_booking()
    log_in(page, live_url, booking.student)
    page.goto(f"{live_url}/payments/checkout/{booking.public_id}/")
    type_card(page, "4000 0027 6000 3184")
    page.get_by_role("button", name="Authorize and book").click()
    page.get_by_role("dialog", name="3D Secure authentication").get_by_role(
        "button", name="Fail authentication"
    ).click()
    expect(page.get_by_text(re.compile("No booking was made and the time was released"))).to_be_visible()
    booking.refresh_from_db()
    payment = Payment.objects.get(booking=booking)
    assert (booking.status, booking.holds_time, payment.status) == (BookingStatus.CANCELLED, False, "canceled")
    assert LedgerEntry.objects.count() == 0
    assert not booking.student.saved_cards.exists()
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 0


def test_an_incomplete_card_is_refused_in_the_page_and_nothing_happens(live_url, page, browser_stripe):
    booking = same_day_booking()
    log_in(page, live_url, booking.student)
    page.goto(f"{live_url}/payments/checkout/{booking.public_id}/")
    type_card(page, "4242 4242", expiry="12/34", cvc="1")
    page.get_by_role("button", name="Authorize and book").click()
    expect(page.locator("#card-errors")).to_have_text("Your card number is incomplete.")
    booking.refresh_from_db()
    assert (booking.status, Payment.objects.get(booking=booking).status) == (BookingStatus.PENDING, "awaiting_card")


def test_someone_elses_checkout_is_not_found(live_url, page, browser_stripe):
    from accounts.tests.factories import student

    booking = same_day_booking()
    log_in(page, live_url, student())
    response = page.goto(f"{live_url}/payments/checkout/{booking.public_id}/")
    assert response.status == 404
    assert not Payment.objects.exists()
