"""Customers: create, retrieve, update, delete, list."""

from __future__ import annotations

from ..forms import LIST
from ..routing import Ctx, route

ADDRESS = {"city": "str", "country": "str", "line1": "str", "line2": "str", "postal_code": "str", "state": "str"}
CUSTOMER_FIELDS = {
    "email": "str",
    "name": "str",
    "phone": "str",
    "description": "str",
    "metadata": "metadata",
    "address": ADDRESS,
    "preferred_locales": "strlist",
    "invoice_settings": {"default_payment_method": "str"},
}


def _blank_address():
    return {key: None for key in ADDRESS}


def get_customer(ctx: Ctx, customer_id: str, param: str | None = None) -> dict:
    return ctx.store.get(customer_id, "customer", owner=ctx.account, param=param)


def _apply(ctx: Ctx, customer: dict, params: dict) -> None:
    from .payment_methods import attach_to_customer, resolve_payment_method

    for key in ("email", "name", "phone", "description", "preferred_locales"):
        if key in params:
            customer[key] = params[key] or None if key != "preferred_locales" else params[key]
    if "address" in params:
        customer["address"] = {**_blank_address(), **(params["address"] or {})}
    if "metadata" in params:
        customer["metadata"] = _merge_metadata(customer["metadata"], params["metadata"])
    default = (params.get("invoice_settings") or {}).get("default_payment_method")
    if default is not None:
        if default == "":
            customer["invoice_settings"]["default_payment_method"] = None
        else:
            method = resolve_payment_method(ctx, default, "invoice_settings[default_payment_method]")
            if method["customer"] != customer["id"]:
                from ..errors import invalid

                raise invalid(
                    f"No such PaymentMethod: '{default}'; It's possible this PaymentMethod exists "
                    "on one of your connected accounts, in which case you should retry this "
                    "request on that connected account.",
                    param="invoice_settings[default_payment_method]",
                    code="resource_missing",
                )
            customer["invoice_settings"]["default_payment_method"] = method["id"]
    if params.get("payment_method"):
        method = resolve_payment_method(ctx, params["payment_method"], "payment_method")
        attach_to_customer(ctx, method, customer)


def _merge_metadata(current: dict, update: dict) -> dict:
    """Stripe merges metadata; an empty value deletes a key, an empty object clears them all."""
    if update == {}:
        return {}
    merged = dict(current)
    for key, value in update.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


merge_metadata = _merge_metadata


@route("POST", "/v1/customers", schema={**CUSTOMER_FIELDS, "payment_method": "str"})
def create(ctx: Ctx, params: dict):
    customer = {
        "id": ctx.store.new_id("cus", 14),
        "object": "customer",
        "address": _blank_address(),
        "balance": 0,
        "created": ctx.now,
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": None,
        "discount": None,
        "email": None,
        "invoice_prefix": ctx.store.new_id("x", 7)[2:].upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": {},
        "name": None,
        "next_invoice_sequence": 1,
        "phone": None,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }
    ctx.store.add(customer, owner=ctx.account)
    _apply(ctx, customer, params)
    ctx.emit("customer.created", customer)
    return ctx.out(customer)


@route("GET", "/v1/customers/{customer_id}", schema={})
def retrieve(ctx: Ctx, params: dict, customer_id: str):
    customer = ctx.store.objects.get(customer_id)
    if customer is not None and customer.get("deleted"):
        return customer
    return ctx.out(get_customer(ctx, customer_id))


@route("POST", "/v1/customers/{customer_id}", schema=CUSTOMER_FIELDS)
def update(ctx: Ctx, params: dict, customer_id: str):
    customer = get_customer(ctx, customer_id)
    _apply(ctx, customer, params)
    ctx.emit("customer.updated", customer)
    return ctx.out(customer)


@route("DELETE", "/v1/customers/{customer_id}", schema={})
def delete(ctx: Ctx, params: dict, customer_id: str):
    customer = get_customer(ctx, customer_id)
    for method in ctx.store.find("payment_method", customer=customer_id):
        method["customer"] = None
    ctx.emit("customer.deleted", customer)
    tombstone = {"id": customer_id, "object": "customer", "deleted": True}
    ctx.store.objects[customer_id] = tombstone
    return tombstone


@route("GET", "/v1/customers", schema={**LIST, "email": "str"})
def list_customers(ctx: Ctx, params: dict):
    filters = {"email": params["email"]} if params.get("email") else {}
    found = [c for c in ctx.store.find("customer", ctx.account, **filters) if not c.get("deleted")]
    return ctx.store.page(found, "/v1/customers", params)
