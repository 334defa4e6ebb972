"""Log-in with the production rate limits (the suite turns them off elsewhere)."""

import pytest
from django.urls import reverse

from accounts.tests.factories import PASSWORD, student

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_rate_limits(settings):
    from django.core.cache import cache

    del settings.ACCOUNT_RATE_LIMITS  # back to allauth's defaults, as in settings.py
    cache.clear()
    yield
    cache.clear()


def test_login_works_with_rate_limits_on(client, production_rate_limits):
    user = student()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_repeated_failed_logins_are_throttled(client, production_rate_limits):
    user = student()
    bodies = [
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong-password"}).content.decode()
        for _ in range(6)
    ]
    assert "Too many failed login attempts" not in bodies[0]
    assert "Too many failed login attempts" in bodies[-1]
    # Even the right password is refused while the account is throttled.
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
