"""Tips after a lesson and staff refunds, over the local Stripe server with time pinned."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict

from accounts.tests.factories import staff, student
from payments import stripe_client
from payments.models import LedgerEntry, Payment, PaymentStatus
from payments.services import payment_refund, tip_create, tip_from_form
from payments.tests.helpers import at, completed_lesson, ledger

# Every scenario here ends with `reconcile_payments` finding no difference.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ends_reconciled")]


def test_tip_goes_entirely_to_the_instructor_once_and_staff_can_refund_it(
    local_stripe, now, django_capture_on_commit_callbacks
):
    at(local_stripe, now)
    booking, lesson, when = completed_lesson(local_stripe, now=now)
    assert (booking.status, lesson.status, lesson.transferred_cents) == ("completed", "captured", 7650)
    learner = booking.student

    with django_capture_on_commit_callbacks(execute=True):
        tip = tip_create(booking=booking, student=learner, amount_cents=2000, now=when, idempotency_key="t1")
    tip.refresh_from_db()
    assert (tip.kind, tip.status, tip.captured_cents, tip.transferred_cents) == ("tip", "captured", 2000, 2000)
    assert ledger(tip) == [("tip", 2000), ("transfer", 2000)]
    intent = stripe_client.call("payment_intents", "retrieve", tip.payment_intent_id)
    assert (intent.status, intent.amount_received) == ("succeeded", 2000)
    account = booking.instructor.connect_account.account_id
    transfers = stripe_client.call("transfers", "list", params={"destination": account}).data
    assert sorted((t.amount, t.source_transaction) for t in transfers) == sorted(
        [(7650, lesson.charge_id), (2000, tip.charge_id)]
    )
    # The same form sent twice is one tip; a second tip is refused.
    assert tip_create(booking=booking, student=learner, amount_cents=2000, now=when, idempotency_key="t1").pk == tip.pk
    with pytest.raises(ValidationError, match="already left a tip"):
        tip_create(booking=booking, student=learner, amount_cents=500, now=when, idempotency_key="t2")
    assert len(stripe_client.call("payment_intents", "list", params={"limit": 10}).data) == 2

    # Staff refund the whole tip: the student gets it back, the instructor gives it back.
    refunded = payment_refund(payment=tip, amount_cents=2000, reason="Tipped by mistake", staff_user=staff(), now=when)
    assert (refunded.status, refunded.refunded_cents, refunded.instructor_share_cents) == ("refunded", 2000, 0)
    assert ledger(tip) == [("tip", 2000), ("transfer", 2000), ("refund", 2000), ("reversal", 2000)]
    charge = stripe_client.call("charges", "retrieve", tip.charge_id)
    assert (charge.amount_refunded, charge.refunded) == (2000, True)
    transfer = next(t for t in transfers if t.source_transaction == tip.charge_id)
    assert stripe_client.call("transfers", "retrieve", transfer.id).amount_reversed == 2000
    assert LedgerEntry.objects.get(kind="refund").note == "Tipped by mistake"


@pytest.mark.parametrize(
    ("amount", "message"), [(99, "A tip can be from $1.00 to $180.00."), (18001, "A tip can be from $1.00 to $180.00.")]
)
def test_tip_outside_the_limits_is_refused_and_nothing_is_charged(local_stripe, now, amount, message):
    at(local_stripe, now)
    booking, _, when = completed_lesson(local_stripe, now=now)
    with pytest.raises(ValidationError, match=message.replace("$", r"\$").replace(".", r"\.")):
        tip_create(booking=booking, student=booking.student, amount_cents=amount, now=when, idempotency_key="k")
    assert not Payment.objects.filter(kind="tip").exists()
    assert len(stripe_client.call("payment_intents", "list", params={"limit": 10}).data) == 1


def test_only_the_student_tips_and_only_after_a_completed_lesson(local_stripe, now):
    from payments.tests.helpers import book_and_pay, instructor_offer

    at(local_stripe, now)
    booking, _, when = completed_lesson(local_stripe, now=now)
    with pytest.raises(PermissionDenied):
        tip_create(booking=booking, student=student(), amount_cents=500, now=when, idempotency_key="x")
    upcoming, _ = book_and_pay(
        local_stripe, offer=instructor_offer(local_stripe, now=now), starts_at=now + timedelta(days=5), now=now
    )
    with pytest.raises(ValidationError, match="once the lesson is completed"):
        tip_create(booking=upcoming, student=upcoming.student, amount_cents=500, now=when, idempotency_key="y")
    assert not Payment.objects.filter(kind="tip").exists()


def test_tip_from_the_review_form_field(local_stripe, now):
    at(local_stripe, now)
    booking, _, when = completed_lesson(local_stripe, now=now)
    assert tip_from_form(booking=booking, student=booking.student, data=QueryDict("tip_amount="), now=when) is None
    with pytest.raises(ValidationError, match="Enter the tip in dollars"):
        tip_from_form(booking=booking, student=booking.student, data=QueryDict("tip_amount=lots"), now=when)
    tip = tip_from_form(
        booking=booking, student=booking.student, data=QueryDict("tip_amount=12.50&tip_key=r"), now=when
    )
    assert tip.captured_cents == 1250


def test_staff_partial_refund_of_a_lesson_takes_the_instructors_share_back_in_proportion(local_stripe, now):
    at(local_stripe, now)
    booking, lesson, when = completed_lesson(local_stripe, now=now)
    refunded = payment_refund(payment=lesson, amount_cents=5040, reason="Half the lesson", staff_user=staff(), now=when)
    # 7650 of 10080 went to the instructor: half of the refund's share is 3825.
    assert (refunded.status, refunded.refunded_cents, refunded.instructor_share_cents) == ("captured", 5040, 3825)
    assert ledger(lesson)[-2:] == [("refund", 5040), ("reversal", 3825)]
    with pytest.raises(ValidationError, match=r"between \$0\.01 and \$50\.40"):
        payment_refund(payment=lesson, amount_cents=5041, reason="Too much", staff_user=staff(), now=when)
    assert stripe_client.call("charges", "retrieve", lesson.charge_id).amount_refunded == 5040


def test_refund_needs_staff_and_a_reason_and_stores_nothing_otherwise(local_stripe, now):
    at(local_stripe, now)
    booking, lesson, when = completed_lesson(local_stripe, now=now)
    with pytest.raises(PermissionDenied):
        payment_refund(payment=lesson, amount_cents=100, reason="Nice try", staff_user=booking.student, now=when)
    with pytest.raises(ValidationError, match="Give the reason"):
        payment_refund(payment=lesson, amount_cents=100, reason="  ", staff_user=staff(), now=when)
    lesson.refresh_from_db()
    assert (lesson.status, lesson.refunded_cents) == (PaymentStatus.CAPTURED, 0)
    assert not LedgerEntry.objects.filter(kind__in=["refund", "reversal"]).exists()
    assert stripe_client.call("charges", "retrieve", lesson.charge_id).amount_refunded == 0
