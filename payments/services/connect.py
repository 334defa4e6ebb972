"""Instructors' Stripe Connect Express accounts."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F

from payments import stripe_client
from payments.models import ConnectAccount
from payments.stripe_client import idempotency_key


def connect_account_ensure(*, instructor, now: datetime) -> ConnectAccount:
    existing = ConnectAccount.objects.filter(instructor=instructor).first()
    if existing:
        return existing
    account = stripe_client.call(
        "accounts",
        "create",
        params={
            "type": "express",
            "country": "US",
            "email": instructor.user.email,
            "capabilities": {"transfers": {"requested": True}},
            "metadata": {"instructor": instructor.user.public_id},
        },
        key=idempotency_key("connect-account", instructor.pk),
    )
    obj, _ = ConnectAccount.objects.get_or_create(
        instructor=instructor, defaults={"account_id": account.id, "created_at": now, "updated_at": now}
    )
    return obj


def connect_onboarding_link(*, account: ConnectAccount, return_url: str, refresh_url: str) -> str:
    """A one-time link to Stripe's onboarding pages for an existing Express account (create it
    with `connect_account_ensure`; the return and refresh URLs name it). Links are single-use, so
    each has its own key (a counter on the account): a retry of a failed request replays it, a
    later visit gets a fresh link."""
    ConnectAccount.objects.filter(pk=account.pk).update(onboarding_links=F("onboarding_links") + 1)
    made = ConnectAccount.objects.values_list("onboarding_links", flat=True).get(pk=account.pk)
    link = stripe_client.call(
        "account_links",
        "create",
        params={
            "account": account.account_id,
            "type": "account_onboarding",
            "return_url": return_url,
            "refresh_url": refresh_url,
        },
        key=idempotency_key("connect-account", account.pk, "link", made),
    )
    return link.url


def connect_account_sync(*, account_data, now: datetime) -> ConnectAccount | None:
    """Copies an Account object's status (from `account.updated` or a retrieve) onto our row."""
    with transaction.atomic():
        account = ConnectAccount.objects.select_for_update().filter(account_id=account_data["id"]).first()
        if account is None:
            return None
        capabilities = account_data.get("capabilities") or {}
        requirements = account_data.get("requirements") or {}
        account.details_submitted = bool(account_data.get("details_submitted"))
        account.charges_enabled = bool(account_data.get("charges_enabled"))
        account.payouts_enabled = bool(account_data.get("payouts_enabled"))
        account.transfers_active = capabilities.get("transfers") == "active"
        account.requirements_due = list(requirements.get("currently_due") or [])
        account.updated_at = now
        account.save()
    return account


def connect_account_refresh(*, instructor, now: datetime) -> ConnectAccount | None:
    """Reads the account from Stripe (the return page does this; webhooks do it too)."""
    account = ConnectAccount.objects.filter(instructor=instructor).first()
    if account is None:
        return None
    data = stripe_client.call("accounts", "retrieve", account.account_id)
    return connect_account_sync(account_data=data.to_dict(), now=now)


def instructor_can_receive_payouts(instructor) -> bool:
    """For the catalog's going-live checks: transfers and payouts enabled."""
    account = ConnectAccount.objects.filter(instructor=instructor).first()
    return bool(account and account.can_receive_money)


def instructor_payouts_missing(instructor) -> str:
    """Why the instructor cannot go live yet as far as payouts go, in their words."""
    account = ConnectAccount.objects.filter(instructor=instructor).first()
    if account is None:
        return "Still needed: payouts set up (Set up payouts on the Payouts step)."
    if account.details_submitted:
        due = f" Stripe needs: {', '.join(account.requirements_due)}." if account.requirements_due else ""
        return (
            "Stripe has restricted your payouts account: transfers or payouts are not enabled, so you cannot "
            f"be paid and cannot go live until Stripe enables them.{due} Continue payout setup on the Payouts step."
        )
    return "Still needed: payouts set up (finish Stripe's onboarding on the Payouts step)."
