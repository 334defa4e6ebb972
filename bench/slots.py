"""Benchmark: 4 weeks of slots for one instructor (target < 20 ms). Pure engine, realistic load:
a weekday schedule with a lunch break, per-date changes, time off and 40 booked lessons.

    /work/main/.venv/bin/python bench/slots.py
"""

import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instainstru.settings")
    django.setup()
    from availability.masks import mask_from_text
    from availability.slots import Schedule, buffers_for, compute_slots

    zone = ZoneInfo("America/New_York")
    weekday = mask_from_text("08:00-12:00, 13:00-20:00")
    schedule = Schedule(
        zone=zone,
        weekly={d: weekday for d in range(5)} | {5: mask_from_text("09:00-14:00")},
        overrides={date(2026, 3, 11): mask_from_text("15:00-18:00")},
        time_off=((date(2026, 3, 20), date(2026, 3, 22)),),
    )
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    start = datetime(2026, 3, 2, 5, tzinfo=UTC)
    busy = []
    for i in range(40):  # ~2 lessons per working day
        lesson = datetime(2026, 3, 3, 14, tzinfo=UTC) + timedelta(hours=17 * i)
        busy.append((lesson, lesson + timedelta(minutes=75)))
    before, after = buffers_for(location_type="online", buffer_minutes=15, travel_buffer_minutes=30)
    timings = []
    for _ in range(200):
        t0 = time.perf_counter()
        slots = compute_slots(
            schedule=schedule,
            busy=busy,
            window_start=start,
            window_end=start + timedelta(days=28),
            duration=timedelta(minutes=60),
            before=before,
            after=after,
            earliest_start=now + timedelta(hours=12),
            latest_start=now + timedelta(days=60),
        )
        timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    print(f"4 weeks, 1 instructor, {len(slots)} slots (incl. a DST change on 2026-03-08)")
    p95 = timings[int(len(timings) * 0.95)]
    print(f"p50 {statistics.median(timings):.2f} ms  p95 {p95:.2f} ms  max {timings[-1]:.2f} ms")
    print("target: < 20 ms")


if __name__ == "__main__":
    main()
