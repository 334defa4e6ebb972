"""Stripe's error responses: ``{"error": {...}}`` with the HTTP status Stripe uses for each type."""

from __future__ import annotations

DOC_URL = "https://stripe.com/docs/error-codes/"

STATUS_BY_TYPE = {
    "invalid_request_error": 400,
    "idempotency_error": 400,
    "card_error": 402,
    "authentication_error": 401,
    "api_error": 500,
}


class StripeError(Exception):
    """Raised anywhere in a handler; the HTTP layer turns it into Stripe's error body.

    ``saved`` says whether an idempotent replay should return it: Stripe does not save the result
    of a request that failed parameter validation (the endpoint never started executing).
    """

    def __init__(
        self,
        message: str,
        *,
        type: str = "invalid_request_error",  # noqa: A002 - Stripe's own field name
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        status: int | None = None,
        saved: bool = True,
        extra: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.status = status or STATUS_BY_TYPE.get(type, 400)
        self.saved = saved
        self.extra = extra or {}

    def body(self) -> dict:
        error: dict = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = DOC_URL + self.code
        if self.param:
            error["param"] = self.param
        if self.decline_code:
            error["decline_code"] = self.decline_code
        error.update(self.extra)
        return {"error": error}


def invalid(message: str, *, param: str | None = None, code: str | None = None) -> StripeError:
    return StripeError(message, param=param, code=code)


def missing(resource: str, object_id: str, *, param: str | None = None) -> StripeError:
    return StripeError(
        f"No such {resource}: '{object_id}'",
        code="resource_missing",
        param=param,
        status=404 if param is None else 400,
    )


def unexpected_state(resource: str, object_id: str, status: str, action: str, allowed: list[str]):
    label = "PaymentIntent" if resource == "payment_intent" else "SetupIntent"
    return StripeError(
        f"This {label} could not be {action} because it has a status of {status}. "
        f"Only a {label} with one of the following statuses may be {action}: "
        f"{', '.join(allowed)}.",
        code=f"{resource}_unexpected_state",
    )


def balance_insufficient() -> StripeError:
    return StripeError(
        "You have insufficient funds in your Stripe account for this transfer. Your card balance "
        "is too low. You can use the /v1/balance endpoint to view your Stripe balance.",
        code="balance_insufficient",
    )
