from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from accounts.tests.factories import student
from availability.masks import mask_from_text, text_from_mask
from availability.models import DateOverride, OpenTime, TimeOff, int_to_mask
from availability.services import open_time_refresh
from availability.slots import available_slots
from bookings.services import booking_create
from bookings.tests.factories import bookable_offer, confirmed_booking
from catalog.services import instructor_set_service_area

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def local_starts(slots, zone):
    return [slot.starts_at.astimezone(zone).strftime("%H:%M") for slot in slots]


def slots_on(offer, day, zone, now, duration=60, location_type="online"):
    return available_slots(
        offer=offer,
        duration_minutes=duration,
        location_type=location_type,
        start_date=day,
        end_date=day,
        student_tz=zone,
        now=now,
    )


def test_masks_round_trip_and_refuse_bad_text():
    assert text_from_mask(mask_from_text("9-12, 13:30–17:00")) == "09:00–12:00, 13:30–17:00"
    assert text_from_mask(mask_from_text("")) == ""
    for bad in ("9:10-10", "noon-1", "12-9", "25-26"):
        with pytest.raises(Exception):  # noqa: B017 - ValidationError with a message
            mask_from_text(bad)


def test_schedule_gives_quarter_hour_starts_that_fit():
    offer = bookable_offer(hours="09:00-11:00")
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    slots = slots_on(offer, date(2026, 5, 4), NY, now)
    assert local_starts(slots, NY) == ["09:00", "09:15", "09:30", "09:45", "10:00"]
    assert all(slot.ends_at - slot.starts_at == timedelta(hours=1) for slot in slots)


def test_buffer_is_counted_once_between_two_lessons():
    offer = bookable_offer(hours="09:00-13:00", buffer=15)
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    ten = datetime(2026, 5, 4, 10, tzinfo=NY)
    confirmed_booking(offer=offer, starts_at=ten, now=now)
    starts = local_starts(slots_on(offer, date(2026, 5, 4), NY, now), NY)
    # A lesson ending 10:00 leaves 15 min before 10:00? No: the new lesson's own buffer must end
    # by 10:00, so the latest morning start is 08:45 (before availability) -> none; after: 11:15.
    assert starts == ["11:15", "11:30", "11:45", "12:00"]
    shorter = local_starts(slots_on(offer, date(2026, 5, 4), NY, now, duration=30), NY)
    assert shorter[:2] == ["09:00", "09:15"]  # 09:15–09:45 + 15 min buffer ends at 10:00
    assert "09:30" not in shorter


def test_travel_buffer_surrounds_lessons_at_the_students_place():
    offer = bookable_offer(hours="09:00-14:00", buffer=15, travel=30)
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    confirmed_booking(offer=offer, starts_at=datetime(2026, 5, 4, 11, tzinfo=NY), now=now)
    online = local_starts(slots_on(offer, date(2026, 5, 4), NY, now, duration=30), NY)
    at_home = local_starts(slots_on(offer, date(2026, 5, 4), NY, now, duration=30, location_type="student_place"), NY)
    assert "10:15" in online and "10:15" not in at_home  # 10:15-10:45 + 15 buffer + 30 travel > 11:00
    assert at_home[-1] == "13:30" and "12:15" not in at_home and "12:45" in at_home


def test_two_lessons_at_students_places_are_apart_by_the_buffer_and_two_travel_times():
    offer = bookable_offer(hours="08:00-16:00", buffer=15, travel=30)
    instructor_set_service_area(
        instructor=offer.instructor, neighborhood_slugs=[], base_address="Park Slope", travel_radius_m=2000
    )
    offer.instructor.refresh_from_db()
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    visit = booking_create(
        student=student(),
        offer=offer,
        duration_minutes=60,
        starts_at=datetime(2026, 5, 4, 11, tzinfo=NY),
        location_type="student_place",
        location_address="200 Eastern Pkwy, Brooklyn",
        location_point=offer.instructor.base_point,
        now=now,
        idempotency_key="visit",
    )
    assert (visit.span.lower, visit.span.upper) == (
        datetime(2026, 5, 4, 10, 30, tzinfo=NY),
        datetime(2026, 5, 4, 12, 45, tzinfo=NY),
    )
    at_home = local_starts(slots_on(offer, date(2026, 5, 4), NY, now, location_type="student_place"), NY)
    online = local_starts(slots_on(offer, date(2026, 5, 4), NY, now), NY)
    # Another home visit must end, with its buffer and travel, by 10:30: it ends 09:45 at the
    # latest, 75 minutes (buffer + two travel times) before the booked one starts; after it, it
    # may start once the booked one's buffer and travel end (12:45) and its own travel is done.
    assert at_home[at_home.index("08:45") + 1] == "13:15"
    # An online lesson: its buffer must end by 10:30 (start by 09:15); it may start at 12:45.
    assert online[online.index("09:15") + 1] == "12:45"


def test_minimum_notice_and_horizon():
    offer = bookable_offer(hours="00:00-24:00", notice=12)
    now = datetime(2026, 5, 4, 12, tzinfo=UTC)  # 08:00 in New York
    slots = slots_on(offer, date(2026, 5, 4), NY, now)
    assert local_starts(slots, NY)[0] == "20:00"
    beyond = available_slots(
        offer=offer,
        duration_minutes=60,
        location_type="online",
        start_date=date(2026, 7, 3),
        end_date=date(2026, 7, 5),
        student_tz=NY,
        now=now,
    )
    assert beyond[-1].starts_at == now + timedelta(days=60)


def test_overrides_and_time_off():
    offer = bookable_offer(hours="09:00-12:00")
    instructor = offer.instructor
    DateOverride.objects.create(
        instructor=instructor, date=date(2026, 5, 5), quarter_hours=int_to_mask(mask_from_text("14-15"))
    )
    TimeOff.objects.create(instructor=instructor, first_day=date(2026, 5, 6), last_day=date(2026, 5, 7))
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    assert local_starts(slots_on(offer, date(2026, 5, 5), NY, now), NY) == ["14:00"]
    assert slots_on(offer, date(2026, 5, 6), NY, now) == []
    assert slots_on(offer, date(2026, 5, 7), NY, now) == []
    assert len(slots_on(offer, date(2026, 5, 8), NY, now)) == 9


@pytest.mark.parametrize(
    ("zone_name", "before", "change_day", "after"),
    [
        ("America/New_York", date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9)),  # spring forward
        ("America/New_York", date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 2)),  # fall back
        ("Europe/London", date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)),
        ("Europe/London", date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26)),
    ],
)
def test_nine_stays_nine_local_across_dst_changes(zone_name, before, change_day, after):
    zone = ZoneInfo(zone_name)
    offer = bookable_offer(timezone=zone_name, hours="09:00-10:00")
    with time_machine.travel(datetime(before.year, before.month, 1, tzinfo=UTC), tick=False):
        now = timezone.now()
        for day in (before, change_day, after):
            slots = slots_on(offer, day, zone, now)
            assert local_starts(slots, zone) == ["09:00"]
            assert slots[0].starts_at.astimezone(zone).date() == day
        # The UTC instant moves by an hour across the change.
        first = slots_on(offer, before, zone, now)[0].starts_at
        last = slots_on(offer, after, zone, now)[0].starts_at
        assert (last - first) in (timedelta(days=2, hours=-1), timedelta(days=2, hours=1))


def test_skipped_local_hour_gives_no_slots_new_york():
    offer = bookable_offer(timezone="America/New_York", hours="01:00-04:00")
    with time_machine.travel(datetime(2026, 2, 1, tzinfo=UTC), tick=False):
        starts = local_starts(slots_on(offer, date(2026, 3, 8), NY, timezone.now(), duration=30), NY)
    assert not any(start.startswith("02:") for start in starts)
    assert starts == ["01:00", "01:15", "01:30", "01:45", "03:00", "03:15", "03:30"]


def test_skipped_local_hour_gives_no_slots_london():
    offer = bookable_offer(timezone="Europe/London", hours="00:00-03:00")
    with time_machine.travel(datetime(2026, 2, 1, tzinfo=UTC), tick=False):
        starts = local_starts(slots_on(offer, date(2026, 3, 29), LONDON, timezone.now(), duration=30), LONDON)
    # 00:45 GMT + 30 min ends at 02:15 BST: real time is continuous, only 01:xx never exists.
    assert starts == ["00:00", "00:15", "00:30", "00:45", "02:00", "02:15", "02:30"]


@pytest.mark.parametrize(
    ("zone_name", "day", "hours"),
    [("America/New_York", date(2026, 11, 1), "00:00-03:00"), ("Europe/London", date(2026, 10, 25), "00:00-03:00")],
)
def test_repeated_local_hour_is_offered_once(zone_name, day, hours):
    zone = ZoneInfo(zone_name)
    offer = bookable_offer(timezone=zone_name, hours=hours)
    with time_machine.travel(datetime(2026, 10, 1, tzinfo=UTC), tick=False):
        slots = slots_on(offer, day, zone, timezone.now(), duration=30)
    starts = local_starts(slots, zone)
    assert len(starts) == len(set(starts))  # no local time twice
    assert starts.count("01:00") == 1 and starts.count("01:30") == 1
    assert starts[-1] == "02:30"


def test_open_time_summary_is_refreshed_by_bookings(django_capture_on_commit_callbacks):
    offer = bookable_offer(hours="09:00-12:00", buffer=15)
    instructor = offer.instructor
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    open_time_refresh(instructor=instructor, now=now)
    may4 = OpenTime.objects.filter(
        instructor=instructor, span__overlap=(datetime(2026, 5, 4, tzinfo=NY), datetime(2026, 5, 5, tzinfo=NY))
    )
    assert [(o.span.lower, o.span.upper) for o in may4] == [
        (datetime(2026, 5, 4, 13, tzinfo=UTC), datetime(2026, 5, 4, 16, tzinfo=UTC))
    ]
    with django_capture_on_commit_callbacks(execute=True):
        confirmed_booking(offer=offer, starts_at=datetime(2026, 5, 4, 10, tzinfo=NY), now=now)
    assert sorted((o.span.lower, o.span.upper) for o in may4.all()) == [
        (datetime(2026, 5, 4, 13, tzinfo=UTC), datetime(2026, 5, 4, 14, tzinfo=UTC)),
        (datetime(2026, 5, 4, 15, 15, tzinfo=UTC), datetime(2026, 5, 4, 16, tzinfo=UTC)),
    ]
