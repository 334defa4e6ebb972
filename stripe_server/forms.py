"""Decoding Stripe's form-encoded parameters and checking them against an endpoint's schema.

The SDK encodes nested objects as ``a[b][c]=v`` and arrays as ``a[0]=v`` (Stripe.js and curl also
send ``a[]=v``); booleans as ``true``/``false``. Stripe rejects any parameter it does not know,
so every endpoint declares a schema and :func:`validate` enforces it the same way.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from .errors import StripeError

_KEY_PART = re.compile(r"\[([^\]]*)\]")


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
    if kind == "any":
        return value
    if kind == "metadata":
        if value == "":
            return {}
        if not isinstance(value, dict):
            raise _fail("Invalid object", param, "parameter_invalid_object")
        return {str(k): v for k, v in value.items()}
    if kind == "strlist":
        if isinstance(value, str):
            return [value] if value else []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _fail(f"Invalid array: {param}", param, "parameter_invalid_array")
        return value
    if not isinstance(value, str):
        raise _fail(f"Invalid {param}: expected a string", param, "parameter_invalid_string")
    if kind == "str":
        return value
    if kind == "int":
        if not re.fullmatch(r"-?\d+", value):
            raise _fail(f"Invalid integer: {value}", param, "parameter_invalid_integer")
        return int(value)
    if kind == "bool":
        if value not in ("true", "false"):
            raise _fail(f"Invalid boolean: {value}", param, "parameter_invalid_boolean")
        return value == "true"
    if kind.startswith("enum:"):
        choices = kind[5:].split("|")
        if value not in choices:
            listed = ", ".join(choices[:-1]) + f", or {choices[-1]}" if len(choices) > 1 else choices[0]
            raise _fail(f"Invalid {param}: must be one of {listed}", param, "parameter_invalid_string")
        return value
    raise AssertionError(f"unknown schema kind {kind!r}")


def validate(params: dict, schema: dict, *, prefix: str = "") -> dict:
    """Check ``params`` against ``schema`` and return them with types converted.

    A schema maps each accepted key to ``"str"``, ``"int"``, ``"bool"``, ``"enum:a|b"``,
    ``"metadata"``, ``"strlist"``, ``"any"`` or a nested schema dict. A key ending in ``!`` is
    required. ``expand`` is accepted everywhere, as on Stripe.
    """
    accepted = {key.rstrip("!"): kind for key, kind in schema.items()}
    if not prefix:
        accepted.setdefault("expand", "strlist")
    for key in params:
        if key not in accepted:
            param = _name(prefix, key)
            raise _fail(f"Received unknown parameter: {param}", param, "parameter_unknown")
    for key in schema:
        if key.endswith("!") and params.get(key[:-1]) in (None, ""):
            param = _name(prefix, key[:-1])
            raise _fail(f"Missing required param: {param}.", param, "parameter_missing")
    return {key: _coerce(value, accepted[key], _name(prefix, key)) for key, value in params.items()}
