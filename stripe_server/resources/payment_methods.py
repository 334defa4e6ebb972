"""Card PaymentMethods: create (numbers, tokens or ``pm_card_*`` shortcuts), attach, detach, list."""

from __future__ import annotations

import hashlib

from .. import cards
from ..errors import StripeError, invalid
from ..forms import PAGE
from ..routing import Ctx, route
from .customers import get_customer, merge_metadata

ADDRESS = {"city": "str", "country": "str", "line1": "str", "line2": "str", "postal_code": "str", "state": "str"}
BILLING = {"address": ADDRESS, "email": "str", "name": "str", "phone": "str"}
CARD = {"number": "str", "exp_month": "int", "exp_year": "int", "cvc": "str", "token": "str"}
CREATE = {
    "type": "enum:card",
    "card": CARD,
    "billing_details": BILLING,
    "metadata": "metadata",
    "allow_redisplay": "enum:always|limited|unspecified",
}


def card_error(reason: str, **extra) -> StripeError:
    code, decline_code, message = cards.DECLINES[reason]
    return StripeError(message, type="card_error", code=code, decline_code=decline_code, extra=extra)


def _billing(details: dict | None) -> dict:
    details = details or {}
    address = {key: None for key in ADDRESS} | (details.get("address") or {})
    return {
        "address": address,
        "email": details.get("email"),
        "name": details.get("name"),
        "phone": details.get("phone"),
        "tax_id": None,
    }


def build_card_method(ctx: Ctx, card: dict, params: dict | None = None) -> dict:
    """Create a card PaymentMethod from ``card[...]`` fields, checking them as Stripe does."""
    params = params or {}
    if card.get("token"):
        number = cards.TOKENS.get(card["token"])
        if number is None:
            raise invalid(f"No such token: '{card['token']}'", param="card[token]", code="resource_missing")
        exp_month, exp_year = 12, _year(ctx) + 3
    else:
        number = (card.get("number") or "").replace(" ", "")
        if not number:
            raise invalid("Missing required param: card[number].", param="card[number]", code="parameter_missing")
        if not cards.luhn_ok(number):
            raise StripeError(
                "Your card number is incorrect.", type="card_error", code="incorrect_number", param="card[number]"
            )
        exp_month, exp_year = card.get("exp_month"), card.get("exp_year")
        if exp_month is None or not 1 <= exp_month <= 12:
            raise StripeError(
                "Your card's expiration month is invalid.",
                type="card_error",
                code="invalid_expiry_month",
                param="card[exp_month]",
            )
        if exp_year is not None and exp_year < 100:
            exp_year += 2000
        if exp_year is None or exp_year < _year(ctx) or exp_year > _year(ctx) + 50:
            raise StripeError(
                "Your card's expiration year is invalid.",
                type="card_error",
                code="invalid_expiry_year",
                param="card[exp_year]",
            )
    behaviour = cards.behaviour(number)
    brand = cards.brand_of(number)
    method = {
        "id": ctx.store.new_id("pm"),
        "object": "payment_method",
        "allow_redisplay": params.get("allow_redisplay", "unspecified"),
        "billing_details": _billing(params.get("billing_details")),
        "card": {
            "brand": brand,
            "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
            "country": "US",
            "display_brand": brand,
            "exp_month": exp_month,
            "exp_year": exp_year,
            "fingerprint": hashlib.sha256(number.encode()).hexdigest()[:16],
            "funding": behaviour["funding"],
            "generated_from": None,
            "last4": number[-4:],
            "networks": {"available": [brand], "preferred": None},
            "regulated_status": "unregulated",
            "three_d_secure_usage": {"supported": True},
            "wallet": None,
        },
        "created": ctx.now,
        "customer": None,
        "customer_account": None,
        "livemode": False,
        "metadata": params.get("metadata") or {},
        "type": "card",
    }
    # The number stays private: the behaviour of a test card is decided by it at charge time.
    return ctx.store.add(method, owner=ctx.account, number=number, set_up=False)


def _year(ctx: Ctx) -> int:
    import datetime

    return datetime.datetime.fromtimestamp(ctx.now, datetime.UTC).year


def resolve_payment_method(ctx: Ctx, method_id: str, param: str = "payment_method") -> dict:
    """An existing PaymentMethod, or a fresh one for a ``pm_card_visa``-style shortcut."""
    if method_id in cards.SHORTCUTS and method_id not in ctx.store.objects:
        return build_card_method(
            ctx, {"number": cards.SHORTCUTS[method_id], "exp_month": 12, "exp_year": _year(ctx) + 3}
        )
    return ctx.store.get(method_id, "payment_method", owner=ctx.account, param=param)


def card_number(ctx: Ctx, method: dict) -> str:
    return ctx.store.private(method["id"])["number"]


def attach_to_customer(ctx: Ctx, method: dict, customer: dict) -> None:
    if method["customer"] == customer["id"]:
        return
    if method["customer"] is not None:
        raise invalid(
            "The payment method you provided has already been attached to a customer.",
            code="payment_method_unexpected_state",
        )
    reason = cards.behaviour(card_number(ctx, method))["attach_error"]
    if reason:
        raise card_error(reason)
    method["customer"] = customer["id"]
    ctx.emit("payment_method.attached", method)


@route("POST", "/v1/payment_methods", schema=CREATE, auth="publishable")
def create(ctx: Ctx, params: dict):
    if params.get("type") != "card":
        raise invalid("Missing required param: type.", param="type", code="parameter_missing")
    return ctx.out(build_card_method(ctx, params.get("card") or {}, params))


@route("GET", "/v1/payment_methods/{method_id}", schema={})
def retrieve(ctx: Ctx, params: dict, method_id: str):
    return ctx.out(resolve_payment_method(ctx, method_id, None))


@route(
    "POST",
    "/v1/payment_methods/{method_id}",
    schema={
        "billing_details": BILLING,
        "metadata": "metadata",
        "card": {"exp_month": "int", "exp_year": "int"},
        "allow_redisplay": "enum:always|limited|unspecified",
    },
)
def update(ctx: Ctx, params: dict, method_id: str):
    method = ctx.store.get(method_id, "payment_method", owner=ctx.account)
    if "billing_details" in params:
        method["billing_details"] = _billing(params["billing_details"])
    if "metadata" in params:
        method["metadata"] = merge_metadata(method["metadata"], params["metadata"])
    for key, value in (params.get("card") or {}).items():
        method["card"][key] = value
    if "allow_redisplay" in params:
        method["allow_redisplay"] = params["allow_redisplay"]
    ctx.emit("payment_method.updated", method)
    return ctx.out(method)


@route("POST", "/v1/payment_methods/{method_id}/attach", schema={"customer!": "str"})
def attach(ctx: Ctx, params: dict, method_id: str):
    method = resolve_payment_method(ctx, method_id, None)
    customer = get_customer(ctx, params["customer"], param="customer")
    attach_to_customer(ctx, method, customer)
    return ctx.out(method)


@route("POST", "/v1/payment_methods/{method_id}/detach", schema={})
def detach(ctx: Ctx, params: dict, method_id: str):
    method = ctx.store.get(method_id, "payment_method", owner=ctx.account)
    if method["customer"] is None:
        raise invalid(
            "The payment method you provided is not attached to a customer so detachment is impossible.",
            code="payment_method_unexpected_state",
        )
    customer = ctx.store.objects.get(method["customer"])
    if customer and customer.get("invoice_settings", {}).get("default_payment_method") == method_id:
        customer["invoice_settings"]["default_payment_method"] = None
    previous = {"customer": method["customer"]}
    method["customer"] = None
    ctx.emit("payment_method.detached", method, previous)
    return ctx.out(method)


LIST = {**PAGE, "customer": "str", "type": "enum:card"}


@route("GET", "/v1/payment_methods", schema=LIST)
def list_methods(ctx: Ctx, params: dict):
    filters = {"customer": params["customer"]} if params.get("customer") else {}
    if params.get("customer"):
        get_customer(ctx, params["customer"], param="customer")
    found = ctx.store.find("payment_method", ctx.account, **filters)
    return ctx.store.page(found, "/v1/payment_methods", params)


@route("GET", "/v1/customers/{customer_id}/payment_methods", schema={k: v for k, v in LIST.items() if k != "customer"})
def list_customer_methods(ctx: Ctx, params: dict, customer_id: str):
    get_customer(ctx, customer_id)
    found = ctx.store.find("payment_method", ctx.account, customer=customer_id)
    return ctx.store.page(found, f"/v1/customers/{customer_id}/payment_methods", params)
