"""The Stripe.js stand-in driven in Chromium the way a page uses it: a person types a card into the
card element and presses the page's buttons; the page calls Stripe.js; the bank's 3-D Secure
challenge appears and the person completes or fails it. The page is a tiny one served by the test."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from .conftest import PUBLISHABLE_KEY

# What a checkout page does with Stripe.js, each call behind a button, its result written out.
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Checkout</title></head><body>
<div id="card-element"></div>
<p id="complete">incomplete</p>
<button type="button" id="save">Save card</button>
<button type="button" id="pay">Pay</button>
<button type="button" id="pay-saved">Pay with saved card</button>
<button type="button" id="continue">Continue payment</button>
<button type="button" id="method">Check card</button>
<button type="button" id="status">Check payment</button>
<output id="result"></output>
<script src="STRIPE_JS"></script>
<script>
  const stripe = Stripe("PUBLISHABLE_KEY");
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  card.on("change", (event) => {
    document.getElementById("complete").textContent = event.complete ? "complete" : "incomplete";
  });
  const query = new URLSearchParams(location.search);
  const secret = query.get("secret");
  function show(result) {
    const out = result.error ? {error: result.error.code || result.error.type, message: result.error.message}
      : result.setupIntent ? {setupIntent: result.setupIntent.status, payment_method: result.setupIntent.payment_method}
      : result.paymentIntent ? {paymentIntent: result.paymentIntent.status}
      : {paymentMethod: result.paymentMethod.id, last4: result.paymentMethod.card.last4};
    document.getElementById("result").textContent = JSON.stringify(out);
  }
  document.getElementById("save").onclick = () =>
    stripe.confirmCardSetup(secret, {payment_method: {card: card, billing_details: {name: "Ana Lima"}}}).then(show);
  document.getElementById("pay").onclick = () =>
    stripe.confirmCardPayment(secret, {payment_method: {card: card}}).then(show);
  document.getElementById("pay-saved").onclick = () =>
    stripe.confirmCardPayment(secret, {payment_method: query.get("method")}).then(show);
  document.getElementById("continue").onclick = () => stripe.handleNextAction({clientSecret: secret}).then(show);
  document.getElementById("method").onclick = () => stripe.createPaymentMethod({type: "card", card: card}).then(show);
  document.getElementById("status").onclick = () => stripe.retrievePaymentIntent(secret).then(show);
</script></body></html>"""


@pytest.fixture
def checkout_page(server):
    """A page on another origin (as the project's pages are) that loads Stripe.js from the server."""
    html = PAGE.replace("STRIPE_JS", server.stripejs_url).replace("PUBLISHABLE_KEY", PUBLISHABLE_KEY).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/checkout"
    httpd.shutdown()
    httpd.server_close()


def open_checkout(page, url: str, secret: str = "", **query):
    page.goto(url + "?" + "&".join(f"{k}={v}" for k, v in {"secret": secret, **query}.items()))
    page.get_by_label("Card number").wait_for()


def type_card(page, number: str, expiry: str = "12/34", cvc: str = "123"):
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry (MM/YY)").fill(expiry)
    page.get_by_label("CVC").fill(cvc)


def result(page) -> dict:
    output = page.locator("#result")
    output.filter(has_text="{").wait_for()
    return json.loads(output.text_content())


def test_saving_a_card_with_confirm_card_setup(page, checkout_page):
    customer = stripe.Customer.create(email="ana@example.com")
    setup = stripe.SetupIntent.create(customer=customer.id, usage="off_session")
    open_checkout(page, checkout_page, setup.client_secret)
    assert page.locator("#complete").text_content() == "incomplete"
    type_card(page, "4242 4242 4242 4242")
    assert page.locator("#complete").text_content() == "complete"
    page.get_by_role("button", name="Save card").click()
    saved = result(page)
    assert saved["setupIntent"] == "succeeded"
    method = stripe.PaymentMethod.retrieve(saved["payment_method"])
    assert (method.customer, method.card.last4, method.card.exp_month, method.card.exp_year) == (
        customer.id,
        "4242",
        12,
        2034,
    )
    assert method.billing_details.name == "Ana Lima"
    assert stripe.SetupIntent.retrieve(setup.id).status == "succeeded"


def test_an_incomplete_card_is_refused_in_the_page_and_nothing_is_sent(page, checkout_page):
    setup = stripe.SetupIntent.create()
    methods_before = stripe.PaymentMethod.list(limit=100).data
    open_checkout(page, checkout_page, setup.client_secret)
    type_card(page, "4242 4242")
    page.get_by_role("button", name="Save card").click()
    assert result(page) == {"error": "incomplete_number", "message": "Your card number is incomplete."}
    assert page.get_by_role("alert").text_content() == "Your card number is incomplete."
    assert stripe.PaymentMethod.list(limit=100).data == methods_before
    assert stripe.SetupIntent.retrieve(setup.id).status == "requires_payment_method"


def test_a_declined_card_shows_the_banks_message(page, checkout_page):
    intent = stripe.PaymentIntent.create(amount=4500, currency="usd")
    open_checkout(page, checkout_page, intent.client_secret)
    type_card(page, "4000 0000 0000 0002")
    page.get_by_role("button", name="Pay", exact=True).click()
    assert result(page) == {"error": "card_declined", "message": "Your card was declined."}
    assert stripe.PaymentIntent.retrieve(intent.id).status == "requires_payment_method"


@pytest.mark.parametrize(
    ("button", "status", "outcome"),
    [("Complete authentication", "succeeded", {"paymentIntent": "succeeded"}), ("Fail authentication", None, None)],
)
def test_confirm_card_payment_with_the_3d_secure_challenge(page, checkout_page, button, status, outcome):
    intent = stripe.PaymentIntent.create(amount=4500, currency="usd", capture_method="automatic")
    open_checkout(page, checkout_page, intent.client_secret)
    type_card(page, "4000 0027 6000 3184")
    page.get_by_role("button", name="Pay", exact=True).click()
    challenge = page.get_by_role("dialog", name="3D Secure authentication")
    challenge.wait_for()
    assert "Your bank asks you to confirm $45.00." in challenge.text_content()
    challenge.get_by_role("button", name=button).click()
    shown = result(page)
    assert challenge.count() == 0  # the challenge is gone once answered
    intent = stripe.PaymentIntent.retrieve(intent.id)
    if outcome:
        assert (shown, intent.status, intent.amount_received) == (outcome, status, 4500)
    else:
        assert shown["error"] == "payment_intent_authentication_failure"
        assert (intent.status, intent.amount_received) == ("requires_payment_method", 0)
        assert intent.last_payment_error.code == "payment_intent_authentication_failure"


def test_handle_next_action_finishes_a_payment_the_server_started(page, checkout_page):
    """The server confirmed with a saved card and the bank asked for authentication: the page
    hands the person the challenge with handleNextAction."""
    intent = stripe.PaymentIntent.create(
        amount=2500, currency="usd", payment_method="pm_card_authenticationRequired", confirm=True
    )
    assert intent.status == "requires_action"
    open_checkout(page, checkout_page, intent.client_secret)
    page.get_by_role("button", name="Continue payment").click()
    page.get_by_role("dialog", name="3D Secure authentication").get_by_role(
        "button", name="Complete authentication"
    ).click()
    assert result(page) == {"paymentIntent": "succeeded"}
    assert stripe.PaymentIntent.retrieve(intent.id).status == "succeeded"


def test_paying_with_a_saved_card_id_and_checking_the_payment(page, checkout_page):
    customer = stripe.Customer.create()
    method = stripe.PaymentMethod.attach("pm_card_visa", customer=customer.id)
    intent = stripe.PaymentIntent.create(amount=3000, currency="usd", customer=customer.id, capture_method="manual")
    open_checkout(page, checkout_page, intent.client_secret, method=method.id)
    page.get_by_role("button", name="Pay with saved card").click()
    assert result(page) == {"paymentIntent": "requires_capture"}
    page.evaluate("document.getElementById('result').textContent = ''")
    page.get_by_role("button", name="Check payment").click()
    assert result(page) == {"paymentIntent": "requires_capture"}
    assert stripe.PaymentIntent.retrieve(intent.id).payment_method == method.id


def test_create_payment_method_from_the_card_element(page, checkout_page):
    open_checkout(page, checkout_page)
    type_card(page, "5555 5555 5555 4444", expiry="09/33")
    page.get_by_role("button", name="Check card").click()
    created = result(page)
    assert created["last4"] == "4444"
    method = stripe.PaymentMethod.retrieve(created["paymentMethod"])
    assert (method.card.brand, method.card.exp_month, method.card.exp_year, method.customer) == (
        "mastercard",
        9,
        2033,
        None,
    )
