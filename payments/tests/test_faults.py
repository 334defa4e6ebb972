"""Reschedules, declines that need the student, Stripe down or slow, a job killed halfway, and
two sweeps racing — each ending with the ledger reconciled against the local Stripe server."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse

from bookings.services import booking_reschedule
from notifications.models import OutboundMessage
from payments import stripe_client
from payments.models import LedgerEntry, Payment
from payments.services import checkout_prepare, payment_authorize_now
from payments.services.lifecycle import payments_run_due
from payments.stripe_client import ProviderUnavailable
from payments.tests.helpers import (
    assert_reconciled,
    at,
    authorized_far_ahead,
    book_and_pay,
    browser_confirms,
    instructor_offer,
    ledger,
    race,
    start_booking,
)


def _intents() -> int:
    return len(stripe_client.call("payment_intents", "list", params={"limit": 100}).data)


@pytest.mark.django_db
def test_reschedule_inside_24h_keeps_the_authorization(local_stripe, now, django_capture_on_commit_callbacks):
    booking, payment, _ = authorized_far_ahead(local_stripe, now=now)
    moved_at = at(local_stripe, booking.lesson_starts_at - timedelta(hours=20))
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_reschedule(
            booking=booking,
            user=booking.student,
            new_starts_at=booking.lesson_starts_at + timedelta(hours=2),
            now=moved_at,
        )
    payment.refresh_from_db()
    assert (payment.status, payment.capture_due_at) == ("authorized", booking.lesson_ends_at + timedelta(hours=24))
    assert ledger(payment) == [("authorization", 10080)] and _intents() == 1
    assert_reconciled()


@pytest.mark.django_db
def test_reschedule_past_the_authorizations_validity_authorizes_again(
    local_stripe, now, django_capture_on_commit_callbacks
):
    booking, payment, t24 = authorized_far_ahead(local_stripe, now=now)
    first_intent = payment.payment_intent_id
    # Moved (more than 24 h ahead) to a week later: the authorization would lapse before capture.
    moved_at = at(local_stripe, t24 - timedelta(hours=2))
    new_start = booking.lesson_starts_at + timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_reschedule(booking=booking, user=booking.student, new_starts_at=new_start, now=moved_at)
    payment.refresh_from_db()
    assert (payment.status, payment.payment_intent_id, payment.authorize_due_at) == (
        "card_saved",
        "",
        new_start - timedelta(hours=24),
    )
    assert stripe_client.call("payment_intents", "retrieve", first_intent).status == "canceled"
    payments_run_due(now=at(local_stripe, new_start - timedelta(hours=24)))
    payment.refresh_from_db()
    assert payment.status == "authorized" and payment.payment_intent_id != first_intent
    assert ledger(payment) == [("authorization", 10080), ("release", 10080), ("authorization", 10080)]
    assert_reconciled()


@pytest.mark.django_db
def test_authentication_required_is_not_retried_the_student_fixes_the_card(
    client, local_stripe, now, django_capture_on_commit_callbacks
):
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    booking = start_booking(offer=offer, starts_at=now + timedelta(days=3), now=now)
    step = checkout_prepare(booking=booking, user=booking.student, now=now)
    # The card asks for 3-D Secure at set-up (done in the page) and on every later payment.
    intent = browser_confirms(step, "pm_card_authenticationRequired")
    local_stripe.authenticate(intent.id, "complete")
    from payments.services import checkout_finish

    payment = checkout_finish(booking=booking, user=booking.student, now=now)
    assert payment.status == "card_saved"
    starts = booking.lesson_starts_at
    with django_capture_on_commit_callbacks(execute=True):
        payments_run_due(now=at(local_stripe, starts - timedelta(hours=24)))
        payments_run_due(now=at(local_stripe, starts - timedelta(hours=22)))
        payments_run_due(now=at(local_stripe, starts - timedelta(hours=20)))
    payment.refresh_from_db()
    assert (payment.status, payment.authorization_attempts, payment.needs_student_action) == (
        "authorization_failed",
        1,
        True,
    )
    assert payment.last_decline_code == "authentication_required" and payment.authorize_due_at is None
    assert OutboundMessage.objects.filter(subject__startswith="Action needed").count() == 1
    _student_fixes_the_card(client, local_stripe, payment, now=starts - timedelta(hours=19))
    assert [kind for kind, _ in ledger(payment)] == ["authorization_failed", "authorization"]
    assert_reconciled()


def _student_fixes_the_card(client, server, payment, *, now):
    """The student adds a card that works and authorizes from the fix-card page."""
    from payments.services import card_record

    student = payment.student
    visa = stripe_client.call(
        "payment_methods", "attach", "pm_card_visa", params={"customer": student.stripe_customer.customer_id}
    )
    good = card_record(user=student, payment_method_id=visa.id, now=now)
    client.force_login(student)
    at(server, now)
    response = client.post(reverse("payments_fix_card", args=[payment.public_id]), {"card": good.public_id})
    assert response.status_code == 302
    payment.refresh_from_db()
    assert (payment.status, payment.payment_method_id, payment.needs_student_action) == ("authorized", visa.id, False)


def _card_expiring_end_of_march_2031() -> str:
    method = stripe_client.call(
        "payment_methods",
        "create",
        params={"type": "card", "card": {"number": "4242424242424242", "exp_month": 3, "exp_year": 2031, "cvc": "1"}},
    )
    return method.id


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("card", "decline_code", "days_ahead"),
    [
        # LOCAL-ONLY test card: saves fine, then every charge is a lost_card hard decline.
        ("pm_card_local_chargeCustomerFailLostCard", "lost_card", 3),
        # Valid when saved on 4 March; by the T−24 h authorization (1 April) it has expired.
        (_card_expiring_end_of_march_2031, "expired_card", 29),
    ],
)
def test_hard_decline_or_expired_card_at_t_minus_24h_is_not_retried_the_student_must_act(
    client, local_stripe, now, django_capture_on_commit_callbacks, card, decline_code, days_ahead
):
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    card = card() if callable(card) else card
    booking, payment = book_and_pay(
        local_stripe, offer=offer, starts_at=now + timedelta(days=days_ahead), now=now, card=card
    )
    assert payment.status == "card_saved"
    starts = booking.lesson_starts_at
    for lead in (24, 22, 20, 18):
        with django_capture_on_commit_callbacks(execute=True):
            payments_run_due(now=at(local_stripe, starts - timedelta(hours=lead)))
    payment.refresh_from_db()
    assert (payment.status, payment.authorization_attempts, payment.needs_student_action) == (
        "authorization_failed",
        1,
        True,
    )
    assert (payment.last_decline_code, payment.authorize_due_at) == (decline_code, None)
    assert ledger(payment) == [("authorization_failed", 10080)]
    assert _intents() == 1  # one attempt on Stripe, no blind retries
    email = OutboundMessage.objects.get(to=booking.student.email, subject__startswith="Action needed")
    assert reverse("payments_fix_card", args=[payment.public_id]) in email.body

    _student_fixes_the_card(client, local_stripe, payment, now=starts - timedelta(hours=17))
    assert [kind for kind, _ in ledger(payment)] == ["authorization_failed", "authorization"]
    # Fixed in time: the T−6 h sweep leaves the booking alone.
    assert payments_run_due(now=at(local_stripe, starts - timedelta(hours=6)))["auto_cancelled"] == 0
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert_reconciled()


@pytest.mark.django_db(transaction=True)
def test_fixing_the_card_waits_for_a_webhook_holding_the_payment_and_authorizes(local_stripe, now):
    """A webhook (or a sweep) may hold the payment's row when the student presses "Authorize
    now": the attempt waits for the row and asks the bank. (It used to commit the card choice,
    then re-lock with SKIP LOCKED; a webhook taking the row in between made the page say
    "declined too" without calling Stripe: seen in the browser test.)"""
    from payments.services import card_record

    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    booking, payment = book_and_pay(
        local_stripe,
        offer=offer,
        starts_at=now + timedelta(days=3),
        now=now,
        card="pm_card_local_chargeCustomerFailLostCard",
    )
    starts = booking.lesson_starts_at
    payments_run_due(now=at(local_stripe, starts - timedelta(hours=24)))
    payment.refresh_from_db()
    assert (payment.status, payment.needs_student_action) == ("authorization_failed", True)
    student = payment.student
    visa = stripe_client.call(
        "payment_methods", "attach", "pm_card_visa", params={"customer": student.stripe_customer.customer_id}
    )
    good = card_record(user=student, payment_method_id=visa.id, now=now)

    locked, release = threading.Event(), threading.Event()

    def hold_the_row():
        from django.db import transaction

        try:
            with transaction.atomic():
                Payment.objects.select_for_update().get(pk=payment.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    assert locked.wait(10)
    threading.Timer(0.5, release.set).start()
    when = at(local_stripe, starts - timedelta(hours=20))
    fixed = payment_authorize_now(payment=payment, user=student, payment_method_id=good.payment_method_id, now=when)
    holder.join()
    assert (fixed.status, fixed.payment_method_id, fixed.authorization_attempts) == ("authorized", visa.id, 2)
    assert [kind for kind, _ in ledger(payment)] == ["authorization_failed", "authorization"]
    assert _intents() == 2
    assert_reconciled()


@pytest.mark.django_db
def test_someone_else_cannot_use_the_fix_card_page(client, local_stripe, now):
    from accounts.tests.factories import student

    at(local_stripe, now)
    booking, payment = book_and_pay(
        local_stripe, offer=instructor_offer(local_stripe, now=now), starts_at=now + timedelta(days=3), now=now
    )
    stranger = student()
    stranger_card = stranger.saved_cards.create(
        payment_method_id="pm_stranger", brand="visa", last4="4242", exp_month=12, exp_year=2034, created_at=now
    )
    client.force_login(stranger)
    url = reverse("payments_fix_card", args=[payment.public_id])
    assert client.get(url).status_code == 404
    assert client.post(url, {"card": stranger_card.public_id}).status_code == 404
    # An address elsewhere is not followed after saving a card.
    cards = client.get(reverse("payments_cards") + "?next=https://evil.example/").content.decode()
    assert 'name="next"' not in cards and "evil.example" not in cards
    with pytest.raises(Exception, match="not your payment"):
        payment_authorize_now(payment=payment, user=student(), payment_method_id="pm_card_visa", now=now)
    payment.refresh_from_db()
    assert payment.status == "card_saved" and _intents() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("trouble", ["down", "slow"])
def test_stripe_down_or_slow_gives_a_clear_message_and_changes_nothing(
    client, local_stripe, now, settings, silent_server, trouble
):
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    booking, payment = book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(days=3), now=now)
    other = start_booking(offer=offer, starts_at=now + timedelta(hours=5), now=now)
    working = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9" if trouble == "down" else silent_server
    settings.STRIPE_TIMEOUT_SECONDS = 0.5
    t24 = booking.lesson_starts_at - timedelta(hours=24)
    assert payments_run_due(now=t24)["authorized"] == 0
    payment.refresh_from_db()
    assert (payment.status, payment.authorization_attempts, payment.authorize_due_at) == ("card_saved", 0, t24)
    with pytest.raises(ProviderUnavailable, match="Nothing was charged"):
        checkout_prepare(booking=other, user=other.student, now=now)
    client.force_login(other.student)
    page = client.get(reverse("payments_checkout", args=[other.public_id]), follow=True).content.decode()
    assert "Payments are unavailable right now. Nothing was charged; please try again in a minute." in page
    assert not Payment.objects.filter(booking=other).exists() and not LedgerEntry.objects.exists()

    # Stripe is back: the next run does the work, once.
    settings.STRIPE_API_BASE = working
    assert payments_run_due(now=at(local_stripe, t24 + timedelta(minutes=5)))["authorized"] == 1
    assert _intents() == 1
    assert_reconciled()


@pytest.mark.django_db
def test_a_job_killed_between_the_stripe_call_and_our_write_completes_without_a_second_charge(
    local_stripe, now, monkeypatch
):
    from payments.services import lifecycle

    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    booking, payment = book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(days=3), now=now)
    t24 = at(local_stripe, booking.lesson_starts_at - timedelta(hours=24))
    record = lifecycle._record_authorization

    def crash(*args, **kwargs):
        raise SystemExit("worker killed")  # Stripe authorized; our transaction never commits

    monkeypatch.setattr(lifecycle, "_record_authorization", crash)
    with pytest.raises(SystemExit):
        payments_run_due(now=t24)
    payment.refresh_from_db()
    assert (payment.status, payment.authorization_attempts, payment.payment_intent_id) == ("card_saved", 0, "")
    assert _intents() == 1  # Stripe did authorize

    monkeypatch.setattr(lifecycle, "_record_authorization", record)
    assert payments_run_due(now=t24 + timedelta(minutes=1))["authorized"] == 1
    payment.refresh_from_db()
    assert payment.status == "authorized"
    assert _intents() == 1  # the retry replayed the same idempotency key
    assert ledger(payment) == [("authorization", 10080)]
    assert_reconciled()


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_racing_authorize_each_payment_once(local_stripe, now):
    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    for hour in (0, 2, 4):
        book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(days=3, hours=hour), now=now)
    when = at(local_stripe, now + timedelta(days=2, hours=5))  # T−19 h, T−21 h and T−23 h
    results, errors = race(lambda: payments_run_due(now=when)["authorized"])
    assert errors == [] and sum(results) == 3
    assert sorted(Payment.objects.values_list("status", flat=True)) == ["authorized"] * 3
    assert _intents() == 3
    assert LedgerEntry.objects.filter(kind="authorization").count() == 3
    assert_reconciled()


@pytest.mark.django_db(transaction=True)
def test_two_auto_cancel_sweeps_racing_cancel_each_booking_once(local_stripe, now):
    from bookings.models import Booking, BookingEvent
    from notifications.models import Notification
    from payments.services.lifecycle import payments_auto_cancel_due

    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    starts = [now + timedelta(days=3, hours=hour) for hour in (0, 2, 4)]
    for lesson_start in starts:
        # Saves fine; every charge is then a hard decline, so only the student could fix it.
        book_and_pay(
            local_stripe, offer=offer, starts_at=lesson_start, now=now, card="pm_card_local_chargeCustomerFailLostCard"
        )
    payments_run_due(now=at(local_stripe, now + timedelta(days=2, hours=5)))
    assert sorted(Payment.objects.values_list("status", "needs_student_action")) == [("authorization_failed", True)] * 3
    when = at(local_stripe, starts[-1] - timedelta(hours=6))  # T−6 h of the last, later for the others
    results, errors = race(lambda: payments_auto_cancel_due(now=when))
    assert errors == [] and sum(results) == 3
    assert (
        sorted(Booking.objects.values_list("status", "cancelled_by", "cancellation_window"))
        == [("cancelled", "student", "under_12h")] * 3
    )
    assert BookingEvent.objects.filter(kind="cancelled").count() == 3
    assert sorted(Payment.objects.values_list("status", flat=True)) == ["canceled"] * 3
    # Each side told once per booking, by email and in the app.
    assert Notification.objects.filter(kind="booking_cancelled").count() == 6
    assert OutboundMessage.objects.filter(subject__startswith="Lesson cancelled").count() == 6
    # Run again: nothing left to do.
    assert payments_auto_cancel_due(now=when) == 0 and payments_run_due(now=when)["auto_cancelled"] == 0
    assert _intents() == 3  # the three declined authorizations; nothing charged
    assert_reconciled()


@pytest.mark.django_db
def test_one_payment_stripe_refuses_is_recorded_and_the_sweep_goes_on_with_the_others(local_stripe, now, caplog):
    from bookings.services import bookings_complete_finished
    from payments.services.reconcile import payments_reconcile

    at(local_stripe, now)
    offer = instructor_offer(local_stripe, now=now)
    broken, _ = book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(days=3), now=now)
    fine, _ = book_and_pay(local_stripe, offer=offer, starts_at=now + timedelta(days=3, hours=2), now=now)
    payments_run_due(now=at(local_stripe, fine.lesson_starts_at - timedelta(hours=24)))
    poisoned = Payment.objects.get(booking=broken)
    # Someone cancels the authorization on Stripe's side: capturing it is refused from now on.
    stripe_client.call("payment_intents", "cancel", poisoned.payment_intent_id)
    bookings_complete_finished(now=at(local_stripe, fine.lesson_ends_at + timedelta(minutes=1)))

    when = at(local_stripe, fine.lesson_ends_at + timedelta(hours=24))
    assert payments_run_due(now=when) == {
        "released": 0,
        "authorized": 0,
        "auto_cancelled": 0,
        "captured": 1,
        "taken_back": 0,
        "transferred": 1,
    }
    poisoned.refresh_from_db()
    assert poisoned.status == "authorized" and poisoned.attempt == 1
    assert poisoned.sweep_error.startswith("payment_capture: ProviderError: ")
    assert "canceled" in poisoned.sweep_error and poisoned.sweep_error_at == when
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        f"Payment step payment_capture failed for payment {poisoned.pk}"
    ]
    paid = Payment.objects.get(booking=fine)
    assert ledger(paid) == [("authorization", 10080), ("capture", 10080), ("transfer", 7650)]
    assert ledger(poisoned) == [("authorization", 10080)]

    # The next run tries it again with a new key (a real retry, not a replay of the refusal).
    assert payments_run_due(now=when + timedelta(minutes=1))["captured"] == 0
    poisoned.refresh_from_db()
    assert poisoned.attempt == 2 and poisoned.sweep_error.startswith("payment_capture: ProviderError: ")
    # Reconciliation names it for staff.
    assert payments_reconcile() == [
        f"payment {poisoned.public_id} (lesson): ours is authorized, Stripe's PaymentIntent "
        f"{poisoned.payment_intent_id} is canceled"
    ]
