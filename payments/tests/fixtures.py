"""Pytest fixtures for anything that touches payments: a local Stripe server (one per test
session, emptied for each test) and, for browser tests, the live server wired to it — Stripe.js
from the local server, webhooks delivered to the live server. Registered in the root conftest."""

import socket
from datetime import UTC, datetime

import pytest

from stripe_server.testing import LocalStripe

WEBHOOK_SECRET = "whsec_browser_tests"  # noqa: S105 (a test-only secret the local server signs with)

# Tuesday 4 March 2031, 09:00 in New York (before the US DST change on 9 March).
NOW = datetime(2031, 3, 4, 14, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def stripe_server_process():
    server = LocalStripe(retry_base=0.05, max_attempts=3).start(port=0)
    yield server
    server.stop()


@pytest.fixture
def local_stripe(stripe_server_process, settings):
    """An empty local Stripe server the project's settings point at."""
    stripe_server_process.reset()
    settings.STRIPE_API_BASE = stripe_server_process.url
    settings.STRIPE_JS_URL = stripe_server_process.stripejs_url
    settings.STRIPE_SECRET_KEY = "sk_test_local"  # noqa: S105 (the local server accepts any test key)
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_local"
    yield stripe_server_process
    stripe_server_process.reset()


@pytest.fixture
def browser_stripe(local_stripe, live_server, settings):
    """The live server and the local Stripe server talking to each other as in production:
    pages load Stripe.js from it, and it delivers every event to our webhook URL."""
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    local_stripe.configure_webhooks(url=f"{live_server.url}/payments/webhooks/stripe/", secret=WEBHOOK_SECRET)
    return local_stripe


def pay_in_checkout(page, *, button: str = "Confirm and book", number: str = "4242 4242 4242 4242") -> None:
    """In a browser test, the checkout step of the booking flow: type a card into the Stripe.js
    stand-in and confirm (the live server must use the `browser_stripe` fixture)."""
    page.get_by_role("heading", name="Payment").wait_for()
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry (MM/YY)").fill("12/34")
    page.get_by_label("CVC").fill("123")
    page.get_by_role("button", name=button).click()


@pytest.fixture
def ends_reconciled(local_stripe):
    """Ends the test by running `reconcile_payments`, which must find no difference between our
    ledger and the Stripe server (use with `pytest.mark.usefixtures("ends_reconciled")`)."""
    from payments.tests.helpers import assert_reconciled

    yield
    assert_reconciled()


@pytest.fixture
def silent_server():
    """A port that accepts connections and never answers (a Stripe that hangs)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


@pytest.fixture
def stripe_hangs_on(settings, silent_server, monkeypatch):
    """`stripe_hangs_on("payouts", "create")`: from then on that one Stripe call times out (the
    SDK really waits on a server that never answers); every other call reaches the local server.
    Returns a function that makes the call work again."""
    from payments import stripe_client

    real_call = stripe_client.call
    hanging = set()

    def call(resource, method, *args, **kwargs):
        if (resource, method) not in hanging:
            return real_call(resource, method, *args, **kwargs)
        working = settings.STRIPE_API_BASE, getattr(settings, "STRIPE_TIMEOUT_SECONDS", 10)
        settings.STRIPE_API_BASE, settings.STRIPE_TIMEOUT_SECONDS = silent_server, 0.5
        try:
            return real_call(resource, method, *args, **kwargs)
        finally:
            settings.STRIPE_API_BASE, settings.STRIPE_TIMEOUT_SECONDS = working

    monkeypatch.setattr(stripe_client, "call", call)

    def hang(resource: str, method: str):
        hanging.add((resource, method))
        return hanging.clear

    return hang
