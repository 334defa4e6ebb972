"""Tips after a lesson: a separate card payment, $1 up to twice the lesson price, 100% to the
instructor (the platform absorbs Stripe's fee). One tip per lesson."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from bookings.models import Booking, BookingStatus
from payments import stripe_client
from payments.models import LedgerKind, Payment, PaymentKind, PaymentStatus, SavedCard
from payments.pricing import dollars_text, tip_limits_cents, tip_split
from payments.services.cards import customer_ensure
from payments.services.ledger import ledger_record
from payments.stripe_client import CardError, idempotency_key


def tip_allowed(*, booking: Booking, student) -> bool:
    """Whether `student` can tip for `booking` now (their completed lesson, not tipped yet)."""
    return (
        booking.student_id == student.pk
        and booking.status == BookingStatus.COMPLETED
        and not Payment.objects.filter(booking=booking, kind=PaymentKind.TIP).exists()
    )


def tip_create(
    *, booking: Booking, student, amount_cents: int, now: datetime, idempotency_key: str, card: SavedCard | None = None
) -> Payment:
    """Charges a tip to the student's card (the default one unless `card` is given) and schedules
    the transfer of all of it to the instructor.

    Guarantees: only the booking's student, only after a completed lesson, once per lesson
    (the same `idempotency_key` returns the first tip); amounts outside the limits, a declined card
    or Stripe being down raise ValidationError / ProviderUnavailable and store nothing."""
    if booking.student_id != student.pk:
        raise PermissionDenied("This is not your lesson.")
    if not idempotency_key:
        raise ValidationError("The form is missing its submission key; reload the page and try again.")
    low, high = tip_limits_cents(booking.lesson_price_cents)
    if not isinstance(amount_cents, int) or not low <= amount_cents <= high:
        raise ValidationError(f"A tip can be from {dollars_text(low)} to {dollars_text(high)}.")
    if card is None:
        card = SavedCard.objects.filter(user=student, is_default=True).first()
    if card is None or card.user_id != student.pk:
        raise ValidationError("Add a card first to leave a tip.")
    customer = customer_ensure(user=student, now=now)
    split = tip_split(tip_cents=amount_cents)
    try:
        with transaction.atomic():
            booking = Booking.objects.select_for_update().get(pk=booking.pk)
            existing = Payment.objects.filter(booking=booking, kind=PaymentKind.TIP).first()
            if existing is not None:
                if existing.request_key == idempotency_key:
                    return existing
                raise ValidationError("You already left a tip for this lesson.")
            if booking.status != BookingStatus.COMPLETED:
                raise ValidationError("You can leave a tip once the lesson is completed.")
            try:
                intent = stripe_client.call(
                    "payment_intents",
                    "create",
                    params={
                        "amount": amount_cents,
                        "currency": booking.currency,
                        "customer": customer.customer_id,
                        "payment_method": card.payment_method_id,
                        "confirm": True,
                        "off_session": True,
                        "payment_method_types": ["card"],
                        "transfer_group": booking.public_id,
                        "description": f"Tip for {booking.service_name}",
                        "metadata": {"booking": booking.public_id, "kind": "tip"},
                        "expand": ["latest_charge"],
                    },
                    key=idempotency_key_for_tip(booking, idempotency_key),
                )
            except CardError as error:
                raise ValidationError(f"Your card was declined ({error.message}). Nothing was charged.") from error
            charge_id = getattr(intent.latest_charge, "id", "") or ""
            payment = Payment.objects.create(
                kind=PaymentKind.TIP,
                booking=booking,
                student=student,
                instructor=booking.instructor,
                status=PaymentStatus.CAPTURED,
                currency=booking.currency,
                lesson_price_cents=0,
                booking_fee_cents=0,
                commission_rate=Decimal("0"),
                commission_cents=0,
                card_cents=amount_cents,
                instructor_share_cents=split.instructor_cents,
                payment_method_id=card.payment_method_id,
                payment_intent_id=intent.id,
                charge_id=charge_id,
                captured_cents=amount_cents,
                captured_at=now,
                authorized_at=now,
                transfer_due_at=now,
                request_key=idempotency_key,
                created_at=now,
            )
            ledger_record(
                kind=LedgerKind.TIP,
                amount_cents=amount_cents,
                key=f"tip:{intent.id}",
                occurred_at=now,
                payment=payment,
                provider_id=charge_id,
            )
            transaction.on_commit(lambda: _transfer_soon(payment.pk, now))
    except IntegrityError as error:  # a concurrent double submit lost the race on one_tip_per_booking
        existing = Payment.objects.filter(booking=booking, kind=PaymentKind.TIP).first()
        if existing is not None and existing.request_key == idempotency_key:
            return existing
        raise ValidationError("You already left a tip for this lesson.") from error
    return payment


def idempotency_key_for_tip(booking: Booking, form_key: str) -> str:
    return idempotency_key("tip", booking.pk, form_key)


def _transfer_soon(payment_id: int, now: datetime) -> None:
    from payments.services.lifecycle import payments_settle_one

    payments_settle_one(payment_id=payment_id, now=now)  # the transfer; the sweep retries a failure


def dollars_to_cents(text: str) -> int:
    """ "12", "12.5", "$12.50" → cents; anything else → ValidationError."""
    cleaned = (text or "").strip().lstrip("$").replace(",", "")
    try:
        value = Decimal(cleaned)
    except ArithmeticError:
        raise ValidationError("Enter the tip in dollars, for example 10 or 12.50.") from None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise ValidationError("Enter the tip in dollars, for example 10 or 12.50.")
    return int(value * 100)


def tip_from_form(*, booking: Booking, student, data, now: datetime) -> Payment | None:
    """For forms that embed `payments/partials/tip_field.html` (the review form's tip step):
    no amount → None; otherwise `tip_create` with the default card (raises ValidationError)."""
    text = (data.get("tip_amount") or "").strip()
    if not text:
        return None
    return tip_create(
        booking=booking,
        student=student,
        amount_cents=dollars_to_cents(text),
        now=now,
        idempotency_key=data.get("tip_key") or f"review-{booking.public_id}",
    )
