"""Start-up time and call latency of the local Stripe server (target: starts < 1 s, calls a few ms).

Prints figures; not part of `make test`.
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import stripe  # noqa: E402

from stripe_server.testing import LocalStripe  # noqa: E402

starts = []
for _ in range(5):
    began = time.perf_counter()
    server = LocalStripe().start()
    starts.append(time.perf_counter() - began)
    server.stop()

server = LocalStripe().start()
stripe.api_key = "sk_test_bench"
stripe.api_base = server.url
calls = []
try:
    for _ in range(50):
        began = time.perf_counter()
        stripe.Customer.create(email="bench@example.com")
        calls.append(time.perf_counter() - began)
finally:
    server.stop()

print(f"start-up: median {statistics.median(starts) * 1000:.0f} ms, max {max(starts) * 1000:.0f} ms (target < 1000 ms)")
calls.sort()
print(
    f"Customer.create: p50 {calls[len(calls) // 2] * 1000:.1f} ms, "
    f"p95 {calls[int(len(calls) * 0.95)] * 1000:.1f} ms over {len(calls)} calls"
)
