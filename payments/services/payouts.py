"""Instructors' instant payouts: everything in their Connect balance, now, for a 2% fee.

The fee is taken back to the platform by reversing it from the instructor's latest transfer,
then the rest is paid out instantly. Both Stripe calls carry keys made from the instructor and
the form's key, so a retry after a failure neither pays out nor charges the fee twice."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from payments import stripe_client
from payments.models import ConnectAccount, LedgerEntry, LedgerKind, Payout
from payments.pricing import instant_payout_fee_cents
from payments.services.ledger import ledger_record
from payments.stripe_client import idempotency_key as stripe_key

INSTANT_PAYOUT_MINIMUM_CENTS = 100


def connect_balance_cents(*, account_id: str, currency: str = "usd") -> dict[str, int]:
    """The instructor's Stripe balance: available, pending and instantly payable cents."""
    balance = stripe_client.call("balance", "retrieve", account=account_id)

    def total(parts) -> int:
        return sum(part.amount for part in parts or [] if part.currency == currency)

    return {
        "available": total(balance.available),
        "pending": total(balance.pending),
        "instant": total(getattr(balance, "instant_available", None)),
    }


def instant_payout_create(*, instructor, now: datetime, idempotency_key: str) -> Payout:
    """Pays out the instructor's whole instantly-available balance minus the 2% fee."""
    if not idempotency_key:
        raise ValidationError("The form is missing its submission key; reload the page and try again.")
    existing = Payout.objects.filter(instructor=instructor, request_key=idempotency_key).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        account = ConnectAccount.objects.select_for_update().filter(instructor=instructor).first()
        if account is None or not account.can_receive_money:
            raise ValidationError("Set up payouts first.")
        available = connect_balance_cents(account_id=account.account_id)["instant"]
        if available < INSTANT_PAYOUT_MINIMUM_CENTS:
            raise ValidationError("There is nothing to pay out yet (the minimum is $1.00).")
        fee = instant_payout_fee_cents(available)
        amount = available - fee
        fee_provider_id = _collect_fee(instructor, fee, idempotency_key)
        payout = stripe_client.call(
            "payouts",
            "create",
            params={"amount": amount, "currency": "usd", "method": "instant", "metadata": {"fee": fee}},
            key=stripe_key("instant-payout", instructor.pk, idempotency_key),
            account=account.account_id,
        )
        record = Payout.objects.create(
            instructor=instructor,
            payout_id=payout.id,
            method=Payout.Method.INSTANT,
            amount_cents=amount,
            fee_cents=fee,
            status=payout.status,
            request_key=idempotency_key,
            created_at=now,
        )
        ledger_record(
            kind=LedgerKind.PAYOUT_FEE,
            amount_cents=fee,
            key=f"reversal:{fee_provider_id}",  # the webhook sees the same reversal
            occurred_at=now,
            instructor=instructor,
            provider_id=fee_provider_id,
        )
        ledger_record(
            kind=LedgerKind.PAYOUT,
            amount_cents=amount,
            key=f"payout:{payout.id}",
            occurred_at=now,
            instructor=instructor,
            provider_id=payout.id,
            note="instant",
        )
    return record


def _collect_fee(instructor, fee: int, form_key: str) -> str:
    """Reverses the fee from the newest transfer that still has room for it."""
    transfers = LedgerEntry.objects.filter(instructor=instructor, kind=LedgerKind.TRANSFER).order_by("-id")
    for entry in transfers[:20]:
        transfer = stripe_client.call("transfers", "retrieve", entry.provider_id)
        if transfer.amount - transfer.amount_reversed >= fee:
            reversal = stripe_client.call(
                "transfers",
                "reversals.create",
                transfer.id,
                params={"amount": fee, "metadata": {"instant_payout_fee": "true"}},
                key=stripe_key("instant-payout-fee", instructor.pk, form_key),
            )
            return reversal.id
    raise ValidationError("The instant payout fee could not be collected; try a standard payout.")
