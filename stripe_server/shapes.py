"""Every object shape the server has answered with, for the contract test (``GET /_local/shapes``).

Each API response and each event is walked once; an object (a dict with ``object``) whose set of
keys is new for its type is kept as an example. The contract test compares every example with
Stripe's own example of that type, so a shape no test thought of is still checked.
"""

from __future__ import annotations

import copy
import threading

_lock = threading.Lock()
_seen: dict[str, dict[frozenset, dict]] = {}


def kind_of(obj: dict) -> str:
    return ("deleted_" if obj.get("deleted") else "") + obj["object"]


def record(node) -> None:
    if isinstance(node, list):
        for item in node:
            record(item)
        return
    if not isinstance(node, dict):
        return
    if isinstance(node.get("object"), str) and node["object"] != "list":
        keys = frozenset(node)
        examples = _seen.get(kind_of(node))
        if examples is None or keys not in examples:
            with _lock:
                _seen.setdefault(kind_of(node), {})[keys] = copy.deepcopy(node)
    for value in node.values():
        if isinstance(value, dict | list):
            record(value)


def examples() -> dict[str, list[dict]]:
    with _lock:
        return {kind: list(found.values()) for kind, found in _seen.items()}
