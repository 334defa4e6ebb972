"""Signed webhook delivery on a background thread, with retries and test switches.

Stripe signs ``"<t>.<payload>"`` with HMAC-SHA256 under the endpoint's secret and sends
``Stripe-Signature: t=<t>,v1=<hex>``; ``t`` here is the server clock, so tests that pin time
days ahead still verify. A receiver that answers non-2xx, or cannot be reached, is retried with
exponential backoff (``retry_base_seconds`` doubling, ``max_attempts`` in all). Every attempt is
recorded for ``GET /_local/deliveries``. ``shuffle`` delivers queued events in random order and
``duplicate`` sends each one twice, so a receiver's idempotence and ordering can be tested.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import threading
import time
import urllib.error
import urllib.request

from .store import Store


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


class Dispatcher:
    def __init__(self, store: Store, *, retry_base_seconds: float = 0.2, max_attempts: int = 5, timeout: float = 5.0):
        self.store = store
        self.config = {
            "retry_base_seconds": retry_base_seconds,
            "max_attempts": max_attempts,
            "timeout": timeout,
            "shuffle": False,
            "duplicate": False,
        }
        # What reset() goes back to: the command line's retry settings, with the switches off.
        self.defaults = dict(self.config)
        # Endpoints given on the command line receive every event, platform and Connect alike;
        # those added through /_local/webhooks/config (tests) do too, until the next reset.
        self.static_endpoints: list[dict] = []
        self.added_endpoints: list[dict] = []
        self.pending: list[dict] = []
        self.in_flight = 0
        self.attempts: list[dict] = []
        self.condition = threading.Condition()
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name="webhooks", daemon=True)
        store.on_event = self.enqueue

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        with self.condition:
            self.stopping = True
            self.condition.notify_all()

    def reset(self) -> None:
        with self.condition:
            self.pending.clear()
            self.attempts.clear()
            self.added_endpoints.clear()
            self.config.update(self.defaults)

    def add_endpoint(self, url: str, secret: str) -> None:
        """A receiver of every event until the next reset; adding a URL again replaces its secret."""
        with self.condition:
            self.added_endpoints = [e for e in self.added_endpoints if e["url"] != url]
            self.added_endpoints.append({"url": url, "secret": secret})

    # -- producing -------------------------------------------------------------------------
    def _endpoints_for(self, event: dict) -> list[dict]:
        connect_event = "account" in event
        targets = [dict(endpoint, id="cli") for endpoint in self.static_endpoints + self.added_endpoints]
        for endpoint in self.store.find("webhook_endpoint"):
            private = self.store.private(endpoint["id"])
            if (
                endpoint.get("deleted")
                or endpoint["status"] != "enabled"
                or private.get("connect", False) != connect_event
            ):
                continue
            if "*" in endpoint["enabled_events"] or event["type"] in endpoint["enabled_events"]:
                targets.append({"id": endpoint["id"], "url": endpoint["url"], "secret": private["secret"]})
        return targets

    def enqueue(self, event: dict) -> None:
        """Called with the store lock held, once per event; the payload is frozen now."""
        payload = json.dumps(event, indent=2).encode()
        with self.condition:
            for endpoint in self._endpoints_for(event):
                self.pending.append(
                    {
                        "event": event["id"],
                        "type": event["type"],
                        "endpoint": endpoint["id"],
                        "url": endpoint["url"],
                        "secret": endpoint["secret"],
                        "payload": payload,
                        "attempt": 0,
                        "due": time.monotonic(),
                    }
                )
            self.condition.notify_all()

    # -- consuming -------------------------------------------------------------------------
    def _take(self) -> list[dict]:
        with self.condition:
            while not self.stopping:
                now = time.monotonic()
                due = [item for item in self.pending if item["due"] <= now]
                if due:
                    if self.config["shuffle"]:
                        # Give the rest of a burst a moment to arrive so there is something to reorder.
                        self.condition.wait(0.05)
                        due = [item for item in self.pending if item["due"] <= time.monotonic()]
                        random.shuffle(due)
                    else:
                        due = due[:1]
                    for item in due:
                        self.pending.remove(item)
                    self.in_flight += len(due)
                    return due
                next_due = min((item["due"] for item in self.pending), default=None)
                self.condition.wait(None if next_due is None else max(0.0, next_due - now))
            return []

    def _run(self) -> None:
        while not self.stopping:
            batch = self._take()
            for item in batch:
                try:
                    self._deliver(item)
                finally:
                    with self.condition:
                        self.in_flight -= 1
                        self.condition.notify_all()

    def _send(self, item: dict) -> tuple[int | None, str | None]:
        timestamp = self.store.now()
        # Endpoint URLs are checked to be http(s) when registered (API and command line).
        request = urllib.request.Request(  # noqa: S310
            item["url"],
            data=item["payload"],
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": sign(item["payload"], item["secret"], timestamp),
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.config["timeout"]) as response:  # noqa: S310
                return response.status, None
        except urllib.error.HTTPError as error:
            return error.code, None
        except (OSError, ValueError) as error:
            return None, str(error)

    def _deliver(self, item: dict) -> None:
        item["attempt"] += 1
        started = time.monotonic()
        status, error = self._send(item)
        ok = status is not None and 200 <= status < 300
        self._record(item, status, error, started)
        if ok and self.config["duplicate"]:
            self._record(item, *self._send(item), time.monotonic(), duplicate=True)
        if ok or item["attempt"] >= self.config["max_attempts"]:
            return
        delay = self.config["retry_base_seconds"] * 2 ** (item["attempt"] - 1)
        with self.condition:
            item["due"] = time.monotonic() + delay
            self.pending.append(item)
            self.condition.notify_all()

    def _record(self, item: dict, status, error, started: float, *, duplicate: bool = False) -> None:
        with self.condition:
            self.attempts.append(
                {
                    "event": item["event"],
                    "type": item["type"],
                    "endpoint": item["endpoint"],
                    "url": item["url"],
                    "attempt": item["attempt"],
                    "status": status,
                    "error": error,
                    "succeeded": status is not None and 200 <= status < 300,
                    "duplicate": duplicate,
                    "created": self.store.now(),
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                }
            )

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until nothing is queued, waiting to retry, or being sent."""
        deadline = time.monotonic() + timeout
        with self.condition:
            while self.pending or self.in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.condition.wait(remaining)
        return True
