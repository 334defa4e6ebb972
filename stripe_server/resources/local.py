"""Test helpers and local pages under /_local/ (no API key: the server only listens on loopback).

These stand in for what happens outside the API on Stripe: the clock passing, a bank opening a
dispute, a person completing onboarding, identity checks or a 3-D Secure challenge.
"""

from __future__ import annotations

from urllib.parse import urlencode

from .. import pages, shapes
from ..errors import invalid
from ..routing import Ctx, Response, redirect, route
from ..store import PLATFORM
from . import connect, disputes, identity, payment_intents, setup_intents
from .balance import PAYOUT_FAILURES, fail_payout, post, refresh_statuses

DISABLED_REASONS = "enum:" + "|".join(
    [
        "requirements.past_due",
        "requirements.pending_verification",
        "listed",
        "platform_paused",
        "rejected.fraud",
        "rejected.listed",
        "rejected.terms_of_service",
        "rejected.other",
        "under_review",
        "other",
    ]
)

DISPATCHER = {}  # filled by the server: {"dispatcher": Dispatcher, "save": callable}


def _clock(ctx: Ctx) -> dict:
    return {"now": ctx.now, "frozen": ctx.store.clock.frozen_at is not None}


@route("GET", "/_local/clock", schema={}, auth="none")
def get_clock(ctx: Ctx, params: dict):
    return _clock(ctx)


@route("POST", "/_local/clock", schema={"now": "int", "advance_seconds": "int", "real": "bool"}, auth="none")
def set_clock(ctx: Ctx, params: dict):
    """``now`` (unix seconds) freezes the clock there; ``advance_seconds`` moves it on; ``real=true``
    returns to real time. Lapsed authorizations, payouts and available funds follow at once.

    Unlike a Stripe test clock this one may also be set back (the project's tests step back to an
    earlier moment of a scenario): what already happened stays done and keeps its timestamps, and
    funds not yet available at the earlier time count as pending again (README, The clock)."""
    if sum(key in params for key in ("now", "advance_seconds", "real")) != 1:
        raise invalid("Give exactly one of now, advance_seconds or real=true.", code="parameter_missing")
    if params.get("real") is False:
        raise invalid("real can only be true (it releases the clock to real time).", param="real")
    if not 0 < params.get("now", 1) < 2**32:
        raise invalid("now must be a unix time in seconds, after 1970 and before 2106.", param="now")
    before = ctx.now
    if params.get("real"):
        ctx.store.clock.release()
    elif "now" in params:
        ctx.store.clock.set(params["now"])
    else:
        ctx.store.clock.advance(params["advance_seconds"])
    from ..app import tick

    if ctx.now < before:
        refresh_statuses(ctx.store, everything=True)
    tick(ctx.store)
    return _clock(ctx)


@route("POST", "/_local/reset", schema={}, auth="none", locked=False)
def reset(ctx: Ctx, params: dict):
    DISPATCHER["dispatcher"].flush(timeout=5)
    with ctx.store.lock:
        ctx.store.reset()
    DISPATCHER["dispatcher"].reset()
    return {"reset": True}


@route("POST", "/_local/snapshot", schema={}, auth="none")
def snapshot(ctx: Ctx, params: dict):
    if not DISPATCHER.get("save"):
        raise invalid("The server was started without --state-file.")
    DISPATCHER["save"]()
    return {"saved": True}


@route("GET", "/_local/shapes", schema={}, auth="none")
def shapes_seen(ctx: Ctx, params: dict):
    """One example of every object shape answered so far (for the contract test)."""
    return {"object": "local.shapes", "examples": shapes.examples()}


@route("GET", "/_local/deliveries", schema={"type": "str", "event": "str", "endpoint": "str"}, auth="none")
def deliveries(ctx: Ctx, params: dict):
    dispatcher = DISPATCHER["dispatcher"]
    with dispatcher.condition:
        attempts = list(dispatcher.attempts)
        pending = len(dispatcher.pending) + dispatcher.in_flight
    for key in ("event", "type", "endpoint"):
        if params.get(key):
            attempts = [a for a in attempts if a[key] == params[key]]
    return {"object": "list", "data": attempts, "pending": pending}


@route(
    "POST",
    "/_local/webhooks/config",
    schema={
        "shuffle": "bool",
        "duplicate": "bool",
        "retry_base_seconds": "number",
        "max_attempts": "int",
        "url": "str",
        "secret": "str",
    },
    auth="none",
)
def webhook_config(ctx: Ctx, params: dict):
    """The test switches; ``url`` with ``secret`` adds a receiver of every event until the next reset."""
    if not 0 <= params.get("retry_base_seconds", 0) <= 60:
        raise invalid("retry_base_seconds must be between 0 and 60.", param="retry_base_seconds")
    if not 1 <= params.get("max_attempts", 1) <= 20:
        raise invalid("max_attempts must be between 1 and 20.", param="max_attempts")
    if ("url" in params) != ("secret" in params):
        raise invalid("A receiver needs both url and secret.", param="secret" if "url" in params else "url")
    if "url" in params and not params["url"].startswith(("http://", "https://")):
        raise invalid("url must be an http:// or https:// URL.", param="url")
    if "secret" in params and not params["secret"].startswith("whsec_"):
        raise invalid("secret must start with whsec_.", param="secret")
    dispatcher = DISPATCHER["dispatcher"]
    for key in ("shuffle", "duplicate", "retry_base_seconds", "max_attempts"):
        if key in params:
            dispatcher.config[key] = params[key]
    if "url" in params:
        dispatcher.add_endpoint(params["url"], params["secret"])
    return dict(dispatcher.config)


@route("POST", "/_local/webhooks/flush", schema={"timeout": "number"}, auth="none", locked=False)
def flush(ctx: Ctx, params: dict):
    """Wait until every event is delivered (or has run out of retries); ``timeout`` in seconds."""
    if not 0 < params.get("timeout", 30) <= 600:
        raise invalid("timeout must be more than 0 and at most 600 seconds.", param="timeout")
    drained = DISPATCHER["dispatcher"].flush(timeout=params.get("timeout", 30))
    return {"drained": drained}


# -- Connect -------------------------------------------------------------------------------------


def _link(ctx: Ctx, token: str) -> dict:
    link = ctx.store.objects.get(token)
    if not link or link.get("object") != "local.account_link":
        raise invalid("This account link does not exist.")
    return link


@route("GET", "/_local/connect/onboarding/{token}", schema={}, auth="none")
def onboarding_page(ctx: Ctx, params: dict, token: str):
    link = _link(ctx, token)
    if (link["used"] or link["expires_at"] < ctx.now) and link["refresh_url"]:
        return redirect(link["refresh_url"])
    account = ctx.store.objects[link["account"]]
    return Response(body=pages.onboarding(account, f"/_local/connect/onboarding/{token}", link["refresh_url"]))


@route("POST", "/_local/connect/onboarding/{token}", schema={"action": "enum:complete"}, auth="none")
def onboarding_submit(ctx: Ctx, params: dict, token: str):
    link = _link(ctx, token)
    if (link["used"] or link["expires_at"] < ctx.now) and link["refresh_url"]:
        return redirect(link["refresh_url"])
    link["used"] = True
    connect.enable(ctx.store, ctx.store.objects[link["account"]])
    if link["return_url"]:
        return redirect(link["return_url"])
    return Response(body=pages.message("Onboarding complete", "You can close this page."))


@route("GET", "/_local/connect/dashboard/{account_id}", schema={}, auth="none")
def dashboard(ctx: Ctx, params: dict, account_id: str):
    account = ctx.store.get(account_id, "account")
    return Response(body=pages.message("Express dashboard", f"Account {account['id']}"))


@route("POST", "/_local/accounts/{account_id}/{action}", schema={"reason": DISABLED_REASONS}, auth="none")
def account_action(ctx: Ctx, params: dict, account_id: str, action: str):
    """``enable`` (onboarding done), ``restrict`` (more information due) or ``restore``."""
    account = ctx.store.get(account_id, "account")
    if action in ("enable", "restore"):
        connect.enable(ctx.store, account)
    elif action == "restrict":
        connect.restrict(ctx.store, account, params.get("reason") or "requirements.past_due")
    else:
        raise invalid(f"Unknown account action {action}: use enable, restrict or restore.")
    if params.get("reason") and action != "restrict":
        raise invalid("Only restrict takes a reason.", param="reason")
    return ctx.out(account)


# -- money helpers -------------------------------------------------------------------------------


@route(
    "POST",
    "/_local/charges/{charge_id}/dispute",
    schema={"amount": "int", "reason": "enum:" + "|".join(disputes.REASONS)},
    auth="none",
)
def open_dispute(ctx: Ctx, params: dict, charge_id: str):
    charge = ctx.store.get(charge_id, "charge")
    return disputes.open_dispute(ctx.store, charge, params.get("amount"), params.get("reason") or "fraudulent")


@route("POST", "/_local/disputes/{dispute_id}/close", schema={"outcome!": "enum:won|lost"}, auth="none")
def close_dispute(ctx: Ctx, params: dict, dispute_id: str):
    outcome = params["outcome"]
    return disputes.close_dispute(ctx.store, ctx.store.get(dispute_id, "dispute"), outcome)


@route(
    "POST",
    "/_local/payouts/{payout_id}/fail",
    schema={"failure_code": "enum:" + "|".join(PAYOUT_FAILURES)},
    auth="none",
)
def payout_fail(ctx: Ctx, params: dict, payout_id: str):
    payout = ctx.store.get(payout_id, "payout")
    if payout["status"] not in ("pending", "in_transit"):
        raise invalid(f"Payout {payout_id} is {payout['status']}.")
    return fail_payout(ctx.store, payout, params.get("failure_code") or "account_closed")


@route("POST", "/_local/balance/topup", schema={"amount!": "int", "account": "str"}, auth="none")
def topup(ctx: Ctx, params: dict):
    """Add available funds to the platform (or ``account``), as a test-mode top-up would."""
    if params["amount"] <= 0:
        raise invalid("amount must be a positive number of cents.", param="amount", code="parameter_invalid_integer")
    owner = params.get("account") or PLATFORM
    if owner != PLATFORM:
        ctx.store.get(owner, "account", param="account")
    return post(ctx.store, owner, amount=params["amount"], type="topup", source=ctx.store.new_id("tu"))


@route("GET", "/_local/receipts/{charge_id}", schema={}, auth="none")
def receipt(ctx: Ctx, params: dict, charge_id: str):
    charge = ctx.store.get(charge_id, "charge")
    return Response(body=pages.message("Receipt", f"{charge['id']}: ${charge['amount_captured'] / 100:.2f} paid"))


# -- identity --------------------------------------------------------------------------------------


@route("GET", "/_local/identity/{session_id}", schema={}, auth="none")
def identity_page(ctx: Ctx, params: dict, session_id: str):
    session = ctx.store.get(session_id, "identity.verification_session")
    return Response(body=pages.identity(session, f"/_local/identity/{session_id}"))


@route(
    "POST",
    "/_local/identity/{session_id}",
    schema={"outcome!": "enum:verified|requires_input|processing", "page": "enum:1"},
    auth="none",
)
def identity_decide(ctx: Ctx, params: dict, session_id: str):
    """The page's buttons (``page=1``) and the test helper: ``outcome`` verified, requires_input or
    processing."""
    session = ctx.store.get(session_id, "identity.verification_session")
    identity.decide(ctx.store, session, params["outcome"])
    return_url = ctx.store.private(session_id).get("return_url")
    if params.get("page") and return_url:
        return redirect(return_url)
    if params.get("page"):
        return Response(body=pages.message("Thank you", f"Verification {session['status']}."))
    return ctx.out(session)


# -- 3-D Secure ------------------------------------------------------------------------------------


def _intent(ctx: Ctx, intent_id: str, client_secret: str | None) -> dict:
    kind = "setup_intent" if intent_id.startswith("seti_") else "payment_intent"
    intent = ctx.store.get(intent_id, kind)
    if client_secret is not None and client_secret != intent["client_secret"]:
        raise invalid("The client_secret provided does not match.", param="client_secret")
    return intent


def authenticate(ctx: Ctx, intent: dict, succeeded: bool) -> dict:
    module = setup_intents if intent["object"] == "setup_intent" else payment_intents
    # Run as the intent's owner so charges and events land on the right account.
    ctx.account = ctx.store.owner(intent["id"])
    module.authenticate(ctx, intent, succeeded)
    return ctx.out(intent)


@route(
    "POST",
    "/_local/intents/{intent_id}/authenticate",
    schema={"outcome!": "enum:complete|fail", "client_secret": "str"},
    auth="none",
)
def authenticate_helper(ctx: Ctx, params: dict, intent_id: str):
    """Complete or fail a pending 3-D Secure challenge (``outcome`` complete or fail), for tests
    and for the Stripe.js stand-in's challenge modal."""
    intent = _intent(ctx, intent_id, params.get("client_secret"))
    return authenticate(ctx, intent, params["outcome"] == "complete")


@route("GET", "/_local/3ds/{intent_id}", schema={"client_secret!": "str", "return_url": "str"}, auth="none")
def three_d_secure_page(ctx: Ctx, params: dict, intent_id: str):
    intent = _intent(ctx, intent_id, params.get("client_secret"))
    hidden = {"client_secret": intent["client_secret"], "return_url": params.get("return_url") or ""}
    return Response(body=pages.three_d_secure(intent, f"/_local/3ds/{intent_id}", hidden))


@route(
    "POST",
    "/_local/3ds/{intent_id}",
    schema={"outcome!": "enum:complete|fail", "client_secret!": "str", "return_url": "str"},
    auth="none",
)
def three_d_secure_submit(ctx: Ctx, params: dict, intent_id: str):
    """The redirect flow (next_action.redirect_to_url): back to return_url the way Stripe returns."""
    intent = _intent(ctx, intent_id, params.get("client_secret"))
    authenticate(ctx, intent, params.get("outcome") == "complete")
    return_url = params.get("return_url")
    if not return_url:
        return Response(body=pages.message("Authentication finished", f"Status: {intent['status']}"))
    prefix = "setup_intent" if intent["object"] == "setup_intent" else "payment_intent"
    query = urlencode(
        {
            prefix: intent["id"],
            f"{prefix}_client_secret": intent["client_secret"],
            "redirect_status": "failed" if intent["status"] == "requires_payment_method" else "succeeded",
        }
    )
    return redirect(return_url + ("&" if "?" in return_url else "?") + query)
