"""The one place for fee maths. Round half up to the cent.

The payments work extends this module (commission tiers, splits, credits); the booking flow
only needs the student's booking fee.
"""

from decimal import ROUND_HALF_UP, Decimal

BOOKING_FEE_RATE = Decimal("0.12")


def percent_of_cents(amount_cents: int, rate: Decimal) -> int:
    """`amount_cents × rate`, rounded half up to the cent."""
    return int((Decimal(amount_cents) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def booking_fee_cents(lesson_price_cents: int) -> int:
    """The student's 12% booking fee on a lesson price."""
    return percent_of_cents(lesson_price_cents, BOOKING_FEE_RATE)
