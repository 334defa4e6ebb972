"""The only door to Stripe. Product code calls these functions; they call the official SDK.

- Every write carries an idempotency key built by `idempotency_key(...)` from our row ids and the
  attempt number, so a retry after a crash replays Stripe's first answer instead of charging twice.
- Network trouble (timeouts, refused connections, 5xx) becomes `ProviderUnavailable` with a
  message a person can read; card problems become `CardError` with Stripe's codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import stripe
from django.conf import settings

# A decline is "soft" when trying again later may succeed; everything else needs the student.
SOFT_DECLINE_CODES = frozenset(
    {
        "insufficient_funds",
        "generic_decline",
        "try_again_later",
        "processing_error",
        "issuer_not_available",
        "reenter_transaction",
        "approve_with_id",
        "do_not_honor",
        "withdrawal_count_limit_exceeded",
        "card_velocity_exceeded",
    }
)


class ProviderUnavailable(Exception):
    """Stripe could not be reached or answered too slowly. Nothing was changed on our side."""

    def __init__(self, detail: str = ""):
        self.detail = detail
        super().__init__("Payments are unavailable right now. Nothing was charged; please try again in a minute.")


class ProviderError(Exception):
    """Stripe refused a request for a reason that is not the card's (a bug or bad state)."""


class IdempotencyMismatch(ProviderError):
    """The key was used before with other parameters: the first request may have done the work,
    so this must not be retried under a new key (a person has to look)."""


@dataclass
class CardError(Exception):
    code: str
    decline_code: str
    message: str
    payment_intent_id: str = ""
    setup_intent_id: str = ""
    charge_id: str = ""

    def __str__(self):
        return self.message

    @property
    def needs_student(self) -> bool:
        """Hard declines and required authentication are not retried blindly."""
        if self.code == "authentication_required" or self.decline_code == "authentication_required":
            return True
        return (self.decline_code or self.code) not in SOFT_DECLINE_CODES


def idempotency_key(*parts) -> str:
    return "instainstru-" + "-".join(str(part) for part in parts)


@cache
def _http_client(timeout: float) -> stripe.HTTPClient:
    return stripe.RequestsClient(timeout=timeout)


def client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=0,
        http_client=_http_client(float(getattr(settings, "STRIPE_TIMEOUT_SECONDS", 10))),
    )


def call(resource: str, method: str, *args, params: dict | None = None, key: str | None = None, account: str = ""):
    """`call("payment_intents", "create", params={...}, key=idempotency_key(...))` → the Stripe object."""
    service = getattr(client().v1, resource)
    for part in method.split(".")[:-1]:
        service = getattr(service, part)
    options = {}
    if key:
        options["idempotency_key"] = key
    if account:
        options["stripe_account"] = account
    try:
        return getattr(service, method.split(".")[-1])(*args, params=params or {}, options=options)
    except stripe.CardError as error:
        body = error.error
        raise CardError(
            code=error.code or "",
            decline_code=getattr(body, "decline_code", None) or "",
            message=error.user_message or str(error.user_message or error),
            payment_intent_id=_id_of(getattr(body, "payment_intent", None)),
            setup_intent_id=_id_of(getattr(body, "setup_intent", None)),
            charge_id=_id_of(getattr(body, "charge", None)),
        ) from error
    except (stripe.APIConnectionError, stripe.RateLimitError) as error:
        raise ProviderUnavailable(str(error)) from error
    except stripe.APIError as error:
        raise ProviderUnavailable(str(error)) from error
    except stripe.IdempotencyError as error:
        raise IdempotencyMismatch(str(error)) from error
    except stripe.StripeError as error:
        raise ProviderError(str(error)) from error


def _id_of(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return getattr(value, "id", "") or ""
