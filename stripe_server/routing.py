"""The route table and the per-request context handlers receive."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import StripeError
from .store import PLATFORM, Store

ROUTES: list[Route] = []


@dataclass
class Route:
    method: str
    pattern: re.Pattern
    handler: object
    schema: dict | None
    # "secret": needs sk_test_; "publishable": pk_test_ also accepted (Stripe.js endpoints);
    # "none": the local pages and test helpers a browser or test opens without a key.
    auth: str
    # False for helpers that wait on other threads (webhook flush) and must not hold the store lock.
    locked: bool = True
    # The object type an API route answers with ("list:<type>" for lists), for checking ``expand``.
    returns: str | None = None


# The object type of each API collection (the last fixed segment of a path).
COLLECTIONS = {
    "account": "account",
    "account_links": "account_link",
    "accounts": "account",
    "application_fees": "application_fee",
    "balance": "balance",
    "balance_transactions": "balance_transaction",
    "charges": "charge",
    "customers": "customer",
    "disputes": "dispute",
    "events": "event",
    "login_links": "login_link",
    "payment_intents": "payment_intent",
    "payment_methods": "payment_method",
    "payouts": "payout",
    "refunds": "refund",
    "reversals": "transfer_reversal",
    "setup_intents": "setup_intent",
    "transfers": "transfer",
    "verification_sessions": "identity.verification_session",
    "webhook_endpoints": "webhook_endpoint",
}
SINGLETONS = {"account", "balance"}  # GET /v1/balance is one object, not a list


def _returns(method: str, path: str) -> str | None:
    """What an API route answers: ``GET /v1/charges`` a list of charges, ``POST
    /v1/payment_intents/{id}/capture`` a payment intent, ``GET /v1/application_fees/{id}/refunds``
    a list of fee refunds."""
    if not path.startswith("/v1/"):
        return None
    segments = path[4:].split("/")
    fixed = [(index, segment) for index, segment in enumerate(segments) if not segment.startswith("{")]
    # An action (confirm, capture, close...) answers with the object it acts on.
    index, collection = next((i, s) for i, s in reversed(fixed) if s in COLLECTIONS)
    kind = COLLECTIONS[collection]
    if collection == "refunds" and segments[0] == "application_fees":
        kind = "fee_refund"
    if method == "DELETE":
        return "deleted_" + kind
    last = index == len(segments) - 1
    return f"list:{kind}" if method == "GET" and last and collection not in SINGLETONS else kind


def route(
    method: str,
    path: str,
    *,
    schema: dict | None = None,
    auth: str = "secret",
    locked: bool = True,
):
    """Register ``handler(ctx, params, **path_args)``. ``{name}`` in ``path`` captures a segment."""
    regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$")

    def register(handler):
        ROUTES.append(Route(method, regex, handler, schema, auth, locked, _returns(method, path)))
        return handler

    return register


@dataclass
class Ctx:
    store: Store
    account: str = PLATFORM  # the Stripe-Account header, or the platform
    key_kind: str = "secret"  # "secret" or "publishable"
    base_url: str = ""  # how the caller reached us, for URLs we hand out
    expand: list[str] = field(default_factory=list)

    @property
    def now(self) -> int:
        return self.store.now()

    @property
    def publishable(self) -> bool:
        return self.key_kind == "publishable"

    def platform_only(self, what: str) -> None:
        """Refuse a platform-only request made on behalf of a connected account (``Stripe-Account``).
        The project's Express accounts have no transfers, connected accounts, links or webhook
        endpoints of their own, so none of these is modelled for them."""
        if self.account != PLATFORM:
            raise StripeError(
                f"{what} on behalf of a connected account (Stripe-Account: {self.account}) is not modelled by "
                "the local Stripe server; make this request as the platform.",
            )

    def out(self, obj: dict) -> dict:
        return self.store.render(obj, self.expand)

    def emit(self, event_type: str, obj: dict, previous=None, *, account: str | None = None):
        return self.store.emit(event_type, obj, account=account or self.account, previous=previous)


@dataclass
class Response:
    """A non-JSON answer: an HTML page, a script or a redirect."""

    status: int = 200
    body: str = ""
    content_type: str = "text/html; charset=utf-8"
    headers: dict = field(default_factory=dict)


def redirect(url: str) -> Response:
    return Response(status=303, headers={"Location": url})
