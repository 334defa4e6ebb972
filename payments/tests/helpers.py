"""Scenario helpers: an instructor with a live Connect account, a booking at checkout, and the
browser's side of Stripe.js (confirming an intent with a test card) done through the SDK."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import datetime, timedelta

from django.db import connection
from django.urls import reverse

from accounts.tests.factories import student
from bookings.services import booking_create
from bookings.tests.factories import bookable_offer
from payments import stripe_client
from payments.models import LedgerEntry
from payments.services import checkout_finish, checkout_prepare, connect_account_ensure, connect_account_refresh

_keys = iter(range(10**9))


def at(server, when: datetime) -> datetime:
    """Sets the server's clock, once the webhooks of what happened before are delivered: where
    a live server receives them (browser tests) a late one would otherwise hold rows that the
    next step or the page needs, and be signed with the wrong clock."""
    server.flush_webhooks()
    server.set_clock(when.timestamp())
    return when


def instructor_offer(server, *, now: datetime, connected: bool = True, hours: str = "08:00-20:00", **kwargs):
    offer = bookable_offer(hours=hours, notice=1, **kwargs)
    if connected:
        account = connect_account_ensure(instructor=offer.instructor, now=now)
        server.account_action(account.account_id, "enable")
        connect_account_refresh(instructor=offer.instructor, now=now)
    return offer


def start_booking(*, offer, starts_at: datetime, now: datetime, who=None, duration=60):
    return booking_create(
        student=who or student(),
        offer=offer,
        duration_minutes=duration,
        starts_at=starts_at,
        location_type="online",
        now=now,
        idempotency_key=f"pay-{next(_keys)}",
    )


def browser_confirms(checkout, card: str = "pm_card_visa"):
    """What Stripe.js does in the page: confirm the intent with the card the student typed."""
    resource = "setup_intents" if checkout.intent_kind == "setup" else "payment_intents"
    intent_id = checkout.client_secret.split("_secret_")[0]
    try:
        return stripe_client.call(resource, "confirm", intent_id, params={"payment_method": card})
    except stripe_client.CardError as error:
        return error


def book_and_pay(server, *, offer, starts_at, now, card="pm_card_visa", who=None, duration=60):
    booking = start_booking(offer=offer, starts_at=starts_at, now=now, who=who, duration=duration)
    checkout = checkout_prepare(booking=booking, user=booking.student, now=now)
    if checkout.intent_kind != "none":
        browser_confirms(checkout, card)
    payment = checkout_finish(booking=booking, user=booking.student, now=now + timedelta(seconds=5))
    booking.refresh_from_db()
    return booking, payment


def ledger(payment) -> list[tuple[str, int]]:
    return list(LedgerEntry.objects.filter(payment=payment).order_by("id").values_list("kind", "amount_cents"))


def completed_lesson(server, *, now: datetime, offer=None, who=None, card="pm_card_visa"):
    """A lesson booked three days ahead, authorized, given, captured and paid to the instructor.
    Returns (booking, payment, when) with `when` the capture time (the server's clock is there)."""
    from bookings.services import bookings_complete_finished
    from payments.services.lifecycle import payments_run_due

    # The server's clock first: the card saved next gets its expiry from the server's year.
    at(server, now)
    offer = offer or instructor_offer(server, now=now)
    booking, payment = book_and_pay(server, offer=offer, starts_at=now + timedelta(days=3), now=now, card=card, who=who)
    payments_run_due(now=at(server, booking.lesson_starts_at - timedelta(hours=24)))
    bookings_complete_finished(now=at(server, booking.lesson_ends_at + timedelta(minutes=1)))
    when = at(server, booking.lesson_ends_at + timedelta(hours=24))
    payments_run_due(now=when)
    server.flush_webhooks()
    booking.refresh_from_db()
    payment.refresh_from_db()
    return booking, payment, when


def assert_reconciled() -> None:
    """`manage.py reconcile_payments` finds no difference between the ledger and the server."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    try:
        call_command("reconcile_payments", stdout=out)
    except Exception as error:
        raise AssertionError(f"reconcile_payments: {error}\n{out.getvalue()}") from error
    assert out.getvalue().strip().endswith("No differences."), out.getvalue()


WEBHOOK_SECRET = "whsec_test_payments"  # noqa: S105 (set as STRIPE_WEBHOOK_SECRET by the tests that post events)


def signed(payload: str, timestamp: int, secret: str = WEBHOOK_SECRET) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def post_event(client, event: dict, *, timestamp: int, secret: str = WEBHOOK_SECRET):
    """Delivers `event` to our webhook URL, signed as Stripe signs it."""
    payload = json.dumps(event)
    return client.post(
        reverse("payments_stripe_webhook"),
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signed(payload, timestamp, secret),
    )


def server_events(types: str, account: str = "") -> list[dict]:
    """The local server's events of `types` (`charge.dispute.*`), oldest first."""
    events = stripe_client.call("events", "list", params={"type": types, "limit": 100}, account=account).data
    return [event.to_dict() for event in reversed(events)]


def authorized_far_ahead(server, *, now: datetime):
    """A lesson booked three days ahead with its card authorized by the T−24 h sweep.
    Returns (booking, payment, t24), the server's clock at T−24 h."""
    from payments.services.lifecycle import payments_run_due

    at(server, now)
    offer = instructor_offer(server, now=now)
    booking, payment = book_and_pay(server, offer=offer, starts_at=now + timedelta(days=3), now=now)
    t24 = at(server, booking.lesson_starts_at - timedelta(hours=24))
    payments_run_due(now=t24)
    payment.refresh_from_db()
    assert payment.capture_before == t24 + timedelta(days=7)
    return booking, payment, t24


def lesson_in_review(server, *, now: datetime, kind: str, details: str, reported_after: timedelta):
    """A lesson five hours ahead, authorized at checkout, then a problem the student reports
    `reported_after` the lesson's start. Returns (booking, payment, report)."""
    from bookings.services import problem_report_create

    at(server, now)
    offer = instructor_offer(server, now=now)
    booking, payment = book_and_pay(server, offer=offer, starts_at=now + timedelta(hours=5), now=now)
    report = problem_report_create(
        booking=booking,
        user=booking.student,
        kind=kind,
        details=details,
        now=at(server, booking.lesson_starts_at + reported_after),
    )
    return booking, payment, report


def race(run) -> tuple[list, list]:
    """Runs `run` in two threads (two database connections) released at the same moment;
    returns (their results, their errors). For `django_db(transaction=True)` tests."""
    results, errors, start = [], [], threading.Barrier(2)

    def go():
        try:
            start.wait()
            results.append(run())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=go) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
