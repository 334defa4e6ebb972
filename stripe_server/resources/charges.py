"""Charges (created by PaymentIntents), their capture, refunds and the money each moves."""

from __future__ import annotations

from .. import cards
from ..errors import StripeError, invalid
from ..forms import LIST, PAGE, UNSUPPORTED
from ..routing import Ctx, route
from ..store import PLATFORM, Store
from .balance import DAY, post, stripe_fee
from .customers import merge_metadata

AUTHORIZATION_DAYS = 7  # Stripe's card authorization validity window.
SUCCESS_OUTCOME = {
    "advice_code": None,
    "network_advice_code": None,
    "network_decline_code": None,
    "network_status": "approved_by_network",
    "reason": None,
    "risk_level": "normal",
    "risk_score": 20,
    "seller_message": "Payment complete.",
    "type": "authorized",
}


def build_charge(ctx: Ctx, intent: dict, method: dict, *, failure: StripeError | None = None) -> dict:
    """An authorized (or, with ``failure``, declined) charge for ``intent`` paid by ``method``."""
    now = ctx.now
    card = method["card"]
    manual = intent["capture_method"] == "manual"
    charge_id = ctx.store.new_id("ch")
    charge = {
        "id": charge_id,
        "object": "charge",
        "amount": intent["amount"],
        "amount_captured": 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": intent["application_fee_amount"],
        "balance_transaction": None,
        "billing_details": method["billing_details"],
        "calculated_statement_descriptor": "INSTAINSTRU",
        "captured": False,
        "created": now,
        "currency": intent["currency"],
        "customer": intent["customer"],
        "description": intent["description"],
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": failure.code if failure else None,
        "failure_message": failure.message if failure else None,
        "fraud_details": {},
        "livemode": False,
        "metadata": dict(intent["metadata"]),
        "on_behalf_of": intent["on_behalf_of"],
        "outcome": SUCCESS_OUTCOME
        if failure is None
        else {
            **SUCCESS_OUTCOME,
            "network_status": "declined_by_network",
            "reason": failure.decline_code,
            "seller_message": "The bank did not return any further details with this decline.",
            "type": "issuer_declined",
        },
        "paid": failure is None,
        "payment_intent": intent["id"],
        "payment_method": method["id"],
        "payment_method_details": {
            "card": {
                "amount_authorized": intent["amount"] if failure is None else None,
                "authorization_code": "123456" if failure is None else None,
                "brand": card["brand"],
                # When an uncaptured authorization lapses; the project schedules captures by it.
                "capture_before": now + AUTHORIZATION_DAYS * DAY if manual and failure is None else None,
                "checks": card["checks"],
                "country": card["country"],
                "exp_month": card["exp_month"],
                "exp_year": card["exp_year"],
                "extended_authorization": {"status": "disabled"},
                "fingerprint": card["fingerprint"],
                "funding": card["funding"],
                "incremental_authorization": {"status": "unavailable"},
                "installments": None,
                "last4": card["last4"],
                "mandate": None,
                "multicapture": {"status": "unavailable"},
                "network": card["brand"],
                "network_token": {"used": False},
                "network_transaction_id": "LOCAL" + charge_id[-10:],
                "overcapture": {"maximum_amount_capturable": intent["amount"], "status": "unavailable"},
                "regulated_status": "unregulated",
                "three_d_secure": None,
                "transaction_link_id": None,
                "wallet": None,
            },
            "type": "card",
        },
        "receipt_email": intent["receipt_email"],
        "receipt_number": None,
        "receipt_url": f"{ctx.base_url}/_local/receipts/{charge_id}",
        "refunded": False,
        "refunds": {"object": "list", "data": [], "has_more": False, "url": f"/v1/charges/{charge_id}/refunds"},
        "review": None,
        "shipping": None,
        "source": None,
        "source_transfer": None,
        "statement_descriptor": intent["statement_descriptor"],
        "statement_descriptor_suffix": intent["statement_descriptor_suffix"],
        "status": "succeeded" if failure is None else "failed",
        "transfer": None,
        "transfer_data": intent["transfer_data"],
        "transfer_group": intent["transfer_group"],
    }
    return ctx.store.add(charge, owner=ctx.account, number=ctx.store.private(method["id"])["number"])


def capture_charge(ctx: Ctx, charge: dict, amount: int, application_fee_amount: int | None) -> None:
    """Capture ``amount`` of an authorized charge and move the money: the platform's charge and
    Stripe fee, and for a destination charge the transfer and the application fee."""
    store = ctx.store
    owner = store.owner(charge["id"])
    available_now = cards.behaviour(store.private(charge["id"])["number"])["available_now"]
    available_on = ctx.now if available_now else ctx.now + 2 * DAY
    charge.update(captured=True, amount_captured=amount, amount_refunded=charge["amount"] - amount)
    charge["payment_method_details"]["card"]["capture_before"] = None
    txn = post(
        store,
        owner,
        amount=amount,
        type="charge",
        source=charge["id"],
        fee=stripe_fee(amount),
        available_on=available_on,
        description=charge["description"],
    )
    charge["balance_transaction"] = txn["id"]
    store.private(charge["id"])["available_on"] = available_on
    charge["application_fee_amount"] = application_fee_amount
    destination = (charge["transfer_data"] or {}).get("destination")
    if destination:
        from .transfers import create_application_fee, create_transfer

        transfer_amount = min(amount, charge["transfer_data"].get("amount") or amount)
        transfer = create_transfer(
            ctx,
            amount=transfer_amount,
            currency=charge["currency"],
            destination=destination,
            source_transaction=charge,
            transfer_group=charge["transfer_group"],
            application_fee_amount=application_fee_amount,
        )
        charge["transfer"] = transfer["id"]
        if application_fee_amount:
            fee = create_application_fee(ctx, charge, transfer, application_fee_amount)
            charge["application_fee"] = fee["id"]
    elif application_fee_amount and owner != PLATFORM:
        from .transfers import create_direct_application_fee

        charge["application_fee"] = create_direct_application_fee(ctx, charge, application_fee_amount)["id"]


def refundable(charge: dict) -> int:
    refunded = sum(r["amount"] for r in charge["refunds"]["data"] if r["status"] != "failed")
    return charge["amount_captured"] - refunded


REFUND = {
    "charge": "str",
    "payment_intent": "str",
    "amount": "int",
    "reason": "enum:duplicate|fraudulent|requested_by_customer",
    "metadata": "metadata",
    "reverse_transfer": "bool",
    "refund_application_fee": "bool",
    # For refunds to payment methods that need the customer's bank details; cards never do.
    "instructions_email": UNSUPPORTED,
}


@route("POST", "/v1/refunds", schema=REFUND)
def create_refund(ctx: Ctx, params: dict):
    if params.get("charge"):
        charge = ctx.store.get(params["charge"], "charge", owner=ctx.account, param="charge")
    elif params.get("payment_intent"):
        intent = ctx.store.get(params["payment_intent"], "payment_intent", owner=ctx.account, param="payment_intent")
        charge = ctx.store.objects.get(intent["latest_charge"] or "")
        if charge is None or not charge["paid"]:
            raise invalid(
                f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                code="charge_not_refundable",
            )
    else:
        raise invalid(
            "One of the following params should be provided for this request: payment_intent or charge.",
            code="parameter_missing",
        )
    return ctx.out(refund_charge(ctx, charge, params))


def refund_charge(ctx: Ctx, charge: dict, params: dict) -> dict:
    if charge["disputed"] and any(
        not dispute["is_charge_refundable"] for dispute in ctx.store.find("dispute", charge=charge["id"])
    ):
        # A chargeback already took the money back through the card network; Stripe refuses a
        # refund on top of it, whatever the dispute's outcome (the cardholder must not be paid twice).
        raise invalid(
            f"Charge {charge['id']} has been charged back; cannot issue a refund.",
            code="charge_disputed",
        )
    if not charge["captured"]:
        raise invalid(
            f"Charge {charge['id']} has not been captured; cancel its PaymentIntent to release the authorization.",
            code="charge_not_refundable",
        )
    remaining = refundable(charge)
    amount = params.get("amount", remaining)
    if amount <= 0 or remaining <= 0:
        raise invalid(f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
    if amount > remaining:
        raise invalid(
            f"Refund amount (${amount / 100:.2f}) is greater than unrefunded amount on charge (${remaining / 100:.2f})",
            param="amount",
            code="amount_too_large",
        )
    store, owner = ctx.store, ctx.store.owner(charge["id"])
    refund = {
        "id": store.new_id("re"),
        "object": "refund",
        "amount": amount,
        "balance_transaction": None,
        "charge": charge["id"],
        "created": ctx.now,
        "currency": charge["currency"],
        "customer": charge["customer"],
        "customer_account": None,
        "destination_details": {
            "card": {
                "reference_status": "pending",
                "reference_type": "acquirer_reference_number",
                "type": "refund",
                "reference": None,
            },
            "type": "card",
        },
        "metadata": params.get("metadata") or {},
        "payment_intent": charge["payment_intent"],
        "payment_method": charge["payment_method"],
        "reason": params.get("reason"),
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
    }
    store.add(refund, owner=owner)
    refund["balance_transaction"] = post(store, owner, amount=-amount, type="refund", source=refund["id"])["id"]
    # Stripe reverses transfers and refunds fees in proportion to the refunded share of the charge.
    if params.get("reverse_transfer") and charge.get("transfer"):
        from .transfers import reverse_transfer

        transfer = store.objects[charge["transfer"]]
        share = min(
            transfer["amount"] - transfer["amount_reversed"],
            round(transfer["amount"] * amount / charge["amount_captured"]),
        )
        if share > 0:
            reversal = reverse_transfer(ctx, transfer, share, source_refund=refund["id"])
            refund["transfer_reversal"] = reversal["id"]
    if params.get("refund_application_fee") and charge.get("application_fee"):
        from .transfers import refund_application_fee

        fee = store.objects[charge["application_fee"]]
        share = min(fee["amount"] - fee["amount_refunded"], round(fee["amount"] * amount / charge["amount_captured"]))
        if share > 0:
            refund_application_fee(ctx, fee, share)
    charge["refunds"]["data"].insert(0, dict(refund))
    previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
    charge["amount_refunded"] += amount
    charge["refunded"] = refundable(charge) == 0
    ctx.emit("refund.created", refund, account=owner)
    ctx.emit("charge.refunded", charge, previous, account=owner)
    return refund


@route("GET", "/v1/refunds/{refund_id}", schema={})
def retrieve_refund(ctx: Ctx, params: dict, refund_id: str):
    return ctx.out(ctx.store.get(refund_id, "refund", owner=ctx.account))


@route("POST", "/v1/refunds/{refund_id}", schema={"metadata": "metadata"})
def update_refund(ctx: Ctx, params: dict, refund_id: str):
    refund = ctx.store.get(refund_id, "refund", owner=ctx.account)
    refund["metadata"] = merge_metadata(refund["metadata"], params.get("metadata") or {})
    return ctx.out(refund)


@route("GET", "/v1/refunds", schema={**LIST, "charge": "str", "payment_intent": "str"})
def list_refunds(ctx: Ctx, params: dict):
    filters = {key: params[key] for key in ("charge", "payment_intent") if params.get(key)}
    return ctx.store.page(ctx.store.find("refund", ctx.account, **filters), "/v1/refunds", params)


@route("GET", "/v1/charges/{charge_id}", schema={})
def retrieve_charge(ctx: Ctx, params: dict, charge_id: str):
    return ctx.out(ctx.store.get(charge_id, "charge", owner=ctx.account))


@route("GET", "/v1/charges", schema={**LIST, "customer": "str", "payment_intent": "str", "transfer_group": "str"})
def list_charges(ctx: Ctx, params: dict):
    filters = {key: params[key] for key in ("customer", "payment_intent", "transfer_group") if params.get(key)}
    return ctx.store.page(ctx.store.find("charge", ctx.account, **filters), "/v1/charges", params)


@route("GET", "/v1/charges/{charge_id}/refunds", schema=PAGE)
def list_charge_refunds(ctx: Ctx, params: dict, charge_id: str):
    ctx.store.get(charge_id, "charge", owner=ctx.account)
    found = ctx.store.find("refund", ctx.account, charge=charge_id)
    return ctx.store.page(found, f"/v1/charges/{charge_id}/refunds", params)


def release_authorization(store: Store, charge: dict, *, expired: bool) -> None:
    """An uncaptured charge whose PaymentIntent is canceled (or whose authorization lapsed)."""
    owner = store.owner(charge["id"])
    previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
    charge.update(amount_refunded=charge["amount"], refunded=True)
    charge["payment_method_details"]["card"]["capture_before"] = None
    if expired:
        store.emit("charge.expired", charge, account=owner, previous=previous)
    store.emit("charge.refunded", charge, account=owner, previous=previous)
