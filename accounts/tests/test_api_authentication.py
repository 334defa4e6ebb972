"""The API authenticates only through the site's session, which allauth opens after email
verification, its rate limits and the second factor. A password alone (HTTP Basic) gets nothing."""

import base64
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from accounts.tests.factories import PASSWORD, UserFactory, student
from accounts.tests.totp import totp_code
from bookings.models import Booking
from bookings.tests.factories import bookable_offer

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
STARTS = datetime(2026, 5, 4, 9, tzinfo=ZoneInfo("America/New_York"))
NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}


def basic(user) -> dict[str, str]:
    token = base64.b64encode(f"{user.email}:{PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_a_password_in_basic_auth_is_not_accepted(client):
    person = student()
    response = client.get("/api/v1/me/", headers=basic(person))
    assert (response.status_code, response.json()) == (403, NOT_AUTHENTICATED)


def test_basic_auth_cannot_skip_the_second_factor_or_email_verification(client):
    with_totp = student()
    TOTP.activate(with_totp, generate_totp_secret())
    unverified = UserFactory()
    unverified.emailaddress_set.update(verified=False)
    for person in (with_totp, unverified):
        response = client.get("/api/v1/me/", headers=basic(person))
        assert (response.status_code, response.json()) == (403, NOT_AUTHENTICATED)


def test_basic_auth_books_nothing_where_the_session_books(client, local_stripe):
    # The session's booking holds the time and opens its payment step on the local Stripe server.
    with time_machine.travel(NOW, tick=False):
        offer = bookable_offer(notice=1)
        learner = student()
        body = {
            "instructor": offer.instructor.public_id,
            "service": offer.service.slug,
            "duration": 60,
            "location_type": "online",
            "starts_at": STARTS.isoformat(),
        }
        refused = client.post(
            "/api/v1/bookings/",
            body,
            content_type="application/json",
            headers={"Idempotency-Key": "basic-1", **basic(learner)},
        )
        assert (refused.status_code, refused.json()) == (403, NOT_AUTHENTICATED)
        assert Booking.objects.count() == 0

        client.force_login(learner)
        booked = client.post(
            "/api/v1/bookings/", body, content_type="application/json", headers={"Idempotency-Key": "session-1"}
        )
        assert booked.status_code == 201
        assert Booking.objects.filter(student=learner).count() == 1


def test_the_session_counts_only_once_the_second_factor_is_done(client):
    person = student()
    secret = generate_totp_secret()
    TOTP.activate(person, secret)
    client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    # The password is right, the code not given yet: allauth has not logged the person in.
    assert client.get("/api/v1/me/").status_code == 403
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    response = client.get("/api/v1/me/")
    assert response.status_code == 200 and response.json()["id"] == person.public_id


def test_the_schema_offers_only_the_session(client):
    schemes = client.get("/api/v1/schema/", headers={"Accept": "application/json"}).json()["components"][
        "securitySchemes"
    ]
    assert list(schemes) == ["cookieAuth"]
