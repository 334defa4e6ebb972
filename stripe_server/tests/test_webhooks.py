"""Signed webhooks: verification with a pinned clock, retries with backoff, shuffle and duplicates."""

from __future__ import annotations

import time

import pytest
import stripe

from stripe_server.tests.conftest import Receiver

DAY = 86400


def payment():
    return stripe.PaymentIntent.create(amount=2000, currency="usd", payment_method="pm_card_visa", confirm=True)


def test_events_are_signed_and_verify_with_the_clock_days_ahead(fresh, receiver):
    fresh.set_clock(int(time.time()) + 3 * DAY)
    intent = payment()
    assert fresh.flush_webhooks()
    types = [r["event"]["type"] for r in receiver.requests]
    assert types == ["payment_intent.created", "charge.succeeded", "payment_intent.succeeded"]
    for request in receiver.requests:
        assert request["signature"].startswith(f"t={fresh.clock()},v1=")
        # SDK 16.1 only refuses timestamps older than the tolerance, so a clock ahead verifies as is.
        event = stripe.Webhook.construct_event(request["body"], request["signature"], receiver.secret)
        assert event.data.object.id in (intent.id, intent.latest_charge)
    assert stripe.Event.retrieve(receiver.requests[0]["event"]["id"]).type == "payment_intent.created"


def test_clock_in_the_past_needs_tolerance_none(fresh, receiver):
    fresh.set_clock(int(time.time()) - 10 * DAY)
    payment()
    fresh.flush_webhooks()
    request = receiver.requests[0]
    with pytest.raises(stripe.error.SignatureVerificationError):
        stripe.Webhook.construct_event(request["body"], request["signature"], receiver.secret)
    assert stripe.WebhookSignature.verify_header(request["body"], request["signature"], receiver.secret, tolerance=None)
    with pytest.raises(stripe.error.SignatureVerificationError):
        stripe.WebhookSignature.verify_header(request["body"], request["signature"], "whsec_wrong", tolerance=None)


def test_failed_deliveries_are_retried_with_backoff(fresh, receiver):
    receiver.planned = [500, 503]
    stripe.Customer.create(email="retry@example.com")
    assert fresh.flush_webhooks()
    attempts = [r for r in receiver.requests if r["event"]["type"] == "customer.created"]
    assert [r["status"] for r in attempts] == [500, 503, 200]
    gaps = [b["at"] - a["at"] for a, b in zip(attempts, attempts[1:], strict=False)]
    # Backoff doubles: at least 0.2 s, then at least 0.4 s (upper bounds only catch a stuck queue).
    assert 0.18 <= gaps[0] < 5 and 0.38 <= gaps[1] < 5 and gaps[1] > gaps[0]
    recorded = fresh.deliveries(type="customer.created")
    assert [(d["attempt"], d["status"], d["succeeded"]) for d in recorded] == [
        (1, 500, False),
        (2, 503, False),
        (3, 200, True),
    ]


def test_unreachable_receiver_gives_up_after_max_attempts(fresh):
    fresh.configure_webhooks(max_attempts=3, retry_base_seconds=0.05)
    stripe.WebhookEndpoint.create(url="http://127.0.0.1:9/unreachable", enabled_events=["customer.created"])
    stripe.Customer.create()
    assert fresh.flush_webhooks()
    recorded = fresh.deliveries()
    assert [d["attempt"] for d in recorded] == [1, 2, 3]
    assert all(d["status"] is None and d["error"] for d in recorded)


def test_a_reset_forgets_added_receivers_and_restores_the_retry_settings(fresh):
    """Test fixtures add their receiver through /_local/webhooks/config for each test: after a
    reset it must be gone, or the tenth test gets every event ten times."""
    hook = Receiver()
    try:
        defaults = fresh.configure_webhooks()
        fresh.configure_webhooks(url=hook.url, secret="whsec_a")
        fresh.configure_webhooks(url=hook.url, secret="whsec_b")  # the same URL again replaces it
        assert fresh.configure_webhooks(max_attempts=1, retry_base_seconds=0.01)["max_attempts"] == 1
        fresh.reset()
        assert fresh.configure_webhooks() == defaults
        stripe.Customer.create()
        assert fresh.flush_webhooks()
        assert hook.requests == []  # forgotten by the reset
        fresh.configure_webhooks(url=hook.url, secret="whsec_c")
        fresh.configure_webhooks(url=hook.url, secret="whsec_c")
        customer = stripe.Customer.create()
        assert fresh.flush_webhooks()
        created = [r for r in hook.requests if r["event"]["type"] == "customer.created"]
        assert [r["event"]["data"]["object"]["id"] for r in created] == [customer.id]
        stripe.Webhook.construct_event(created[0]["body"], created[0]["signature"], "whsec_c")
    finally:
        hook.close()


def test_enabled_events_filter_and_connect_endpoints(fresh, receiver, connected_account):
    """Endpoints on their own receivers get exactly the event types they enabled, platform events
    on a platform endpoint and a connected account's on a Connect endpoint."""
    payouts_hook, customers_hook = Receiver(), Receiver()
    try:
        only_payouts = stripe.WebhookEndpoint.create(url=payouts_hook.url, enabled_events=["payout.paid"], connect=True)
        assert only_payouts.enabled_events == ["payout.paid"]
        only_customers = stripe.WebhookEndpoint.create(url=customers_hook.url, enabled_events=["customer.created"])
        account = connected_account()
        customer = stripe.Customer.create()
        payment()
        fresh.topup(3000)
        stripe.Transfer.create(amount=3000, currency="usd", destination=account.id)
        payout = stripe.Payout.create(amount=1000, currency="usd", method="instant", stripe_account=account.id)
        stripe.Customer.retrieve(customer.id)  # a request after the payout: it is paid by then
        assert fresh.flush_webhooks()
        assert [(r["event"]["type"], r["event"]["data"]["object"]["id"]) for r in payouts_hook.requests] == [
            ("payout.paid", payout.id)
        ]
        stripe.Webhook.construct_event(
            payouts_hook.requests[0]["body"], payouts_hook.requests[0]["signature"], only_payouts.secret
        )
        assert [(r["event"]["type"], r["event"]["data"]["object"]["id"]) for r in customers_hook.requests] == [
            ("customer.created", customer.id)
        ]
        # The catch-all receiver got the rest, account.updated on its Connect endpoint with its secret.
        types = {r["event"]["type"] for r in receiver.requests}
        assert {"payout.created", "payout.paid", "transfer.created", "payment_intent.succeeded"} <= types
        updated = [r for r in receiver.requests if r["event"]["type"] == "account.updated"]
        assert len(updated) == 1 and updated[0]["event"]["account"] == account.id
        stripe.Webhook.construct_event(updated[0]["body"], updated[0]["signature"], receiver.connect_secret)
        assert [e.id for e in stripe.WebhookEndpoint.list().data][:2] == [only_customers.id, only_payouts.id]
        assert stripe.WebhookEndpoint.delete(only_payouts.id).deleted is True
    finally:
        payouts_hook.close()
        customers_hook.close()


def test_duplicate_and_shuffle_switches(fresh, receiver):
    fresh.configure_webhooks(duplicate=True)
    stripe.Customer.create()
    fresh.flush_webhooks()
    ids = [r["event"]["id"] for r in receiver.requests if r["event"]["type"] == "customer.created"]
    assert len(ids) == 2 and ids[0] == ids[1]

    fresh.configure_webhooks(duplicate=False, shuffle=True)
    receiver.requests.clear()
    orders = set()
    for _ in range(12):
        receiver.requests.clear()
        payment()
        fresh.flush_webhooks()
        orders.add(tuple(r["event"]["type"] for r in receiver.requests))
        if len(orders) > 1:
            break
    assert len(orders) > 1  # some run arrived in a different order
    assert all(len(order) == len(set(order)) for order in orders)


def test_event_types_the_project_handles(fresh, receiver, server):
    customer = stripe.Customer.create()
    setup = stripe.SetupIntent.create(customer=customer.id, payment_method="pm_card_visa", confirm=True)
    intent = stripe.PaymentIntent.create(
        amount=3000,
        currency="usd",
        customer=customer.id,
        payment_method=setup.payment_method,
        confirm=True,
        capture_method="manual",
    )
    stripe.PaymentIntent.capture(intent.id)
    stripe.Refund.create(payment_intent=intent.id, amount=100)
    server.open_dispute(intent.latest_charge)
    with pytest.raises(stripe.error.CardError):
        stripe.PaymentIntent.create(amount=3000, currency="usd", payment_method="pm_card_chargeDeclined", confirm=True)
    stripe.PaymentIntent.cancel(stripe.PaymentIntent.create(amount=3000, currency="usd").id)
    fresh.flush_webhooks()
    types = {r["event"]["type"] for r in receiver.requests}
    expected = {
        "setup_intent.succeeded",
        "payment_intent.created",
        "payment_intent.amount_capturable_updated",
        "charge.succeeded",
        "charge.captured",
        "payment_intent.succeeded",
        "charge.refunded",
        "charge.dispute.created",
        "charge.failed",
        "payment_intent.payment_failed",
        "payment_intent.canceled",
    }
    assert expected <= types


def test_connect_dispute_identity_and_setup_events_are_delivered_signed(fresh, receiver, connected_account):
    """The remaining event families the project handles: transfer.*, payout.*, account.updated,
    charge.dispute.closed, setup_intent.setup_failed and identity.verification_session.*."""
    account = connected_account()
    fresh.topup(5000)
    transfer = stripe.Transfer.create(amount=3000, currency="usd", destination=account.id)
    stripe.Transfer.create_reversal(transfer.id, amount=500)
    payout = stripe.Payout.create(amount=1000, currency="usd", stripe_account=account.id)
    fresh.fail_payout(payout.id)
    stripe.Payout.create(amount=1000, currency="usd", method="instant", stripe_account=account.id)
    dispute = fresh.open_dispute(payment().latest_charge)
    fresh.close_dispute(dispute["id"], "won")
    with pytest.raises(stripe.error.CardError):
        stripe.SetupIntent.create(payment_method="pm_card_chargeDeclined", confirm=True)
    session = stripe.identity.VerificationSession.create(type="document")
    fresh.decide_identity(session.id, "verified")
    assert fresh.flush_webhooks()
    delivered = {}
    for request in receiver.requests:
        delivered.setdefault(request["event"]["type"], request)
    for event_type in (
        "account.updated",
        "transfer.created",
        "transfer.reversed",
        "payout.created",
        "payout.failed",
        "payout.paid",
        "charge.dispute.created",
        "charge.dispute.closed",
        "setup_intent.setup_failed",
        "identity.verification_session.created",
        "identity.verification_session.verified",
    ):
        assert event_type in delivered, event_type
        request = delivered[event_type]
        secret = receiver.connect_secret if request["event"].get("account") else receiver.secret
        assert stripe.Webhook.construct_event(request["body"], request["signature"], secret).type == event_type
    assert delivered["payout.failed"]["event"]["account"] == account.id
