"""Payments as other apps' tests need them, without a Stripe server.

Bookings confirm only with a saved or authorized card (`payments.services.payment_step_done`).
Tests of bookings, reviews, search and availability are not about money, so instead of running
the checkout against the local Stripe server they give the booking the payment that checkout
leaves behind for a saved card. Nothing here calls Stripe, and the rows it writes never make a
Stripe call in those tests: a saved card is only used by the T−24 h authorization sweep, which
only payments tests run (they use `payments.tests.helpers.book_and_pay`, the real checkout)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from payments.models import Payment, PaymentStatus
from payments.services.lifecycle import AUTHORIZE_LEAD, CAPTURE_DELAY, _payment_create

TEST_VISA = "pm_card_visa"  # the local Stripe server's (and Stripe's) test Visa


def card_on_file(*, booking, now: datetime) -> Payment:
    """The booking's lesson payment as `checkout_finish` leaves it once the student's card is saved:
    tier fixed and credit reserved now, authorization due 24 h before the lesson (or at once for a
    sooner lesson); a lesson that credit covers entirely is authorized."""
    with transaction.atomic():
        payment = _payment_create(booking=booking, now=now)
        if payment.card_cents == 0:
            payment.status = PaymentStatus.AUTHORIZED
            payment.authorized_at = now
            payment.capture_due_at = booking.lesson_ends_at + CAPTURE_DELAY
        else:
            payment.status = PaymentStatus.CARD_SAVED
            payment.payment_method_id = TEST_VISA
            payment.authorize_due_at = max(booking.lesson_starts_at - AUTHORIZE_LEAD, now)
        payment.save()
    return payment
