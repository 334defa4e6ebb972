"""Stripe webhooks: each event stored once (unique event id), handled idempotently and in any
order. Handlers only read the event and our rows; they never call Stripe, so answering is fast."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse

from notifications.services import email_send
from payments.models import (
    Dispute,
    LedgerKind,
    Payment,
    PaymentStatus,
    Payout,
    WebhookEvent,
)
from payments.services.connect import connect_account_sync
from payments.services.ledger import ledger_record

logger = logging.getLogger(__name__)


def webhook_event_receive(*, event: dict, now: datetime) -> WebhookEvent:
    """Stores the event (once) and handles it. A failed handler records its error and raises,
    so the sender retries; a processed event is not handled twice."""
    try:
        with transaction.atomic():
            stored, _ = WebhookEvent.objects.get_or_create(
                event_id=event["id"],
                defaults={
                    "type": event["type"],
                    "account": event.get("account") or "",
                    "payload": event,
                    "received_at": now,
                },
            )
    except IntegrityError:
        stored = WebhookEvent.objects.get(event_id=event["id"])
    with transaction.atomic():
        stored = WebhookEvent.objects.select_for_update().get(pk=stored.pk)
        if stored.status in (WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED):
            return stored
        stored.attempts += 1
        handler = HANDLERS.get(event["type"]) or _prefix_handler(event["type"])
        if handler is None:
            stored.status = WebhookEvent.Status.IGNORED
            stored.processed_at = now
            stored.save()
            return stored
        try:
            with transaction.atomic():
                handler(event["data"]["object"], event=event, now=now)
        except Exception as error:
            logger.exception("Stripe webhook %s failed", event["id"])
            stored.status = WebhookEvent.Status.FAILED
            stored.error = f"{type(error).__name__}: {error}"[:2000]
            stored.save()
            return stored
        stored.status = WebhookEvent.Status.PROCESSED
        stored.error = ""
        stored.processed_at = now
        stored.save()
    return stored


def _prefix_handler(event_type: str):
    for prefix, handler in PREFIX_HANDLERS.items():
        if event_type.startswith(prefix):
            return handler
    return None


def _payment_for_intent(intent_id: str) -> Payment | None:
    return Payment.objects.select_for_update().filter(payment_intent_id=intent_id).first()


def _payment_for_charge(charge_id: str) -> Payment | None:
    return Payment.objects.select_for_update().filter(charge_id=charge_id).first()


# ---------------------------------------------------------------- handlers


def on_payment_intent(intent, *, event, now) -> None:
    """Our services record authorizations and captures as they make them; the webhook catches
    what happens without us: an authorization that lapsed (`cancellation_reason=automatic`) goes
    back to be authorized again, and the student is asked to act."""
    payment = _payment_for_intent(intent["id"])
    if payment is None:
        return
    if (
        event["type"] == "payment_intent.canceled"
        and intent.get("cancellation_reason") == "automatic"
        and payment.status == PaymentStatus.AUTHORIZED
    ):
        ledger_record(
            kind=LedgerKind.RELEASE,
            amount_cents=intent["amount"],
            key=f"release:{intent['id']}",
            occurred_at=now,
            payment=payment,
            provider_id=intent["id"],
            note="authorization lapsed",
        )
        payment.status = PaymentStatus.CARD_SAVED
        payment.payment_intent_id = ""
        payment.charge_id = ""
        payment.capture_before = None
        payment.capture_due_at = None
        payment.authorize_due_at = now
        payment.save()


def on_setup_intent(intent, *, event, now) -> None:
    """Checkout reads the SetupIntent itself; nothing to do unless it failed for a known payment."""
    payment = Payment.objects.select_for_update().filter(setup_intent_id=intent["id"]).first()
    if payment is not None and event["type"] == "setup_intent.setup_failed":
        error = intent.get("last_setup_error") or {}
        payment.last_error = (error.get("message") or "declined")[:300]
        payment.save(update_fields=["last_error", "updated_at"])


def on_charge_refunded(charge, *, event, now) -> None:
    """Refunds made outside our services (the dashboard) still reach the ledger, once each."""
    payment = _payment_for_charge(charge["id"])
    if payment is None or not charge.get("captured"):
        return
    refunds = (charge.get("refunds") or {}).get("data") or []
    for refund in refunds:
        ledger_record(
            kind=LedgerKind.REFUND,
            amount_cents=refund["amount"],
            key=f"refund:{refund['id']}",
            occurred_at=now,
            payment=payment,
            provider_id=refund["id"],
        )
    refunded = charge.get("amount_refunded", 0) - max(0, charge.get("amount", 0) - charge.get("amount_captured", 0))
    if refunded > payment.refunded_cents:
        payment.refunded_cents = refunded
        if refunded >= payment.captured_cents and payment.status == PaymentStatus.CAPTURED:
            payment.status = PaymentStatus.REFUNDED
        payment.save()


def on_dispute(dispute, *, event, now) -> None:
    """A dispute holds the instructor's money for that booking, alerts staff and is booked in the
    ledger when it opens and when it closes. Held: a transfer not made yet waits; one already made
    stays in their Connect account, kept out of payouts. Won: it is paid (out) as usual. Lost: the
    instructor's share is taken back by the next sweep (payment_take_back; this handler calls no
    Stripe API)."""
    payment = _payment_for_charge(dispute["charge"])
    if payment is None:
        return
    record, created = Dispute.objects.get_or_create(
        dispute_id=dispute["id"],
        defaults={
            "payment": payment,
            "amount_cents": dispute["amount"],
            "reason": dispute.get("reason") or "",
            "status": dispute["status"],
            "opened_at": now,
        },
    )
    if created:
        payment.payout_held = True
        payment.save(update_fields=["payout_held", "updated_at"])
        ledger_record(
            kind=LedgerKind.DISPUTE,
            amount_cents=dispute["amount"],
            key=f"dispute:{dispute['id']}",
            occurred_at=now,
            payment=payment,
            provider_id=dispute["id"],
            note=dispute.get("reason") or "",
        )
        transaction.on_commit(lambda: _alert_staff(payment, dispute))
    if event["type"] != "charge.dispute.closed" and dispute["status"] not in ("won", "lost"):
        # An older event delivered after the outcome does not reopen the dispute.
        if record.closed_at is None and record.status != dispute["status"]:
            record.status = dispute["status"]
            record.save(update_fields=["status"])
        return
    record.status = dispute["status"]
    record.closed_at = record.closed_at or now
    record.save(update_fields=["status", "closed_at"])
    won = dispute["status"] == "won"
    _, first_time = ledger_record(
        kind=LedgerKind.DISPUTE_WON if won else LedgerKind.DISPUTE_LOST,
        amount_cents=dispute["amount"],
        key=f"dispute-{'won' if won else 'lost'}:{dispute['id']}",
        occurred_at=now,
        payment=payment,
        provider_id=dispute["id"],
    )
    if not first_time:
        return
    if won:
        payment.payout_held = False
        if payment.transferred_cents < payment.instructor_share_cents:
            payment.transfer_due_at = now
        payment.save()
        return
    # The student got the money back through the bank: the instructor is not paid for it. What
    # was not sent yet never is; what was sent (and held) is taken back by the sweep.
    payment.transfer_due_at = None
    payment.take_back_due_at = now
    payment.save()


def _alert_staff(payment: Payment, dispute: dict) -> None:
    staff = get_user_model().objects.filter(is_staff=True, is_active=True).values_list("email", flat=True)
    admin_url = getattr(settings, "SITE_URL", "").rstrip("/") + reverse(
        "admin:payments_payment_change", args=[payment.pk]
    )
    for address in staff:
        email_send(
            to=address,
            subject=f"Dispute opened on booking {payment.booking.public_id}",
            body=(
                f"A ${dispute['amount'] / 100:.2f} dispute ({dispute.get('reason') or 'no reason given'}) was opened "
                f"on payment {payment.public_id}. The instructor's money for this booking is held.\n\n"
                f"See it in the admin: {admin_url}"
            ),
        )


def on_account_updated(account, *, event, now) -> None:
    connect_account_sync(account_data=account, now=now)


def on_transfer(transfer, *, event, now) -> None:
    """Reversals made outside our services still reach the ledger, once each."""
    payment = Payment.objects.select_for_update().filter(public_id=(transfer.get("metadata") or {}).get("payment"))
    payment = payment.first()
    if payment is None:
        return
    for reversal in (transfer.get("reversals") or {}).get("data") or []:
        ledger_record(
            kind=LedgerKind.REVERSAL,
            amount_cents=reversal["amount"],
            key=f"reversal:{reversal['id']}",
            occurred_at=now,
            payment=payment,
            provider_id=reversal["id"],
        )


PAYOUT_FINAL_STATUSES = frozenset({"paid", "failed", "canceled"})


def on_payout(payout, *, event, now) -> None:
    """Keeps our payout's status; a late `payout.created` (pending) never undoes `paid` or
    `failed`, and a returned payout is booked once."""
    record = Payout.objects.select_for_update().filter(payout_id=payout["id"]).first()
    if record is None:
        return
    if record.status not in PAYOUT_FINAL_STATUSES or payout["status"] == "failed":
        record.status = payout["status"]
        record.save(update_fields=["status"])
    if payout["status"] == "failed":
        ledger_record(
            kind=LedgerKind.PAYOUT_FAILED,
            amount_cents=payout["amount"],
            key=f"payout-failed:{payout['id']}",
            occurred_at=now,
            instructor=record.instructor,
            provider_id=payout["id"],
        )


HANDLERS = {
    "charge.refunded": on_charge_refunded,
    "account.updated": on_account_updated,
}
PREFIX_HANDLERS = {
    "payment_intent.": on_payment_intent,
    "setup_intent.": on_setup_intent,
    "charge.dispute.": on_dispute,
    "transfer.": on_transfer,
    "payout.": on_payout,
}
