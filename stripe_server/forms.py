"""Decoding Stripe's form-encoded parameters and checking them against an endpoint's schema.

The SDK encodes nested objects as ``a[b][c]=v`` and arrays as ``a[0]=v`` (Stripe.js and curl also
send ``a[]=v``); booleans as ``true``/``false``. Stripe rejects any parameter it does not know,
so every endpoint declares a schema and :func:`validate` enforces it the same way.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from .errors import StripeError
from .event_types import EVENT_TYPES

_KEY_PART = re.compile(r"\[([^\]]*)\]")
# Cursor pagination, and a list's filter by creation time (sub-lists such as a charge's refunds have none).
PAGE = {"limit": "int", "starting_after": "str", "ending_before": "str"}
LIST = {**PAGE, "created": "range"}
# A parameter Stripe has but this server does not model: refused with a message saying so, instead of
# being accepted and silently ignored.
UNSUPPORTED = object()


def parse_form(body: str) -> dict:
    """Turn ``a[b][0]=x&c=y`` into ``{"a": {"b": ["x"]}, "c": "y"}``."""
    root: dict = {}
    for raw_key, value in parse_qsl(body, keep_blank_values=True):
        head, _, rest = raw_key.partition("[")
        parts = [head] + (_KEY_PART.findall("[" + rest) if rest else [])
        node = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if part == "":
                # "a[]" appends: give it the next free numeric index.
                part = str(len(node))
            if last:
                node[part] = value
            else:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = {}
                    node[part] = child
                node = child
    return _listify(root)


def _listify(node):
    """Dicts whose keys are all 0..n-1 were arrays on the wire."""
    if not isinstance(node, dict):
        return node
    converted = {key: _listify(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def _name(prefix: str, key: str) -> str:
    return f"{prefix}[{key}]" if prefix else key


def _fail(message: str, param: str, code: str) -> StripeError:
    return StripeError(message, param=param, code=code, saved=False)


def _coerce(value, kind, param: str):
    if isinstance(kind, dict):
        if value == "":
            # Stripe lets "" unset a nested object.
            return None
        if not isinstance(value, dict):
            raise _fail(f"Invalid object: {param}", param, "parameter_invalid_object")
        return validate(value, kind, prefix=param)
    if isinstance(kind, tuple):
        # One of several kinds (off_session is a boolean or "one_off"/"recurring"): the first that fits.
        for choice in kind:
            try:
                return _coerce(value, choice, param)
            except StripeError:
                pass
        described = [_describe(choice) for choice in kind]
        raise _fail(f"Invalid {param}: must be {' or '.join(described)}", param, "parameter_invalid_string")
    if kind == "metadata":
        if value == "":
            return {}
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise _fail(f"Invalid object: {param}", param, "parameter_invalid_object")
        return {str(k): v for k, v in value.items()}
    if kind == "strlist":
        if isinstance(value, str):
            return [value] if value else []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _fail(f"Invalid array: {param}", param, "parameter_invalid_array")
        return value
    if kind.startswith("list:"):
        # An array whose items are each checked as the kind after "list:".
        if value == "":
            return []
        if not isinstance(value, list):
            raise _fail(f"Invalid array: {param}", param, "parameter_invalid_array")
        return [_coerce(item, kind[5:], f"{param}[{index}]") for index, item in enumerate(value)]
    if kind == "range":
        # List filters such as ``created``: a timestamp, or bounds (``created[gte]=...``).
        if isinstance(value, dict):
            return validate(value, {"gt": "int", "gte": "int", "lt": "int", "lte": "int"}, prefix=param)
        return _coerce(value, "int", param)
    # JSON bodies (the test helpers' /_local/ calls) carry numbers and booleans as such.
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind == "bool" and isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise _fail(f"Invalid {param}: expected a string", param, "parameter_invalid_string")
    if kind == "str":
        return value
    if kind == "int":
        if not re.fullmatch(r"-?\d+", value):
            raise _fail(f"Invalid integer: {value}", param, "parameter_invalid_integer")
        return int(value)
    if kind == "number":
        if not re.fullmatch(r"-?\d+(\.\d+)?", value):
            raise _fail(f"Invalid decimal: {value}", param, "parameter_invalid_decimal")
        return float(value)
    if kind == "bool":
        if value not in ("true", "false"):
            raise _fail(f"Invalid boolean: {value}", param, "parameter_invalid_boolean")
        return value == "true"
    if kind == "currency":
        return _currency(value, param)
    if kind == "event_type":
        if value != "*" and value not in EVENT_TYPES:
            raise _fail(
                f"Invalid {param}: {value!r} is not a Stripe event type (use one such as payment_intent.succeeded, "
                "or * for all)",
                param,
                "parameter_invalid_string",
            )
        return value
    if kind.startswith("enum:"):
        choices = kind[5:].split("|")
        if value not in choices:
            raise _fail(f"Invalid {param}: must be one of {_listed(choices)}", param, "parameter_invalid_string")
        return value
    raise AssertionError(f"unknown schema kind {kind!r}")


def _describe(kind: str) -> str:
    if kind.startswith("enum:"):
        return "one of " + _listed(kind[5:].split("|"))
    return {"bool": "a boolean (true or false)", "int": "an integer"}.get(kind, kind)


def _listed(choices: list[str]) -> str:
    shown = [choice or '""' for choice in choices]
    return ", ".join(shown[:-1]) + f", or {shown[-1]}" if len(shown) > 1 else shown[0]


def validate(params: dict, schema: dict, *, prefix: str = "", expand: bool = True) -> dict:
    """Check ``params`` against ``schema`` and return them with types converted.

    A schema maps each accepted key to a kind: ``"str"``, ``"int"``, ``"number"``, ``"bool"``,
    ``"currency"``, ``"enum:a|b"`` (``"enum:a|"`` also takes ``""``), ``"metadata"``, ``"strlist"``,
    ``"list:<kind>"``, ``"range"`` (a timestamp or ``gt``/``gte``/``lt``/``lte`` bounds), a tuple of
    kinds (the first that fits), ``UNSUPPORTED`` or a nested schema dict. A key ending in ``!`` is
    required. ``expand`` is accepted at the top level of every API request, as on Stripe.
    """
    accepted = {key.rstrip("!"): kind for key, kind in schema.items()}
    if not prefix and expand:
        accepted.setdefault("expand", "strlist")
    for key in params:
        if key not in accepted:
            param = _name(prefix, key)
            raise _fail(f"Received unknown parameter: {param}", param, "parameter_unknown")
        if accepted[key] is UNSUPPORTED:
            param = _name(prefix, key)
            raise _fail(
                f"{param} is a Stripe parameter that the local Stripe server does not model, so it refuses it "
                "rather than ignore it (see stripe_server/README.md, Not modelled).",
                param,
                "parameter_unknown",
            )
    for key in schema:
        if key.endswith("!") and params.get(key[:-1]) in (None, ""):
            param = _name(prefix, key[:-1])
            raise _fail(f"Missing required param: {param}.", param, "parameter_missing")
    return {key: _coerce(value, accepted[key], _name(prefix, key)) for key, value in params.items()}


# Stripe's own list, in the order of its "Invalid currency" message.
CURRENCIES = (
    "usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bif bmd bnd bob brl bsd bwp byn bzd cad cdf "
    "chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq gyd hkd hnl htg "
    "huf idr ils inr isk jmd jpy kes kgs khr kmf krw kyd kzt lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt mop "
    "mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd "
    "scr sek sgd shp sle sos srd std szl thb tjs top try ttd twd tzs uah ugx uyu uzs vnd vuv wst xaf xcd xof "
    "xpf yer zar zmw"
).split()
# Balances, fees and payouts here are in US dollars only (the project's currency); see README.
MODELLED_CURRENCIES = ("usd",)


def _currency(value: str, param: str) -> str:
    """A three-letter code Stripe supports, case-insensitive as on Stripe, answered in lowercase."""
    code = value.lower()
    if code not in CURRENCIES:
        raise _fail(
            f"Invalid currency: {value}. Stripe currently supports these currencies: {', '.join(CURRENCIES)}",
            param,
            "parameter_invalid_string",
        )
    if code not in MODELLED_CURRENCIES:
        raise _fail(
            f"Invalid currency: {value}. The local Stripe server models {', '.join(MODELLED_CURRENCIES)} only "
            "(balances, fees and payouts are in US dollars); real Stripe accepts it.",
            param,
            "parameter_invalid_string",
        )
    return code
