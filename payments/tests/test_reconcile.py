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
    refund = stripe_client.call("refunds", "create", params={"charge": payment.charge_id, "amount": 500})
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
            f"refund {refund.id} of 500¢ on Stripe is not in the ledger",
            f"reversal {reversal.id} of 250¢ on Stripe is not in the ledger",
            f"transfer {extra.id} of 100¢ on Stripe is not in the ledger",
        ]
    )


def test_reconcile_finds_money_on_stripe_we_never_recorded(local_stripe, now):
    """A second charge of the same card (say a double submit that bypassed us), an authorization
    still held that none of our payments knows, a dispute whose webhooks never arrived, and a
    payout made from the dashboard: none of them is in our tables, all are reported."""
    from datetime import timedelta

    from payments.services.payouts import connect_balance_cents

    at(local_stripe, now)
    booking, payment, when = completed_lesson(local_stripe, now=now)
    customer = booking.student.stripe_customer.customer_id
    card = payment.payment_method_id

    def charge(capture_method: str):
        return stripe_client.call(
            "payment_intents",
            "create",
            params={
                "amount": 10080,
                "currency": "usd",
                "customer": customer,
                "payment_method": card,
                "confirm": True,
                "off_session": True,
                "capture_method": capture_method,
                "payment_method_types": ["card"],
                "expand": ["latest_charge"],
            },
        )

    double = charge("automatic")
    held = charge("manual")
    dispute = local_stripe.open_dispute(payment.charge_id, amount=10080, reason="duplicate")
    account = booking.instructor.connect_account.account_id
    at(local_stripe, when + timedelta(days=2))
    assert connect_balance_cents(account_id=account)["available"] == 7650
    payout = stripe_client.call(
        "payouts", "create", params={"amount": 7650, "currency": "usd", "method": "standard"}, account=account
    )
    out = StringIO()
    with pytest.raises(CommandError, match=r"4 difference\(s\)"):
        call_command("reconcile_payments", stdout=out)
    assert sorted(out.getvalue().splitlines()) == sorted(
        [
            f"charge {double.latest_charge.id} of 10080¢ (PaymentIntent {double.id}) captured on Stripe is not in the "
            "ledger",
            f"authorization of 10080¢ (PaymentIntent {held.id}) is held on Stripe but is not one of our authorized "
            "payments",
            f"dispute {dispute['id']} of 10080¢ on Stripe is not recorded",
            f"payout {payout.id} of 7650¢ (standard) on Stripe is not ours",
        ]
    )
