"""SetupIntents: save a card for later off-session payments, with 3-D Secure when the bank asks."""

from __future__ import annotations

from .. import cards
from ..errors import StripeError, invalid, unexpected_state
from ..forms import LIST, UNSUPPORTED
from ..routing import Ctx, route
from .customers import get_customer, merge_metadata
from .payment_intents import check_client_secret, check_on_behalf_of, method_types, next_action
from .payment_methods import attach_to_customer, card_error, resolve_payment_method

CONFIRM = {
    "payment_method": "str",
    "payment_method_data": UNSUPPORTED,  # as on PaymentIntents
    "return_url": "str",
    "mandate_data": UNSUPPORTED,
    "payment_method_options": UNSUPPORTED,
    "use_stripe_sdk": "bool",
    "client_secret": "str",
}
CREATE = {
    **{key: kind for key, kind in CONFIRM.items() if key != "client_secret"},
    "customer": "str",
    "confirm": "bool",
    "usage": "enum:off_session|on_session",
    "metadata": "metadata",
    "description": "str",
    "payment_method_types": "list:enum:card",  # see payment_intents.CREATE
    "allowed_payment_method_types": "list:enum:card",
    "on_behalf_of": "str",
    "automatic_payment_methods": {"enabled!": "bool", "allow_redirects": "enum:always|never"},
    "single_use": UNSUPPORTED,
}
CONFIRMABLE_FROM = ["requires_payment_method", "requires_confirmation"]
CANCELABLE_FROM = ["requires_payment_method", "requires_confirmation", "requires_action"]


def get_setup(ctx: Ctx, setup_id: str, client_secret: str | None = None) -> dict:
    setup = ctx.store.get(setup_id, "setup_intent", owner=ctx.account)
    check_client_secret(ctx, setup, client_secret)
    return setup


@route("POST", "/v1/setup_intents", schema=CREATE)
def create(ctx: Ctx, params: dict):
    if params.get("customer"):
        get_customer(ctx, params["customer"], param="customer")
    if params.get("on_behalf_of"):
        check_on_behalf_of(ctx, params["on_behalf_of"])
    setup_id = ctx.store.new_id("seti")
    setup = {
        "id": setup_id,
        "object": "setup_intent",
        "application": None,
        "automatic_payment_methods": params.get("automatic_payment_methods"),
        "cancellation_reason": None,
        "client_secret": f"{setup_id}_secret_{ctx.store.new_id('x', 30)[2:]}",
        "created": ctx.now,
        "customer": params.get("customer"),
        "description": params.get("description"),
        "excluded_payment_method_types": None,
        "flow_directions": None,
        "last_setup_error": None,
        "latest_attempt": None,
        "livemode": False,
        "mandate": None,
        "metadata": params.get("metadata") or {},
        "next_action": None,
        "on_behalf_of": params.get("on_behalf_of"),
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {
            "card": {"mandate_options": None, "network": None, "request_three_d_secure": "automatic"}
        },
        "payment_method_types": method_types(params),
        "single_use_mandate": None,
        "status": "requires_payment_method",
        "usage": params.get("usage", "off_session"),
    }
    ctx.store.add(setup, owner=ctx.account)
    if params.get("payment_method"):
        setup["payment_method"] = resolve_payment_method(ctx, params["payment_method"])["id"]
        setup["status"] = "requires_confirmation"
    ctx.emit("setup_intent.created", setup)
    if params.get("confirm"):
        confirm_setup(ctx, setup, params)
    return ctx.out(setup)


@route("POST", "/v1/setup_intents/{setup_id}/confirm", schema=CONFIRM, auth="publishable")
def confirm(ctx: Ctx, params: dict, setup_id: str):
    setup = get_setup(ctx, setup_id, params.get("client_secret"))
    confirm_setup(ctx, setup, params)
    return ctx.out(setup)


def confirm_setup(ctx: Ctx, setup: dict, params: dict) -> None:
    if setup["status"] not in CONFIRMABLE_FROM:
        raise unexpected_state("setup_intent", setup["id"], setup["status"], "confirmed", CONFIRMABLE_FROM)
    if params.get("payment_method"):
        setup["payment_method"] = resolve_payment_method(ctx, params["payment_method"])["id"]
    if not setup["payment_method"]:
        raise invalid(
            "You cannot confirm this SetupIntent because it's missing a payment method.",
            code="setup_intent_unexpected_state",
        )
    ctx.store.private(setup["id"])["return_url"] = params.get("return_url")
    setup["last_setup_error"] = None
    attempt_setup(ctx, setup, authenticated=False)


def _fail(ctx: Ctx, setup: dict, method: dict, error: StripeError) -> StripeError:
    setup["status"] = "requires_payment_method"
    setup["next_action"] = None
    setup["last_setup_error"] = {**error.body()["error"], "payment_method": dict(method)}
    ctx.emit("setup_intent.setup_failed", setup)
    error.extra["setup_intent"] = ctx.out(setup)
    error.extra["payment_method"] = dict(method)
    return error


def attempt_setup(ctx: Ctx, setup: dict, *, authenticated: bool) -> None:
    method = ctx.store.objects[setup["payment_method"]]
    behaviour = cards.behaviour(ctx.store.private(method["id"])["number"])
    setup["latest_attempt"] = ctx.store.new_id("setatt")
    if behaviour["attach_error"]:
        raise _fail(ctx, setup, method, card_error(behaviour["attach_error"]))
    if behaviour["three_ds"] and not authenticated:
        setup["status"] = "requires_action"
        setup["next_action"] = next_action(ctx, setup, ctx.store.private(setup["id"]).get("return_url"))
        ctx.emit("setup_intent.requires_action", setup)
        return
    if setup["customer"]:
        attach_to_customer(ctx, method, ctx.store.objects[setup["customer"]])
    # What 4000002500003155 needs: once set up for off-session use, later off-session payments need
    # no authentication. A card set up for on-session use only has no such mandate.
    if setup["usage"] == "off_session":
        ctx.store.private(method["id"])["set_up"] = True
    setup["status"] = "succeeded"
    setup["next_action"] = None
    ctx.emit("setup_intent.succeeded", setup)


def authenticate(ctx: Ctx, setup: dict, succeeded: bool) -> None:
    if setup["status"] != "requires_action":
        raise unexpected_state("setup_intent", setup["id"], setup["status"], "authenticated", ["requires_action"])
    if succeeded:
        try:
            attempt_setup(ctx, setup, authenticated=True)
        except StripeError:
            pass  # recorded on the intent
        return
    method = ctx.store.objects[setup["payment_method"]]
    error = StripeError(
        "The latest attempt to set up the payment method has failed because authentication failed.",
        code="setup_intent_authentication_failure",
    )
    _fail(ctx, setup, method, error)


@route(
    "POST",
    "/v1/setup_intents/{setup_id}/cancel",
    schema={"cancellation_reason": "enum:abandoned|duplicate|requested_by_customer"},
)
def cancel(ctx: Ctx, params: dict, setup_id: str):
    setup = get_setup(ctx, setup_id)
    if setup["status"] not in CANCELABLE_FROM:
        raise unexpected_state("setup_intent", setup_id, setup["status"], "canceled", CANCELABLE_FROM)
    setup.update(status="canceled", cancellation_reason=params.get("cancellation_reason"), next_action=None)
    ctx.emit("setup_intent.canceled", setup)
    return ctx.out(setup)


@route("GET", "/v1/setup_intents/{setup_id}", schema={"client_secret": "str"}, auth="publishable")
def retrieve(ctx: Ctx, params: dict, setup_id: str):
    return ctx.out(get_setup(ctx, setup_id, params.get("client_secret")))


@route(
    "POST",
    "/v1/setup_intents/{setup_id}",
    schema={"metadata": "metadata", "description": "str", "payment_method": "str", "customer": "str"},
)
def update(ctx: Ctx, params: dict, setup_id: str):
    setup = get_setup(ctx, setup_id)
    if "metadata" in params:
        setup["metadata"] = merge_metadata(setup["metadata"], params["metadata"])
    if "description" in params:
        setup["description"] = params["description"] or None
    if params.get("customer"):
        setup["customer"] = get_customer(ctx, params["customer"], param="customer")["id"]
    if params.get("payment_method"):
        setup["payment_method"] = resolve_payment_method(ctx, params["payment_method"])["id"]
        setup["status"] = "requires_confirmation"
    return ctx.out(setup)


@route(
    "GET",
    "/v1/setup_intents",
    schema={
        **LIST,
        "customer": "str",
        "payment_method": "str",
    },
)
def list_setups(ctx: Ctx, params: dict):
    filters = {key: params[key] for key in ("customer", "payment_method") if params.get(key)}
    return ctx.store.page(ctx.store.find("setup_intent", ctx.account, **filters), "/v1/setup_intents", params)
