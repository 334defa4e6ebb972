"""The review list on the profile: pages of ten, newest first, "Newer"/"Older" links that HTMX
follows (keeping the filters), and the cached rating summary cleared when the instructor answers."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache

from reviews import services
from reviews.models import ReviewResponse
from reviews.selectors import (
    CACHE_KEY,
    VERSION_KEY,
    RatingSummary,
    rating_cache_invalidate,
    rating_cache_versions,
    rating_summaries_count,
    rating_summary,
)
from reviews.tests.factories import FIRST_LESSON_AT, completed_lesson

pytestmark = pytest.mark.django_db

LESSONS = 12
AFTER_THE_LAST_LESSON = FIRST_LESSON_AT + timedelta(days=LESSONS)


@pytest.fixture(autouse=True)
def _after_the_lessons():
    with time_machine.travel(AFTER_THE_LAST_LESSON, tick=False):
        yield


def reviewed_lessons(count: int, stars=lambda n: 5):
    """`count` lessons of one instructor, reviewed in order ("Review 01" oldest) a minute apart."""
    first = completed_lesson()
    lessons = [first] + [
        completed_lesson(offer=first.offer, starts_at=FIRST_LESSON_AT + timedelta(days=n)) for n in range(1, count)
    ]
    for n, booking in enumerate(lessons, start=1):
        services.review_create(
            booking=booking,
            user=booking.student,
            stars=stars(n),
            text=f"Review {n:02d}",
            now=AFTER_THE_LAST_LESSON - timedelta(hours=1) + timedelta(minutes=n),
        )
    return first.instructor


def shown(html: str) -> list[str]:
    return re.findall(r"Review \d\d", html)


def links(html: str) -> dict[str, tuple[str, str]]:
    """{link text: (href, hx-get)} of the pagination links."""
    found = re.findall(r'<a href="([^"]+)" hx-get="([^"]+)" hx-target="#reviews" hx-swap="outerHTML">([^<]+)</a>', html)
    return {text: (href.replace("&amp;", "&"), hx.replace("&amp;", "&")) for href, hx, text in found}


def test_profile_shows_the_ten_newest_reviews_and_an_older_link_that_htmx_follows(client):
    instructor = reviewed_lessons(LESSONS)
    list_url = f"/instructors/{instructor.public_id}/reviews/"
    profile = client.get(f"/instructors/{instructor.public_id}/").content.decode()
    assert shown(profile) == [f"Review {n:02d}" for n in range(12, 2, -1)]
    assert "Page 1 of 2 (12 reviews)" in profile
    assert links(profile) == {"Older reviews": (f"{list_url}?page=2", f"{list_url}?page=2")}

    older = client.get(f"{list_url}?page=2", HTTP_HX_REQUEST="true")
    fragment = older.content.decode()
    assert older.status_code == 200
    assert "<html" not in fragment and fragment.lstrip().startswith('<section id="reviews"')
    assert shown(fragment) == ["Review 02", "Review 01"]
    assert "Page 2 of 2 (12 reviews)" in fragment
    assert links(fragment) == {"Newer reviews": (f"{list_url}?page=1", f"{list_url}?page=1")}

    # Without JavaScript the same link gives the whole page.
    assert "<html" in client.get(f"{list_url}?page=2").content.decode()


def test_page_links_keep_the_filters(client):
    instructor = reviewed_lessons(LESSONS, stars=lambda n: 4 if n == 12 else 5)
    list_url = f"/instructors/{instructor.public_id}/reviews/"
    first = client.get(f"{list_url}?min_stars=5&with_text=1", HTTP_HX_REQUEST="true").content.decode()
    assert shown(first) == [f"Review {n:02d}" for n in range(11, 1, -1)]  # Review 12 has 4 stars
    older = f"{list_url}?min_stars=5&with_text=1&page=2"
    assert links(first) == {"Older reviews": (older, older)}
    second = client.get(older, HTTP_HX_REQUEST="true").content.decode()
    assert shown(second) == ["Review 01"]
    newer = f"{list_url}?min_stars=5&with_text=1&page=1"
    assert links(second) == {"Newer reviews": (newer, newer)}


def cached_summary_key(instructor) -> str:
    return CACHE_KEY.format(instructor.pk, rating_cache_versions([instructor.pk])[instructor.pk])


def test_answering_a_review_clears_the_cached_summary_and_shows_at_once(client, django_capture_on_commit_callbacks):
    instructor = reviewed_lessons(3)
    assert rating_summary(instructor).count == 3
    key = cached_summary_key(instructor)
    assert cache.get(key) is not None
    review = instructor.reviews.order_by("created_at").first()
    client.force_login(instructor.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/reviews/{review.public_id}/respond/", {"text": "Thank you, Ada!"})
    assert response.status_code == 302
    assert cached_summary_key(instructor) != key
    assert cache.get(cached_summary_key(instructor)) is None
    profile = client.get(f"/instructors/{instructor.public_id}/").content.decode()
    assert "Thank you, Ada!" in profile and "★ 5.0" in profile
    key = cached_summary_key(instructor)
    assert cache.get(key) is not None  # filled again by the profile

    # A refused second answer changes nothing, the cache included.
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(f"/reviews/{review.public_id}/respond/", {"text": "Again"})
    assert refused.status_code == 409
    assert cached_summary_key(instructor) == key and cache.get(key) is not None
    assert list(ReviewResponse.objects.values_list("text", flat=True)) == ["Thank you, Ada!"]


def test_a_reader_that_counted_before_a_review_committed_cannot_cache_its_stale_summary(
    django_capture_on_commit_callbacks,
):
    """The race: a profile view reads the version and counts two reviews; the third review commits
    and drops the cache; only then does the view store what it counted. The next reader must see
    three reviews, not the two cached for a day."""
    instructor = reviewed_lessons(2)
    third = completed_lesson(offer=instructor.services.first(), starts_at=FIRST_LESSON_AT + timedelta(days=LESSONS))

    # The slow reader, step by step as rating_summaries does it: version first, then the count.
    versions = rating_cache_versions([instructor.pk])
    counted = rating_summaries_count([instructor.pk])
    assert counted[instructor.pk].count == 2

    with django_capture_on_commit_callbacks(execute=True):
        services.review_create(
            booking=third, user=third.student, stars=2, now=AFTER_THE_LAST_LESSON + timedelta(days=1)
        )

    # ... and stores its count under the version it read, after the invalidation.
    cache.set(CACHE_KEY.format(instructor.pk, versions[instructor.pk]), counted[instructor.pk])
    summary = rating_summary(instructor)
    assert (summary.count, summary.stars_sum, summary.shown) == (3, 12, True)


def test_a_lost_version_key_never_brings_back_an_old_summary():
    instructor = reviewed_lessons(1)
    old_version = rating_cache_versions([instructor.pk])[instructor.pk]
    cache.set(CACHE_KEY.format(instructor.pk, old_version), RatingSummary(count=99, stars_sum=99))
    cache.delete(VERSION_KEY.format(instructor.pk))  # evicted by Redis, say
    assert rating_summary(instructor).count == 1
    assert rating_cache_versions([instructor.pk])[instructor.pk] != old_version
    # Dropping the cache with no version key still moves past every old version.
    cache.delete(VERSION_KEY.format(instructor.pk))
    rating_cache_invalidate(instructor.pk)
    assert rating_cache_versions([instructor.pk])[instructor.pk] != old_version
