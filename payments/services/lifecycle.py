"""A lesson payment from checkout to the instructor's account.

Every step that calls Stripe runs inside one transaction holding the payment's row lock
(`SELECT … FOR UPDATE SKIP LOCKED`), with an idempotency key made from the payment's id, the step
and the step's attempt number as committed. If the process dies after Stripe acted but before we
committed, our row is unchanged, the next run sends the same key, Stripe replays its first answer
and we record it: no second charge. A timeout raises `ProviderUnavailable` and rolls back; the
sweep tries again on its next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse

from bookings.models import Booking, BookingStatus, CancellationWindow, PendingReason, ProblemReport, Role
from notifications.services import email_send
from payments import stripe_client
from payments.models import (
    ConnectAccount,
    InstructorDebt,
    LedgerKind,
    Payment,
    PaymentKind,
    PaymentStatus,
    Settlement,
    StripeCustomer,
)
from payments.pricing import (
    COMMISSION_WINDOW_DAYS,
    commission_rate_for,
    credit_to_apply_cents,
    lesson_split,
    partial_lesson_price_cents,
)
from payments.services.cards import WAITING_FOR_CARD, card_record, customer_ensure
from payments.services.credits import credit_balance_cents, credit_issue, credits_reserve, credits_restore, credits_use
from payments.services.ledger import ledger_record
from payments.stripe_client import CardError, IdempotencyMismatch, ProviderError, ProviderUnavailable, idempotency_key

logger = logging.getLogger(__name__)

AUTHORIZE_LEAD = timedelta(hours=24)
RETRY_LEADS = (timedelta(hours=22), timedelta(hours=20), timedelta(hours=18))
AUTO_CANCEL_LEAD = timedelta(hours=6)
CAPTURE_DELAY = timedelta(hours=24)
SWEEP_BATCH = 200


def _ts(value) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value else None


def _lesson_payment(booking) -> Payment | None:
    return Payment.objects.select_for_update().filter(booking=booking, kind=PaymentKind.LESSON).first()


def _move(payment: Payment, status: str) -> None:
    if payment.status != status and not payment.can_become(status):
        raise ValidationError(f"A payment cannot go from {payment.status} to {status}.")
    payment.status = status


def commission_rate_for_instructor(*, instructor, now: datetime):
    completed = Booking.objects.filter(
        instructor=instructor,
        status=BookingStatus.COMPLETED,
        lesson_ends_at__gte=now - timedelta(days=COMMISSION_WINDOW_DAYS),
        lesson_ends_at__lte=now,
    ).count()
    return commission_rate_for(completed_lessons_in_window=completed, is_founding=instructor.is_founding)


# ---------------------------------------------------------------- checkout


@dataclass
class Checkout:
    payment: Payment
    intent_kind: str  # "setup", "payment" or "none" (credit covers everything)
    client_secret: str
    authorize_at: datetime | None


def checkout_prepare(*, booking: Booking, user, now: datetime) -> Checkout:
    """Creates (once) the booking's payment with the tier fixed now and credit reserved, and the
    Stripe intent the page confirms with Stripe.js: a SetupIntent when the lesson is 24 h or more
    away, a manual-capture PaymentIntent (3-D Secure in the page) when it is sooner."""
    if booking.student_id != user.pk:
        raise PermissionDenied("This is not your booking.")
    customer = customer_ensure(user=user, now=now)
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status != BookingStatus.PENDING or booking.pending_reason != PendingReason.PAYMENT:
            raise ValidationError("This booking is no longer waiting for payment.")
        if booking.hold_expires_at <= now:
            raise ValidationError("Your hold on this time ran out. Please pick the time again.")
        payment = _lesson_payment(booking) or _payment_create(booking=booking, now=now)
    far_ahead = booking.lesson_starts_at - now >= AUTHORIZE_LEAD
    authorize_at = booking.lesson_starts_at - AUTHORIZE_LEAD if far_ahead else now
    if payment.card_cents == 0:
        return Checkout(payment, "none", "", None)
    metadata = {"payment": payment.public_id, "booking": booking.public_id}
    if far_ahead:
        if payment.setup_intent_id:
            intent = stripe_client.call("setup_intents", "retrieve", payment.setup_intent_id)
        else:
            intent = stripe_client.call(
                "setup_intents",
                "create",
                params={
                    "customer": customer.customer_id,
                    "usage": "off_session",
                    "payment_method_types": ["card"],
                    "metadata": metadata,
                },
                key=idempotency_key("payment", payment.pk, "setup"),
            )
            Payment.objects.filter(pk=payment.pk).update(setup_intent_id=intent.id)
        return Checkout(payment, "setup", intent.client_secret, authorize_at)
    if payment.payment_intent_id:
        intent = stripe_client.call("payment_intents", "retrieve", payment.payment_intent_id)
    else:
        intent = stripe_client.call(
            "payment_intents",
            "create",
            params={
                "amount": payment.card_cents,
                "currency": payment.currency,
                "customer": customer.customer_id,
                "capture_method": "manual",
                "setup_future_usage": "off_session",
                "payment_method_types": ["card"],
                "transfer_group": booking.public_id,
                "metadata": metadata,
            },
            key=idempotency_key("payment", payment.pk, "checkout"),
        )
        Payment.objects.filter(pk=payment.pk).update(payment_intent_id=intent.id)
    return Checkout(payment, "payment", intent.client_secret, authorize_at)


def _payment_create(*, booking: Booking, now: datetime) -> Payment:
    rate = commission_rate_for_instructor(instructor=booking.instructor, now=now)
    total = booking.lesson_price_cents + booking.booking_fee_cents
    # Lock the student's credit rows before reading the balance so two checkouts cannot share it.
    from payments.models import Credit

    list(Credit.objects.select_for_update().filter(student=booking.student, remaining_cents__gt=0))
    credit = credit_to_apply_cents(
        amount_due_cents=total, credit_balance_cents=credit_balance_cents(student=booking.student, now=now)
    )
    split = lesson_split(
        lesson_price_cents=booking.lesson_price_cents, commission_rate=rate, credit_applied_cents=credit
    )
    payment = Payment.objects.create(
        booking=booking,
        student=booking.student,
        instructor=booking.instructor,
        currency=booking.currency,
        lesson_price_cents=split.lesson_price_cents,
        booking_fee_cents=split.booking_fee_cents,
        commission_rate=rate,
        commission_cents=split.commission_cents,
        credit_applied_cents=split.credit_applied_cents,
        card_cents=split.card_cents,
        instructor_share_cents=split.instructor_cents,
        auto_cancel_at=booking.lesson_starts_at - AUTO_CANCEL_LEAD,
        created_at=now,
    )
    if credit:
        credits_reserve(payment=payment, amount_cents=credit, now=now)
    return payment


class PaymentNotConfirmed(ValidationError):
    """Checkout was finished before Stripe.js (or a partner app) confirmed the intent, or while the
    bank's 3-D Secure challenge is still open. Nothing changed: the hold stands."""


class CheckoutDeclined(ValidationError):
    """The card was declined or the bank's check failed at checkout: no booking, the time is free."""


# A payment in one of these has done the booking's payment step: the card is saved for the
# authorization at T−24 h, or authorized (credit covering the lesson counts as authorized).
PAYMENT_STEP_DONE = (PaymentStatus.CARD_SAVED, PaymentStatus.AUTHORIZED)


def payment_step_done(*, booking: Booking) -> bool:
    """Whether `booking` has a lesson payment whose card is saved or authorized (or credit-covered):
    the bookings app confirms nothing without it."""
    return Payment.objects.filter(booking=booking, kind=PaymentKind.LESSON, status__in=PAYMENT_STEP_DONE).exists()


def checkout_finish(*, booking: Booking, user, now: datetime) -> Payment:
    """After Stripe.js confirmed the intent: reads it back from Stripe and, if the card is saved or
    authorized, records it and runs the booking's payment step. If it failed there is no booking:
    the payment is cancelled, credit restored and the time released. An intent not confirmed yet
    raises `PaymentNotConfirmed` and changes nothing. Safe to call again (a retry after a crash
    between our two writes completes the booking's step)."""
    from bookings.services import booking_cancel, booking_confirm_payment_step

    if booking.student_id != user.pk:
        raise PermissionDenied("This is not your booking.")
    # Re-read: the caller's object may carry the lesson time in a local zone (as booking_create
    # returns it), and arithmetic on that is wall-clock: across a DST change T−24 h is an hour off.
    booking = Booking.objects.get(pk=booking.pk)
    payment = Payment.objects.filter(booking=booking, kind=PaymentKind.LESSON).first()
    if payment is None:
        raise PaymentNotConfirmed("Start the payment step first.")
    if payment.status != PaymentStatus.AWAITING_CARD:
        if payment.status in PAYMENT_STEP_DONE:
            booking_confirm_payment_step(booking=booking, now=now)
        return payment
    intent = None
    if payment.card_cents and payment.setup_intent_id:
        intent = stripe_client.call("setup_intents", "retrieve", payment.setup_intent_id)
        ok = intent.status == "succeeded"
    elif payment.card_cents and payment.payment_intent_id:
        intent = stripe_client.call(
            "payment_intents", "retrieve", payment.payment_intent_id, params={"expand": ["latest_charge"]}
        )
        ok = intent.status == "requires_capture"
    else:
        ok = payment.card_cents == 0
    if intent is not None and not ok and _not_confirmed_yet(intent):
        raise PaymentNotConfirmed(
            "The card has not been confirmed yet (or the bank's check is still open). "
            "Confirm it, then finish the booking; your hold on the time stands until it runs out."
        )
    if ok and intent is not None and intent.payment_method:
        card_record(user=user, payment_method_id=_id(intent.payment_method), now=now)
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status != PaymentStatus.AWAITING_CARD:
            return payment
        if not ok:
            _move(payment, PaymentStatus.CANCELED)
            payment.last_error = _intent_error(intent)
            payment.save()
            credits_restore(payment=payment, now=now)
            booking_cancel(booking=booking, user=user, now=now, reason="The card could not be authorized.")
            failed = True
        else:
            failed = False
            if intent is not None:
                payment.payment_method_id = _id(intent.payment_method)
            if intent is not None and intent.object == "payment_intent":
                _record_authorization(payment, intent, now)
            elif intent is not None:
                _move(payment, PaymentStatus.CARD_SAVED)
                payment.authorize_due_at = booking.lesson_starts_at - AUTHORIZE_LEAD
                payment.save()
            else:
                _move(payment, PaymentStatus.AUTHORIZED)
                payment.authorized_at = now
                payment.capture_due_at = booking.lesson_ends_at + CAPTURE_DELAY
                payment.save()
    if failed:
        raise CheckoutDeclined(
            f"Your card could not be authorized ({payment.last_error or 'declined'}). "
            "No booking was made and the time was released."
        )
    booking_confirm_payment_step(booking=booking, now=now)
    return payment


def _id(value) -> str:
    return value if isinstance(value, str) else getattr(value, "id", "") or ""


def _not_confirmed_yet(intent) -> bool:
    """Never confirmed, or waiting for 3-D Secure; a declined or failed confirmation has an error."""
    error = getattr(intent, "last_payment_error", None) or getattr(intent, "last_setup_error", None)
    if intent.status in ("requires_confirmation", "requires_action"):
        return True
    return intent.status == "requires_payment_method" and not error


def _intent_error(intent) -> str:
    if intent is None:
        return ""
    error = getattr(intent, "last_payment_error", None) or getattr(intent, "last_setup_error", None)
    if error:
        return (getattr(error, "message", "") or "declined")[:300]
    return "declined"


def _record_authorization(payment: Payment, intent, now: datetime) -> None:
    """`intent` is a PaymentIntent in `requires_capture` with `latest_charge` expanded."""
    booking = payment.booking
    charge = intent.latest_charge
    capture_before = _ts(charge.payment_method_details.card.capture_before) if charge else None
    _move(payment, PaymentStatus.AUTHORIZED)
    payment.payment_intent_id = intent.id
    payment.charge_id = charge.id if charge else ""
    payment.payment_method_id = _id(intent.payment_method) or payment.payment_method_id
    payment.capture_before = capture_before
    payment.authorized_at = now
    payment.authorize_due_at = None
    payment.needs_student_action = False
    payment.last_error = ""
    payment.last_decline_code = ""
    payment.capture_due_at = _capture_due(booking, capture_before)
    payment.attempt = 0
    payment.save()
    ledger_record(
        kind=LedgerKind.AUTHORIZATION,
        amount_cents=intent.amount,
        key=f"authorization:{intent.id}",
        occurred_at=now,
        payment=payment,
        provider_id=intent.id,
    )


def _capture_due(booking: Booking, capture_before: datetime | None) -> datetime:
    due = booking.lesson_ends_at + CAPTURE_DELAY
    if capture_before and due > capture_before:
        return booking.lesson_ends_at
    return due


# ---------------------------------------------------------------- authorization at T−24 h


def _locked_due(payment_id: int, **filters) -> Payment | None:
    """The payment, locked, if it still matches `filters`; None if another run holds it. Only the
    payment's row is locked, even when `filters` reach the booking."""
    return Payment.objects.select_for_update(skip_locked=True, of=("self",)).filter(pk=payment_id, **filters).first()


def payment_authorize(*, payment_id: int, now: datetime) -> Payment | None:
    """Authorizes a saved card off-session with manual capture. Soft declines are retried at
    T−22/−20/−18 h; a hard decline or required authentication waits for the student. The student
    is emailed at the first failure."""
    with transaction.atomic():
        payment = _locked_due(
            payment_id,
            status__in=WAITING_FOR_CARD,
            needs_student_action=False,
            authorize_due_at__lte=now,
            booking__status=BookingStatus.CONFIRMED,
        )
        if payment is None:
            return None
        return _authorize_locked(payment, now)


def _authorize_locked(payment: Payment, now: datetime) -> Payment:
    """One authorization attempt for a payment the caller has locked, inside its transaction. A
    request the instructor has not accepted yet is left as it is: accepting it authorizes."""
    booking = payment.booking
    if booking.status == BookingStatus.PENDING:
        return payment
    if booking.status != BookingStatus.CONFIRMED or payment.card_cents == 0:
        payment.authorize_due_at = None
        payment.save(update_fields=["authorize_due_at", "updated_at"])
        return payment
    attempt = payment.authorization_attempts + 1
    customer = StripeCustomer.objects.get(user=payment.student)
    try:
        intent = stripe_client.call(
            "payment_intents",
            "create",
            params={
                "amount": payment.card_cents,
                "currency": payment.currency,
                "customer": customer.customer_id,
                "payment_method": payment.payment_method_id,
                "off_session": True,
                "confirm": True,
                "capture_method": "manual",
                "payment_method_types": ["card"],
                "transfer_group": booking.public_id,
                "metadata": {"payment": payment.public_id, "booking": booking.public_id},
                "expand": ["latest_charge"],
            },
            key=idempotency_key("payment", payment.pk, "authorize", attempt, payment.attempt),
        )
    except CardError as error:
        payment.authorization_attempts = attempt
        _record_decline(payment, error, now)
        return payment
    payment.authorization_attempts = attempt
    _record_authorization(payment, intent, now)
    return payment


def _record_decline(payment: Payment, error: CardError, now: datetime) -> None:
    first = payment.authorization_failures == 0
    _move(payment, PaymentStatus.AUTHORIZATION_FAILED)
    payment.authorization_failures += 1
    payment.last_decline_code = error.decline_code or error.code
    payment.last_error = error.message[:300]
    starts = payment.booking.lesson_starts_at
    if error.needs_student:
        payment.needs_student_action = True
        payment.authorize_due_at = None
    else:
        later = [starts - lead for lead in RETRY_LEADS if starts - lead > now]
        payment.authorize_due_at = later[0] if later else None
    payment.save()
    ledger_record(
        kind=LedgerKind.AUTHORIZATION_FAILED,
        amount_cents=payment.card_cents,
        key=f"authorization-failed:{payment.pk}:{payment.authorization_attempts}",
        occurred_at=now,
        payment=payment,
        provider_id=error.payment_intent_id,
        note=payment.last_decline_code,
    )
    if first:
        transaction.on_commit(lambda: _tell_student_card_failed(payment))


def _tell_student_card_failed(payment: Payment) -> None:
    booking = payment.booking
    link = getattr(settings, "SITE_URL", "").rstrip("/") + reverse("payments_fix_card", args=[payment.public_id])
    zone = payment.student.zone
    email_send(
        to=payment.student.email,
        subject="Action needed: we could not authorize your card",
        body=(
            f"We could not authorize your card for {booking.service_name} on "
            f"{booking.lesson_starts_at.astimezone(zone):%A %-d %B at %H:%M} ({zone.key}): {payment.last_error}\n\n"
            f"Fix your card here: {link}\n\n"
            "If the card is not authorized 6 hours before the lesson, the lesson is cancelled."
        ),
    )


def payment_authorize_now(*, payment: Payment, user, payment_method_id: str, now: datetime) -> Payment:
    """The student fixed their card (fix-card page): use it and authorize at once. Unlike the
    sweep, this waits for the payment's lock: a webhook or sweep holding the row for a moment
    must not make the page answer "declined" without asking the bank. The card choice and the
    attempt are one transaction, so Stripe being down changes nothing."""
    if payment.student_id != user.pk:
        raise PermissionDenied("This is not your payment.")
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status not in WAITING_FOR_CARD:
            return locked
        locked.payment_method_id = payment_method_id
        locked.needs_student_action = False
        locked.authorize_due_at = now
        return _authorize_locked(locked, now)


def payment_auto_cancel(*, payment_id: int, now: datetime) -> Payment | None:
    """T−6 h: a booking whose card is still not authorized is cancelled as a late cancellation
    by the student, nothing charged, both sides told why. The booking is locked before the
    payment (the order the booking services lock them in), each with SKIP LOCKED: a row another
    sweep or a student's action holds is left for the next run, and a payment authorized or a
    booking cancelled meanwhile no longer matches. Safe to run twice or concurrently."""
    from bookings.services import booking_cancel_card_not_authorized

    booking_id = Payment.objects.filter(pk=payment_id).values_list("booking_id", flat=True).first()
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(skip_locked=True)
            .filter(pk=booking_id, status=BookingStatus.CONFIRMED)
            .first()
        )
        if booking is None:
            return None
        payment = _locked_due(
            payment_id,
            kind=PaymentKind.LESSON,
            status__in=WAITING_FOR_CARD,
            auto_cancel_at__lte=now,
            card_cents__gt=0,
        )
        if payment is None:
            return None
        if booking_cancel_card_not_authorized(booking=booking, deadline=AUTO_CANCEL_LEAD, now=now) is None:
            return None
        return payment


# ---------------------------------------------------------------- booking outcomes


def payment_booking_cancelled(*, booking: Booking, now: datetime) -> None:
    """Called by the booking services inside their transaction when a booking is cancelled:
    attaches money to the policy window (see PRODUCT.md and issue 7)."""
    payment = _lesson_payment(booking)
    if payment is None or payment.status in (PaymentStatus.CANCELED, PaymentStatus.CAPTURED, PaymentStatus.REFUNDED):
        return
    by_student = booking.cancelled_by == Role.STUDENT
    window = booking.cancellation_window
    if by_student and payment.status == PaymentStatus.AUTHORIZED and window == CancellationWindow.BETWEEN_12_24H:
        payment.settlement = Settlement.LATE_CANCEL
        payment.capture_due_at = now
    elif by_student and payment.status == PaymentStatus.AUTHORIZED and window == CancellationWindow.UNDER_12H:
        payment.settlement = Settlement.LESSON
        payment.capture_due_at = now
    else:
        payment.settlement = Settlement.FREE
        payment.release_due_at = now
        payment.capture_due_at = None
        payment.authorize_due_at = None
    payment.save()
    transaction.on_commit(lambda: payments_settle_one(payment_id=payment.pk, now=now))


def payment_booking_accepted(*, booking: Booking, now: datetime) -> None:
    """The instructor accepted a request (inside the booking service's transaction). The saved card
    is authorized 24 h before the lesson as usual; if that time passed while the request waited, it
    is authorized right after the acceptance commits (the sweep retries if Stripe is down)."""
    payment = _lesson_payment(booking)
    if payment is None or payment.status not in WAITING_FOR_CARD:
        return  # authorized at checkout (a lesson under 24 h away) or covered by credit
    payment.authorize_due_at = max(booking.lesson_starts_at - AUTHORIZE_LEAD, now)
    payment.save(update_fields=["authorize_due_at", "updated_at"])
    if payment.authorize_due_at <= now:
        transaction.on_commit(lambda: payments_settle_one(payment_id=payment.pk, now=now))


def payment_lesson_captured(*, booking: Booking, lock: bool = False) -> bool:
    """Has the lesson's payment been charged (captured, perhaps refunded since)? Problems can be
    reported only until then. With `lock` (inside the caller's transaction) the payment row is
    locked, so a capture running at the same moment either commits first or skips the row until
    the caller has committed (captures skip locked rows and retry on the next sweep)."""
    payments = Payment.objects.filter(booking=booking, kind=PaymentKind.LESSON)
    payment = (payments.select_for_update() if lock else payments).first()
    return payment is not None and payment.status in (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED)


def payment_problem_resolved(*, booking: Booking, report: ProblemReport, now: datetime) -> None:
    """Staff resolved a reported problem (inside the booking service's transaction). A payment
    captured in full while in review (its authorization was lapsing) is settled by refunding what
    the resolution does not charge; the instructor's share, held until now, follows the split."""
    payment = _lesson_payment(booking)
    if payment is not None and _captured_in_review(payment):
        _settle_as_resolved(payment, booking, report)
        payment.capture_due_at = now
        payment.save()
        transaction.on_commit(lambda: payments_settle_one(payment_id=payment.pk, now=now))
        return
    if report.resolution == ProblemReport.Resolution.CANCELLED_NO_CHARGE:
        payment_booking_cancelled(booking=booking, now=now)
        return
    if payment is None or payment.status != PaymentStatus.AUTHORIZED:
        return
    _settle_as_resolved(payment, booking, report)
    if report.resolution == ProblemReport.Resolution.PARTLY_COMPLETED:
        payment.capture_due_at = now
    elif payment.capture_due_at is None or payment.capture_due_at > now:
        payment.capture_due_at = now
    payment.save()
    transaction.on_commit(lambda: payments_settle_one(payment_id=payment.pk, now=now))


def _captured_in_review(payment: Payment) -> bool:
    """Captured in full while the booking was in review, the instructor not paid yet."""
    return (
        payment.status == PaymentStatus.CAPTURED
        and payment.settlement == Settlement.LESSON
        and payment.transferred_cents == 0
        and payment.transfer_due_at is None
        and payment.instructor_share_cents > 0
    )


def _settle_as_resolved(payment: Payment, booking: Booking, report: ProblemReport) -> None:
    if report.resolution == ProblemReport.Resolution.PARTLY_COMPLETED:
        payment.settlement = Settlement.PARTIAL
        payment.settle_price_cents = partial_lesson_price_cents(
            lesson_price_cents=payment.lesson_price_cents,
            minutes_delivered=report.minutes_delivered,
            duration_minutes=booking.duration_minutes,
        )
    elif report.resolution == ProblemReport.Resolution.CANCELLED_NO_CHARGE:
        payment.settlement = Settlement.FREE


def payment_booking_rescheduled(*, booking: Booking, now: datetime) -> None:
    """The lesson moved (inside the booking service's transaction). An authorization that would
    expire before the new capture time, or whose amount no longer matches, is released and the
    card authorized again at the usual time."""
    payment = _lesson_payment(booking)
    if payment is None:
        return
    payment.auto_cancel_at = booking.lesson_starts_at - AUTO_CANCEL_LEAD
    if payment.status in WAITING_FOR_CARD:
        payment.authorize_due_at = max(booking.lesson_starts_at - AUTHORIZE_LEAD, now)
    elif payment.status == PaymentStatus.AUTHORIZED and payment.card_cents:
        amount_changed = booking.lesson_price_cents != payment.lesson_price_cents
        if amount_changed or (payment.capture_before and booking.lesson_ends_at > payment.capture_before):
            payment.reauthorize = True
            payment.release_due_at = now
        else:
            payment.capture_due_at = _capture_due(booking, payment.capture_before)
    payment.save()
    if payment.reauthorize:
        transaction.on_commit(lambda: payments_settle_one(payment_id=payment.pk, now=now))


def payments_settle_one(*, payment_id: int, now: datetime) -> None:
    """Runs whatever is due for one payment now; failures are left to the sweeps."""
    for step in (payment_release, payment_authorize, payment_capture, payment_settle_reviewed, payment_transfer):
        try:
            _run_step(step, payment_id, now)
        except ProviderUnavailable:
            logger.warning("Stripe unavailable settling payment %s; the sweep will retry", payment_id)
            return


# ---------------------------------------------------------------- release, capture, transfer


def payment_release(*, payment_id: int, now: datetime) -> Payment | None:
    """Releases an authorization (free cancellation, or before re-authorizing) and gives
    reserved credit back with its original expiry."""
    with transaction.atomic():
        payment = _locked_due(payment_id, release_due_at__lte=now)
        if payment is None:
            return None
        if payment.status == PaymentStatus.AUTHORIZED and payment.payment_intent_id:
            intent = stripe_client.call(
                "payment_intents",
                "cancel",
                payment.payment_intent_id,
                key=_step_key(payment, "release", payment.payment_intent_id),
            )
            ledger_record(
                kind=LedgerKind.RELEASE,
                amount_cents=intent.amount,
                key=f"release:{intent.id}",
                occurred_at=now,
                payment=payment,
                provider_id=intent.id,
            )
        elif payment.status == PaymentStatus.AWAITING_CARD and payment.payment_intent_id:
            intent = stripe_client.call("payment_intents", "retrieve", payment.payment_intent_id)
            if intent.status not in ("canceled", "succeeded"):
                stripe_client.call(
                    "payment_intents",
                    "cancel",
                    payment.payment_intent_id,
                    key=_step_key(payment, "release", payment.payment_intent_id),
                )
        payment.release_due_at = None
        if payment.reauthorize:
            payment.reauthorize = False
            _move(payment, PaymentStatus.CARD_SAVED)
            payment.payment_intent_id = ""
            payment.charge_id = ""
            payment.capture_before = None
            payment.capture_due_at = None
            payment.authorize_due_at = max(payment.booking.lesson_starts_at - AUTHORIZE_LEAD, now)
            payment.save()
            return payment
        if payment.status in (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED, PaymentStatus.CANCELED):
            payment.save(update_fields=["release_due_at", "updated_at"])
            return payment
        _move(payment, PaymentStatus.CANCELED)
        payment.authorize_due_at = None
        payment.capture_due_at = None
        payment.save()
        credits_restore(payment=payment, now=now)
        return payment


def _settlement_amounts(payment: Payment) -> tuple[int, int, int]:
    """(card amount to capture, instructor's share, credit to issue back) for the settlement."""
    if payment.settlement == Settlement.FREE:
        return 0, 0, 0  # reserved or used credit is restored instead
    if payment.settlement == Settlement.LATE_CANCEL:
        return payment.card_cents, 0, payment.lesson_price_cents
    if payment.settlement == Settlement.PARTIAL:
        split = lesson_split(lesson_price_cents=payment.settle_price_cents, commission_rate=payment.commission_rate)
        credit_used = min(payment.credit_applied_cents, split.student_total_cents)
        card = split.student_total_cents - credit_used
        return card, split.instructor_cents, payment.credit_applied_cents - credit_used
    return payment.card_cents, payment.instructor_share_cents, 0


def payment_capture(*, payment_id: int, now: datetime) -> Payment | None:
    """Captures what the booking's outcome says: the full amount, a partial amount (the rest is
    released) or a late cancellation. Waits while the booking is in review (unless the
    authorization would lapse) and while the instructor's Connect account is restricted."""
    with transaction.atomic():
        payment = _locked_due(payment_id, status=PaymentStatus.AUTHORIZED, capture_due_at__lte=now)
        if payment is None:
            return None
        booking = payment.booking
        lapsing = payment.capture_before is not None and now >= payment.capture_before - timedelta(hours=1)
        in_review = booking.status == BookingStatus.IN_REVIEW
        if in_review and not lapsing:
            return None
        if booking.status == BookingStatus.CONFIRMED and now < booking.lesson_ends_at:
            return None
        amount, share, credit_back = _settlement_amounts(payment)
        if share and not lapsing:
            account = ConnectAccount.objects.filter(instructor=payment.instructor).first()
            if account is None or not account.can_receive_money:
                return None  # waits for the account (staff see it in the admin)
        if payment.payment_intent_id and payment.card_cents:
            if amount:
                intent = stripe_client.call(
                    "payment_intents",
                    "capture",
                    payment.payment_intent_id,
                    params={"amount_to_capture": amount},
                    key=_step_key(payment, "capture", payment.payment_intent_id),
                )
            else:
                intent = stripe_client.call(
                    "payment_intents",
                    "cancel",
                    payment.payment_intent_id,
                    key=_step_key(payment, "release", payment.payment_intent_id),
                )
            if amount:
                ledger_record(
                    kind=LedgerKind.CAPTURE,
                    amount_cents=amount,
                    key=f"capture:{intent.id}",
                    occurred_at=now,
                    payment=payment,
                    provider_id=_id(intent.latest_charge) or payment.charge_id,
                )
            if amount < payment.card_cents:
                ledger_record(
                    kind=LedgerKind.RELEASE,
                    amount_cents=payment.card_cents - amount,
                    key=f"release:{intent.id}",
                    occurred_at=now,
                    payment=payment,
                    provider_id=intent.id,
                )
        _move(payment, PaymentStatus.CAPTURED)
        payment.captured_cents = amount
        payment.captured_at = now
        payment.capture_due_at = None
        payment.instructor_share_cents = share
        # Captured in review only so the authorization does not lapse: the instructor's share
        # waits for the staff's decision (payment_problem_resolved).
        payment.transfer_due_at = now if share and not in_review else None
        payment.save()
        credits_use(payment=payment, now=now)
        if credit_back:
            credit_issue(
                student=payment.student,
                amount_cents=credit_back,
                reason=(
                    f"Late cancellation of {booking.service_name}"
                    if payment.settlement == Settlement.LATE_CANCEL
                    else f"Unused credit from {booking.service_name}"
                ),
                key=f"credit-back:{payment.pk}",
                now=now,
                source_booking=booking,
            )
        return payment


def payment_settle_reviewed(*, payment_id: int, now: datetime) -> Payment | None:
    """Settles a payment captured in full while in review, once staff resolved the problem:
    refunds to the card what the resolution does not charge (the same split as a capture would
    have made), gives credit back, and lets the instructor's share be transferred. Safe to run
    again: what was refunded is on the row, and the refund's key is fixed per payment."""
    with transaction.atomic():
        payment = _locked_due(payment_id, status=PaymentStatus.CAPTURED, capture_due_at__lte=now)
        if payment is None:
            return None
        amount, share, credit_back = _settlement_amounts(payment)
        card_refund = payment.captured_cents - payment.refunded_cents - amount
        if card_refund > 0:
            refund = stripe_client.call(
                "refunds",
                "create",
                params={
                    "charge": payment.charge_id,
                    "amount": card_refund,
                    "reason": "requested_by_customer",
                    "metadata": {"payment": payment.public_id, "settlement": payment.settlement},
                },
                key=_step_key(payment, "review-refund"),
            )
            ledger_record(
                kind=LedgerKind.REFUND,
                amount_cents=card_refund,
                key=f"refund:{refund.id}",
                occurred_at=now,
                payment=payment,
                provider_id=refund.id,
                note=f"Problem resolved: {payment.get_settlement_display()}",
            )
            payment.refunded_cents += card_refund
        if payment.refunded_cents >= payment.captured_cents:
            _move(payment, PaymentStatus.REFUNDED)
        payment.instructor_share_cents = share
        payment.transfer_due_at = now if share else None
        payment.capture_due_at = None
        payment.save()
        if payment.settlement == Settlement.FREE:
            credits_restore(payment=payment, now=now)
        elif credit_back:
            credit_issue(
                student=payment.student,
                amount_cents=credit_back,
                reason=f"Unused credit from {payment.booking.service_name}",
                key=f"credit-back:{payment.pk}",
                now=now,
                source_booking=payment.booking,
            )
        return payment


def payment_transfer(*, payment_id: int, now: datetime) -> Payment | None:
    """Pays the instructor's share to their Connect account, first recovering any debt they owe.
    The part the card paid moves with `source_transaction`; the part credit funded comes from the
    platform's balance."""
    with transaction.atomic():
        payment = _locked_due(payment_id, status=PaymentStatus.CAPTURED, transfer_due_at__lte=now, payout_held=False)
        if payment is None:
            return None
        account = ConnectAccount.objects.filter(instructor=payment.instructor).first()
        if account is None or not account.can_receive_money:
            return None
        owed = payment.instructor_share_cents - payment.transferred_cents
        recovered = _recover_debts(payment=payment, available_cents=owed, now=now)
        to_send = owed - recovered
        from_charge = min(to_send, max(0, payment.captured_cents - payment.refunded_cents)) if payment.charge_id else 0
        parts = [("charge", from_charge), ("balance", to_send - from_charge)]
        for source, amount in parts:
            if amount <= 0:
                continue
            params = {
                "amount": amount,
                "currency": payment.currency,
                "destination": account.account_id,
                "transfer_group": payment.booking.public_id,
                "metadata": {"payment": payment.public_id},
            }
            if source == "charge":
                params["source_transaction"] = payment.charge_id
            transfer = stripe_client.call(
                "transfers",
                "create",
                params=params,
                key=_step_key(payment, "transfer", source, payment.transferred_cents),
            )
            ledger_record(
                kind=LedgerKind.TRANSFER,
                amount_cents=amount,
                key=f"transfer:{transfer.id}",
                occurred_at=now,
                payment=payment,
                provider_id=transfer.id,
            )
        payment.transferred_cents = payment.instructor_share_cents
        payment.transfer_due_at = None
        payment.save()
        return payment


def payment_take_back(*, payment_id: int, now: datetime) -> Payment | None:
    """A lost dispute: the instructor gives back their share of the disputed amount. What was not
    transferred is never sent; what was (held in their account since the dispute opened) is
    reversed, and whatever they paid out before the dispute becomes a debt recovered from their
    next earnings. Then the hold ends. Safe to run again (keys per dispute and transfer)."""
    from payments.services.refunds import instructor_share_forfeit

    with transaction.atomic():
        payment = _locked_due(payment_id, take_back_due_at__lte=now)
        if payment is None:
            return None
        lost = payment.disputes.filter(status="lost").order_by("-closed_at", "-pk").first()
        if lost is not None:
            instructor_share_forfeit(
                payment=payment,
                charged_back_cents=min(lost.amount_cents, payment.captured_cents),
                cause_id=lost.dispute_id,
                reason="Dispute lost",
                now=now,
            )
        payment.take_back_due_at = None
        payment.payout_held = payment.disputes.filter(closed_at__isnull=True).exists()
        if payment.instructor_share_cents > payment.transferred_cents and not payment.payout_held:
            payment.transfer_due_at = now
        payment.save()
        return payment


def _recover_debts(*, payment: Payment, available_cents: int, now: datetime) -> int:
    recovered = 0
    debts = InstructorDebt.objects.select_for_update().filter(instructor=payment.instructor)
    for debt in debts:
        if recovered >= available_cents:
            break
        take = min(debt.outstanding_cents, available_cents - recovered)
        if take <= 0:
            continue
        debt.recovered_cents += take
        debt.save(update_fields=["recovered_cents"])
        ledger_record(
            kind=LedgerKind.DEBT_RECOVERED,
            amount_cents=take,
            key=f"debt-recovered:{debt.pk}:{payment.pk}",
            occurred_at=now,
            payment=payment,
            note=debt.reason,
        )
        recovered += take
    return recovered


# ---------------------------------------------------------------- sweeps


def _step_key(payment: Payment, step: str, *state) -> str:
    """The idempotency key of one Stripe call of a payment's step: its id, the step, what the
    step acts on (`state`, e.g. the intent or the amount already transferred) and the attempt
    number, which moves on only when Stripe refused the call (see _run_step) and is reset when a
    step succeeds. A run killed after Stripe acted sends the same key again: Stripe replays."""
    return idempotency_key("payment", payment.pk, step, *state, payment.attempt)


def _sweep(queryset, step, now: datetime) -> int:
    done = 0
    for payment_id in list(queryset.values_list("pk", flat=True)[:SWEEP_BATCH]):
        try:
            done += _run_step(step, payment_id, now) is not None
        except ProviderUnavailable:
            # The rest of the batch would wait for the same timeout; the next run retries.
            logger.warning("Stripe unavailable during %s (payment %s)", step.__name__, payment_id)
            break
    return done


def _run_step(step, payment_id: int, now: datetime) -> Payment | None:
    """One step for one payment, as the sweeps and the after-commit runs call it. Stripe being
    unreachable propagates. Any other failure rolls that step back, is recorded on the payment
    (`sweep_error`, shown in the admin) and logged as an error (Sentry alerts staff), and does not
    stop the rest. When Stripe refused the request itself, the payment's attempt number moves on,
    so the next run's idempotency key makes a real retry instead of replaying the refusal (not
    for a key reused with other parameters: the first request may have done the work)."""
    try:
        done = step(payment_id=payment_id, now=now)
    except ProviderUnavailable:
        raise
    except Exception as error:
        logger.exception("Payment step %s failed for payment %s", step.__name__, payment_id)
        changes = {"sweep_error": f"{step.__name__}: {type(error).__name__}: {error}"[:300], "sweep_error_at": now}
        if isinstance(error, ProviderError) and not isinstance(error, IdempotencyMismatch):
            changes["attempt"] = F("attempt") + 1
        Payment.objects.filter(pk=payment_id).update(**changes)
        return None
    if done is not None:
        Payment.objects.filter(Q(attempt__gt=0) | ~Q(sweep_error=""), pk=payment_id).update(
            attempt=0, sweep_error="", sweep_error_at=None
        )
    return done


def payments_authorize_due(*, now: datetime) -> int:
    """Periodic: authorize saved cards whose time came (T−24 h and the retries). A request still
    waiting for the instructor waits here too; accepting it authorizes (payment_booking_accepted)."""
    due = Payment.objects.filter(
        status__in=WAITING_FOR_CARD,
        needs_student_action=False,
        authorize_due_at__lte=now,
        booking__status=BookingStatus.CONFIRMED,
    )
    return _sweep(due.order_by("authorize_due_at"), payment_authorize, now)


def payments_auto_cancel_due(*, now: datetime) -> int:
    """Periodic: at T−6 h a still-unauthorized booking is cancelled (see payment_auto_cancel)."""
    due = Payment.objects.filter(
        kind=PaymentKind.LESSON,
        status__in=WAITING_FOR_CARD,
        auto_cancel_at__lte=now,
        booking__status=BookingStatus.CONFIRMED,
        card_cents__gt=0,
    )
    return _sweep(due.order_by("auto_cancel_at"), payment_auto_cancel, now)


def payments_capture_due(*, now: datetime) -> int:
    due = Payment.objects.filter(status=PaymentStatus.AUTHORIZED, capture_due_at__lte=now)
    reviewed = Payment.objects.filter(status=PaymentStatus.CAPTURED, capture_due_at__lte=now)
    return _sweep(due.order_by("capture_due_at"), payment_capture, now) + _sweep(reviewed, payment_settle_reviewed, now)


def payments_release_due(*, now: datetime) -> int:
    return _sweep(Payment.objects.filter(release_due_at__lte=now), payment_release, now)


def payments_transfer_due(*, now: datetime) -> int:
    due = Payment.objects.filter(status=PaymentStatus.CAPTURED, transfer_due_at__lte=now, payout_held=False)
    return _sweep(due, payment_transfer, now)


def payments_take_back_due(*, now: datetime) -> int:
    return _sweep(Payment.objects.filter(take_back_due_at__lte=now), payment_take_back, now)


def payments_run_due(*, now: datetime) -> dict[str, int]:
    """Every payment sweep, in order. The Celery task calls this."""
    return {
        "released": payments_release_due(now=now),
        "authorized": payments_authorize_due(now=now),
        "auto_cancelled": payments_auto_cancel_due(now=now),
        "captured": payments_capture_due(now=now),
        "taken_back": payments_take_back_due(now=now),
        "transferred": payments_transfer_due(now=now),
    }


def payments_waiting_for_account():
    """Captures that wait for a restricted Connect account (admin filter)."""
    return Payment.objects.filter(status=PaymentStatus.AUTHORIZED, capture_due_at__isnull=False).exclude(
        instructor__connect_account__transfers_active=True, instructor__connect_account__payouts_enabled=True
    )
