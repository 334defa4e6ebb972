"""Problems can be reported only until the lesson's payment is captured (issue 5). Through the
booking service and through the lesson page, against the local Stripe server: once the payment is
captured the report is refused and nothing changes — no report, no review, no event, no message."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from bookings.models import BookingEvent, BookingStatus, ProblemReport
from bookings.services import (
    booking_reschedule,
    bookings_complete_finished,
    problem_report_create,
    problem_report_deadline,
)
from notifications.models import Notification, OutboundMessage
from payments.models import PaymentStatus
from payments.services.lifecycle import payments_run_due
from payments.tests.helpers import at, book_and_pay, completed_lesson, instructor_offer

pytestmark = pytest.mark.django_db

REFUSAL = "This lesson has already been charged, so a problem can no longer be reported here."


def snapshot(booking):
    booking.refresh_from_db()
    return (
        booking.status,
        ProblemReport.objects.count(),
        BookingEvent.objects.filter(booking=booking).count(),
        Notification.objects.count(),
        OutboundMessage.objects.count(),
    )


def lesson_captured_when_it_ends(server, now):
    """A lesson whose card authorization lapses within 24 h of its end, so the payment is captured
    as soon as it ends: booked 5 hours ahead (authorized at once, valid 7 days), then moved six
    days later."""
    offer = instructor_offer(server, now=at(server, now))
    booking, payment = book_and_pay(server, offer=offer, starts_at=now + timedelta(hours=5), now=now)
    assert payment.status == PaymentStatus.AUTHORIZED
    booking = booking_reschedule(
        booking=booking,
        user=booking.student,
        new_starts_at=now + timedelta(days=6, hours=5),
        now=now + timedelta(hours=1),
    )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.AUTHORIZED and payment.capture_due_at == booking.lesson_ends_at
    ended = at(server, booking.lesson_ends_at + timedelta(minutes=1))
    bookings_complete_finished(now=ended)
    assert payments_run_due(now=ended)["captured"] == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED
    return booking


def test_reporting_after_an_early_capture_is_refused_although_the_24_hour_window_is_open(local_stripe, now):
    booking = lesson_captured_when_it_ends(local_stripe, now)
    two_hours_later = booking.lesson_ends_at + timedelta(hours=2)
    assert two_hours_later < problem_report_deadline(booking)
    before = snapshot(booking)
    assert before[0] == BookingStatus.COMPLETED
    for reporter, kind in (
        (booking.student, ProblemReport.Kind.INSTRUCTOR_NO_SHOW),
        (booking.instructor.user, ProblemReport.Kind.STUDENT_NO_SHOW),
    ):
        with pytest.raises(ValidationError, match=REFUSAL):
            problem_report_create(booking=booking, user=reporter, kind=kind, details="", now=two_hours_later)
    assert snapshot(booking) == before


def test_reporting_at_the_moment_of_the_usual_capture_is_refused(local_stripe, now):
    booking, payment, captured_at = completed_lesson(local_stripe, now=now)
    assert payment.status == PaymentStatus.CAPTURED
    assert captured_at == problem_report_deadline(booking)  # the old rule still allowed this instant
    before = snapshot(booking)
    with pytest.raises(ValidationError, match=REFUSAL):
        problem_report_create(
            booking=booking, user=booking.student, kind=ProblemReport.Kind.LESSON_CUT_SHORT, details="", now=captured_at
        )
    assert snapshot(booking) == before


def test_the_lesson_page_hides_the_report_form_and_refuses_a_report_after_capture(client, local_stripe, now):
    booking = lesson_captured_when_it_ends(local_stripe, now)
    before = snapshot(booking)
    with time_machine.travel(booking.lesson_ends_at + timedelta(hours=2), tick=False):
        client.force_login(booking.student)  # inside the pinned time, or the session has expired
        page = client.get(reverse("booking_detail", args=[booking.public_id]))
        assert page.status_code == 200
        assert page.context["can_report"] is False
        assert reverse("booking_report_problem", args=[booking.public_id]) not in page.content.decode()

        response = client.post(
            reverse("booking_report_problem", args=[booking.public_id]),
            {"kind": "instructor_no_show", "details": "They never came"},
            follow=True,
        )
    assert response.redirect_chain == [(reverse("booking_detail", args=[booking.public_id]), 302)]
    assert REFUSAL in response.content.decode()
    assert snapshot(booking) == before
