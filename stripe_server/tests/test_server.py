"""The process: fast start on a free port, state-file snapshots, the Stripe.js stand-in."""

from __future__ import annotations

import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request

import pytest
import stripe

from stripe_server.testing import LocalStripe


def test_starts_on_a_free_loopback_port():
    # How fast it starts is measured by bench/stripe_server_startup.py, not asserted here.
    local = LocalStripe().start()
    try:
        assert local.url.startswith("http://127.0.0.1:")
        assert local.clock() > 0
    finally:
        local.stop()


def test_state_file_round_trip(tmp_path):
    state = tmp_path / "stripe.json"
    first = LocalStripe(state_file=str(state)).start()
    try:
        stripe.api_base = first.url
        first.set_clock(1_900_000_000)
        customer = stripe.Customer.create(email="kept@example.com")
        intent = stripe.PaymentIntent.create(
            amount=2000,
            currency="usd",
            customer=customer.id,
            payment_method="pm_card_visa",
            confirm=True,
            capture_method="manual",
        )
    finally:
        first.stop()
    assert state.exists()
    second = LocalStripe(state_file=str(state)).start()
    try:
        stripe.api_base = second.url
        assert stripe.Customer.retrieve(customer.id).email == "kept@example.com"
        assert second.clock() == 1_900_000_000
        assert stripe.PaymentIntent.capture(intent.id).status == "succeeded"
    finally:
        second.stop()


def test_stripe_js_is_served_with_the_card_element_and_challenge(server):
    with urllib.request.urlopen(server.stripejs_url) as response:  # noqa: S310 - the local server's URL
        assert response.headers["Content-Type"].startswith("application/javascript")
        script = response.read().decode()
    for text in (
        "Card number",
        "Expiry (MM/YY)",
        "CVC",
        "3D Secure authentication",
        "Complete authentication",
        "Fail authentication",
        "confirmCardSetup",
        "confirmCardPayment",
        "handleNextAction",
        "createPaymentMethod",
    ):
        assert text in script
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; the syntax check needs it")
    checked = subprocess.run([node, "--check", "-"], input=script, capture_output=True, text=True, check=False)  # noqa: S603
    assert checked.returncode == 0, checked.stderr


def test_redirect_3ds_page_returns_to_the_return_url(server):
    intent = stripe.PaymentIntent.create(
        amount=2000,
        currency="usd",
        payment_method="pm_card_authenticationRequired",
        confirm=True,
        return_url="http://127.0.0.1:1/done?x=1",
    )
    page = urllib.request.urlopen(intent.next_action.redirect_to_url.url).read().decode()  # noqa: S310
    assert "3D Secure authentication" in page and "Complete authentication" in page

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    form = urllib.parse.urlencode(
        {"outcome": "complete", "client_secret": intent.client_secret, "return_url": "http://127.0.0.1:1/done?x=1"}
    ).encode()
    with pytest.raises(urllib.error.HTTPError) as redirect:
        urllib.request.build_opener(NoRedirect).open(f"{server.url}/_local/3ds/{intent.id}", data=form)
    location = redirect.value.headers["Location"]
    assert location.startswith("http://127.0.0.1:1/done?x=1&payment_intent=" + intent.id)
    assert "redirect_status=succeeded" in location
    assert stripe.PaymentIntent.retrieve(intent.id).status == "succeeded"
