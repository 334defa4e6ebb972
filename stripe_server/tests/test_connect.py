# ruff: noqa: S310 - these tests open the http:// URLs the local server handed out.
"""Connect: Express onboarding through the local page, destination charges, transfers, balances, payouts."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request

import pytest
import stripe

from .conftest import off_session_payment

DAY = 86400


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_onboarding_through_the_account_link_page(connected_account):
    account = connected_account(enabled=False)
    assert (account.charges_enabled, account.payouts_enabled, account.details_submitted) == (False, False, False)
    assert account.capabilities.transfers == "inactive"
    assert "external_account" in account.requirements.currently_due
    link = stripe.AccountLink.create(
        account=account.id,
        type="account_onboarding",
        refresh_url="http://127.0.0.1:1/refresh",
        return_url="http://127.0.0.1:1/return",
    )
    assert link.object == "account_link" and link.expires_at > link.created
    page = urllib.request.urlopen(link.url).read().decode()
    assert "Complete onboarding" in page
    action = re.search(r'action="([^"]+)"', page).group(1)
    opener = urllib.request.build_opener(NoRedirect)
    form = urllib.parse.urlencode({"action": "complete"}).encode()
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(urllib.parse.urljoin(link.url, action), data=form)
    assert redirect.value.code == 303
    assert redirect.value.headers["Location"] == "http://127.0.0.1:1/return"
    account = stripe.Account.retrieve(account.id)
    assert (account.charges_enabled, account.payouts_enabled, account.details_submitted) == (True, True, True)
    assert account.capabilities.to_dict() == {"card_payments": "active", "transfers": "active"}
    assert account.requirements.currently_due == [] and account.requirements.disabled_reason is None
    # A used link sends the person to refresh_url, as Stripe does.
    with pytest.raises(urllib.error.HTTPError) as again:
        opener.open(link.url)
    assert again.value.headers["Location"] == "http://127.0.0.1:1/refresh"


def test_destination_charge_needs_an_enabled_account(connected_account, customer_with_card):
    account = connected_account(enabled=False)
    with pytest.raises(stripe.error.InvalidRequestError) as raised:
        stripe.PaymentIntent.create(amount=1000, currency="usd", transfer_data={"destination": account.id})
    assert raised.value.code == "insufficient_capabilities_for_transfer"


def test_restrict_and_restore(server, connected_account):
    account = connected_account()
    restricted = server.account_action(account.id, "restrict")
    assert (restricted["charges_enabled"], restricted["payouts_enabled"]) == (False, False)
    assert restricted["requirements"]["disabled_reason"] == "requirements.past_due"
    restored = server.account_action(account.id, "restore")
    assert restored["payouts_enabled"] is True and restored["capabilities"]["transfers"] == "active"


def test_destination_charge_with_fee_moves_money_and_refund_reverses_it(fresh, connected_account, customer_with_card):
    fresh.set_clock(1_900_000_000)
    account = connected_account()
    customer, setup = customer_with_card()
    intent = off_session_payment(
        customer,
        setup,
        11200,
        account,
        2700,
        capture_method="manual",
        on_behalf_of=account.id,
        transfer_group="booking-1",
    )
    intent = stripe.PaymentIntent.capture(intent.id, expand=["latest_charge.balance_transaction"])
    charge = intent.latest_charge
    assert charge.balance_transaction.amount == 11200
    assert charge.balance_transaction.fee == 355  # 2.9% + 30¢
    transfer = stripe.Transfer.retrieve(charge.transfer)
    assert (transfer.amount, transfer.destination, transfer.source_transaction) == (11200, account.id, charge.id)
    fee = stripe.ApplicationFee.retrieve(charge.application_fee)
    assert (fee.amount, fee.account, fee.charge) == (2700, account.id, charge.id)
    connected = stripe.Balance.retrieve(stripe_account=account.id)
    assert (connected.pending[0].amount, connected.available[0].amount) == (8500, 0)

    refund = stripe.Refund.create(charge=charge.id, amount=5600, reverse_transfer=True, refund_application_fee=True)
    reversal = stripe.Transfer.retrieve_reversal(transfer.id, refund.transfer_reversal)
    assert (reversal.amount, reversal.source_refund) == (5600, refund.id)
    fee = stripe.ApplicationFee.retrieve(fee.id)
    assert fee.amount_refunded == 1350
    fresh.advance(2 * DAY)
    connected = stripe.Balance.retrieve(stripe_account=account.id)
    assert (connected.available[0].amount, connected.pending[0].amount) == (8500 - 5600 + 1350, 0)
    platform = stripe.Balance.retrieve()
    assert platform.available[0].amount == 11200 - 355 - 11200 + 2700 - 5600 + 5600 - 1350
    refunded_charge = stripe.Charge.retrieve(charge.id)
    assert refunded_charge.amount_refunded == 5600
    with pytest.raises(stripe.error.InvalidRequestError):
        stripe.Refund.create(charge=charge.id, amount=5601, reverse_transfer=True)


def test_separate_transfers_reversals_and_balance_rules(fresh, connected_account, customer_with_card):
    fresh.set_clock(1_900_000_000)
    account = connected_account()
    with pytest.raises(stripe.error.InvalidRequestError) as raised:
        stripe.Transfer.create(amount=1000, currency="usd", destination=account.id)
    assert raised.value.code == "balance_insufficient"
    customer, setup = customer_with_card()
    intent = off_session_payment(customer, setup, 5000)
    transfer = stripe.Transfer.create(
        amount=4000,
        currency="usd",
        destination=account.id,
        source_transaction=intent.latest_charge,
        transfer_group="booking-2",
        metadata={"booking": "2"},
    )
    with pytest.raises(stripe.error.InvalidRequestError):
        stripe.Transfer.create(
            amount=1001, currency="usd", destination=account.id, source_transaction=intent.latest_charge
        )
    partial = stripe.Transfer.create_reversal(transfer.id, amount=1500)
    assert partial.amount == 1500
    rest = stripe.Transfer.create_reversal(transfer.id)
    assert rest.amount == 2500
    transfer = stripe.Transfer.retrieve(transfer.id)
    assert (transfer.amount_reversed, transfer.reversed) == (4000, True)
    assert len(stripe.Transfer.list_reversals(transfer.id).data) == 2
    with pytest.raises(stripe.error.InvalidRequestError):
        stripe.Transfer.create_reversal(transfer.id, amount=1)
    assert [t.id for t in stripe.Transfer.list(transfer_group="booking-2")] == [transfer.id]
    # The platform's own funds, once available, pay a transfer without a source charge.
    fresh.topup(3000)
    assert stripe.Transfer.create(amount=3000, currency="usd", destination=account.id).amount == 3000


def test_standard_and_instant_payouts(fresh, connected_account):
    fresh.set_clock(1_900_000_000)
    account = connected_account()
    fresh.topup(10000)
    stripe.Transfer.create(amount=10000, currency="usd", destination=account.id)
    standard = stripe.Payout.create(amount=6000, currency="usd", stripe_account=account.id)
    assert (standard.status, standard.method, standard.arrival_date) == ("pending", "standard", 1_900_000_000 + 2 * DAY)
    with pytest.raises(stripe.error.InvalidRequestError) as raised:
        stripe.Payout.create(amount=4001, currency="usd", stripe_account=account.id)
    assert raised.value.code == "balance_insufficient"
    instant = stripe.Payout.create(amount=4000, currency="usd", method="instant", stripe_account=account.id)
    assert stripe.Payout.retrieve(instant.id, stripe_account=account.id).status == "paid"
    with pytest.raises(stripe.error.InvalidRequestError):
        stripe.Payout.retrieve(instant.id)  # the platform cannot see the connected account's payouts
    fresh.advance(2 * DAY)
    assert stripe.Payout.retrieve(standard.id, stripe_account=account.id).status == "paid"
    balance = stripe.Balance.retrieve(stripe_account=account.id)
    assert balance.available[0].amount == 0


def test_payout_failure_returns_the_funds(fresh, connected_account):
    account = connected_account()
    fresh.topup(500)
    stripe.Transfer.create(amount=500, currency="usd", destination=account.id)
    payout = stripe.Payout.create(amount=500, currency="usd", stripe_account=account.id)
    failed = fresh.fail_payout(payout.id)
    assert (failed["status"], failed["failure_code"]) == ("failed", "account_closed")
    assert stripe.Balance.retrieve(stripe_account=account.id).available[0].amount == 500


def test_instant_payout_can_draw_on_pending_funds(fresh, connected_account, customer_with_card):
    account = connected_account()
    customer, setup = customer_with_card()
    off_session_payment(customer, setup, 2000, account, 500)
    with pytest.raises(stripe.error.InvalidRequestError):
        stripe.Payout.create(amount=1500, currency="usd", stripe_account=account.id)
    instant = stripe.Payout.create(amount=1500, currency="usd", method="instant", stripe_account=account.id)
    assert instant.method == "instant"


def test_stripe_account_scopes_every_resource_to_that_account(fresh, connected_account, customer_with_card):
    """On behalf of another connected account (Stripe-Account), none of the platform's or the first
    account's objects is visible, and platform-only requests change nothing."""
    paid, other = connected_account(), connected_account()
    customer, setup = customer_with_card()
    intent = off_session_payment(customer, setup, 5000, paid, 500)
    charge = stripe.Charge.retrieve(intent.latest_charge)
    endpoint = stripe.WebhookEndpoint.create(url="http://127.0.0.1:9/hook", enabled_events=["*"])
    as_other = {"stripe_account": other.id}

    for listed in (
        stripe.Transfer.list(**as_other),
        stripe.ApplicationFee.list(**as_other),
        stripe.WebhookEndpoint.list(**as_other),
        stripe.Account.list(**as_other),
        stripe.Customer.list(**as_other),
        stripe.PaymentIntent.list(**as_other),
        stripe.Charge.list(**as_other),
        stripe.Refund.list(**as_other),
    ):
        assert listed.data == [], listed.url
    assert [e.account for e in stripe.Event.list(limit=100, **as_other)] == [other.id]  # its own account.updated
    for retrieve, object_id in (
        (stripe.Transfer.retrieve, charge.transfer),
        (stripe.ApplicationFee.retrieve, charge.application_fee),
        (stripe.WebhookEndpoint.retrieve, endpoint.id),
        (stripe.Account.retrieve, paid.id),
        (stripe.Charge.retrieve, charge.id),
        (stripe.Customer.retrieve, customer.id),
    ):
        with pytest.raises(stripe.error.InvalidRequestError) as raised:
            retrieve(object_id, **as_other)
        assert (raised.value.http_status, raised.value.code) == (404, "resource_missing"), retrieve
    assert stripe.Account.retrieve(other.id, **as_other).id == other.id  # itself

    fresh.topup(10000)
    platform_before, other_before = stripe.Balance.retrieve(), stripe.Balance.retrieve(**as_other)
    transfers_before = [t.id for t in stripe.Transfer.list(limit=100)]
    refused = [
        lambda: stripe.Transfer.create(amount=100, currency="usd", destination=paid.id, **as_other),
        lambda: stripe.WebhookEndpoint.create(url="http://127.0.0.1:9/x", enabled_events=["*"], **as_other),
        lambda: stripe.Account.create(type="express", **as_other),
        lambda: stripe.Account.delete(paid.id, **as_other),
        lambda: stripe.AccountLink.create(
            account=other.id, type="account_onboarding", refresh_url="http://x/r", return_url="http://x/ok", **as_other
        ),
        lambda: stripe.Account.create_login_link(other.id, **as_other),
    ]
    for request in refused:
        with pytest.raises(stripe.error.InvalidRequestError) as raised:
            request()
        assert raised.value.http_status == 400
        assert f"(Stripe-Account: {other.id}) is not modelled" in raised.value.user_message
    assert [t.id for t in stripe.Transfer.list(limit=100)] == transfers_before
    assert [e.id for e in stripe.WebhookEndpoint.list(limit=100)] == [endpoint.id]
    assert sorted(a.id for a in stripe.Account.list(limit=100)) == sorted([paid.id, other.id])
    assert stripe.Balance.retrieve().to_dict() == platform_before.to_dict()
    assert stripe.Balance.retrieve(**as_other).to_dict() == other_before.to_dict()
