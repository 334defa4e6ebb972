"""One local Stripe server per test session, driven through the official SDK (no Django, no DB)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from stripe_server.testing import LocalStripe

SECRET_KEY = "sk_test_local"
PUBLISHABLE_KEY = "pk_test_local"


@pytest.fixture(scope="session")
def server():
    local = LocalStripe().start()
    yield local
    local.stop()


@pytest.fixture(autouse=True)
def sdk(server):
    """Point the SDK's global configuration at the local server for each test."""
    saved = stripe.api_key, stripe.api_base, stripe.max_network_retries
    stripe.api_key, stripe.api_base, stripe.max_network_retries = SECRET_KEY, server.url, 0
    yield stripe
    stripe.api_key, stripe.api_base, stripe.max_network_retries = saved


@pytest.fixture
def fresh(server):
    """An empty server with the real clock, before and after the test (for clock and webhook tests)."""
    server.reset()
    yield server
    server.reset()


@pytest.fixture
def customer_with_card():
    def make(card: str = "pm_card_visa"):
        customer = stripe.Customer.create(email="student@example.com")
        setup = stripe.SetupIntent.create(customer=customer.id, payment_method=card, confirm=True, usage="off_session")
        return customer, setup

    return make


def off_session_payment(customer, setup, amount: int, account=None, fee: int | None = None, **extra):
    """A saved card charged off-session; with ``account`` a destination charge taking ``fee``."""
    if account is not None:
        extra = {"transfer_data": {"destination": account.id}, "application_fee_amount": fee, **extra}
    return stripe.PaymentIntent.create(
        amount=amount,
        currency="usd",
        customer=customer.id,
        payment_method=setup.payment_method,
        confirm=True,
        off_session=True,
        **extra,
    )


@pytest.fixture
def connected_account(server):
    def make(enabled: bool = True):
        account = stripe.Account.create(
            type="express",
            email="instructor@example.com",
            capabilities={"card_payments": {"requested": True}, "transfers": {"requested": True}},
        )
        if enabled:
            server.account_action(account.id, "enable")
        return stripe.Account.retrieve(account.id)

    return make


class Receiver:
    """A tiny webhook receiver: answers each request with the next planned status (then 200)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.planned: list[int] = []
        self.lock = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    status = receiver.planned.pop(0) if receiver.planned else 200
                    receiver.requests.append(
                        {
                            "body": body,
                            "signature": self.headers["Stripe-Signature"],
                            "status": status,
                            "at": time.monotonic(),
                            "event": json.loads(body),
                        }
                    )
                    receiver.lock.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait_for(self, event_type: str, timeout: float = 10) -> dict | None:
        """The first delivered event of ``event_type``, waiting up to ``timeout`` seconds for it."""

        def found():
            return next((r["event"] for r in self.requests if r["event"]["type"] == event_type), None)

        with self.lock:
            self.lock.wait_for(found, timeout)
            return found()

    def events(self, succeeded_only: bool = True) -> list[dict]:
        return [r["event"] for r in self.requests if r["status"] == 200 or not succeeded_only]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver(fresh):
    """A receiver registered for every event; yields (receiver, signing secret)."""
    hook = Receiver()
    endpoint = stripe.WebhookEndpoint.create(url=hook.url, enabled_events=["*"])
    connect_endpoint = stripe.WebhookEndpoint.create(url=hook.url, enabled_events=["*"], connect=True)
    assert endpoint.secret.startswith("whsec_")
    hook.secret = endpoint.secret
    hook.connect_secret = connect_endpoint.secret
    yield hook
    fresh.flush_webhooks(timeout=10)
    hook.close()
