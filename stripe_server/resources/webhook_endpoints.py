"""Webhook endpoints (where events are sent, with their signing secret) and the events themselves."""

from __future__ import annotations

from ..errors import invalid
from ..forms import LIST, PAGE, UNSUPPORTED
from ..routing import Ctx, route
from .customers import merge_metadata

CREATE = {
    "url!": "str",
    "enabled_events!": "list:event_type",
    "description": "str",
    "metadata": "metadata",
    "connect": "bool",
    # Events here have one shape (see README, Not modelled), so an endpoint cannot pin another version.
    "api_version": UNSUPPORTED,
}


@route("POST", "/v1/webhook_endpoints", schema=CREATE)
def create(ctx: Ctx, params: dict):
    ctx.platform_only("Creating webhook endpoints")
    if not params["enabled_events"]:
        raise invalid("Missing required param: enabled_events.", param="enabled_events", code="parameter_missing")
    if not params["url"].startswith(("http://", "https://")):
        raise invalid("Invalid URL: URL must be publicly accessible.", param="url", code="url_invalid")
    endpoint = {
        "id": ctx.store.new_id("we"),
        "object": "webhook_endpoint",
        "api_version": params.get("api_version"),
        "application": None,
        "created": ctx.now,
        "description": params.get("description"),
        "enabled_events": params["enabled_events"],
        "livemode": False,
        "metadata": params.get("metadata") or {},
        "status": "enabled",
        "url": params["url"],
    }
    secret = "whsec_" + ctx.store.new_id("x", 32)[2:]
    ctx.store.add(endpoint, owner=ctx.account, secret=secret, connect=params.get("connect", False))
    # Stripe shows the secret only in the response that creates the endpoint.
    return {**ctx.out(endpoint), "secret": secret}


@route("GET", "/v1/webhook_endpoints/{endpoint_id}", schema={})
def retrieve(ctx: Ctx, params: dict, endpoint_id: str):
    return ctx.out(ctx.store.get(endpoint_id, "webhook_endpoint", owner=ctx.account))


@route(
    "POST",
    "/v1/webhook_endpoints/{endpoint_id}",
    schema={
        "url": "str",
        "enabled_events": "list:event_type",
        "disabled": "bool",
        "description": "str",
        "metadata": "metadata",
    },
)
def update(ctx: Ctx, params: dict, endpoint_id: str):
    endpoint = ctx.store.get(endpoint_id, "webhook_endpoint", owner=ctx.account)
    for key in ("url", "enabled_events", "description"):
        if key in params:
            endpoint[key] = params[key]
    if "disabled" in params:
        endpoint["status"] = "disabled" if params["disabled"] else "enabled"
    if "metadata" in params:
        endpoint["metadata"] = merge_metadata(endpoint["metadata"], params["metadata"])
    return ctx.out(endpoint)


@route("DELETE", "/v1/webhook_endpoints/{endpoint_id}", schema={})
def delete(ctx: Ctx, params: dict, endpoint_id: str):
    ctx.store.get(endpoint_id, "webhook_endpoint", owner=ctx.account)
    ctx.store.objects[endpoint_id] = {"id": endpoint_id, "object": "webhook_endpoint", "deleted": True}
    return ctx.store.objects[endpoint_id]


@route("GET", "/v1/webhook_endpoints", schema=PAGE)
def list_endpoints(ctx: Ctx, params: dict):
    found = [e for e in ctx.store.find("webhook_endpoint", ctx.account) if not e.get("deleted")]
    return ctx.store.page(found, "/v1/webhook_endpoints", params)


@route("GET", "/v1/events/{event_id}", schema={})
def retrieve_event(ctx: Ctx, params: dict, event_id: str):
    return ctx.out(ctx.store.get(event_id, "event", owner=ctx.account))


@route(
    "GET",
    "/v1/events",
    schema={
        **LIST,
        "type": "str",
        "types": "list:event_type",
        # Whether Stripe managed to deliver an event; this server's deliveries are at /_local/deliveries.
        "delivery_success": UNSUPPORTED,
    },
)
def list_events(ctx: Ctx, params: dict):
    found = ctx.store.find("event", ctx.account)
    if params.get("type"):
        pattern = params["type"]
        found = [
            e for e in found if e["type"] == pattern or (pattern.endswith("*") and e["type"].startswith(pattern[:-1]))
        ]
    if params.get("types"):
        found = [e for e in found if e["type"] in params["types"]]
    return ctx.store.page(found, "/v1/events", params)
