"""Start the local Stripe server from tests: ``LocalStripe().start()`` runs it as a subprocess.

server = LocalStripe().start()          # free port on 127.0.0.1
stripe.api_base = server.url            # or StripeClient(base_addresses={"api": server.url})
server.set_clock(1_900_000_000); server.advance(86400)
server.flush_webhooks(); server.reset(); server.stop()
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent)


class LocalStripe:
    def __init__(
        self,
        *,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        state_file: str | None = None,
        retry_base: float = 0.2,
        max_attempts: int = 5,
    ):
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.state_file = state_file
        self.retry_base = retry_base
        self.max_attempts = max_attempts
        self.process: subprocess.Popen | None = None
        self.url = ""

    # -- process ---------------------------------------------------------------------------------
    def start(self, port: int = 0, host: str = "127.0.0.1") -> LocalStripe:
        command = [
            sys.executable,
            "-m",
            "stripe_server",
            "--host",
            host,
            "--port",
            str(port),
            "--retry-base",
            str(self.retry_base),
            "--max-attempts",
            str(self.max_attempts),
        ]
        if self.state_file:
            command += ["--state-file", self.state_file]
        if self.webhook_url:
            command += ["--webhook", self.webhook_url, "--webhook-secret", self.webhook_secret or ""]
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [PACKAGE_PARENT, os.environ.get("PYTHONPATH")])),
        }
        # Our own interpreter and module, with arguments built here: nothing untrusted reaches the shell.
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)  # noqa: S603
        line = self.process.stdout.readline()
        if "listening on" not in line:
            self.stop()
            raise RuntimeError(f"stripe_server did not start: {line!r}")
        self.url = line.strip().rsplit(" ", 1)[-1]
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and self.process.stdout:
            self.process.stdout.close()
        self.process = None

    def __enter__(self) -> LocalStripe:
        return self.start() if self.process is None else self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- helpers ---------------------------------------------------------------------------------
    def call(self, method: str, path: str, **params) -> dict:
        """A /_local/ helper (no API key needed). Returns the decoded JSON answer."""
        data = json.dumps(params).encode() if method == "POST" else None
        # self.url is the http:// URL the server printed.
        request = urllib.request.Request(  # noqa: S310
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return json.loads(response.read())

    @property
    def stripejs_url(self) -> str:
        return self.url + "/v3/"

    def clock(self) -> int:
        return self.call("GET", "/_local/clock")["now"]

    def set_clock(self, now: int | float) -> int:
        return self.call("POST", "/_local/clock", now=int(now))["now"]

    def advance(self, seconds: int | float) -> int:
        return self.call("POST", "/_local/clock", advance_seconds=int(seconds))["now"]

    def flush_webhooks(self, timeout: float = 30) -> bool:
        return self.call("POST", "/_local/webhooks/flush", timeout=timeout)["drained"]

    def configure_webhooks(self, **config) -> dict:
        """shuffle, duplicate, retry_base_seconds, max_attempts; or url + secret to add a receiver."""
        return self.call("POST", "/_local/webhooks/config", **config)

    def deliveries(self, **filters) -> list[dict]:
        query = "&".join(f"{key}={value}" for key, value in filters.items())
        return self.call("GET", "/_local/deliveries" + (f"?{query}" if query else ""))["data"]

    def reset(self) -> None:
        self.call("POST", "/_local/reset")

    def authenticate(self, intent_id: str, outcome: str = "complete") -> dict:
        return self.call("POST", f"/_local/intents/{intent_id}/authenticate", outcome=outcome)

    def open_dispute(self, charge_id: str, **params) -> dict:
        return self.call("POST", f"/_local/charges/{charge_id}/dispute", **params)

    def close_dispute(self, dispute_id: str, outcome: str) -> dict:
        return self.call("POST", f"/_local/disputes/{dispute_id}/close", outcome=outcome)

    def account_action(self, account_id: str, action: str, **params) -> dict:
        """action: enable (finish onboarding), restrict, restore."""
        return self.call("POST", f"/_local/accounts/{account_id}/{action}", **params)

    def decide_identity(self, session_id: str, outcome: str) -> dict:
        return self.call("POST", f"/_local/identity/{session_id}", outcome=outcome)

    def fail_payout(self, payout_id: str) -> dict:
        return self.call("POST", f"/_local/payouts/{payout_id}/fail")

    def topup(self, amount: int, account: str | None = None) -> dict:
        return self.call("POST", "/_local/balance/topup", amount=amount, **({"account": account} if account else {}))
