"""`manage.py reconcile_payments` prints every difference between the ledger and Stripe."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from payments import stripe_client
from payments.tests.helpers import at, completed_lesson

pytestmark = pytest.mark.django_db


def test_reconcile_prints_each_difference_and_fails(local_stripe, now):
    at(local_stripe, now)
    booking, payment, _ = completed_lesson(local_stripe, now=now)
    out = StringIO()
    call_command("reconcile_payments", stdout=out)
    assert out.getvalue() == "No differences.\n"

    # Money moved on Stripe behind our back (the dashboard, with no webhook delivered).
    stripe_client.call("refunds", "create", params={"charge": payment.charge_id, "amount": 500})
    account = booking.instructor.connect_account.account_id
    transfer = stripe_client.call("transfers", "list", params={"destination": account}).data[0]
    reversal = stripe_client.call("transfers", "reversals.create", transfer.id, params={"amount": 250})
    local_stripe.topup(1000)
    extra = stripe_client.call("transfers", "create", params={"amount": 100, "currency": "usd", "destination": account})
    out = StringIO()
    with pytest.raises(CommandError, match=r"3 difference\(s\)"):
        call_command("reconcile_payments", stdout=out)
    assert sorted(out.getvalue().splitlines()) == sorted(
        [
            f"payment {payment.public_id} (lesson): ledger refunded 0¢, Stripe refunded 500¢",
            f"reversal {reversal.id} of 250¢ on Stripe is not in the ledger",
            f"transfer {extra.id} of 100¢ on Stripe is not in the ledger",
        ]
    )
