"""Acceptance scenarios for the booking outcomes and money rules not covered in test_scenarios:
the grace period, no-shows, platform cancellation, commission tiers through real bookings,
the authorization's `capture_before`, credit expiry and Stripe's $0.50 minimum. Each runs over the
local Stripe server with time pinned, asserts exact amounts in the ledger and on the server, and
ends with `reconcile_payments` finding no difference."""

from datetime import timedelta

import pytest

from accounts.tests.factories import staff, student
from bookings.models import BookingStatus, ProblemReport
from bookings.services import (
    booking_cancel,
    booking_mark_no_show,
    booking_reschedule,
    bookings_cancel_for_suspended_instructor,
    bookings_complete_finished,
    problem_resolve,
)
from payments import stripe_client
from payments.models import LedgerEntry, PaymentStatus
from payments.services import credit_issue
from payments.services.credits import credits_expire_due
from payments.services.lifecycle import payments_run_due
from payments.tests.helpers import (
    at,
    authorized_far_ahead,
    book_and_pay,
    completed_lesson,
    instructor_offer,
    ledger,
    lesson_in_review,
)

# Every scenario here ends with `reconcile_payments` finding no difference.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ends_reconciled")]


def _transfers_to(offer) -> list[int]:
    account = offer.instructor.connect_account.account_id
    return sorted(t.amount for t in stripe_client.call("transfers", "list", params={"destination": account}).data)


def _intent(payment):
    intent = stripe_client.call("payment_intents", "retrieve", payment.payment_intent_id)
    return intent.status, intent.amount_received


def test_student_cancels_in_the_15_minute_grace_period_nothing_charged(
    local_stripe, now, django_capture_on_commit_callbacks
):
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    # Under 12 h ahead: authorized at checkout; cancelling 14 minutes later is still free.
    booking, payment = book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(hours=6), now=now)
    assert payment.status == PaymentStatus.AUTHORIZED
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, user=booking.student, now=at(local_stripe, now + timedelta(minutes=14)))
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert (booking.cancellation_window, payment.status, payment.captured_cents) == ("grace", "canceled", 0)
    assert ledger(payment) == [("authorization", 10080), ("release", 10080)]
    assert _intent(payment) == ("canceled", 0)
    assert not booking.student.credits.exists() and _transfers_to(offer) == []


def test_student_no_show_is_charged_and_the_instructor_paid_as_for_a_lesson(local_stripe, now):
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    booking, payment = book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(hours=5), now=now)
    booking_mark_no_show(
        booking=booking,
        user=offer.instructor.user,
        now=at(local_stripe, booking.lesson_starts_at + timedelta(minutes=20)),
    )
    assert payments_run_due(now=at(local_stripe, booking.lesson_ends_at + timedelta(hours=23)))["captured"] == 0
    result = payments_run_due(now=at(local_stripe, booking.lesson_ends_at + timedelta(hours=24)))
    assert (result["captured"], result["transferred"]) == (1, 1)
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert (booking.status, payment.status, payment.captured_cents, payment.transferred_cents) == (
        BookingStatus.NO_SHOW,
        "captured",
        10080,
        7650,
    )
    assert ledger(payment) == [("authorization", 10080), ("capture", 10080), ("transfer", 7650)]
    assert _intent(payment) == ("succeeded", 10080) and _transfers_to(offer) == [7650]


def test_instructor_no_show_resolved_by_staff_the_student_pays_nothing(
    local_stripe, now, django_capture_on_commit_callbacks
):
    booking, payment, report = lesson_in_review(
        local_stripe,
        now=now,
        kind=ProblemReport.Kind.INSTRUCTOR_NO_SHOW,
        details="Waited 30 minutes, nobody came.",
        reported_after=timedelta(minutes=30),
    )
    offer = booking.offer
    # In review: the capture waits even when due.
    assert payments_run_due(now=at(local_stripe, booking.lesson_ends_at + timedelta(hours=24)))["captured"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        problem_resolve(
            report=report,
            staff_user=staff(),
            resolution=ProblemReport.Resolution.CANCELLED_NO_CHARGE,
            now=at(local_stripe, booking.lesson_ends_at + timedelta(hours=25)),
        )
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert (booking.status, booking.cancelled_by, payment.status, payment.captured_cents) == (
        "cancelled",
        "platform",
        "canceled",
        0,
    )
    assert ledger(payment) == [("authorization", 10080), ("release", 10080)]
    assert _intent(payment) == ("canceled", 0) and _transfers_to(offer) == []


def test_platform_cancels_the_student_pays_nothing_and_credit_comes_back(
    local_stripe, now, django_capture_on_commit_callbacks
):
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    learner = student()
    credit = credit_issue(student=learner, amount_cents=2000, reason="Welcome", key="welcome", now=now)
    soon, authorized = book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(hours=5), now=now, who=learner)
    later, saved = book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(days=4), now=now)
    assert (authorized.status, authorized.credit_applied_cents, authorized.card_cents) == ("authorized", 2000, 8080)
    assert saved.status == "card_saved"
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = bookings_cancel_for_suspended_instructor(
            instructor=offer.instructor, now=at(local_stripe, now + timedelta(hours=1))
        )
    assert cancelled == 2
    authorized.refresh_from_db()
    saved.refresh_from_db()
    credit.refresh_from_db()
    assert (authorized.status, saved.status) == ("canceled", "canceled")
    assert ledger(authorized) == [
        ("credit_reserved", 2000),
        ("authorization", 8080),
        ("release", 8080),
        ("credit_restored", 2000),
    ]
    assert ledger(saved) == []
    assert (credit.remaining_cents, credit.expires_at) == (2000, now + timedelta(days=365))
    assert _intent(authorized) == ("canceled", 0)
    assert len(stripe_client.call("payment_intents", "list", params={"limit": 10}).data) == 1


def test_tiered_commission_is_fixed_at_booking_and_moves_with_completed_lessons(local_stripe, now, settings):
    # Thresholds are configurable; 1 and 2 completed lessons keep the scenario short.
    settings.PAYMENTS_COMMISSION_TIERS = [(0, "0.15"), (1, "0.12"), (2, "0.10")]
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    # Booked at 15% before any lesson is completed; it stays at 15% whatever happens next.
    early, early_payment = book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(days=10), now=now)
    _, first, when = completed_lesson(local_stripe, now=now, offer=offer)
    _, second, when = completed_lesson(local_stripe, now=at(local_stripe, when + timedelta(hours=1)), offer=offer)
    _, third, when = completed_lesson(local_stripe, now=at(local_stripe, when + timedelta(hours=1)), offer=offer)
    splits = [(p.commission_rate, p.commission_cents, p.transferred_cents) for p in (first, second, third)]
    assert [(str(rate), commission, share) for rate, commission, share in splits] == [
        ("0.1500", 1350, 7650),
        ("0.1200", 1080, 7920),
        ("0.1000", 900, 8100),
    ]
    payments_run_due(now=at(local_stripe, early.lesson_starts_at - timedelta(hours=24)))
    bookings_complete_finished(now=at(local_stripe, early.lesson_ends_at))
    payments_run_due(now=at(local_stripe, early.lesson_ends_at + timedelta(hours=24)))
    early_payment.refresh_from_db()
    assert (str(early_payment.commission_rate), early_payment.transferred_cents) == ("0.1500", 7650)
    assert ledger(third) == [("authorization", 10080), ("capture", 10080), ("transfer", 8100)]
    assert _transfers_to(offer) == [7650, 7650, 7920, 8100]


def test_a_lesson_completed_more_than_90_days_ago_no_longer_counts_for_the_tier(local_stripe, now, settings):
    settings.PAYMENTS_COMMISSION_TIERS = [(0, "0.15"), (1, "0.12")]
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    lesson, _, _ = completed_lesson(local_stripe, now=now, offer=offer)
    ended = lesson.lesson_ends_at
    inside = at(local_stripe, ended + timedelta(days=90) - timedelta(minutes=1))
    _, counted = book_and_pay(local_stripe, offer=offer, starts_at=inside + timedelta(days=3, minutes=1), now=inside)
    outside = at(local_stripe, ended + timedelta(days=90, minutes=1))
    _, aged_out = book_and_pay(
        local_stripe, offer=offer, starts_at=outside + timedelta(days=4, minutes=59), now=outside
    )
    assert (str(counted.commission_rate), counted.commission_cents, counted.instructor_share_cents) == (
        "0.1200",
        1080,
        7920,
    )
    assert (str(aged_out.commission_rate), aged_out.commission_cents, aged_out.instructor_share_cents) == (
        "0.1500",
        1350,
        7650,
    )


def test_founding_instructor_pays_8_percent_and_never_moves_up(local_stripe, now, settings):
    settings.PAYMENTS_COMMISSION_TIERS = [(0, "0.15"), (1, "0.12"), (2, "0.10")]
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now, is_founding=True)
    _, first, when = completed_lesson(local_stripe, now=now, offer=offer)
    _, second, when = completed_lesson(local_stripe, now=at(local_stripe, when + timedelta(hours=1)), offer=offer)
    _, third, _ = completed_lesson(local_stripe, now=at(local_stripe, when + timedelta(hours=1)), offer=offer)
    assert {(str(p.commission_rate), p.commission_cents, p.transferred_cents) for p in (first, second, third)} == {
        ("0.0800", 720, 8280)
    }
    assert _transfers_to(offer) == [8280, 8280, 8280]


def test_capture_at_the_end_of_the_lesson_when_24h_later_would_be_past_capture_before(
    local_stripe, now, django_capture_on_commit_callbacks
):
    booking, payment, t24 = authorized_far_ahead(local_stripe, now=now)
    # Moved 5 days 8 hours later: it still ends before capture_before, but 24 h after it does not.
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_reschedule(
            booking=booking,
            user=booking.student,
            new_starts_at=booking.lesson_starts_at + timedelta(days=5, hours=8),
            now=at(local_stripe, t24 + timedelta(hours=1)),
        )
    payment.refresh_from_db()
    assert booking.lesson_ends_at < payment.capture_before < booking.lesson_ends_at + timedelta(hours=24)
    assert (payment.status, payment.capture_due_at) == ("authorized", booking.lesson_ends_at)
    assert payments_run_due(now=at(local_stripe, booking.lesson_ends_at - timedelta(minutes=1)))["captured"] == 0
    end = at(local_stripe, booking.lesson_ends_at)
    bookings_complete_finished(now=end)
    assert payments_run_due(now=end)["captured"] == 1
    payment.refresh_from_db()
    assert (payment.captured_at, payment.captured_cents, payment.transferred_cents) == (end, 10080, 7650)
    assert ledger(payment) == [("authorization", 10080), ("capture", 10080), ("transfer", 7650)]
    assert _intent(payment) == ("succeeded", 10080)


@pytest.mark.parametrize(
    ("resolution", "minutes", "refunded", "transferred", "tail"),
    [
        ("completed", None, 0, 7650, [("transfer", 7650)]),
        ("partly_completed", 40, 3360, 5100, [("refund", 3360), ("transfer", 5100)]),
        ("cancelled_no_charge", None, 10080, 0, [("refund", 10080)]),
    ],
)
def test_in_review_past_capture_before_is_captured_in_full_then_refunded_as_staff_decide(
    local_stripe, now, django_capture_on_commit_callbacks, resolution, minutes, refunded, transferred, tail
):
    booking, payment, report = lesson_in_review(
        local_stripe,
        now=now,
        kind=ProblemReport.Kind.LESSON_CUT_SHORT,
        details="Stopped after 40 minutes",
        reported_after=timedelta(hours=2),
    )
    offer = booking.offer
    # Still in review an hour before the authorization lapses: captured in full, the instructor's
    # share held until staff decide.
    lapse = at(local_stripe, payment.capture_before - timedelta(minutes=30))
    assert payments_run_due(now=lapse)["captured"] == 1
    payment.refresh_from_db()
    assert (payment.status, payment.captured_cents, payment.transferred_cents) == ("captured", 10080, 0)
    assert payments_run_due(now=at(local_stripe, lapse + timedelta(hours=1)))["transferred"] == 0
    assert _transfers_to(offer) == []

    with django_capture_on_commit_callbacks(execute=True):
        problem_resolve(
            report=report,
            staff_user=staff(),
            resolution=resolution,
            minutes_delivered=minutes,
            now=at(local_stripe, lapse + timedelta(hours=2)),
        )
    payment.refresh_from_db()
    assert (payment.captured_cents, payment.refunded_cents, payment.transferred_cents) == (10080, refunded, transferred)
    assert ledger(payment) == [("authorization", 10080), ("capture", 10080)] + tail
    charge = stripe_client.call("charges", "retrieve", payment.charge_id)
    assert (charge.amount_captured, charge.amount_refunded) == (10080, refunded)
    assert _transfers_to(offer) == ([transferred] if transferred else [])


def test_credit_expires_one_year_after_issue_by_the_job(local_stripe, now, django_capture_on_commit_callbacks):
    import time_machine

    from payments.tasks import expire_credits

    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    learner = student()
    credit = credit_issue(student=learner, amount_cents=12000, reason="Goodwill", key="goodwill", now=now)
    # The credit covers the whole lesson (no card charge at all); 1920 is left over.
    booking, payment = book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(days=3), now=now, who=learner)
    assert (payment.status, payment.credit_applied_cents, payment.card_cents, payment.payment_intent_id) == (
        "authorized",
        10080,
        0,
        "",
    )
    local_stripe.topup(10_000)
    bookings_complete_finished(now=at(local_stripe, booking.lesson_ends_at))
    payments_run_due(now=at(local_stripe, booking.lesson_ends_at + timedelta(hours=24)))
    payment.refresh_from_db()
    assert (payment.captured_cents, payment.transferred_cents) == (0, 7650)
    assert ledger(payment) == [("credit_reserved", 10080), ("credit_used", 10080), ("transfer", 7650)]
    assert _transfers_to(offer) == [7650]
    assert len(stripe_client.call("payment_intents", "list", params={"limit": 10}).data) == 0

    assert credits_expire_due(now=now + timedelta(days=365) - timedelta(minutes=1)) == 0
    with time_machine.travel(now + timedelta(days=365, minutes=1), tick=False):
        assert expire_credits.apply().get() == 1  # the Celery task, as Beat runs it
        assert expire_credits.apply().get() == 0  # twice changes nothing
    credit.refresh_from_db()
    assert (credit.remaining_cents, credit.expired_at) == (0, now + timedelta(days=365, minutes=1))
    expired = LedgerEntry.objects.filter(kind="credit_expired").values_list("credit", "amount_cents")
    assert list(expired) == [(credit.pk, 1920)]


def test_credit_leaving_under_50_cents_for_the_card_uses_less_credit(local_stripe, now):
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    learner = student()
    credit = credit_issue(student=learner, amount_cents=10050, reason="Goodwill", key="goodwill", now=now)
    booking, payment = book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(days=3), now=now, who=learner)
    # 10080 due, 10050 of credit would leave 30¢: the card pays Stripe's minimum of 50¢ instead.
    assert (payment.credit_applied_cents, payment.card_cents, payment.instructor_share_cents) == (10030, 50, 7650)
    credit.refresh_from_db()
    assert credit.remaining_cents == 20
    local_stripe.topup(10_000)
    payments_run_due(now=at(local_stripe, booking.lesson_starts_at - timedelta(hours=24)))
    bookings_complete_finished(now=at(local_stripe, booking.lesson_ends_at))
    payments_run_due(now=at(local_stripe, booking.lesson_ends_at + timedelta(hours=24)))
    payment.refresh_from_db()
    assert (payment.captured_cents, payment.transferred_cents) == (50, 7650)
    assert ledger(payment) == [
        ("credit_reserved", 10030),
        ("authorization", 50),
        ("capture", 50),
        ("credit_used", 10030),
        ("transfer", 50),
        ("transfer", 7600),
    ]
    assert _intent(payment) == ("succeeded", 50)
    assert _transfers_to(offer) == [50, 7600]
