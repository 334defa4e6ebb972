"""The demo availability seeder: set-based open time equals what the service computes, per instructor."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from accounts.tests.factories import instructor_user
from availability.masks import text_from_mask
from availability.models import AvailabilitySettings, OpenTime, WeeklyAvailability, mask_to_int
from availability.seed import PATTERNS, seed_demo_availability
from availability.services import open_time_refresh
from availability.slots import available_slots
from bookings.tests.factories import bookable_offer, confirmed_booking
from catalog.seed import DEMO_EMAIL_DOMAIN
from catalog.tests.factories import live_instructor

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
# Wednesday 4 March 2026, 10:00 in New York: the 90-day horizon crosses both the US (8 March) and
# the UK (29 March) clock changes.
NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


def open_spans(instructor) -> list[tuple[datetime, datetime]]:
    return sorted(
        (span.lower, span.upper)
        for span in OpenTime.objects.filter(instructor=instructor).values_list("span", flat=True)
    )


def demo_instructor(number: int, *, timezone="America/New_York", **kwargs):
    user = instructor_user(email=f"instructor{number:05d}@{DEMO_EMAIL_DOMAIN}", timezone=timezone)
    return live_instructor(user=user, **kwargs).instructor


def test_open_time_matches_the_service_for_every_pattern_across_clock_changes():
    instructors = [demo_instructor(n, timezone="Europe/London" if n % 2 else "America/New_York") for n in range(7)]
    elsewhere = live_instructor().instructor  # a real instructor: never given a demo schedule
    paused = demo_instructor(99, status="paused")

    lines = seed_demo_availability(now=NOW)

    assert lines == ["Availability: 7 new weekly schedules (7 instructors have one)."]
    assert {instructor.pk % len(PATTERNS) for instructor in instructors} == set(range(len(PATTERNS)))
    for instructor in instructors:
        seeded = open_spans(instructor)
        assert seeded, instructor
        open_time_refresh(instructor=instructor, now=NOW)
        assert seeded == open_spans(instructor), instructor.user.timezone
    for untouched in (elsewhere, paused):
        assert not AvailabilitySettings.objects.filter(instructor=untouched).exists()
        assert not WeeklyAvailability.objects.filter(instructor=untouched).exists()
        assert not OpenTime.objects.filter(instructor=untouched).exists()


def test_a_pattern_reads_as_local_hours_on_both_sides_of_the_clock_change():
    instructor = demo_instructor(1)
    while instructor.pk % len(PATTERNS) != 0:  # pattern 0: weekdays 16:00–20:00, Saturday 09:00–13:00
        instructor = demo_instructor(instructor.pk + 100)
    seed_demo_availability(now=NOW)

    weekly = dict(WeeklyAvailability.objects.filter(instructor=instructor).values_list("weekday", "quarter_hours"))
    assert {day: text_from_mask(mask_to_int(mask)) for day, mask in weekly.items()} == {
        **dict.fromkeys(range(5), "16:00–20:00"),
        5: "09:00–13:00",
    }
    spans = open_spans(instructor)
    local = [(start.astimezone(NY), end.astimezone(NY)) for start, end in spans]
    # Friday 6 March (EST, UTC−5) and Monday 9 March (EDT, UTC−4) are both 16:00–20:00 in New York.
    assert (datetime(2026, 3, 6, 21, 0, tzinfo=UTC), datetime(2026, 3, 7, 1, 0, tzinfo=UTC)) in spans
    assert (datetime(2026, 3, 9, 20, 0, tzinfo=UTC), datetime(2026, 3, 10, 0, 0, tzinfo=UTC)) in spans
    assert {(start.hour, end.hour) for start, end in local if start.weekday() < 5} == {(16, 20)}
    assert {(start.hour, end.hour) for start, end in local if start.weekday() == 5} == {(9, 13)}
    rules = AvailabilitySettings.objects.get(instructor=instructor)
    assert spans[-1][1] <= NOW + timedelta(days=rules.booking_horizon_days)


def test_running_again_adds_nothing():
    instructors = [demo_instructor(n) for n in range(3)]
    seed_demo_availability(now=NOW)
    counts = (AvailabilitySettings.objects.count(), WeeklyAvailability.objects.count(), OpenTime.objects.count())

    lines = seed_demo_availability(now=NOW + timedelta(hours=1))

    assert lines == ["Availability: 0 new weekly schedules (3 instructors have one)."]
    assert (
        AvailabilitySettings.objects.count(),
        WeeklyAvailability.objects.count(),
        OpenTime.objects.count(),
    ) == counts
    assert all(AvailabilitySettings.objects.get(instructor=i).version == 1 for i in instructors)


def test_booked_time_is_not_open_time():
    user = instructor_user(email="instructor@demo.instainstru.com")
    offer = bookable_offer(hours="16:00-20:00", buffer=15, user=user)
    # Thursday 5 March, 17:00–18:00 in New York, online: the span holds 17:00–18:15.
    confirmed_booking(offer=offer, starts_at=datetime(2026, 3, 5, 22, 0, tzinfo=UTC), now=NOW)
    instructor = offer.instructor
    AvailabilitySettings.objects.filter(instructor=instructor).delete()
    WeeklyAvailability.objects.filter(instructor=instructor).delete()
    OpenTime.objects.filter(instructor=instructor).delete()

    seed_demo_availability(now=NOW)

    thursday = [
        (start.astimezone(NY).strftime("%H:%M"), end.astimezone(NY).strftime("%H:%M"))
        for start, end in open_spans(instructor)
        if start.astimezone(NY).date() == date(2026, 3, 5)
    ]
    assert thursday == [("16:00", "17:00"), ("18:15", "20:00")]


def test_seed_demo_lets_a_person_book_the_demo_instructor(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # seed_demo writes var/demo-logins.txt
    call_command("seed_demo", instructors=4)

    from catalog.models import InstructorProfile

    demo = InstructorProfile.objects.get(user__email="instructor@demo.instainstru.com")
    assert AvailabilitySettings.objects.filter(instructor__user__email__endswith=DEMO_EMAIL_DOMAIN).count() == 4
    assert OpenTime.objects.filter(instructor=demo).exists()
    today = datetime.now(tz=NY).date()
    slots = available_slots(
        offer=demo.services.get(),
        duration_minutes=60,
        location_type="online",
        start_date=today,
        end_date=today + timedelta(days=13),
        student_tz=NY,
        now=datetime.now(tz=UTC),
    )
    assert slots
    assert {slot.local_start(NY).weekday() for slot in slots} == {0, 1, 2, 3, 4, 5}
