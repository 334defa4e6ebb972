"""Staff resolve problems and cancel bookings through the admin's actions (2FA staff only)."""

from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.roles import SUPPORT_GROUP, sync_roles
from accounts.tests.factories import PASSWORD, UserFactory, staff
from accounts.tests.totp import totp_code
from bookings.models import Booking, BookingEvent, BookingStatus, CancellationWindow, ProblemReport, Role
from bookings.services import problem_report_create
from bookings.tests.factories import bookable_offer, confirmed_booking
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def admin_login(client, person):
    secret = generate_totp_secret()
    TOTP.activate(person, secret)
    client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert client.get(reverse("admin:index")).status_code == 200
    return client


def lesson_in_review(kind=ProblemReport.Kind.LESSON_CUT_SHORT):
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    booked_at = (timezone.now() - timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    booking = confirmed_booking(offer=offer, starts_at=booked_at + timedelta(days=2), now=booked_at)
    report = problem_report_create(
        booking=booking,
        user=booking.student,
        kind=kind,
        details="We stopped after 20 minutes",
        now=booking.lesson_starts_at + timedelta(minutes=30),
    )
    return booking, report


def run_action(client, model, action, pks):
    return client.post(
        reverse(f"admin:bookings_{model}_changelist"),
        {"action": action, "_selected_action": [str(pk) for pk in pks]},
        follow=True,
    )


def test_staff_resolve_a_problem_as_completed(client, django_capture_on_commit_callbacks):
    booking, report = lesson_in_review()
    person = staff()
    admin_login(client, person)
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(client, "problemreport", "resolve_completed", [report.pk])
    assert "Resolved 1 problem(s) as completed; both sides were told." in response.content.decode()
    report.refresh_from_db()
    booking.refresh_from_db()
    assert (report.resolution, report.resolved_by, report.minutes_delivered) == ("completed", person, None)
    assert booking.status == BookingStatus.COMPLETED
    titles = set(Notification.objects.filter(kind="booking_problem").values_list("user_id", "title"))
    assert titles >= {
        (booking.student_id, "Problem resolved: Completed"),
        (booking.instructor.user_id, "Problem resolved: Completed"),
    }
    # Running it again changes nothing.
    response = run_action(client, "problemreport", "resolve_cancelled", [report.pk])
    assert "was already resolved" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.COMPLETED
    assert BookingEvent.objects.filter(booking=booking, kind="problem_resolved").count() == 1


def test_partly_completed_needs_the_minutes_delivered_set_first(client):
    booking, report = lesson_in_review()
    admin_login(client, staff())
    response = run_action(client, "problemreport", "resolve_partly_completed", [report.pk])
    assert "Enter the minutes delivered (1 to 59)." in response.content.decode()
    report.refresh_from_db()
    assert report.resolved_at is None and Booking.objects.get().status == BookingStatus.IN_REVIEW

    change = reverse("admin:bookings_problemreport_change", args=[report.pk])
    response = client.post(change, {"minutes_delivered": "20", "resolution_note": "Cut short by rain"})
    assert response.status_code == 302
    response = run_action(client, "problemreport", "resolve_partly_completed", [report.pk])
    assert "Resolved 1 problem(s) as partly completed" in response.content.decode()
    report.refresh_from_db()
    booking.refresh_from_db()
    assert (report.resolution, report.minutes_delivered, report.resolution_note) == (
        "partly_completed",
        20,
        "Cut short by rain",
    )
    assert booking.status == BookingStatus.COMPLETED
    # Once resolved, the report's fields are read-only.
    client.post(change, {"minutes_delivered": "45", "resolution_note": "changed"})
    report.refresh_from_db()
    assert (report.minutes_delivered, report.resolution_note) == (20, "Cut short by rain")


def test_staff_resolve_a_problem_as_cancelled_without_charge(client):
    booking, report = lesson_in_review(ProblemReport.Kind.INSTRUCTOR_NO_SHOW)
    admin_login(client, staff())
    response = run_action(client, "problemreport", "resolve_cancelled", [report.pk])
    assert "Resolved 1 problem(s) as cancelled without charge" in response.content.decode()
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by, booking.cancellation_window) == (
        BookingStatus.CANCELLED,
        Role.PLATFORM,
        CancellationWindow.NO_COST_TO_STUDENT,
    )
    assert booking.cancellation_reason == "Problem resolved: The instructor did not show up"


def test_staff_cancel_upcoming_bookings_by_the_platform(client):
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    now = timezone.now()
    first = confirmed_booking(
        offer=offer, starts_at=(now + timedelta(days=2)).replace(minute=0, second=0, microsecond=0), now=now
    )
    second = confirmed_booking(
        offer=offer, starts_at=(now + timedelta(days=3)).replace(minute=0, second=0, microsecond=0), now=now
    )
    person = staff()
    admin_login(client, person)
    response = run_action(client, "booking", "cancel_by_platform", [first.pk, second.pk])
    assert "Cancelled 2 booking(s) by the platform; the students pay nothing." in response.content.decode()
    for booking in (first, second):
        booking.refresh_from_db()
        assert (booking.status, booking.cancelled_by, booking.cancellation_window) == (
            BookingStatus.CANCELLED,
            Role.PLATFORM,
            CancellationWindow.NO_COST_TO_STUDENT,
        )
        event = booking.events.get(kind="cancelled")
        assert (event.actor, event.actor_role) == (person, Role.PLATFORM)


def test_staff_who_may_only_view_cannot_run_the_actions(client):
    booking, report = lesson_in_review()
    sync_roles()
    viewer = UserFactory(roles=(), is_staff=True)
    viewer.groups.add(Group.objects.get(name=SUPPORT_GROUP))
    viewer.user_permissions.clear()
    support = Group.objects.get(name=SUPPORT_GROUP)
    support.permissions.remove(*support.permissions.filter(codename__in=["change_booking", "change_problemreport"]))
    admin_login(client, viewer)
    assert client.get(reverse("admin:bookings_problemreport_changelist")).status_code == 200
    run_action(client, "problemreport", "resolve_cancelled", [report.pk])
    run_action(client, "booking", "cancel_by_platform", [booking.pk])
    report.refresh_from_db()
    booking.refresh_from_db()
    assert report.resolved_at is None and booking.status == BookingStatus.IN_REVIEW
    assert BookingEvent.objects.filter(booking=booking).count() == 3


def test_support_staff_may_resolve_problems(client):
    booking, report = lesson_in_review()
    sync_roles()
    agent = UserFactory(roles=(), is_staff=True)
    agent.groups.add(Group.objects.get(name=SUPPORT_GROUP))
    admin_login(client, agent)
    run_action(client, "problemreport", "resolve_completed", [report.pk])
    report.refresh_from_db()
    assert (report.resolution, report.resolved_by) == ("completed", agent)
