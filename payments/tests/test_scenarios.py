"""Scenario tests over the local Stripe server with time pinned: exact amounts in our ledger and
on the server."""

from datetime import timedelta

import pytest

from bookings.models import BookingStatus
from bookings.services import bookings_complete_finished
from payments import stripe_client
from payments.models import LedgerEntry, PaymentStatus
from payments.services.lifecycle import payments_run_due
from payments.tests.helpers import at, book_and_pay, instructor_offer, ledger

pytestmark = pytest.mark.django_db


def test_book_far_ahead_authorize_at_t_minus_24h_capture_after_the_lesson_and_transfer(local_stripe, now):
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    starts = now + timedelta(days=3, hours=1)  # Friday 10:00 New York
    booking, payment = book_and_pay(local_stripe, offer=offer, starts_at=starts, now=now)

    assert booking.status == BookingStatus.CONFIRMED
    assert payment.status == PaymentStatus.CARD_SAVED
    assert (payment.lesson_price_cents, payment.booking_fee_cents, payment.card_cents) == (9000, 1080, 10080)
    assert (payment.commission_cents, payment.instructor_share_cents) == (1350, 7650)
    assert payment.authorize_due_at == starts - timedelta(hours=24)
    assert ledger(payment) == []

    # Nothing happens before T−24 h.
    assert payments_run_due(now=at(local_stripe, starts - timedelta(hours=25)))["authorized"] == 0
    t_minus_24 = at(local_stripe, starts - timedelta(hours=24))
    assert payments_run_due(now=t_minus_24)["authorized"] == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.AUTHORIZED
    assert payment.capture_due_at == booking.lesson_ends_at + timedelta(hours=24)
    assert payment.capture_before == t_minus_24 + timedelta(days=7)
    intent = stripe_client.call("payment_intents", "retrieve", payment.payment_intent_id)
    assert (intent.status, intent.amount, intent.capture_method) == ("requires_capture", 10080, "manual")
    # Running the sweep again (or concurrently) does nothing more.
    assert payments_run_due(now=t_minus_24)["authorized"] == 0
    assert len(stripe_client.call("payment_intents", "list", params={"limit": 100}).data) == 1

    after_lesson = at(local_stripe, booking.lesson_ends_at + timedelta(minutes=5))
    bookings_complete_finished(now=after_lesson)
    assert payments_run_due(now=after_lesson)["captured"] == 0  # capture waits 24 h after the lesson

    capture_time = at(local_stripe, booking.lesson_ends_at + timedelta(hours=24))
    assert payments_run_due(now=capture_time) == {
        "released": 0,
        "authorized": 0,
        "auto_cancelled": 0,
        "captured": 1,
        "transferred": 1,
    }
    payment.refresh_from_db()
    assert (payment.status, payment.captured_cents, payment.transferred_cents) == (PaymentStatus.CAPTURED, 10080, 7650)
    assert ledger(payment) == [("authorization", 10080), ("capture", 10080), ("transfer", 7650)]
    charge = stripe_client.call("charges", "retrieve", payment.charge_id)
    assert (charge.amount_captured, charge.captured) == (10080, True)
    account = offer.instructor.connect_account.account_id
    transfers = stripe_client.call("transfers", "list", params={"destination": account}).data
    assert [(t.amount, t.source_transaction) for t in transfers] == [(7650, payment.charge_id)]
    assert payments_run_due(now=capture_time + timedelta(minutes=1)) == dict.fromkeys(
        ["released", "authorized", "auto_cancelled", "captured", "transferred"], 0
    )
    assert LedgerEntry.objects.count() == 3
