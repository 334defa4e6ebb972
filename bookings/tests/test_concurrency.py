"""Real transactions racing on the booking services, each on its own database connection."""

import threading
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from accounts.tests.factories import student
from availability.models import OpenTime
from bookings import services
from bookings.models import Booking, BookingEvent
from bookings.tests.factories import bookable_offer
from catalog.models import InstructorProfile

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
SLOT = datetime(2026, 5, 4, 10, tzinfo=ZoneInfo("America/New_York"))
TAKEN = "That time was just taken. Please pick another time."


def run_in_threads(calls) -> list:
    """Starts each call in its own thread (its own connection). Returns the threads and a list
    that holds, once they are joined, each call's result or the exception it raised."""
    outcomes: list = [None] * len(calls)

    def run(index: int) -> None:
        try:
            outcomes[index] = calls[index]()
        except Exception as error:  # noqa: BLE001 - the test asserts on every outcome
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    return threads, outcomes


def wait_for_lock_waiters(count: int) -> None:
    """Waits until `count` other sessions of this database are blocked on a lock."""
    deadline = time.monotonic() + 30
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Inside a transaction PostgreSQL keeps showing the first snapshot of the activity view.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.01)
    raise AssertionError(f"{count} sessions never waited on a lock")


def book(who, offer, key):
    return lambda: services.booking_create(
        student=who,
        offer=offer,
        duration_minutes=60,
        starts_at=SLOT,
        location_type="online",
        now=NOW,
        idempotency_key=key,
    )


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_bookings_for_one_slot_give_exactly_one_booking():
    offer = bookable_offer()
    students = [student() for _ in range(10)]
    assert not OpenTime.objects.filter(instructor=offer.instructor).exists()  # no summary until a change
    barrier = threading.Barrier(10)

    def attempt(index):
        barrier.wait()
        return book(students[index], offer, f"race-{index}")()

    threads, outcomes = run_in_threads([lambda i=i: attempt(i) for i in range(10)])
    for thread in threads:
        thread.join()

    messages = sorted(o.messages[0] if isinstance(o, services.SlotTaken) else type(o).__name__ for o in outcomes)
    assert messages == ["Booking"] + [TAKEN] * 9
    assert Booking.objects.count() == 1
    assert BookingEvent.objects.count() == 1
    winner = Booking.objects.get()
    assert (winner.lesson_starts_at, winner.status) == (SLOT, "pending")
    # The winner's commit refreshed the open-time summary: 4 May is open 09:00–17:00 but for the
    # lesson and its 15-minute buffer.
    may4 = OpenTime.objects.filter(
        instructor=offer.instructor, span__overlap=(SLOT.replace(hour=0), SLOT.replace(hour=23))
    )
    assert sorted((row.span.lower, row.span.upper) for row in may4) == [
        (SLOT.replace(hour=9), SLOT),
        (SLOT.replace(hour=11, minute=15), SLOT.replace(hour=17)),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_double_submit_racing_itself_gets_the_same_booking_twice():
    """Both submissions of one form pass the early key check before either has stored anything,
    then queue on the instructor: the second must answer with the first's booking, not with
    "that time was just taken" (the first's booking now holds the time)."""
    offer = bookable_offer()
    who = student()
    with transaction.atomic():
        # Hold the instructor's queue so both submissions are inside booking_create at once.
        InstructorProfile.objects.select_for_update().filter(pk=offer.instructor.pk).get()
        threads, outcomes = run_in_threads([book(who, offer, "same-form"), book(who, offer, "same-form")])
        wait_for_lock_waiters(2)
    for thread in threads:
        thread.join()

    booking = Booking.objects.get()
    assert [type(o).__name__ for o in outcomes] == ["Booking", "Booking"]
    assert [o.pk for o in outcomes] == [booking.pk, booking.pk]
    assert (booking.student, booking.idempotency_key, booking.lesson_starts_at) == (who, "same-form", SLOT)
    assert list(BookingEvent.objects.values_list("kind", flat=True)) == ["created"]
