"""A job killed between Stripe's answer and our write, and two sweeps racing, for every step that
moves money after the authorization (test_faults has the authorization's): capture, transfer,
a staff refund and a tip. The next run completes the work with the same idempotency key, so
Stripe replays instead of moving the money twice. Each ends with the ledger reconciled."""

import time
from datetime import timedelta

import pytest

from bookings.services import bookings_complete_finished
from payments import stripe_client
from payments.models import LedgerEntry, LedgerKind, Payment, WebhookEvent
from payments.services import ledger as ledger_module
from payments.services.lifecycle import payments_run_due
from payments.tests.helpers import (
    WEBHOOK_SECRET,
    at,
    book_and_pay,
    completed_lesson,
    instructor_offer,
    ledger,
    post_event,
    race,
    server_events,
)

pytestmark = pytest.mark.usefixtures("ends_reconciled")


@pytest.fixture
def killed_before_recording(monkeypatch):
    """`killed_before_recording(LedgerKind.CAPTURE)`: the worker dies right after Stripe answered,
    before the ledger row of that kind (and everything else of that transaction) is committed.
    Returns a function that lets the next run live."""

    def arm(kind: str):
        record = ledger_module.ledger_record

        def die(**fields):
            if fields["kind"] == kind:
                raise SystemExit("worker killed")
            return record(**fields)

        for module in ("lifecycle", "refunds", "tips", "credits"):
            monkeypatch.setattr(f"payments.services.{module}.ledger_record", die)
        return monkeypatch.undo

    return arm


def _lesson_due_for_capture(server, now):
    """A lesson authorized at T−24 h and completed; returns (payment, the capture time)."""
    at(server, now)
    offer = instructor_offer(server, now=now)
    booking, payment = book_and_pay(server, offer=offer, starts_at=now + timedelta(days=3), now=now)
    payments_run_due(now=at(server, booking.lesson_starts_at - timedelta(hours=24)))
    bookings_complete_finished(now=at(server, booking.lesson_ends_at + timedelta(minutes=1)))
    return payment, at(server, booking.lesson_ends_at + timedelta(hours=24))


def _intent(payment):
    intent = stripe_client.call("payment_intents", "retrieve", payment.payment_intent_id)
    return intent.status, intent.amount_received


def _transfers() -> list[int]:
    return sorted(transfer.amount for transfer in stripe_client.call("transfers", "list").data)


@pytest.mark.django_db
def test_a_capture_killed_before_our_write_is_completed_without_a_second_capture(
    local_stripe, now, killed_before_recording
):
    payment, when = _lesson_due_for_capture(local_stripe, now)
    survive = killed_before_recording(LedgerKind.CAPTURE)
    with pytest.raises(SystemExit):
        payments_run_due(now=when)
    payment.refresh_from_db()
    assert (payment.status, payment.captured_cents) == ("authorized", 0)
    assert _intent(payment) == ("succeeded", 10080)  # Stripe did capture
    survive()
    assert payments_run_due(now=when + timedelta(minutes=1))["captured"] == 1
    payment.refresh_from_db()
    assert (payment.status, payment.captured_cents, payment.transferred_cents) == ("captured", 10080, 7650)
    assert _intent(payment) == ("succeeded", 10080)
    assert ledger(payment) == [("authorization", 10080), ("capture", 10080), ("transfer", 7650)]


@pytest.mark.django_db
def test_a_transfer_killed_before_our_write_is_completed_without_paying_twice(
    local_stripe, now, killed_before_recording
):
    payment, when = _lesson_due_for_capture(local_stripe, now)
    survive = killed_before_recording(LedgerKind.TRANSFER)
    with pytest.raises(SystemExit):
        payments_run_due(now=when)
    payment.refresh_from_db()
    # The capture committed; the transfer reached Stripe but not our row.
    assert (payment.status, payment.transferred_cents, payment.transfer_due_at) == ("captured", 0, when)
    assert _transfers() == [7650]
    survive()
    assert payments_run_due(now=when + timedelta(minutes=1))["transferred"] == 1
    payment.refresh_from_db()
    assert payment.transferred_cents == 7650 and _transfers() == [7650]
    assert ledger(payment)[-1] == ("transfer", 7650)


@pytest.mark.django_db
def test_a_staff_refund_killed_before_our_write_is_not_refunded_twice_when_retried(
    local_stripe, now, killed_before_recording
):
    from accounts.tests.factories import staff
    from payments.services import payment_refund

    at(local_stripe, now)
    _, payment, when = completed_lesson(local_stripe, now=now)
    boss = staff()
    survive = killed_before_recording(LedgerKind.REFUND)
    with pytest.raises(SystemExit):
        payment_refund(payment=payment, amount_cents=2000, reason="Started late", staff_user=boss, now=when)
    payment.refresh_from_db()
    assert payment.refunded_cents == 0
    survive()
    payment_refund(payment=payment, amount_cents=2000, reason="Started late", staff_user=boss, now=when)
    payment.refresh_from_db()
    refunds = stripe_client.call("refunds", "list", params={"charge": payment.charge_id}).data
    assert [refund.amount for refund in refunds] == [2000]
    assert payment.refunded_cents == 2000
    assert LedgerEntry.objects.filter(kind="refund").count() == 1


@pytest.mark.django_db
def test_a_tip_killed_before_our_write_is_charged_once_when_the_form_is_sent_again(
    local_stripe, now, killed_before_recording, django_capture_on_commit_callbacks
):
    from payments.services import tip_create

    at(local_stripe, now)
    booking, _, when = completed_lesson(local_stripe, now=now)
    survive = killed_before_recording(LedgerKind.TIP)
    with pytest.raises(SystemExit):
        tip_create(booking=booking, student=booking.student, amount_cents=1500, now=when, idempotency_key="form-1")
    assert not Payment.objects.filter(kind="tip").exists()
    survive()
    with django_capture_on_commit_callbacks(execute=True):
        tip = tip_create(
            booking=booking, student=booking.student, amount_cents=1500, now=when, idempotency_key="form-1"
        )
    tips = [i for i in stripe_client.call("payment_intents", "list", params={"limit": 100}).data if i.amount == 1500]
    assert [(i.status, i.amount_received) for i in tips] == [("succeeded", 1500)]
    tip.refresh_from_db()
    assert (tip.captured_cents, tip.transferred_cents) == (1500, 1500)


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_racing_capture_and_transfer_each_lesson_once(local_stripe, now):
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    bookings = [
        book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(days=3, hours=hour), now=now)[0]
        for hour in (0, 2, 4)
    ]
    payments_run_due(now=at(local_stripe, bookings[-1].lesson_starts_at - timedelta(hours=24)))
    bookings_complete_finished(now=at(local_stripe, bookings[-1].lesson_ends_at + timedelta(minutes=1)))
    when = at(local_stripe, bookings[-1].lesson_ends_at + timedelta(hours=24))
    results, errors = race(lambda: payments_run_due(now=when))
    assert errors == []
    assert sum(result["captured"] for result in results) == 3
    assert sum(result["transferred"] for result in results) == 3
    assert (
        sorted(Payment.objects.values_list("status", "captured_cents", "transferred_cents"))
        == [("captured", 10080, 7650)] * 3
    )
    assert _transfers() == [7650] * 3
    intents = stripe_client.call("payment_intents", "list", params={"limit": 100}).data
    assert sorted((i.status, i.amount_received) for i in intents) == [("succeeded", 10080)] * 3
    assert (
        LedgerEntry.objects.filter(kind="capture").count() == LedgerEntry.objects.filter(kind="transfer").count() == 3
    )


@pytest.mark.django_db
def test_a_replayed_webhook_with_an_old_timestamp_is_refused_and_changes_nothing(client, local_stripe, now, settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    account = offer.instructor.connect_account
    local_stripe.account_action(account.account_id, "restrict")
    event = server_events("account.updated", account.account_id)[-1]
    # Correctly signed, but six minutes old: someone replaying a captured request.
    stale = post_event(client, event, timestamp=int(time.time()) - 360)
    assert stale.status_code == 400 and stale.content == b"Invalid signature."
    assert not WebhookEvent.objects.exists()
    account.refresh_from_db()
    assert account.can_receive_money is True
    # The same event signed just now is accepted.
    assert post_event(client, event, timestamp=int(time.time())).status_code == 200
    account.refresh_from_db()
    assert account.can_receive_money is False
