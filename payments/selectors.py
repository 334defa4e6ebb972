"""Reads shared by payment pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Sum

from bookings.services import FREE_CANCELLATION, GRACE_PERIOD, LATE_CANCELLATION
from payments.models import (
    ConnectAccount,
    Credit,
    LedgerEntry,
    LedgerKind,
    Payment,
    PaymentKind,
    PaymentStatus,
    Payout,
    Settlement,
)
from payments.pricing import dollars_text, percent_of_cents
from payments.services.lifecycle import AUTHORIZE_LEAD, CAPTURE_DELAY


def _when(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B}, {local:%H:%M}"


def checkout_explanation(*, booking, payment, intent_kind: str, zone: ZoneInfo, now: datetime) -> dict:
    """What the checkout page tells the student, with concrete times in their zone:
    when the card is authorized and charged, and what cancelling costs when."""
    starts = booking.lesson_starts_at
    amount = dollars_text(payment.card_cents)
    if intent_kind == "setup":
        authorize = (
            f"We save your card now and authorize {amount} on {_when(starts - AUTHORIZE_LEAD, zone)}, "
            "24 hours before the lesson."
        )
    elif intent_kind == "payment":
        authorize = f"We authorize {amount} on your card now; your bank may ask you to confirm."
    else:
        authorize = "Your platform credit covers this lesson; nothing is charged to a card."
    charge = (
        f"You are charged on {_when(booking.lesson_ends_at + CAPTURE_DELAY, zone)}, 24 hours after the lesson ends, "
        "unless you report a problem before then."
    )
    grace_until = booking.policy_clock_started_at + GRACE_PERIOD
    free_until = starts - FREE_CANCELLATION
    late_from = starts - LATE_CANCELLATION
    total = dollars_text(payment.lesson_price_cents + payment.booking_fee_cents)
    policy = [f"Cancel until {_when(max(free_until, grace_until), zone)} and nothing is charged."]
    if late_from > grace_until:
        policy.append(
            f"Cancel between {_when(max(free_until, grace_until), zone)} and {_when(late_from, zone)}: you pay "
            f"{total} and get {dollars_text(payment.lesson_price_cents)} back as platform credit."
        )
    policy.append(f"Cancel after {_when(max(late_from, grace_until), zone)} or miss the lesson: you pay {total}.")
    return {"authorize": authorize, "charge": charge, "policy": policy}


# ---------------------------------------------------------------- balances from the ledger


@dataclass(frozen=True)
class LedgerBalances:
    """Balances summed from `LedgerEntry` rows alone (nothing else is read)."""

    # What the student's card paid and kept paying: captures and tips, less refunds and lost disputes.
    charged_cents: int
    # What reached the instructor's Connect account: transfers less reversals.
    to_instructor_cents: int
    # What is still in the instructor's Connect account: the above less payouts and instant payout
    # fees, plus payouts the bank returned.
    instructor_stripe_balance_cents: int
    # What the instructor still owes back.
    instructor_debt_cents: int
    # The student's platform credit not spent, reserved or expired.
    credit_cents: int


def ledger_balances(*, booking=None, instructor=None, student=None) -> LedgerBalances:
    """Balances of one booking, one instructor or one student (give exactly one), derived from
    the ledger."""
    scopes = {"booking": booking, "instructor": instructor, "student": student}
    chosen = {name: value for name, value in scopes.items() if value is not None}
    if len(chosen) != 1:
        raise ValueError("give exactly one of booking, instructor, student")
    totals = dict(
        LedgerEntry.objects.filter(**chosen)
        .values("kind")
        .annotate(total=Sum("amount_cents"))
        .values_list("kind", "total")
    )

    def total(*kinds: str) -> int:
        return sum(totals.get(kind, 0) for kind in kinds)

    to_instructor = total(LedgerKind.TRANSFER) - total(LedgerKind.REVERSAL)
    return LedgerBalances(
        charged_cents=total(LedgerKind.CAPTURE, LedgerKind.TIP) - total(LedgerKind.REFUND, LedgerKind.DISPUTE_LOST),
        to_instructor_cents=to_instructor,
        instructor_stripe_balance_cents=to_instructor
        - total(LedgerKind.PAYOUT, LedgerKind.PAYOUT_FEE)
        + total(LedgerKind.PAYOUT_FAILED),
        instructor_debt_cents=total(LedgerKind.DEBT) - total(LedgerKind.DEBT_RECOVERED),
        credit_cents=total(LedgerKind.CREDIT_ISSUED, LedgerKind.CREDIT_RESTORED)
        - total(LedgerKind.CREDIT_RESERVED, LedgerKind.CREDIT_EXPIRED),
    )


# ---------------------------------------------------------------- student billing

# What a student sees on their billing page: (label, what it moves, which way). `card` is money
# that left or came back to their card; `hold` an authorization (reserved on the card, not
# charged); `credit` platform credit. Reservations are bookkeeping, not money moving.
BILLING_KINDS = {
    LedgerKind.AUTHORIZATION: ("Card authorized (not charged yet)", "hold", 1),
    LedgerKind.RELEASE: ("Authorization released", "hold", -1),
    LedgerKind.CAPTURE: ("Card charged", "card", 1),
    LedgerKind.TIP: ("Tip", "card", 1),
    LedgerKind.REFUND: ("Refund to your card", "card", -1),
    LedgerKind.CREDIT_ISSUED: ("Platform credit received", "credit", 1),
    LedgerKind.CREDIT_USED: ("Platform credit spent", "credit", -1),
    LedgerKind.CREDIT_RESTORED: ("Platform credit given back", "credit", 1),
    LedgerKind.CREDIT_EXPIRED: ("Platform credit expired", "credit", -1),
}


def student_billing_rows(*, student):
    """Every charge, refund, hold, credit and tip of `student`, newest first, each with what it
    moved (`moves`: card, hold or credit), its signed amount, and the payment it belongs to (for
    its receipt: card charges only)."""
    entries = (
        LedgerEntry.objects.filter(student=student, kind__in=BILLING_KINDS)
        .select_related("payment", "booking__instructor__user", "credit")
        .order_by("-occurred_at", "-id")
    )
    rows = []
    for entry in entries:
        label, moves, sign = BILLING_KINDS[entry.kind]
        if entry.booking_id:
            what = f"{entry.booking.service_name} with {entry.booking.instructor.user.full_name}"
        else:
            what = entry.note or (entry.credit.reason if entry.credit_id else "")
        rows.append(
            {
                "entry": entry,
                "label": label,
                "moves": moves,
                "signed_cents": entry.amount_cents * sign,
                "what": what,
                "payment": entry.payment,
                "receipt": moves == "card" and sign > 0 and entry.payment is not None,
            }
        )
    return rows


def student_credits(*, student, now: datetime):
    """Credit the student can still use, soonest expiring first."""
    return Credit.objects.filter(
        student=student, expired_at__isnull=True, expires_at__gt=now, remaining_cents__gt=0
    ).order_by("expires_at", "id")


# ---------------------------------------------------------------- instructor earnings


def instructor_earnings(*, instructor, now: datetime) -> dict:
    """Per lesson: gross (the lesson price earned on), commission, tips, net, pending or paid;
    totals; payouts; outstanding debt."""
    payments = list(
        Payment.objects.filter(instructor=instructor)
        .exclude(status=PaymentStatus.CANCELED)
        .select_related("booking__student")
        .order_by("-booking__lesson_starts_at", "kind")
    )
    tips = {p.booking_id: p for p in payments if p.kind == PaymentKind.TIP}
    lessons = []
    for payment in payments:
        if payment.kind != PaymentKind.LESSON:
            continue
        tip = tips.get(payment.booking_id)
        tip_cents = tip.instructor_share_cents if tip else 0
        if payment.settlement in (Settlement.LATE_CANCEL, Settlement.FREE):
            gross = 0
        elif payment.settlement == Settlement.PARTIAL and payment.settle_price_cents is not None:
            gross = payment.settle_price_cents
        elif payment.refunded_cents and payment.captured_cents:
            # Staff refunded part of it: the lesson earned what the student still paid, in proportion
            # (so gross − commission = net, as the instructor's share was taken back in proportion).
            kept = Decimal(payment.captured_cents - payment.refunded_cents) / Decimal(payment.captured_cents)
            gross = percent_of_cents(payment.lesson_price_cents, kept)
        else:
            gross = payment.lesson_price_cents
        share = payment.instructor_share_cents
        paid = payment.transferred_cents + (tip.transferred_cents if tip else 0)
        net = share + tip_cents
        lessons.append(
            {
                "starts_at": payment.booking.lesson_starts_at,
                "service": payment.booking.service_name,
                "student": payment.booking.student.full_name,
                "booking": payment.booking,
                "gross_cents": gross,
                "commission_cents": max(0, gross - share),
                "tips_cents": tip_cents,
                "net_cents": net,
                "paid_cents": paid,
                "status": _earning_status(payment, net_cents=net, paid_cents=paid),
            }
        )
    debt = ledger_balances(instructor=instructor).instructor_debt_cents
    return {
        "lessons": lessons,
        "pending_cents": sum(row["net_cents"] - row["paid_cents"] for row in lessons),
        "paid_cents": sum(row["paid_cents"] for row in lessons),
        "tips_cents": sum(row["tips_cents"] for row in lessons),
        "debt_cents": debt,
        "payouts": list(Payout.objects.filter(instructor=instructor).order_by("-created_at")),
        "account": ConnectAccount.objects.filter(instructor=instructor).first(),
    }


def _earning_status(payment: Payment, *, net_cents: int, paid_cents: int) -> str:
    if payment.payout_held:
        return "on hold"  # a dispute: paid or not, the money waits for the bank's decision
    if net_cents == 0:
        # Nothing was ever due (a late cancellation) or no longer is (refunded, dispute lost).
        return "nothing due" if payment.status in SETTLED else "pending"
    return "paid" if paid_cents >= net_cents else "pending"


SETTLED = (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED)


def connect_account_of(*, instructor, account_id: str) -> ConnectAccount | None:
    """The Connect account `account_id` if it is `instructor`'s own, else None."""
    return ConnectAccount.objects.filter(instructor=instructor, account_id=account_id).first()
