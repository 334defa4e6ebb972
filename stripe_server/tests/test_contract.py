"""Every object the server returns has the fields of Stripe's official example of its type.

The server keeps one example of every object shape it has answered with (API responses and events,
nested objects included: ``GET /_local/shapes``); after a scenario that calls every route, each one
is compared with ``fixtures3.json``, so no type or state is left out by forgetting to list it.

``fixtures3.json`` is Stripe's own example of each resource (stripe/openapi, MIT). We require the
same top-level keys and ``object`` value, and the same keys in the nested objects the project
reads. A few documented extras are allowed (see EXTRA). The nested fields the project reads deeper
(``charge.payment_method_details.card.capture_before``, ``payment_intent.next_action`` and
``payment_intent.last_payment_error``) are checked on objects in the state where Stripe fills them,
against the example's nesting and the official SDK's types of those objects (no invented keys).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import stripe

from stripe_server import app  # noqa: F401 - registers the routes
from stripe_server.routing import ROUTES

FIXTURES = Path(os.environ.get("STRIPE_FIXTURES", "/work/shared/stripe/fixtures3.json"))
# Fields Stripe returns in some API versions or configurations but its example omits; each must be
# a field of the official SDK's type for that object (checked below), so none is invented.
EXTRA = {
    "charge": {"transfer"},  # present on destination charges
    "balance": {"instant_available"},  # Stripe returns it for accounts with instant payouts
    "event": {"account"},  # Connect events carry the connected account
    # Stripe's example is a customer's bank account; a connected account's payout account also says
    # whose it is, whether it is the default and which payout methods it takes.
    "bank_account": {"account", "default_for_currency", "available_payout_methods"},
}
SDK_TYPES = {
    "bank_account": stripe.BankAccount,
    "balance": stripe.Balance,
    "charge": stripe.Charge,
    "event": stripe.Event,
}
NESTED = {
    "payment_intent": [],
    "charge": ["outcome", "billing_details", "refunds"],
    "payment_method": ["card", "billing_details"],
    "customer": ["invoice_settings"],
    "account": ["requirements", "future_requirements", "settings", "tos_acceptance", "external_accounts"],
    "dispute": ["evidence", "evidence_details"],
    "transfer": ["reversals"],
    "application_fee": ["fee_source", "refunds"],
}


@pytest.fixture(scope="module")
def examples():
    if not FIXTURES.exists():
        pytest.skip(f"{FIXTURES} not found (set STRIPE_FIXTURES)")
    return json.loads(FIXTURES.read_text())["resources"]


@pytest.fixture(scope="module")
def objects(server):
    """One live object of every type, made through the SDK (every API route's answer among them)."""
    stripe.api_key, stripe.api_base = "sk_test_local", server.url
    account = stripe.Account.create(
        type="express", capabilities={"card_payments": {"requested": True}, "transfers": {"requested": True}}
    )
    server.account_action(account.id, "enable")
    customer = stripe.Customer.create(email="contract@example.com")
    setup = stripe.SetupIntent.create(customer=customer.id, payment_method="pm_card_visa", confirm=True)
    intent = stripe.PaymentIntent.create(
        amount=5000,
        currency="usd",
        customer=customer.id,
        payment_method=setup.payment_method,
        confirm=True,
        transfer_data={"destination": account.id},
        application_fee_amount=500,
    )
    charge = stripe.Charge.retrieve(intent.latest_charge)
    refund = stripe.Refund.create(charge=charge.id, amount=1000, reverse_transfer=True, refund_application_fee=True)
    transfer = stripe.Transfer.retrieve(charge.transfer)
    fee = stripe.ApplicationFee.retrieve(charge.application_fee)
    server.topup(1000, account=account.id)
    payout = stripe.Payout.create(amount=100, currency="usd", stripe_account=account.id)
    disputed = stripe.PaymentIntent.create(amount=2000, currency="usd", payment_method="pm_card_visa", confirm=True)
    dispute = server.open_dispute(disputed.latest_charge)
    session = stripe.identity.VerificationSession.create(type="document")
    endpoint = stripe.WebhookEndpoint.create(url="http://127.0.0.1:9/hook", enabled_events=["charge.failed"])
    deleted_endpoint = stripe.WebhookEndpoint.delete(endpoint.id)
    link = stripe.AccountLink.create(
        account=account.id, type="account_onboarding", refresh_url="http://x/r", return_url="http://x/ok"
    )
    login_link = stripe.Account.create_login_link(account.id)
    deleted_account = stripe.Account.delete(stripe.Account.create(type="express").id)
    deleted = stripe.Customer.delete(stripe.Customer.create().id)

    # The states in which Stripe fills the nested fields the project reads.
    def confirmed(card: str, **options):
        return stripe.PaymentIntent.create(amount=5000, currency="usd", payment_method=card, confirm=True, **options)

    manual = confirmed("pm_card_visa", capture_method="manual")
    challenged = confirmed("pm_card_authenticationRequired", return_url="http://x/back")
    with pytest.raises(stripe.error.CardError) as declined:
        confirmed("pm_card_chargeDeclined")
    account = stripe.Account.retrieve(account.id)
    found = {
        "account": account,
        "platform_account": stripe.StripeClient(
            stripe.api_key, base_addresses={"api": server.url}
        ).v1.accounts.retrieve_current(),
        "bank_account": account.external_accounts.data[0],
        "account_link": link,
        "login_link": login_link,
        "customer": stripe.Customer.retrieve(customer.id),
        "deleted_customer": deleted,
        "deleted_account": deleted_account,
        "payment_method": stripe.PaymentMethod.retrieve(setup.payment_method),
        "setup_intent": stripe.SetupIntent.retrieve(setup.id),
        "payment_intent": stripe.PaymentIntent.retrieve(intent.id),
        "charge": stripe.Charge.retrieve(charge.id),
        "refund": stripe.Refund.retrieve(refund.id),
        "transfer": stripe.Transfer.retrieve(transfer.id),
        "transfer_reversal": stripe.Transfer.retrieve_reversal(transfer.id, refund.transfer_reversal),
        "application_fee": stripe.ApplicationFee.retrieve(fee.id),
        "fee_refund": stripe.ApplicationFee.list_refunds(fee.id).data[0],
        "balance": stripe.Balance.retrieve(),
        "balance_transaction": stripe.BalanceTransaction.retrieve(charge.balance_transaction),
        "payout": stripe.Payout.retrieve(payout.id, stripe_account=account.id),
        "dispute": stripe.Dispute.retrieve(dispute["id"]),
        "identity.verification_session": stripe.identity.VerificationSession.retrieve(session.id),
        "webhook_endpoint": endpoint,
        "deleted_webhook_endpoint": deleted_endpoint,
        "event": stripe.Event.list(limit=1).data[0],
        "manual_capture_charge": stripe.Charge.retrieve(manual.latest_charge),
        "requires_action_payment_intent": stripe.PaymentIntent.retrieve(challenged.id),
        "declined_payment_intent": stripe.PaymentIntent.retrieve(
            declined.value.json_body["error"]["payment_intent"]["id"]
        ),
    }
    return {kind: obj.to_dict() if hasattr(obj, "to_dict") else obj for kind, obj in found.items()}


@pytest.fixture(scope="module")
def returned(server, objects):
    """Every object shape the server answered with in this test run (the scenario above and any
    test before it), by type: what the contract is checked on."""
    return server.call("GET", "/_local/shapes")["examples"]


def answer_types() -> set[str]:
    """The object type each API route answers with (a list's items are checked as their type)."""
    return {route.returns.removeprefix("list:") for route in ROUTES if route.returns}


def test_the_scenario_covers_every_type_the_api_answers_with(returned):
    assert answer_types() | {"bank_account"} <= set(returned)


def test_every_object_the_server_returned_has_the_keys_of_stripes_example(examples, returned):
    assert set(returned) <= set(examples), "a type Stripe has no example of"
    for kind, found in returned.items():
        example = examples[kind]
        for ours in found:
            assert ours["object"] == example["object"], kind
            ours_keys = set(ours) - {"secret"}  # webhook_endpoint.secret appears only on create, as on Stripe
            assert ours_keys - EXTRA.get(kind, set()) == set(example), (kind, ours_keys ^ set(example))
            for field in NESTED.get(kind, []):
                assert isinstance(ours[field], dict), (kind, field)
                assert set(ours[field]) >= set(example[field]), (kind, field, set(example[field]) - set(ours[field]))


@pytest.mark.parametrize("kind", sorted(EXTRA))
def test_extra_fields_are_fields_of_stripes_type(kind):
    assert EXTRA[kind] <= set(SDK_TYPES[kind].__annotations__), kind


def test_the_platforms_own_account_is_a_full_account(examples, objects):
    platform = objects["platform_account"]
    assert set(platform) == set(examples["account"])
    assert (platform["type"], platform["charges_enabled"], platform["payouts_enabled"]) == ("standard", True, True)
    assert platform["external_accounts"]["data"][0]["object"] == "bank_account"


def test_error_responses_have_stripes_shape(server):
    with pytest.raises(stripe.error.CardError) as raised:
        stripe.PaymentIntent.create(amount=1000, currency="usd", payment_method="pm_card_chargeDeclined", confirm=True)
    error = raised.value.json_body["error"]
    assert {"type", "code", "decline_code", "message", "payment_intent", "charge", "doc_url"} <= set(error)
    assert error["type"] == "card_error" and error["payment_intent"]["object"] == "payment_intent"
    with pytest.raises(stripe.error.InvalidRequestError) as invalid:
        stripe.Customer.create(unknown="1")
    assert set(invalid.value.json_body["error"]) >= {"type", "message", "param", "code"}
    with pytest.raises(stripe.error.InvalidRequestError) as missing:
        stripe.Charge.retrieve("ch_missing")
    assert missing.value.json_body["error"]["code"] == "resource_missing"


def missing_nesting(ours, example, path: str) -> list[str]:
    """Dotted paths of keys in Stripe's example that ours lacks, at every depth where both are
    objects (a null where the example has an object is allowed: Stripe's fields are nullable)."""
    if not isinstance(ours, dict) or not isinstance(example, dict):
        return []
    missing = [f"{path}.{key}" for key in example if key not in ours]
    for key, value in example.items():
        missing += missing_nesting(ours.get(key), value, f"{path}.{key}")
    return missing


def unknown_to_stripe(ours: dict, stripe_class) -> set[str]:
    """Keys the official SDK's type for this nested object does not know (invented fields)."""
    return set(ours) - set(stripe_class.__annotations__)


@pytest.mark.parametrize("kind", ["charge", "manual_capture_charge"])
def test_charge_payment_method_details_nest_like_stripes_example(kind, examples, objects):
    ours, example = objects[kind]["payment_method_details"], examples["charge"]["payment_method_details"]
    assert missing_nesting(ours, example, "payment_method_details") == []
    assert ours["type"] == example["type"] == "card"
    assert unknown_to_stripe(ours["card"], stripe.Charge.PaymentMethodDetails.Card) == set()


def test_a_manual_capture_charge_says_until_when_it_can_be_captured(objects):
    """`payment_method_details.card.capture_before`: where the project reads the authorization's
    validity window (Stripe's example charge is captured automatically and has none)."""
    charge = objects["manual_capture_charge"]
    assert charge["captured"] is False
    capture_before = charge["payment_method_details"]["card"]["capture_before"]
    assert isinstance(capture_before, int) and capture_before > charge["created"]


def test_payment_intent_next_action_nests_like_stripe(examples, objects):
    intent = objects["requires_action_payment_intent"]
    assert intent["status"] == "requires_action"
    action, example = intent["next_action"], examples["payment_intent"]["next_action"]
    assert missing_nesting(action, example, "next_action") == []
    assert unknown_to_stripe(action, stripe.PaymentIntent.NextAction) == set()
    # Stripe's rule: the key named by `type` holds that action's details.
    assert action["type"] == "redirect_to_url"
    assert set(action["redirect_to_url"]) == set(stripe.PaymentIntent.NextAction.RedirectToUrl.__annotations__)
    assert action["redirect_to_url"]["return_url"] == "http://x/back"


def test_payment_intent_last_payment_error_nests_like_stripe(examples, objects):
    intent = objects["declined_payment_intent"]
    assert intent["status"] == "requires_payment_method"
    error, example = intent["last_payment_error"], examples["payment_intent"]["last_payment_error"]
    assert missing_nesting(error, example, "last_payment_error") == []
    assert unknown_to_stripe(error, stripe.PaymentIntent.LastPaymentError) == set()
    # What Stripe puts on a declined card's error, `message` being what the project shows.
    assert {"type", "code", "decline_code", "doc_url", "message", "payment_method"} <= set(error)
    assert (error["type"], error["code"], error["decline_code"]) == ("card_error", "card_declined", "generic_decline")
    assert set(error["payment_method"]) == set(examples["payment_method"])
