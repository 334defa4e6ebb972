"""The server's whole state: objects, their owners, events, idempotency results and the clock.

Everything lives in plain dicts so a snapshot is one ``json.dump``. One re-entrant lock guards it;
the HTTP layer holds it for the whole of each request, so every API call is atomic (Stripe's own
guarantee for a single call) and concurrent calls with one idempotency key cannot both execute.
"""

from __future__ import annotations

import copy
import json
import os
import secrets
import string
import tempfile
import threading
import time

from . import shapes
from .errors import invalid, missing

PLATFORM = "platform"
_ALPHABET = string.ascii_letters + string.digits


def in_range(value: int, bounds) -> bool:
    """Stripe's timestamp filters: an exact time, or ``gt``/``gte``/``lt``/``lte`` bounds."""
    if not isinstance(bounds, dict):
        return value == bounds
    return (
        ("gt" not in bounds or value > bounds["gt"])
        and ("gte" not in bounds or value >= bounds["gte"])
        and ("lt" not in bounds or value < bounds["lt"])
        and ("lte" not in bounds or value <= bounds["lte"])
    )


class Clock:
    """The server's notion of now, in unix seconds.

    Real time until a test sets it; from then on it is frozen (like a Stripe test clock) and only
    moves when advanced, so timestamps a test compares are exact.
    """

    def __init__(self):
        self.frozen_at: int | None = None

    def now(self) -> int:
        return self.frozen_at if self.frozen_at is not None else self.real_now()

    def real_now(self) -> int:
        return int(time.time())

    def set(self, now: int) -> None:
        self.frozen_at = int(now)

    def advance(self, seconds: int) -> None:
        self.frozen_at = self.now() + int(seconds)

    def release(self) -> None:
        self.frozen_at = None


class Store:
    def __init__(self):
        self.lock = threading.RLock()
        self.clock = Clock()
        self.on_event = None  # set by the webhook dispatcher
        self.reset()

    # -- lifecycle -------------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.objects: dict[str, dict] = {}
            # The ids of each object type in insertion order, so lists and the clock's checks read
            # only their own type (an object keeps its type: a deleted one becomes a tombstone).
            self.kinds: dict[str, dict[str, None]] = {}
            # Per object: owner account, kind, insertion sequence and private data (card number).
            self.meta: dict[str, dict] = {}
            self.idempotency: dict[str, dict] = {}
            self.sequence = 0
            self.clock.release()

    def now(self) -> int:
        return self.clock.now()

    def new_id(self, prefix: str, length: int = 24) -> str:
        return f"{prefix}_{''.join(secrets.choice(_ALPHABET) for _ in range(length))}"

    # -- objects ---------------------------------------------------------------------------
    def add(self, obj: dict, *, owner: str = PLATFORM, **private) -> dict:
        self.sequence += 1
        self.objects[obj["id"]] = obj
        self.kinds.setdefault(obj["object"], {})[obj["id"]] = None
        self.meta[obj["id"]] = {"owner": owner, "seq": self.sequence, **private}
        return obj

    def get(self, object_id: str, kind: str, *, owner: str | None = None, param=None) -> dict:
        """Fetch an object of ``kind`` visible to ``owner`` (None: any owner) or raise Stripe's 404."""
        obj = self.objects.get(object_id or "")
        if (
            obj is None
            or obj.get("object") != kind
            or obj.get("deleted")
            or (owner is not None and self.meta[object_id]["owner"] != owner)
        ):
            raise missing(kind.split(".")[-1], object_id, param=param)
        return obj

    def private(self, object_id: str) -> dict:
        return self.meta[object_id]

    def owner(self, object_id: str) -> str:
        return self.meta[object_id]["owner"]

    def find(self, kind: str, owner: str | None = None, **filters) -> list[dict]:
        """Objects of ``kind``, newest first, whose top-level fields equal ``filters``."""
        # Ids are inserted in sequence order, so reading them backwards is newest first.
        objects, meta = self.objects, self.meta
        return [
            objects[object_id]
            for object_id in reversed(self.kinds.get(kind, {}))
            if objects[object_id].get("object") == kind
            and (owner is None or meta[object_id]["owner"] == owner)
            and all(objects[object_id].get(key) == value for key, value in filters.items())
        ]

    def page(self, objects: list[dict], url: str, params: dict) -> dict:
        """Stripe's cursor pagination over a newest-first list, filtered by ``created`` if asked."""
        if params.get("created") is not None:
            objects = [obj for obj in objects if in_range(obj["created"], params["created"])]
        limit = params.get("limit", 10)
        if not 1 <= limit <= 100:
            raise invalid(
                "This value must be greater than or equal to 1 and less than or equal to 100.",
                param="limit",
                code="parameter_invalid_integer",
            )
        ids = [obj["id"] for obj in objects]
        if params.get("starting_after") in ids:
            objects = objects[ids.index(params["starting_after"]) + 1 :]
        elif params.get("ending_before") in ids:
            objects = objects[: ids.index(params["ending_before"])][-limit:]
        return {
            "object": "list",
            "data": [copy.deepcopy(obj) for obj in objects[:limit]],
            "has_more": len(objects) > limit,
            "url": url,
        }

    def render(self, obj: dict, expand: list[str] | None = None) -> dict:
        """A copy of ``obj`` with the requested ``expand`` paths replaced by their objects."""
        result = copy.deepcopy(obj)
        for path in expand or []:
            self._expand(result, path.split("."))
        return result

    def _expand(self, node, parts: list[str]) -> None:
        if not parts or not isinstance(node, dict):
            return
        head, rest = parts[0], parts[1:]
        value = node.get(head)
        if head == "data" and isinstance(value, list):
            for item in value:
                self._expand(item, rest)
            return
        if isinstance(value, str) and value in self.objects:
            value = node[head] = copy.deepcopy(self.objects[value])
        self._expand(value, rest)

    # -- events ----------------------------------------------------------------------------
    def emit(self, event_type: str, obj: dict, *, account: str | None = None, previous=None):
        """Record an event with a snapshot of ``obj`` and hand it to the webhook dispatcher."""
        event = {
            "id": self.new_id("evt"),
            "object": "event",
            "api_version": "2025-09-30.clover",
            "created": self.now(),
            "data": {"object": copy.deepcopy(obj)},
            "livemode": False,
            "pending_webhooks": 0,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
        if previous:
            event["data"]["previous_attributes"] = previous
        if account and account != PLATFORM:
            event["account"] = account
        owner = account if account else PLATFORM
        self.add(event, owner=owner)
        shapes.record(event)
        if self.on_event is not None:
            self.on_event(event)
        return event

    # -- snapshot --------------------------------------------------------------------------
    def snapshot(self) -> dict:
        with self.lock:
            return {
                "objects": self.objects,
                "meta": self.meta,
                "idempotency": self.idempotency,
                "sequence": self.sequence,
                "clock_frozen_at": self.clock.frozen_at,
            }

    def save(self, path: str) -> None:
        """Write the snapshot atomically: a crash mid-write never leaves a truncated file."""
        with self.lock:
            data = json.dumps(self.snapshot())
        directory = os.path.dirname(os.path.abspath(path))
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".stripe_state.")
        with os.fdopen(handle, "w") as file:
            file.write(data)
        os.replace(temporary, path)

    def load(self, path: str) -> None:
        with open(path) as file:
            data = json.load(file)
        with self.lock:
            self.objects = data["objects"]
            self.meta = data["meta"]
            self.kinds = {}
            for object_id in sorted(self.objects, key=lambda object_id: self.meta[object_id]["seq"]):
                self.kinds.setdefault(self.objects[object_id]["object"], {})[object_id] = None
            self.idempotency = data["idempotency"]
            self.sequence = data["sequence"]
            self.clock.frozen_at = data.get("clock_frozen_at")
