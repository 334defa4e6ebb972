"""Balances, balance transactions and payouts.

Rules (documented in README): a captured card charge is pending for two days of server clock,
then available (card 4000000000000077 is available at once). Stripe's fee is 2.9% + 30¢ per
captured charge, kept on refund. Money moved by transfers is available to the destination when
its source charge's funds are, else at once. A balance is the sum of ``net`` of an account's
balance transactions, split by whether ``available_on`` has passed.
"""

from __future__ import annotations

from ..errors import balance_insufficient, invalid, missing
from ..forms import LIST, UNSUPPORTED
from ..routing import Ctx, route
from ..store import Store, in_range
from .customers import merge_metadata

DAY = 86400
PAYOUT_DAYS = 2
# Why a bank returns a payout, and what Stripe says then (a few of Stripe's failure codes).
PAYOUT_FAILURES = {
    "account_closed": "The bank account has been closed.",
    "account_frozen": "The bank account has been frozen.",
    "could_not_process": "The bank could not process this payout.",
    "declined": "The bank has declined this transfer. Please contact the bank before retrying.",
    "insufficient_funds": "Your Stripe account has insufficient funds to cover the payout.",
    "no_account": "The bank account details on file are probably incorrect. No bank account could be located "
    "with those details.",
}


def stripe_fee(amount: int) -> int:
    return (amount * 29 + 500) // 1000 + 30


def post(
    store: Store,
    owner: str,
    *,
    amount: int,
    type: str,  # noqa: A002 - Stripe's field name
    source: str | None,
    currency: str = "usd",
    fee: int = 0,
    fee_type: str = "stripe_fee",
    available_on: int | None = None,
    description: str | None = None,
    category: str | None = None,
) -> dict:
    """Record one movement of money on ``owner``'s balance and return the balance transaction."""
    now = store.now()
    available_on = now if available_on is None else available_on
    fee_details = []
    if fee:
        label = "Stripe processing fees" if fee_type == "stripe_fee" else "Application fee"
        fee_details = [
            {"amount": fee, "application": None, "currency": currency, "description": label, "type": fee_type}
        ]
    txn = {
        "id": store.new_id("txn"),
        "object": "balance_transaction",
        "amount": amount,
        "available_on": available_on,
        "balance_type": "payments",
        "created": now,
        "currency": currency,
        "description": description,
        "exchange_rate": None,
        "fee": fee,
        "fee_details": fee_details,
        "net": amount - fee,
        "reporting_category": category or type,
        "source": source,
        "status": "available" if available_on <= now else "pending",
        "type": type,
    }
    return store.add(txn, owner=owner)


def totals(store: Store, owner: str, currency: str = "usd") -> tuple[int, int]:
    """(available, pending) for ``owner`` at the server's now."""
    now = store.now()
    available = pending = 0
    for txn in store.find("balance_transaction", owner):
        if txn["currency"] != currency:
            continue
        if txn["available_on"] <= now:
            available += txn["net"]
        else:
            pending += txn["net"]
    return available, pending


def refresh_statuses(store: Store, *, everything: bool = False) -> None:
    """Pending funds whose day has come are available; with ``everything`` (the clock was set back)
    available ones whose day is still to come are pending again."""
    now = store.now()
    for txn in store.find("balance_transaction", **({} if everything else {"status": "pending"})):
        txn["status"] = "available" if txn["available_on"] <= now else "pending"


@route("GET", "/v1/balance", schema={})
def balance(ctx: Ctx, params: dict):
    available, pending = totals(ctx.store, ctx.account)
    body = {
        "object": "balance",
        "available": [{"amount": available, "currency": "usd", "source_types": {"card": available}}],
        "connect_reserved": [{"amount": 0, "currency": "usd"}],
        "livemode": False,
        "pending": [{"amount": pending, "currency": "usd", "source_types": {"card": pending}}],
    }
    # Instant payouts may draw on pending card funds, as on Stripe.
    body["instant_available"] = [
        {
            "amount": max(0, available + pending),
            "currency": "usd",
            "source_types": {"card": max(0, available + pending)},
        }
    ]
    return body


@route("GET", "/v1/balance_transactions/{txn_id}", schema={})
def retrieve_txn(ctx: Ctx, params: dict, txn_id: str):
    return ctx.out(ctx.store.get(txn_id, "balance_transaction", owner=ctx.account))


@route(
    "GET",
    "/v1/balance_transactions",
    schema={
        **LIST,
        "type": "str",
        "source": "str",
        # Only automatic payouts' transactions are listed by payout on Stripe; there are none here.
        "payout": UNSUPPORTED,
        "currency": "currency",
    },
)
def list_txns(ctx: Ctx, params: dict):
    filters = {key: params[key] for key in ("type", "source", "currency") if params.get(key)}
    found = ctx.store.find("balance_transaction", ctx.account, **filters)
    return ctx.store.page(found, "/v1/balance_transactions", params)


# -- payouts -----------------------------------------------------------------------------------

PAYOUT = {
    "amount!": "int",
    "currency!": "currency",
    "method": "enum:standard|instant",
    "description": "str",
    "metadata": "metadata",
    "statement_descriptor": "str",
    "destination": "str",
    "source_type": "enum:card|bank_account|fpx",
}


@route("POST", "/v1/payouts", schema=PAYOUT)
def create_payout(ctx: Ctx, params: dict):
    amount, method = params["amount"], params.get("method", "standard")
    if amount <= 0:
        raise invalid("Invalid positive integer", param="amount", code="parameter_invalid_integer")
    account = ctx.store.objects.get(ctx.account) or {}
    banks = [bank["id"] for bank in (account.get("external_accounts") or {}).get("data", [])]
    if params.get("destination") and params["destination"] not in banks:
        raise missing("external_account", params["destination"], param="destination")
    available, pending = totals(ctx.store, ctx.account, params["currency"])
    spendable = available + pending if method == "instant" else available
    if amount > spendable:
        raise balance_insufficient()
    now = ctx.now
    payout = {
        "id": ctx.store.new_id("po"),
        "object": "payout",
        "amount": amount,
        "application_fee": None,
        "application_fee_amount": None,
        "arrival_date": now if method == "instant" else now + PAYOUT_DAYS * DAY,
        "automatic": False,
        "balance_transaction": None,
        "created": now,
        "currency": params["currency"],
        "description": params.get("description"),
        "destination": params.get("destination") or (banks[0] if banks else "ba_" + ctx.account[-16:]),
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "livemode": False,
        "metadata": params.get("metadata") or {},
        "method": method,
        "original_payout": None,
        "payout_method": None,
        "reconciliation_status": "not_applicable",
        "reversed_by": None,
        "source_type": params.get("source_type", "card"),
        "statement_descriptor": params.get("statement_descriptor"),
        "status": "pending",
        "trace_id": {"status": "pending", "value": None},
        "type": "bank_account",
    }
    ctx.store.add(payout, owner=ctx.account)
    txn = post(ctx.store, ctx.account, amount=-amount, type="payout", source=payout["id"], description="STRIPE PAYOUT")
    payout["balance_transaction"] = txn["id"]
    ctx.emit("payout.created", payout)
    return ctx.out(payout)


def settle_payouts(store: Store) -> None:
    """Pay out every pending payout whose arrival date has come (called on each request)."""
    now = store.now()
    for payout in store.find("payout", status="pending"):
        if payout["arrival_date"] <= now:
            payout["status"] = "paid"
            payout["trace_id"] = {"status": "supported", "value": "LOCAL" + payout["id"][-10:].upper()}
            payout["reconciliation_status"] = "completed"
            store.emit("payout.paid", payout, account=store.owner(payout["id"]), previous={"status": "pending"})


def fail_payout(store: Store, payout: dict, code: str = "account_closed") -> dict:
    owner = store.owner(payout["id"])
    previous = {"status": payout["status"]}
    payout["status"] = "failed"
    payout["failure_code"] = code
    payout["failure_message"] = PAYOUT_FAILURES[code]
    txn = post(store, owner, amount=payout["amount"], type="payout_failure", source=payout["id"])
    payout["failure_balance_transaction"] = txn["id"]
    store.emit("payout.failed", payout, account=owner, previous=previous)
    return payout


@route("GET", "/v1/payouts/{payout_id}", schema={})
def retrieve_payout(ctx: Ctx, params: dict, payout_id: str):
    return ctx.out(ctx.store.get(payout_id, "payout", owner=ctx.account))


@route("POST", "/v1/payouts/{payout_id}", schema={"metadata": "metadata"})
def update_payout(ctx: Ctx, params: dict, payout_id: str):
    payout = ctx.store.get(payout_id, "payout", owner=ctx.account)
    if "metadata" in params:
        payout["metadata"] = merge_metadata(payout["metadata"], params["metadata"])
    ctx.emit("payout.updated", payout)
    return ctx.out(payout)


@route(
    "GET",
    "/v1/payouts",
    schema={
        **LIST,
        "status": "enum:canceled|failed|in_transit|paid|pending",
        "arrival_date": "range",
        "destination": "str",
    },
)
def list_payouts(ctx: Ctx, params: dict):
    filters = {key: params[key] for key in ("status", "destination") if params.get(key)}
    found = ctx.store.find("payout", ctx.account, **filters)
    if params.get("arrival_date") is not None:
        found = [payout for payout in found if in_range(payout["arrival_date"], params["arrival_date"])]
    return ctx.store.page(found, "/v1/payouts", params)
