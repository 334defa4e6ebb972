"""Payments tests talk HTTP to the local Stripe server through the official SDK (no mocks).
The server fixtures live in `payments.tests.fixtures` (registered in the root conftest)."""

import pytest

from payments.tests.fixtures import NOW


@pytest.fixture
def now():
    return NOW
