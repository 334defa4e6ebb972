"""Payments tests talk HTTP to the local Stripe server through the official SDK (no mocks)."""

from datetime import UTC, datetime

import pytest

from stripe_server.testing import LocalStripe


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


# Tuesday 4 March 2031, 09:00 in New York (before the US DST change on 9 March).
NOW = datetime(2031, 3, 4, 14, 0, tzinfo=UTC)


@pytest.fixture
def now():
    return NOW
