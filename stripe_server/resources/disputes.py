"""Disputes: opened by a test helper (a cardholder's bank does it on Stripe), then updated or closed."""

from __future__ import annotations

from ..errors import invalid
from ..forms import LIST
from ..routing import Ctx, route
from ..store import Store
from .balance import post
from .customers import merge_metadata

DISPUTE_FEE = 1500
# Stripe's dispute reasons (what the cardholder's bank gives).
REASONS = [
    "bank_cannot_process",
    "check_returned",
    "credit_not_processed",
    "customer_initiated",
    "debit_not_authorized",
    "duplicate",
    "fraudulent",
    "general",
    "incorrect_account_details",
    "insufficient_funds",
    "noncompliant",
    "product_not_received",
    "product_unacceptable",
    "subscription_canceled",
    "unrecognized",
]
EVIDENCE_KEYS = [
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
]


def open_dispute(store: Store, charge: dict, amount: int | None = None, reason: str = "fraudulent") -> dict:
    """The bank pulls the disputed amount (plus Stripe's dispute fee) from the charge's account."""
    if not charge["captured"]:
        raise invalid(f"Charge {charge['id']} has not been captured, so it cannot be disputed.")
    if charge["disputed"]:
        raise invalid(f"Charge {charge['id']} has already been disputed.")
    owner = store.owner(charge["id"])
    disputable = charge["amount_captured"] - sum(r["amount"] for r in charge["refunds"]["data"])
    if amount is None:
        amount = disputable
    if not 0 < amount <= disputable:
        raise invalid(
            f"A dispute of charge {charge['id']} is for 1 to {disputable} cents (captured less refunded), "
            f"not {amount}.",
            param="amount",
        )
    now = store.now()
    dispute = {
        "id": store.new_id("dp"),
        "object": "dispute",
        "amount": amount,
        "balance_transactions": [],
        "charge": charge["id"],
        "created": now,
        "currency": charge["currency"],
        "enhanced_eligibility_types": [],
        "evidence": {key: None for key in EVIDENCE_KEYS} | {"enhanced_evidence": {}},
        "evidence_details": {
            "due_by": now + 7 * 86400,
            "enhanced_eligibility": {},
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        },
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": charge["payment_intent"],
        "payment_method_details": {
            "card": {
                "brand": charge["payment_method_details"]["card"]["brand"],
                "case_type": "chargeback",
                "network_reason_code": "10.4",
            },
            "type": "card",
        },
        "reason": reason,
        "status": "needs_response",
    }
    store.add(dispute, owner=owner)
    txn = post(
        store,
        owner,
        amount=-amount,
        type="adjustment",
        source=dispute["id"],
        fee=DISPUTE_FEE,
        description=f"Chargeback withdrawal for {charge['id']}",
        category="dispute",
    )
    dispute["balance_transactions"].append(dict(txn))
    charge["disputed"] = True
    store.emit("charge.dispute.created", dispute, account=owner)
    store.emit("charge.dispute.funds_withdrawn", dispute, account=owner)
    return dispute


def close_dispute(store: Store, dispute: dict, status: str) -> dict:
    """``won``: the funds come back (the fee does not); ``lost``: they stay with the cardholder."""
    if dispute["status"] in ("won", "lost", "warning_closed"):
        raise invalid(f"Dispute {dispute['id']} is already closed.")
    owner = store.owner(dispute["id"])
    previous = {"status": dispute["status"]}
    dispute["status"] = status
    dispute["is_charge_refundable"] = False
    if status == "won":
        txn = post(
            store,
            owner,
            amount=dispute["amount"],
            type="adjustment",
            source=dispute["id"],
            description=f"Chargeback reversal for {dispute['charge']}",
            category="dispute_reversal",
        )
        dispute["balance_transactions"].append(dict(txn))
        store.emit("charge.dispute.funds_reinstated", dispute, account=owner)
    store.emit("charge.dispute.closed", dispute, account=owner, previous=previous)
    return dispute


@route("GET", "/v1/disputes/{dispute_id}", schema={})
def retrieve(ctx: Ctx, params: dict, dispute_id: str):
    return ctx.out(ctx.store.get(dispute_id, "dispute", owner=ctx.account))


@route(
    "POST",
    "/v1/disputes/{dispute_id}",
    schema={"evidence": {key: "str" for key in EVIDENCE_KEYS}, "metadata": "metadata", "submit": "bool"},
)
def update(ctx: Ctx, params: dict, dispute_id: str):
    dispute = ctx.store.get(dispute_id, "dispute", owner=ctx.account)
    previous = {"status": dispute["status"]}
    for key, value in (params.get("evidence") or {}).items():
        dispute["evidence"][key] = value
        dispute["evidence_details"]["has_evidence"] = True
    if "metadata" in params:
        dispute["metadata"] = merge_metadata(dispute["metadata"], params["metadata"])
    if params.get("submit", True) and params.get("evidence"):
        dispute["status"] = "under_review"
        dispute["evidence_details"]["submission_count"] += 1
    ctx.emit("charge.dispute.updated", dispute, previous)
    return ctx.out(dispute)


@route("POST", "/v1/disputes/{dispute_id}/close", schema={})
def close(ctx: Ctx, params: dict, dispute_id: str):
    """Accepting a dispute on Stripe closes it as lost."""
    dispute = ctx.store.get(dispute_id, "dispute", owner=ctx.account)
    return ctx.out(close_dispute(ctx.store, dispute, "lost"))


@route(
    "GET",
    "/v1/disputes",
    schema={
        **LIST,
        "charge": "str",
        "payment_intent": "str",
    },
)
def list_disputes(ctx: Ctx, params: dict):
    filters = {key: params[key] for key in ("charge", "payment_intent") if params.get(key)}
    return ctx.store.page(ctx.store.find("dispute", ctx.account, **filters), "/v1/disputes", params)
