"""Reporting a review from the page, and staff hiding it from the admin: who may, and what is stored."""

import re
from datetime import timedelta

import pytest
import time_machine

from accounts.tests.factories import instructor_user, staff, student
from notifications.models import OutboundMessage
from reviews import services
from reviews.models import Review, ReviewModerationEvent, ReviewReport
from reviews.tests.factories import FIRST_LESSON_AT, completed_lesson

pytestmark = pytest.mark.django_db
SOON_AFTER = FIRST_LESSON_AT + timedelta(days=1)


@pytest.fixture
def review():
    with time_machine.travel(SOON_AFTER, tick=False):
        lesson = completed_lesson()
        return services.review_create(booking=lesson, user=lesson.student, stars=2, text="Late twice.", now=SOON_AFTER)


def report(client, review, reason):
    return client.post(f"/reviews/{review.public_id}/report/", {"reason": reason})


def alert(response) -> str:
    found = re.search(r'<p class="error" role="alert">([^<]*)</p>', response.content.decode())
    return found.group(1).replace("&#x27;", "'") if found else ""


def test_instructor_reports_a_review_from_the_page(client, review):
    client.force_login(review.instructor.user)
    response = report(client, review, "This student never had a lesson with me.")
    assert response.status_code == 200
    assert "Reported. Our team will look at this review." in response.content.decode()
    assert list(ReviewReport.objects.values_list("review", "reported_by", "reason")) == [
        (review.pk, review.instructor.user_id, "This student never had a lesson with me.")
    ]
    again = report(client, review, "Again")
    assert (again.status_code, alert(again)) == (
        409,
        "You have already reported this review. Our team will look at it.",
    )
    assert ReviewReport.objects.filter(review=review).count() == 1


def test_author_guest_and_bad_reasons_cannot_report(client, review):
    guest = report(client, review, "spam")
    assert (guest.status_code, guest.content.decode()) == (401, "Log in to report a review.")
    client.force_login(review.author)
    own = report(client, review, "oops")
    assert (own.status_code, alert(own)) == (403, "This is your own review. You can't report it.")
    client.force_login(student())
    empty = report(client, review, "  ")
    assert (empty.status_code, alert(empty)) == (422, "Tell us what is wrong with this review.")
    long = report(client, review, "x" * 301)
    assert (long.status_code, alert(long)) == (422, "Keep the reason to 300 characters.")
    assert ReviewReport.objects.count() == 0


def test_another_student_may_report_once_and_a_hidden_review_cannot_be_reported(client, review):
    other = student()
    client.force_login(other)
    assert report(client, review, "Insulting").status_code == 200
    assert list(ReviewReport.objects.values_list("reported_by", "reason")) == [(other.pk, "Insulting")]
    assert Review.objects.get(pk=review.pk).is_hidden is False
    services.review_hide(review=review, staff_user=staff(), reason="Insulting", now=SOON_AFTER)
    client.force_login(instructor_user())
    assert report(client, review, "Also insulting").status_code == 404
    assert ReviewReport.objects.count() == 1


def test_staff_hide_from_admin_asks_reason_audits_and_tells_the_author(
    staff_client, review, django_capture_on_commit_callbacks
):
    url = "/admin/reviews/review/"
    form = staff_client.post(url, {"action": "hide_reviews", "_selected_action": [review.pk]})
    assert form.status_code == 200
    assert Review.objects.get(pk=review.pk).is_hidden is False
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            url, {"action": "hide_reviews", "_selected_action": [review.pk], "apply": "1", "reason": "Personal attack"}
        )
    review.refresh_from_db()
    assert (review.is_hidden, review.hidden_reason) == (True, "Personal attack")
    event = ReviewModerationEvent.objects.get(review=review)
    assert (event.action, event.staff_id, event.reason) == ("hide", staff_client.staff_user.pk, "Personal attack")
    email = OutboundMessage.objects.get(to=review.author.email, subject="Your review was hidden")
    assert "Reason: Personal attack" in email.body


def test_admin_refuses_to_hide_or_show_without_a_reason_and_changes_nothing(
    staff_client, review, django_capture_on_commit_callbacks
):
    url = "/admin/reviews/review/"
    for action, message in (
        ("hide_reviews", "Give the reason for hiding this review; the author will see it."),
        ("show_reviews", "Give the reason for showing this review again."),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post(
                url, {"action": action, "_selected_action": [review.pk], "apply": "1", "reason": "   "}, follow=True
            )
        assert response.status_code == 200
        assert [str(m) for m in response.context["messages"]] == [message]
    review.refresh_from_db()
    assert (review.is_hidden, review.hidden_reason, review.hidden_at) == (False, "", None)
    assert ReviewModerationEvent.objects.count() == 0
    assert not OutboundMessage.objects.filter(subject="Your review was hidden").exists()


def test_admin_shows_a_hidden_review_again_clears_the_hide_and_keeps_the_audit(
    staff_client, review, django_capture_on_commit_callbacks
):
    url = "/admin/reviews/review/"
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            url, {"action": "hide_reviews", "_selected_action": [review.pk], "apply": "1", "reason": "Spam?"}
        )
        response = staff_client.post(
            url,
            {"action": "show_reviews", "_selected_action": [review.pk], "apply": "1", "reason": "Not spam"},
            follow=True,
        )
    assert [str(m) for m in response.context["messages"]] == ["1 review hidden.", "1 review shown again."]
    review.refresh_from_db()
    assert (review.is_hidden, review.hidden_reason, review.hidden_at) == (False, "", None)
    assert list(ReviewModerationEvent.objects.order_by("created_at", "pk").values_list("action", "reason")) == [
        ("hide", "Spam?"),
        ("show", "Not spam"),
    ]
    assert "Late twice." in staff_client.get(f"/instructors/{review.instructor.public_id}/reviews/").content.decode()


def test_non_staff_cannot_reach_the_review_admin(client, review):
    client.force_login(review.instructor.user)
    response = client.post(
        "/admin/reviews/review/",
        {"action": "hide_reviews", "_selected_action": [review.pk], "apply": "1", "reason": "x"},
    )
    assert response.status_code == 302
    assert Review.objects.get(pk=review.pk).is_hidden is False
    assert ReviewModerationEvent.objects.count() == 0
