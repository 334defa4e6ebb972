"""Staff refunds (lesson payments and tips), through Stripe and the ledger.

When the instructor was already paid for the refunded money, their share of it is taken back:
reversed from their Connect account as far as its balance allows, and the rest recorded as a
debt recovered from their next earnings (e.g. after an instant payout emptied the account)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from payments import stripe_client
from payments.models import ConnectAccount, InstructorDebt, LedgerEntry, LedgerKind, Payment, PaymentStatus
from payments.pricing import dollars_text, percent_of_cents
from payments.services.ledger import ledger_record
from payments.stripe_client import idempotency_key


def payment_refund(
    *, payment: Payment, amount_cents: int, reason: str, staff_user, now: datetime, take_from_instructor: bool = True
) -> Payment:
    """Refunds `amount_cents` of a captured payment to the student's card.

    `take_from_instructor`: the instructor gives back their share of the refunded amount (all of
    it for a tip; the same proportion as their share of the charge for a lesson). Refused without
    a reason, for more than is refundable, or for a payment not charged; nothing is stored then.
    A retry after a failure sends the same idempotency keys: no second refund."""
    if not (staff_user and staff_user.is_staff):
        raise PermissionDenied("Only staff can refund.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Give the reason for the refund.")
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status != PaymentStatus.CAPTURED or not payment.charge_id:
            raise ValidationError("Only a charged payment can be refunded.")
        refundable = payment.captured_cents - payment.refunded_cents
        if not isinstance(amount_cents, int) or not 0 < amount_cents <= refundable:
            raise ValidationError(f"The refund must be between $0.01 and {dollars_text(refundable)}.")
        refunded_before = payment.refunded_cents
        refund = stripe_client.call(
            "refunds",
            "create",
            params={
                "charge": payment.charge_id,
                "amount": amount_cents,
                "reason": "requested_by_customer",
                "metadata": {"payment": payment.public_id, "staff": staff_user.public_id, "note": reason[:200]},
            },
            key=idempotency_key("payment", payment.pk, "refund", refunded_before, amount_cents),
        )
        ledger_record(
            kind=LedgerKind.REFUND,
            amount_cents=amount_cents,
            key=f"refund:{refund.id}",
            occurred_at=now,
            payment=payment,
            provider_id=refund.id,
            note=reason,
            actor=staff_user,
        )
        payment.refunded_cents = refunded_before + amount_cents
        if payment.refunded_cents == payment.captured_cents:
            payment.status = PaymentStatus.REFUNDED
        if take_from_instructor:
            instructor_share_forfeit(
                payment=payment,
                charged_back_cents=amount_cents,
                cause_id=refund.id,
                reason=f"Refund: {reason}",
                now=now,
            )
        payment.save()
    return payment


def instructor_share_forfeit(*, payment: Payment, charged_back_cents: int, cause_id: str, reason: str, now: datetime):
    """The student got `charged_back_cents` back (a refund, a lost dispute): the instructor gives
    back their share of it (all of it for a tip; for a lesson the same proportion as their share
    of the charge). What was not transferred yet is sent less; what was is taken back
    (`instructor_take_back`). Changes `payment` (locked by the caller) without saving it."""
    if not payment.instructor_share_cents:
        return
    share = (
        charged_back_cents
        if payment.instructor_share_cents >= payment.captured_cents
        else percent_of_cents(charged_back_cents, _share_rate(payment))
    )
    share = min(share, payment.instructor_share_cents)
    not_sent = payment.instructor_share_cents - payment.transferred_cents
    keep_back = min(share, not_sent)
    payment.instructor_share_cents -= keep_back  # the pending transfer sends less
    take_back = min(share - keep_back, payment.transferred_cents)
    if take_back:
        instructor_take_back(payment=payment, amount_cents=take_back, cause_id=cause_id, reason=reason, now=now)
        payment.instructor_share_cents -= take_back
        payment.transferred_cents -= take_back


def _share_rate(payment: Payment):
    from decimal import Decimal

    return Decimal(payment.instructor_share_cents) / Decimal(payment.captured_cents)


def instructor_take_back(*, payment: Payment, amount_cents: int, cause_id: str, reason: str, now: datetime) -> int:
    """Takes `amount_cents` of what the instructor was paid for `payment` back (a refund, a lost
    dispute: `cause_id` is its Stripe id): reversed from the payment's transfers as far as their
    Connect account holds it, the rest recorded as a debt recovered from their next earnings.
    Call inside the caller's transaction with the payment locked. Returns the cents reversed.
    A retry after a failure sends the same idempotency keys: nothing is reversed twice."""
    account = ConnectAccount.objects.get(instructor=payment.instructor)
    balance = stripe_client.call("balance", "retrieve", account=account.account_id)
    holds = sum(part.amount for part in balance.available if part.currency == payment.currency) + sum(
        part.amount for part in balance.pending if part.currency == payment.currency
    )
    reversible = max(0, min(amount_cents, holds))
    transfers = LedgerEntry.objects.filter(payment=payment, kind=LedgerKind.TRANSFER).order_by("id")
    left = reversible
    for entry in transfers:
        if left <= 0:
            break
        already = sum(
            LedgerEntry.objects.filter(
                payment=payment, kind=LedgerKind.REVERSAL, note__startswith=f"{entry.provider_id}:"
            ).values_list("amount_cents", flat=True)
        )
        take = min(left, entry.amount_cents - already)
        if take <= 0:
            continue
        reversal = stripe_client.call(
            "transfers",
            "reversals.create",
            entry.provider_id,
            params={"amount": take, "metadata": {"payment": payment.public_id, "cause": cause_id}},
            key=idempotency_key("payment", payment.pk, "reversal", cause_id, entry.provider_id),
        )
        ledger_record(
            kind=LedgerKind.REVERSAL,
            amount_cents=take,
            key=f"reversal:{reversal.id}",
            occurred_at=now,
            payment=payment,
            provider_id=reversal.id,
            note=f"{entry.provider_id}: {reason}",
        )
        left -= take
    owed = amount_cents - (reversible - left)
    if owed > 0:
        debt = InstructorDebt.objects.create(
            instructor=payment.instructor,
            amount_cents=owed,
            reason=f"{reason} ({cause_id})"[:200],
            payment=payment,
            created_at=now,
        )
        ledger_record(
            kind=LedgerKind.DEBT,
            amount_cents=owed,
            key=f"debt:{debt.pk}",
            occurred_at=now,
            payment=payment,
            note=debt.reason,
        )
    return reversible - left
