"""Benchmark: 4 weeks of slots for one instructor, target < 20 ms, two figures side by side:

- engine only: `compute_slots` on a schedule already in memory;
- with the database reads: the offer read afresh, then `available_slots` (what the booking page
  calls), which reads the instructor's settings, weekly schedule, per-date changes, time off and
  existing bookings in one statement (`availability.selectors.slot_inputs_for`).

Same realistic load in both: a weekday schedule with a lunch break, a shorter Saturday, a per-date
change, three days off and 40 booked lessons (across a DST change); both must give the same slots.
The database figure works on `<DATABASE_URL's database>_bench` (created and migrated when missing,
see bench/_database.py; DATABASE_URL comes from the environment or `.env`); its rows are made in a
transaction that is rolled back, so nothing stays behind.

**The target is checked**: the script exits with status 1, saying so, when the median with the
database reads is 20 ms or more. It prints the load average too: on a shared machine wall-clock
figures grow with the other processes' load (the CPU-time column shows this process's own work).

    .venv/bin/python bench/slots.py
"""

import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ZONE = ZoneInfo("America/New_York")
WEEKDAYS = "08:00-12:00, 13:00-20:00"
SATURDAY = "09:00-14:00"
OVERRIDE = (date(2026, 3, 11), "15:00-18:00")
TIME_OFF = (date(2026, 3, 20), date(2026, 3, 22))
NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
WINDOW_START = datetime(2026, 3, 2, 5, tzinfo=UTC)  # midnight in New York
REPEAT = 200
TARGET_MS = 20.0
ROOT = Path(__file__).resolve().parent.parent


def lesson_starts() -> list[datetime]:
    """~2 lessons per working day."""
    return [datetime(2026, 3, 3, 14, tzinfo=UTC) + timedelta(hours=17 * i) for i in range(40)]


def timed(function) -> tuple[list[float], list[float], object]:
    """Wall-clock and CPU milliseconds of REPEAT runs (each sorted), and the last result."""
    wall, cpu, result = [], [], None
    for _ in range(REPEAT):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = function()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return sorted(wall), sorted(cpu), result


def percentile(timings: list[float], share: float) -> float:
    return timings[min(len(timings) - 1, int(len(timings) * share))]


def summary(label: str, wall: list[float], cpu: list[float]) -> str:
    return (
        f"{label:<26} p50 {statistics.median(wall):6.2f} ms  p95 {percentile(wall, 0.95):6.2f} ms  "
        f"max {wall[-1]:6.2f} ms  (CPU p50 {statistics.median(cpu):5.2f} ms)"
    )


def engine_only():
    from availability.masks import mask_from_text
    from availability.slots import Schedule, buffers_for, compute_slots

    weekday = mask_from_text(WEEKDAYS)
    schedule = Schedule(
        zone=ZONE,
        weekly={d: weekday for d in range(5)} | {5: mask_from_text(SATURDAY)},
        overrides={OVERRIDE[0]: mask_from_text(OVERRIDE[1])},
        time_off=(TIME_OFF,),
    )
    busy = [(lesson, lesson + timedelta(minutes=75)) for lesson in lesson_starts()]
    before, after = buffers_for(location_type="online", buffer_minutes=15, travel_buffer_minutes=30)
    return timed(
        lambda: compute_slots(
            schedule=schedule,
            busy=busy,
            window_start=WINDOW_START,
            window_end=WINDOW_START + timedelta(days=28),
            duration=timedelta(minutes=60),
            before=before,
            after=after,
            earliest_start=NOW + timedelta(hours=12),
            latest_start=NOW + timedelta(days=60),
        )
    )


def with_database_reads():
    """The same instructor stored in the database, then `available_slots` as the booking page calls it."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from availability.masks import mask_from_text
    from availability.models import DateOverride, TimeOff, WeeklyAvailability, int_to_mask
    from availability.slots import available_slots
    from bookings.tests.factories import bookable_offer, confirmed_booking, set_weekly
    from catalog.models import InstructorService

    with transaction.atomic():
        # Open all week while the 40 lessons are booked through the booking service, then the
        # real schedule (the engine-only figure's busy spans ignore opening hours too).
        offer = bookable_offer(hours="00:00-24:00", notice=12, buffer=15, travel=30)
        instructor = offer.instructor
        for lesson in lesson_starts():
            confirmed_booking(offer=offer, starts_at=lesson, now=NOW - timedelta(days=1))
        set_weekly(instructor, WEEKDAYS, weekdays=range(5))
        set_weekly(instructor, SATURDAY, weekdays=[5])
        WeeklyAvailability.objects.filter(instructor=instructor, weekday=6).delete()
        DateOverride.objects.create(
            instructor=instructor, date=OVERRIDE[0], quarter_hours=int_to_mask(mask_from_text(OVERRIDE[1]))
        )
        TimeOff.objects.create(instructor=instructor, first_day=TIME_OFF[0], last_day=TIME_OFF[1])

        def slots():
            # As the booking page does: the offer and its instructor read afresh (no cached settings).
            fresh = InstructorService.objects.select_related("service", "instructor__user").get(pk=offer.pk)
            return available_slots(
                offer=fresh,
                duration_minutes=60,
                location_type="online",
                start_date=WINDOW_START.astimezone(ZONE).date(),
                end_date=WINDOW_START.astimezone(ZONE).date() + timedelta(days=27),
                student_tz=ZONE,
                now=NOW,
            )

        with CaptureQueriesContext(connection) as queries:
            slots()
        result = timed(slots)
        transaction.set_rollback(True)
    return result, len(queries)


def main() -> int:
    import environ

    from bench._database import use_benchmark_database

    environ.Env.read_env(ROOT / ".env", overwrite=False)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instainstru.settings")
    database = use_benchmark_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    engine_wall, engine_cpu, engine_slots = engine_only()
    (database_wall, database_cpu, database_slots), query_count = with_database_reads()
    if database_slots != engine_slots:
        print("The database path and the engine gave different slots: the benchmark measures nothing.")
        return 1
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"4 weeks, 1 instructor, 40 booked lessons, a DST change on 2026-03-08 (database: {database})")
    print(summary(f"engine only ({len(engine_slots)} slots)", engine_wall, engine_cpu))
    print(
        summary(f"with DB reads ({len(database_slots)} slots)", database_wall, database_cpu)
        + f"  {query_count} queries"
    )
    print(f"load average (1, 5, 15 min): {load}")
    median = statistics.median(database_wall)
    if median >= TARGET_MS:
        print(f"TARGET MISSED: the median with the database reads is {median:.2f} ms, not under {TARGET_MS:g} ms.")
        return 1
    print(f"target met: median with the database reads {median:.2f} ms < {TARGET_MS:g} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
