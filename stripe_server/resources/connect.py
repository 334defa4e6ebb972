"""Connect Express accounts, their onboarding links, and the enable/restrict transitions."""

from __future__ import annotations

import copy
import hashlib

from ..errors import invalid, missing
from ..forms import LIST, UNSUPPORTED
from ..routing import Ctx, route
from ..store import PLATFORM, Store
from .customers import merge_metadata

ONBOARDING_FIELDS = [
    "business_profile.mcc",
    "business_profile.url",
    "external_account",
    "individual.dob.day",
    "individual.first_name",
    "individual.last_name",
    "individual.ssn_last_4",
    "tos_acceptance.date",
    "tos_acceptance.ip",
]
ADDRESS = {"city": None, "country": None, "line1": None, "line2": None, "postal_code": None, "state": None}
LINK_TTL = 300  # seconds; Stripe's account links expire after a few minutes


def _requirements(due: list[str], disabled_reason: str | None) -> dict:
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": list(due),
        "disabled_reason": disabled_reason,
        "errors": [],
        "eventually_due": list(due),
        "past_due": list(due),
        "pending_verification": [],
    }


# What an Express account's platform may set; Stripe's other account fields (people, documents,
# company details, external accounts) are collected by the onboarding page, and refused here.
BUSINESS_PROFILE = {
    "mcc": "str",
    "name": "str",
    "product_description": "str",
    "support_email": "str",
    "support_phone": "str",
    "support_url": "str",
    "url": "str",
}
SETTINGS = {
    "payouts": {
        # Stored as given; payouts happen only when created through the API (no automatic payouts).
        "schedule": {"interval": "enum:daily|manual|monthly|weekly", "delay_days": ("int", "enum:minimum")},
        "statement_descriptor": "str",
        "debit_negative_balances": "bool",
    },
    "payments": {"statement_descriptor": "str"},
}
CAPABILITIES = {"card_payments": {"requested": "bool"}, "transfers": {"requested": "bool"}}
TOS_ACCEPTANCE = {"date": "int", "ip": "str", "user_agent": "str"}
UPDATE = {
    "email": "str",
    "metadata": "metadata",
    "business_profile": BUSINESS_PROFILE,
    "business_type": "enum:individual|company|non_profit|government_entity|",
    "settings": SETTINGS,
    "capabilities": CAPABILITIES,
    "tos_acceptance": TOS_ACCEPTANCE,
}
CREATE = {
    **UPDATE,
    "type": "enum:express|standard|custom",
    "country": "str",
    "business_type": "enum:individual|company|non_profit|government_entity",
    "controller": UNSUPPORTED,
    "default_currency": "currency",
}


def new_account(account_id: str, *, created: int, type: str = "express", country: str = "US", currency: str = "usd"):  # noqa: A002
    """An account as Stripe shows it before onboarding: nothing enabled, everything due."""
    return {
        "id": account_id,
        "object": "account",
        "business_profile": {
            "annual_revenue": None,
            "estimated_worker_count": None,
            "mcc": None,
            "minority_owned_business_designation": None,
            "name": None,
            "product_description": None,
            "support_address": None,
            "support_email": None,
            "support_phone": None,
            "support_url": None,
            "url": None,
        },
        "business_type": None,
        "capabilities": {},
        "charges_enabled": False,
        "controller": {"is_controller": True, "type": "application"},
        "country": country,
        "created": created,
        "default_currency": currency,
        "details_submitted": False,
        "email": None,
        "external_accounts": {
            "object": "list",
            "data": [],
            "has_more": False,
            "url": f"/v1/accounts/{account_id}/external_accounts",
        },
        "future_requirements": _requirements([], None),
        "metadata": {},
        "payouts_enabled": False,
        "requirements": _requirements(ONBOARDING_FIELDS, "requirements.past_due"),
        "settings": {
            "bacs_debit_payments": {"display_name": None, "service_user_number": None},
            "branding": {"icon": None, "logo": None, "primary_color": None, "secondary_color": None},
            "card_issuing": {"tos_acceptance": {"date": None, "ip": None}},
            "card_payments": {
                "decline_on": {"avs_failure": False, "cvc_failure": False},
                "statement_descriptor_prefix": None,
                "statement_descriptor_prefix_kana": None,
                "statement_descriptor_prefix_kanji": None,
            },
            "dashboard": {"display_name": None, "timezone": "Etc/UTC"},
            "invoices": {"default_account_tax_ids": None, "hosted_payment_method_save": None},
            "payments": {
                "statement_descriptor": None,
                "statement_descriptor_kana": None,
                "statement_descriptor_kanji": None,
                "statement_descriptor_prefix_kana": None,
                "statement_descriptor_prefix_kanji": None,
            },
            "payouts": {
                "debit_negative_balances": True,
                "schedule": {"delay_days": 2, "interval": "daily"},
                "statement_descriptor": None,
            },
            "sepa_debit_payments": {},
        },
        "tos_acceptance": {"date": None, "ip": None, "user_agent": None},
        "type": type,
    }


def bank_account(account_id: str, holder: str | None = None) -> dict:
    """The test bank account that onboarding adds (Stripe's test routing number 110000000)."""
    return {
        "id": "ba_" + account_id[5:],
        "object": "bank_account",
        "account": account_id,
        "account_holder_name": holder,
        "account_holder_type": "individual",
        "account_type": None,
        "available_payout_methods": ["standard", "instant"],
        "bank_name": "STRIPE TEST BANK",
        "country": "US",
        "currency": "usd",
        "customer": None,
        "default_for_currency": True,
        "fingerprint": hashlib.sha256(account_id.encode()).hexdigest()[:16],
        "last4": "6789",
        "metadata": {},
        "routing_number": "110000000",
        "status": "new",
    }


@route("POST", "/v1/accounts", schema=CREATE)
def create(ctx: Ctx, params: dict):
    ctx.platform_only("Creating connected accounts")
    account = new_account(
        ctx.store.new_id("acct", 16),
        created=ctx.now,
        type=params.get("type", "express"),
        country=params.get("country", "US"),
        currency=params.get("default_currency", "usd"),
    )
    _apply(account, params)
    ctx.store.add(account, owner=PLATFORM)
    return ctx.out(account)


def _apply(account: dict, params: dict) -> None:
    """The fields a platform sets on create and update (Stripe merges nested objects)."""
    if "email" in params:
        account["email"] = params["email"] or None
    if "metadata" in params:
        account["metadata"] = merge_metadata(account["metadata"], params["metadata"])
    if "business_type" in params:
        account["business_type"] = params["business_type"] or None
    for key in ("business_profile", "settings", "tos_acceptance"):
        _merge(account[key], params.get(key) or {})
    for name, request in (params.get("capabilities") or {}).items():
        if request and request.get("requested") is False:
            account["capabilities"].pop(name, None)
        elif request and request.get("requested"):
            # A capability requested after onboarding needs nothing more from an individual here.
            account["capabilities"].setdefault(name, "active" if account["details_submitted"] else "inactive")


def _merge(target: dict, update: dict) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = None if value == "" else value


def get_account(ctx: Ctx, account_id: str, param: str | None = None) -> dict:
    """A connected account; on behalf of one (``Stripe-Account``) only that account itself is visible."""
    if ctx.account != PLATFORM and account_id != ctx.account:
        raise missing("account", account_id, param=param)
    return ctx.store.get(account_id, "account", param=param)


@route("GET", "/v1/accounts/{account_id}", schema={})
def retrieve(ctx: Ctx, params: dict, account_id: str):
    return ctx.out(get_account(ctx, account_id))


PLATFORM_ACCOUNT_ID = "acct_localplatform"
PLATFORM_CREATED = 1_577_836_800  # 2020-01-01: the local platform account has always existed


def platform_account() -> dict:
    """The platform's own account (``GET /v1/account`` without ``Stripe-Account``): a standard
    account in the US, onboarded, taking card payments and paid out to its test bank account."""
    account = new_account(PLATFORM_ACCOUNT_ID, created=PLATFORM_CREATED, type="standard")
    account.update(
        business_profile={**account["business_profile"], "name": "InstaInstru (local)"},
        business_type="company",
        capabilities={"card_payments": "active", "transfers": "active"},
        charges_enabled=True,
        controller={"type": "account"},
        details_submitted=True,
        payouts_enabled=True,
        requirements=_requirements([], None),
    )
    account["settings"]["dashboard"]["display_name"] = "InstaInstru (local)"
    account["external_accounts"]["data"] = [bank_account(PLATFORM_ACCOUNT_ID, "InstaInstru")]
    return account


@route("GET", "/v1/account", schema={})
def retrieve_own(ctx: Ctx, params: dict):
    if ctx.account == PLATFORM:
        return ctx.out(platform_account())
    return ctx.out(get_account(ctx, ctx.account))


@route("POST", "/v1/accounts/{account_id}", schema=UPDATE)
def update(ctx: Ctx, params: dict, account_id: str):
    account = get_account(ctx, account_id)
    before = copy.deepcopy(account)
    _apply(account, params)
    emit_updated(ctx.store, account, before)
    return ctx.out(account)


@route("DELETE", "/v1/accounts/{account_id}", schema={})
def delete(ctx: Ctx, params: dict, account_id: str):
    ctx.platform_only("Deleting connected accounts")
    get_account(ctx, account_id)
    ctx.store.objects[account_id] = {"id": account_id, "object": "account", "deleted": True}
    return ctx.store.objects[account_id]


@route("GET", "/v1/accounts", schema=LIST)
def list_accounts(ctx: Ctx, params: dict):
    # A connected account has no connected accounts of its own.
    found = [a for a in ctx.store.find("account") if not a.get("deleted")] if ctx.account == PLATFORM else []
    return ctx.store.page(found, "/v1/accounts", params)


def emit_updated(store: Store, account: dict, before: dict) -> None:
    previous = {key: before[key] for key in account if before.get(key) != account[key]}
    if previous:
        # account.updated is a Connect event: it carries the connected account's id.
        store.emit("account.updated", account, account=account["id"], previous=previous)


def enable(store: Store, account: dict) -> None:
    """Onboarding finished: every requested capability active, charges and payouts enabled."""
    before = copy.deepcopy(account)
    now = store.now()
    account["capabilities"] = {name: "active" for name in account["capabilities"] or {"transfers": None}}
    account.update(
        charges_enabled=True, payouts_enabled=True, details_submitted=True, requirements=_requirements([], None)
    )
    account["tos_acceptance"] = {"date": now, "ip": "127.0.0.1", "user_agent": "local"}
    account["external_accounts"]["data"] = [bank_account(account["id"])]
    emit_updated(store, account, before)


def restrict(store: Store, account: dict, reason: str = "requirements.past_due") -> None:
    """Stripe needs more information: charges and payouts stop until it is provided."""
    before = copy.deepcopy(account)
    account["capabilities"] = {name: "inactive" for name in account["capabilities"]}
    account.update(
        charges_enabled=False,
        payouts_enabled=False,
        requirements=_requirements(["individual.verification.document"], reason),
    )
    emit_updated(store, account, before)


@route(
    "POST",
    "/v1/account_links",
    schema={
        "account!": "str",
        "refresh_url": "str",
        "return_url": "str",
        "type!": "enum:account_onboarding|account_update",
        # The local page collects everything whatever these say (it has no form to shorten).
        "collect": "enum:currently_due|eventually_due",
        "collection_options": {
            "fields": "enum:currently_due|eventually_due",
            "future_requirements": "enum:include|omit",
        },
    },
)
def create_link(ctx: Ctx, params: dict):
    ctx.platform_only("Account links")
    account = get_account(ctx, params["account"], param="account")
    if account["type"] != "express" and params["type"] == "account_onboarding" and account["type"] != "custom":
        raise invalid("You can only create account links for Express or Custom accounts.", param="account")
    token = ctx.store.new_id("link", 20)
    link = {
        "object": "account_link",
        "created": ctx.now,
        "expires_at": ctx.now + LINK_TTL,
        "url": f"{ctx.base_url}/_local/connect/onboarding/{token}",
    }
    # Account links are not retrievable on Stripe; we keep them by token for the onboarding page.
    ctx.store.add(
        {
            **link,
            "id": token,
            "object": "local.account_link",
            "account": account["id"],
            "refresh_url": params.get("refresh_url"),
            "return_url": params.get("return_url"),
            "used": False,
        }
    )
    return link


@route("POST", "/v1/accounts/{account_id}/login_links", schema={})
def create_login_link(ctx: Ctx, params: dict, account_id: str):
    ctx.platform_only("Login links")
    account = get_account(ctx, account_id)
    if account["type"] != "express":
        raise invalid("You can only create login links for Express accounts.", param="account")
    if not account["details_submitted"]:
        raise invalid("Cannot create a login link for an account that has not completed onboarding.", param="account")
    return {"object": "login_link", "created": ctx.now, "url": f"{ctx.base_url}/_local/connect/dashboard/{account_id}"}
