"""Writing the ledger: one row per movement of money, keyed so that the service path and the
webhook path that see the same movement record it once."""

from __future__ import annotations

from datetime import datetime

from payments.models import LedgerEntry


def ledger_record(
    *,
    kind: str,
    amount_cents: int,
    key: str,
    occurred_at: datetime,
    payment=None,
    booking=None,
    student=None,
    instructor=None,
    credit=None,
    provider_id: str = "",
    note: str = "",
    actor=None,
    currency: str = "usd",
) -> tuple[LedgerEntry, bool]:
    """Records one movement unless a row with `key` exists. Call inside the caller's transaction.
    Returns (entry, created)."""
    if payment is not None:
        booking = booking or payment.booking
        student = student or payment.student
        instructor = instructor or payment.instructor
        currency = payment.currency
    return LedgerEntry.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "kind": kind,
            "amount_cents": amount_cents,
            "currency": currency,
            "payment": payment,
            "booking": booking,
            "student": student,
            "instructor": instructor,
            "credit": credit,
            "provider_id": provider_id,
            "note": note[:300],
            "actor": actor,
            "occurred_at": occurred_at,
        },
    )
