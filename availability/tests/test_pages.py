"""Only the instructor changes their own availability: everyone else is refused and nothing
changes."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import student
from availability import services
from availability.models import AvailabilitySettings, DateOverride, TimeOff, WeeklyAvailability
from bookings.tests.factories import bookable_offer

pytestmark = pytest.mark.django_db


def everything() -> tuple:
    """Every availability row there is, to compare before and after."""
    return (
        list(AvailabilitySettings.objects.order_by("pk").values()),
        list(WeeklyAvailability.objects.order_by("pk").values()),
        list(DateOverride.objects.order_by("pk").values()),
        list(TimeOff.objects.order_by("pk").values()),
    )


@pytest.fixture
def instructor_with_time_off():
    instructor = bookable_offer().instructor
    soon = timezone.now().date() + timedelta(days=30)
    off = services.time_off_create(
        instructor=instructor, first_day=soon, last_day=soon + timedelta(days=3), reason="Trip", now=timezone.now()
    )
    return instructor, off


def week_post(version: int) -> dict:
    data = {"version": version, "every_week": "1"}
    for i in range(7):
        data[f"day_{i}"] = "06:00-22:00"
        data[f"loaded_{i}"] = ""
    return data


def test_a_student_cannot_post_to_the_instructor_pages(client, instructor_with_time_off):
    instructor, off = instructor_with_time_off
    before = everything()
    client.force_login(student())
    version = AvailabilitySettings.objects.get(instructor=instructor).version
    posts = {
        reverse("availability_week") + "?week=2026-05-04": week_post(version),
        reverse("availability_settings"): {
            "minimum_notice_hours": 1,
            "booking_horizon_days": 365,
            "buffer_minutes": 0,
            "travel_buffer_minutes": 0,
        },
        reverse("time_off"): {"first_day": "2026-06-01", "last_day": "2026-06-05", "reason": "Mine"},
        reverse("time_off_delete", args=[off.pk]): {},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    assert everything() == before


def test_a_guest_is_sent_to_log_in_and_nothing_changes(client, instructor_with_time_off):
    _instructor, off = instructor_with_time_off
    before = everything()
    response = client.post(reverse("time_off_delete", args=[off.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    response = client.post(reverse("availability_week"), week_post(1))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert everything() == before


def test_another_instructor_cannot_remove_my_time_off(client, instructor_with_time_off):
    _instructor, off = instructor_with_time_off
    other = bookable_offer().instructor
    before = everything()
    client.force_login(other.user)
    response = client.post(reverse("time_off_delete", args=[off.pk]), follow=True)
    assert response.redirect_chain == [(reverse("time_off"), 302)]
    assert "That time off was already removed." in response.content.decode()
    assert "Trip" not in response.content.decode()  # their own list, not mine
    assert everything() == before


def test_the_instructor_removes_their_own_time_off_once(client, instructor_with_time_off):
    instructor, off = instructor_with_time_off
    version = AvailabilitySettings.objects.get(instructor=instructor).version
    client.force_login(instructor.user)
    assert "Trip" in client.get(reverse("time_off")).content.decode()
    removed = client.post(reverse("time_off_delete", args=[off.pk]), follow=True).content.decode()
    assert "Time off removed." in removed
    assert TimeOff.objects.count() == 0
    again = client.post(reverse("time_off_delete", args=[off.pk]), follow=True).content.decode()
    assert "That time off was already removed." in again
    assert AvailabilitySettings.objects.get(instructor=instructor).version == version + 1
