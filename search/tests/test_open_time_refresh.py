"""What search reads about open time stays true: availability's changes (the week editor, the booking
rules, a hold running out) refresh OpenTime and the search summary, and the two hourly repair jobs
fix drift, roll the window forward and forget instructors who are not live, through a real worker."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from psycopg.types.range import Range

from availability.masks import mask_from_text
from availability.models import AvailabilitySettings, OpenTime
from availability.services import (
    availability_settings_update,
    availability_week_save,
    open_time_refresh,
    open_time_repair_all,
)
from availability.tasks import repair_open_time
from bookings.models import Booking, BookingStatus
from bookings.services import booking_create, bookings_release_expired_holds
from bookings.tests.factories import bookable_offer
from catalog.models import InstructorProfile
from instainstru.tests.processes import celery_worker
from search.models import InstructorSearchSummary
from search.selectors import SearchFilters, search_instructors
from search.tasks import repair_search_summaries
from search.tests.helpers import make_catalog

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # Wednesday 10:00 in New York; clocks go forward on Sunday 8 March
HORIZON_DAYS = 60  # bookable_offer's booking horizon


def spans(instructor) -> list[tuple[datetime, datetime]]:
    return sorted((row.span.lower, row.span.upper) for row in OpenTime.objects.filter(instructor=instructor))


def every_morning(start: datetime, *, opens=time(9), closes=time(12), days=HORIZON_DAYS + 1):
    """09:00–12:00 New York time each day from `start`'s day, cut to [start, start + horizon):
    worked out here by hand, not by the slot engine."""
    end = start + timedelta(days=HORIZON_DAYS)
    expected = []
    for offset in range(days):
        day = start.astimezone(NEW_YORK).date() + timedelta(days=offset)
        lower = datetime.combine(day, opens, tzinfo=NEW_YORK).astimezone(UTC)
        upper = datetime.combine(day, closes, tzinfo=NEW_YORK).astimezone(UTC)
        lower, upper = max(lower, start), min(upper, end)
        if lower < upper:
            expected.append((lower, upper))
    return expected


def summary_of(instructor) -> InstructorSearchSummary:
    return InstructorSearchSummary.objects.get(instructor=instructor)


@pytest.mark.django_db
def test_open_time_repair_rebuilds_drift_rolls_the_window_and_forgets_instructors_not_live():
    make_catalog()
    live = bookable_offer(hours="09:00-12:00", notice=1).instructor
    paused = bookable_offer(hours="09:00-12:00", notice=1, status="paused").instructor
    suspended = bookable_offer(hours="09:00-12:00", notice=1, status="suspended").instructor
    onboarding = bookable_offer(hours="09:00-12:00", notice=1, status="onboarding").instructor
    for instructor in (live, paused, suspended, onboarding):
        open_time_refresh(instructor=instructor, now=NOW)
    assert spans(live) == every_morning(NOW)
    # Drift: a lost row and a made-up one; the summary points at the made-up one.
    OpenTime.objects.filter(instructor=live).order_by("span").first().delete()
    made_up = (datetime(2026, 3, 5, 3, tzinfo=UTC), datetime(2026, 3, 5, 5, tzinfo=UTC))
    OpenTime.objects.create(instructor=live, span=Range(*made_up))
    InstructorSearchSummary.objects.filter(instructor=live).update(
        next_open_starts_at=made_up[0], next_open_ends_at=made_up[1]
    )

    # Three days on, across the change to daylight saving time (09:00 is 14:00 UTC, then 13:00).
    later = datetime(2026, 3, 7, 16, 0, tzinfo=UTC)  # Saturday 11:00 in New York
    assert open_time_repair_all(now=later) == 2  # the live and the paused instructor
    assert spans(live) == spans(paused) == every_morning(later)
    assert spans(live)[:2] == [
        (later, datetime(2026, 3, 7, 17, tzinfo=UTC)),  # the rest of Saturday's morning
        (datetime(2026, 3, 8, 13, tzinfo=UTC), datetime(2026, 3, 8, 16, tzinfo=UTC)),  # Sunday, EDT
    ]
    assert spans(live)[-1][1] == later + timedelta(days=HORIZON_DAYS)  # the window rolled forward
    assert not OpenTime.objects.filter(instructor__in=[suspended, onboarding]).exists()
    assert (summary_of(live).next_open_starts_at, summary_of(live).next_open_ends_at) == (
        datetime(2026, 3, 8, 13, tzinfo=UTC),  # Saturday's last hour is inside the hour of notice
        datetime(2026, 3, 8, 16, tzinfo=UTC),
    )
    # Idempotent: running it again changes nothing.
    before = {instructor: spans(instructor) for instructor in (live, paused)}
    assert open_time_repair_all(now=later) == 2
    assert {instructor: spans(instructor) for instructor in (live, paused)} == before


@pytest.mark.django_db
def test_saving_a_week_refreshes_open_time_and_the_summary():
    make_catalog()
    instructor = bookable_offer(hours="09:00-12:00", notice=1).instructor
    open_time_refresh(instructor=instructor, now=NOW)
    assert summary_of(instructor).next_open_starts_at == NOW  # today from 10:00
    rules = AvailabilitySettings.objects.get(instructor=instructor)
    week = [date(2026, 3, 2) + timedelta(days=i) for i in range(7)]  # Monday 2 March
    morning = mask_from_text("09:00-12:00")
    # This week only: Wednesday to Friday off, Saturday 14:00–16:00 instead of the morning.
    masks = {day: morning for day in week} | {
        week[2]: 0,
        week[3]: 0,
        week[4]: 0,
        week[5]: mask_from_text("14:00-16:00"),
    }
    availability_week_save(
        instructor=instructor,
        week_start=week[0],
        masks=masks,
        loaded_masks=dict.fromkeys(week, morning),
        expected_version=rules.version,
        every_week=False,
        now=NOW,
    )
    saturday_two = datetime(2026, 3, 7, 19, tzinfo=UTC)  # 14:00 EST
    assert spans(instructor)[0] == (saturday_two, datetime(2026, 3, 7, 21, tzinfo=UTC))
    assert (summary_of(instructor).next_open_starts_at, summary_of(instructor).next_open_ends_at) == spans(instructor)[
        0
    ]
    [card] = search_instructors(filters=SearchFilters(), now=NOW).page.object_list
    assert card.next_available_at == saturday_two


@pytest.mark.django_db
def test_a_longer_minimum_notice_moves_next_available_in_the_summary_and_on_the_card():
    make_catalog()
    instructor = bookable_offer(hours="09:00-12:00", notice=1).instructor
    open_time_refresh(instructor=instructor, now=NOW)
    assert summary_of(instructor).minimum_notice_hours == 1
    availability_settings_update(
        instructor=instructor,
        minimum_notice_hours=48,
        booking_horizon_days=HORIZON_DAYS,
        buffer_minutes=15,
        travel_buffer_minutes=30,
        now=NOW,
    )
    summary = summary_of(instructor)
    assert summary.minimum_notice_hours == 48
    # 48 hours from Wednesday 10:00 is Friday 10:00: the rest of Friday's morning.
    friday_ten, friday_noon = datetime(2026, 3, 6, 15, tzinfo=UTC), datetime(2026, 3, 6, 17, tzinfo=UTC)
    assert (summary.next_open_starts_at, summary.next_open_ends_at) == (
        datetime(2026, 3, 6, 14, tzinfo=UTC),
        friday_noon,
    )
    [card] = search_instructors(filters=SearchFilters(), now=NOW).page.object_list
    assert card.next_available_at == friday_ten


@pytest.mark.django_db
def test_a_hold_that_runs_out_gives_its_time_back_to_open_time_and_the_summary(django_capture_on_commit_callbacks):
    from accounts.tests.factories import student

    make_catalog()
    offer = bookable_offer(hours="09:00-12:00", notice=1)
    instructor = offer.instructor
    evening = datetime(2026, 3, 4, 22, tzinfo=UTC)  # Wednesday 17:00 in New York: the morning is over
    thursday_nine = datetime(2026, 3, 5, 14, tzinfo=UTC)
    open_time_refresh(instructor=instructor, now=evening)
    with django_capture_on_commit_callbacks(execute=True):
        held = booking_create(
            student=student(),
            offer=offer,
            duration_minutes=60,
            starts_at=thursday_nine,
            location_type="online",
            now=evening,
            idempotency_key="hold-thursday",
        )
    assert held.status == BookingStatus.PENDING
    # 9:00–10:00 is held, and the 15-minute buffer after it.
    thursday_after_hold = datetime(2026, 3, 5, 15, 15, tzinfo=UTC)
    assert summary_of(instructor).next_open_starts_at == thursday_after_hold
    assert spans(instructor)[0] == (thursday_after_hold, datetime(2026, 3, 5, 17, tzinfo=UTC))

    with django_capture_on_commit_callbacks(execute=True):
        assert bookings_release_expired_holds(now=held.hold_expires_at + timedelta(minutes=1)) == 1
    assert Booking.objects.get(pk=held.pk).status == BookingStatus.CANCELLED
    assert summary_of(instructor).next_open_starts_at == thursday_nine
    assert (thursday_nine, datetime(2026, 3, 5, 17, tzinfo=UTC)) in spans(instructor)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_both_repair_jobs_run_in_a_real_worker():
    """The hourly jobs as beat sends them: by name, to a worker process, which reads the clock itself."""
    make_catalog()
    live = bookable_offer(hours="00:00-24:00", notice=1).instructor
    suspended = bookable_offer(hours="00:00-24:00", notice=1, status="suspended").instructor
    started = timezone.now()
    for instructor in (live, suspended):
        open_time_refresh(instructor=instructor, now=started)
    OpenTime.objects.filter(instructor=live).delete()  # drift: all of it lost
    InstructorSearchSummary.objects.filter(instructor=live).update(rating_count=9, rating_sum=45, completed_lessons=3)

    with celery_worker() as worker:
        repair_open_time.apply_async(queue=worker.queue)
        worker.wait_for(lambda: not OpenTime.objects.filter(instructor=suspended).exists())
        open_spans = spans(live)
        assert len(open_spans) == 1  # open all day every day: one span from the worker's now to the horizon
        lower, upper = open_spans[0]
        assert started.replace(second=0, microsecond=0) <= lower <= timezone.now()
        assert upper == lower + timedelta(days=HORIZON_DAYS)

        repair_search_summaries.apply_async(queue=worker.queue)
        worker.wait_for(lambda: summary_of(live).rating_count == 0)
    summary = summary_of(live)
    assert (summary.rating_sum, summary.completed_lessons) == (0, 0)
    assert summary.refreshed_at >= started
    assert InstructorSearchSummary.objects.count() == InstructorProfile.objects.count() == 2
