"""Which fields each object lets ``expand`` replace by the object whose id it holds, as on Stripe.

Stripe refuses a path it cannot expand; so does this server, before the request runs, so a bad
``expand`` never leaves half a request done. Only fields holding ids of objects this server stores
are listed (a test checks each against the official SDK's types): ``dispute.evidence.receipt`` (a
file) or ``transfer.destination_payment`` (a ``py_`` object) are not.
"""

from __future__ import annotations

from .errors import StripeError

MAX_DEPTH = 4  # Stripe's limit on the levels of one expand path
ANY = "*"  # the field may hold an id of several kinds (a balance transaction's source)
EXPANDABLE: dict[str, dict[str, str]] = {
    "payment_intent": {
        "customer": "customer",
        "latest_charge": "charge",
        "on_behalf_of": "account",
        "payment_method": "payment_method",
        "transfer_data.destination": "account",
    },
    "charge": {
        "application_fee": "application_fee",
        "balance_transaction": "balance_transaction",
        "customer": "customer",
        "failure_balance_transaction": "balance_transaction",
        "on_behalf_of": "account",
        "payment_intent": "payment_intent",
        "source_transfer": "transfer",
        "transfer": "transfer",
        "transfer_data.destination": "account",
    },
    "refund": {
        "balance_transaction": "balance_transaction",
        "charge": "charge",
        "customer": "customer",
        "failure_balance_transaction": "balance_transaction",
        "payment_intent": "payment_intent",
        "payment_method": "payment_method",
        "source_transfer_reversal": "transfer_reversal",
        "transfer_reversal": "transfer_reversal",
    },
    "customer": {"invoice_settings.default_payment_method": "payment_method"},
    "payment_method": {"customer": "customer"},
    "setup_intent": {"customer": "customer", "on_behalf_of": "account", "payment_method": "payment_method"},
    "transfer": {
        "balance_transaction": "balance_transaction",
        "destination": "account",
        "source_transaction": "charge",
    },
    "transfer_reversal": {
        "balance_transaction": "balance_transaction",
        "source_refund": "refund",
        "transfer": "transfer",
    },
    "application_fee": {"account": "account", "balance_transaction": "balance_transaction", "charge": "charge"},
    "fee_refund": {"balance_transaction": "balance_transaction", "fee": "application_fee"},
    "balance_transaction": {"source": ANY},
    "payout": {"balance_transaction": "balance_transaction", "failure_balance_transaction": "balance_transaction"},
    "dispute": {"charge": "charge", "payment_intent": "payment_intent"},
}


def _cannot(path: str, kind: str) -> StripeError:
    fields = ", ".join(EXPANDABLE.get(kind, {})) or "none"
    return StripeError(
        f"This property cannot be expanded ({path}). The local Stripe server expands these fields of a {kind}: "
        f"{fields}.",
        param="expand",
        saved=False,
    )


def check(returns: str | None, paths: list[str]) -> None:
    """Refuse any path the response (an object of type ``returns``, or ``list:<type>``) cannot expand."""
    for path in paths:
        parts = path.split(".")
        if len(parts) > MAX_DEPTH + (returns or "").startswith("list:"):
            raise StripeError(
                f"You cannot expand more than {MAX_DEPTH} levels of a property", param="expand", saved=False
            )
        kind = returns or ""
        if kind.startswith("list:"):
            if parts[0] != "data":
                raise StripeError(
                    f"This property cannot be expanded ({path}). On a list, expand the fields of its items: "
                    f"data.{path}.",
                    param="expand",
                    saved=False,
                )
            kind, parts = kind[5:], parts[1:]
        while parts:
            table = EXPANDABLE.get(kind, {})
            field = next(
                (f for f in sorted(table, key=len, reverse=True) if parts[: f.count(".") + 1] == f.split(".")), None
            )
            if field is None:
                raise _cannot(path, kind)
            kind, parts = table[field], parts[field.count(".") + 1 :]
