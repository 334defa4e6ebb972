"""Reconciliation: our ledger against what Stripe says happened. Each difference is one line."""

from __future__ import annotations

from django.db.models import Sum

from payments import stripe_client
from payments.models import LedgerEntry, LedgerKind, Payment, PaymentStatus, Payout

INTENT_STATUS_FOR = {
    PaymentStatus.AUTHORIZED: {"requires_capture"},
    PaymentStatus.CAPTURED: {"succeeded"},
    PaymentStatus.REFUNDED: {"succeeded"},
    PaymentStatus.CANCELED: {"canceled", "requires_payment_method", "requires_confirmation", "requires_action"},
}


def _sum(payment: Payment, *kinds: str) -> int:
    return (
        LedgerEntry.objects.filter(payment=payment, kind__in=kinds).aggregate(total=Sum("amount_cents"))["total"] or 0
    )


def _all(resource: str, **params):
    """Every object of a Stripe list, page by page."""
    starting_after = None
    while True:
        page_params = {"limit": 100, **params}
        if starting_after:
            page_params["starting_after"] = starting_after
        page = stripe_client.call(resource, "list", params=page_params)
        yield from page.data
        if not page.has_more or not page.data:
            return
        starting_after = page.data[-1].id


def payments_reconcile() -> list[str]:
    """Compares every payment, transfer and payout in our ledger with the Stripe server."""
    differences: list[str] = []
    for payment in Payment.objects.exclude(payment_intent_id="").order_by("pk"):
        differences += _payment_differences(payment)
    differences += _transfer_differences()
    differences += _payout_differences()
    return differences


def _payment_differences(payment: Payment) -> list[str]:
    found = []
    name = f"payment {payment.public_id} ({payment.kind})"
    intent = stripe_client.call(
        "payment_intents", "retrieve", payment.payment_intent_id, params={"expand": ["latest_charge"]}
    )
    expected = INTENT_STATUS_FOR.get(payment.status)
    if expected and intent.status not in expected:
        found.append(f"{name}: ours is {payment.status}, Stripe's PaymentIntent {intent.id} is {intent.status}")
    charge = intent.latest_charge
    captured = charge.amount_captured if charge and charge.captured else 0
    refunded = (charge.amount_refunded - (charge.amount - charge.amount_captured)) if charge and charge.captured else 0
    ledger_captured = _sum(payment, LedgerKind.CAPTURE, LedgerKind.TIP)
    if ledger_captured != captured:
        found.append(f"{name}: ledger charged {ledger_captured}¢, Stripe captured {captured}¢")
    if payment.captured_cents != captured:
        found.append(f"{name}: payment row says {payment.captured_cents}¢ captured, Stripe {captured}¢")
    ledger_refunded = _sum(payment, LedgerKind.REFUND)
    if ledger_refunded != refunded:
        found.append(f"{name}: ledger refunded {ledger_refunded}¢, Stripe refunded {refunded}¢")
    if payment.status == PaymentStatus.AUTHORIZED and _sum(payment, LedgerKind.AUTHORIZATION) < intent.amount:
        found.append(f"{name}: authorized {intent.amount}¢ on Stripe, not in the ledger")
    return found


def _transfer_differences() -> list[str]:
    """Each transfer and each of its reversals (instant payout fees included) against the ledger."""
    found = []
    ours = {entry.provider_id: entry for entry in LedgerEntry.objects.filter(kind=LedgerKind.TRANSFER)}
    taken_back = {
        entry.provider_id: entry
        for entry in LedgerEntry.objects.filter(kind__in=[LedgerKind.REVERSAL, LedgerKind.PAYOUT_FEE])
    }
    seen_transfers, seen_reversals = set(), set()
    for transfer in _all("transfers"):
        seen_transfers.add(transfer.id)
        entry = ours.get(transfer.id)
        if entry is None:
            found.append(f"transfer {transfer.id} of {transfer.amount}¢ on Stripe is not in the ledger")
        elif entry.amount_cents != transfer.amount:
            found.append(f"transfer {transfer.id}: ledger {entry.amount_cents}¢, Stripe {transfer.amount}¢")
        reversals = stripe_client.call("transfers", "reversals.list", transfer.id, params={"limit": 100}).data
        for reversal in reversals:
            seen_reversals.add(reversal.id)
            mine = taken_back.get(reversal.id)
            if mine is None:
                found.append(f"reversal {reversal.id} of {reversal.amount}¢ on Stripe is not in the ledger")
            elif mine.amount_cents != reversal.amount:
                found.append(f"reversal {reversal.id}: ledger {mine.amount_cents}¢, Stripe {reversal.amount}¢")
    for transfer_id in ours.keys() - seen_transfers:
        found.append(f"transfer {transfer_id} in the ledger is not on Stripe")
    for reversal_id in taken_back.keys() - seen_reversals:
        found.append(f"reversal {reversal_id} in the ledger is not on Stripe")
    return found


def _payout_differences() -> list[str]:
    found = []
    for payout in Payout.objects.exclude(payout_id="").select_related("instructor__connect_account"):
        account = payout.instructor.connect_account.account_id
        remote = stripe_client.call("payouts", "retrieve", payout.payout_id, account=account)
        if (remote.amount, remote.method) != (payout.amount_cents, payout.method):
            found.append(
                f"payout {payout.payout_id}: ours {payout.amount_cents}¢ {payout.method}, "
                f"Stripe {remote.amount}¢ {remote.method}"
            )
        ledger = LedgerEntry.objects.filter(kind=LedgerKind.PAYOUT, provider_id=payout.payout_id).first()
        if ledger is None or ledger.amount_cents != remote.amount:
            found.append(f"payout {payout.payout_id}: ledger does not record {remote.amount}¢")
    return found
