"""The one place for fee maths. Round half up to the cent.

Every split of money in the product comes from `lesson_split` (lessons, partial lessons, credits)
and `tip_split` (tips): each percentage is rounded half up to the cent and the platform's part is
the remainder, so what the student paid equals what the instructor received plus what the
platform kept, to the cent, always.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

BOOKING_FEE_RATE = Decimal("0.12")

# Completed lessons in the last COMMISSION_WINDOW_DAYS → commission rate; the highest threshold
# reached wins. Overridable with settings.PAYMENTS_COMMISSION_TIERS.
DEFAULT_COMMISSION_TIERS: tuple[tuple[int, Decimal], ...] = (
    (0, Decimal("0.15")),
    (10, Decimal("0.12")),
    (50, Decimal("0.10")),
)
FOUNDING_COMMISSION_RATE = Decimal("0.08")
COMMISSION_WINDOW_DAYS = 90

# Stripe's smallest card charge in USD.
STRIPE_MINIMUM_CHARGE_CENTS = 50
INSTANT_PAYOUT_FEE_RATE = Decimal("0.02")
TIP_MINIMUM_CENTS = 100
TIP_MAXIMUM_LESSON_MULTIPLE = 2


def percent_of_cents(amount_cents: int, rate: Decimal) -> int:
    """`amount_cents × rate`, rounded half up to the cent."""
    return int((Decimal(amount_cents) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def booking_fee_cents(lesson_price_cents: int) -> int:
    """The student's 12% booking fee on a lesson price."""
    return percent_of_cents(lesson_price_cents, BOOKING_FEE_RATE)


def commission_tiers() -> tuple[tuple[int, Decimal], ...]:
    configured = getattr(settings, "PAYMENTS_COMMISSION_TIERS", None)
    if not configured:
        return DEFAULT_COMMISSION_TIERS
    return tuple(sorted((int(threshold), Decimal(str(rate))) for threshold, rate in configured))


def commission_rate_for(*, completed_lessons_in_window: int, is_founding: bool) -> Decimal:
    """The commission rate fixed onto a booking when it is made."""
    if is_founding:
        return FOUNDING_COMMISSION_RATE
    rate = commission_tiers()[0][1]
    for threshold, tier_rate in commission_tiers():
        if completed_lessons_in_window >= threshold:
            rate = tier_rate
    return rate


def credit_to_apply_cents(*, amount_due_cents: int, credit_balance_cents: int) -> int:
    """How much platform credit checkout applies to `amount_due_cents`.

    Either the credit covers everything (the card pays nothing), or the card pays at least Stripe's
    minimum charge: we use less credit rather than leave a card charge under $0.50.
    """
    if amount_due_cents <= 0 or credit_balance_cents <= 0:
        return 0
    if credit_balance_cents >= amount_due_cents:
        return amount_due_cents
    return max(0, min(credit_balance_cents, amount_due_cents - STRIPE_MINIMUM_CHARGE_CENTS))


def partial_lesson_price_cents(*, lesson_price_cents: int, minutes_delivered: int, duration_minutes: int) -> int:
    """The lesson price for a partly completed lesson, pro rata, rounded half up."""
    if not 0 <= minutes_delivered <= duration_minutes:
        raise ValueError("minutes_delivered must be between 0 and the lesson's duration")
    return percent_of_cents(lesson_price_cents, Decimal(minutes_delivered) / Decimal(duration_minutes))


@dataclass(frozen=True)
class LessonSplit:
    lesson_price_cents: int
    booking_fee_cents: int
    commission_rate: Decimal
    commission_cents: int
    credit_applied_cents: int
    # What the student pays in all (card + credit) and by card.
    student_total_cents: int
    card_cents: int
    instructor_cents: int
    # The platform's part of what the student paid: fee + commission. Credit is platform money, so
    # the platform's cash from this lesson is `card_cents - instructor_cents` (negative when credit
    # funds part of the instructor's share).
    platform_cents: int

    @property
    def platform_cash_cents(self) -> int:
        return self.card_cents - self.instructor_cents


def lesson_split(
    *, lesson_price_cents: int, commission_rate: Decimal, credit_applied_cents: int = 0, charge_fee: bool = True
) -> LessonSplit:
    """Split one lesson's money. `charge_fee=False` is for charges without the booking fee (none today)."""
    if lesson_price_cents < 0:
        raise ValueError("lesson price cannot be negative")
    fee = booking_fee_cents(lesson_price_cents) if charge_fee else 0
    total = lesson_price_cents + fee
    if not 0 <= credit_applied_cents <= total:
        raise ValueError("credit must be between 0 and the amount due")
    commission = percent_of_cents(lesson_price_cents, commission_rate)
    instructor = lesson_price_cents - commission
    return LessonSplit(
        lesson_price_cents=lesson_price_cents,
        booking_fee_cents=fee,
        commission_rate=commission_rate,
        commission_cents=commission,
        credit_applied_cents=credit_applied_cents,
        student_total_cents=total,
        card_cents=total - credit_applied_cents,
        instructor_cents=instructor,
        platform_cents=total - instructor,
    )


@dataclass(frozen=True)
class TipSplit:
    tip_cents: int
    instructor_cents: int
    platform_cents: int


def tip_limits_cents(lesson_price_cents: int) -> tuple[int, int]:
    return TIP_MINIMUM_CENTS, max(TIP_MINIMUM_CENTS, lesson_price_cents * TIP_MAXIMUM_LESSON_MULTIPLE)


def tip_split(*, tip_cents: int) -> TipSplit:
    """A tip goes 100% to the instructor; the platform absorbs Stripe's processing fee."""
    return TipSplit(tip_cents=tip_cents, instructor_cents=tip_cents, platform_cents=0)


def instant_payout_fee_cents(amount_cents: int) -> int:
    return percent_of_cents(amount_cents, INSTANT_PAYOUT_FEE_RATE)


def dollars_text(cents: int) -> str:
    """1234 → "$12.34" (for messages; templates use the `dollars` filter)."""
    cents = int(cents or 0)
    return f"${cents // 100:,}.{cents % 100:02d}"
