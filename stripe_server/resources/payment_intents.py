"""PaymentIntents: create, confirm (with 3-D Secure), capture, cancel, retrieve, update, list."""

from __future__ import annotations

from .. import cards
from ..errors import StripeError, invalid, unexpected_state
from ..forms import LIST, UNSUPPORTED
from ..routing import Ctx, route
from ..store import Store
from .charges import build_charge, capture_charge, release_authorization
from .customers import get_customer, merge_metadata
from .payment_methods import attach_to_customer, card_error, resolve_payment_method

CONFIRM = {
    "payment_method": "str",
    # Card details reach the server through /v1/payment_methods (Stripe.js); Stripe takes no card here.
    "payment_method_data": UNSUPPORTED,
    "off_session": ("bool", "enum:one_off|recurring"),
    "return_url": "str",
    "setup_future_usage": "enum:off_session|on_session|",
    "error_on_requires_action": "bool",
    "payment_method_options": UNSUPPORTED,
    "use_stripe_sdk": "bool",
    "mandate_data": UNSUPPORTED,
    "receipt_email": "str",
    "client_secret": "str",
    "allowed_payment_method_types": "list:enum:card",
}
CREATE = {
    **{key: kind for key, kind in CONFIRM.items() if key != "client_secret"},
    # The SDK's API version calls it allowed_payment_method_types; the project still sends the old name.
    "payment_method_types": "list:enum:card",
    "amount!": "int",
    "currency!": "currency",
    "customer": "str",
    "confirm": "bool",
    "capture_method": "enum:automatic|automatic_async|manual",
    "confirmation_method": "enum:automatic|manual",
    "transfer_data": {"destination!": "str", "amount": "int"},
    "application_fee_amount": "int",
    "on_behalf_of": "str",
    "metadata": "metadata",
    "description": "str",
    "statement_descriptor": "str",
    "statement_descriptor_suffix": "str",
    "transfer_group": "str",
    "automatic_payment_methods": {"enabled!": "bool", "allow_redirects": "enum:always|never"},
}
MINIMUM_AMOUNT = 50
CAPTURABLE_FROM = ["requires_capture"]
CONFIRMABLE_FROM = ["requires_payment_method", "requires_confirmation"]
CANCELABLE_FROM = [
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
    "processing",
]


def check_destination(ctx: Ctx, account_id: str, param: str) -> None:
    account = ctx.store.get(account_id, "account", param=param)
    if account["capabilities"].get("transfers") != "active":
        raise invalid(
            "Your destination account needs to have at least one of the following capabilities enabled: "
            "transfers, crypto_transfers, legacy_payments",
            param=param,
            code="insufficient_capabilities_for_transfer",
        )


def check_on_behalf_of(ctx: Ctx, account_id: str) -> None:
    """The settlement merchant of a charge made on behalf of a connected account must be able to
    take card payments (Stripe checks its ``card_payments`` capability)."""
    account = ctx.store.get(account_id, "account", param="on_behalf_of")
    if account["capabilities"].get("card_payments") != "active":
        raise invalid(
            f"The account {account_id} given as on_behalf_of needs the card_payments capability active to "
            "settle charges on its behalf.",
            param="on_behalf_of",
        )


def get_intent(ctx: Ctx, intent_id: str, client_secret: str | None = None) -> dict:
    intent = ctx.store.get(intent_id, "payment_intent", owner=ctx.account)
    check_client_secret(ctx, intent, client_secret)
    return intent


def check_client_secret(ctx: Ctx, intent: dict, client_secret: str | None) -> None:
    """A publishable key reaches an intent only with its client secret, as with Stripe.js."""
    if ctx.publishable and client_secret != intent["client_secret"]:
        label = "PaymentIntent" if intent["object"] == "payment_intent" else "SetupIntent"
        raise invalid(
            f"The client_secret provided does not match the client_secret associated with the {label}.",
            param="client_secret",
        )


def method_types(params: dict) -> list[str]:
    return params.get("allowed_payment_method_types") or params.get("payment_method_types") or ["card"]


def _off_session(value) -> bool:
    return value in (True, "true", "one_off", "recurring")


@route("POST", "/v1/payment_intents", schema=CREATE)
def create(ctx: Ctx, params: dict):
    amount = params["amount"]
    if amount < MINIMUM_AMOUNT:
        raise invalid("Amount must be at least $0.50 usd", param="amount", code="amount_too_small")
    if params.get("customer"):
        get_customer(ctx, params["customer"], param="customer")
    transfer_data = params.get("transfer_data")
    if transfer_data:
        check_destination(ctx, transfer_data["destination"], "transfer_data[destination]")
        if transfer_data.get("amount") is not None and not 0 < transfer_data["amount"] <= amount:
            raise invalid(
                "transfer_data[amount] must be a positive integer no greater than the amount.",
                param="transfer_data[amount]",
            )
        if transfer_data.get("amount") is not None and params.get("application_fee_amount") is not None:
            # The platform keeps amount - transfer_data[amount]; a fee on top would be counted twice.
            raise invalid(
                "You cannot specify both application_fee_amount and transfer_data[amount].",
                param="application_fee_amount",
            )
    if params.get("on_behalf_of"):
        check_on_behalf_of(ctx, params["on_behalf_of"])
        if transfer_data and transfer_data["destination"] != params["on_behalf_of"]:
            raise invalid(
                "The on_behalf_of account must be the same as transfer_data[destination].", param="on_behalf_of"
            )
    if params.get("application_fee_amount") is not None and not transfer_data and ctx.account == "platform":
        raise invalid(
            "Can only apply an application_fee_amount when the PaymentIntent is attempting a direct payment "
            "(using an OAuth key or Stripe-Account header) or destination payment "
            "(using `transfer_data[destination]`).",
            param="application_fee_amount",
        )
    if "off_session" in params and not params.get("confirm"):
        raise invalid("You can only set off_session when confirm is true.", param="off_session")
    intent_id = ctx.store.new_id("pi")
    intent = {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": params.get("application_fee_amount"),
        "automatic_payment_methods": params.get("automatic_payment_methods"),
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": params.get("capture_method", "automatic_async"),
        "client_secret": f"{intent_id}_secret_{ctx.store.new_id('x', 25)[2:]}",
        "confirmation_method": params.get("confirmation_method", "automatic"),
        "created": ctx.now,
        "currency": params["currency"].lower(),
        "customer": params.get("customer"),
        "customer_account": None,
        "description": params.get("description"),
        "excluded_payment_method_types": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "managed_payments": None,
        "metadata": params.get("metadata") or {},
        "next_action": None,
        "on_behalf_of": params.get("on_behalf_of"),
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {
            "card": {
                "installments": None,
                "mandate_options": None,
                "network": None,
                "request_three_d_secure": "automatic",
            }
        },
        "payment_method_types": method_types(params),
        "processing": None,
        "receipt_email": params.get("receipt_email"),
        "review": None,
        "setup_future_usage": params.get("setup_future_usage") or None,
        "shipping": None,
        "source": None,
        "statement_descriptor": params.get("statement_descriptor"),
        "statement_descriptor_suffix": params.get("statement_descriptor_suffix"),
        "status": "requires_payment_method",
        "transfer_data": {
            "destination": transfer_data["destination"],
            **({"amount": transfer_data["amount"]} if transfer_data.get("amount") else {}),
        }
        if transfer_data
        else None,
        "transfer_group": params.get("transfer_group"),
    }
    if intent["capture_method"] == "automatic_async":
        # Stripe's default; for cards it behaves like automatic.
        intent["capture_method"] = "automatic"
    ctx.store.add(intent, owner=ctx.account)
    if params.get("payment_method"):
        intent["payment_method"] = resolve_payment_method(ctx, params["payment_method"])["id"]
        intent["status"] = "requires_confirmation"
    ctx.emit("payment_intent.created", intent)
    if params.get("confirm"):
        confirm_intent(ctx, intent, params)
    return ctx.out(intent)


@route("POST", "/v1/payment_intents/{intent_id}/confirm", schema=CONFIRM, auth="publishable")
def confirm(ctx: Ctx, params: dict, intent_id: str):
    intent = get_intent(ctx, intent_id, params.get("client_secret"))
    confirm_intent(ctx, intent, params)
    return ctx.out(intent)


def confirm_intent(ctx: Ctx, intent: dict, params: dict) -> None:
    if intent["status"] not in CONFIRMABLE_FROM:
        raise unexpected_state("payment_intent", intent["id"], intent["status"], "confirmed", CONFIRMABLE_FROM)
    if params.get("payment_method"):
        intent["payment_method"] = resolve_payment_method(ctx, params["payment_method"])["id"]
    if not intent["payment_method"]:
        raise invalid(
            "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update "
            "the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with "
            "a payment method.",
            code="payment_intent_unexpected_state",
        )
    method = ctx.store.objects[intent["payment_method"]]
    if intent["customer"] and method["customer"] not in (None, intent["customer"]):
        raise invalid(
            f"The provided PaymentMethod {method['id']} is attached to a different Customer.",
            param="payment_method",
        )
    if params.get("setup_future_usage") is not None:
        intent["setup_future_usage"] = params["setup_future_usage"] or None
    for key in ("receipt_email",):
        if key in params:
            intent[key] = params[key]
    private = ctx.store.private(intent["id"])
    private["off_session"] = _off_session(params.get("off_session"))
    private["return_url"] = params.get("return_url")
    private["error_on_requires_action"] = params.get("error_on_requires_action", False)
    intent["last_payment_error"] = None
    attempt_payment(ctx, intent, authenticated=False)


def _fail(ctx: Ctx, intent: dict, method: dict, error: StripeError, *, with_charge: bool) -> StripeError:
    """Record a failed attempt on the intent and return the 402 to raise (which carries it)."""
    if with_charge:
        charge = build_charge(ctx, intent, method, failure=error)
        intent["latest_charge"] = charge["id"]
        error.extra["charge"] = charge["id"]
        ctx.emit("charge.failed", charge)
    intent["status"] = "requires_payment_method"
    intent["next_action"] = None
    intent["last_payment_error"] = {**error.body()["error"], "payment_method": dict(method)}
    ctx.emit("payment_intent.payment_failed", intent)
    error.extra["payment_intent"] = ctx.out(intent)
    error.extra["payment_method"] = dict(method)
    return error


def attempt_payment(ctx: Ctx, intent: dict, *, authenticated: bool) -> None:
    """Ask the (test) bank: decline, demand authentication, or authorize and maybe capture."""
    method = ctx.store.objects[intent["payment_method"]]
    private_method = ctx.store.private(method["id"])
    behaviour = cards.behaviour(private_method["number"])
    private = ctx.store.private(intent["id"])
    off_session = private.get("off_session", False)
    card = method.get("card") or {}
    if card.get("exp_year") and cards.expired(card["exp_month"], card["exp_year"], ctx.now):
        raise _fail(ctx, intent, method, card_error("expired_card"), with_charge=True)
    three_ds = behaviour["three_ds"]
    needs_authentication = three_ds == "always" or (three_ds == "setup" and not private_method.get("set_up"))
    if needs_authentication and not authenticated:
        if off_session or private.get("error_on_requires_action"):
            error = StripeError(
                "Your card was declined. This transaction requires authentication.",
                type="card_error",
                code="authentication_required",
                decline_code="authentication_required",
            )
            raise _fail(ctx, intent, method, error, with_charge=True)
        intent["status"] = "requires_action"
        intent["next_action"] = next_action(ctx, intent, private.get("return_url"))
        ctx.emit("payment_intent.requires_action", intent)
        return
    if behaviour["charge_error"]:
        raise _fail(ctx, intent, method, card_error(behaviour["charge_error"]), with_charge=True)
    charge = build_charge(ctx, intent, method)
    intent["latest_charge"] = charge["id"]
    intent["next_action"] = None
    if intent["setup_future_usage"] and intent["customer"]:
        attach_to_customer(ctx, method, ctx.store.objects[intent["customer"]])
        # Saved for off-session use, the authenticated card needs none later (4000002500003155).
        private_method["set_up"] = private_method.get("set_up") or intent["setup_future_usage"] == "off_session"
    ctx.emit("charge.succeeded", charge)
    if intent["capture_method"] == "manual":
        intent["status"] = "requires_capture"
        intent["amount_capturable"] = intent["amount"]
        ctx.emit("payment_intent.amount_capturable_updated", intent)
    else:
        capture_charge(ctx, charge, intent["amount"], intent["application_fee_amount"])
        intent["status"] = "succeeded"
        intent["amount_received"] = intent["amount"]
        ctx.emit("payment_intent.succeeded", intent)


def next_action(ctx: Ctx, intent: dict, return_url: str | None) -> dict:
    """Where the customer authenticates: our local challenge page stands in for the bank's."""
    url = f"{ctx.base_url}/_local/3ds/{intent['id']}?client_secret={intent['client_secret']}"
    if return_url:
        from urllib.parse import quote

        url += f"&return_url={quote(return_url, safe='')}"
        return {"type": "redirect_to_url", "redirect_to_url": {"return_url": return_url, "url": url}}
    return {
        "type": "use_stripe_sdk",
        "use_stripe_sdk": {"type": "three_d_secure_redirect", "stripe_js": url, "source": "src_" + intent["id"][3:]},
    }


def authenticate(ctx: Ctx, intent: dict, succeeded: bool) -> None:
    """The customer finished (or failed) the 3-D Secure challenge."""
    if intent["status"] != "requires_action":
        raise unexpected_state("payment_intent", intent["id"], intent["status"], "authenticated", ["requires_action"])
    if succeeded:
        try:
            attempt_payment(ctx, intent, authenticated=True)
        except StripeError:
            pass  # the decline is recorded on the intent, which the caller reads back
        return
    method = ctx.store.objects[intent["payment_method"]]
    error = StripeError(
        "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new "
        "PaymentMethod to attempt to fulfill this PaymentIntent again.",
        code="payment_intent_authentication_failure",
    )
    _fail(ctx, intent, method, error, with_charge=False)


CAPTURE = {
    "amount_to_capture": "int",
    "application_fee_amount": "int",
    "metadata": "metadata",
    "final_capture": "bool",
    "statement_descriptor": "str",
    "statement_descriptor_suffix": "str",
    "transfer_data": {"amount": "int"},
}


@route("POST", "/v1/payment_intents/{intent_id}/capture", schema=CAPTURE)
def capture(ctx: Ctx, params: dict, intent_id: str):
    intent = get_intent(ctx, intent_id)
    expire_authorizations(ctx.store)
    if intent["status"] not in CAPTURABLE_FROM:
        raise unexpected_state("payment_intent", intent_id, intent["status"], "captured", CAPTURABLE_FROM)
    amount = params.get("amount_to_capture", intent["amount_capturable"])
    if amount > intent["amount_capturable"] or amount <= 0:
        raise invalid(
            f"The amount_to_capture ({amount}) must be a positive integer no greater than the amount_capturable "
            f"({intent['amount_capturable']}).",
            param="amount_to_capture",
            code="amount_too_large" if amount > 0 else "parameter_invalid_integer",
        )
    fee = params.get("application_fee_amount", intent["application_fee_amount"])
    if fee is not None and fee > amount:
        raise invalid("The application fee amount cannot exceed the captured amount.", param="application_fee_amount")
    transfer_amount = (params.get("transfer_data") or {}).get("amount")
    if transfer_amount is None:
        transfer_amount = (intent["transfer_data"] or {}).get("amount")
    if transfer_amount is not None and fee is not None:
        raise invalid(
            "You cannot specify both application_fee_amount and transfer_data[amount].",
            param="application_fee_amount",
        )
    if "metadata" in params:
        intent["metadata"] = merge_metadata(intent["metadata"], params["metadata"])
    if params.get("transfer_data", {}).get("amount") is not None and intent["transfer_data"]:
        intent["transfer_data"]["amount"] = params["transfer_data"]["amount"]
    charge = ctx.store.objects[intent["latest_charge"]]
    charge["transfer_data"] = intent["transfer_data"]
    capture_charge(ctx, charge, amount, fee)
    intent.update(status="succeeded", amount_received=amount, amount_capturable=0, application_fee_amount=fee)
    ctx.emit("charge.captured", charge)
    ctx.emit("payment_intent.succeeded", intent)
    return ctx.out(intent)


@route(
    "POST",
    "/v1/payment_intents/{intent_id}/cancel",
    schema={"cancellation_reason": "enum:duplicate|fraudulent|requested_by_customer|abandoned"},
)
def cancel(ctx: Ctx, params: dict, intent_id: str):
    intent = get_intent(ctx, intent_id)
    if intent["status"] not in CANCELABLE_FROM:
        raise unexpected_state("payment_intent", intent_id, intent["status"], "canceled", CANCELABLE_FROM)
    cancel_intent(ctx.store, intent, params.get("cancellation_reason"))
    return ctx.out(intent)


def cancel_intent(store: Store, intent: dict, reason: str | None) -> None:
    if intent["status"] == "requires_capture":
        release_authorization(store, store.objects[intent["latest_charge"]], expired=reason == "automatic")
    intent.update(
        status="canceled", canceled_at=store.now(), cancellation_reason=reason, amount_capturable=0, next_action=None
    )
    store.emit("payment_intent.canceled", intent, account=store.owner(intent["id"]))


def expire_authorizations(store: Store) -> None:
    """Stripe cancels an uncaptured PaymentIntent when its authorization lapses (capture_before)."""
    now = store.now()
    for intent in store.find("payment_intent", status="requires_capture"):
        charge = store.objects[intent["latest_charge"]]
        capture_before = charge["payment_method_details"]["card"]["capture_before"]
        if capture_before is not None and now >= capture_before:
            cancel_intent(store, intent, "automatic")


@route("GET", "/v1/payment_intents/{intent_id}", schema={"client_secret": "str"}, auth="publishable")
def retrieve(ctx: Ctx, params: dict, intent_id: str):
    return ctx.out(get_intent(ctx, intent_id, params.get("client_secret")))


UPDATE = {
    key: CREATE[key]
    for key in (
        "customer",
        "payment_method",
        "metadata",
        "description",
        "receipt_email",
        "setup_future_usage",
        "application_fee_amount",
        "transfer_group",
        "statement_descriptor",
        "statement_descriptor_suffix",
        "allowed_payment_method_types",
        "capture_method",
    )
} | {"amount": "int", "currency": "currency", "transfer_data": {"amount": "int"}}


@route("POST", "/v1/payment_intents/{intent_id}", schema=UPDATE)
def update(ctx: Ctx, params: dict, intent_id: str):
    intent = get_intent(ctx, intent_id)
    money_fields = {"amount", "currency", "payment_method", "customer", "capture_method"}
    if money_fields & set(params) and intent["status"] not in CONFIRMABLE_FROM + ["requires_action"]:
        raise unexpected_state("payment_intent", intent_id, intent["status"], "updated", CONFIRMABLE_FROM)
    if "amount" in params and params["amount"] < MINIMUM_AMOUNT:
        raise invalid("Amount must be at least $0.50 usd", param="amount", code="amount_too_small")
    if params.get("customer"):
        get_customer(ctx, params["customer"], param="customer")
    for key, value in params.items():
        if key == "metadata":
            intent["metadata"] = merge_metadata(intent["metadata"], value)
        elif key == "payment_method":
            intent["payment_method"] = resolve_payment_method(ctx, value)["id"]
            intent["status"] = "requires_confirmation"
        elif key == "allowed_payment_method_types":
            intent["payment_method_types"] = value or ["card"]
        elif key == "transfer_data":
            if intent["transfer_data"] and value.get("amount") is not None:
                intent["transfer_data"]["amount"] = value["amount"]
        elif key != "expand":
            intent[key] = value if value != "" else None
    ctx.emit("payment_intent.updated", intent)
    return ctx.out(intent)


@route("GET", "/v1/payment_intents", schema={**LIST, "customer": "str"})
def list_intents(ctx: Ctx, params: dict):
    filters = {"customer": params["customer"]} if params.get("customer") else {}
    return ctx.store.page(ctx.store.find("payment_intent", ctx.account, **filters), "/v1/payment_intents", params)
