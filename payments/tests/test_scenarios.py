"""Scenario tests over the local Stripe server with time pinned: exact amounts in our ledger and
on the server."""

from datetime import timedelta

import pytest

from bookings.models import BookingStatus
from bookings.services import bookings_complete_finished
from payments import stripe_client
from payments.models import LedgerEntry, PaymentStatus
from payments.services.lifecycle import payments_run_due
from payments.tests.helpers import at, book_and_pay, instructor_offer, ledger

# Every scenario here ends with `reconcile_payments` finding no difference.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ends_reconciled")]


def test_book_far_ahead_authorize_at_t_minus_24h_capture_after_the_lesson_and_transfer(local_stripe, now):
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    starts = now + timedelta(days=3, hours=1)  # Friday 10:00 New York
    booking, payment = book_and_pay(local_stripe, offer=offer, starts_at=starts, now=now)

    assert booking.status == BookingStatus.CONFIRMED
    assert payment.status == PaymentStatus.CARD_SAVED
    assert (payment.lesson_price_cents, payment.booking_fee_cents, payment.card_cents) == (9000, 1080, 10080)
    assert (payment.commission_cents, payment.instructor_share_cents) == (1350, 7650)
    assert payment.authorize_due_at == starts - timedelta(hours=24)
    assert ledger(payment) == []

    # Nothing happens before T−24 h.
    assert payments_run_due(now=at(local_stripe, starts - timedelta(hours=25)))["authorized"] == 0
    t_minus_24 = at(local_stripe, starts - timedelta(hours=24))
    assert payments_run_due(now=t_minus_24)["authorized"] == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.AUTHORIZED
    assert payment.capture_due_at == booking.lesson_ends_at + timedelta(hours=24)
    assert payment.capture_before == t_minus_24 + timedelta(days=7)
    intent = stripe_client.call("payment_intents", "retrieve", payment.payment_intent_id)
    assert (intent.status, intent.amount, intent.capture_method) == ("requires_capture", 10080, "manual")
    # Running the sweep again (or concurrently) does nothing more.
    assert payments_run_due(now=t_minus_24)["authorized"] == 0
    assert len(stripe_client.call("payment_intents", "list", params={"limit": 100}).data) == 1

    after_lesson = at(local_stripe, booking.lesson_ends_at + timedelta(minutes=5))
    bookings_complete_finished(now=after_lesson)
    assert payments_run_due(now=after_lesson)["captured"] == 0  # capture waits 24 h after the lesson

    capture_time = at(local_stripe, booking.lesson_ends_at + timedelta(hours=24))
    assert payments_run_due(now=capture_time) == {
        "released": 0,
        "authorized": 0,
        "auto_cancelled": 0,
        "captured": 1,
        "taken_back": 0,
        "transferred": 1,
    }
    payment.refresh_from_db()
    assert (payment.status, payment.captured_cents, payment.transferred_cents) == (PaymentStatus.CAPTURED, 10080, 7650)
    assert ledger(payment) == [("authorization", 10080), ("capture", 10080), ("transfer", 7650)]
    charge = stripe_client.call("charges", "retrieve", payment.charge_id)
    assert (charge.amount_captured, charge.captured) == (10080, True)
    account = offer.instructor.connect_account.account_id
    transfers = stripe_client.call("transfers", "list", params={"destination": account}).data
    assert [(t.amount, t.source_transaction) for t in transfers] == [(7650, payment.charge_id)]
    assert payments_run_due(now=capture_time + timedelta(minutes=1)) == dict.fromkeys(
        ["released", "authorized", "auto_cancelled", "captured", "taken_back", "transferred"], 0
    )
    assert LedgerEntry.objects.count() == 3


def _cancel(booking, user, when, django_capture_on_commit_callbacks, **kwargs):
    from bookings.services import booking_cancel

    with django_capture_on_commit_callbacks(execute=True):
        return booking_cancel(booking=booking, user=user, now=when, **kwargs)


def test_student_cancels_24h_or_more_before_nothing_charged(local_stripe, now, django_capture_on_commit_callbacks):
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    booking, payment = book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(days=3), now=now)
    _cancel(booking, booking.student, at(local_stripe, now + timedelta(hours=2)), django_capture_on_commit_callbacks)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELED
    assert ledger(payment) == []
    assert stripe_client.call("payment_intents", "list", params={"limit": 10}).data == []


def test_student_cancels_12_to_24h_before_charged_instructor_nothing_credit_back(
    local_stripe, now, django_capture_on_commit_callbacks
):
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    starts = now + timedelta(hours=23)  # Wednesday 08:00 New York
    booking, payment = book_and_pay(local_stripe, offer=offer, starts_at=starts, now=now)
    assert payment.status == PaymentStatus.AUTHORIZED  # under 24 h: authorized at checkout
    _cancel(booking, booking.student, at(local_stripe, now + timedelta(hours=2)), django_capture_on_commit_callbacks)
    payment.refresh_from_db()
    assert (payment.status, payment.captured_cents, payment.instructor_share_cents) == ("captured", 10080, 0)
    assert ledger(payment) == [("authorization", 10080), ("capture", 10080)]
    credit = booking.student.credits.get()
    assert (credit.amount_cents, credit.remaining_cents) == (9000, 9000)
    assert credit.expires_at == now + timedelta(hours=2) + timedelta(days=365)
    assert stripe_client.call("transfers", "list").data == []
    intent = stripe_client.call("payment_intents", "retrieve", payment.payment_intent_id)
    assert (intent.status, intent.amount_received) == ("succeeded", 10080)


def test_student_cancels_under_12h_charged_and_instructor_paid(local_stripe, now, django_capture_on_commit_callbacks):
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now, is_founding=True)
    booking, payment = book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(hours=8), now=now)
    _cancel(booking, booking.student, at(local_stripe, now + timedelta(hours=1)), django_capture_on_commit_callbacks)
    payment.refresh_from_db()
    # Founding instructor: 8% of 9000 = 720 commission, 8280 to the instructor.
    assert (payment.status, payment.captured_cents, payment.transferred_cents) == ("captured", 10080, 8280)
    assert ledger(payment) == [("authorization", 10080), ("capture", 10080), ("transfer", 8280)]
    assert not booking.student.credits.exists()


def test_instructor_cancels_student_pays_nothing(local_stripe, now, django_capture_on_commit_callbacks):
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    booking, payment = book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(hours=8), now=now)
    _cancel(
        booking, offer.instructor.user, at(local_stripe, now + timedelta(hours=1)), django_capture_on_commit_callbacks
    )
    payment.refresh_from_db()
    assert (payment.status, payment.captured_cents) == ("canceled", 0)
    assert ledger(payment) == [("authorization", 10080), ("release", 10080)]
    intent = stripe_client.call("payment_intents", "retrieve", payment.payment_intent_id)
    assert (intent.status, intent.amount_received) == ("canceled", 0)


def test_same_day_booking_with_3d_secure(local_stripe, now):
    from payments.services import checkout_finish, checkout_prepare
    from payments.tests.helpers import browser_confirms, start_booking

    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    booking = start_booking(offer=offer, starts_at=now + timedelta(hours=4), now=now)
    step = checkout_prepare(booking=booking, user=booking.student, now=now)
    assert step.intent_kind == "payment"
    intent = browser_confirms(step, "pm_card_threeDSecure2Required")
    assert intent.status == "requires_action"
    local_stripe.authenticate(intent.id, "complete")  # the student completes the bank's challenge
    payment = checkout_finish(booking=booking, user=booking.student, now=now + timedelta(minutes=1))
    booking.refresh_from_db()
    assert (booking.status, payment.status) == (BookingStatus.CONFIRMED, PaymentStatus.AUTHORIZED)
    assert ledger(payment) == [("authorization", 10080)]


def test_same_day_booking_failed_3d_secure_makes_no_booking_and_releases_the_time(local_stripe, now):
    from django.core.exceptions import ValidationError

    from payments.services import checkout_finish, checkout_prepare
    from payments.tests.helpers import browser_confirms, start_booking

    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    starts = now + timedelta(hours=4)
    booking = start_booking(offer=offer, starts_at=starts, now=now)
    step = checkout_prepare(booking=booking, user=booking.student, now=now)
    intent = browser_confirms(step, "pm_card_threeDSecure2Required")
    local_stripe.authenticate(intent.id, "fail")
    with pytest.raises(ValidationError, match="No booking was made"):
        checkout_finish(booking=booking, user=booking.student, now=now + timedelta(minutes=1))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and not booking.holds_time
    assert LedgerEntry.objects.count() == 0
    # The time is free again: someone else can book it.
    other, other_payment = book_and_pay(local_stripe, offer=offer, starts_at=starts, now=now + timedelta(minutes=2))
    assert other.status == BookingStatus.CONFIRMED


def test_failed_authorization_retries_then_auto_cancels_at_t_minus_6h(
    client, local_stripe, now, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from notifications.models import Notification, OutboundMessage

    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    starts = now + timedelta(days=3)
    # The card saves fine but every charge is declined (generic_decline: a soft decline).
    booking, payment = book_and_pay(
        local_stripe, offer=offer, starts_at=starts, now=now, card="pm_card_chargeCustomerFail"
    )
    if payment.status != PaymentStatus.CARD_SAVED:
        pytest.fail(f"card did not save: {payment.status} {payment.last_error}")
    attempts = []
    for lead in (24, 22, 20, 18):
        when = at(local_stripe, starts - timedelta(hours=lead))
        with django_capture_on_commit_callbacks(execute=True):
            payments_run_due(now=when)
        payment.refresh_from_db()
        attempts.append((payment.status, payment.authorization_attempts, payment.authorize_due_at))
    assert attempts == [
        ("authorization_failed", 1, starts - timedelta(hours=22)),
        ("authorization_failed", 2, starts - timedelta(hours=20)),
        ("authorization_failed", 3, starts - timedelta(hours=18)),
        ("authorization_failed", 4, None),
    ]
    assert OutboundMessage.objects.filter(to=booking.student.email, subject__startswith="Action needed").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        result = payments_run_due(now=at(local_stripe, starts - timedelta(hours=6)))
    assert result["auto_cancelled"] == 1
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert (booking.status, booking.cancelled_by, booking.cancellation_window) == ("cancelled", "student", "under_12h")
    assert payment.status == PaymentStatus.CANCELED
    assert [kind for kind, _ in ledger(payment)] == ["authorization_failed"] * 4
    # Both sides are told what happened, by email and in the app: the card could not be
    # authorized, so the lesson was cancelled automatically (not "cancelled by" the student).
    name = booking.student.full_name
    told = {
        booking.student: (
            "Lesson cancelled automatically: your card could not be authorized",
            "We could not authorize your card for this lesson by 6 hours before it starts, so the lesson was "
            "cancelled automatically.\nNothing was charged. It counts as a late cancellation on your record.\n",
        ),
        booking.instructor.user: (
            f"Lesson cancelled automatically: {name}'s card could not be authorized",
            f"We could not authorize {name}'s card for this lesson by 6 hours before it starts, so the lesson was "
            f"cancelled automatically; {name} did not cancel it.\nThe time is open in your calendar again.\n",
        ),
    }
    for person, (title, opening) in told.items():
        email = OutboundMessage.objects.get(to=person.email, subject__startswith="Lesson cancelled")
        assert email.subject == title
        assert email.body.startswith(opening), email.body
        assert "cancelled by" not in email.body.lower()
        notice = Notification.objects.get(user=person, kind="booking_cancelled")
        assert notice.title == title
    # On the student's record: a late cancellation by them.
    from bookings.models import BookingEvent

    event = BookingEvent.objects.get(booking=booking, kind="cancelled")
    assert (event.actor_role, event.data["window"]) == ("student", "under_12h")
    # The fix-card link now says the lesson was cancelled, and using it changes nothing.
    client.force_login(booking.student)
    url = reverse("payments_fix_card", args=[payment.public_id])
    assert "This lesson was cancelled" in client.get(url).content.decode()
    card = booking.student.saved_cards.get()
    assert client.post(url, {"card": card.public_id}).status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELED and len(ledger(payment)) == 4
    assert len(stripe_client.call("payment_intents", "list", params={"limit": 100}).data) == 4


def test_credit_reserved_restored_with_its_expiry_then_spent(local_stripe, now, django_capture_on_commit_callbacks):
    from accounts.tests.factories import student
    from payments.models import Credit
    from payments.selectors import ledger_balances
    from payments.services import credit_balance_cents, credit_issue
    from payments.services.credits import credits_expire_due

    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    learner = student()
    older = credit_issue(student=learner, amount_cents=3000, reason="Welcome", key="w1", now=now - timedelta(days=300))
    newer = credit_issue(student=learner, amount_cents=5000, reason="Sorry", key="s1", now=now - timedelta(days=10))
    booking, payment = book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(days=3), now=now, who=learner)
    # 10080 due, 8000 of credit: all credit used (the card pays 2080, above Stripe's minimum).
    assert (payment.credit_applied_cents, payment.card_cents, payment.instructor_share_cents) == (8000, 2080, 7650)
    assert [(c.pk, c.remaining_cents) for c in Credit.objects.order_by("expires_at")] == [(older.pk, 0), (newer.pk, 0)]
    _cancel(booking, learner, at(local_stripe, now + timedelta(minutes=5)), django_capture_on_commit_callbacks)
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.remaining_cents, older.expires_at) == (3000, now - timedelta(days=300) + timedelta(days=365))
    assert newer.remaining_cents == 5000
    assert ledger_balances(student=learner).credit_cents == credit_balance_cents(student=learner, now=now) == 8000
    assert ledger(payment) == [("credit_reserved", 3000), ("credit_reserved", 5000)] + [
        ("credit_restored", 3000),
        ("credit_restored", 5000),
    ]

    # Spent on the next lesson; the instructor still gets the full share, partly from our balance.
    local_stripe.topup(100_000)
    booking, payment = book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(days=4), now=now, who=learner)
    assert (payment.credit_applied_cents, payment.card_cents) == (8000, 2080)
    t24 = at(local_stripe, booking.lesson_starts_at - timedelta(hours=24))
    payments_run_due(now=t24)
    bookings_complete_finished(now=at(local_stripe, booking.lesson_ends_at))
    payments_run_due(now=at(local_stripe, booking.lesson_ends_at + timedelta(hours=24)))
    payment.refresh_from_db()
    assert (payment.captured_cents, payment.transferred_cents) == (2080, 7650)
    spent = ledger_balances(student=learner)
    assert (spent.credit_cents, spent.charged_cents) == (0, 2080)
    assert ledger_balances(booking=booking).to_instructor_cents == 7650
    assert [entry for entry in ledger(payment) if entry[0] in ("capture", "transfer", "credit_used")] == [
        ("capture", 2080),
        ("credit_used", 3000),
        ("credit_used", 5000),
        ("transfer", 2080),
        ("transfer", 5570),
    ]
    # The older credit is gone; nothing left to expire.
    assert credits_expire_due(now=now + timedelta(days=400)) == 2
    assert LedgerEntry.objects.filter(kind="credit_expired").count() == 0


def test_partial_completion_captures_part_with_the_same_split(local_stripe, now, django_capture_on_commit_callbacks):
    from accounts.tests.factories import staff
    from bookings.models import ProblemReport
    from bookings.services import problem_resolve
    from payments.tests.helpers import lesson_in_review

    booking, payment, report = lesson_in_review(
        local_stripe,
        now=now,
        kind=ProblemReport.Kind.LESSON_CUT_SHORT,
        details="Stopped after 40 minutes",
        reported_after=timedelta(minutes=60),
    )
    # In review: no capture even when due.
    assert payments_run_due(now=at(local_stripe, booking.lesson_ends_at + timedelta(hours=25)))["captured"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        problem_resolve(
            report=report,
            staff_user=staff(),
            resolution="partly_completed",
            minutes_delivered=40,
            now=at(local_stripe, booking.lesson_ends_at + timedelta(hours=26)),
        )
    payment.refresh_from_db()
    # 40/60 of 9000 = 6000; fee 720; commission 900; instructor 5100.
    assert (payment.captured_cents, payment.transferred_cents) == (6720, 5100)
    assert ledger(payment) == [("authorization", 10080), ("capture", 6720), ("release", 3360), ("transfer", 5100)]
    charge = stripe_client.call("charges", "retrieve", payment.charge_id)
    assert (charge.amount_captured, charge.amount_refunded) == (6720, 3360)
