"""Instructors' earnings, instant payouts, and a reversal after an instant payout leaving a debt
that the next earnings repay."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.tests.factories import staff
from payments import stripe_client
from payments.models import InstructorDebt, LedgerEntry, Payout
from payments.selectors import ledger_balances
from payments.services import connect_balance_cents, instant_payout_create, payment_refund
from payments.tests.helpers import (
    WEBHOOK_SECRET,
    at,
    completed_lesson,
    instructor_offer,
    ledger,
    post_event,
    server_events,
)

# Every scenario here ends with `reconcile_payments` finding no difference.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ends_reconciled")]


def test_instant_payout_then_a_refund_leaves_a_debt_recovered_from_the_next_earnings(client, local_stripe, now):
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    account = offer.instructor.connect_account.account_id
    booking, first, when = completed_lesson(local_stripe, now=now, offer=offer)
    assert connect_balance_cents(account_id=account) == {"available": 0, "pending": 7650, "instant": 7650}

    payout = instant_payout_create(instructor=offer.instructor, now=when, idempotency_key="p1")
    # 2% of 7650 = 153 back to the platform; 7497 to the bank now.
    assert (payout.amount_cents, payout.fee_cents, payout.method) == (7497, 153, "instant")
    assert instant_payout_create(instructor=offer.instructor, now=when, idempotency_key="p1").pk == payout.pk
    assert connect_balance_cents(account_id=account)["instant"] == 0
    server_payout = stripe_client.call("payouts", "retrieve", payout.payout_id, account=account)
    assert (server_payout.amount, server_payout.method) == (7497, "instant")
    assert list(LedgerEntry.objects.filter(kind__in=["payout", "payout_fee"]).values_list("kind", "amount_cents")) == [
        ("payout_fee", 153),
        ("payout", 7497),
    ]

    # Staff refund the whole lesson; the money already left the instructor's account: a debt.
    payment_refund(payment=first, amount_cents=10080, reason="Instructor never came", staff_user=staff(), now=when)
    debt = InstructorDebt.objects.get()
    assert (debt.amount_cents, debt.recovered_cents) == (7650, 0)
    assert ledger_balances(instructor=offer.instructor).instructor_debt_cents == 7650
    assert ledger_balances(instructor=offer.instructor).instructor_stripe_balance_cents == 0
    client.force_login(offer.instructor.user)
    page = client.get(reverse("payments_earnings")).content.decode()
    assert "Owed back (taken from your next earnings)</p><p><strong>$76.50</strong>" in page
    assert ledger(first)[-2:] == [("refund", 10080), ("debt", 7650)]

    # The next lesson's 7650 repays the debt; nothing is transferred for it; the third is paid.
    later = when + timedelta(hours=1)
    _, second, when2 = completed_lesson(local_stripe, now=at(local_stripe, later), offer=offer)
    debt.refresh_from_db()
    assert debt.recovered_cents == 7650
    assert ledger(second)[-1] == ("debt_recovered", 7650)
    assert not LedgerEntry.objects.filter(payment=second, kind="transfer").exists()
    _, third, _ = completed_lesson(local_stripe, now=at(local_stripe, when2 + timedelta(hours=1)), offer=offer)
    assert ledger(third)[-1] == ("transfer", 7650)
    transfers = stripe_client.call("transfers", "list", params={"destination": account, "limit": 10}).data
    assert sorted(t.amount for t in transfers) == [7650, 7650]

    # Balances derive from the ledger alone and agree with the rows and with Stripe.
    balances = ledger_balances(instructor=offer.instructor)
    stripe_balance = connect_balance_cents(account_id=account)
    assert balances.instructor_stripe_balance_cents == stripe_balance["available"] + stripe_balance["pending"] == 7650
    assert (balances.to_instructor_cents, balances.instructor_debt_cents) == (7650 + 7650, 0)
    assert ledger_balances(booking=first.booking).charged_cents == 0  # charged 10080, refunded 10080
    assert ledger_balances(booking=second.booking).charged_cents == 10080
    assert ledger_balances(student=first.student).charged_cents == 0


def _instant_payouts_on_stripe(account) -> list[tuple[int, str]]:
    return [(p.amount, p.method) for p in stripe_client.call("payouts", "list", account=account).data]


def _fees_reversed(account) -> int:
    return sum(t.amount_reversed for t in stripe_client.call("transfers", "list", params={"destination": account}).data)


def test_an_instant_payout_cut_short_by_a_slow_stripe_takes_the_fee_once_when_pressed_again(
    client, local_stripe, now, settings, stripe_hangs_on
):
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    account = offer.instructor.connect_account.account_id
    completed_lesson(local_stripe, now=now, offer=offer)
    client.force_login(offer.instructor.user)
    page = client.get(reverse("payments_earnings")).content.decode()
    key = page.split('name="key" value="')[1].split('"')[0]

    # Stripe is down: nothing is written, and the page keeps its key.
    working, settings.STRIPE_API_BASE = settings.STRIPE_API_BASE, "http://127.0.0.1:9"
    down = client.post(reverse("payments_earnings"), {"key": key})
    settings.STRIPE_API_BASE = working
    assert down.status_code == 503 and not Payout.objects.exists()

    # The fee is taken, then the payout call times out.
    restore = stripe_hangs_on("payouts", "create")
    slow = client.post(reverse("payments_earnings"), {"key": key})
    assert slow.status_code == 503
    assert "Payments are unavailable right now." in slow.content.decode()
    assert f'name="key" value="{key}"' in slow.content.decode()
    requested = Payout.objects.get()
    assert (requested.status, requested.payout_id, requested.amount_cents, requested.fee_cents) == (
        "requested",
        "",
        7497,
        153,
    )
    assert _fees_reversed(account) == 153 and _instant_payouts_on_stripe(account) == []
    assert list(LedgerEntry.objects.filter(kind__in=["payout", "payout_fee"]).values_list("kind", "amount_cents")) == [
        ("payout_fee", 153)
    ]
    # Another tab's form cannot start a second payout of the same money.
    other = client.post(reverse("payments_earnings"), {"key": "another-tab"})
    assert other.status_code == 422 and "already on its way" in other.content.decode()

    restore()
    again = client.post(reverse("payments_earnings"), {"key": key})
    assert again.status_code == 302
    payout = Payout.objects.get()
    assert (payout.pk, payout.amount_cents, payout.fee_cents, payout.status) == (requested.pk, 7497, 153, "pending")
    assert _instant_payouts_on_stripe(account) == [(7497, "instant")]
    assert _fees_reversed(account) == 153  # not a second time
    assert list(LedgerEntry.objects.filter(kind__in=["payout", "payout_fee"]).values_list("kind", "amount_cents")) == [
        ("payout_fee", 153),
        ("payout", 7497),
    ]


def _instant_payout_cut_short(server, now, stripe_hangs_on, key: str):
    """A lesson paid to the instructor, then an instant payout whose fee was taken and whose
    payout call timed out. Returns (offer, account id, lesson payment, when)."""
    from payments.stripe_client import ProviderUnavailable

    at(server, now)
    offer = instructor_offer(server, now=now)
    _, lesson, when = completed_lesson(server, now=now, offer=offer)
    restore = stripe_hangs_on("payouts", "create")
    with pytest.raises(ProviderUnavailable):
        instant_payout_create(instructor=offer.instructor, now=when, idempotency_key=key)
    restore()
    return offer, offer.instructor.connect_account.account_id, lesson, when


def test_an_instant_payout_nobody_retries_is_finished_by_the_payout_sweep(local_stripe, now, stripe_hangs_on):
    from payments.services.payouts import payouts_standard_due

    _, account, _, when = _instant_payout_cut_short(local_stripe, now, stripe_hangs_on, "gone")
    # Two days on the money is available; the sweep finishes the instant payout, no standard one.
    assert payouts_standard_due(now=at(local_stripe, when + timedelta(days=2))) == 0
    assert _instant_payouts_on_stripe(account) == [(7497, "instant")]
    assert list(Payout.objects.values_list("method", "amount_cents", "status")) == [("instant", 7497, "pending")]
    assert _fees_reversed(account) == 153


def test_an_instant_payout_stripe_refuses_after_the_fee_gives_the_fee_back(local_stripe, now, stripe_hangs_on):
    from django.core.exceptions import ValidationError

    offer, account, lesson, when = _instant_payout_cut_short(local_stripe, now, stripe_hangs_on, "k")
    # Meanwhile staff refund the lesson: the instructor's 7497 left is taken back, nothing to pay out.
    payment_refund(payment=lesson, amount_cents=10080, reason="Never happened", staff_user=staff(), now=when)
    local_stripe.topup(20_000)  # the platform's own money (the refunded charge left its balance short)
    with pytest.raises(ValidationError, match="your fee was given back"):
        instant_payout_create(instructor=offer.instructor, now=when, idempotency_key="k")
    payout = Payout.objects.get()
    assert (payout.status, payout.payout_id) == ("failed", "")
    assert _instant_payouts_on_stripe(account) == []
    fee_back = LedgerEntry.objects.get(kind="transfer", payment=None)
    assert (fee_back.amount_cents, fee_back.instructor) == (153, offer.instructor)
    assert connect_balance_cents(account_id=account)["instant"] == 153
    assert ledger_balances(instructor=offer.instructor).instructor_stripe_balance_cents == 153


def test_instant_payout_with_nothing_to_pay_is_refused(local_stripe, now):
    from django.core.exceptions import ValidationError

    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    with pytest.raises(ValidationError, match="nothing to pay out"):
        instant_payout_create(instructor=offer.instructor, now=now, idempotency_key="p")
    assert not Payout.objects.exists() and not LedgerEntry.objects.exists()


def test_earnings_page_and_csv_are_the_instructors_own(client, local_stripe, now):
    from accounts.tests.factories import instructor_user

    at(local_stripe, now)
    booking, payment, when = completed_lesson(local_stripe, now=now)
    client.force_login(booking.instructor.user)
    page = client.get(reverse("payments_earnings")).content.decode()
    assert "$90.00" in page and "$13.50" in page and "$76.50" in page and "paid" in page
    rows = list(csv.reader(io.StringIO(client.get(reverse("payments_earnings") + "?format=csv").content.decode())))
    assert rows[0] == [
        "lesson_date",
        "service",
        "student",
        "gross_usd",
        "commission_usd",
        "tips_usd",
        "net_usd",
        "status",
    ]
    assert rows[1][3:] == ["90.00", "13.50", "0.00", "76.50", "paid"] and len(rows) == 2

    other = instructor_user()
    from catalog.services import instructor_profile_start

    instructor_profile_start(user=other)
    client.force_login(other)
    assert "No lessons yet." in client.get(reverse("payments_earnings")).content.decode()
    refused = client.post(reverse("payments_earnings"), {"key": "x"})
    assert refused.status_code == 422 and "Set up payouts first." in refused.content.decode()
    assert not Payout.objects.exists()


def test_capture_then_standard_payout_of_the_whole_balance_with_payout_webhooks_in_any_order(
    client, local_stripe, now, settings
):
    from payments.services.payouts import payouts_standard_due

    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    account = offer.instructor.connect_account.account_id
    _, lesson, when = completed_lesson(local_stripe, now=now, offer=offer)
    assert ledger(lesson) == [("authorization", 10080), ("capture", 10080), ("transfer", 7650)]
    # Card funds are pending for two days: nothing to pay out yet.
    assert payouts_standard_due(now=when) == 0
    assert connect_balance_cents(account_id=account)["pending"] == 7650

    payday = at(local_stripe, when + timedelta(days=2))
    assert payouts_standard_due(now=payday) == 1
    assert payouts_standard_due(now=payday) == 0  # twice pays nothing more
    payout = Payout.objects.get()
    assert (payout.method, payout.amount_cents, payout.fee_cents, payout.status) == ("standard", 7650, 0, "pending")
    assert connect_balance_cents(account_id=account) == {"available": 0, "pending": 0, "instant": 0}
    remote = stripe_client.call("payouts", "retrieve", payout.payout_id, account=account)
    assert (remote.amount, remote.method) == (7650, "standard")
    entries = LedgerEntry.objects.filter(instructor=offer.instructor, kind="payout")
    assert list(entries.values_list("amount_cents", "provider_id")) == [(7650, payout.payout_id)]

    # It arrives two days later; Stripe's events come duplicated and `paid` before `created`.
    arrived = at(local_stripe, payday + timedelta(days=2))
    assert stripe_client.call("payouts", "retrieve", payout.payout_id, account=account).status == "paid"
    events = server_events("payout.*", account)
    assert [event["type"] for event in events] == ["payout.created", "payout.paid"]
    for event in reversed(events + events):
        assert post_event(client, event, timestamp=int(arrived.timestamp())).status_code == 200
    payout.refresh_from_db()
    assert payout.status == "paid"
    assert LedgerEntry.objects.filter(kind__in=["payout", "payout_failed"]).count() == 1


def test_a_standard_payout_made_by_a_run_killed_before_our_write_is_recorded_not_repeated(local_stripe, now):
    from payments.services.payouts import payouts_standard_due

    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    account = offer.instructor.connect_account.account_id
    _, _, when = completed_lesson(local_stripe, now=now, offer=offer)
    payday = at(local_stripe, when + timedelta(days=2))
    # The worker paid out on Stripe and died before committing.
    stripe_client.call(
        "payouts",
        "create",
        params={"amount": 7650, "currency": "usd", "method": "standard"},
        key=stripe_client.idempotency_key("standard-payout", offer.instructor.connect_account.pk, 1),
        account=account,
    )
    assert payouts_standard_due(now=payday) == 0
    assert list(Payout.objects.values_list("amount_cents", "method")) == [(7650, "standard")]
    assert len(stripe_client.call("payouts", "list", account=account).data) == 1
    assert LedgerEntry.objects.filter(kind="payout").count() == 1
