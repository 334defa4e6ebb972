# ruff: noqa: S310 - these tests open the http:// URLs the local server handed out.
"""Stripe's API conventions: errors, unknown parameters, auth, idempotency, expand, pagination, CORS."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
import stripe

from .conftest import PUBLISHABLE_KEY


def raw(server, method, path, data=None, key="sk_test_local", headers=None):
    request = urllib.request.Request(
        server.url + path,
        data=data.encode() if data else None,
        method=method,
        headers={"Authorization": f"Bearer {key}", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_unknown_parameter_is_rejected_like_stripe():
    with pytest.raises(stripe.error.InvalidRequestError) as raised:
        stripe.PaymentIntent.create(amount=1000, currency="usd", bogus="x")
    assert raised.value.http_status == 400
    assert raised.value.user_message == "Received unknown parameter: bogus"
    assert (raised.value.param, raised.value.code) == ("bogus", "parameter_unknown")
    with pytest.raises(stripe.error.InvalidRequestError) as nested:
        stripe.PaymentIntent.create(amount=1000, currency="usd", transfer_data={"destination": "acct_x", "oops": 1})
    assert nested.value.param == "transfer_data[oops]"


def test_missing_and_invalid_parameters():
    with pytest.raises(stripe.error.InvalidRequestError) as raised:
        stripe.PaymentIntent.create(currency="usd")
    assert raised.value.user_message == "Missing required param: amount."
    with pytest.raises(stripe.error.InvalidRequestError) as small:
        stripe.PaymentIntent.create(amount=49, currency="usd")
    assert small.value.code == "amount_too_small"


def test_missing_object_is_404_resource_missing():
    with pytest.raises(stripe.error.InvalidRequestError) as raised:
        stripe.PaymentIntent.retrieve("pi_nope")
    assert (raised.value.http_status, raised.value.code) == (404, "resource_missing")
    assert raised.value.user_message == "No such payment_intent: 'pi_nope'"


def test_authentication(server):
    status, _, body = raw(server, "GET", "/v1/customers", key="")
    assert status == 401 and body["error"]["type"] == "invalid_request_error"
    with pytest.raises(stripe.error.AuthenticationError):
        stripe.Customer.list(api_key="sk_live_nope")
    status, _, body = raw(server, "GET", "/v1/customers", key=PUBLISHABLE_KEY)
    assert status == 401
    status, _, _ = raw(
        server,
        "POST",
        "/v1/payment_methods",
        "type=card&card[number]=4242424242424242&card[exp_month]=1&card[exp_year]=2040",
        key=PUBLISHABLE_KEY,
    )
    assert status == 200


def test_publishable_key_needs_the_client_secret(server):
    intent = stripe.PaymentIntent.create(amount=1000, currency="usd")
    status, _, body = raw(server, "GET", f"/v1/payment_intents/{intent.id}", key=PUBLISHABLE_KEY)
    assert status == 400 and body["error"]["param"] == "client_secret"
    status, headers, body = raw(
        server, "GET", f"/v1/payment_intents/{intent.id}?client_secret={intent.client_secret}", key=PUBLISHABLE_KEY
    )
    assert status == 200 and body["id"] == intent.id
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_idempotent_replay_including_errors(fresh):
    first = stripe.Customer.create(email="a@example.com", idempotency_key="k-customer-1")
    again = stripe.Customer.create(email="a@example.com", idempotency_key="k-customer-1")
    assert again.id == first.id
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert [c.id for c in stripe.Customer.list(email="a@example.com", limit=100)] == [first.id]  # one customer

    def declined():
        return stripe.PaymentIntent.create(
            amount=1000,
            currency="usd",
            payment_method="pm_card_chargeDeclined",
            confirm=True,
            idempotency_key="k-decline-1",
        )

    with pytest.raises(stripe.error.CardError) as first_error:
        declined()
    with pytest.raises(stripe.error.CardError) as replayed:
        declined()
    assert replayed.value.error.payment_intent.id == first_error.value.error.payment_intent.id
    assert replayed.value.headers["Idempotent-Replayed"] == "true"
    # The bank was asked once: one PaymentIntent, one failed charge.
    assert [i.id for i in stripe.PaymentIntent.list(limit=100)] == [first_error.value.error.payment_intent.id]
    assert len(stripe.Charge.list(limit=100).data) == 1


def test_same_key_different_parameters_is_an_idempotency_error(fresh):
    first = stripe.Customer.create(email="b@example.com", idempotency_key="k-customer-2")
    with pytest.raises(stripe.error.IdempotencyError) as raised:
        stripe.Customer.create(email="c@example.com", idempotency_key="k-customer-2")
    assert raised.value.http_status == 400
    assert "same parameters" in raised.value.user_message
    assert [c.id for c in stripe.Customer.list(limit=100)] == [first.id]  # no second customer
    assert stripe.Customer.retrieve(first.id).email == "b@example.com"


def test_idempotency_keys_expire_after_24_hours_of_server_clock(fresh):
    fresh.set_clock(1_900_000_000)
    first = stripe.Customer.create(idempotency_key="k-expiring")
    fresh.advance(24 * 3600 - 1)
    assert stripe.Customer.create(idempotency_key="k-expiring").id == first.id
    fresh.advance(1)
    assert stripe.Customer.create(idempotency_key="k-expiring").id != first.id


def test_idempotency_keys_are_scoped_per_account(connected_account):
    account = connected_account()
    platform = stripe.Customer.create(idempotency_key="k-scoped")
    on_account = stripe.Customer.create(idempotency_key="k-scoped", stripe_account=account.id)
    assert platform.id != on_account.id
    with pytest.raises(stripe.error.InvalidRequestError):
        stripe.Customer.retrieve(on_account.id)


def test_validation_failures_are_not_saved_for_replay():
    with pytest.raises(stripe.error.InvalidRequestError):
        stripe.Customer.create(nonsense="1", idempotency_key="k-invalid")
    assert stripe.Customer.create(idempotency_key="k-invalid").object == "customer"


def test_expand_and_pagination():
    customer = stripe.Customer.create()
    ids = [
        stripe.PaymentIntent.create(
            amount=1000 + i, currency="usd", customer=customer.id, payment_method="pm_card_visa", confirm=True
        ).id
        for i in range(3)
    ]
    page = stripe.PaymentIntent.list(customer=customer.id, limit=2, expand=["data.latest_charge", "data.customer"])
    assert [p.id for p in page.data] == ids[::-1][:2] and page.has_more is True
    assert page.data[0].latest_charge.object == "charge" and page.data[0].customer.id == customer.id
    everything = [p.id for p in stripe.PaymentIntent.list(customer=customer.id, limit=1).auto_paging_iter()]
    assert everything == ids[::-1]


def test_unrecognized_url_is_404(server):
    status, _, body = raw(server, "GET", "/v1/nothing_here")
    assert status == 404 and body["error"]["message"].startswith("Unrecognized request URL (GET: /v1/nothing_here)")


def test_cors_preflight(server):
    request = urllib.request.Request(server.url + "/v1/payment_methods", method="OPTIONS")
    with urllib.request.urlopen(request) as response:
        assert response.status == 204
        assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
