"""Instructors' payouts. Standard: a daily sweep pays each instructor's available Connect balance
to their bank (no fee). Instant: everything in their Connect balance, now, for a 2% fee. Neither
pays out money held for a dispute (`held_for_disputes_cents`).

The fee is taken back to the platform by reversing it from the instructor's latest transfer,
then the rest is paid out instantly. The request is stored before either Stripe call and both
carry keys made from its id, so a retry after a timeout or a crash (the page keeps its form key;
the daily sweep finishes what nobody retried) neither pays out nor takes the fee twice."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum

from payments import stripe_client
from payments.models import ConnectAccount, LedgerEntry, LedgerKind, Payment, Payout
from payments.pricing import instant_payout_fee_cents
from payments.services.ledger import ledger_record
from payments.stripe_client import ProviderError, ProviderUnavailable
from payments.stripe_client import idempotency_key as stripe_key

logger = logging.getLogger(__name__)

INSTANT_PAYOUT_MINIMUM_CENTS = 100
# An instant payout left part-way is finished by the payout sweep after this long (until then the
# instructor's own retry, with the page's key, finishes it).
INSTANT_PAYOUT_RESUME_AFTER = timedelta(minutes=10)


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
    """Pays out the instructor's whole instantly-available balance (less money held for disputes)
    minus the 2% fee.

    The request is written first (amount, fee and the transfer the fee comes from, under the
    form's key), then the fee is taken and recorded, then the payout is made. If Stripe is slow or
    down part-way, the request stays as far as it got and raises `ProviderUnavailable`; sending
    the same form key again (the page keeps it) or the daily payout sweep finishes it with the same
    Stripe keys, so the fee is never taken twice. A payout Stripe refuses gives the fee back."""
    if not idempotency_key:
        raise ValidationError("The form is missing its submission key; reload the page and try again.")
    payout = Payout.objects.filter(instructor=instructor, request_key=idempotency_key).first()
    if payout is None:
        payout = _instant_payout_request(instructor=instructor, now=now, form_key=idempotency_key)
    return instant_payout_send(payout_pk=payout.pk, now=now)


def _instant_payout_request(*, instructor, now: datetime, form_key: str) -> Payout:
    try:
        with transaction.atomic():
            account = ConnectAccount.objects.select_for_update().filter(instructor=instructor).first()
            if account is None or not account.can_receive_money:
                raise ValidationError("Set up payouts first.")
            if Payout.objects.filter(instructor=instructor, status=Payout.REQUESTED).exists():
                raise ValidationError("An instant payout is already on its way; reload the page in a minute.")
            available = connect_balance_cents(account_id=account.account_id)["instant"]
            available -= held_for_disputes_cents(instructor=instructor)
            if available < INSTANT_PAYOUT_MINIMUM_CENTS:
                raise ValidationError("There is nothing to pay out yet (the minimum is $1.00).")
            fee = instant_payout_fee_cents(available)
            return Payout.objects.create(
                instructor=instructor,
                method=Payout.Method.INSTANT,
                amount_cents=available - fee,
                fee_cents=fee,
                fee_transfer_id=_fee_source(instructor, fee),
                status=Payout.REQUESTED,
                request_key=form_key,
                created_at=now,
            )
    except IntegrityError:  # the same form sent twice at once: the other request was written first
        return Payout.objects.get(instructor=instructor, request_key=form_key)


def _fee_source(instructor, fee: int) -> str:
    """The newest transfer to the instructor that still has room for the fee to be reversed from."""
    transfers = LedgerEntry.objects.filter(instructor=instructor, kind=LedgerKind.TRANSFER).order_by("-id")
    for entry in transfers[:20]:
        transfer = stripe_client.call("transfers", "retrieve", entry.provider_id)
        if transfer.amount - transfer.amount_reversed >= fee:
            return transfer.id
    raise ValidationError("The instant payout fee could not be collected; try a standard payout.")


def instant_payout_send(*, payout_pk: int, now: datetime, skip_locked: bool = False) -> Payout | None:
    """Takes the fee (once) and makes the payout of a requested instant payout; a payout already
    made is returned as it is. Each step commits on its own, and each Stripe call's key is made
    from the payout's id, so a retry after a timeout or a crash replays instead of repeating."""
    rows = Payout.objects.select_for_update(skip_locked=skip_locked, of=("self",)).select_related(
        "instructor__connect_account"
    )
    with transaction.atomic():
        payout = rows.filter(pk=payout_pk).first()
        if payout is not None and payout.status == Payout.REQUESTED and not payout.fee_reversal_id:
            _instant_payout_fee_take(payout, now)
    with transaction.atomic():
        payout = rows.filter(pk=payout_pk).first()
        if payout is None or payout.status != Payout.REQUESTED:
            return payout
        try:
            made = stripe_client.call(
                "payouts",
                "create",
                params={
                    "amount": payout.amount_cents,
                    "currency": "usd",
                    "method": "instant",
                    "metadata": {"fee": payout.fee_cents},
                },
                key=stripe_key("instant-payout", payout.pk),
                account=payout.instructor.connect_account.account_id,
            )
        except ProviderError as error:
            _instant_payout_refused(payout, str(error), now)
            refused = True
        else:
            _payout_record(payout.instructor, made, now, record=payout)
            refused = False
    if refused:
        raise ValidationError("Stripe refused the instant payout; your fee was given back. Try a standard payout.")
    return payout


def _instant_payout_fee_take(payout: Payout, now: datetime) -> None:
    reversal = stripe_client.call(
        "transfers",
        "reversals.create",
        payout.fee_transfer_id,
        params={"amount": payout.fee_cents, "metadata": {"instant_payout_fee": "true"}},
        key=stripe_key("instant-payout", payout.pk, "fee"),
    )
    payout.fee_reversal_id = reversal.id
    payout.save(update_fields=["fee_reversal_id"])
    ledger_record(
        kind=LedgerKind.PAYOUT_FEE,
        amount_cents=payout.fee_cents,
        key=f"reversal:{reversal.id}",  # the webhook sees the same reversal
        occurred_at=now,
        instructor=payout.instructor,
        provider_id=reversal.id,
    )


def _instant_payout_refused(payout: Payout, error: str, now: datetime) -> None:
    """Stripe will not pay it out (the balance changed meanwhile): the fee goes back to the
    instructor's account, from the platform's balance."""
    payout.status = "failed"
    payout.failure = error[:300]
    payout.save(update_fields=["status", "failure"])
    if not payout.fee_reversal_id:
        return
    refund = stripe_client.call(
        "transfers",
        "create",
        params={
            "amount": payout.fee_cents,
            "currency": "usd",
            "destination": payout.instructor.connect_account.account_id,
            "metadata": {"instant_payout_fee_returned": str(payout.pk)},
        },
        key=stripe_key("instant-payout", payout.pk, "fee-back"),
    )
    ledger_record(
        kind=LedgerKind.TRANSFER,
        amount_cents=payout.fee_cents,
        key=f"transfer:{refund.id}",
        occurred_at=now,
        instructor=payout.instructor,
        provider_id=refund.id,
        note="Instant payout fee returned: the payout was refused",
    )


def instant_payouts_resume_due(*, now: datetime) -> int:
    """Periodic: finishes instant payouts left part-way (Stripe slow or down, the instructor gone)."""
    resumed = 0
    stale = Payout.objects.filter(status=Payout.REQUESTED, created_at__lte=now - INSTANT_PAYOUT_RESUME_AFTER)
    for payout_pk in stale.values_list("pk", flat=True):
        try:
            resumed += instant_payout_send(payout_pk=payout_pk, now=now, skip_locked=True) is not None
        except (ProviderUnavailable, ValidationError):
            continue
        except Exception:  # one bad row must not stop the others; logged for staff (Sentry)
            logger.exception("Finishing instant payout %s failed", payout_pk)
    return resumed


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


def _payout_record(instructor, payout, now: datetime, *, record: Payout | None = None) -> Payout:
    """Our row (`record`, an instant payout's request, or a new one) and the ledger's for a payout
    Stripe made."""
    record = record or Payout(instructor=instructor, method=payout.method, created_at=now)
    record.payout_id = payout.id
    record.amount_cents = payout.amount
    record.status = payout.status
    record.arrival_date = datetime.fromtimestamp(payout.arrival_date, tz=UTC) if payout.arrival_date else None
    record.save()
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
    instant_payouts_resume_due(now=now)
    accounts = ConnectAccount.objects.filter(Q(transfers_active=True) & Q(payouts_enabled=True))
    accounts = accounts.exclude(instructor__payouts__status=Payout.REQUESTED)  # that money is on its way
    made = 0
    for account_pk in accounts.values_list("pk", flat=True):
        try:
            made += standard_payout_create(account_pk=account_pk, now=now) is not None
        except ProviderUnavailable:
            continue  # the next run pays it out
        except Exception:  # one bad account must not stop the others; logged for staff (Sentry)
            logger.exception("Standard payout failed for Connect account %s", account_pk)
    return made
