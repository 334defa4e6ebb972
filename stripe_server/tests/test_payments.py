"""Saving a card, off-session manual capture, capture windows, cancellation and refunds."""

from __future__ import annotations

import pytest
import stripe

from .conftest import off_session_payment

DAY = 86400


def authorize(customer, setup, amount=10000, **extra):
    return off_session_payment(customer, setup, amount, capture_method="manual", **extra)


def test_setup_then_off_session_authorization_then_partial_capture(customer_with_card):
    customer, setup = customer_with_card()
    assert setup.status == "succeeded"
    assert stripe.PaymentMethod.retrieve(setup.payment_method).customer == customer.id
    stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": setup.payment_method})
    assert stripe.Customer.retrieve(customer.id).invoice_settings.default_payment_method == setup.payment_method

    intent = authorize(customer, setup, expand=["latest_charge"])
    assert (intent.status, intent.amount_capturable, intent.amount_received) == ("requires_capture", 10000, 0)
    charge = intent.latest_charge
    assert charge.captured is False
    assert charge.payment_method_details.card.capture_before == charge.created + 7 * DAY

    captured = stripe.PaymentIntent.capture(intent.id, amount_to_capture=6000, expand=["latest_charge"])
    assert (captured.status, captured.amount_received, captured.amount_capturable) == ("succeeded", 6000, 0)
    assert captured.latest_charge.amount_captured == 6000
    # The uncaptured remainder is released, which Stripe reports as refunded on the charge.
    assert captured.latest_charge.amount_refunded == 4000
    assert captured.latest_charge.refunded is False


def test_capture_more_than_authorized_is_refused(customer_with_card):
    customer, setup = customer_with_card()
    intent = authorize(customer, setup, amount=5000)
    with pytest.raises(stripe.error.InvalidRequestError) as raised:
        stripe.PaymentIntent.capture(intent.id, amount_to_capture=5001)
    assert raised.value.param == "amount_to_capture"
    assert stripe.PaymentIntent.retrieve(intent.id).status == "requires_capture"


def test_capture_twice_is_an_unexpected_state(customer_with_card):
    customer, setup = customer_with_card()
    intent = authorize(customer, setup)
    stripe.PaymentIntent.capture(intent.id)
    with pytest.raises(stripe.error.InvalidRequestError) as raised:
        stripe.PaymentIntent.capture(intent.id)
    assert raised.value.code == "payment_intent_unexpected_state"


def test_cancel_releases_the_authorization(customer_with_card):
    customer, setup = customer_with_card()
    intent = authorize(customer, setup)
    canceled = stripe.PaymentIntent.cancel(intent.id, cancellation_reason="requested_by_customer")
    assert (canceled.status, canceled.cancellation_reason) == ("canceled", "requested_by_customer")
    charge = stripe.Charge.retrieve(canceled.latest_charge)
    assert (charge.captured, charge.amount_refunded, charge.refunded) == (False, 10000, True)


def test_authorization_lapses_at_capture_before(fresh, customer_with_card):
    fresh.set_clock(1_900_000_000)
    customer, setup = customer_with_card()
    intent = authorize(customer, setup, expand=["latest_charge"])
    assert intent.created == 1_900_000_000
    assert intent.latest_charge.payment_method_details.card.capture_before == 1_900_000_000 + 7 * DAY
    fresh.advance(7 * DAY - 1)
    assert stripe.PaymentIntent.retrieve(intent.id).status == "requires_capture"
    fresh.advance(1)
    lapsed = stripe.PaymentIntent.retrieve(intent.id)
    assert (lapsed.status, lapsed.cancellation_reason) == ("canceled", "automatic")


def test_refunds_partial_then_rest_and_never_more(customer_with_card):
    customer, setup = customer_with_card()
    intent = stripe.PaymentIntent.create(
        amount=3000,
        currency="usd",
        customer=customer.id,
        payment_method=setup.payment_method,
        confirm=True,
        off_session=True,
    )
    first = stripe.Refund.create(payment_intent=intent.id, amount=1000, reason="requested_by_customer")
    assert (first.status, first.amount, first.charge) == ("succeeded", 1000, intent.latest_charge)
    with pytest.raises(stripe.error.InvalidRequestError) as raised:
        stripe.Refund.create(charge=intent.latest_charge, amount=2001)
    assert (raised.value.code, raised.value.param) == ("amount_too_large", "amount")
    rest = stripe.Refund.create(charge=intent.latest_charge)
    assert rest.amount == 2000
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (3000, True)
    with pytest.raises(stripe.error.InvalidRequestError):
        stripe.Refund.create(charge=intent.latest_charge, amount=1)
    assert [r.amount for r in stripe.Refund.list(charge=intent.latest_charge)] == [2000, 1000]


def test_refund_after_partial_capture_is_limited_to_captured_amount(customer_with_card):
    customer, setup = customer_with_card()
    intent = authorize(customer, setup, amount=5000)
    stripe.PaymentIntent.capture(intent.id, amount_to_capture=2000)
    with pytest.raises(stripe.error.InvalidRequestError):
        stripe.Refund.create(payment_intent=intent.id, amount=2001)
    assert stripe.Refund.create(payment_intent=intent.id).amount == 2000


def test_payment_methods_list_detach_and_customer_delete(customer_with_card):
    customer, setup = customer_with_card()
    stripe.PaymentMethod.attach("pm_card_mastercard", customer=customer.id)
    methods = stripe.PaymentMethod.list(customer=customer.id, type="card")
    assert sorted(m.card.brand for m in methods) == ["mastercard", "visa"]
    stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": setup.payment_method})
    detached = stripe.PaymentMethod.detach(setup.payment_method)
    assert detached.customer is None
    assert stripe.Customer.retrieve(customer.id).invoice_settings.default_payment_method is None
    assert len(stripe.Customer.list_payment_methods(customer.id).data) == 1
    assert stripe.Customer.delete(customer.id).deleted is True
    with pytest.raises(stripe.error.InvalidRequestError) as raised:
        stripe.Customer.modify(customer.id, name="x")
    assert raised.value.http_status == 404


def test_on_session_payment_with_setup_future_usage_saves_the_card():
    customer = stripe.Customer.create()
    intent = stripe.PaymentIntent.create(
        amount=1500,
        currency="usd",
        customer=customer.id,
        payment_method="pm_card_visa",
        confirm=True,
        setup_future_usage="off_session",
    )
    assert stripe.PaymentMethod.retrieve(intent.payment_method).customer == customer.id


def test_confirm_later_and_update_amount():
    intent = stripe.PaymentIntent.create(amount=1500, currency="usd", capture_method="manual")
    assert intent.status == "requires_payment_method"
    intent = stripe.PaymentIntent.modify(intent.id, amount=1800, metadata={"booking": "42"})
    confirmed = stripe.PaymentIntent.confirm(intent.id, payment_method="pm_card_visa")
    assert (confirmed.status, confirmed.amount_capturable, confirmed.metadata["booking"]) == (
        "requires_capture",
        1800,
        "42",
    )
    assert stripe.PaymentIntent.list(limit=1).data[0].id == intent.id
