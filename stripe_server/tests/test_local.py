# ruff: noqa: S310 - these tests open the http:// URLs the local server handed out.
"""The /_local/ test helpers check their parameters like the API does; the clock's effects happen on
time without a request, and setting it back keeps what happened; the server binds loopback only."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
import stripe

from stripe_server.__main__ import host_refusal
from stripe_server.testing import PACKAGE_PARENT

from .conftest import off_session_payment

DAY = 86400


def local(server, method: str, path: str, body: str | None = None, content_type="application/x-www-form-urlencoded"):
    """(status, decoded JSON) of a raw /_local/ call, errors included."""
    request = urllib.request.Request(server.url + path, data=body.encode() if body is not None else None, method=method)
    request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def refused(server, path: str, body: str, param: str | None, code: str | None = None) -> dict:
    status, answer = local(server, "POST", path, body)
    assert status == 400, answer
    error = answer["error"]
    assert error["type"] == "invalid_request_error"
    assert error.get("param") == param, error
    if code:
        assert error["code"] == code
    return error


def test_clock_parameters_are_checked(fresh):
    fresh.set_clock(1_900_000_000)
    assert refused(fresh, "/_local/clock", "now=abc", "now", "parameter_invalid_integer")["message"] == (
        "Invalid integer: abc"
    )
    refused(fresh, "/_local/clock", "advance_seconds=1.5", "advance_seconds", "parameter_invalid_integer")
    refused(fresh, "/_local/clock", "real=yes", "real", "parameter_invalid_boolean")
    refused(fresh, "/_local/clock", "tomorrow=1", "tomorrow", "parameter_unknown")
    refused(fresh, "/_local/clock", "now=1900000100&advance_seconds=5", None, "parameter_missing")
    refused(fresh, "/_local/clock", "", None, "parameter_missing")
    refused(fresh, "/_local/clock", "now=-5", "now")
    refused(fresh, "/_local/clock", "real=false", "real")
    assert fresh.clock() == 1_900_000_000


def test_setting_the_clock_back_keeps_what_happened(fresh, customer_with_card):
    """Unlike a Stripe test clock, this one can be set back (the project's scenarios step back): what
    already happened stays done with its timestamps; funds not yet due at the earlier time are pending."""
    start = fresh.set_clock(1_900_000_000)
    customer, setup = customer_with_card()
    held = off_session_payment(customer, setup, 5000, capture_method="manual")
    paid = off_session_payment(customer, setup, 3000)
    fresh.advance(8 * DAY)  # the hold lapsed, the payment's funds became available
    assert stripe.PaymentIntent.retrieve(held.id).status == "canceled"
    assert stripe.Balance.retrieve().available[0].amount == 3000 - 117
    assert fresh.set_clock(start + DAY) == start + DAY
    assert stripe.PaymentIntent.retrieve(held.id).status == "canceled"  # stays lapsed
    balance = stripe.Balance.retrieve()
    assert (balance.available[0].amount, balance.pending[0].amount) == (0, 3000 - 117)
    charge = stripe.Charge.retrieve(paid.latest_charge, expand=["balance_transaction"])
    assert charge.balance_transaction.status == "pending"  # says the same as the balance
    assert stripe.Customer.create().created == start + DAY
    assert fresh.advance(-60) == start + DAY - 60


def test_due_effects_happen_without_a_request(fresh, receiver, connected_account):
    """The clock thread applies what falls due (here an instant payout arriving) with no API call
    after it: a receiver gets payout.paid on its own."""
    account = connected_account()
    fresh.topup(2000)
    stripe.Transfer.create(amount=2000, currency="usd", destination=account.id)
    payout = stripe.Payout.create(amount=500, currency="usd", method="instant", stripe_account=account.id)
    assert payout.status == "pending"
    # No request from here on: only the server's own clock thread can pay the payout out.
    paid = receiver.wait_for("payout.paid")
    assert paid is not None, "payout.paid never arrived"
    assert (paid["data"]["object"]["id"], paid["data"]["object"]["status"], paid["account"]) == (
        payout.id,
        "paid",
        account.id,
    )


def test_webhook_config_parameters_are_checked(fresh):
    before = fresh.configure_webhooks()
    json_body = "application/json"
    for body, param in (
        ('{"max_attempts": 0}', "max_attempts"),
        ('{"max_attempts": "five"}', "max_attempts"),
        ('{"retry_base_seconds": "fast"}', "retry_base_seconds"),
        ('{"retry_base_seconds": -1}', "retry_base_seconds"),
        ('{"shuffle": "maybe"}', "shuffle"),
        ('{"url": "http://127.0.0.1:9/hook"}', "secret"),
        ('{"url": "ftp://127.0.0.1/hook", "secret": "whsec_x"}', "url"),
        ('{"url": "http://127.0.0.1:9/hook", "secret": "plain"}', "secret"),
        ('{"retries": 3}', "retries"),
    ):
        status, answer = local(fresh, "POST", "/_local/webhooks/config", body, json_body)
        assert (status, answer["error"]["param"]) == (400, param), body
    assert fresh.configure_webhooks() == before
    status, answer = local(fresh, "POST", "/_local/webhooks/flush", '{"timeout": -1}', json_body)
    assert (status, answer["error"]["param"]) == (400, "timeout")
    status, answer = local(fresh, "GET", "/_local/deliveries?kind=x")
    assert (status, answer["error"]["code"]) == (400, "parameter_unknown")


def test_money_helpers_check_their_parameters_and_change_nothing(fresh, connected_account):
    account = connected_account()
    balance = stripe.Balance.retrieve().to_dict()
    refused(fresh, "/_local/balance/topup", "", "amount", "parameter_missing")
    refused(fresh, "/_local/balance/topup", "amount=0", "amount")
    refused(fresh, "/_local/balance/topup", "amount=ten", "amount", "parameter_invalid_integer")
    refused(fresh, "/_local/balance/topup", "amount=100&account=acct_nobody", "account", "resource_missing")
    assert stripe.Balance.retrieve().to_dict() == balance

    intent = stripe.PaymentIntent.create(amount=3000, currency="usd", payment_method="pm_card_visa", confirm=True)
    dispute_path = f"/_local/charges/{intent.latest_charge}/dispute"
    assert "1 to 3000 cents" in refused(fresh, dispute_path, "amount=3001", "amount")["message"]
    refused(fresh, dispute_path, "amount=0", "amount")
    refused(fresh, dispute_path, "reason=bored", "reason", "parameter_invalid_string")
    assert stripe.Charge.retrieve(intent.latest_charge).disputed is False
    assert stripe.Dispute.list(charge=intent.latest_charge).data == []
    dispute = fresh.open_dispute(intent.latest_charge, amount=1000, reason="duplicate")
    refused(fresh, f"/_local/disputes/{dispute['id']}/close", "", "outcome", "parameter_missing")
    refused(fresh, f"/_local/disputes/{dispute['id']}/close", "outcome=draw", "outcome")
    assert stripe.Dispute.retrieve(dispute["id"]).status == "needs_response"

    fresh.topup(5000)  # the dispute took 1000 + the 1500 fee from the platform's available funds
    stripe.Transfer.create(amount=500, currency="usd", destination=account.id)
    payout = stripe.Payout.create(amount=500, currency="usd", stripe_account=account.id)
    refused(fresh, f"/_local/payouts/{payout.id}/fail", "failure_code=gremlins", "failure_code")
    assert stripe.Payout.retrieve(payout.id, stripe_account=account.id).status == "pending"
    failed = fresh.call("POST", f"/_local/payouts/{payout.id}/fail", failure_code="no_account")
    assert failed["failure_message"].startswith("The bank account details on file are probably incorrect.")

    refused(fresh, f"/_local/accounts/{account.id}/enable", "reason=listed", "reason")
    refused(fresh, f"/_local/accounts/{account.id}/restrict", "reason=bored", "reason")
    assert (
        "use enable, restrict or restore" in refused(fresh, f"/_local/accounts/{account.id}/close", "", None)["message"]
    )
    assert stripe.Account.retrieve(account.id).charges_enabled is True


def test_intent_and_identity_helpers_check_their_parameters(fresh):
    intent = stripe.PaymentIntent.create(
        amount=2000, currency="usd", payment_method="pm_card_authenticationRequired", confirm=True
    )
    refused(fresh, f"/_local/intents/{intent.id}/authenticate", "", "outcome", "parameter_missing")
    refused(fresh, f"/_local/intents/{intent.id}/authenticate", "outcome=maybe", "outcome")
    assert stripe.PaymentIntent.retrieve(intent.id).status == "requires_action"
    session = stripe.identity.VerificationSession.create(type="document")
    refused(fresh, f"/_local/identity/{session.id}", "outcome=probably", "outcome")
    assert stripe.identity.VerificationSession.retrieve(session.id).status == "requires_input"
    status, answer = local(fresh, "GET", f"/_local/3ds/{intent.id}")
    assert (status, answer["error"]["param"]) == (400, "client_secret")


def test_binds_loopback_only_unless_allowed():
    command = [sys.executable, "-m", "stripe_server", "--host", "0.0.0.0", "--port", "0"]  # noqa: S104 - refused
    finished = subprocess.run(command, capture_output=True, text=True, cwd=PACKAGE_PARENT, timeout=30, check=False)  # noqa: S603
    assert finished.returncode == 2
    assert "--host 0.0.0.0 is not a loopback address" in finished.stderr and "--allow-remote" in finished.stderr
    assert finished.stdout == ""  # it never said it was listening
    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        assert host_refusal(host, allow_remote=False) is None, host
    for host in ("0.0.0.0", "192.168.1.5", "::", "stripe.example.com"):  # noqa: S104
        assert host_refusal(host, allow_remote=False), host
        assert host_refusal(host, allow_remote=True) is None, host


@pytest.mark.parametrize("path", ["/_local/reset", "/_local/snapshot"])
def test_helpers_without_parameters_refuse_any(server, path):
    status, answer = local(server, "POST", path, "everything=true")
    assert (status, answer["error"]["code"], answer["error"]["param"]) == (400, "parameter_unknown", "everything")
