"""Identity verification sessions; a local page (or a test helper) decides the outcome."""

from __future__ import annotations

from ..errors import invalid
from ..forms import LIST, UNSUPPORTED
from ..routing import Ctx, route
from ..store import Store
from .customers import merge_metadata

OPTIONS = {
    "document": {
        "allowed_types": "list:enum:driving_license|id_card|passport",
        "require_id_number": "bool",
        "require_live_capture": "bool",
        "require_matching_selfie": "bool",
    }
}
UPDATE = {"metadata": "metadata", "options": OPTIONS, "type": "enum:document|id_number"}
CREATE = {
    **UPDATE,
    "return_url": "str",
    "client_reference_id": "str",
    "related_customer": "str",
    "provided_details": UNSUPPORTED,
    "verification_flow": UNSUPPORTED,
}


@route("POST", "/v1/identity/verification_sessions", schema=CREATE)
def create(ctx: Ctx, params: dict):
    session_id = ctx.store.new_id("vs")
    session = {
        "id": session_id,
        "object": "identity.verification_session",
        "client_reference_id": params.get("client_reference_id"),
        "client_secret": f"{session_id}_secret_{ctx.store.new_id('x', 24)[2:]}",
        "created": ctx.now,
        "last_error": None,
        "last_verification_report": None,
        "livemode": False,
        "metadata": params.get("metadata") or {},
        "options": {"document": {}, **(params.get("options") or {})},
        "redaction": None,
        "related_customer": params.get("related_customer"),
        "related_customer_account": None,
        "status": "requires_input",
        "type": params.get("type", "document"),
        "url": f"{ctx.base_url}/_local/identity/{session_id}",
    }
    ctx.store.add(session, owner=ctx.account, return_url=params.get("return_url"))
    ctx.emit("identity.verification_session.created", session)
    return ctx.out(session)


def decide(store: Store, session: dict, outcome: str) -> dict:
    """``verified``, ``requires_input`` (failed, with last_error) or ``processing``."""
    if session["status"] in ("canceled", "verified"):
        raise invalid(f"This VerificationSession has status {session['status']} and can no longer change.")
    owner = store.owner(session["id"])
    if outcome == "processing":
        session["status"] = "processing"
        store.emit("identity.verification_session.processing", session, account=owner)
        return session
    if session["status"] != "processing":
        session["status"] = "processing"
        store.emit("identity.verification_session.processing", session, account=owner)
    if outcome == "verified":
        session.update(status="verified", last_error=None, last_verification_report=store.new_id("vr"), url=None)
        store.emit("identity.verification_session.verified", session, account=owner)
    else:
        session.update(
            status="requires_input",
            last_error={"code": "document_unverified_other", "reason": "The document could not be verified."},
        )
        store.emit("identity.verification_session.requires_input", session, account=owner)
    return session


@route("GET", "/v1/identity/verification_sessions/{session_id}", schema={})
def retrieve(ctx: Ctx, params: dict, session_id: str):
    return ctx.out(ctx.store.get(session_id, "identity.verification_session", owner=ctx.account))


@route(
    "POST",
    "/v1/identity/verification_sessions/{session_id}",
    schema=UPDATE,
)
def update(ctx: Ctx, params: dict, session_id: str):
    session = ctx.store.get(session_id, "identity.verification_session", owner=ctx.account)
    if ("options" in params or "type" in params) and session["status"] != "requires_input":
        raise invalid(
            f"This VerificationSession has status {session['status']}; its type and options can only change "
            "while it requires input.",
        )
    if "options" in params:
        session["options"] = {"document": {}, **(params["options"] or {})}
    if "type" in params:
        session["type"] = params["type"]
    if "metadata" in params:
        session["metadata"] = merge_metadata(session["metadata"], params["metadata"])
    return ctx.out(session)


@route("POST", "/v1/identity/verification_sessions/{session_id}/cancel", schema={})
def cancel(ctx: Ctx, params: dict, session_id: str):
    session = ctx.store.get(session_id, "identity.verification_session", owner=ctx.account)
    if session["status"] not in ("requires_input",):
        raise invalid(f"This VerificationSession has status {session['status']} and cannot be canceled.")
    session.update(status="canceled", url=None)
    ctx.emit("identity.verification_session.canceled", session)
    return ctx.out(session)


@route(
    "GET",
    "/v1/identity/verification_sessions",
    schema={
        **LIST,
        "status": "enum:canceled|processing|requires_input|verified",
        "client_reference_id": "str",
    },
)
def list_sessions(ctx: Ctx, params: dict):
    filters = {key: params[key] for key in ("status", "client_reference_id") if params.get(key)}
    found = ctx.store.find("identity.verification_session", ctx.account, **filters)
    return ctx.store.page(found, "/v1/identity/verification_sessions", params)
