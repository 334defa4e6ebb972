"""Test helpers and local pages under /_local/ (no API key: the server only listens on loopback).

These stand in for what happens outside the API on Stripe: the clock passing, a bank opening a
dispute, a person completing onboarding, identity checks or a 3-D Secure challenge.
"""

from __future__ import annotations

from urllib.parse import urlencode

from .. import pages
from ..errors import invalid
from ..routing import Ctx, Response, redirect, route
from ..store import PLATFORM
from . import connect, disputes, identity, payment_intents, setup_intents
from .balance import fail_payout, post

DISPATCHER = {}  # filled by the server: {"dispatcher": Dispatcher, "save": callable}


def _clock(ctx: Ctx) -> dict:
    return {"now": ctx.now, "frozen": ctx.store.clock.frozen_at is not None}


@route("GET", "/_local/clock", auth="none")
def get_clock(ctx: Ctx, params: dict):
    return _clock(ctx)


@route("POST", "/_local/clock", auth="none")
def set_clock(ctx: Ctx, params: dict):
    """``now`` (unix seconds) freezes the clock there; ``advance_seconds`` moves it on; ``real=true``
    returns to real time. Lapsed authorizations, payouts and available funds follow at once."""
    if params.get("real") in ("true", True):
        ctx.store.clock.release()
    if params.get("now") not in (None, ""):
        ctx.store.clock.set(int(params["now"]))
    if params.get("advance_seconds") not in (None, ""):
        ctx.store.clock.advance(int(params["advance_seconds"]))
    from ..app import tick

    tick(ctx.store)
    return _clock(ctx)


@route("POST", "/_local/reset", auth="none", locked=False)
def reset(ctx: Ctx, params: dict):
    DISPATCHER["dispatcher"].flush(timeout=5)
    with ctx.store.lock:
        ctx.store.reset()
    DISPATCHER["dispatcher"].reset()
    return {"reset": True}


@route("POST", "/_local/snapshot", auth="none")
def snapshot(ctx: Ctx, params: dict):
    if not DISPATCHER.get("save"):
        raise invalid("The server was started without --state-file.")
    DISPATCHER["save"]()
    return {"saved": True}


@route("GET", "/_local/deliveries", auth="none")
def deliveries(ctx: Ctx, params: dict):
    dispatcher = DISPATCHER["dispatcher"]
    with dispatcher.condition:
        attempts = list(dispatcher.attempts)
        pending = len(dispatcher.pending) + dispatcher.in_flight
    for key in ("event", "type", "endpoint"):
        if params.get(key):
            attempts = [a for a in attempts if a[key] == params[key]]
    return {"object": "list", "data": attempts, "pending": pending}


@route("POST", "/_local/webhooks/config", auth="none")
def webhook_config(ctx: Ctx, params: dict):
    dispatcher = DISPATCHER["dispatcher"]
    for key in ("shuffle", "duplicate"):
        if key in params:
            dispatcher.config[key] = params[key] in ("true", True, "1")
    if "retry_base_seconds" in params:
        dispatcher.config["retry_base_seconds"] = float(params["retry_base_seconds"])
    if "max_attempts" in params:
        dispatcher.config["max_attempts"] = int(params["max_attempts"])
    if params.get("url") and params.get("secret"):
        dispatcher.add_endpoint(params["url"], params["secret"])
    return dict(dispatcher.config)


@route("POST", "/_local/webhooks/flush", auth="none", locked=False)
def flush(ctx: Ctx, params: dict):
    """Wait until every event is delivered (or has run out of retries); ``timeout`` in seconds."""
    drained = DISPATCHER["dispatcher"].flush(timeout=float(params.get("timeout") or 30))
    return {"drained": drained}


# -- Connect -------------------------------------------------------------------------------------


def _link(ctx: Ctx, token: str) -> dict:
    link = ctx.store.objects.get(token)
    if not link or link.get("object") != "local.account_link":
        raise invalid("This account link does not exist.")
    return link


@route("GET", "/_local/connect/onboarding/{token}", auth="none")
def onboarding_page(ctx: Ctx, params: dict, token: str):
    link = _link(ctx, token)
    if (link["used"] or link["expires_at"] < ctx.now) and link["refresh_url"]:
        return redirect(link["refresh_url"])
    account = ctx.store.objects[link["account"]]
    return Response(body=pages.onboarding(account, f"/_local/connect/onboarding/{token}", link["refresh_url"]))


@route("POST", "/_local/connect/onboarding/{token}", auth="none")
def onboarding_submit(ctx: Ctx, params: dict, token: str):
    link = _link(ctx, token)
    if (link["used"] or link["expires_at"] < ctx.now) and link["refresh_url"]:
        return redirect(link["refresh_url"])
    link["used"] = True
    connect.enable(ctx.store, ctx.store.objects[link["account"]])
    if link["return_url"]:
        return redirect(link["return_url"])
    return Response(body=pages.message("Onboarding complete", "You can close this page."))


@route("GET", "/_local/connect/dashboard/{account_id}", auth="none")
def dashboard(ctx: Ctx, params: dict, account_id: str):
    account = ctx.store.get(account_id, "account")
    return Response(body=pages.message("Express dashboard", f"Account {account['id']}"))


@route("POST", "/_local/accounts/{account_id}/{action}", auth="none")
def account_action(ctx: Ctx, params: dict, account_id: str, action: str):
    """``enable`` (onboarding done), ``restrict`` (more information due) or ``restore``."""
    account = ctx.store.get(account_id, "account")
    if action in ("enable", "restore"):
        connect.enable(ctx.store, account)
    elif action == "restrict":
        connect.restrict(ctx.store, account, params.get("reason") or "requirements.past_due")
    else:
        raise invalid(f"Unknown account action {action}.")
    return ctx.out(account)


# -- money helpers -------------------------------------------------------------------------------


@route("POST", "/_local/charges/{charge_id}/dispute", auth="none")
def open_dispute(ctx: Ctx, params: dict, charge_id: str):
    charge = ctx.store.get(charge_id, "charge")
    amount = int(params["amount"]) if params.get("amount") else None
    return disputes.open_dispute(ctx.store, charge, amount, params.get("reason") or "fraudulent")


@route("POST", "/_local/disputes/{dispute_id}/close", auth="none")
def close_dispute(ctx: Ctx, params: dict, dispute_id: str):
    outcome = params.get("outcome") or "lost"
    if outcome not in ("won", "lost"):
        raise invalid("outcome must be won or lost", param="outcome")
    return disputes.close_dispute(ctx.store, ctx.store.get(dispute_id, "dispute"), outcome)


@route("POST", "/_local/payouts/{payout_id}/fail", auth="none")
def payout_fail(ctx: Ctx, params: dict, payout_id: str):
    payout = ctx.store.get(payout_id, "payout")
    if payout["status"] not in ("pending", "in_transit"):
        raise invalid(f"Payout {payout_id} is {payout['status']}.")
    return fail_payout(ctx.store, payout, params.get("failure_code") or "account_closed")


@route("POST", "/_local/balance/topup", auth="none")
def topup(ctx: Ctx, params: dict):
    """Add available funds to the platform (or ``account``), as a test-mode top-up would."""
    owner = params.get("account") or PLATFORM
    txn = post(ctx.store, owner, amount=int(params["amount"]), type="topup", source=ctx.store.new_id("tu"))
    return txn


@route("GET", "/_local/receipts/{charge_id}", auth="none")
def receipt(ctx: Ctx, params: dict, charge_id: str):
    charge = ctx.store.get(charge_id, "charge")
    return Response(body=pages.message("Receipt", f"{charge['id']}: ${charge['amount_captured'] / 100:.2f} paid"))


# -- identity --------------------------------------------------------------------------------------


@route("GET", "/_local/identity/{session_id}", auth="none")
def identity_page(ctx: Ctx, params: dict, session_id: str):
    session = ctx.store.get(session_id, "identity.verification_session")
    return Response(body=pages.identity(session, f"/_local/identity/{session_id}"))


@route("POST", "/_local/identity/{session_id}", auth="none")
def identity_decide(ctx: Ctx, params: dict, session_id: str):
    """The page's buttons and the test helper: ``outcome`` verified, requires_input or processing."""
    session = ctx.store.get(session_id, "identity.verification_session")
    outcome = params.get("outcome") or "verified"
    if outcome not in ("verified", "requires_input", "processing"):
        raise invalid("outcome must be verified, requires_input or processing", param="outcome")
    identity.decide(ctx.store, session, outcome)
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


@route("POST", "/_local/intents/{intent_id}/authenticate", auth="none")
def authenticate_helper(ctx: Ctx, params: dict, intent_id: str):
    """Complete or fail a pending 3-D Secure challenge (``outcome`` complete or fail), for tests
    and for the Stripe.js stand-in's challenge modal."""
    intent = _intent(ctx, intent_id, params.get("client_secret"))
    return authenticate(ctx, intent, (params.get("outcome") or "complete") == "complete")


@route("GET", "/_local/3ds/{intent_id}", auth="none")
def three_d_secure_page(ctx: Ctx, params: dict, intent_id: str):
    intent = _intent(ctx, intent_id, params.get("client_secret"))
    hidden = {"client_secret": intent["client_secret"], "return_url": params.get("return_url") or ""}
    return Response(body=pages.three_d_secure(intent, f"/_local/3ds/{intent_id}", hidden))


@route("POST", "/_local/3ds/{intent_id}", auth="none")
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
