"""Stripe Connect Express onboarding: the account link's return and refresh pages belong to the
account's instructor alone, and a restricted account keeps an instructor from going live."""

import pytest
from django.urls import reverse

from accounts.tests.factories import student
from catalog.models import InstructorProfile, LocationType, VerificationRequest
from catalog.onboarding import missing_for_go_live
from catalog.tests.factories import live_instructor
from payments import stripe_client
from payments.models import ConnectAccount
from payments.services import connect_account_ensure
from payments.tests.helpers import WEBHOOK_SECRET, at, instructor_offer, post_event, server_events

pytestmark = pytest.mark.django_db


def _server_accounts() -> list[str]:
    return [account.id for account in stripe_client.call("accounts", "list", params={"limit": 100}).data]


def _status(account: ConnectAccount) -> tuple:
    account.refresh_from_db()
    return (
        account.details_submitted,
        account.charges_enabled,
        account.payouts_enabled,
        account.transfers_active,
        account.requirements_due,
        account.updated_at,
    )


def test_connect_return_and_refresh_refuse_anyone_but_the_accounts_instructor(client, local_stripe, now):
    at(local_stripe, now)
    owner = instructor_offer(local_stripe, now=now).instructor
    account = owner.connect_account
    # Stripe restricted the account; no webhook told us yet, so only a return visit by its
    # instructor would read the new status.
    local_stripe.account_action(account.account_id, "restrict")
    before = _status(account)
    other_instructor = live_instructor().instructor
    urls = [
        reverse("payments_connect_return", args=[account.account_id]),
        reverse("payments_connect_refresh", args=[account.account_id]),
    ]

    for url in urls:  # a guest is sent to log in
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    client.force_login(student())
    assert [client.get(url).status_code for url in urls] == [403, 403]
    client.force_login(other_instructor.user)
    assert [client.get(url).status_code for url in urls] == [404, 404]

    # Nothing changed: no account created or linked for anyone, the owner's status untouched.
    assert list(ConnectAccount.objects.values_list("instructor", "account_id")) == [(owner.pk, account.account_id)]
    assert not ConnectAccount.objects.filter(instructor=other_instructor).exists()
    assert _server_accounts() == [account.account_id]
    assert _status(account) == before and account.can_receive_money

    # The owner can use both.
    client.force_login(owner.user)
    back = client.get(urls[0], follow=True)
    assert "Stripe still needs some information before you can be paid." in back.content.decode()
    account.refresh_from_db()
    assert (account.payouts_enabled, account.transfers_active) == (False, False)
    fresh = client.get(urls[1])
    assert fresh.status_code == 302 and fresh["Location"].startswith(local_stripe.url)
    assert _server_accounts() == [account.account_id]


def _ready_but_for_payouts(now) -> InstructorProfile:
    """An onboarding instructor with profile, photo, priced online lesson and approved identity."""
    offer = live_instructor(status=InstructorProfile.Status.ONBOARDING, went_live_at=None)
    offer.location_types = [LocationType.ONLINE]
    offer.save(update_fields=["location_types"])
    profile = offer.instructor
    profile.photo = "instructors/photo.jpg"
    profile.bio = "I teach classical and pop piano to children and adults, from first notes to exams. " * 2
    profile.save(update_fields=["photo", "bio"])
    VerificationRequest.objects.create(
        instructor=profile, status=VerificationRequest.Status.APPROVED, submitted_at=now, decided_at=now
    )
    return profile


def test_an_instructor_whose_connect_account_is_restricted_cannot_go_live(client, local_stripe, now, settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    at(local_stripe, now)
    profile = _ready_but_for_payouts(now)
    account = connect_account_ensure(instructor=profile, now=now)
    local_stripe.account_action(account.account_id, "enable")
    enabled = server_events("account.updated", account.account_id)[-1]
    assert post_event(client, enabled, timestamp=int(now.timestamp())).status_code == 200
    assert missing_for_go_live(profile) == []  # payouts enabled: nothing else is missing

    local_stripe.account_action(account.account_id, "restrict")
    restricted = server_events("account.updated", account.account_id)[-1]
    assert post_event(client, restricted, timestamp=int(now.timestamp())).status_code == 200
    account.refresh_from_db()
    assert (account.details_submitted, account.payouts_enabled, account.transfers_active) == (True, False, False)
    before = _status(account)

    client.force_login(profile.user)
    response = client.post(reverse("onboarding_step", args=["go-live"]))
    assert response.status_code == 422
    assert (
        "Stripe has restricted your payouts account: transfers or payouts are not enabled, so you cannot be paid "
        "and cannot go live until Stripe enables them. Stripe needs: individual.verification.document. "
        "Continue payout setup on the Payouts step."
    ) in response.content.decode()
    profile.refresh_from_db()
    assert (profile.status, profile.went_live_at) == (InstructorProfile.Status.ONBOARDING, None)
    assert _status(account) == before
    assert _server_accounts() == [account.account_id]
