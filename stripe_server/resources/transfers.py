"""Transfers to connected accounts, their reversals, and application fees with their refunds."""

from __future__ import annotations

from ..errors import balance_insufficient, invalid
from ..forms import LIST, PAGE
from ..routing import Ctx, route
from ..store import PLATFORM
from .balance import post, totals
from .customers import merge_metadata
from .payment_intents import check_destination


def create_transfer(
    ctx: Ctx,
    *,
    amount: int,
    currency: str,
    destination: str,
    source_transaction: dict | None,
    transfer_group: str | None,
    description: str | None = None,
    metadata: dict | None = None,
    application_fee_amount: int | None = None,
) -> dict:
    """Move ``amount`` from the platform to ``destination``. From a charge the destination's funds
    become available when the charge's do; otherwise the platform's available balance pays."""
    store = ctx.store
    transfer_id = store.new_id("tr")
    payment_id = store.new_id("py")
    available_on = ctx.now
    if source_transaction is not None:
        available_on = max(ctx.now, store.private(source_transaction["id"]).get("available_on", ctx.now))
    transfer = {
        "id": transfer_id,
        "object": "transfer",
        "amount": amount,
        "amount_reversed": 0,
        "balance_transaction": None,
        "created": ctx.now,
        "currency": currency,
        "description": description,
        "destination": destination,
        "destination_payment": payment_id,
        "livemode": False,
        "metadata": metadata or {},
        "reversals": {"object": "list", "data": [], "has_more": False, "url": f"/v1/transfers/{transfer_id}/reversals"},
        "reversed": False,
        "source_transaction": source_transaction["id"] if source_transaction else None,
        "source_type": "card",
        "transfer_group": transfer_group,
    }
    store.add(transfer, owner=PLATFORM)
    transfer["balance_transaction"] = post(
        store,
        PLATFORM,
        amount=-amount,
        type="transfer",
        source=transfer_id,
        available_on=available_on if source_transaction else None,
    )["id"]
    # The destination sees a payment; on a destination charge Stripe takes the application fee from it.
    post(
        store,
        destination,
        amount=amount,
        type="payment",
        source=payment_id,
        fee=application_fee_amount or 0,
        fee_type="application_fee",
        available_on=available_on,
        category="charge",
    )
    ctx.emit("transfer.created", transfer, account=PLATFORM)
    return transfer


def create_application_fee(ctx: Ctx, charge: dict, transfer: dict, amount: int) -> dict:
    store = ctx.store
    fee_id = store.new_id("fee")
    fee = {
        "id": fee_id,
        "object": "application_fee",
        "account": transfer["destination"],
        "amount": amount,
        "amount_refunded": 0,
        "application": "ca_local",
        "balance_transaction": None,
        "charge": charge["id"],
        "created": ctx.now,
        "currency": charge["currency"],
        "fee_source": {"charge": charge["id"], "type": "charge"},
        "livemode": False,
        "originating_transaction": transfer["destination_payment"],
        "refunded": False,
        "refunds": {"object": "list", "data": [], "has_more": False, "url": f"/v1/application_fees/{fee_id}/refunds"},
    }
    store.add(fee, owner=PLATFORM)
    available_on = store.private(charge["id"]).get("available_on")
    fee["balance_transaction"] = post(
        store, PLATFORM, amount=amount, type="application_fee", source=fee_id, available_on=available_on
    )["id"]
    ctx.emit("application_fee.created", fee, account=PLATFORM)
    return fee


def create_direct_application_fee(ctx: Ctx, charge: dict, amount: int) -> dict:
    """A direct charge on a connected account (Stripe-Account header): the fee moves to the platform."""
    owner = ctx.store.owner(charge["id"])
    transfer = {"destination": owner, "destination_payment": charge["id"]}
    fee = create_application_fee(ctx, charge, transfer, amount)
    post(ctx.store, owner, amount=-amount, type="application_fee", source=fee["id"])
    return fee


def reverse_transfer(
    ctx: Ctx,
    transfer: dict,
    amount: int,
    *,
    source_refund: str | None = None,
    metadata: dict | None = None,
    description: str | None = None,
) -> dict:
    store = ctx.store
    reversal = {
        "id": store.new_id("trr"),
        "object": "transfer_reversal",
        "amount": amount,
        "balance_transaction": None,
        "created": ctx.now,
        "currency": transfer["currency"],
        "destination_payment_refund": store.new_id("pyr"),
        "metadata": metadata or {},
        "source_refund": source_refund,
        "transfer": transfer["id"],
    }
    store.add(reversal, owner=PLATFORM, description=description)
    reversal["balance_transaction"] = post(
        store, PLATFORM, amount=amount, type="transfer_refund", source=reversal["id"]
    )["id"]
    # The connected account may go negative (e.g. after an instant payout): Stripe allows that.
    post(
        store,
        transfer["destination"],
        amount=-amount,
        type="payment_refund",
        source=reversal["destination_payment_refund"],
    )
    transfer["amount_reversed"] += amount
    transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
    transfer["reversals"]["data"].insert(0, dict(reversal))
    ctx.emit("transfer.reversed", transfer, account=PLATFORM)
    ctx.emit(
        "transfer.updated",
        transfer,
        account=PLATFORM,
        previous={"amount_reversed": transfer["amount_reversed"] - amount},
    )
    return reversal


def refund_application_fee(ctx: Ctx, fee: dict, amount: int, metadata: dict | None = None) -> dict:
    store = ctx.store
    fee_refund = {
        "id": store.new_id("fr"),
        "object": "fee_refund",
        "amount": amount,
        "balance_transaction": None,
        "created": ctx.now,
        "currency": fee["currency"],
        "fee": fee["id"],
        "metadata": metadata or {},
    }
    store.add(fee_refund, owner=PLATFORM)
    fee_refund["balance_transaction"] = post(
        store, PLATFORM, amount=-amount, type="application_fee_refund", source=fee_refund["id"]
    )["id"]
    post(store, fee["account"], amount=amount, type="application_fee_refund", source=fee_refund["id"])
    fee["amount_refunded"] += amount
    fee["refunded"] = fee["amount_refunded"] == fee["amount"]
    fee["refunds"]["data"].insert(0, dict(fee_refund))
    ctx.emit("application_fee.refunded", fee, account=PLATFORM)
    return fee_refund


TRANSFER = {
    "amount!": "int",
    "currency!": "currency",
    "destination!": "str",
    "source_transaction": "str",
    "transfer_group": "str",
    "description": "str",
    "metadata": "metadata",
}


@route("POST", "/v1/transfers", schema=TRANSFER)
def create(ctx: Ctx, params: dict):
    ctx.platform_only("Transfers")
    amount = params["amount"]
    if amount <= 0:
        raise invalid("Invalid positive integer", param="amount", code="parameter_invalid_integer")
    check_destination(ctx, params["destination"], "destination")
    source = None
    if params.get("source_transaction"):
        source = ctx.store.get(params["source_transaction"], "charge", owner=PLATFORM, param="source_transaction")
        already = sum(
            t["amount"] - t["amount_reversed"] for t in ctx.store.find("transfer", source_transaction=source["id"])
        )
        refunded = sum(r["amount"] for r in source["refunds"]["data"])
        if not source["captured"] or amount > source["amount_captured"] - refunded - already:
            raise invalid(
                f"The transfer amount exceeds the amount of the source transaction {source['id']} "
                "that remains available.",
                param="amount",
                code="transfer_source_balance_parameters_mismatch",
            )
    elif amount > totals(ctx.store, PLATFORM, params["currency"])[0]:
        raise balance_insufficient()
    transfer = create_transfer(
        ctx,
        amount=amount,
        currency=params["currency"],
        destination=params["destination"],
        source_transaction=source,
        transfer_group=params.get("transfer_group"),
        description=params.get("description"),
        metadata=params.get("metadata"),
    )
    return ctx.out(transfer)


@route("GET", "/v1/transfers/{transfer_id}", schema={})
def retrieve(ctx: Ctx, params: dict, transfer_id: str):
    return ctx.out(ctx.store.get(transfer_id, "transfer", owner=ctx.account))


@route("POST", "/v1/transfers/{transfer_id}", schema={"metadata": "metadata", "description": "str"})
def update(ctx: Ctx, params: dict, transfer_id: str):
    transfer = ctx.store.get(transfer_id, "transfer", owner=ctx.account)
    if "metadata" in params:
        transfer["metadata"] = merge_metadata(transfer["metadata"], params["metadata"])
    if "description" in params:
        transfer["description"] = params["description"] or None
    ctx.emit("transfer.updated", transfer, account=PLATFORM)
    return ctx.out(transfer)


@route("GET", "/v1/transfers", schema={**LIST, "destination": "str", "transfer_group": "str"})
def list_transfers(ctx: Ctx, params: dict):
    filters = {key: params[key] for key in ("destination", "transfer_group") if params.get(key)}
    return ctx.store.page(ctx.store.find("transfer", ctx.account, **filters), "/v1/transfers", params)


@route(
    "POST",
    "/v1/transfers/{transfer_id}/reversals",
    schema={"amount": "int", "metadata": "metadata", "description": "str", "refund_application_fee": "bool"},
)
def create_reversal(ctx: Ctx, params: dict, transfer_id: str):
    transfer = ctx.store.get(transfer_id, "transfer", owner=ctx.account)
    remaining = transfer["amount"] - transfer["amount_reversed"]
    amount = params.get("amount", remaining)
    if amount <= 0 or amount > remaining:
        raise invalid(
            f"Transfer reversal amount ({amount}) is greater than the remaining transfer amount ({remaining}).",
            param="amount",
            code="amount_too_large",
        )
    return ctx.out(
        reverse_transfer(ctx, transfer, amount, metadata=params.get("metadata"), description=params.get("description"))
    )


@route("GET", "/v1/transfers/{transfer_id}/reversals", schema=PAGE)
def list_reversals(ctx: Ctx, params: dict, transfer_id: str):
    ctx.store.get(transfer_id, "transfer", owner=ctx.account)
    found = ctx.store.find("transfer_reversal", ctx.account, transfer=transfer_id)
    return ctx.store.page(found, f"/v1/transfers/{transfer_id}/reversals", params)


@route("GET", "/v1/transfers/{transfer_id}/reversals/{reversal_id}", schema={})
def retrieve_reversal(ctx: Ctx, params: dict, transfer_id: str, reversal_id: str):
    reversal = ctx.store.get(reversal_id, "transfer_reversal", owner=ctx.account)
    if reversal["transfer"] != transfer_id:
        ctx.store.get("", "transfer_reversal")
    return ctx.out(reversal)


@route("GET", "/v1/application_fees/{fee_id}", schema={})
def retrieve_fee(ctx: Ctx, params: dict, fee_id: str):
    return ctx.out(ctx.store.get(fee_id, "application_fee", owner=ctx.account))


@route("GET", "/v1/application_fees", schema={**LIST, "charge": "str"})
def list_fees(ctx: Ctx, params: dict):
    filters = {"charge": params["charge"]} if params.get("charge") else {}
    return ctx.store.page(ctx.store.find("application_fee", ctx.account, **filters), "/v1/application_fees", params)


@route("POST", "/v1/application_fees/{fee_id}/refunds", schema={"amount": "int", "metadata": "metadata"})
def create_fee_refund(ctx: Ctx, params: dict, fee_id: str):
    fee = ctx.store.get(fee_id, "application_fee", owner=ctx.account)
    remaining = fee["amount"] - fee["amount_refunded"]
    amount = params.get("amount", remaining)
    if amount <= 0 or amount > remaining:
        raise invalid(
            f"Refund amount ({amount}) is greater than the remaining application fee ({remaining}).",
            param="amount",
            code="amount_too_large",
        )
    return ctx.out(refund_application_fee(ctx, fee, amount, params.get("metadata")))


@route("GET", "/v1/application_fees/{fee_id}/refunds", schema=PAGE)
def list_fee_refunds(ctx: Ctx, params: dict, fee_id: str):
    ctx.store.get(fee_id, "application_fee", owner=ctx.account)
    found = ctx.store.find("fee_refund", ctx.account, fee=fee_id)
    return ctx.store.page(found, f"/v1/application_fees/{fee_id}/refunds", params)
