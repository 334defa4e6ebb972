"""Browser tests of the payment pages, with Stripe.js served by the local Stripe server."""

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
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


def off_the_page(function, *args, **kwargs):
    """Runs set-up that sends notifications (async_to_sync inside) outside Playwright's event loop."""

    def run():
        try:
            return function(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def _far_ahead_lesson(server):
    """A lesson three days ahead at 15:00 UTC, booked and paid with a Visa card (card saved)."""
    from payments.tests.helpers import book_and_pay, instructor_offer

    now = timezone.now()
    offer = instructor_offer(server, now=now)
    starts = (now + timedelta(days=3)).replace(hour=15, minute=0, second=0, microsecond=0)
    return off_the_page(book_and_pay, server, offer=offer, starts_at=starts, now=now)


def test_saved_cards_add_set_default_and_remove_a_card_lessons_depend_on(live_url, page, browser_stripe):
    booking, payment = _far_ahead_lesson(browser_stripe)
    learner = booking.student
    visa = learner.saved_cards.get()
    assert payment.payment_method_id == visa.payment_method_id
    log_in(page, live_url, learner)
    page.goto(f"{live_url}/payments/cards/")
    cards = page.get_by_role("list", name="Saved cards")
    expect(cards.get_by_role("listitem")).to_have_count(1)
    expect(cards).to_contain_text("Visa ending 4242")
    expect(cards).to_contain_text("Default")

    type_card(page, "5555 5555 5555 4444", expiry="08/33")
    page.get_by_role("button", name="Save card").click()
    expect(page.get_by_text("Saved Mastercard ending 4444 (expires 08/2033).")).to_be_visible()
    expect(cards.get_by_role("listitem")).to_have_count(2)

    # The upcoming lesson will be charged to the Visa: it cannot be removed yet.
    page.get_by_role("button", name=f"Remove {visa.label}").click()
    expect(page.get_by_text("Upcoming lessons will be charged to this card.", exact=False)).to_be_visible()
    assert learner.saved_cards.count() == 2
    assert stripe_client.call("payment_methods", "retrieve", visa.payment_method_id).customer is not None

    page.get_by_role("button", name="Make default").click()
    expect(page.get_by_text("Mastercard ending 4444 (expires 08/2033) is now your default card.")).to_be_visible()
    mastercard = learner.saved_cards.get(last4="4444")
    payment.refresh_from_db()
    assert mastercard.is_default and payment.payment_method_id == mastercard.payment_method_id

    page.get_by_role("button", name=f"Remove {visa.label}").click()
    expect(page.get_by_text(f"Removed {visa.label}.")).to_be_visible()
    expect(cards.get_by_role("listitem")).to_have_count(1)
    assert list(learner.saved_cards.values_list("last4", flat=True)) == ["4444"]
    assert stripe_client.call("payment_methods", "retrieve", visa.payment_method_id).customer is None
    customer = stripe_client.call("customers", "retrieve", learner.stripe_customer.customer_id)
    assert customer.invoice_settings.default_payment_method == mastercard.payment_method_id
