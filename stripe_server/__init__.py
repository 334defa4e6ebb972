"""A local, in-memory, Stripe-compatible HTTP server for development and tests.

The official ``stripe`` SDK talks to it over HTTP exactly as it talks to api.stripe.com; only the
API base URL, the keys and the Stripe.js URL change. See README.md for the behaviour it models.
"""

__version__ = "1.0.0"
