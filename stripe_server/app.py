"""The HTTP layer: Stripe's authentication, parameters, idempotency, errors and CORS."""

from __future__ import annotations

import hashlib
import json
import secrets
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from . import expand, resources, shapes, stripejs  # noqa: F401 - registers the routes
from .errors import StripeError
from .forms import parse_form, validate
from .resources.balance import refresh_statuses, settle_payouts
from .resources.payment_intents import expire_authorizations
from .routing import ROUTES, Ctx, Response
from .store import Store
from .webhooks import Dispatcher

IDEMPOTENCY_TTL = 24 * 3600
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Stripe-Account, Stripe-Version, Idempotency-Key",
    "Access-Control-Max-Age": "600",
}


TICK_SECONDS = 1.0


def tick(store: Store) -> None:
    """Let the clock's consequences happen: lapsed authorizations, arrived payouts, funds available."""
    expire_authorizations(store)
    settle_payouts(store)
    refresh_statuses(store)


def tick_until(store: Store, stopped: threading.Event, every: float = TICK_SECONDS) -> None:
    """Apply what falls due as real time passes even when no request comes (``make run``: an
    authorization lapses, a payout arrives and its webhook goes out on time). Requests and clock
    moves also tick, so tests with a pinned clock see every effect at once."""
    while not stopped.wait(every):
        try:
            with store.lock:
                tick(store)
        except Exception:  # noqa: BLE001 - one bad object must not stop time for the rest
            traceback.print_exc(file=sys.stderr)


class StripeServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, *, store: Store | None = None, dispatcher: Dispatcher | None = None):
        super().__init__(address, Handler)
        self.store = store or Store()
        self.dispatcher = dispatcher or Dispatcher(self.store)


def _api_key(header: str) -> str | None:
    if header.startswith("Bearer "):
        return header[7:].strip()
    if header.startswith("Basic "):
        import base64

        try:
            return base64.b64decode(header[6:]).decode().split(":", 1)[0]
        except ValueError:
            return None
    return None


class Handler(BaseHTTPRequestHandler):
    server: StripeServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without this, Nagle plus delayed ACK adds ~40 ms a call.
    disable_nagle_algorithm = True
    server_version = "stripe_server"

    def log_message(self, format, *args):  # noqa: A002 - BaseHTTPRequestHandler's signature
        pass  # quiet: tests start many requests; errors go to stderr in _fail_internal

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_DELETE(self):
        self._handle("DELETE")

    def do_OPTIONS(self):
        self._send(204, b"", "text/plain", {})

    # -- plumbing --------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str, headers: dict) -> None:
        self.send_response(status)
        for name, value in {**CORS_HEADERS, **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, body: dict, headers: dict | None = None) -> None:
        self._send(status, json.dumps(body, indent=2).encode(), "application/json", headers or {})

    def _read_params(self, query: str) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        if raw and (self.headers.get("Content-Type") or "").startswith("application/json"):
            params = json.loads(raw)
            return {**parse_form(query), **params}
        return parse_form(query + "&" + raw if query and raw else query or raw)

    def _handle(self, method: str) -> None:
        request_id = "req_" + secrets.token_hex(7)
        try:
            url = urlsplit(self.path)
            params = self._read_params(url.query)
            for candidate in ROUTES:
                if candidate.method == method:
                    match = candidate.pattern.match(url.path)
                    if match:
                        break
            else:
                raise StripeError(
                    f"Unrecognized request URL ({method}: {url.path}). Please see https://stripe.com/docs or we can "
                    "help at https://support.stripe.com/.",
                    status=404,
                    saved=False,
                )
            ctx = Ctx(self.server.store, base_url=f"http://{self.headers.get('Host') or '127.0.0.1'}")
            api_key = self._authenticate(ctx, candidate.auth)
            if candidate.schema is not None:
                params = validate(params, candidate.schema, expand=candidate.returns is not None)
            ctx.expand = params.pop("expand", None) or []
            expand.check(candidate.returns, ctx.expand)
            key = self.headers.get("Idempotency-Key") if method == "POST" and url.path.startswith("/v1/") else None
            if candidate.locked:
                with ctx.store.lock:
                    tick(ctx.store)
                    status, body, headers = self._run_idempotent(
                        ctx, api_key, key, method, url.path, params, candidate, match.groupdict()
                    )
            else:
                status, body, headers = 200, candidate.handler(ctx, params, **match.groupdict()), {}
        except StripeError as error:
            status, body, headers = error.status, error.body(), {}
        except Exception:  # noqa: BLE001 - any bug must still answer like Stripe's 500
            traceback.print_exc(file=sys.stderr)
            status, body, headers = 500, StripeError("An unknown error occurred", type="api_error").body(), {}
        headers = {"Request-Id": request_id, **headers}
        if isinstance(body, dict) and self.path.startswith("/v1/"):
            shapes.record(body)
        if isinstance(body, Response):
            self._send(body.status, body.body.encode(), body.content_type, {**headers, **body.headers})
        else:
            self._json(status, body, headers)

    def _authenticate(self, ctx: Ctx, auth: str) -> str | None:
        if auth == "none":
            return None
        key = _api_key(self.headers.get("Authorization") or "")
        if not key:
            raise StripeError(
                "You did not provide an API key. You need to provide your API key in the Authorization header, using "
                "Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
                type="invalid_request_error",
                status=401,
                saved=False,
            )
        if key.startswith("pk_test_") and auth == "publishable":
            ctx.key_kind = "publishable"
        elif key.startswith("pk_test_"):
            raise StripeError(
                "This API call cannot be made with a publishable API key. Please use a secret API key.",
                status=401,
                saved=False,
            )
        elif not key.startswith(("sk_test_", "rk_test_")):
            raise StripeError(
                f"Invalid API Key provided: {key[:8]}{'*' * max(0, len(key) - 12)}{key[-4:]}",
                type="invalid_request_error",
                status=401,
                saved=False,
            )
        account = self.headers.get("Stripe-Account")
        if account:
            found = ctx.store.objects.get(account)
            if not found or found.get("object") != "account" or found.get("deleted"):
                raise StripeError(
                    f"The provided key '{key[:8]}***' does not have access to account '{account}' (or that account "
                    "does not exist). Application access may have been revoked.",
                    type="invalid_request_error",
                    code="account_invalid",
                    status=403,
                    saved=False,
                )
            ctx.account = account
        return key

    def _run_idempotent(self, ctx, api_key, key, method, path, params, candidate, path_args):
        """Stripe's idempotency: the first result for a key is replayed for 24 h (errors included)
        if the parameters match; different parameters under the same key are refused."""
        scope = None
        if key:
            scope = hashlib.sha256(f"{api_key}|{ctx.account}|{key}".encode()).hexdigest()
            fingerprint = hashlib.sha256(
                json.dumps([method, path, params, ctx.expand], sort_keys=True).encode()
            ).hexdigest()
            saved = ctx.store.idempotency.get(scope)
            if saved and saved["expires"] <= ctx.now:
                del ctx.store.idempotency[scope]
                saved = None
            if saved:
                if saved["fingerprint"] != fingerprint:
                    raise StripeError(
                        "Keys for idempotent requests can only be used with the same parameters they were first used "
                        f"with. Try using a key other than '{key}' if you meant to execute a different request.",
                        type="idempotency_error",
                        saved=False,
                    )
                return saved["status"], saved["body"], {"Idempotent-Replayed": "true", "Idempotency-Key": key}
        try:
            status, body = 200, candidate.handler(ctx, params, **path_args)
            if isinstance(body, dict) and body.get("object") == "list":
                # expand paths on lists start with "data." and apply to each item.
                body = ctx.store.render(body, ctx.expand)
        except StripeError as error:
            if not error.saved:
                raise
            status, body = error.status, error.body()
        if scope and not isinstance(body, Response):
            ctx.store.idempotency[scope] = {
                "fingerprint": fingerprint,
                "status": status,
                "body": body,
                "expires": ctx.now + IDEMPOTENCY_TTL,
            }
        return status, body, ({"Idempotency-Key": key} if key else {})
