"""Ten real transactions race for the same slot, each on its own database connection."""

import threading
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from accounts.tests.factories import student
from availability.models import OpenTime
from bookings import services
from bookings.models import Booking, BookingEvent
from bookings.tests.factories import bookable_offer

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
SLOT = datetime(2026, 5, 4, 10, tzinfo=ZoneInfo("America/New_York"))


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_bookings_for_one_slot_give_exactly_one_booking():
    offer = bookable_offer()
    students = [student() for _ in range(10)]
    services_open_time = OpenTime.objects.count()
    barrier = threading.Barrier(10)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(index: int) -> None:
        try:
            barrier.wait()
            services.booking_create(
                student=students[index],
                offer=offer,
                duration_minutes=60,
                starts_at=SLOT,
                location_type="online",
                now=NOW,
                idempotency_key=f"race-{index}",
            )
            result = "booked"
        except services.SlotTaken as error:
            result = error.messages[0]
        except Exception as error:  # noqa: BLE001 - any other outcome fails the test below
            result = f"unexpected: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["That time was just taken. Please pick another time."] * 9 + ["booked"]
    assert Booking.objects.count() == 1
    assert BookingEvent.objects.count() == 1
    winner = Booking.objects.get()
    assert winner.lesson_starts_at == SLOT
    assert OpenTime.objects.filter(instructor=offer.instructor, span__contains=SLOT).count() == 0
    assert services_open_time == 0
