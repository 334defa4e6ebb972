"""Stripe's test cards behave as Stripe documents them."""

from __future__ import annotations

import pytest
import stripe


def pay(card: str, **extra):
    return stripe.PaymentIntent.create(amount=2000, currency="usd", payment_method=card, confirm=True, **extra)


def test_visa_succeeds_and_captures_automatically():
    intent = pay("pm_card_visa", expand=["latest_charge", "payment_method"])
    assert intent.status == "succeeded"
    assert intent.amount_received == 2000
    assert intent.latest_charge.captured is True
    assert intent.latest_charge.amount_captured == 2000
    assert intent.payment_method.card.last4 == "4242"


@pytest.mark.parametrize(
    ("card", "code", "decline_code", "message"),
    [
        ("pm_card_chargeDeclined", "card_declined", "generic_decline", "Your card was declined."),
        (
            "pm_card_chargeDeclinedInsufficientFunds",
            "card_declined",
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card", "Your card has expired."),
    ],
)
def test_declines(card, code, decline_code, message):
    with pytest.raises(stripe.error.CardError) as raised:
        pay(card)
    error = raised.value
    assert error.http_status == 402
    assert (error.code, error.error.decline_code, error.user_message) == (code, decline_code, message)
    intent = error.error.payment_intent
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.code == code
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert (charge.status, charge.paid, charge.failure_code) == ("failed", False, code)


def test_card_numbers_entered_directly_behave_like_their_shortcuts():
    method = stripe.PaymentMethod.create(
        type="card", card={"number": "4000000000009995", "exp_month": 12, "exp_year": 2040, "cvc": "123"}
    )
    with pytest.raises(stripe.error.CardError) as raised:
        pay(method.id)
    assert raised.value.error.decline_code == "insufficient_funds"


def test_invalid_number_is_a_card_error_on_the_number():
    with pytest.raises(stripe.error.CardError) as raised:
        stripe.PaymentMethod.create(type="card", card={"number": "4242424242424241", "exp_month": 1, "exp_year": 2040})
    assert (raised.value.code, raised.value.param) == ("incorrect_number", "card[number]")


def test_declining_cards_cannot_be_attached_but_0341_can_and_then_fails_every_charge():
    customer = stripe.Customer.create()
    with pytest.raises(stripe.error.CardError):
        stripe.PaymentMethod.attach("pm_card_chargeDeclined", customer=customer.id)
    method = stripe.PaymentMethod.attach("pm_card_chargeCustomerFail", customer=customer.id)
    assert method.customer == customer.id
    with pytest.raises(stripe.error.CardError) as raised:
        pay(method.id, customer=customer.id, off_session=True)
    assert raised.value.error.decline_code == "generic_decline"


def test_3184_requires_authentication_on_session_and_then_succeeds():
    intent = pay("pm_card_authenticationRequired")
    assert intent.status == "requires_action"
    assert intent.next_action.type == "use_stripe_sdk"
    with_return = pay("pm_card_authenticationRequired", return_url="http://127.0.0.1:9/back")
    assert with_return.next_action.type == "redirect_to_url"
    assert "/_local/3ds/" in with_return.next_action.redirect_to_url.url


def test_3184_completing_and_failing_authentication(server):
    intent = pay("pm_card_authenticationRequired")
    done = server.authenticate(intent.id, "complete")
    assert done["status"] == "succeeded"
    intent = pay("pm_card_authenticationRequired")
    failed = server.authenticate(intent.id, "fail")
    assert failed["status"] == "requires_payment_method"
    assert failed["last_payment_error"]["code"] == "payment_intent_authentication_failure"


def test_3184_off_session_fails_with_authentication_required_even_after_setup(customer_with_card, server):
    customer, setup = customer_with_card("pm_card_authenticationRequired")
    assert setup.status == "requires_action"
    assert server.authenticate(setup.id)["status"] == "succeeded"
    with pytest.raises(stripe.error.CardError) as raised:
        pay(setup.payment_method, customer=customer.id, off_session=True)
    error = raised.value
    assert (error.code, error.error.decline_code) == ("authentication_required", "authentication_required")
    assert error.error.payment_intent.status == "requires_payment_method"
    assert error.error.payment_intent.id


def test_3155_authenticates_at_setup_only(customer_with_card, server):
    customer, setup = customer_with_card("pm_card_authenticationRequiredOnSetup")
    assert setup.status == "requires_action"
    assert server.authenticate(setup.id)["status"] == "succeeded"
    intent = pay(setup.payment_method, customer=customer.id, off_session=True)
    assert intent.status == "succeeded"


def test_3155_without_setup_needs_authentication_off_session():
    customer = stripe.Customer.create()
    method = stripe.PaymentMethod.attach("pm_card_authenticationRequiredOnSetup", customer=customer.id)
    with pytest.raises(stripe.error.CardError) as raised:
        pay(method.id, customer=customer.id, off_session=True)
    assert raised.value.code == "authentication_required"


def test_setup_with_declining_card_fails_with_setup_intent_in_error():
    customer = stripe.Customer.create()
    with pytest.raises(stripe.error.CardError) as raised:
        stripe.SetupIntent.create(customer=customer.id, payment_method="pm_card_chargeDeclined", confirm=True)
    assert raised.value.error.setup_intent.status == "requires_payment_method"
    assert raised.value.error.setup_intent.last_setup_error.decline_code == "generic_decline"


@pytest.mark.parametrize(
    ("card", "decline_code"),
    [("pm_card_chargeDeclinedLostCard", "lost_card"), ("pm_card_chargeDeclinedStolenCard", "stolen_card")],
)
def test_lost_and_stolen_cards_cannot_be_attached(card, decline_code):
    customer = stripe.Customer.create()
    with pytest.raises(stripe.error.CardError) as raised:
        stripe.PaymentMethod.attach(card, customer=customer.id)
    assert (raised.value.code, raised.value.error.decline_code) == ("card_declined", decline_code)


def test_local_only_3410_sets_up_and_then_every_charge_is_a_lost_card_hard_decline(customer_with_card):
    customer, setup = customer_with_card("pm_card_local_chargeCustomerFailLostCard")
    assert setup.status == "succeeded"
    with pytest.raises(stripe.error.CardError) as raised:
        pay(setup.payment_method, customer=customer.id, off_session=True)
    assert (raised.value.code, raised.value.error.decline_code) == ("card_declined", "lost_card")
    assert raised.value.error.payment_intent.status == "requires_payment_method"


def test_a_saved_card_is_declined_as_expired_once_its_month_has_ended(fresh):
    fresh.set_clock(1_930_000_000)  # 2031-02-27 UTC
    customer = stripe.Customer.create()
    method = stripe.PaymentMethod.create(
        type="card", card={"number": "4242424242424242", "exp_month": 2, "exp_year": 2031, "cvc": "123"}
    )
    stripe.PaymentMethod.attach(method.id, customer=customer.id)
    assert pay(method.id, customer=customer.id, off_session=True).status == "succeeded"
    fresh.advance(3 * 86400)  # 2 March 2031: the card ran out at the end of February
    with pytest.raises(stripe.error.CardError) as raised:
        pay(method.id, customer=customer.id, off_session=True)
    assert (raised.value.code, raised.value.error.decline_code) == ("expired_card", "expired_card")


def test_3155_set_up_for_on_session_use_only_still_needs_authentication_off_session(server):
    """Only a set-up for off-session use gives the bank the mandate 4000002500003155 waits for."""
    customer = stripe.Customer.create()
    setup = stripe.SetupIntent.create(
        customer=customer.id, payment_method="pm_card_authenticationRequiredOnSetup", confirm=True, usage="on_session"
    )
    assert server.authenticate(setup.id)["status"] == "succeeded"
    with pytest.raises(stripe.error.CardError) as raised:
        pay(setup.payment_method, customer=customer.id, off_session=True)
    assert raised.value.code == "authentication_required"
    # Paying on session with setup_future_usage=on_session does not give one either.
    intent = pay(setup.payment_method, customer=customer.id, setup_future_usage="on_session")
    assert server.authenticate(intent.id)["status"] == "succeeded"
    with pytest.raises(stripe.error.CardError):
        pay(setup.payment_method, customer=customer.id, off_session=True)
    # setup_future_usage=off_session does.
    intent = pay(setup.payment_method, customer=customer.id, setup_future_usage="off_session")
    assert server.authenticate(intent.id)["status"] == "succeeded"
    assert pay(setup.payment_method, customer=customer.id, off_session=True).status == "succeeded"
