from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payments.pricing import (
    FOUNDING_COMMISSION_RATE,
    STRIPE_MINIMUM_CHARGE_CENTS,
    booking_fee_cents,
    commission_rate_for,
    credit_to_apply_cents,
    instant_payout_fee_cents,
    lesson_split,
    partial_lesson_price_cents,
    percent_of_cents,
    tip_limits_cents,
    tip_split,
)

RATES = st.sampled_from([Decimal("0.15"), Decimal("0.12"), Decimal("0.10"), FOUNDING_COMMISSION_RATE])
PRICES = st.integers(min_value=0, max_value=5_000_000)


def test_round_half_up_to_the_cent():
    assert percent_of_cents(1004, Decimal("0.125")) == 126  # 125.5 → 126
    assert percent_of_cents(1012, Decimal("0.125")) == 127  # 126.5 → 127 (not banker's 126)
    assert booking_fee_cents(4500) == 540
    assert booking_fee_cents(4504) == 540  # 540.48
    assert booking_fee_cents(4505) == 541  # 540.6
    assert booking_fee_cents(2125) == 255  # 255.0
    assert booking_fee_cents(2129) == 255  # 255.48
    assert booking_fee_cents(1375) == 165


def test_a_9000_cent_lesson_at_each_tier():
    split = lesson_split(lesson_price_cents=9000, commission_rate=Decimal("0.15"))
    assert (split.booking_fee_cents, split.student_total_cents) == (1080, 10080)
    assert (split.commission_cents, split.instructor_cents, split.platform_cents) == (1350, 7650, 2430)
    founding = lesson_split(lesson_price_cents=9000, commission_rate=FOUNDING_COMMISSION_RATE)
    assert (founding.commission_cents, founding.instructor_cents, founding.platform_cents) == (720, 8280, 1800)


@pytest.mark.parametrize(
    ("completed", "founding", "rate"),
    [
        (0, False, "0.15"),
        (9, False, "0.15"),
        (10, False, "0.12"),
        (49, False, "0.12"),
        (50, False, "0.10"),
        (500, False, "0.10"),
        (0, True, "0.08"),
        (500, True, "0.08"),
    ],
)
def test_commission_tiers(completed, founding, rate):
    assert commission_rate_for(completed_lessons_in_window=completed, is_founding=founding) == Decimal(rate)


def test_commission_tiers_are_configurable(settings):
    settings.PAYMENTS_COMMISSION_TIERS = [(0, "0.20"), (5, "0.11")]
    assert commission_rate_for(completed_lessons_in_window=4, is_founding=False) == Decimal("0.20")
    assert commission_rate_for(completed_lessons_in_window=5, is_founding=False) == Decimal("0.11")
    assert commission_rate_for(completed_lessons_in_window=5, is_founding=True) == Decimal("0.08")


@given(price=PRICES, rate=RATES, credit_balance=st.integers(min_value=0, max_value=6_000_000))
def test_every_split_adds_up(price, rate, credit_balance):
    total = price + booking_fee_cents(price)
    credit = credit_to_apply_cents(amount_due_cents=total, credit_balance_cents=credit_balance)
    split = lesson_split(lesson_price_cents=price, commission_rate=rate, credit_applied_cents=credit)
    # Student paid = instructor received + platform kept, to the cent.
    assert split.card_cents + split.credit_applied_cents == split.student_total_cents
    assert split.student_total_cents == split.instructor_cents + split.platform_cents
    assert split.platform_cents == split.booking_fee_cents + split.commission_cents
    # Credit never reduces the instructor's share: the platform funds it.
    assert split.instructor_cents == price - percent_of_cents(price, rate)
    assert split.platform_cash_cents == split.card_cents - split.instructor_cents
    assert 0 <= split.instructor_cents <= price
    # The card pays nothing or at least Stripe's minimum, and credit is never over-used.
    assert split.card_cents == 0 or split.card_cents >= min(STRIPE_MINIMUM_CHARGE_CENTS, total)
    assert 0 <= credit <= credit_balance
    if credit_balance >= total:
        assert split.card_cents == 0


@given(price=PRICES.filter(lambda p: p > 0), rate=RATES, duration=st.sampled_from([30, 45, 60, 90]), data=st.data())
def test_partial_lessons_split_with_the_same_function(price, rate, duration, data):
    minutes = data.draw(st.integers(min_value=0, max_value=duration))
    partial = partial_lesson_price_cents(lesson_price_cents=price, minutes_delivered=minutes, duration_minutes=duration)
    assert 0 <= partial <= price
    split = lesson_split(lesson_price_cents=partial, commission_rate=rate)
    assert split.student_total_cents == split.instructor_cents + split.platform_cents
    full = lesson_split(lesson_price_cents=price, commission_rate=rate)
    assert split.student_total_cents <= full.student_total_cents


@given(
    price=PRICES.filter(lambda p: p > 0),
    completed=st.integers(min_value=0, max_value=500),
    more=st.integers(min_value=0, max_value=500),
    founding=st.booleans(),
    credit_balance=st.integers(min_value=0, max_value=6_000_000),
    data=st.data(),
)
def test_a_lesson_and_its_tip_add_up_at_every_tier_with_any_credit(
    price, completed, more, founding, credit_balance, data
):
    """The whole money of one booking (lesson, credit, tip) through the functions checkout and
    tipping use: the tier from the instructor's volume, credit applied, a tip within its limits."""
    rate = commission_rate_for(completed_lessons_in_window=completed, is_founding=founding)
    assert rate == FOUNDING_COMMISSION_RATE if founding else rate in {Decimal("0.15"), Decimal("0.12"), Decimal("0.10")}
    # More volume never raises the rate; founding instructors never move.
    assert commission_rate_for(completed_lessons_in_window=completed + more, is_founding=founding) <= rate
    total = price + booking_fee_cents(price)
    credit = credit_to_apply_cents(amount_due_cents=total, credit_balance_cents=credit_balance)
    lesson = lesson_split(lesson_price_cents=price, commission_rate=rate, credit_applied_cents=credit)
    low, high = tip_limits_cents(price)
    assert (low, high) == (100, max(100, price * 2))
    tip = tip_split(tip_cents=data.draw(st.integers(min_value=low, max_value=high)))

    student_paid = lesson.card_cents + lesson.credit_applied_cents + tip.tip_cents
    instructor_received = lesson.instructor_cents + tip.instructor_cents
    platform_kept = lesson.platform_cents + tip.platform_cents
    assert student_paid == instructor_received + platform_kept
    assert instructor_received == price - percent_of_cents(price, rate) + tip.tip_cents
    assert platform_kept == booking_fee_cents(price) + percent_of_cents(price, rate)
    # Cash: the card pays the lesson's card part and the tip; credit is platform money.
    assert lesson.card_cents + tip.tip_cents - instructor_received == lesson.platform_cash_cents


@given(tip=st.integers(min_value=100, max_value=1_000_000))
def test_tips_go_entirely_to_the_instructor(tip):
    split = tip_split(tip_cents=tip)
    assert (split.instructor_cents, split.platform_cents) == (tip, 0)
    assert split.instructor_cents + split.platform_cents == tip


def test_credit_and_the_stripe_minimum():
    # $100.80 due, $100.50 of credit: the card must still pay $0.50, so use $100.30 of credit.
    assert credit_to_apply_cents(amount_due_cents=10080, credit_balance_cents=10050) == 10030
    assert credit_to_apply_cents(amount_due_cents=10080, credit_balance_cents=10080) == 10080
    assert credit_to_apply_cents(amount_due_cents=10080, credit_balance_cents=20000) == 10080
    assert credit_to_apply_cents(amount_due_cents=10080, credit_balance_cents=2000) == 2000
    assert credit_to_apply_cents(amount_due_cents=10080, credit_balance_cents=0) == 0


def test_partial_price_and_instant_payout_fee():
    assert partial_lesson_price_cents(lesson_price_cents=9000, minutes_delivered=40, duration_minutes=60) == 6000
    assert partial_lesson_price_cents(lesson_price_cents=4500, minutes_delivered=10, duration_minutes=45) == 1000
    with pytest.raises(ValueError):
        partial_lesson_price_cents(lesson_price_cents=4500, minutes_delivered=50, duration_minutes=45)
    assert instant_payout_fee_cents(7650) == 153
    with pytest.raises(ValueError):
        lesson_split(lesson_price_cents=9000, commission_rate=Decimal("0.15"), credit_applied_cents=10081)
