"""API resources. Importing this package registers every route in :data:`routing.ROUTES`."""

from . import (  # noqa: F401 - imported for their @route registrations
    balance,
    charges,
    connect,
    customers,
    disputes,
    identity,
    local,
    payment_intents,
    payment_methods,
    setup_intents,
    transfers,
    webhook_endpoints,
)
