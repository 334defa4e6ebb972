from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.tests.factories import student
from bookings import services
from bookings.models import Booking, BookingEvent, BookingStatus, CancellationWindow, ProblemReport
from bookings.tests.factories import bookable_offer, confirmed_booking, pay_and_confirm
from notifications.models import OutboundMessage

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
MAY4_10 = datetime(2026, 5, 4, 10, tzinfo=NY)


def create(offer, who, starts_at=MAY4_10, key="k1", now=NOW, **kwargs):
    return services.booking_create(
        student=who,
        offer=offer,
        duration_minutes=kwargs.pop("duration", 60),
        starts_at=starts_at,
        location_type=kwargs.pop("location_type", "online"),
        now=now,
        idempotency_key=key,
        **kwargs,
    )


def test_instant_booking_copies_terms_and_confirms():
    offer = bookable_offer(prices={30: 4500, 60: 9000})
    who = student()
    booking = create(offer, who, note="Bring a metronome")
    assert booking.status == BookingStatus.PENDING and booking.hold_expires_at == NOW + timedelta(minutes=15)
    assert (booking.lesson_price_cents, booking.booking_fee_cents) == (9000, 1080)
    assert booking.span.lower == MAY4_10 and booking.span.upper == MAY4_10 + timedelta(minutes=75)
    assert booking.terms["buffer_minutes"] == 15
    booking = pay_and_confirm(booking, now=NOW)
    assert booking.status == BookingStatus.CONFIRMED and booking.hold_expires_at is None
    # Later price changes do not touch it.
    offer.prices.filter(duration_minutes=60).update(price_cents=12000)
    booking.refresh_from_db()
    assert booking.lesson_price_cents == 9000
    assert list(BookingEvent.objects.filter(booking=booking).values_list("kind", flat=True)) == ["created", "confirmed"]
    # Idempotent: a second confirmation changes nothing.
    services.booking_confirm_payment_step(booking=booking, now=NOW + timedelta(minutes=1))
    assert BookingEvent.objects.filter(booking=booking).count() == 2


def test_double_submitted_form_creates_one_booking():
    offer = bookable_offer()
    who = student()
    first = create(offer, who, key="same")
    second = create(offer, who, key="same")
    assert first.pk == second.pk and Booking.objects.count() == 1


def test_taken_time_is_refused_and_nothing_is_stored():
    offer = bookable_offer()
    create(offer, student(), key="a")
    with pytest.raises(services.SlotTaken, match="That time was just taken"):
        create(offer, student(), key="b", starts_at=MAY4_10 + timedelta(minutes=30))
    assert Booking.objects.count() == 1


def test_expired_hold_is_released_inside_booking_create():
    offer = bookable_offer()
    stale = create(offer, student(), key="a")
    later = NOW + timedelta(minutes=16)
    fresh = create(offer, student(), key="b", now=later)
    stale.refresh_from_db()
    assert (stale.status, stale.cancelled_by) == (BookingStatus.CANCELLED, "system")
    assert fresh.status == BookingStatus.PENDING


def test_bad_input_is_refused_and_stores_nothing():
    offer = bookable_offer()
    who = student()
    with pytest.raises(ValidationError, match="not offered for 45 minutes"):
        create(offer, who, duration=45)
    with pytest.raises(ValidationError, match="places this instructor teaches"):
        create(offer, who, location_type="studio")
    with pytest.raises(ValidationError, match="address"):
        create(offer, who, location_type="student_place")
    with pytest.raises(services.SlotTaken):
        create(offer, who, starts_at=datetime(2026, 5, 4, 20, tzinfo=NY))  # outside the schedule
    with pytest.raises(services.SlotTaken):
        create(offer, who, starts_at=NOW + timedelta(hours=2))  # inside the minimum notice
    with pytest.raises(ValidationError, match="yourself"):
        create(offer, offer.instructor.user)
    assert Booking.objects.count() == 0


def test_request_to_book_holds_until_the_earlier_expiry_then_releases(django_capture_on_commit_callbacks):
    offer = bookable_offer(notice=12, booking_mode="request")
    who = student()
    soon = datetime(2026, 5, 2, 10, tzinfo=NY)  # 18 h after NOW: expiry is lesson start − 12 h
    booking = pay_and_confirm(create(offer, who, starts_at=soon), now=NOW)
    assert booking.status == BookingStatus.PENDING and booking.pending_reason == "instructor_approval"
    assert booking.hold_expires_at == soon - timedelta(hours=12)
    far = pay_and_confirm(create(offer, who, key="k2"), now=NOW)
    assert far.hold_expires_at == NOW + timedelta(hours=24)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.bookings_release_expired_holds(now=soon - timedelta(hours=12)) == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert OutboundMessage.objects.filter(to__icontains=who.email, subject="Your lesson request expired").count() == 1
    accepted = services.booking_accept(booking=far, user=offer.instructor.user, now=NOW + timedelta(hours=1))
    assert accepted.status == BookingStatus.CONFIRMED


@pytest.mark.parametrize(
    ("minutes_after_booking", "hours_before", "window"),
    [
        (10, 20, CancellationWindow.GRACE),
        (60, 30, CancellationWindow.OVER_24H),
        (60, 24, CancellationWindow.OVER_24H),
        (60, 20, CancellationWindow.BETWEEN_12_24H),
        (60, 11, CancellationWindow.UNDER_12H),
    ],
)
def test_student_cancellation_records_the_policy_window(minutes_after_booking, hours_before, window):
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    who = student()
    booked_at = MAY4_10 - timedelta(hours=hours_before) - timedelta(minutes=minutes_after_booking)
    booking = confirmed_booking(offer=offer, starts_at=MAY4_10, now=booked_at, who=who)
    cancelled_at = MAY4_10 - timedelta(hours=hours_before)
    booking = services.booking_cancel(booking=booking, user=who, now=cancelled_at, reason="Sick")
    assert (booking.status, booking.cancelled_by, booking.cancelled_at, booking.cancellation_window) == (
        BookingStatus.CANCELLED,
        "student",
        cancelled_at,
        window,
    )


def test_instructor_cancellation_never_costs_the_student():
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    booking = confirmed_booking(offer=offer, starts_at=MAY4_10, now=NOW)
    booking = services.booking_cancel(booking=booking, user=offer.instructor.user, now=MAY4_10 - timedelta(hours=2))
    assert (booking.cancelled_by, booking.cancellation_window) == ("instructor", CancellationWindow.NO_COST_TO_STUDENT)


def test_reschedule_policy():
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    who = student()
    booking = confirmed_booking(offer=offer, starts_at=MAY4_10, now=NOW, who=who)
    # Early move: fresh clock.
    early = MAY4_10 - timedelta(hours=30)
    booking = services.booking_reschedule(
        booking=booking, user=who, new_starts_at=MAY4_10 + timedelta(hours=2), now=early
    )
    assert (booking.policy_clock_started_at, booking.locked_cancellation_window, booking.late_moves_count) == (
        early,
        "",
        0,
    )
    # Late move (20 h before): keeps the 12–24 h window, even though the new time is days away.
    late = booking.lesson_starts_at - timedelta(hours=20)
    booking = services.booking_reschedule(
        booking=booking, user=who, new_starts_at=MAY4_10 + timedelta(days=3), now=late
    )
    assert (booking.locked_cancellation_window, booking.late_moves_count, booking.policy_clock_started_at) == (
        CancellationWindow.BETWEEN_12_24H,
        1,
        early,
    )
    # Moving it again more than 24 h before the new time is allowed, and keeps the locked window
    # (a fresh clock would turn the late move into a free cancellation).
    booking = services.booking_reschedule(
        booking=booking, user=who, new_starts_at=MAY4_10 + timedelta(days=4), now=late + timedelta(hours=1)
    )
    assert (booking.lesson_starts_at, booking.locked_cancellation_window, booking.policy_clock_started_at) == (
        MAY4_10 + timedelta(days=4),
        CancellationWindow.BETWEEN_12_24H,
        early,
    )
    # A second move inside the window (less than 24 h before the lesson) is refused.
    inside = booking.lesson_starts_at - timedelta(hours=23)
    with pytest.raises(ValidationError, match="cannot be moved again less than 24 hours before it starts"):
        services.booking_reschedule(booking=booking, user=who, new_starts_at=MAY4_10 + timedelta(days=5), now=inside)
    booking.refresh_from_db()
    assert (booking.lesson_starts_at, booking.moves_count) == (MAY4_10 + timedelta(days=4), 3)
    # Cancelling days ahead of the lesson still costs what the late move's window did.
    cancelled = services.booking_cancel(booking=booking, user=who, now=booking.lesson_starts_at - timedelta(days=2))
    assert cancelled.cancellation_window == CancellationWindow.BETWEEN_12_24H


def test_a_late_move_inside_the_grace_period_keeps_a_fresh_clock():
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    who = student()
    booked = MAY4_10 - timedelta(hours=20)
    booking = confirmed_booking(offer=offer, starts_at=MAY4_10, now=booked, who=who)
    moved_at = booked + timedelta(minutes=10)
    booking = services.booking_reschedule(
        booking=booking, user=who, new_starts_at=MAY4_10 + timedelta(days=2), now=moved_at
    )
    assert (booking.locked_cancellation_window, booking.late_moves_count, booking.policy_clock_started_at) == (
        "",
        0,
        moved_at,
    )


@pytest.mark.parametrize(
    ("new_start_after_move", "cancel_after_move", "window"),
    [
        # Moved into the last 12 h: the student's cancellation an hour later is free.
        (timedelta(hours=10), timedelta(hours=1), CancellationWindow.NO_COST_TO_STUDENT),
        (timedelta(hours=10), timedelta(hours=9, minutes=59), CancellationWindow.NO_COST_TO_STUDENT),
        # Moved 30 h ahead: free for the day after the move, then the usual windows.
        (timedelta(hours=30), timedelta(hours=20), CancellationWindow.NO_COST_TO_STUDENT),
        (timedelta(hours=30), timedelta(hours=24), CancellationWindow.UNDER_12H),
    ],
)
def test_an_instructors_move_never_costs_the_student(
    new_start_after_move, cancel_after_move, window, django_capture_on_commit_callbacks
):
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    who = student(timezone="America/New_York")
    booking = confirmed_booking(offer=offer, starts_at=MAY4_10, now=NOW, who=who)
    moved_at = MAY4_10 - timedelta(hours=40)
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.booking_reschedule(
            booking=booking, user=offer.instructor.user, new_starts_at=moved_at + new_start_after_move, now=moved_at
        )
    assert (booking.instructor_moved_at, booking.policy_clock_started_at) == (moved_at, moved_at)
    free_until = min(moved_at + timedelta(hours=24), booking.lesson_starts_at).astimezone(NY)
    told = OutboundMessage.objects.get(to__icontains=who.email, subject__startswith="Lesson moved")
    assert f"you can cancel at no cost until {free_until:%A %-d %B, %H:%M} (America/New_York)." in told.body
    cancelled = services.booking_cancel(booking=booking, user=who, now=moved_at + cancel_after_move)
    assert (cancelled.cancelled_by, cancelled.cancellation_window) == ("student", window)


def test_an_instructors_move_clears_a_locked_window():
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    who = student()
    booking = confirmed_booking(offer=offer, starts_at=MAY4_10, now=NOW, who=who)
    late = MAY4_10 - timedelta(hours=20)
    booking = services.booking_reschedule(
        booking=booking, user=who, new_starts_at=MAY4_10 + timedelta(hours=2), now=late
    )
    assert booking.locked_cancellation_window == CancellationWindow.BETWEEN_12_24H
    by_instructor = late + timedelta(hours=1)
    booking = services.booking_reschedule(
        booking=booking, user=offer.instructor.user, new_starts_at=MAY4_10 + timedelta(hours=4), now=by_instructor
    )
    assert (booking.locked_cancellation_window, booking.instructor_moved_at) == ("", by_instructor)
    # The student may move it again (the instructor's move set new terms) …
    again = by_instructor + timedelta(hours=2)
    booking = services.booking_reschedule(
        booking=booking, user=who, new_starts_at=MAY4_10 + timedelta(hours=6), now=again
    )
    # … which, inside the day after the instructor's move, is free: a fresh clock, nothing locked;
    # the student chose this time, so the instructor's day no longer applies.
    assert (booking.locked_cancellation_window, booking.policy_clock_started_at, booking.instructor_moved_at) == (
        "",
        again,
        None,
    )
    # An hour later the new time is 22 h away: the usual 12–24 h window.
    cancelled = services.booking_cancel(booking=booking, user=who, now=again + timedelta(hours=1))
    assert cancelled.cancellation_window == CancellationWindow.BETWEEN_12_24H


def test_reschedule_onto_overlapping_own_time_releases_the_old_range():
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    who = student()
    booking = confirmed_booking(offer=offer, starts_at=MAY4_10, now=NOW, who=who)
    moved = services.booking_reschedule(
        booking=booking, user=who, new_starts_at=MAY4_10 + timedelta(minutes=30), now=NOW
    )
    assert moved.lesson_starts_at == MAY4_10 + timedelta(minutes=30)
    assert Booking.objects.count() == 1


def test_reschedule_onto_time_of_an_expired_hold_releases_the_hold(django_capture_on_commit_callbacks):
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    who = student()
    booking = confirmed_booking(offer=offer, starts_at=MAY4_10, now=NOW, who=who)
    other = student()
    stale = create(offer, other, starts_at=MAY4_10 + timedelta(hours=4), key="stale")  # held until NOW + 15 min
    later = NOW + timedelta(minutes=16)
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.booking_reschedule(
            booking=booking, user=who, new_starts_at=MAY4_10 + timedelta(hours=4), now=later
        )
    stale.refresh_from_db()
    assert (moved.lesson_starts_at, moved.moves_count) == (MAY4_10 + timedelta(hours=4), 1)
    assert (stale.status, stale.cancelled_by, stale.cancelled_at) == (BookingStatus.CANCELLED, "system", later)
    assert list(stale.events.values_list("kind", flat=True)) == ["created", "hold_expired"]
    assert OutboundMessage.objects.filter(to__icontains=other.email).count() == 0  # a payment hold: nobody told


def test_others_cannot_touch_a_booking():
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    booking = confirmed_booking(offer=offer, starts_at=MAY4_10, now=NOW)
    stranger = student()
    other_instructor = bookable_offer().instructor.user
    for user in (stranger, other_instructor):
        with pytest.raises(PermissionDenied):
            services.booking_cancel(booking=booking, user=user, now=NOW)
        with pytest.raises(PermissionDenied):
            services.booking_reschedule(booking=booking, user=user, new_starts_at=MAY4_10 + timedelta(hours=1), now=NOW)
    with pytest.raises(PermissionDenied):
        services.booking_mark_completed(booking=booking, user=booking.student, now=MAY4_10 + timedelta(hours=2))
    booking.refresh_from_db()
    assert (booking.status, booking.lesson_starts_at, booking.moves_count) == (BookingStatus.CONFIRMED, MAY4_10, 0)
    assert BookingEvent.objects.filter(booking=booking).count() == 2


def test_problem_report_review_and_staff_resolution(django_capture_on_commit_callbacks):
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    booking = confirmed_booking(offer=offer, starts_at=MAY4_10, now=NOW)
    after = MAY4_10 + timedelta(hours=2)
    with pytest.raises(ValidationError, match="listed problems"):
        services.problem_report_create(
            booking=booking, user=booking.student, kind="student_no_show", details="", now=after
        )
    with django_capture_on_commit_callbacks(execute=True):
        report = services.problem_report_create(
            booking=booking, user=booking.student, kind="cut_short", details="Left after 20 min", now=after
        )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.IN_REVIEW
    assert (
        OutboundMessage.objects.filter(
            to__icontains=offer.instructor.user.email, subject__startswith="A problem"
        ).count()
        == 1
    )
    # The periodic completion job leaves it alone.
    assert services.bookings_complete_finished(now=after + timedelta(hours=1)) == 0
    with pytest.raises(ValidationError, match="minutes delivered"):
        services.problem_resolve(report=report, staff_user=None, resolution="partly_completed", now=after)
    report = services.problem_resolve(
        report=report, staff_user=None, resolution="partly_completed", minutes_delivered=20, now=after
    )
    booking.refresh_from_db()
    assert (booking.status, report.minutes_delivered) == (BookingStatus.COMPLETED, 20)
    assert ProblemReport.objects.get().resolution == "partly_completed"


def test_reporting_a_problem_twice_returns_the_first_report(django_capture_on_commit_callbacks):
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    booking = confirmed_booking(offer=offer, starts_at=MAY4_10, now=NOW)
    after = MAY4_10 + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.problem_report_create(
            booking=booking, user=booking.student, kind="cut_short", details="20 minutes", now=after
        )
        again = services.problem_report_create(
            booking=booking, user=booking.student, kind="cut_short", details="20 minutes", now=after
        )
    assert again.pk == first.pk and ProblemReport.objects.count() == 1
    assert list(booking.events.values_list("kind", flat=True)) == ["created", "confirmed", "problem_reported"]
    told = OutboundMessage.objects.filter(to__icontains=offer.instructor.user.email, subject__startswith="A problem")
    assert told.count() == 1
    # The other side's report joins nothing: one review at a time, refused with a message.
    with pytest.raises(ValidationError, match="already being reviewed"):
        services.problem_report_create(
            booking=booking, user=offer.instructor.user, kind="student_no_show", details="", now=after
        )
    assert ProblemReport.objects.count() == 1 and booking.events.count() == 3


def test_accept_and_the_instructors_marks_are_idempotent(django_capture_on_commit_callbacks):
    offer = bookable_offer(hours="00:00-24:00", notice=1, booking_mode="request")
    teacher = offer.instructor.user
    with django_capture_on_commit_callbacks(execute=True):
        request = pay_and_confirm(create(offer, student()), now=NOW)
        accepted = services.booking_accept(booking=request, user=teacher, now=NOW + timedelta(hours=1))
        again = services.booking_accept(booking=request, user=teacher, now=NOW + timedelta(hours=2))
    assert (again.status, again.instructor_accepted_at) == (BookingStatus.CONFIRMED, accepted.instructor_accepted_at)
    assert list(request.events.values_list("kind", flat=True)) == ["created", "payment_step_done", "confirmed"]
    confirmations = OutboundMessage.objects.filter(to__icontains=request.student.email, subject__startswith="Booked:")
    assert confirmations.count() == 1

    instant = bookable_offer(hours="00:00-24:00", notice=1)
    for starts_at, mark, status in (
        (MAY4_10, services.booking_mark_completed, BookingStatus.COMPLETED),
        (MAY4_10 + timedelta(hours=3), services.booking_mark_no_show, BookingStatus.NO_SHOW),
    ):
        lesson = confirmed_booking(offer=instant, starts_at=starts_at, now=NOW)
        ended = starts_at + timedelta(hours=2)
        first = mark(booking=lesson, user=instant.instructor.user, now=ended)
        second = mark(booking=lesson, user=instant.instructor.user, now=ended + timedelta(hours=1))
        assert (first.status, second.status, second.completed_at) == (status, status, first.completed_at)
        assert list(lesson.events.values_list("kind", flat=True)) == ["created", "confirmed", status]


def test_periodic_completion_and_instructor_marks():
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    ended = confirmed_booking(offer=offer, starts_at=MAY4_10, now=NOW)
    later = confirmed_booking(offer=offer, starts_at=MAY4_10 + timedelta(hours=3), now=NOW)
    assert services.bookings_complete_finished(now=MAY4_10 + timedelta(hours=1)) == 1
    assert services.bookings_complete_finished(now=MAY4_10 + timedelta(hours=1)) == 0
    ended.refresh_from_db()
    assert ended.status == BookingStatus.COMPLETED
    with pytest.raises(ValidationError, match="once the lesson has started"):
        services.booking_mark_no_show(booking=later, user=offer.instructor.user, now=MAY4_10)
    no_show = services.booking_mark_no_show(
        booking=later, user=offer.instructor.user, now=MAY4_10 + timedelta(hours=3, minutes=20)
    )
    assert no_show.status == BookingStatus.NO_SHOW


def test_suspension_cancels_upcoming_bookings_by_the_platform(django_capture_on_commit_callbacks):
    offer = bookable_offer(hours="00:00-24:00", notice=1)
    past = confirmed_booking(offer=offer, starts_at=datetime(2026, 5, 2, 10, tzinfo=NY), now=NOW)
    upcoming = confirmed_booking(offer=offer, starts_at=MAY4_10, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        count = services.bookings_cancel_for_suspended_instructor(
            instructor=offer.instructor, now=datetime(2026, 5, 3, tzinfo=UTC)
        )
    assert count == 1
    upcoming.refresh_from_db()
    past.refresh_from_db()
    assert (upcoming.status, upcoming.cancelled_by, upcoming.cancellation_window) == (
        "cancelled",
        "platform",
        "no_cost",
    )
    assert past.status == BookingStatus.CONFIRMED
    assert (
        OutboundMessage.objects.filter(
            to__icontains=upcoming.student.email, subject="Lesson cancelled by InstaInstru"
        ).count()
        == 1
    )


def test_staff_suspending_an_instructor_in_catalog_cancels_their_upcoming_lessons(django_capture_on_commit_callbacks):
    from catalog.services import instructor_suspend

    offer = bookable_offer(hours="00:00-24:00", notice=1)
    upcoming = confirmed_booking(offer=offer, starts_at=MAY4_10, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        instructor_suspend(instructor=offer.instructor, reason="No-shows", now=datetime(2026, 5, 3, tzinfo=UTC))
    upcoming.refresh_from_db()
    assert (upcoming.status, upcoming.cancelled_by) == ("cancelled", "platform")


def test_pausing_keeps_the_bookings_already_made():
    from catalog.services import instructor_pause

    offer = bookable_offer(hours="00:00-24:00", notice=1)
    upcoming = confirmed_booking(offer=offer, starts_at=MAY4_10, now=NOW)
    instructor_pause(instructor=offer.instructor, now=NOW)
    upcoming.refresh_from_db()
    assert upcoming.status == BookingStatus.CONFIRMED
