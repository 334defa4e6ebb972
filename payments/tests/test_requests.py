"""Request-to-book and money: the card is saved at the request, authorized 24 h before the lesson
only once the instructor accepted (at once when they accept later than that), and a declined or
expired request charges nothing and gives reserved credit back. Over the local Stripe server with
time pinned; each ends with `reconcile_payments` finding no difference."""

from datetime import timedelta

import pytest

from accounts.tests.factories import student
from bookings.models import BookingStatus
from bookings.services import booking_accept, booking_cancel, bookings_release_expired_holds
from payments import stripe_client
from payments.models import Credit, PaymentStatus
from payments.services import credit_issue
from payments.services.lifecycle import payments_run_due
from payments.tests.helpers import at, book_and_pay, instructor_offer, ledger

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ends_reconciled")]


def _intents() -> list:
    return stripe_client.call("payment_intents", "list", params={"limit": 100}).data


def _request(server, *, now, hours_ahead, who=None):
    at(server, now)
    offer = instructor_offer(server, now=now, booking_mode="request")
    booking, payment = book_and_pay(server, offer=offer, starts_at=now + timedelta(hours=hours_ahead), now=now, who=who)
    assert (booking.status, booking.pending_reason) == (BookingStatus.PENDING, "instructor_approval")
    return offer, booking, payment


def test_a_request_accepted_before_t_minus_24h_is_authorized_at_t_minus_24h(
    local_stripe, now, django_capture_on_commit_callbacks
):
    offer, booking, payment = _request(local_stripe, now=now, hours_ahead=72)
    assert (payment.status, payment.authorize_due_at) == (
        PaymentStatus.CARD_SAVED,
        booking.lesson_starts_at - timedelta(hours=24),
    )
    with django_capture_on_commit_callbacks(execute=True):
        booking_accept(booking=booking, user=offer.instructor.user, now=at(local_stripe, now + timedelta(hours=2)))
    payment.refresh_from_db()
    assert (payment.status, payment.authorize_due_at) == (
        PaymentStatus.CARD_SAVED,
        booking.lesson_starts_at - timedelta(hours=24),
    )
    assert _intents() == []
    t24 = at(local_stripe, booking.lesson_starts_at - timedelta(hours=24))
    assert payments_run_due(now=t24)["authorized"] == 1
    payment.refresh_from_db()
    assert (payment.status, payment.capture_due_at) == (
        PaymentStatus.AUTHORIZED,
        booking.lesson_ends_at + timedelta(hours=24),
    )
    assert ledger(payment) == [("authorization", 10080)]


def test_a_request_still_waiting_at_t_minus_24h_is_authorized_when_the_instructor_accepts(
    local_stripe, now, django_capture_on_commit_callbacks
):
    # 30 h ahead: the request waits up to 24 h, so T−24 h (6 h from now) comes while it waits.
    offer, booking, payment = _request(local_stripe, now=now, hours_ahead=30)
    t24 = booking.lesson_starts_at - timedelta(hours=24)
    assert booking.hold_expires_at == now + timedelta(hours=24)
    assert payments_run_due(now=at(local_stripe, t24)) == dict.fromkeys(
        ["released", "authorized", "auto_cancelled", "captured", "taken_back", "transferred"], 0
    )
    payment.refresh_from_db()
    # Not cleared, not charged: nothing is held on the card for a lesson not accepted yet.
    assert (payment.status, payment.authorize_due_at, payment.authorization_attempts) == ("card_saved", t24, 0)
    assert _intents() == []

    accepted_at = at(local_stripe, t24 + timedelta(hours=4))
    with django_capture_on_commit_callbacks(execute=True):
        booking_accept(booking=booking, user=offer.instructor.user, now=accepted_at)
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert (payment.status, payment.authorized_at, payment.authorize_due_at) == ("authorized", accepted_at, None)
    assert [(intent.amount, intent.status) for intent in _intents()] == [(10080, "requires_capture")]
    assert ledger(payment) == [("authorization", 10080)]
    # The T−6 h sweep leaves the authorized lesson alone.
    assert payments_run_due(now=at(local_stripe, booking.lesson_starts_at - timedelta(hours=6)))["auto_cancelled"] == 0
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def _learner_with_credit(now):
    learner = student()
    credit = credit_issue(
        student=learner, amount_cents=2500, reason="Welcome", key="welcome", now=now - timedelta(days=30)
    )
    return learner, credit


def test_a_declined_request_charges_nothing_and_gives_the_credit_back(
    local_stripe, now, django_capture_on_commit_callbacks
):
    learner, credit = _learner_with_credit(now)
    offer, booking, payment = _request(local_stripe, now=now, hours_ahead=72, who=learner)
    assert (payment.credit_applied_cents, payment.card_cents) == (2500, 7580)
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, user=offer.instructor.user, now=at(local_stripe, now + timedelta(hours=3)))
    payment.refresh_from_db()
    credit.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELED
    assert (credit.remaining_cents, credit.expires_at) == (2500, now - timedelta(days=30) + timedelta(days=365))
    assert ledger(payment) == [("credit_reserved", 2500), ("credit_restored", 2500)]
    assert _intents() == []
    # Later sweeps find nothing to do for it.
    assert payments_run_due(now=at(local_stripe, booking.lesson_starts_at - timedelta(hours=24)))["authorized"] == 0


def test_an_expired_request_charges_nothing_and_gives_the_credit_back(
    local_stripe, now, django_capture_on_commit_callbacks
):
    learner, credit = _learner_with_credit(now)
    offer, booking, payment = _request(local_stripe, now=now, hours_ahead=30, who=learner)
    payments_run_due(now=at(local_stripe, booking.lesson_starts_at - timedelta(hours=24)))  # waits, unaccepted
    with django_capture_on_commit_callbacks(execute=True):
        assert bookings_release_expired_holds(now=at(local_stripe, booking.hold_expires_at)) == 1
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert (booking.status, booking.cancelled_by) == (BookingStatus.CANCELLED, "system")
    assert payment.status == PaymentStatus.CANCELED
    assert Credit.objects.get(pk=credit.pk).remaining_cents == 2500
    assert ledger(payment) == [("credit_reserved", 2500), ("credit_restored", 2500)]
    assert _intents() == []


def test_a_declined_request_under_24h_releases_the_authorization_made_at_checkout(
    local_stripe, now, django_capture_on_commit_callbacks
):
    offer, booking, payment = _request(local_stripe, now=now, hours_ahead=8)
    assert payment.status == PaymentStatus.AUTHORIZED
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, user=offer.instructor.user, now=at(local_stripe, now + timedelta(hours=1)))
    payment.refresh_from_db()
    assert (payment.status, payment.captured_cents) == (PaymentStatus.CANCELED, 0)
    assert ledger(payment) == [("authorization", 10080), ("release", 10080)]
    assert [(intent.status, intent.amount_received) for intent in _intents()] == [("canceled", 0)]
