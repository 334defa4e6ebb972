"""``python -m stripe_server --port 0``: start the server and print the URL it listens on."""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import sys
import threading

from .app import StripeServer, tick_until
from .resources.local import DISPATCHER
from .store import Store
from .webhooks import Dispatcher


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m stripe_server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback interface to bind (default 127.0.0.1)")
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host other machines can reach (the /_local/ helpers have no authentication)",
    )
    parser.add_argument("--port", type=int, default=12111, help="port; 0 picks a free one (default 12111)")
    parser.add_argument("--state-file", help="load state from this file at start, save it on exit and periodically")
    parser.add_argument("--save-every", type=float, default=5.0, help="seconds between state-file saves")
    parser.add_argument("--webhook", action="append", default=[], help="URL that receives every event (repeatable)")
    parser.add_argument("--webhook-secret", help="signing secret (whsec_...) for --webhook URLs")
    parser.add_argument("--retry-base", type=float, default=0.2, help="first webhook retry delay in seconds")
    parser.add_argument("--max-attempts", type=int, default=5, help="webhook delivery attempts per event")
    return parser.parse_args(argv)


def host_refusal(host: str, allow_remote: bool) -> str | None:
    """Why binding ``host`` is refused, or None: only loopback unless ``--allow-remote``."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False  # a host name could resolve anywhere
    if loopback or allow_remote:
        return None
    return (
        f"--host {host} is not a loopback address: anyone who reaches it could move the clock, reset the "
        "state or read every webhook through /_local/ (no authentication). Bind 127.0.0.1, or pass "
        "--allow-remote if you mean it."
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    refusal = host_refusal(args.host, args.allow_remote)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    if any(not url.startswith(("http://", "https://")) for url in args.webhook):
        print("--webhook URLs must be http:// or https://", file=sys.stderr)
        return 2
    if args.webhook and not (args.webhook_secret or "").startswith("whsec_"):
        print("--webhook needs --webhook-secret whsec_...", file=sys.stderr)
        return 2
    store = Store()
    if args.state_file and os.path.exists(args.state_file):
        store.load(args.state_file)
    dispatcher = Dispatcher(store, retry_base_seconds=args.retry_base, max_attempts=args.max_attempts)
    dispatcher.static_endpoints = [{"url": url, "secret": args.webhook_secret} for url in args.webhook]
    server = StripeServer((args.host, args.port), store=store, dispatcher=dispatcher)
    DISPATCHER["dispatcher"] = dispatcher
    stopped = threading.Event()

    def save() -> None:
        if args.state_file:
            store.save(args.state_file)

    DISPATCHER["save"] = save if args.state_file else None

    def save_periodically() -> None:
        while not stopped.wait(args.save_every):
            save()

    def shutdown(signum, frame):
        # serve_forever must be stopped from another thread than the one running it.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    dispatcher.start()
    threading.Thread(target=tick_until, args=(store, stopped), name="clock", daemon=True).start()
    if args.state_file:
        threading.Thread(target=save_periodically, name="state-saver", daemon=True).start()
    host, port = server.server_address[:2]
    print(f"stripe_server listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        stopped.set()
        dispatcher.stop()
        save()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
