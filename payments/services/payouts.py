"""Instructors' payouts. Standard: a daily sweep pays each instructor's available Connect balance
to their bank (no fee). Instant: everything in their Connect balance, now, for a 2% fee. Neither
pays out money held for a dispute (`held_for_disputes_cents`).

The fee is taken back to the platform by reversing it from the instructor's latest transfer,
then the rest is paid out instantly. Both Stripe calls carry keys made from the instructor and
the form's key, so a retry after a failure neither pays out nor charges the fee twice."""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum

from payments import stripe_client
from payments.models import ConnectAccount, LedgerEntry, LedgerKind, Payment, Payout
from payments.pricing import instant_payout_fee_cents
from payments.services.ledger import ledger_record
from payments.stripe_client import ProviderUnavailable
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


def held_for_disputes_cents(*, instructor) -> int:
    """What the instructor was paid for lessons under dispute: it stays in their Connect account,
    out of every payout, until the dispute is won (then paid out as usual) or lost (then taken
    back, see payment_take_back)."""
    held = Payment.objects.filter(instructor=instructor, payout_held=True).aggregate(total=Sum("transferred_cents"))
    return held["total"] or 0


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
        available -= held_for_disputes_cents(instructor=instructor)
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
        ledger_record(
            kind=LedgerKind.PAYOUT_FEE,
            amount_cents=fee,
            key=f"reversal:{fee_provider_id}",  # the webhook sees the same reversal
            occurred_at=now,
            instructor=instructor,
            provider_id=fee_provider_id,
        )
        record = _payout_record(instructor, payout, now, fee_cents=fee, request_key=idempotency_key)
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


def standard_payout_create(*, account_pk: int, now: datetime) -> Payout | None:
    """Pays the instructor's whole available balance out to their bank (standard, no fee).

    The key is made from the account and how many standard payouts we have recorded for it, so a
    run killed after Stripe paid out but before we wrote replays the same key; and a payout made
    by such a run that is not in our table yet is recorded first, so it is never made again."""
    with transaction.atomic():
        account = ConnectAccount.objects.select_for_update(skip_locked=True).filter(pk=account_pk).first()
        if account is None or not account.can_receive_money:
            return None
        instructor = account.instructor
        _record_unknown_payouts(account, now)
        available = connect_balance_cents(account_id=account.account_id)["available"]
        available -= held_for_disputes_cents(instructor=instructor)
        if available < INSTANT_PAYOUT_MINIMUM_CENTS:
            return None
        made = Payout.objects.filter(instructor=instructor, method=Payout.Method.STANDARD).count()
        payout = stripe_client.call(
            "payouts",
            "create",
            params={"amount": available, "currency": "usd", "method": "standard"},
            key=stripe_key("standard-payout", account.pk, made + 1),
            account=account.account_id,
        )
        return _payout_record(instructor, payout, now)


def _record_unknown_payouts(account: ConnectAccount, now: datetime) -> None:
    recent = stripe_client.call("payouts", "list", params={"limit": 10}, account=account.account_id).data
    known = set(Payout.objects.filter(payout_id__in=[p.id for p in recent]).values_list("payout_id", flat=True))
    for payout in reversed(recent):
        if payout.id not in known and payout.method == Payout.Method.STANDARD:
            _payout_record(account.instructor, payout, now)


def _payout_record(instructor, payout, now: datetime, *, fee_cents: int = 0, request_key: str = "") -> Payout:
    """Our row and the ledger's for a payout Stripe made."""
    record = Payout.objects.create(
        instructor=instructor,
        payout_id=payout.id,
        method=payout.method,
        amount_cents=payout.amount,
        fee_cents=fee_cents,
        status=payout.status,
        arrival_date=datetime.fromtimestamp(payout.arrival_date, tz=UTC) if payout.arrival_date else None,
        request_key=request_key,
        created_at=now,
    )
    ledger_record(
        kind=LedgerKind.PAYOUT,
        amount_cents=payout.amount,
        key=f"payout:{payout.id}",
        occurred_at=now,
        instructor=instructor,
        provider_id=payout.id,
        note=payout.method,
    )
    return record


def payouts_standard_due(*, now: datetime) -> int:
    """Periodic (daily): a standard payout for every instructor with available funds. Safe to
    run twice or concurrently (accounts are locked with SKIP LOCKED; keys replay)."""
    accounts = ConnectAccount.objects.filter(Q(transfers_active=True) & Q(payouts_enabled=True))
    made = 0
    for account_pk in accounts.values_list("pk", flat=True):
        try:
            made += standard_payout_create(account_pk=account_pk, now=now) is not None
        except ProviderUnavailable:
            continue  # the next run pays it out
    return made
