"""Partner API: slots in the caller's zone, idempotent booking, own bookings only."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from accounts.tests.factories import student
from bookings.models import Booking, BookingEvent, BookingStatus
from bookings.tests.factories import bookable_offer, confirmed_booking

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


def test_create_is_idempotent_by_key(client):
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
    assert first.json()["status"] == "confirmed" and first.json()["lesson_price_cents"] == 9000
    assert first.json()["booking_fee_cents"] == 1080
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


def test_schema_has_no_warnings(tmp_path):
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))
    schema = (tmp_path / "schema.yaml").read_text()
    assert "/api/v1/instructors/{public_id}/slots/" in schema and "Idempotency-Key" in schema
