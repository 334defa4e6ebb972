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


def route(method: str, path: str, *, schema: dict | None = None, auth: str = "secret", locked: bool = True):
    """Register ``handler(ctx, params, **path_args)``. ``{name}`` in ``path`` captures a segment."""
    regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$")

    def register(handler):
        ROUTES.append(Route(method, regex, handler, schema, auth, locked))
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
