"""Reads shared by payment pages."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bookings.services import FREE_CANCELLATION, GRACE_PERIOD, LATE_CANCELLATION
from payments.services.lifecycle import AUTHORIZE_LEAD, CAPTURE_DELAY


def _when(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B}, {local:%H:%M}"


def _dollars(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def checkout_explanation(*, booking, payment, intent_kind: str, zone: ZoneInfo, now: datetime) -> dict:
    """What the checkout page tells the student, with concrete times in their zone:
    when the card is authorized and charged, and what cancelling costs when."""
    starts = booking.lesson_starts_at
    amount = _dollars(payment.card_cents)
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
    total = _dollars(payment.lesson_price_cents + payment.booking_fee_cents)
    policy = [f"Cancel until {_when(max(free_until, grace_until), zone)} and nothing is charged."]
    if late_from > grace_until:
        policy.append(
            f"Cancel between {_when(max(free_until, grace_until), zone)} and {_when(late_from, zone)}: you pay "
            f"{total} and get {_dollars(payment.lesson_price_cents)} back as platform credit."
        )
    policy.append(f"Cancel after {_when(max(late_from, grace_until), zone)} or miss the lesson: you pay {total}.")
    return {"authorize": authorize, "charge": charge, "policy": policy}
