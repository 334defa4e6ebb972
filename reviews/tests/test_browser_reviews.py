"""A student reviews a completed lesson with a tip (charged on the local Stripe server), the
instructor responds, a guest reads both on the profile; the rating appears only with the third
review. Reporting a review, the reviews page and the badges on the dashboard."""

import zoneinfo
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connections
from django.test import Client
from playwright.sync_api import expect

from accounts.tests.factories import instructor_user, student
from catalog.tests.factories import ServiceFactory
from instainstru.tests.htmx import wait_for_htmx
from payments import stripe_client
from payments.models import LedgerEntry, Payment
from reviews import services
from reviews.models import Review, ReviewReport, ReviewResponse
from reviews.tests.factories import FIRST_LESSON_AT, completed_lesson

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


def tip_intents() -> list:
    intents = stripe_client.call("payment_intents", "list", params={"limit": 100}).data
    return [intent for intent in intents if intent.metadata.to_dict().get("kind") == "tip"]


def make_lessons(server):
    """Ada teaches Piano ($90 an hour, so a tip is $1.00 to $180.00). Sam's lesson two days ago was
    paid by card on the local Stripe server and charged; Kim's and Lee's were given too, and Kim
    has reviewed hers."""
    from payments.tests.helpers import completed_lesson as paid_lesson
    from payments.tests.helpers import instructor_offer

    booked_at = (datetime.now(tz=UTC) - timedelta(days=5)).replace(hour=15, minute=0, second=0, microsecond=0)
    offer = instructor_offer(
        server, now=booked_at, service=ServiceFactory(name="Piano"), user=instructor_user(full_name="Ada Teacher")
    )
    sam = student(full_name="Sam Student")
    sams_lesson, lesson_payment, _ = paid_lesson(server, now=booked_at, offer=offer, who=sam)
    assert (sams_lesson.status, lesson_payment.status, lesson_payment.lesson_price_cents) == (
        "completed",
        "captured",
        9000,
    )
    lessons = [sams_lesson] + [
        completed_lesson(offer=offer, who=who, starts_at=recent_lesson_start(days))
        for who, days in ((student(full_name="Kim Earlier"), 3), (student(full_name="Lee Later"), 4))
    ]
    # One earlier review by another student.
    services.review_create(
        booking=lessons[1], user=lessons[1].student, stars=5, text="Wonderful", now=datetime.now(tz=UTC)
    )
    return offer, sam, lessons


def nothing_stored_for(lesson):
    assert Review.objects.filter(booking=lesson).count() == 0
    assert Payment.objects.filter(kind="tip").count() == 0
    assert tip_intents() == []


def test_review_with_a_tip_respond_and_rating_from_the_third_review_on_a_phone(phone_page, live_url, local_stripe):
    page = phone_page
    offer, sam, lessons = in_thread(lambda: make_lessons(local_stripe))

    # Sam is prompted on the dashboard and reviews with stars, text and a tip.
    log_in(page, live_url, sam)
    page.goto(live_url + "/dashboard/")
    expect(page.get_by_text("How was your Piano lesson with Ada Teacher?")).to_be_visible()
    page.get_by_role("link", name="Review Ada").click()
    expect(page.get_by_role("heading", name="Review your lesson")).to_be_visible()
    card = sam.saved_cards.get(is_default=True)
    expect(page.get_by_text(f"Your default card: {card.label}.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_label("4 stars").check()
    page.get_by_label("Your review (optional)").fill("Patient teacher <3 & clear plan")
    tip = page.get_by_label("Add a tip (optional, $1.00 to $180.00)")

    # Over twice the lesson's price, then under a dollar: refused, nothing published or charged.
    for amount in ("500", "0.50"):
        tip.fill(amount)
        page.get_by_role("button", name="Publish review").click()
        expect(page.get_by_role("alert")).to_have_text("A tip can be from $1.00 to $180.00.")
        expect(page.get_by_label("Your review (optional)")).to_have_value("Patient teacher <3 & clear plan")
        expect(page.get_by_label("4 stars")).to_be_checked()
        expect(tip).to_have_value(amount)
        nothing_stored_for(lessons[0])

    tip.fill("15")
    page.get_by_role("button", name="Publish review").click()
    expect(
        page.get_by_text("Thank you! Your review is published and your $15.00 tip goes to Ada Teacher.")
    ).to_be_visible()
    expect(page.get_by_text("Your tip: $15.00. Thank you!")).to_be_visible()
    expect(page.get_by_text("Reviewed", exact=True)).to_be_visible()
    assert Review.objects.filter(booking=lessons[0], stars=4).count() == 1
    paid_tip = Payment.objects.get(kind="tip")
    assert (paid_tip.booking_id, paid_tip.student_id, paid_tip.captured_cents, paid_tip.instructor_share_cents) == (
        lessons[0].pk,
        sam.pk,
        1500,
        1500,
    )
    assert list(LedgerEntry.objects.filter(payment=paid_tip).values_list("kind", "amount_cents")) == [
        ("tip", 1500),
        ("transfer", 1500),
    ]
    intent = stripe_client.call("payment_intents", "retrieve", paid_tip.payment_intent_id)
    assert (intent.status, intent.amount_received, intent.payment_method) == ("succeeded", 1500, card.payment_method_id)
    assert [intent.id for intent in tip_intents()] == [paid_tip.payment_intent_id]

    # Ada responds once from her profile's review list.
    log_in(page, live_url, offer.instructor.user)
    page.goto(f"{live_url}/instructors/{offer.instructor.public_id}/")
    sams_review = page.get_by_role("article", name="Review by Sam")
    sams_review.get_by_role("link", name="Respond").click()
    expect(page.get_by_role("heading", name="Respond to a review")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
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


def reviewed_lessons(count: int, *, name: str = "Ada Teacher"):
    """`count` lessons of one Piano teacher, each reviewed an hour after it ("Review 01" oldest)."""
    offer = bookable_offer_named(name)
    lessons = [completed_lesson(offer=offer, starts_at=FIRST_LESSON_AT + timedelta(days=n)) for n in range(count)]
    for n, booking in enumerate(lessons, start=1):
        services.review_create(
            booking=booking,
            user=booking.student,
            stars=5 if n % 2 else 4,
            text=f"Review {n:02d}",
            now=booking.lesson_ends_at + timedelta(hours=1),
        )
    return offer.instructor, lessons


def bookable_offer_named(name: str):
    from bookings.tests.factories import bookable_offer

    return bookable_offer(service=ServiceFactory(name="Piano"), user=instructor_user(full_name=name), notice=1)


def test_a_student_reports_a_review_on_the_reviews_page(page, live_url):
    instructor, lessons = in_thread(lambda: reviewed_lessons(1))
    reader = student(full_name="Rita Reader")
    log_in(page, live_url, reader)
    page.goto(f"{live_url}/instructors/{instructor.public_id}/reviews/")
    review = page.get_by_role("article", name=f"Review by {lessons[0].student.first_name}")
    review.get_by_text("Report this review").click()
    review.get_by_role("button", name="Send report").click()
    expect(review.get_by_role("alert")).to_have_text("Tell us what is wrong with this review.")
    assert ReviewReport.objects.count() == 0
    wait_for_htmx(page)
    review.get_by_label("What is wrong with it?").fill("It names a different teacher.")
    review.get_by_role("button", name="Send report").click()
    expect(review.get_by_role("status")).to_have_text("Reported. Our team will look at this review.")
    assert list(ReviewReport.objects.values_list("reported_by", "reason")) == [
        (reader.pk, "It names a different teacher.")
    ]
    page.reload()
    review = page.get_by_role("article", name=f"Review by {lessons[0].student.first_name}")
    expect(review.get_by_text("Reported. Our team will look at this review.")).to_be_visible()
    expect(review.get_by_text("Report this review")).to_have_count(0)
    # The author sees no report button on their own review.
    log_in(page, live_url, lessons[0].student)
    page.reload()
    expect(page.get_by_text("Report this review")).to_have_count(0)
    assert ReviewReport.objects.count() == 1


def test_the_reviews_page_pages_through_older_reviews_with_badges_on_a_phone(phone_page, live_url):
    page = phone_page
    instructor, _ = in_thread(lambda: reviewed_lessons(12))
    page.goto(f"{live_url}/instructors/{instructor.public_id}/reviews/")
    expect(page.get_by_role("heading", name="Reviews of Ada Teacher")).to_be_visible()
    reviews = page.locator("#reviews")
    expect(reviews.get_by_label("Rated 4.5 out of 5")).to_be_visible()  # 6 × 5 + 6 × 4 stars
    expect(page.get_by_text("Piano: 12 reviews")).to_be_visible()
    expect(reviews.get_by_role("article")).to_have_count(10)
    expect(reviews.locator(".review-text").first).to_have_text("Review 12")
    expect(page.get_by_text("Page 1 of 2 (12 reviews)")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    swaps_the_list(page, lambda: page.get_by_role("link", name="Older reviews").click())
    expect(reviews.locator(".review-text")).to_have_text(["Review 02", "Review 01"])
    expect(page.get_by_text("Page 2 of 2 (12 reviews)")).to_be_visible()
    swaps_the_list(page, lambda: page.get_by_role("link", name="Newer reviews").click())
    expect(reviews.get_by_role("article")).to_have_count(10)
    # The filters apply on this page too, and the badges are listed under the reviews.
    swaps_the_list(page, lambda: page.get_by_label("Minimum stars").select_option("5"))
    expect(reviews.get_by_role("article")).to_have_count(6)
    badges = page.get_by_role("region", name="Badges")
    expect(badges.get_by_text("First lesson", exact=True)).to_be_visible()
    expect(badges.get_by_text("First 5-star review", exact=True)).to_be_visible()
    expect(badges.get_by_text("5 lessons", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("link", name="Back to Ada's profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Teacher")


def test_a_student_sees_their_badges_on_the_dashboard_on_a_phone(phone_page, live_url):
    page = phone_page
    lesson = in_thread(lambda: completed_lesson(starts_at=recent_lesson_start(2)))
    earned = lesson.lesson_ends_at.astimezone(NEW_YORK)
    log_in(page, live_url, lesson.student)
    page.goto(live_url + "/dashboard/")
    badges = page.get_by_role("region", name="Your badges")
    expect(badges.get_by_role("listitem")).to_have_count(1)
    expect(badges.get_by_role("listitem")).to_have_text(
        f"First lesson Completed a first lesson · earned {earned:%b} {earned.day}, {earned.year}"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
