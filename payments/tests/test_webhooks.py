from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.tests.factories import staff
from bookings.services import bookings_complete_finished
from notifications.models import OutboundMessage
from payments import stripe_client
from payments.models import ConnectAccount, Dispute, LedgerEntry, Payment, PaymentStatus, WebhookEvent
from payments.services.lifecycle import payments_run_due
from payments.tests.helpers import WEBHOOK_SECRET as SECRET
from payments.tests.helpers import at, book_and_pay, instructor_offer, ledger, post_event, server_events

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = SECRET


def test_forged_signature_is_rejected_and_changes_nothing(client, local_stripe, now):
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    account = offer.instructor.connect_account
    local_stripe.account_action(account.account_id, "restrict")
    event = server_events("account.updated", account.account_id)[-1]
    response = post_event(client, event, timestamp=int(now.timestamp()), secret="whsec_forged")
    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0
    account.refresh_from_db()
    assert account.can_receive_money is True
    # No signature at all, and a body that is not an event, are refused too.
    assert client.post(reverse("payments_stripe_webhook"), "{}", content_type="application/json").status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_account_updated_restricts_and_captures_wait_until_restored(client, local_stripe, now):
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    starts = now + timedelta(hours=5)
    booking, payment = book_and_pay(local_stripe, offer=offer, starts_at=starts, now=now)
    assert payment.status == PaymentStatus.AUTHORIZED
    account = offer.instructor.connect_account
    local_stripe.account_action(account.account_id, "restrict")
    event = server_events("account.updated", account.account_id)[-1]
    assert post_event(client, event, timestamp=int(now.timestamp())).status_code == 200
    # The same event again (Stripe retries) is stored once and handled once.
    assert post_event(client, event, timestamp=int(now.timestamp())).status_code == 200
    assert WebhookEvent.objects.filter(event_id=event["id"]).count() == 1
    assert WebhookEvent.objects.get(event_id=event["id"]).status == WebhookEvent.Status.PROCESSED
    account = ConnectAccount.objects.get(pk=account.pk)
    assert account.can_receive_money is False

    bookings_complete_finished(now=at(local_stripe, booking.lesson_ends_at + timedelta(minutes=1)))
    later = at(local_stripe, booking.lesson_ends_at + timedelta(hours=24))
    assert payments_run_due(now=later)["captured"] == 0
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.AUTHORIZED
    from payments.services.lifecycle import payments_waiting_for_account

    assert list(payments_waiting_for_account()) == [payment]

    local_stripe.account_action(account.account_id, "restore")
    restored = server_events("account.updated", account.account_id)[-1]
    assert post_event(client, restored, timestamp=int(later.timestamp())).status_code == 200
    assert payments_run_due(now=later)["captured"] == 1
    payment.refresh_from_db()
    assert (payment.status, payment.captured_cents, payment.transferred_cents) == ("captured", 10080, 7650)


def test_dispute_holds_the_instructors_money_out_of_payouts_alerts_staff_and_is_booked(
    client, staff_client, local_stripe, now, django_capture_on_commit_callbacks
):
    """The lesson was charged and the instructor paid the day after; then the student's bank opens
    a dispute. The money stays in the instructor's account, held out of payouts, until it is won."""
    from payments.services import instant_payout_create
    from payments.services.payouts import payouts_standard_due
    from payments.tests.helpers import assert_reconciled, completed_lesson

    at(local_stripe, now)
    boss = staff()
    _, payment, when = completed_lesson(local_stripe, now=now)
    assert (payment.status, payment.transferred_cents) == (PaymentStatus.CAPTURED, 7650)
    instructor = payment.instructor
    dispute = local_stripe.open_dispute(payment.charge_id, amount=10080, reason="fraudulent")
    events = server_events("charge.dispute.*")
    # Out of order and duplicated: funds_withdrawn before created, each twice.
    with django_capture_on_commit_callbacks(execute=True):
        _deliver_shuffled_twice(client, events, when)
    payment.refresh_from_db()
    assert payment.payout_held is True
    assert Dispute.objects.get().amount_cents == 10080
    alert = OutboundMessage.objects.get(to=boss.email, subject__startswith="Dispute opened")
    admin_page = reverse("admin:payments_payment_change", args=[payment.pk])
    assert admin_page in alert.body
    # Staff see it on the payment's admin page and in the disputes list.
    staff_page = staff_client.get(admin_page).content.decode()
    assert dispute["id"] in staff_page and f"<p>{Dispute.objects.get().status}</p>" in staff_page
    assert dispute["id"] in staff_client.get(reverse("admin:payments_dispute_changelist")).content.decode()

    # Two days on, the 7650 is available in the instructor's account, but held: no payout of it.
    payday = at(local_stripe, when + timedelta(days=2))
    account = instructor.connect_account.account_id
    assert stripe_client.call("balance", "retrieve", account=account).available[0].amount == 7650
    assert payouts_standard_due(now=payday) == 0
    with pytest.raises(ValidationError, match="nothing to pay out"):
        instant_payout_create(instructor=instructor, now=payday, idempotency_key="during-dispute")
    assert stripe_client.call("payouts", "list", account=account).data == []
    client.force_login(instructor.user)
    assert "on hold" in client.get(reverse("payments_earnings")).content.decode()

    local_stripe.close_dispute(dispute["id"], "won")
    _deliver_shuffled_twice(client, server_events("charge.dispute.closed"), payday)
    payment.refresh_from_db()
    assert payment.payout_held is False
    assert payouts_standard_due(now=payday) == 1
    assert [(p.amount, p.method) for p in stripe_client.call("payouts", "list", account=account).data] == [
        (7650, "standard")
    ]
    assert ledger(payment) == [
        ("authorization", 10080),
        ("capture", 10080),
        ("transfer", 7650),
        ("dispute", 10080),
        ("dispute_won", 10080),
    ]
    assert LedgerEntry.objects.filter(kind="dispute").count() == 1
    assert_reconciled()


def test_a_dispute_opened_before_the_instructor_is_paid_holds_the_transfer_until_won(
    client, local_stripe, now, django_capture_on_commit_callbacks
):
    """Captured while the booking was in review (its authorization was lapsing), so the transfer
    waits for staff; a dispute opened meanwhile holds it even after staff resolve the problem."""
    from bookings.models import ProblemReport
    from bookings.services import problem_resolve
    from payments.tests.helpers import assert_reconciled, lesson_in_review

    booking, payment, report = lesson_in_review(
        local_stripe,
        now=now,
        kind=ProblemReport.Kind.INSTRUCTOR_NO_SHOW,
        details="Nobody came",
        reported_after=timedelta(minutes=30),
    )
    lapsing = at(local_stripe, payment.capture_before - timedelta(minutes=30))
    assert payments_run_due(now=lapsing)["captured"] == 1
    payment.refresh_from_db()
    assert (payment.status, payment.transfer_due_at, payment.transferred_cents) == ("captured", None, 0)
    dispute = local_stripe.open_dispute(payment.charge_id, amount=10080, reason="product_not_received")
    _deliver_shuffled_twice(client, server_events("charge.dispute.*"), lapsing)
    with django_capture_on_commit_callbacks(execute=True):
        problem_resolve(report=report, staff_user=staff(), resolution="completed", now=lapsing)
    payment.refresh_from_db()
    assert (payment.payout_held, payment.transferred_cents) == (True, 0)
    assert payments_run_due(now=lapsing)["transferred"] == 0  # held
    local_stripe.close_dispute(dispute["id"], "won")
    _deliver_shuffled_twice(client, server_events("charge.dispute.closed"), lapsing)
    assert payments_run_due(now=lapsing)["transferred"] == 1
    payment.refresh_from_db()
    assert payment.transferred_cents == 7650
    assert [kind for kind, _ in ledger(payment)][-3:] == ["dispute", "dispute_won", "transfer"]
    assert_reconciled()


def _deliver_shuffled_twice(client, events, when) -> None:
    """Every event twice, newest first: duplicates and out-of-order delivery at once."""
    for event in reversed(events + events):
        assert post_event(client, event, timestamp=int(when.timestamp())).status_code == 200


def test_dashboard_refund_and_reversal_reach_the_ledger_once(client, local_stripe, now):
    from payments.tests.helpers import assert_reconciled, completed_lesson

    at(local_stripe, now)
    booking, payment, when = completed_lesson(local_stripe, now=now)
    refund = stripe_client.call("refunds", "create", params={"charge": payment.charge_id, "amount": 500})
    transfer = stripe_client.call(
        "transfers", "list", params={"destination": booking.instructor.connect_account.account_id}
    ).data[0]
    reversal = stripe_client.call("transfers", "reversals.create", transfer.id, params={"amount": 250})
    _deliver_shuffled_twice(client, server_events("charge.refunded") + server_events("transfer.*"), when)
    payment.refresh_from_db()
    assert payment.refunded_cents == 500
    assert sorted(ledger(payment)[-2:]) == [("refund", 500), ("reversal", 250)]
    assert LedgerEntry.objects.get(kind="refund").provider_id == refund.id
    assert LedgerEntry.objects.get(kind="reversal").provider_id == reversal.id
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {WebhookEvent.Status.PROCESSED}
    assert_reconciled()


def test_an_authorization_that_lapses_on_stripe_goes_back_to_be_authorized_again(client, local_stripe, now):
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    booking, payment = book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(hours=5), now=now)
    lapsed = at(local_stripe, payment.capture_before + timedelta(minutes=1))
    intent_id = payment.payment_intent_id
    assert stripe_client.call("payment_intents", "retrieve", intent_id).cancellation_reason == "automatic"
    _deliver_shuffled_twice(client, server_events("payment_intent.*"), lapsed)
    payment.refresh_from_db()
    # Due at once (the webhook's receipt time): the next sweep authorizes again.
    assert (payment.status, payment.payment_intent_id, payment.capture_before) == ("card_saved", "", None)
    assert payment.authorize_due_at is not None
    assert ledger(payment) == [("authorization", 10080), ("release", 10080)]
    assert LedgerEntry.objects.get(kind="release").provider_id == intent_id


def test_a_failed_setup_intent_is_noted_on_the_payment_once(client, local_stripe, now):
    from payments.services import checkout_prepare
    from payments.tests.helpers import browser_confirms, start_booking

    at(local_stripe, now)
    booking = start_booking(offer=instructor_offer(local_stripe, now=now), starts_at=now + timedelta(days=3), now=now)
    step = checkout_prepare(booking=booking, user=booking.student, now=now)
    browser_confirms(step, "pm_card_chargeDeclinedLostCard")
    events = server_events("setup_intent.*")
    assert "setup_intent.setup_failed" in [event["type"] for event in events]
    _deliver_shuffled_twice(client, events, now)
    payment = Payment.objects.get(booking=booking)
    assert (payment.status, payment.last_error) == ("awaiting_card", "Your card was declined.")
    assert WebhookEvent.objects.filter(type="setup_intent.setup_failed").count() == 1
    assert not LedgerEntry.objects.exists()


def test_a_lost_dispute_takes_the_held_share_back_from_the_instructor(
    client, local_stripe, now, django_capture_on_commit_callbacks
):
    from payments.models import InstructorDebt
    from payments.selectors import ledger_balances
    from payments.services.payouts import payouts_standard_due
    from payments.tests.helpers import assert_reconciled, completed_lesson

    at(local_stripe, now)
    staff()
    _, payment, when = completed_lesson(local_stripe, now=now)
    account = payment.instructor.connect_account.account_id
    dispute = local_stripe.open_dispute(payment.charge_id, amount=10080, reason="product_not_received")
    local_stripe.close_dispute(dispute["id"], "lost")
    with django_capture_on_commit_callbacks(execute=True):
        _deliver_shuffled_twice(client, server_events("charge.dispute.*"), when)
    payment.refresh_from_db()
    assert Dispute.objects.get().status == "lost" and payment.take_back_due_at is not None
    # The held 7650 is still in the instructor's account: reversed in full, no debt.
    assert payments_run_due(now=when)["taken_back"] == 1
    assert payments_run_due(now=when)["taken_back"] == 0
    payment.refresh_from_db()
    assert (payment.instructor_share_cents, payment.transferred_cents, payment.payout_held) == (0, 0, False)
    assert ledger(payment)[-3:] == [("dispute", 10080), ("dispute_lost", 10080), ("reversal", 7650)]
    transfer = stripe_client.call("transfers", "list", params={"destination": account}).data[0]
    assert (transfer.amount, transfer.amount_reversed) == (7650, 7650)
    assert not InstructorDebt.objects.exists()
    assert ledger_balances(instructor=payment.instructor).to_instructor_cents == 0
    assert payouts_standard_due(now=at(local_stripe, when + timedelta(days=2))) == 0
    assert_reconciled()


def test_a_dispute_lost_after_an_instant_payout_leaves_a_debt_recovered_from_the_next_lesson(
    client, local_stripe, now, django_capture_on_commit_callbacks
):
    from payments.models import InstructorDebt
    from payments.services import instant_payout_create
    from payments.tests.helpers import assert_reconciled, completed_lesson

    at(local_stripe, now)
    staff()
    offer = instructor_offer(local_stripe, now=now)
    _, payment, when = completed_lesson(local_stripe, now=now, offer=offer)
    # Paid out at once, before any dispute: 7650 less the 2% fee leaves the account empty.
    instant_payout_create(instructor=offer.instructor, now=when, idempotency_key="right-away")
    dispute = local_stripe.open_dispute(payment.charge_id, amount=10080, reason="product_not_received")
    local_stripe.close_dispute(dispute["id"], "lost")
    with django_capture_on_commit_callbacks(execute=True):
        _deliver_shuffled_twice(client, server_events("charge.dispute.*"), when)
    payments_run_due(now=when)
    payment.refresh_from_db()
    assert (payment.instructor_share_cents, payment.transferred_cents, payment.payout_held) == (0, 0, False)
    assert ledger(payment)[-3:] == [("dispute", 10080), ("dispute_lost", 10080), ("debt", 7650)]
    debt = InstructorDebt.objects.get()
    assert (debt.amount_cents, debt.recovered_cents) == (7650, 0)
    _, second, _ = completed_lesson(local_stripe, now=at(local_stripe, when + timedelta(hours=1)), offer=offer)
    debt.refresh_from_db()
    assert debt.recovered_cents == 7650 and ledger(second)[-1] == ("debt_recovered", 7650)
    assert_reconciled()


def test_a_failing_handler_records_its_error_undoes_its_writes_and_the_retry_processes_it(
    client, local_stripe, now, monkeypatch
):
    from payments.services import webhooks

    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    account = offer.instructor.connect_account
    local_stripe.account_action(account.account_id, "restrict")
    event = server_events("account.updated", account.account_id)[-1]

    def writes_then_fails(data, *, event, now):
        webhooks.on_account_updated(data, event=event, now=now)
        raise RuntimeError("database hiccup")

    monkeypatch.setitem(webhooks.HANDLERS, "account.updated", writes_then_fails)
    response = post_event(client, event, timestamp=int(now.timestamp()))
    # A 500 makes Stripe deliver the event again later.
    assert response.status_code == 500
    stored = WebhookEvent.objects.get(event_id=event["id"])
    assert (stored.status, stored.error, stored.attempts, stored.processed_at) == (
        WebhookEvent.Status.FAILED,
        "RuntimeError: database hiccup",
        1,
        None,
    )
    account.refresh_from_db()
    assert account.can_receive_money is True  # the handler's write was rolled back

    monkeypatch.undo()
    assert post_event(client, event, timestamp=int(now.timestamp())).status_code == 200
    stored.refresh_from_db()
    assert (stored.status, stored.error, stored.attempts) == (WebhookEvent.Status.PROCESSED, "", 2)
    assert stored.processed_at is not None
    account.refresh_from_db()
    assert account.can_receive_money is False
    assert WebhookEvent.objects.count() == 1


def test_the_webhook_answers_without_calling_stripe(client, local_stripe, now, settings):
    """Handlers read only the event and our rows: with the Stripe server unreachable, an event is
    still handled and answered at once (Stripe waits a few seconds at most)."""
    import time

    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    account = offer.instructor.connect_account
    local_stripe.account_action(account.account_id, "restrict")
    event = server_events("account.updated", account.account_id)[-1]
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    started = time.monotonic()
    response = post_event(client, event, timestamp=int(now.timestamp()))
    elapsed = time.monotonic() - started
    assert response.status_code == 200 and response.content == b"ok"
    assert WebhookEvent.objects.get(event_id=event["id"]).status == WebhookEvent.Status.PROCESSED
    account.refresh_from_db()
    assert account.can_receive_money is False
    assert elapsed < 2, elapsed
