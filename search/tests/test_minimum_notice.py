"""Search shows, sorts and filters by the times a student could actually book: from now plus the
instructor's minimum notice, on the slot engine's grid, with room for a lesson. The card's next
available time is a slot the slot engine offers."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from availability.services import open_time_refresh
from availability.slots import available_slots
from bookings.tests.factories import bookable_offer, confirmed_booking
from search.models import InstructorSearchSummary
from search.selectors import SearchFilters, Sort, search_instructors
from search.tests.helpers import make_catalog

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")
# Wednesday 4 March 2026, 12:00 in New York: the morning is over, the afternoon opens at 14:00.
NOW = datetime(2026, 3, 4, 17, 0, tzinfo=UTC)
TWO_PM_TODAY = datetime(2026, 3, 4, 14, 0, tzinfo=NEW_YORK)
FOUR_PM_TODAY = datetime(2026, 3, 4, 16, 0, tzinfo=NEW_YORK)
TWO_PM_TOMORROW = datetime(2026, 3, 5, 14, 0, tzinfo=NEW_YORK)


def teacher(catalog, name, *, hours, notice, refreshed_at=NOW):
    offer = bookable_offer(service=catalog["piano"], hours=hours, notice=notice)
    offer.instructor.user.full_name = name
    offer.instructor.user.save()
    open_time_refresh(instructor=offer.instructor, now=refreshed_at)
    return offer


@pytest.fixture
def teachers():
    """Open from 14:00 today (in 2 hours) for all three; only Nina asks for a day's notice."""
    catalog = make_catalog()
    return {
        "sam": teacher(catalog, "Soon Sam", hours="09:00-12:00, 14:00-17:00", notice=1),
        "nina": teacher(catalog, "Notice Nina", hours="09:00-12:00, 14:00-17:00", notice=24),
        "leo": teacher(catalog, "Later Leo", hours="16:00-17:00", notice=1),
    }


def first_slot(offer, now, *, duration=30):
    """What the slot engine offers first for the shortest lesson, looking two weeks ahead."""
    today = now.astimezone(NEW_YORK).date()
    slots = available_slots(
        offer=offer,
        duration_minutes=duration,
        location_type="online",
        start_date=today,
        end_date=today + timedelta(days=14),
        student_tz=NEW_YORK,
        now=now,
    )
    return slots[0].starts_at if slots else None


def cards(now=NOW, **filters):
    results = search_instructors(filters=SearchFilters(**filters), now=now)
    return {card.user.full_name: card.next_available_at for card in results.page.object_list}


def test_next_available_starts_after_the_notice_and_soonest_sorts_by_it(teachers):
    soonest = cards(sort=Sort.SOONEST)
    assert list(soonest) == ["Soon Sam", "Later Leo", "Notice Nina"]
    assert soonest == {"Soon Sam": TWO_PM_TODAY, "Later Leo": FOUR_PM_TODAY, "Notice Nina": TWO_PM_TOMORROW}
    assert soonest["Notice Nina"] >= NOW + timedelta(hours=24)
    # Every card's time is the first slot the slot engine offers, by the summary and by the probe.
    for offer in teachers.values():
        assert soonest[offer.instructor.user.full_name] == first_slot(offer, NOW)
    InstructorSearchSummary.objects.all().delete()
    assert cards(sort=Sort.SOONEST) == soonest
    # Relevance ranks availability soon: Nina's day of notice counts against her.
    assert list(cards(sort=Sort.RELEVANCE))[-1] == "Notice Nina"


def test_the_summary_stores_the_notice_and_the_first_interval_a_student_could_book(teachers):
    summary = InstructorSearchSummary.objects.get(instructor=teachers["nina"].instructor)
    assert summary.minimum_notice_hours == 24
    assert (summary.next_open_starts_at, summary.next_open_ends_at) == (
        TWO_PM_TOMORROW,
        datetime(2026, 3, 5, 17, 0, tzinfo=NEW_YORK),
    )
    assert InstructorSearchSummary.objects.get(instructor=teachers["sam"].instructor).minimum_notice_hours == 1


@pytest.mark.parametrize(
    "later",
    [
        NOW + timedelta(hours=2, minutes=7),  # 14:07: inside Sam's open time, off the grid
        NOW + timedelta(hours=4, minutes=40),  # 16:40: 20 minutes left today, no lesson fits
        NOW + timedelta(days=1, hours=3, minutes=1),  # Thursday 15:01
    ],
)
def test_later_the_card_still_shows_the_first_bookable_slot(teachers, later):
    """Later than the refresh, from the stored interval while it still fits and by the probe after."""
    found = cards(now=later, sort=Sort.SOONEST)
    for offer in teachers.values():
        assert found[offer.instructor.user.full_name] == first_slot(offer, later)
    InstructorSearchSummary.objects.all().delete()
    assert cards(now=later, sort=Sort.SOONEST) == found


def test_a_short_gap_between_bookings_is_not_next_available(teachers, django_capture_on_commit_callbacks):
    """A 15-minute gap left between two lessons fits no lesson: the card shows the time after."""
    sam = teachers["sam"]
    with django_capture_on_commit_callbacks(execute=True):
        confirmed_booking(offer=sam, starts_at=TWO_PM_TODAY, now=NOW, duration=60)  # its buffer ends 15:15
        confirmed_booking(offer=sam, starts_at=datetime(2026, 3, 4, 15, 30, tzinfo=NEW_YORK), now=NOW, duration=30)
    # 15:15–15:30 is open time, but no lesson fits; 16:15 is the next start (16:00 plus the buffer).
    assert cards()["Soon Sam"] == datetime(2026, 3, 4, 16, 15, tzinfo=NEW_YORK) == first_slot(sam, NOW)
    InstructorSearchSummary.objects.all().delete()
    assert cards()["Soon Sam"] == datetime(2026, 3, 4, 16, 15, tzinfo=NEW_YORK)


def test_a_time_window_inside_the_notice_or_already_past_does_not_match(client, teachers):
    # Open this morning only, its open time stored at 07:00: by noon that morning has passed.
    piano = teachers["sam"].service
    teacher({"piano": piano}, "Morning Mo", hours="09:00-12:00", notice=1, refreshed_at=NOW - timedelta(hours=5))

    def found(when):
        page = client.get("/search/", {"service": "piano", "when": when}).content.decode()
        api = client.get("/api/v1/search/", {"service": "piano", "when": when}).json()
        on_page = {name for name in ("Soon Sam", "Notice Nina", "Later Leo", "Morning Mo") if name in page}
        assert on_page == {card["name"] for card in api["results"]}
        return on_page

    with time_machine.travel(NOW, tick=False):
        assert found("today") == {"Soon Sam", "Later Leo"}
        # 09:00–12:00 tomorrow is open, but all of it lies within Nina's 24 hours of notice.
        assert found("tomorrow morning") == {"Soon Sam", "Morning Mo"}
        assert found("tomorrow afternoon") == {"Soon Sam", "Notice Nina", "Later Leo"}
    with time_machine.travel(NOW - timedelta(hours=2), tick=False):  # 10:00: 11:00–12:00 is bookable
        assert "Morning Mo" in found("today")


def test_the_card_on_the_page_and_in_the_api_shows_the_time_after_the_notice(client, teachers):
    with time_machine.travel(NOW, tick=False):
        api = client.get("/api/v1/search/", {"service": "piano", "sort": "soonest"}).json()
        page = client.get("/search/", {"service": "piano", "sort": "soonest"}).content.decode()
    assert [card["name"] for card in api["results"]] == ["Soon Sam", "Later Leo", "Notice Nina"]
    nina = api["results"][2]
    assert datetime.fromisoformat(nina["next_available_at"]) == TWO_PM_TOMORROW
    assert "Next available: Thu, Mar 5, 2:00 PM EST" in page  # a guest reads New York time
    assert "Next available: Wed, Mar 4, 2:00 PM EST" in page  # Sam
