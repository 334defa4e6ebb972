"""Platform credit: issued, reserved on a payment (soonest expiring first), used when the payment
settles, restored with its original expiry on a free cancellation, expired after a year."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Sum

from payments.models import Credit, CreditUse, LedgerKind
from payments.services.ledger import ledger_record

CREDIT_LIFETIME = timedelta(days=365)


def credit_issue(*, student, amount_cents: int, reason: str, key: str, now: datetime, source_booking=None) -> Credit:
    """Gives `student` credit expiring one year from `now`. Idempotent per `key`."""
    if amount_cents <= 0:
        raise ValueError("credit must be positive")
    with transaction.atomic():
        credit, created = Credit.objects.get_or_create(
            idempotency_key=key,
            defaults={
                "student": student,
                "amount_cents": amount_cents,
                "remaining_cents": amount_cents,
                "reason": reason,
                "source_booking": source_booking,
                "issued_at": now,
                "expires_at": now + CREDIT_LIFETIME,
            },
        )
        if created:
            ledger_record(
                kind=LedgerKind.CREDIT_ISSUED,
                amount_cents=amount_cents,
                key=f"credit-issued:{credit.pk}",
                occurred_at=now,
                student=student,
                booking=source_booking,
                credit=credit,
                note=reason,
            )
    return credit


def _usable(student, now: datetime):
    return Credit.objects.filter(student=student, expired_at__isnull=True, expires_at__gt=now, remaining_cents__gt=0)


def credit_balance_cents(*, student, now: datetime) -> int:
    return _usable(student, now).aggregate(total=Sum("remaining_cents"))["total"] or 0


def credits_reserve(*, payment, amount_cents: int, now: datetime) -> int:
    """Reserves up to `amount_cents` of the student's credit on `payment`, soonest expiring
    first. Call inside the caller's transaction. Returns what was reserved."""
    left = amount_cents
    for credit in _usable(payment.student, now).order_by("expires_at", "id").select_for_update():
        if left <= 0:
            break
        take = min(left, credit.remaining_cents)
        credit.remaining_cents -= take
        credit.save(update_fields=["remaining_cents"])
        CreditUse.objects.create(credit=credit, payment=payment, amount_cents=take, created_at=now)
        ledger_record(
            kind=LedgerKind.CREDIT_RESERVED,
            amount_cents=take,
            key=f"credit-reserved:{payment.pk}:{credit.pk}",
            occurred_at=now,
            payment=payment,
            credit=credit,
        )
        left -= take
    return amount_cents - left


def credits_restore(*, payment, now: datetime) -> int:
    """A free cancellation: reserved credit goes back with its original expiry (so does credit
    already used, when staff decide a captured lesson costs the student nothing)."""
    restored = 0
    uses = CreditUse.objects.select_for_update().filter(
        payment=payment, status__in=[CreditUse.Status.RESERVED, CreditUse.Status.USED]
    )
    for use in uses.select_related("credit"):
        credit = Credit.objects.select_for_update().get(pk=use.credit_id)
        credit.remaining_cents += use.amount_cents
        credit.save(update_fields=["remaining_cents"])
        use.status = CreditUse.Status.RESTORED
        use.save(update_fields=["status"])
        ledger_record(
            kind=LedgerKind.CREDIT_RESTORED,
            amount_cents=use.amount_cents,
            key=f"credit-restored:{payment.pk}:{credit.pk}",
            occurred_at=now,
            payment=payment,
            credit=credit,
        )
        restored += use.amount_cents
    return restored


def credits_use(*, payment, now: datetime) -> int:
    """The payment settled: reserved credit is spent."""
    used = 0
    for use in CreditUse.objects.select_for_update().filter(payment=payment, status=CreditUse.Status.RESERVED):
        use.status = CreditUse.Status.USED
        use.save(update_fields=["status"])
        ledger_record(
            kind=LedgerKind.CREDIT_USED,
            amount_cents=use.amount_cents,
            key=f"credit-used:{payment.pk}:{use.credit_id}",
            occurred_at=now,
            payment=payment,
            credit=use.credit,
        )
        used += use.amount_cents
    return used


def credits_expire_due(*, now: datetime) -> int:
    """Periodic: credit past its expiry is expired (what is left of it). Safe to run twice."""
    count = 0
    with transaction.atomic():
        due = Credit.objects.filter(expired_at__isnull=True, expires_at__lte=now).select_for_update(skip_locked=True)
        for credit in due:
            if credit.remaining_cents:
                ledger_record(
                    kind=LedgerKind.CREDIT_EXPIRED,
                    amount_cents=credit.remaining_cents,
                    key=f"credit-expired:{credit.pk}",
                    occurred_at=now,
                    student=credit.student,
                    credit=credit,
                )
            credit.remaining_cents = 0
            credit.expired_at = now
            credit.save(update_fields=["remaining_cents", "expired_at"])
            count += 1
    return count
