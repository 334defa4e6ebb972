"""Demo availability: weekly schedules, booking settings and the `OpenTime` summary for the demo
instructors, written set-based so `seed_demo --instructors 50000` takes minutes, not hours.

Each demo instructor gets one of a few realistic weekly patterns (picked from their id, so runs are
reproducible), booking settings from a few realistic combinations, and their open time for the
booking horizon. Open time is computed in SQL from the same local quarter-hour masks the slot engine
reads (`(local date + time) AT TIME ZONE user's zone` is the UTC instant, DST included), clipped
exactly as `availability.services.open_time_refresh` clips it. Instructors who already hold bookings
(only the `make run` demo instructor can) go through `open_time_refresh` itself, which subtracts them.

Idempotent: instructors who already have availability settings are left alone.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection, transaction
from django.utils import timezone

from availability.models import AvailabilitySettings, int_to_mask

DEMO_INSTRUCTOR_EMAIL = "instructor@demo.instainstru.com"


def _hours(start: float, end: float) -> tuple[int, int]:
    """(first quarter, end quarter) of a local time range in hours, e.g. (17.5, 21) is 17:30–21:00."""
    return int(start * 4), int(end * 4)


WEEKDAYS, WEEKEND = range(5), (5, 6)
# Weekday (Mon=0) → local time ranges. Nothing crosses midnight or the 02:00–03:00 DST gap.
PATTERNS: list[dict[int, list[tuple[int, int]]]] = [
    # After school and work, plus Saturday mornings.
    {**{d: [_hours(16, 20)] for d in WEEKDAYS}, 5: [_hours(9, 13)]},
    # Office hours on weekdays.
    {d: [_hours(9, 12), _hours(13, 17)] for d in WEEKDAYS},
    # Weekends only.
    {5: [_hours(9, 17)], 6: [_hours(10, 16)]},
    # Early birds, and Sunday afternoons.
    {**{d: [_hours(7, 10)] for d in (0, 2, 4)}, 6: [_hours(13, 17)]},
    # Evenings, three days a week.
    {d: [_hours(18, 21.5)] for d in (1, 3, 4)},
    # Busy full-timer: every day but Sunday.
    {**{d: [_hours(10, 13), _hours(15, 19)] for d in WEEKDAYS}, 5: [_hours(10, 14)]},
]
# (minimum notice hours, booking horizon days, buffer minutes, travel buffer minutes)
SETTINGS = [(12, 60, 15, 30), (24, 30, 15, 45), (2, 90, 0, 15), (12, 60, 30, 30)]
# The demo instructor teaches after school on weekdays and on Saturday mornings.
DEMO_INSTRUCTOR_PATTERN = 0


def pattern_masks(pattern: dict[int, list[tuple[int, int]]]) -> dict[int, int]:
    """Weekday → 96-bit quarter-hour mask (bit i = the quarter hour starting i×15 minutes after midnight)."""
    masks = {}
    for weekday, ranges in pattern.items():
        bits = 0
        for first, end in ranges:
            bits |= ((1 << (end - first)) - 1) << first
        masks[weekday] = bits
    return masks


def seed_demo_availability(instructors=None, now: datetime | None = None, **_options) -> list[str]:
    """Every demo instructor without availability settings gets a schedule, settings and open time.

    `instructors` is accepted for the seed_demo interface; this seeder covers every demo instructor
    the catalog seeder made. Returns one line for the seed report.
    """
    from catalog.models import InstructorProfile
    from catalog.seed import DEMO_EMAIL_DOMAIN

    now = (now or timezone.now()).astimezone(UTC)
    unscheduled = InstructorProfile.objects.filter(
        status=InstructorProfile.Status.LIVE, availability_settings__isnull=True
    )
    targets = list(unscheduled.filter(user__email__endswith="@" + DEMO_EMAIL_DOMAIN).values_list("pk", flat=True))
    demo_ids = list(unscheduled.filter(user__email=DEMO_INSTRUCTOR_EMAIL).values_list("pk", flat=True))
    targets = sorted(set(targets) | set(demo_ids))
    if targets:
        _seed(targets, demo_ids=set(demo_ids), now=now)
    with_schedule = AvailabilitySettings.objects.count()
    return [f"Availability: {len(targets)} new weekly schedules ({with_schedule} instructors have one)."]


_PLAN_SQL = """
CREATE TEMPORARY TABLE demo_availability_plan ON COMMIT DROP AS
SELECT i.id AS instructor_id,
       CASE WHEN i.id = ANY(%(demo_ids)s) THEN %(demo_pattern)s ELSE i.id %% %(pattern_count)s END AS pattern,
       (i.id / %(pattern_count)s) %% %(setting_count)s AS setting
FROM unnest(%(instructor_ids)s::bigint[]) AS i(id)
"""
_PATTERNS_SQL = """
CREATE TEMPORARY TABLE demo_availability_patterns ON COMMIT DROP AS
SELECT * FROM unnest(%s::int[], %s::int[], %s::text[], %s::int[], %s::int[])
    AS p(pattern, weekday, mask, first_quarter, end_quarter)
"""
_SETTINGS_SQL = """
CREATE TEMPORARY TABLE demo_availability_rules ON COMMIT DROP AS
SELECT * FROM unnest(%s::int[], %s::int[], %s::int[], %s::int[], %s::int[])
    AS r(setting, notice, horizon, buffer, travel)
"""
_INSERT_SETTINGS_SQL = """
INSERT INTO availability_availabilitysettings
    (instructor_id, minimum_notice_hours, booking_horizon_days, buffer_minutes, travel_buffer_minutes,
     version, updated_at)
SELECT plan.instructor_id, r.notice, r.horizon, r.buffer, r.travel, 1, %s
FROM demo_availability_plan plan JOIN demo_availability_rules r USING (setting)
ON CONFLICT (instructor_id) DO NOTHING
"""
_INSERT_WEEKLY_SQL = """
INSERT INTO availability_weeklyavailability (instructor_id, weekday, quarter_hours)
SELECT DISTINCT plan.instructor_id, p.weekday, p.mask
FROM demo_availability_plan plan JOIN demo_availability_patterns p USING (pattern)
ON CONFLICT (instructor_id, weekday) DO NOTHING
"""
# Every local date that can touch [now, now + horizon), each run of the day's mask as a UTC range
# (`local timestamp AT TIME ZONE zone`), clipped to the window exactly as open_time_refresh does.
_INSERT_OPEN_TIME_SQL = """
WITH windows AS (
    SELECT plan.instructor_id, plan.pattern, u.timezone AS zone,
           date_trunc('minute', %(now)s::timestamptz) AS window_start,
           date_trunc('minute', %(now)s::timestamptz) + make_interval(days => s.booking_horizon_days) AS window_end
    FROM demo_availability_plan plan
    JOIN availability_availabilitysettings s ON s.instructor_id = plan.instructor_id
    JOIN catalog_instructorprofile i ON i.id = plan.instructor_id
    JOIN accounts_user u ON u.id = i.user_id
),
spans AS (
    SELECT w.instructor_id, w.window_start, w.window_end,
           (d::date + make_interval(mins => p.first_quarter * 15)) AT TIME ZONE w.zone AS lower_bound,
           (d::date + make_interval(mins => p.end_quarter * 15)) AT TIME ZONE w.zone AS upper_bound
    FROM windows w
    CROSS JOIN LATERAL generate_series(
        (w.window_start AT TIME ZONE w.zone)::date - 1, (w.window_end AT TIME ZONE w.zone)::date + 1, interval '1 day'
    ) AS d
    JOIN demo_availability_patterns p ON p.pattern = w.pattern AND p.weekday = extract(isodow FROM d)::int - 1
)
INSERT INTO availability_opentime (instructor_id, span)
SELECT instructor_id, tstzrange(greatest(lower_bound, window_start), least(upper_bound, window_end), '[)')
FROM spans
WHERE greatest(lower_bound, window_start) < least(upper_bound, window_end)
"""
_TEMPORARY_TABLES = ("demo_availability_plan", "demo_availability_patterns", "demo_availability_rules")


def _seed(instructor_ids: list[int], *, demo_ids: set[int], now: datetime) -> None:
    from availability.services import open_time_refresh
    from bookings.models import HOLDS_TIME, Booking
    from catalog.models import InstructorProfile

    pattern_rows = [
        (index, weekday, int_to_mask(mask), first, end)
        for index, pattern in enumerate(PATTERNS)
        for weekday, mask in pattern_masks(pattern).items()
        for first, end in pattern[weekday]
    ]
    settings_rows = [(index, *row) for index, row in enumerate(SETTINGS)]
    with transaction.atomic(), connection.cursor() as cursor:
        for table in _TEMPORARY_TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")  # noqa: S608 - constant names
        # Which pattern and settings each instructor gets: a function of the id.
        cursor.execute(
            _PLAN_SQL,
            {
                "demo_ids": sorted(demo_ids),
                "demo_pattern": DEMO_INSTRUCTOR_PATTERN,
                "pattern_count": len(PATTERNS),
                "setting_count": len(SETTINGS),
                "instructor_ids": instructor_ids,
            },
        )
        cursor.execute(_PATTERNS_SQL, [list(column) for column in zip(*pattern_rows, strict=True)])
        cursor.execute(_SETTINGS_SQL, [list(column) for column in zip(*settings_rows, strict=True)])
        cursor.execute(_INSERT_SETTINGS_SQL, [now])
        cursor.execute(_INSERT_WEEKLY_SQL)
        cursor.execute(_INSERT_OPEN_TIME_SQL, {"now": now})
        for table in _TEMPORARY_TABLES:
            cursor.execute(f"DROP TABLE {table}")  # noqa: S608 - constant names
    # Bookings take time out of open time; the few instructors who hold some go through the service.
    with_bookings = (
        Booking.objects.filter(instructor_id__in=instructor_ids, status__in=HOLDS_TIME)
        .values_list("instructor_id", flat=True)
        .distinct()
    )
    for instructor in InstructorProfile.objects.filter(pk__in=list(with_bookings)).select_related("user"):
        open_time_refresh(instructor=instructor, now=now)
