"""Booking lifecycle. Each transition is one function that locks the row, checks
`bookings.models.TRANSITIONS`, writes, records a `BookingEvent`, and schedules notifications
and the OpenTime refresh with `transaction.on_commit`. Repeating a transition that already
happened returns the booking unchanged (users and jobs retry).

`booking_confirm_payment_step` runs once the payments checkout has saved or authorized the card
(`payments.services.checkout_finish` calls it); it confirms nothing without that. The money
attached to each outcome is the payments app's (`payments.services.lifecycle`, called inside
these transactions).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

from availability.selectors import availability_settings_for
from availability.services import open_time_refresh
from availability.slots import available_slots
from bookings import notify
from bookings.models import (
    TRANSITIONS,
    Booking,
    BookingEvent,
    BookingStatus,
    CancellationWindow,
    PendingReason,
    ProblemReport,
    Role,
)
from catalog.models import InstructorProfile, LocationType
from catalog.selectors import instructor_covers_point
from payments.pricing import booking_fee_cents
from payments.services.lifecycle import (
    payment_booking_cancelled,
    payment_booking_rescheduled,
    payment_lesson_captured,
    payment_problem_resolved,
)
from reviews.services import booking_completed as reviews_booking_completed
from search.services import search_summary_refresh

PAYMENT_HOLD = timedelta(minutes=15)
REQUEST_HOLD = timedelta(hours=24)
GRACE_PERIOD = timedelta(minutes=15)
FREE_CANCELLATION = timedelta(hours=24)
LATE_CANCELLATION = timedelta(hours=12)
# An instructor's move never costs the student: for this long after it (however close the new
# time is), the student's cancellation is free. The student did not choose the new time.
AFTER_INSTRUCTOR_MOVE = timedelta(hours=24)
DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE
DEADLOCK_RETRIES = 2
# A problem can be reported until the lesson's payment is captured, and never later than this
# after the lesson (payments capture 24 h after it, or sooner when the authorization lapses).
PROBLEM_REPORT_WINDOW = timedelta(hours=24)


class SlotTaken(ValidationError):
    def __init__(self):
        super().__init__("That time was just taken. Please pick another time.", code="slot_taken")


# ---------------------------------------------------------------- helpers


def _lock(booking: Booking) -> Booking:
    return Booking.objects.select_for_update().select_related("student", "instructor__user").get(pk=booking.pk)


def _record(booking, *, kind, from_status="", actor=None, role, now, **data) -> None:
    BookingEvent.objects.create(
        booking=booking,
        kind=kind,
        from_status=from_status,
        to_status=booking.status,
        actor=actor,
        actor_role=role,
        data=data,
        created_at=now,
    )


def _move_to(booking: Booking, status: str) -> str:
    if status not in TRANSITIONS[booking.status]:
        raise ValidationError(
            f"A {booking.get_status_display().lower()} booking cannot become {BookingStatus(status).label.lower()}."
        )
    previous, booking.status = booking.status, status
    return previous


def _after_commit(booking: Booking, now: datetime, *callbacks) -> None:
    instructor = booking.instructor

    def run():
        open_time_refresh(instructor=instructor, now=now)
        for callback in callbacks:
            callback()

    transaction.on_commit(run)


def _role_of(booking: Booking, user) -> str:
    if user.pk == booking.student_id:
        return Role.STUDENT
    if user.pk == booking.instructor.user_id:
        return Role.INSTRUCTOR
    raise PermissionDenied("This is not your booking.")


def cancellation_window_for(booking: Booking, *, role: str, now: datetime) -> str:
    """Which part of the policy applies if `role` cancels now (the payments app prices it)."""
    if role != Role.STUDENT:
        return CancellationWindow.NO_COST_TO_STUDENT
    if booking.instructor_moved_at is not None and now - booking.instructor_moved_at < AFTER_INSTRUCTOR_MOVE:
        return CancellationWindow.NO_COST_TO_STUDENT
    if now - booking.policy_clock_started_at <= GRACE_PERIOD:
        return CancellationWindow.GRACE
    if booking.locked_cancellation_window:
        return booking.locked_cancellation_window
    ahead = booking.lesson_starts_at - now
    if ahead >= FREE_CANCELLATION:
        return CancellationWindow.OVER_24H
    if ahead >= LATE_CANCELLATION:
        return CancellationWindow.BETWEEN_12_24H
    return CancellationWindow.UNDER_12H


def student_move_locks_window(booking: Booking, *, now: datetime) -> bool:
    """Would the student's move now lock the cancellation window that applies now onto the
    lesson? Yes for a move less than 24 h before it, unless that window is free anyway."""
    return (
        not booking.locked_cancellation_window
        and booking.lesson_starts_at - now < FREE_CANCELLATION
        and cancellation_window_for(booking, role=Role.STUDENT, now=now)
        not in (CancellationWindow.GRACE, CancellationWindow.NO_COST_TO_STUDENT)
    )


def _check_slot(*, offer, duration_minutes, location_type, starts_at, student, now, exclude_booking=None) -> None:
    zone = student.zone
    day = starts_at.astimezone(zone).date()
    slots = available_slots(
        offer=offer,
        duration_minutes=duration_minutes,
        location_type=location_type,
        start_date=day,
        end_date=day,
        student_tz=zone,
        now=now,
        exclude_booking=exclude_booking,
    )
    if not any(slot.starts_at == starts_at for slot in slots):
        raise SlotTaken()


def _queue_on_instructor(instructor_id: int) -> None:
    """Every write that takes time on an instructor's calendar (a booking, a move) queues on the
    instructor's row, so each one's slot check sees what the previous one committed instead of
    meeting it inside the exclusion constraint. Take it first, before any booking row."""
    queue = InstructorProfile.objects.select_for_update(no_key=True).filter(pk=instructor_id)
    queue.values_list("pk", flat=True).get()


def _buffers(booking_terms: dict, location_type: str) -> tuple[timedelta, timedelta]:
    from availability.slots import buffers_for

    return buffers_for(
        location_type=location_type,
        buffer_minutes=booking_terms["buffer_minutes"],
        travel_buffer_minutes=booking_terms["travel_buffer_minutes"],
    )


# ---------------------------------------------------------------- holds


def bookings_release_expired_holds(*, now: datetime, instructor=None) -> int:
    """Cancels pending bookings whose hold ran out (by the system) and tells the student.
    Safe to run concurrently: rows another transaction holds are skipped."""
    rows = Booking.objects.filter(status=BookingStatus.PENDING, hold_expires_at__lte=now)
    if instructor is not None:
        rows = rows.filter(instructor=instructor)
    released = 0
    with transaction.atomic():
        for booking in rows.select_for_update(skip_locked=True).select_related("student", "instructor__user"):
            previous = _move_to(booking, BookingStatus.CANCELLED)
            booking.cancelled_by = Role.SYSTEM
            booking.cancelled_at = now
            waiting_for_instructor = booking.pending_reason == PendingReason.INSTRUCTOR_APPROVAL
            booking.cancellation_reason = (
                "The instructor did not answer the request in time."
                if waiting_for_instructor
                else "The booking was not completed in time."
            )
            booking.cancellation_window = CancellationWindow.NO_COST_TO_STUDENT
            booking.save()
            payment_booking_cancelled(booking=booking, now=now)
            _record(booking, kind="hold_expired", from_status=previous, role=Role.SYSTEM, now=now)
            released += 1
            if waiting_for_instructor:
                _after_commit(
                    booking,
                    now,
                    lambda b=booking: notify.tell(
                        b,
                        user=b.student,
                        kind="booking_request_expired",
                        title="Your lesson request expired",
                        lines=["The instructor did not answer in time, so the time was released. Nothing is charged."],
                    ),
                )
            else:
                _after_commit(booking, now)
    return released


# ---------------------------------------------------------------- create and confirm


def booking_create(
    *,
    student,
    offer,
    duration_minutes: int,
    starts_at: datetime,
    location_type: str,
    location_address: str = "",
    location_point=None,
    location_details: str = "",
    note: str = "",
    now: datetime,
    idempotency_key: str,
) -> Booking:
    """Holds the time as a pending booking (waiting for the payment step).

    Guarantees: the same `idempotency_key` from the same student returns the first booking;
    the time is free and bookable (schedule, notice, horizon, buffers) or `SlotTaken` is raised
    and nothing is stored; price, fee, duration and the instructor's terms are copied.
    Expired holds on this instructor's calendar are released first.
    """
    if not idempotency_key:
        raise ValidationError("The form is missing its submission key; reload the page and try again.")
    existing = Booking.objects.filter(student=student, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    instructor = offer.instructor
    if not instructor.is_live or not offer.is_active:
        raise ValidationError("This instructor is not taking bookings right now.")
    if instructor.user_id == student.pk:
        raise ValidationError("You cannot book a lesson with yourself.")
    price_cents = offer.price_cents_for(duration_minutes)
    if price_cents is None:
        raise ValidationError(f"{offer.service.name} is not offered for {duration_minutes} minutes.")
    if location_type not in offer.location_types:
        raise ValidationError("Pick one of the places this instructor teaches.")
    note = note.strip()
    if len(note) > 1000:
        raise ValidationError("Keep the note to 1000 characters.")
    if location_type == LocationType.STUDENT_PLACE:
        if location_point is None or not location_address.strip():
            raise ValidationError("Enter the address where the lesson should happen.")
        if not instructor_covers_point(instructor=instructor, point=location_point):
            raise ValidationError("This instructor does not travel to that address. Pick another place or online.")
    elif location_type == LocationType.NEUTRAL and not location_address.strip():
        raise ValidationError("Name the place where you would like to meet.")
    elif location_type == LocationType.STUDIO:
        location_address, location_point = instructor.studio_address, None
    elif location_type == LocationType.ONLINE:
        location_address, location_point = "", None

    rules = availability_settings_for(instructor=instructor)
    terms = {
        "booking_mode": instructor.booking_mode,
        "minimum_notice_hours": rules.minimum_notice_hours,
        "buffer_minutes": rules.buffer_minutes,
        "travel_buffer_minutes": rules.travel_buffer_minutes,
        "grace_minutes": int(GRACE_PERIOD.total_seconds() // 60),
    }
    before, after = _buffers(terms, location_type)
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    # Two concurrent writes checking the exclusion constraint (this insert and, say, a reschedule)
    # can wait on each other; PostgreSQL then aborts one with a deadlock. Trying again sees the
    # other's row ("that time was just taken") or, if it rolled back, books.
    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            with transaction.atomic():
                _queue_on_instructor(instructor.pk)
                # A double submit of the same form queued behind its twin: the first one's booking
                # is committed now, and is the answer (its time is no longer free for the slot check).
                existing = Booking.objects.filter(student=student, idempotency_key=idempotency_key).first()
                if existing is not None:
                    return existing
                bookings_release_expired_holds(now=now, instructor=instructor)
                _check_slot(
                    offer=offer,
                    duration_minutes=duration_minutes,
                    location_type=location_type,
                    starts_at=starts_at,
                    student=student,
                    now=now,
                )
                booking = Booking.objects.create(
                    student=student,
                    instructor=instructor,
                    offer=offer,
                    service_name=offer.service.name,
                    duration_minutes=duration_minutes,
                    lesson_price_cents=price_cents,
                    booking_fee_cents=booking_fee_cents(price_cents),
                    terms=terms,
                    location_type=location_type,
                    location_address=location_address.strip(),
                    location_point=location_point,
                    location_details=location_details.strip(),
                    note=note,
                    lesson_starts_at=starts_at,
                    lesson_ends_at=ends_at,
                    span=DateTimeTZRange(starts_at - before, ends_at + after),
                    status=BookingStatus.PENDING,
                    pending_reason=PendingReason.PAYMENT,
                    hold_expires_at=now + PAYMENT_HOLD,
                    policy_clock_started_at=now,
                    idempotency_key=idempotency_key,
                    created_at=now,
                )
                _record(booking, kind="created", actor=student, role=Role.STUDENT, now=now)
                _after_commit(booking, now)
        except IntegrityError as error:
            constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", "")
            if constraint == "booking_idempotency_unique":
                return Booking.objects.get(student=student, idempotency_key=idempotency_key)
            if constraint == "booking_no_double_booking":
                # A concurrent double submit of the same form may lose on the time, not the key.
                same = Booking.objects.filter(student=student, idempotency_key=idempotency_key).first()
                if same is not None:
                    return same
                raise SlotTaken() from error
            raise
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", "") != DEADLOCK_DETECTED or attempt == DEADLOCK_RETRIES:
                raise
            continue
        return booking


def booking_confirm_payment_step(*, booking: Booking, now: datetime) -> Booking:
    """THE payment step, run by the payments checkout once the student's card is saved (lesson
    24 h or more away) or authorized (sooner, or covered by credit): an instant booking becomes
    confirmed; a request-to-book stays pending, now waiting for the instructor, with the
    request expiry (the earlier of 24 h after the request and lesson start minus notice).
    Refused, changing nothing, while the booking has no such payment. Idempotent; a hold that
    already ran out is released and refused."""
    from payments.services.lifecycle import payment_step_done

    with transaction.atomic():
        booking = _lock(booking)
        if booking.payment_confirmed_at is not None:
            return booking
        if booking.status != BookingStatus.PENDING:
            raise ValidationError("This booking is no longer waiting for payment.")
        if booking.hold_expires_at <= now:
            bookings_release_expired_holds(now=now, instructor=booking.instructor)
            raise ValidationError("Your hold on this time ran out. Please pick the time again.")
        if not payment_step_done(booking=booking):
            raise ValidationError("Finish the payment step first: no card is saved or authorized for this booking.")
        booking.payment_confirmed_at = now
        if booking.terms.get("booking_mode") == InstructorProfile.BookingMode.REQUEST:
            notice = timedelta(hours=booking.terms["minimum_notice_hours"])
            booking.pending_reason = PendingReason.INSTRUCTOR_APPROVAL
            booking.hold_expires_at = min(booking.created_at + REQUEST_HOLD, booking.lesson_starts_at - notice)
            booking.save()
            _record(booking, kind="payment_step_done", from_status=BookingStatus.PENDING, role=Role.SYSTEM, now=now)
            _after_commit(
                booking,
                now,
                lambda: notify.tell(
                    booking,
                    user=booking.instructor.user,
                    kind="booking_requested",
                    title=f"New lesson request from {booking.student.full_name}",
                    lines=["Accept or decline it from your bookings page."],
                ),
                lambda: notify.tell(
                    booking,
                    user=booking.student,
                    kind="booking_requested",
                    title="Your lesson request was sent",
                    lines=["The instructor has been asked to accept it. You will hear back soon."],
                ),
            )
            return booking
        return _confirm(booking, now=now, actor=None, role=Role.SYSTEM)


def _confirm(booking: Booking, *, now, actor, role) -> Booking:
    previous = _move_to(booking, BookingStatus.CONFIRMED)
    booking.pending_reason = ""
    booking.hold_expires_at = None
    booking.confirmed_at = now
    booking.save()
    _record(booking, kind="confirmed", from_status=previous, actor=actor, role=role, now=now)
    _after_commit(
        booking,
        now,
        lambda: notify.tell_both(
            booking,
            kind="booking_confirmed",
            student_title=f"Booked: {booking.service_name} with {booking.instructor.user.full_name}",
            instructor_title=f"New lesson: {booking.service_name} with {booking.student.full_name}",
            calendar=True,
        ),
    )
    return booking


def booking_accept(*, booking: Booking, user, now: datetime) -> Booking:
    """The instructor accepts a request; refused after it expired (then it is released). The
    student's saved card is then authorized as for any confirmed lesson (at once if the lesson is
    now less than 24 h away)."""
    from payments.services.lifecycle import payment_booking_accepted

    with transaction.atomic():
        booking = _lock(booking)
        if _role_of(booking, user) != Role.INSTRUCTOR:
            raise PermissionDenied("Only the instructor can accept a request.")
        if booking.status == BookingStatus.CONFIRMED:
            return booking
        if booking.status != BookingStatus.PENDING or booking.pending_reason != PendingReason.INSTRUCTOR_APPROVAL:
            raise ValidationError("This request is no longer waiting for you.")
        if booking.hold_expires_at <= now:
            bookings_release_expired_holds(now=now, instructor=booking.instructor)
            raise ValidationError("This request expired and its time was released.")
        booking.instructor_accepted_at = now
        booking = _confirm(booking, now=now, actor=user, role=Role.INSTRUCTOR)
        payment_booking_accepted(booking=booking, now=now)
        return booking


# ---------------------------------------------------------------- cancel and move


def booking_cancel(*, booking: Booking, user, now: datetime, reason: str = "", as_platform: bool = False) -> Booking:
    """Cancels for the student, the instructor or (staff, `as_platform`) the platform, recording
    who, when, why and which policy window applied. An instructor's or the platform's
    cancellation never costs the student. Declining a request is the instructor cancelling it."""
    with transaction.atomic():
        booking = _lock(booking)
        role = Role.PLATFORM if as_platform else _role_of(booking, user)
        if booking.status == BookingStatus.CANCELLED:
            return booking
        if role != Role.PLATFORM and booking.lesson_starts_at <= now:
            raise ValidationError("This lesson has started; report a problem instead of cancelling.")
        declined = _cancel(booking, actor=user, role=role, now=now, reason=reason)
        who = {
            Role.STUDENT: booking.student.full_name,
            Role.INSTRUCTOR: booking.instructor.user.full_name,
            Role.PLATFORM: "InstaInstru",
        }[role]
        title = "Lesson request declined" if declined else f"Lesson cancelled by {who}"
        lines = [f"Reason: {booking.cancellation_reason}"] if booking.cancellation_reason else []
        if role != Role.STUDENT:
            lines.append("This costs you nothing as the student.")
        # A lesson that was confirmed went into calendars (its emails carried an .ics): take it out.
        in_calendars = booking.confirmed_at is not None
        _after_commit(
            booking,
            now,
            lambda: notify.tell_both(
                booking,
                kind="booking_cancelled",
                student_title=title,
                instructor_title=title,
                lines=lines,
                calendar=in_calendars,
            ),
        )
    return booking


CARD_NOT_AUTHORIZED_REASON = "The card could not be authorized in time."


def booking_cancel_card_not_authorized(*, booking: Booking, deadline: timedelta, now: datetime) -> Booking | None:
    """The payments sweep, `deadline` before the lesson, found the student's card still not
    authorized: the lesson is cancelled automatically. It counts as the student's late
    cancellation on their record (nothing is charged: nothing was authorized), and each side is
    told what happened — not that the student cancelled. Returns None, changing nothing, when
    the booking is no longer a confirmed upcoming lesson."""
    with transaction.atomic():
        booking = _lock(booking)
        if booking.status != BookingStatus.CONFIRMED or booking.lesson_starts_at <= now:
            return None
        _cancel(booking, actor=None, role=Role.STUDENT, now=now, reason=CARD_NOT_AUTHORIZED_REASON)
        hours = f"{deadline.total_seconds() / 3600:g} hours"
        name = booking.student.full_name
        notices = [
            (
                booking.student,
                "Lesson cancelled automatically: your card could not be authorized",
                [
                    f"We could not authorize your card for this lesson by {hours} before it starts, "
                    "so the lesson was cancelled automatically.",
                    "Nothing was charged. It counts as a late cancellation on your record.",
                ],
            ),
            (
                booking.instructor.user,
                f"Lesson cancelled automatically: {name}'s card could not be authorized",
                [
                    f"We could not authorize {name}'s card for this lesson by {hours} before it starts, "
                    f"so the lesson was cancelled automatically; {name} did not cancel it.",
                    "The time is open in your calendar again.",
                ],
            ),
        ]

        def tell_each():
            for user, title, lines in notices:
                notify.tell(booking, user=user, kind="booking_cancelled", title=title, lines=lines, with_calendar=True)

        _after_commit(booking, now, tell_each)
    return booking


def _cancel(booking: Booking, *, actor, role: str, now: datetime, reason: str) -> bool:
    """The cancellation itself, on a booking locked by the caller: status, who, when, why, the
    policy window, the payment's outcome and the event. True when it declined a request."""
    previous = _move_to(booking, BookingStatus.CANCELLED)
    booking.cancelled_by = role
    booking.cancelled_at = now
    booking.cancellation_reason = reason.strip()[:300]
    booking.cancellation_window = cancellation_window_for(booking, role=role, now=now)
    booking.hold_expires_at = None
    booking.save()
    payment_booking_cancelled(booking=booking, now=now)
    declined = previous == BookingStatus.PENDING and role == Role.INSTRUCTOR
    _record(
        booking,
        kind="declined" if declined else "cancelled",
        from_status=previous,
        actor=actor,
        role=role,
        now=now,
        window=booking.cancellation_window,
    )
    return declined


def booking_reschedule(*, booking: Booking, user, new_starts_at: datetime, now: datetime) -> Booking:
    """Moves a confirmed lesson to a free time, in the same transaction that frees the old one.
    Expired holds on the instructor's calendar are released first.

    Policy for the student's moves:
    - a move made 24 h or more before the lesson gets a fresh policy clock;
    - a move made less than 24 h before keeps the cancellation window that applied at that moment
      (it is locked onto the lesson, whatever its new time), unless that window was free anyway
      (the 15-minute grace, or the day after an instructor's move): then the clock is fresh;
    - a lesson with a locked window keeps it when moved again 24 h or more before it starts, and
      cannot be moved again less than 24 h before it starts (the second move inside the window).
    An instructor's move never costs the student: it clears a locked window, starts a fresh
    clock, and for `AFTER_INSTRUCTOR_MOVE` the student may cancel at no cost."""
    with transaction.atomic():
        # The same order as booking_create: the instructor's queue, then the booking.
        _queue_on_instructor(booking.instructor_id)
        booking = _lock(booking)
        role = _role_of(booking, user)
        if booking.status != BookingStatus.CONFIRMED:
            raise ValidationError("Only a confirmed upcoming lesson can be moved.")
        if booking.lesson_starts_at <= now:
            raise ValidationError("This lesson has already started.")
        if new_starts_at == booking.lesson_starts_at:
            return booking
        late = booking.lesson_starts_at - now < FREE_CANCELLATION
        if role == Role.STUDENT and late and booking.locked_cancellation_window:
            raise ValidationError(
                "This lesson was already moved less than 24 hours before it started, so it cannot be moved "
                "again less than 24 hours before it starts."
            )
        # A hold that ran out still holds its time for the exclusion constraint until released.
        bookings_release_expired_holds(now=now, instructor=booking.instructor)
        _check_slot(
            offer=booking.offer,
            duration_minutes=booking.duration_minutes,
            location_type=booking.location_type,
            starts_at=new_starts_at,
            student=booking.student,
            now=now,
            exclude_booking=booking,
        )
        if role == Role.INSTRUCTOR:
            booking.locked_cancellation_window = ""
            booking.policy_clock_started_at = now
            booking.instructor_moved_at = now
        elif booking.locked_cancellation_window:
            booking.instructor_moved_at = None  # keeps the late move's terms and their clock
        elif student_move_locks_window(booking, now=now):
            booking.locked_cancellation_window = cancellation_window_for(booking, role=role, now=now)
            booking.late_moves_count += 1
            booking.instructor_moved_at = None
        else:
            booking.policy_clock_started_at = now
            booking.instructor_moved_at = None
        old_starts_at = booking.lesson_starts_at
        before, after = _buffers(booking.terms, booking.location_type)
        booking.lesson_starts_at = new_starts_at
        booking.lesson_ends_at = new_starts_at + timedelta(minutes=booking.duration_minutes)
        booking.span = DateTimeTZRange(new_starts_at - before, booking.lesson_ends_at + after)
        booking.moves_count += 1
        try:
            with transaction.atomic():
                booking.save()
        except IntegrityError as error:
            raise SlotTaken() from error
        payment_booking_rescheduled(booking=booking, now=now)
        _record(
            booking,
            kind="rescheduled",
            from_status=booking.status,
            actor=user,
            role=role,
            now=now,
            old_starts_at=old_starts_at.isoformat(),
            new_starts_at=new_starts_at.isoformat(),
            locked_window=booking.locked_cancellation_window,
        )
        student_lines = []
        if role == Role.INSTRUCTOR:
            free_until = min(now + AFTER_INSTRUCTOR_MOVE, booking.lesson_starts_at).astimezone(booking.student.zone)
            student_lines.append(
                f"{booking.instructor.user.full_name} moved this lesson. It costs you nothing: you can cancel "
                f"at no cost until {free_until:%A %-d %B, %H:%M} ({booking.student.zone.key})."
            )

        def tell_each():
            notify.tell(
                booking,
                user=booking.student,
                kind="booking_rescheduled",
                title=f"Lesson moved: {booking.service_name}",
                lines=student_lines,
                with_calendar=True,
            )
            notify.tell(
                booking,
                user=booking.instructor.user,
                kind="booking_rescheduled",
                title=f"Lesson moved: {booking.service_name} with {booking.student.full_name}",
                lines=[],
                with_calendar=True,
            )

        _after_commit(booking, now, tell_each)
    return booking


# ---------------------------------------------------------------- after the lesson


def booking_mark_completed(*, booking: Booking, user, now: datetime) -> Booking:
    """The instructor marks a lesson that has ended as completed."""
    return _instructor_outcome(booking=booking, user=user, now=now, status=BookingStatus.COMPLETED)


def booking_mark_no_show(*, booking: Booking, user, now: datetime) -> Booking:
    """The instructor records that the student did not show up (after the lesson started)."""
    return _instructor_outcome(booking=booking, user=user, now=now, status=BookingStatus.NO_SHOW)


def _instructor_outcome(*, booking, user, now, status) -> Booking:
    with transaction.atomic():
        booking = _lock(booking)
        if _role_of(booking, user) != Role.INSTRUCTOR:
            raise PermissionDenied("Only the instructor can record how the lesson went.")
        if booking.status == status:
            return booking
        must_have = booking.lesson_ends_at if status == BookingStatus.COMPLETED else booking.lesson_starts_at
        if now < must_have:
            raise ValidationError(
                "You can mark it completed once the lesson has ended."
                if status == BookingStatus.COMPLETED
                else "You can record a no-show once the lesson has started."
            )
        if booking.status != BookingStatus.CONFIRMED:
            raise ValidationError("Only a confirmed lesson can be marked.")
        previous = _move_to(booking, status)
        if status == BookingStatus.COMPLETED:
            booking.completed_at = now
        booking.save()
        _record(booking, kind=status, from_status=previous, actor=user, role=Role.INSTRUCTOR, now=now)
        if status == BookingStatus.NO_SHOW:
            _after_commit(
                booking,
                now,
                lambda: notify.tell(
                    booking,
                    user=booking.student,
                    kind="booking_no_show",
                    title="Your instructor recorded a no-show",
                    lines=["If you were there, report a problem from the lesson page."],
                ),
            )
        else:
            _after_commit(booking, now, lambda: reviews_booking_completed(booking=booking))
    return booking


def bookings_complete_finished(*, now: datetime) -> int:
    """Periodic: confirmed lessons that have ended become completed. Bookings in review are
    untouched (a problem was reported). Safe to run twice or concurrently."""
    done = 0
    with transaction.atomic():
        rows = Booking.objects.filter(status=BookingStatus.CONFIRMED, lesson_ends_at__lte=now)
        for booking in rows.select_for_update(skip_locked=True):
            previous = _move_to(booking, BookingStatus.COMPLETED)
            booking.completed_at = now
            booking.save(update_fields=["status", "completed_at", "updated_at"])
            _record(booking, kind="completed", from_status=previous, role=Role.SYSTEM, now=now)
            transaction.on_commit(lambda booking=booking: reviews_booking_completed(booking=booking))
            transaction.on_commit(lambda b=booking: search_summary_refresh(instructor_ids=[b.instructor_id], now=now))
            done += 1
    return done


STUDENT_PROBLEMS = {
    ProblemReport.Kind.INSTRUCTOR_NO_SHOW,
    ProblemReport.Kind.LESSON_DID_NOT_HAPPEN,
    ProblemReport.Kind.LESSON_CUT_SHORT,
}
INSTRUCTOR_PROBLEMS = {
    ProblemReport.Kind.STUDENT_NO_SHOW,
    ProblemReport.Kind.LESSON_DID_NOT_HAPPEN,
    ProblemReport.Kind.LESSON_CUT_SHORT,
}


def problem_report_deadline(booking: Booking) -> datetime:
    """The latest moment a problem can be reported when the payment is not captured earlier
    (it is captured 24 h after the lesson, or at its end when the authorization lapses sooner)."""
    return booking.lesson_ends_at + PROBLEM_REPORT_WINDOW


def problem_report_open(booking: Booking, *, now: datetime) -> bool:
    """May either side report a problem now? From the lesson's start until its payment is
    captured (and never later than `problem_report_deadline`)."""
    return (
        booking.status in (BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)
        and booking.lesson_starts_at <= now <= problem_report_deadline(booking)
        and not payment_lesson_captured(booking=booking)
    )


def problem_report_create(*, booking: Booking, user, kind: str, details: str, now: datetime) -> ProblemReport:
    """Either side reports a problem after the lesson started; the booking goes to review and
    the other side is told. Idempotent: the reporter's retry returns their open report; the other
    side's report while it is open is refused (one review at a time)."""
    with transaction.atomic():
        booking = _lock(booking)
        role = _role_of(booking, user)
        allowed = STUDENT_PROBLEMS if role == Role.STUDENT else INSTRUCTOR_PROBLEMS
        if kind not in allowed:
            raise ValidationError("Pick one of the listed problems.")
        if booking.status == BookingStatus.IN_REVIEW:
            open_report = booking.problem_reports.filter(resolved_at__isnull=True).first()
            if open_report is not None and open_report.reported_by_id == user.pk:
                return open_report
            raise ValidationError("A problem with this lesson is already being reviewed.")
        if BookingStatus.IN_REVIEW not in TRANSITIONS[booking.status]:
            raise ValidationError("Problems can only be reported for a lesson that was confirmed.")
        if now < booking.lesson_starts_at:
            raise ValidationError("You can report a problem once the lesson has started.")
        if now > problem_report_deadline(booking):
            raise ValidationError("It is too late to report a problem with this lesson.")
        if payment_lesson_captured(booking=booking, lock=True):
            raise ValidationError(
                "This lesson has already been charged, so a problem can no longer be reported here. "
                "Write to support if something went wrong."
            )
        details = details.strip()
        if len(details) > 2000:
            raise ValidationError("Keep the details to 2000 characters.")
        previous = _move_to(booking, BookingStatus.IN_REVIEW)
        booking.save(update_fields=["status", "updated_at"])
        report = ProblemReport.objects.create(
            booking=booking, reported_by=user, reporter_role=role, kind=kind, details=details, created_at=now
        )
        _record(booking, kind="problem_reported", from_status=previous, actor=user, role=role, now=now, problem=kind)
        other = booking.instructor.user if role == Role.STUDENT else booking.student
        _after_commit(
            booking,
            now,
            lambda: notify.tell(
                booking,
                user=other,
                kind="booking_problem",
                title=f"A problem was reported: {report.get_kind_display()}",
                lines=["Our team will look at it and get back to both of you."],
            ),
        )
    return report


def problem_resolve(
    *, report: ProblemReport, staff_user, resolution: str, now: datetime, note: str = "", minutes_delivered=None
) -> ProblemReport:
    """Staff decide a reported problem: completed, partly completed (with minutes delivered) or
    cancelled without charge. Idempotent for an already resolved report."""
    if resolution not in ProblemReport.Resolution.values:
        raise ValidationError("Unknown resolution.")
    with transaction.atomic():
        report = ProblemReport.objects.select_for_update().get(pk=report.pk)
        if report.resolved_at is not None:
            return report
        booking = _lock(report.booking)
        if resolution == ProblemReport.Resolution.PARTLY_COMPLETED:
            if not minutes_delivered or not 0 < minutes_delivered < booking.duration_minutes:
                raise ValidationError(f"Enter the minutes delivered (1 to {booking.duration_minutes - 1}).")
        else:
            minutes_delivered = None
        if resolution == ProblemReport.Resolution.CANCELLED_NO_CHARGE:
            previous = _move_to(booking, BookingStatus.CANCELLED)
            booking.cancelled_by = Role.PLATFORM
            booking.cancelled_at = now
            booking.cancellation_reason = f"Problem resolved: {report.get_kind_display()}"
            booking.cancellation_window = CancellationWindow.NO_COST_TO_STUDENT
        else:
            previous = _move_to(booking, BookingStatus.COMPLETED)
            booking.completed_at = now
        booking.save()
        report.resolution = resolution
        report.minutes_delivered = minutes_delivered
        report.resolution_note = note
        report.resolved_by = staff_user
        report.resolved_at = now
        report.save()
        payment_problem_resolved(booking=booking, report=report, now=now)
        _record(
            booking,
            kind="problem_resolved",
            from_status=previous,
            actor=staff_user,
            role=Role.PLATFORM,
            now=now,
            resolution=resolution,
            minutes_delivered=minutes_delivered,
        )
        title = f"Problem resolved: {report.get_resolution_display()}"
        completed = booking.status == BookingStatus.COMPLETED
        _after_commit(
            booking,
            now,
            lambda: notify.tell_both(booking, kind="booking_problem", student_title=title, instructor_title=title),
            *([lambda: reviews_booking_completed(booking=booking)] if completed else []),
        )
    return report


def bookings_cancel_for_suspended_instructor(*, instructor, now: datetime, staff_user=None) -> int:
    """Staff suspended `instructor`: every upcoming booking is cancelled by the platform at no
    cost to the student, who is told. (A paused instructor keeps their bookings: don't call this.)"""
    upcoming = Booking.objects.filter(
        instructor=instructor,
        status__in=[BookingStatus.PENDING, BookingStatus.CONFIRMED],
        lesson_starts_at__gt=now,
    )
    count = 0
    for booking in upcoming:
        booking_cancel(
            booking=booking,
            user=staff_user,
            now=now,
            reason="The instructor is no longer available on InstaInstru.",
            as_platform=True,
        )
        count += 1
    return count


def on_instructor_suspended(*, instructor, reason: str, now: datetime) -> None:
    """Catalog's suspension hook: the platform cancels the instructor's upcoming lessons."""
    bookings_cancel_for_suspended_instructor(instructor=instructor, now=now)
