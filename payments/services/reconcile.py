"""Reconciliation: our ledger against what Stripe says happened, in both directions. Each
difference is one line.

- Ours → Stripe: each payment's state against its PaymentIntent; each refund, transfer, reversal
  and payout in the ledger exists on Stripe with the same amount.
- Stripe → ours: every captured charge is in the ledger with the amount captured; every held
  authorization belongs to one of our payments; every refund, transfer, reversal, dispute and
  payout (on each instructor's account) is in the ledger. A charge we never recorded (a double
  charge), an authorization still held after we released it or forgot its id, or money moved
  from the dashboard all show up.
"""

from __future__ import annotations

from django.db.models import Sum

from payments import stripe_client
from payments.models import ConnectAccount, Dispute, LedgerEntry, LedgerKind, Payment, PaymentStatus, Payout

INTENT_STATUS_FOR = {
    PaymentStatus.AUTHORIZED: {"requires_capture"},
    PaymentStatus.CAPTURED: {"succeeded"},
    PaymentStatus.REFUNDED: {"succeeded"},
    PaymentStatus.CANCELED: {"canceled", "requires_payment_method", "requires_confirmation", "requires_action"},
}
DISPUTE_OUTCOME_KINDS = {"won": LedgerKind.DISPUTE_WON, "lost": LedgerKind.DISPUTE_LOST}


def _all(resource: str, method: str = "list", *args, account: str = "", **params):
    """Every object of a Stripe list, page by page."""
    starting_after = None
    while True:
        page_params = {"limit": 100, **params}
        if starting_after:
            page_params["starting_after"] = starting_after
        page = stripe_client.call(resource, method, *args, params=page_params, account=account)
        yield from page.data
        if not page.has_more or not page.data:
            return
        starting_after = page.data[-1].id


def _ledger_by_provider(*kinds: str) -> dict[str, int]:
    rows = LedgerEntry.objects.filter(kind__in=kinds).values("provider_id").annotate(total=Sum("amount_cents"))
    return {row["provider_id"]: row["total"] for row in rows}


def payments_reconcile() -> list[str]:
    """Compares the ledger and our payment rows with the Stripe server, both ways."""
    differences: list[str] = []
    for payment in Payment.objects.exclude(payment_intent_id="").order_by("pk"):
        differences += _payment_differences(payment)
    differences += _charge_differences()
    differences += _refund_differences()
    differences += _dispute_differences()
    differences += _transfer_differences()
    differences += _payout_differences()
    return differences


def _payment_differences(payment: Payment) -> list[str]:
    """Our payment row against its current PaymentIntent (the ledger is checked per Stripe object)."""
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
    if payment.captured_cents != captured:
        found.append(f"{name}: payment row says {payment.captured_cents}¢ captured, Stripe {captured}¢")
    authorized = LedgerEntry.objects.filter(payment=payment, kind=LedgerKind.AUTHORIZATION, provider_id=intent.id)
    if payment.status == PaymentStatus.AUTHORIZED and not authorized.exists():
        found.append(f"{name}: authorized {intent.amount}¢ on Stripe, not in the ledger")
    return found


def _charge_differences() -> list[str]:
    """Every charge Stripe captured is in the ledger (captures and tips, by charge id) with the
    amount captured, and every one the ledger has is on Stripe; every authorization Stripe still
    holds is one of our authorized payments."""
    found = []
    ledger = _ledger_by_provider(LedgerKind.CAPTURE, LedgerKind.TIP)
    held_by_us = set(
        Payment.objects.filter(status=PaymentStatus.AUTHORIZED)
        .exclude(payment_intent_id="")
        .values_list("payment_intent_id", flat=True)
    )
    seen = set()
    for charge in _all("charges"):
        seen.add(charge.id)
        if charge.captured and charge.amount_captured:
            recorded = ledger.get(charge.id)
            if recorded is None:
                found.append(
                    f"charge {charge.id} of {charge.amount_captured}¢ (PaymentIntent {charge.payment_intent}) "
                    "captured on Stripe is not in the ledger"
                )
            elif recorded != charge.amount_captured:
                found.append(
                    f"charge {charge.id}: ledger charged {recorded}¢, Stripe captured {charge.amount_captured}¢"
                )
        elif charge.status == "succeeded" and not charge.captured and not charge.refunded:
            if charge.payment_intent not in held_by_us:
                found.append(
                    f"authorization of {charge.amount}¢ (PaymentIntent {charge.payment_intent}) is held on Stripe "
                    "but is not one of our authorized payments"
                )
    for charge_id in ledger.keys() - seen:
        found.append(f"charge {charge_id} in the ledger is not on Stripe")
    return found


def _refund_differences() -> list[str]:
    found = []
    ledger = _ledger_by_provider(LedgerKind.REFUND)
    seen = set()
    for refund in _all("refunds"):
        seen.add(refund.id)
        if refund.status in ("failed", "canceled"):
            continue
        recorded = ledger.get(refund.id)
        if recorded is None:
            found.append(f"refund {refund.id} of {refund.amount}¢ on Stripe is not in the ledger")
        elif recorded != refund.amount:
            found.append(f"refund {refund.id}: ledger {recorded}¢, Stripe {refund.amount}¢")
    for refund_id in ledger.keys() - seen:
        found.append(f"refund {refund_id} in the ledger is not on Stripe")
    return found


def _dispute_differences() -> list[str]:
    """Every dispute on Stripe is ours, opened in the ledger, and booked with its outcome."""
    found = []
    ours = {dispute.dispute_id: dispute for dispute in Dispute.objects.all()}
    opened = _ledger_by_provider(LedgerKind.DISPUTE)
    decided = {kind: _ledger_by_provider(kind) for kind in (LedgerKind.DISPUTE_WON, LedgerKind.DISPUTE_LOST)}
    seen = set()
    for dispute in _all("disputes"):
        seen.add(dispute.id)
        if dispute.id not in ours:
            found.append(f"dispute {dispute.id} of {dispute.amount}¢ on Stripe is not recorded")
            continue
        if dispute.id not in opened:
            found.append(f"dispute {dispute.id} is not in the ledger")
        if ours[dispute.id].status != dispute.status:
            found.append(f"dispute {dispute.id}: ours is {ours[dispute.id].status}, Stripe's is {dispute.status}")
        outcome = DISPUTE_OUTCOME_KINDS.get(dispute.status)
        if outcome and dispute.id not in decided[outcome]:
            found.append(f"dispute {dispute.id} was {dispute.status} on Stripe, not in the ledger")
    for dispute_id in ours.keys() - seen:
        found.append(f"dispute {dispute_id} we recorded is not on Stripe")
    return found


def _transfer_differences() -> list[str]:
    """Each transfer and each of its reversals (instant payout fees included) against the ledger."""
    found = []
    ours = _ledger_by_provider(LedgerKind.TRANSFER)
    taken_back = _ledger_by_provider(LedgerKind.REVERSAL, LedgerKind.PAYOUT_FEE)
    seen_transfers, seen_reversals = set(), set()
    for transfer in _all("transfers"):
        seen_transfers.add(transfer.id)
        recorded = ours.get(transfer.id)
        if recorded is None:
            found.append(f"transfer {transfer.id} of {transfer.amount}¢ on Stripe is not in the ledger")
        elif recorded != transfer.amount:
            found.append(f"transfer {transfer.id}: ledger {recorded}¢, Stripe {transfer.amount}¢")
        for reversal in _all("transfers", "reversals.list", transfer.id):
            seen_reversals.add(reversal.id)
            mine = taken_back.get(reversal.id)
            if mine is None:
                found.append(f"reversal {reversal.id} of {reversal.amount}¢ on Stripe is not in the ledger")
            elif mine != reversal.amount:
                found.append(f"reversal {reversal.id}: ledger {mine}¢, Stripe {reversal.amount}¢")
    for transfer_id in ours.keys() - seen_transfers:
        found.append(f"transfer {transfer_id} in the ledger is not on Stripe")
    for reversal_id in taken_back.keys() - seen_reversals:
        found.append(f"reversal {reversal_id} in the ledger is not on Stripe")
    return found


def _payout_differences() -> list[str]:
    """Every payout on each instructor's Connect account against our payouts and the ledger."""
    found = []
    ours = {payout.payout_id: payout for payout in Payout.objects.exclude(payout_id="")}
    ledger = _ledger_by_provider(LedgerKind.PAYOUT)
    seen = set()
    for account in ConnectAccount.objects.order_by("pk"):
        for remote in _all("payouts", account=account.account_id):
            seen.add(remote.id)
            payout = ours.get(remote.id)
            if payout is None:
                found.append(f"payout {remote.id} of {remote.amount}¢ ({remote.method}) on Stripe is not ours")
                continue
            if (remote.amount, remote.method) != (payout.amount_cents, payout.method):
                found.append(
                    f"payout {payout.payout_id}: ours {payout.amount_cents}¢ {payout.method}, "
                    f"Stripe {remote.amount}¢ {remote.method}"
                )
            if ledger.get(remote.id) != remote.amount:
                found.append(f"payout {payout.payout_id}: ledger does not record {remote.amount}¢")
    for payout_id in ours.keys() - seen:
        found.append(f"payout {payout_id} we recorded is not on Stripe")
    return found
