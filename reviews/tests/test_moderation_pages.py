"""Reporting a review from the page, and staff hiding it from the admin: who may, and what is stored."""

from datetime import timedelta

import pytest
import time_machine

from accounts.tests.factories import instructor_user, student
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


def test_instructor_reports_a_review_from_the_page(client, review):
    client.force_login(review.instructor.user)
    response = client.post(
        f"/reviews/{review.public_id}/report/", {"reason": "This student never had a lesson with me."}
    )
    assert response.status_code == 200
    assert ReviewReport.objects.filter(review=review, reported_by=review.instructor.user).count() == 1
    again = client.post(f"/reviews/{review.public_id}/report/", {"reason": "Again"})
    assert again.status_code >= 400
    assert ReviewReport.objects.filter(review=review).count() == 1


def test_author_and_guest_cannot_report(client, review):
    guest = client.post(f"/reviews/{review.public_id}/report/", {"reason": "spam"})
    assert guest.status_code == 401
    client.force_login(review.author)
    own = client.post(f"/reviews/{review.public_id}/report/", {"reason": "oops"})
    assert own.status_code >= 400
    assert ReviewReport.objects.count() == 0


def test_another_student_may_report_once(client, review):
    other = student()
    client.force_login(other)
    assert client.post(f"/reviews/{review.public_id}/report/", {"reason": "Insulting"}).status_code == 200
    assert ReviewReport.objects.filter(reported_by=other).count() == 1
    assert instructor_user().pk  # an unrelated instructor exists and changed nothing
    assert Review.objects.get(pk=review.pk).is_hidden is False


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
    assert review.is_hidden is True
    event = ReviewModerationEvent.objects.get(review=review)
    assert (event.staff_id, event.reason) == (staff_client.staff_user.pk, "Personal attack")
    assert OutboundMessage.objects.filter(to=review.author.email).exists()


def test_non_staff_cannot_reach_the_review_admin(client, review):
    client.force_login(review.instructor.user)
    response = client.post(
        "/admin/reviews/review/",
        {"action": "hide_reviews", "_selected_action": [review.pk], "apply": "1", "reason": "x"},
    )
    assert response.status_code == 302
    assert Review.objects.get(pk=review.pk).is_hidden is False
    assert ReviewModerationEvent.objects.count() == 0
