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


def test_on_behalf_of_needs_card_payments_and_is_the_charges_settlement_merchant(connected_account, customer_with_card):
    customer, setup = customer_with_card()
    settled, other = connected_account(), connected_account()
    transfers_only = stripe.Account.create(type="express", capabilities={"transfers": {"requested": True}})
    before = [intent.id for intent in stripe.PaymentIntent.list(limit=100).auto_paging_iter()]
    for on_behalf_of, message in (
        ("acct_nobody", "No such account: 'acct_nobody'"),
        (transfers_only.id, f"The account {transfers_only.id} given as on_behalf_of needs the card_payments"),
        (other.id, "The on_behalf_of account must be the same as transfer_data[destination]."),
    ):
        with pytest.raises(stripe.error.InvalidRequestError) as raised:
            off_session_payment(customer, setup, 4000, settled, 400, on_behalf_of=on_behalf_of)
        assert raised.value.param == "on_behalf_of" and raised.value.user_message.startswith(message)
    with pytest.raises(stripe.error.InvalidRequestError) as raised:
        stripe.SetupIntent.create(customer=customer.id, on_behalf_of=transfers_only.id)
    assert raised.value.param == "on_behalf_of"
    assert [intent.id for intent in stripe.PaymentIntent.list(limit=100).auto_paging_iter()] == before

    intent = off_session_payment(customer, setup, 4000, settled, 400, on_behalf_of=settled.id, expand=["latest_charge"])
    assert (intent.on_behalf_of, intent.latest_charge.on_behalf_of) == (settled.id, settled.id)
    assert stripe.Charge.retrieve(intent.latest_charge.id, expand=["on_behalf_of"]).on_behalf_of.id == settled.id


def test_transfer_data_amount_sends_that_much_and_the_platform_keeps_the_rest(
    fresh, connected_account, customer_with_card
):
    fresh.set_clock(1_900_000_000)
    account = connected_account()
    customer, setup = customer_with_card()
    for extra, param in (
        ({"transfer_data": {"destination": account.id, "amount": 10001}}, "transfer_data[amount]"),
        ({"transfer_data": {"destination": account.id, "amount": 8000}, "application_fee_amount": 100}, None),
    ):
        with pytest.raises(stripe.error.InvalidRequestError) as raised:
            off_session_payment(customer, setup, 10000, **extra)
        assert raised.value.param == (param or "application_fee_amount")
    intent = off_session_payment(
        customer, setup, 10000, transfer_data={"destination": account.id, "amount": 8000}, capture_method="manual"
    )
    captured = stripe.PaymentIntent.capture(intent.id, amount_to_capture=9000, expand=["latest_charge.transfer"])
    transfer = captured.latest_charge.transfer
    assert (transfer.amount, transfer.destination, captured.latest_charge.application_fee) == (8000, account.id, None)
    fresh.advance(2 * DAY)
    assert stripe.Balance.retrieve(stripe_account=account.id).available[0].amount == 8000
    # The platform keeps what it did not transfer, less Stripe's fee on what it captured.
    assert stripe.Balance.retrieve().available[0].amount == 9000 - 291 - 8000


def test_login_links_open_the_express_dashboard_once_onboarded(connected_account):
    pending = connected_account(enabled=False)
    with pytest.raises(stripe.error.InvalidRequestError) as raised:
        stripe.Account.create_login_link(pending.id)
    assert raised.value.user_message == "Cannot create a login link for an account that has not completed onboarding."
    account = connected_account()
    link = stripe.Account.create_login_link(account.id)
    assert (link.object, set(link.to_dict())) == ("login_link", {"object", "created", "url"})
    page = urllib.request.urlopen(link.url).read().decode()
    assert "Express dashboard" in page and account.id in page
    with pytest.raises(stripe.error.InvalidRequestError) as missing:
        stripe.Account.create_login_link("acct_nobody")
    assert missing.value.http_status == 404


def test_application_fee_refunds_move_the_fee_back_to_the_account(fresh, connected_account, customer_with_card):
    fresh.set_clock(1_900_000_000)
    account = connected_account()
    customer, setup = customer_with_card()
    intent = off_session_payment(customer, setup, 10000, account, 1500, expand=["latest_charge"])
    fee_id = intent.latest_charge.application_fee
    fresh.advance(2 * DAY)
    platform, connected = (
        stripe.Balance.retrieve().available[0].amount,
        stripe.Balance.retrieve(stripe_account=account.id).available[0].amount,
    )
    first = stripe.ApplicationFee.create_refund(fee_id, amount=500, metadata={"why": "goodwill"})
    assert (first.object, first.amount, first.fee, first.metadata.to_dict()) == (
        "fee_refund",
        500,
        fee_id,
        {"why": "goodwill"},
    )
    fee = stripe.ApplicationFee.retrieve(fee_id)
    assert (fee.amount_refunded, fee.refunded) == (500, False)
    with pytest.raises(stripe.error.InvalidRequestError) as raised:
        stripe.ApplicationFee.create_refund(fee_id, amount=1001)
    assert (raised.value.code, raised.value.param) == ("amount_too_large", "amount")
    rest = stripe.ApplicationFee.create_refund(fee_id)
    assert rest.amount == 1000
    assert stripe.ApplicationFee.retrieve(fee_id).refunded is True
    assert [r.id for r in stripe.ApplicationFee.list_refunds(fee_id)] == [rest.id, first.id]
    assert stripe.Balance.retrieve().available[0].amount == platform - 1500
    assert stripe.Balance.retrieve(stripe_account=account.id).available[0].amount == connected + 1500
    refunded = [e for e in stripe.Event.list(type="application_fee.refunded", limit=10)]
    assert [e.data.object.amount_refunded for e in refunded] == [1500, 500]


def test_account_links_expire_by_the_server_clock(fresh, connected_account):
    fresh.set_clock(1_900_000_000)
    account = connected_account(enabled=False)
    link = stripe.AccountLink.create(
        account=account.id,
        type="account_onboarding",
        refresh_url="http://127.0.0.1:1/refresh",
        return_url="http://127.0.0.1:1/return",
    )
    assert link.expires_at == 1_900_000_000 + 300
    opener = urllib.request.build_opener(NoRedirect)
    fresh.advance(300)  # the last second it is valid
    assert "Complete onboarding" in opener.open(link.url).read().decode()
    fresh.advance(1)
    for data in (None, urllib.parse.urlencode({"action": "complete"}).encode()):
        with pytest.raises(urllib.error.HTTPError) as expired:
            opener.open(link.url, data=data)
        assert (expired.value.code, expired.value.headers["Location"]) == (303, "http://127.0.0.1:1/refresh")
    assert stripe.Account.retrieve(account.id).details_submitted is False  # the expired link did nothing
