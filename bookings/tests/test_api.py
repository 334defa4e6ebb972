"""Partner API: slots in the caller's zone, idempotent booking that confirms only once the card is saved
or authorized through the local Stripe server, own bookings only."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command

from accounts.tests.factories import student
from bookings.models import Booking, BookingEvent, BookingStatus
from bookings.services import booking_confirm_payment_step
from bookings.tests.factories import bookable_offer, confirmed_booking
from payments.models import LedgerEntry, Payment

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)  # 08:00 in New York
STARTS = datetime(2026, 5, 4, 9, tzinfo=NY)


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def slots_url(offer):
    return f"/api/v1/instructors/{offer.instructor.public_id}/slots/"


def booking_body(offer, starts_at=STARTS, **overrides):
    return {
        "instructor": offer.instructor.public_id,
        "service": offer.service.slug,
        "duration": 60,
        "location_type": "online",
        "starts_at": starts_at.isoformat(),
        **overrides,
    }


def test_slots_are_given_in_the_callers_timezone(client):
    offer = bookable_offer(hours="09:00-11:00", notice=1, buffer=0)
    params = {"service": offer.service.slug, "duration": 60, "location_type": "online"}
    response = client.get(
        slots_url(offer), {**params, "start": "2026-05-04", "end": "2026-05-04", "timezone": "Europe/London"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["timezone"] == "Europe/London"
    # 09:00–11:00 New York is 14:00–16:00 London: 60-minute lessons start every 15 minutes until 15:00.
    assert [slot["starts_at"] for slot in body["slots"]] == [
        "2026-05-04T14:00:00+01:00",
        "2026-05-04T14:15:00+01:00",
        "2026-05-04T14:30:00+01:00",
        "2026-05-04T14:45:00+01:00",
        "2026-05-04T15:00:00+01:00",
    ]
    assert body["slots"][-1]["ends_at"] == "2026-05-04T16:00:00+01:00"
    booked = client.get(
        slots_url(offer), {**params, "start": "2026-05-04", "end": "2026-05-04", "timezone": "America/New_York"}
    )
    assert booked.json()["slots"][0]["starts_at"] == "2026-05-04T09:00:00-04:00"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "Unknown timezone “Mars/Olympus”"),
        ({"service": "underwater-basket-weaving"}, "This instructor does not teach that service."),
        ({"duration": "75"}, "is not offered for 75 minutes."),
        ({"location_type": "studio"}, "does not teach that service there."),
        ({"start": "2026-05-04", "end": "2026-06-04"}, "at most 28 days in all."),
        ({"start": "04/05/2026"}, "Give dates as YYYY-MM-DD."),
    ],
)
def test_bad_slot_questions_get_a_clear_message(client, changes, message):
    offer = bookable_offer(notice=1)
    params = {"service": offer.service.slug, "duration": 60, "location_type": "online", **changes}
    response = client.get(slots_url(offer), params)
    assert response.status_code == 400
    assert message in response.json()["detail"]


def book(client, offer, key, **overrides):
    return client.post(
        "/api/v1/bookings/",
        booking_body(offer, **overrides),
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )


def test_create_is_idempotent_by_key(client, local_stripe):
    local_stripe.set_clock(NOW.timestamp())
    offer = bookable_offer(notice=1)
    learner = student()
    client.force_login(learner)
    first = client.post(
        "/api/v1/bookings/",
        booking_body(offer),
        content_type="application/json",
        headers={"Idempotency-Key": "order-77"},
    )
    assert first.status_code == 201
    # The time is held while the student's app confirms the card with Stripe.
    assert (first.json()["status"], first.json()["pending_reason"]) == ("pending", "payment")
    assert first.json()["lesson_price_cents"] == 9000
    assert first.json()["booking_fee_cents"] == 1080
    assert first.json()["checkout"]["intent_kind"] == "setup"
    replay = client.post(
        "/api/v1/bookings/",
        booking_body(offer),
        content_type="application/json",
        headers={"Idempotency-Key": "order-77"},
    )
    assert (replay.status_code, replay.json()) == (201, first.json())
    assert Booking.objects.count() == 1
    # The same key for another time is refused and books nothing.
    other = client.post(
        "/api/v1/bookings/",
        booking_body(offer, starts_at=STARTS + timedelta(hours=3)),
        content_type="application/json",
        headers={"Idempotency-Key": "order-77"},
    )
    assert other.status_code == 409
    assert other.json()["detail"] == "This Idempotency-Key was already used for a different booking."
    assert Booking.objects.count() == 1


def test_create_refuses_bad_input_and_stores_nothing(client):
    offer = bookable_offer(notice=1)
    confirmed_booking(offer=offer, starts_at=STARTS, now=NOW)
    learner = student()
    assert client.post("/api/v1/bookings/", booking_body(offer), content_type="application/json").status_code == 403
    client.force_login(learner)
    no_key = client.post("/api/v1/bookings/", booking_body(offer), content_type="application/json")
    assert no_key.status_code == 400 and "Idempotency-Key" in no_key.json()["detail"]
    taken = client.post(
        "/api/v1/bookings/", booking_body(offer), content_type="application/json", headers={"Idempotency-Key": "a"}
    )
    assert (taken.status_code, taken.json()["detail"]) == (409, "That time was just taken. Please pick another time.")
    nowhere = client.post(
        "/api/v1/bookings/",
        booking_body(
            offer, starts_at=STARTS + timedelta(hours=2), location_type="student_place", address="1 Fake St, Atlantis"
        ),
        content_type="application/json",
        headers={"Idempotency-Key": "b"},
    )
    assert nowhere.status_code == 400 and nowhere.json()["detail"].startswith("We couldn't find that address.")
    assert Booking.objects.filter(student=learner).count() == 0


def test_people_list_and_cancel_only_their_own_bookings(client):
    offer = bookable_offer(notice=1)
    mine = confirmed_booking(offer=offer, starts_at=STARTS, now=NOW)
    theirs = confirmed_booking(offer=bookable_offer(notice=1), starts_at=STARTS, now=NOW)
    client.force_login(mine.student)
    listed = client.get("/api/v1/bookings/").json()
    assert (listed["count"], [row["id"] for row in listed["results"]]) == (1, [mine.public_id])
    refused = client.post(
        f"/api/v1/bookings/{theirs.public_id}/cancel/", {"reason": "mine now"}, content_type="application/json"
    )
    assert refused.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == BookingStatus.CONFIRMED and BookingEvent.objects.filter(booking=theirs).count() == 2

    # The instructor sees the lesson too, and the student cancels it.
    client.force_login(offer.instructor.user)
    assert [row["id"] for row in client.get("/api/v1/bookings/").json()["results"]] == [mine.public_id]
    client.force_login(mine.student)
    done = client.post(
        f"/api/v1/bookings/{mine.public_id}/cancel/", {"reason": "Sick"}, content_type="application/json"
    )
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["cancelled_by"], done.json()["cancellation_reason"]) == (
        "cancelled",
        "student",
        "Sick",
    )
    assert done.json()["cancellation_window"] == "grace"  # within 15 minutes of booking


def _confirm_with_stripe(checkout, card="pm_card_visa"):
    """What the partner app's Stripe SDK does with the client secret."""
    from payments.tests.helpers import browser_confirms

    return browser_confirms(
        SimpleNamespace(intent_kind=checkout["intent_kind"], client_secret=checkout["client_secret"]), card
    )


@pytest.mark.usefixtures("ends_reconciled")
def test_api_booking_confirms_only_once_the_card_is_saved(client, local_stripe):
    local_stripe.set_clock(NOW.timestamp())
    offer = bookable_offer(notice=1)
    learner = student()
    client.force_login(learner)
    created = book(client, offer, "order-1")
    assert created.status_code == 201
    body = created.json()
    booking = Booking.objects.get(public_id=body["id"])
    checkout = body["checkout"]
    assert checkout["intent_kind"] == "setup" and checkout["client_secret"].startswith("seti_")
    assert (checkout["card_cents"], checkout["credit_applied_cents"]) == (10080, 0)
    # 4 May 09:00 New York: authorized 24 h before, charged 24 h after the lesson ends (the caller's zone).
    assert (checkout["authorize_at"], checkout["charge_at"]) == (
        "2026-05-03T09:00:00-04:00",
        "2026-05-05T10:00:00-04:00",
    )
    assert checkout["confirm_url"] == f"/api/v1/bookings/{booking.public_id}/confirm/"

    # Finishing before Stripe confirmed the card changes nothing; neither can the booking service.
    early = client.post(checkout["confirm_url"])
    assert early.status_code == 409 and "not been confirmed yet" in early.json()["detail"]
    with pytest.raises(ValidationError, match="Finish the payment step first"):
        booking_confirm_payment_step(booking=booking, now=NOW)
    booking.refresh_from_db()
    assert (booking.status, booking.payment_confirmed_at) == (BookingStatus.PENDING, None)
    assert Payment.objects.get(booking=booking).status == "awaiting_card"

    _confirm_with_stripe(checkout)
    done = client.post(checkout["confirm_url"])
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["pending_reason"]) == ("confirmed", "")
    payment = Payment.objects.get(booking=booking)
    assert (payment.status, payment.card_cents, payment.authorize_due_at) == (
        "card_saved",
        10080,
        datetime(2026, 5, 3, 13, tzinfo=UTC),
    )
    assert learner.saved_cards.get().last4 == "4242"
    # Again: harmless; and a replay of the creation now shows no payment step.
    assert client.post(checkout["confirm_url"]).json() == done.json()
    assert book(client, offer, "order-1").json()["checkout"] is None
    assert BookingEvent.objects.filter(booking=booking, kind="confirmed").count() == 1


@pytest.mark.usefixtures("ends_reconciled")
def test_api_booking_under_24h_is_authorized_at_once_and_a_declined_card_books_nothing(client, local_stripe):
    local_stripe.set_clock(NOW.timestamp())
    offer = bookable_offer(notice=1)
    soon = NOW + timedelta(hours=6)
    client.force_login(student())
    declined = book(client, offer, "try-1", starts_at=soon).json()
    assert declined["checkout"]["intent_kind"] == "payment" and declined["checkout"]["authorize_at"] is None
    _confirm_with_stripe(declined["checkout"], "pm_card_chargeDeclined")
    refused = client.post(declined["checkout"]["confirm_url"])
    assert refused.status_code == 402 and "No booking was made and the time was released." in refused.json()["detail"]
    assert Booking.objects.get(public_id=declined["id"]).status == BookingStatus.CANCELLED
    assert not LedgerEntry.objects.exists()

    # The time is free again; a good card authorizes the whole amount now.
    second = book(client, offer, "try-2", starts_at=soon).json()
    _confirm_with_stripe(second["checkout"])
    done = client.post(second["checkout"]["confirm_url"])
    assert (done.status_code, done.json()["status"]) == (200, "confirmed")
    payment = Payment.objects.get(booking__public_id=second["id"])
    assert payment.status == "authorized"
    assert list(LedgerEntry.objects.values_list("kind", "amount_cents")) == [("authorization", 10080)]


def test_api_booking_covered_by_credit_needs_no_card(client, local_stripe):
    from payments.services import credit_issue

    local_stripe.set_clock(NOW.timestamp())
    offer = bookable_offer(notice=1)
    learner = student()
    credit_issue(student=learner, amount_cents=20000, reason="Welcome", key="welcome", now=NOW)
    client.force_login(learner)
    body = book(client, offer, "covered").json()
    assert (body["checkout"]["intent_kind"], body["checkout"]["card_cents"]) == ("none", 0)
    assert body["checkout"]["credit_applied_cents"] == 10080
    done = client.post(body["checkout"]["confirm_url"])
    assert (done.status_code, done.json()["status"]) == (200, "confirmed")


def test_nobody_else_can_finish_a_students_booking(client, local_stripe):
    local_stripe.set_clock(NOW.timestamp())
    offer = bookable_offer(notice=1)
    client.force_login(student())
    body = book(client, offer, "mine").json()
    _confirm_with_stripe(body["checkout"])
    for intruder in (student(), offer.instructor.user):
        client.force_login(intruder)
        response = client.post(body["checkout"]["confirm_url"])
        assert (response.status_code, response.json()) == (404, {"detail": "No such booking."})
    booking = Booking.objects.get(public_id=body["id"])
    assert (booking.status, Payment.objects.get(booking=booking).status) == (BookingStatus.PENDING, "awaiting_card")


def test_stripe_down_at_booking_holds_the_time_and_the_replay_starts_the_payment(client, local_stripe, settings):
    local_stripe.set_clock(NOW.timestamp())
    offer = bookable_offer(notice=1)
    client.force_login(student())
    working, settings.STRIPE_API_BASE = settings.STRIPE_API_BASE, "http://127.0.0.1:9"  # nothing listens there
    down = book(client, offer, "retry-me")
    assert down.status_code == 503 and "Nothing was charged" in down.json()["detail"]
    assert not Payment.objects.exists()
    settings.STRIPE_API_BASE = working
    again = book(client, offer, "retry-me")
    assert again.status_code == 201 and again.json()["checkout"]["intent_kind"] == "setup"
    assert Booking.objects.count() == 1 and Payment.objects.count() == 1


def test_schema_has_no_warnings(tmp_path):
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))
    schema = (tmp_path / "schema.yaml").read_text()
    assert "/api/v1/instructors/{public_id}/slots/" in schema and "Idempotency-Key" in schema
