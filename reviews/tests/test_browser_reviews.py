"""A student reviews a completed lesson, the instructor responds, a guest reads both on the profile;
the rating appears only with the third review; the tip step after the review is skipped here."""

import zoneinfo
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connections
from django.test import Client
from playwright.sync_api import expect

from accounts.tests.factories import instructor_user, student
from bookings.tests.factories import bookable_offer
from catalog.tests.factories import ServiceFactory
from instainstru.tests.htmx import wait_for_htmx
from reviews import services
from reviews.models import Review, ReviewResponse
from reviews.tests.factories import completed_lesson

pytestmark = pytest.mark.django_db(transaction=True)
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def swaps_the_list(page, change):
    """Makes a filter change and waits until HTMX has put the new list in place and settled it
    (the old list is marked, so the wait cannot end before the swap)."""
    page.evaluate("document.querySelector('#reviews').dataset.stale = 'yes'")
    change()
    expect(page.locator("#reviews:not([data-stale])")).to_be_attached()
    wait_for_htmx(page)


def log_in(page, live_url, user):
    page.context.clear_cookies()
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_url}])


def recent_lesson_start(days_ago: int) -> datetime:
    day = (datetime.now(tz=UTC) - timedelta(days=days_ago)).astimezone(NEW_YORK).date()
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=NEW_YORK).astimezone(UTC)


def in_thread(function):
    """Run set-up that sends notifications (async_to_sync) outside Playwright's event loop."""

    def run():
        try:
            return function()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def make_lessons():
    offer = bookable_offer(
        service=ServiceFactory(name="Piano"), user=instructor_user(full_name="Ada Teacher"), notice=1
    )
    sam = student(full_name="Sam Student")
    lessons = [
        completed_lesson(offer=offer, who=who, starts_at=recent_lesson_start(days))
        for who, days in ((sam, 2), (student(full_name="Kim Earlier"), 3), (student(full_name="Lee Later"), 4))
    ]
    # One earlier review by another student.
    services.review_create(
        booking=lessons[1], user=lessons[1].student, stars=5, text="Wonderful", now=datetime.now(tz=UTC)
    )
    return offer, sam, lessons


def test_review_respond_and_rating_from_the_third_review_on_a_phone(phone_page, live_url):
    page = phone_page
    offer, sam, lessons = in_thread(make_lessons)

    # Sam is prompted on the dashboard and reviews with stars and text.
    log_in(page, live_url, sam)
    page.goto(live_url + "/dashboard/")
    expect(page.get_by_text("How was your Piano lesson with Ada Teacher?")).to_be_visible()
    page.get_by_role("link", name="Review Ada").click()
    expect(page.get_by_role("heading", name="Review your lesson")).to_be_visible()
    page.get_by_label("4 stars").check()
    page.get_by_label("Your review (optional)").fill("Patient teacher <3 & clear plan")
    page.get_by_role("button", name="Publish review").click()
    expect(page.get_by_text("Thank you! Your review is published.")).to_be_visible()
    # The optional tip step (payments), skipped here.
    expect(page.get_by_role("heading", name="Leave a tip")).to_be_visible()
    page.get_by_role("link", name="No tip this time").click()
    expect(page.get_by_text("Reviewed", exact=True)).to_be_visible()
    assert Review.objects.filter(booking=lessons[0], stars=4).count() == 1

    # Ada responds once from her profile's review list.
    log_in(page, live_url, offer.instructor.user)
    page.goto(f"{live_url}/instructors/{offer.instructor.public_id}/")
    sams_review = page.get_by_role("article", name="Review by Sam")
    sams_review.get_by_role("link", name="Respond").click()
    page.get_by_label("Your response").fill("Thank you, Sam! See you next week.")
    page.get_by_role("button", name="Publish response").click()
    expect(page.get_by_text("Your response is published under the review.")).to_be_visible()
    assert ReviewResponse.objects.count() == 1

    # A guest sees the review (escaped) and the response; two reviews are still "New".
    page.context.clear_cookies()
    page.goto(f"{live_url}/instructors/{offer.instructor.public_id}/")
    review = page.get_by_role("article", name="Review by Sam")
    expect(review.get_by_text("Patient teacher <3 & clear plan")).to_be_visible()
    expect(review.get_by_text("Thank you, Sam! See you next week.")).to_be_visible()
    expect(review.get_by_label("4 out of 5 stars")).to_be_visible()
    expect(page.locator(".rating-summary").first).to_have_text("New")
    expect(page.get_by_label("Rated", exact=False)).to_have_count(0)

    # The third review makes the rating appear: (4 + 5 + 3) / 3 = 4.0.
    in_thread(
        lambda: services.review_create(booking=lessons[2], user=lessons[2].student, stars=3, now=datetime.now(tz=UTC))
    )
    page.reload()
    expect(page.get_by_label("Rated 4.0 out of 5").first).to_be_visible()
    expect(page.get_by_text("Piano: 3 reviews")).to_be_visible()

    # Filters update the list in place.
    reviews = page.locator("#reviews")
    swaps_the_list(page, lambda: page.get_by_label("Minimum stars").select_option("4"))
    expect(reviews.get_by_role("article")).to_have_count(2)
    swaps_the_list(page, lambda: page.get_by_label("With text only").check())
    expect(reviews.get_by_role("article")).to_have_count(2)
    swaps_the_list(page, lambda: page.get_by_label("Minimum stars").select_option("5"))
    expect(reviews.get_by_role("article")).to_have_count(1)
    expect(reviews.get_by_role("article", name="Review by Kim")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
