"""Refusals through the pages and the API: a clear message, the right status, nothing stored."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils.html import escape

from accounts.tests.factories import student
from reviews import services
from reviews.models import Review, ReviewResponse
from reviews.tests.factories import FIRST_LESSON_AT, completed_lesson

pytestmark = pytest.mark.django_db
SOON_AFTER = FIRST_LESSON_AT + timedelta(days=1)


@pytest.fixture
def lesson():
    return completed_lesson()


@pytest.fixture(autouse=True)
def _day_after_the_lesson():
    with time_machine.travel(SOON_AFTER, tick=False):
        yield


@pytest.mark.parametrize(
    ("stars", "text", "status", "message"),
    [
        ("0", "", 422, "Choose a rating from 1 to 5 stars."),
        ("6", "", 422, "Choose a rating from 1 to 5 stars."),
        ("5", "a" * 501, 422, "Keep your review to 500 characters; this one has 501."),
        ("5", "<script>alert('x')</script>", 422, "must be plain text"),
    ],
)
def test_review_page_refuses_bad_input(client, lesson, stars, text, status, message):
    client.force_login(lesson.student)
    response = client.post(f"/lessons/{lesson.public_id}/review/", {"stars": stars, "text": text})
    assert response.status_code == status
    assert message in response.content.decode().replace("&#x27;", "'")
    assert Review.objects.count() == 0


def test_review_page_for_someone_elses_lesson_shows_nothing_of_it(client, lesson):
    client.force_login(student())
    secrets = (lesson.service_name, lesson.instructor.user.full_name, lesson.instructor.user.first_name)
    for response in (
        client.get(f"/lessons/{lesson.public_id}/review/"),
        client.post(f"/lessons/{lesson.public_id}/review/", {"stars": "5", "text": "Hijack"}),
        client.post(f"/lessons/{lesson.public_id}/review/", {"stars": "9"}),
    ):
        html = response.content.decode()
        assert response.status_code == 403
        assert '<p class="error" role="alert">You can only review your own lessons.</p>' in html
        assert not [secret for secret in secrets if secret in html]
        assert 'name="stars"' not in html
    assert Review.objects.count() == 0


@pytest.mark.parametrize("text", ["JavaScript: loops and closures", "2<x and y>1", "I <3 it & more", "a < b, c > d"])
def test_plain_text_with_angle_brackets_or_javascript_is_published_and_shown_escaped(client, lesson, text):
    client.force_login(lesson.student)
    response = client.post(f"/lessons/{lesson.public_id}/review/", {"stars": "5", "text": text})
    assert response.status_code == 302
    assert Review.objects.get().text == text
    listing = client.get(f"/instructors/{lesson.instructor.public_id}/reviews/").content.decode()
    assert f'<p class="review-text">{escape(text)}</p>' in listing


def test_review_page_before_the_lesson_ends(client):
    from bookings.tests.factories import bookable_offer, confirmed_booking

    with time_machine.travel(FIRST_LESSON_AT - timedelta(days=2), tick=False):
        booking = confirmed_booking(
            offer=bookable_offer(), starts_at=FIRST_LESSON_AT, now=FIRST_LESSON_AT - timedelta(days=2)
        )
    client.force_login(booking.student)
    with time_machine.travel(FIRST_LESSON_AT + timedelta(minutes=30), tick=False):
        response = client.post(f"/lessons/{booking.public_id}/review/", {"stars": "5"})
    assert response.status_code == 409
    assert "You can review this lesson once it has ended." in response.content.decode()
    assert Review.objects.count() == 0


def test_review_page_publishes_then_refuses_a_second_review(client, lesson):
    client.force_login(lesson.student)
    page = client.get(f"/lessons/{lesson.public_id}/review/")
    assert "Publish review" in page.content.decode()
    response = client.post(f"/lessons/{lesson.public_id}/review/", {"stars": "4", "text": "I <3 it & more"})
    # Back to the lesson (the tip, when one is possible, is part of the form: test_review_tip).
    assert (response.status_code, response["Location"]) == (302, f"/lessons/{lesson.public_id}/")
    detail = client.get(f"/lessons/{lesson.public_id}/").content.decode()
    assert "Thank you! Your review is published." in detail
    assert detail.count('<span class="badge reviewed">Reviewed</span>') == 1
    assert ">Write a review<" not in detail
    response = client.post(f"/lessons/{lesson.public_id}/review/", {"stars": "1"})
    assert response.status_code == 409
    assert '<p class="error" role="alert">You have already reviewed this lesson.</p>' in response.content.decode()
    assert 'name="stars"' not in response.content.decode()
    assert list(Review.objects.values_list("stars", flat=True)) == [4]
    listing = client.get(f"/instructors/{lesson.instructor.public_id}/reviews/").content.decode()
    assert "I &lt;3 it &amp; more" in listing


def test_respond_page_refuses_others_and_a_second_response(client, lesson):
    review = services.review_create(booking=lesson, user=lesson.student, stars=5, now=SOON_AFTER)
    client.force_login(lesson.student)
    response = client.post(f"/reviews/{review.public_id}/respond/", {"text": "Hijack"})
    assert response.status_code == 403
    assert "Only the instructor who was reviewed can respond." in response.content.decode()
    client.force_login(lesson.instructor.user)
    response = client.post(f"/reviews/{review.public_id}/respond/", {"text": "<b>Thanks</b>"})
    assert response.status_code == 422
    assert ReviewResponse.objects.count() == 0
    assert client.post(f"/reviews/{review.public_id}/respond/", {"text": "Thanks!"}).status_code == 302
    response = client.post(f"/reviews/{review.public_id}/respond/", {"text": "Again"})
    assert response.status_code == 409
    assert "You have already responded to this review." in response.content.decode()
    assert list(ReviewResponse.objects.values_list("text", flat=True)) == ["Thanks!"]


def review_queries(client, url) -> tuple[str, int]:
    """The page's HTML and how many of its queries read the reviews table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), sum('"reviews_review"' in query["sql"] for query in queries.captured_queries)


@pytest.fixture
def three_lessons_two_reviewed():
    """Three lessons of one student with one instructor, Mon–Wed of the first week; the first two reviewed."""
    first = completed_lesson()
    person = first.student
    lessons = [first] + [
        completed_lesson(offer=first.offer, who=person, starts_at=FIRST_LESSON_AT + timedelta(days=d)) for d in (1, 2)
    ]
    now = lessons[-1].lesson_ends_at + timedelta(hours=1)
    for booking in lessons[:2]:
        services.review_create(booking=booking, user=person, stars=5, now=now)
    with time_machine.travel(now, tick=False):
        yield lessons


REVIEWED = '<span class="badge reviewed">Reviewed</span>'


def test_my_lessons_show_reviewed_with_one_query_for_the_whole_list(client, three_lessons_two_reviewed):
    client.force_login(three_lessons_two_reviewed[0].student)
    html, queries = review_queries(client, "/lessons/?show=past")
    assert (html.count(REVIEWED), html.count(">Write a review</a>"), queries) == (2, 1, 1)


def test_the_instructors_list_and_week_calendar_show_reviewed_with_one_query(client, three_lessons_two_reviewed):
    lessons = three_lessons_two_reviewed
    client.force_login(lessons[0].instructor.user)
    html, queries = review_queries(client, "/teach/bookings/?show=past")
    # The instructor sees which lessons were reviewed; "Write a review" is for the student only.
    assert (html.count(REVIEWED), html.count("Write a review"), queries) == (2, 0, 1)
    html, queries = review_queries(client, f"/teach/bookings/week/?week={FIRST_LESSON_AT.date().isoformat()}")
    assert (html.count(REVIEWED), queries) == (2, 1)
    for booking, reviewed in zip(lessons, (True, True, False), strict=True):
        row = re.search(rf"<p><a href=\"/lessons/{booking.public_id}/\">.*?</p>", html, re.S).group(0)
        assert (REVIEWED in row) is reviewed
    # A week without lessons asks nothing.
    html, queries = review_queries(client, "/teach/bookings/week/?week=2026-03-09")
    assert (html.count(REVIEWED), queries) == (0, 0)


def test_profile_shows_new_until_three_reviews_and_filters_the_list(client, django_capture_on_commit_callbacks):
    first = completed_lesson()
    lessons = [first] + [
        completed_lesson(offer=first.offer, starts_at=FIRST_LESSON_AT + timedelta(days=d)) for d in (1, 2)
    ]
    now = lessons[-1].lesson_ends_at + timedelta(hours=1)
    profile_url = f"/instructors/{first.instructor.public_id}/"
    for booking, stars, text in zip(lessons, (5, 2, 4), ("Superb", "", "Good"), strict=True):
        with django_capture_on_commit_callbacks(execute=True):
            services.review_create(booking=booking, user=booking.student, stars=stars, text=text, now=now)
        if booking is not lessons[-1]:
            assert '<span class="badge">New</span>' in client.get(profile_url).content.decode()
    html = client.get(profile_url).content.decode()
    assert "★ 3.7" in html
    assert f"{first.offer.service.name}: 3 reviews" in html
    filtered = client.get(f"/instructors/{first.instructor.public_id}/reviews/?min_stars=4", HTTP_HX_REQUEST="true")
    text = filtered.content.decode()
    assert "<html" not in text
    assert text.count('class="review"') == 2
    with_text = client.get(f"/instructors/{first.instructor.public_id}/reviews/?with_text=1").content.decode()
    assert with_text.count('class="review"') == 2
    assert with_text.index("Good") < with_text.index("Superb")


# --- API ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "status", "detail"),
    [
        ({"stars": 0}, 422, "Choose a rating from 1 to 5 stars."),
        ({"stars": 6}, 422, "Choose a rating from 1 to 5 stars."),
        ({"stars": 5, "text": "b" * 501}, 422, "Keep your review to 500 characters; this one has 501."),
        ({"stars": 5, "text": "<script>x</script>"}, 422, None),
    ],
)
def test_api_refuses_bad_input(client, lesson, payload, status, detail):
    client.force_login(lesson.student)
    response = client.post("/api/v1/reviews/", {"lesson": lesson.public_id, **payload}, content_type="application/json")
    assert response.status_code == status
    if detail:
        assert response.json()["detail"] == detail
    else:
        assert "must be plain text" in response.json()["detail"]
    assert Review.objects.count() == 0


def test_api_review_flow_and_access(client, lesson):
    client.force_login(student())
    response = client.post(
        "/api/v1/reviews/", {"lesson": lesson.public_id, "stars": 5}, content_type="application/json"
    )
    assert (response.status_code, response.json()["detail"]) == (403, "You can only review your own lessons.")
    assert Review.objects.count() == 0
    client.logout()
    response = client.post(
        "/api/v1/reviews/", {"lesson": lesson.public_id, "stars": 5}, content_type="application/json"
    )
    assert response.status_code == 403
    assert Review.objects.count() == 0

    client.force_login(lesson.student)
    response = client.post(
        "/api/v1/reviews/", {"lesson": lesson.public_id, "stars": 5, "text": "Great"}, content_type="application/json"
    )
    assert response.status_code == 201
    review_id = response.json()["id"]
    assert response.json()["stars"] == 5
    again = client.post("/api/v1/reviews/", {"lesson": lesson.public_id, "stars": 4}, content_type="application/json")
    assert (again.status_code, again.json()["detail"]) == (409, "You have already reviewed this lesson.")
    assert Review.objects.count() == 1

    denied = client.post(f"/api/v1/reviews/{review_id}/response/", {"text": "me"}, content_type="application/json")
    assert denied.status_code == 403
    client.force_login(lesson.instructor.user)
    answer = client.post(f"/api/v1/reviews/{review_id}/response/", {"text": "Thanks"}, content_type="application/json")
    assert (answer.status_code, answer.json()["response"]["text"]) == (201, "Thanks")
    second = client.post(f"/api/v1/reviews/{review_id}/response/", {"text": "More"}, content_type="application/json")
    assert (second.status_code, second.json()["detail"]) == (409, "You have already responded to this review.")
    assert ReviewResponse.objects.count() == 1

    client.logout()
    listing = client.get(f"/api/v1/reviews/?instructor={lesson.instructor.public_id}").json()
    assert listing["count"] == 1
    assert listing["results"][0]["response"]["text"] == "Thanks"


def test_api_refuses_a_review_before_the_lesson_ends_and_stores_nothing(client):
    from bookings.tests.factories import bookable_offer, confirmed_booking

    with time_machine.travel(FIRST_LESSON_AT - timedelta(days=2), tick=False):
        booking = confirmed_booking(
            offer=bookable_offer(), starts_at=FIRST_LESSON_AT, now=FIRST_LESSON_AT - timedelta(days=2)
        )
    client.force_login(booking.student)
    with time_machine.travel(FIRST_LESSON_AT + timedelta(minutes=30), tick=False):
        response = client.post(
            "/api/v1/reviews/", {"lesson": booking.public_id, "stars": 5}, content_type="application/json"
        )
    assert (response.status_code, response.json()["detail"]) == (409, "You can review this lesson once it has ended.")
    assert Review.objects.count() == 0


def test_api_refuses_a_response_with_html_or_over_500_characters_and_stores_nothing(client, lesson):
    review = services.review_create(booking=lesson, user=lesson.student, stars=4, now=SOON_AFTER)
    client.force_login(lesson.instructor.user)
    url = f"/api/v1/reviews/{review.public_id}/response/"
    for text, detail in (
        (
            "<b>Thanks</b>",
            "Your response must be plain text: remove the HTML or script (anything like <b> or <script>).",
        ),
        ("r" * 501, "Keep your response to 500 characters; this one has 501."),
        ("   ", "Write your response first."),
    ):
        response = client.post(url, {"text": text}, content_type="application/json")
        assert (response.status_code, response.json()) == (422, {"detail": detail, "field": "text"})
    assert ReviewResponse.objects.count() == 0


def test_respond_page_refuses_501_characters_and_keeps_the_text(client, lesson):
    review = services.review_create(booking=lesson, user=lesson.student, stars=4, now=SOON_AFTER)
    client.force_login(lesson.instructor.user)
    response = client.post(f"/reviews/{review.public_id}/respond/", {"text": "r" * 501})
    html = response.content.decode()
    assert response.status_code == 422
    assert '<p class="error" role="alert">Keep your response to 500 characters; this one has 501.</p>' in html
    assert f">{'r' * 501}</textarea>" in html
    assert ReviewResponse.objects.count() == 0


def test_api_report_endpoint(client, lesson):
    from reviews.models import ReviewReport

    review = services.review_create(booking=lesson, user=lesson.student, stars=2, text="Meh", now=SOON_AFTER)
    url = f"/api/v1/reviews/{review.public_id}/report/"
    assert client.post(url, {"reason": "Spam"}, content_type="application/json").status_code == 403
    client.force_login(lesson.student)
    own = client.post(url, {"reason": "Oops"}, content_type="application/json")
    assert (own.status_code, own.json()) == (403, {"detail": "This is your own review. You can't report it."})
    client.force_login(lesson.instructor.user)
    empty = client.post(url, {"reason": " "}, content_type="application/json")
    assert (empty.status_code, empty.json()) == (
        422,
        {"detail": "Tell us what is wrong with this review.", "field": "reason"},
    )
    long = client.post(url, {"reason": "x" * 301}, content_type="application/json")
    assert (long.status_code, long.json()) == (422, {"detail": "Keep the reason to 300 characters.", "field": "reason"})
    assert ReviewReport.objects.count() == 0
    done = client.post(url, {"reason": "Never my student"}, content_type="application/json")
    assert (done.status_code, done.json()) == (201, {"detail": "Reported. Our team will look at this review."})
    again = client.post(url, {"reason": "Again"}, content_type="application/json")
    assert (again.status_code, again.json()["detail"]) == (
        409,
        "You have already reported this review. Our team will look at it.",
    )
    assert list(ReviewReport.objects.values_list("reported_by", "reason")) == [
        (lesson.instructor.user_id, "Never my student")
    ]
    missing = client.post("/api/v1/reviews/NOSUCHREVIEW/report/", {"reason": "x"}, content_type="application/json")
    assert missing.status_code == 404
    assert ReviewReport.objects.count() == 1


def test_api_lists_only_instructors_with_a_public_profile_and_needs_the_instructor(client, lesson):
    from catalog.models import InstructorProfile

    services.review_create(booking=lesson, user=lesson.student, stars=5, text="Great", now=SOON_AFTER)
    instructor = lesson.instructor
    url = f"/api/v1/reviews/?instructor={instructor.public_id}"
    assert client.get(url).json()["count"] == 1
    missing = client.get("/api/v1/reviews/")
    assert (missing.status_code, missing.json()) == (
        400,
        {"detail": "Say whose reviews to list: ?instructor=<instructor id>.", "field": "instructor"},
    )
    assert client.get("/api/v1/reviews/?instructor=").status_code == 400
    unknown = client.get("/api/v1/reviews/?instructor=NOSUCHINSTRUCTOR")
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "No such instructor.", "field": "instructor"})
    for status in (InstructorProfile.Status.SUSPENDED, InstructorProfile.Status.PAUSED):
        InstructorProfile.objects.filter(pk=instructor.pk).update(status=status)
        assert client.get(url).status_code == 404, status
        assert client.get(f"/instructors/{instructor.public_id}/reviews/").status_code == 404, status
    InstructorProfile.objects.filter(pk=instructor.pk).update(status=InstructorProfile.Status.LIVE)
    instructor.user.is_active = False
    instructor.user.save()
    hidden = client.get(url)
    assert (hidden.status_code, hidden.json()["detail"]) == (404, "No such instructor.")
    assert client.get(f"/instructors/{instructor.public_id}/reviews/").status_code == 404
