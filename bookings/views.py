"""Booking pages: the student's flow (choose → review → confirm → confirmation), My lessons,
the instructor's bookings, and one POST view per transition. Views parse, call one service,
render."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from availability.slots import available_slots
from bookings import services
from bookings.forms import ChooseForm, ProblemForm, ReviewForm
from bookings.ics import booking_ics
from bookings.models import BookingStatus, CancellationWindow, PendingReason
from bookings.selectors import (
    booking_for_participant,
    instructor_bookings,
    instructor_bookings_between,
    student_bookings,
)
from catalog.models import InstructorProfile, InstructorService, LocationType
from payments.pricing import booking_fee_cents

DAYS_SHOWN = 7


def _offers(instructor):
    return (
        InstructorService.objects.filter(instructor=instructor, is_active=True)
        .in_display_order()
        .select_related("service", "instructor__user")
        .prefetch_related("prices")
    )


def _slots_by_day(slots, zone):
    return [
        (day, list(group))
        for day, group in groupby((slot.starts_at.astimezone(zone) for slot in slots), key=lambda local: local.date())
    ]


@login_required
@require_GET
def booking_start(request, public_id):
    instructor = get_object_or_404(InstructorProfile.objects.select_related("user"), public_id=public_id)
    if not instructor.is_live:
        raise Http404("This instructor is not taking bookings.")
    zone = request.user.zone
    offers = list(_offers(instructor))
    form = ChooseForm(offers=offers, data=request.GET or None, today=timezone.now().astimezone(zone).date())
    days = []
    if form.is_valid():
        start = form.cleaned_data["from_date"]
        slots = available_slots(
            offer=form.cleaned_data["offer"],
            duration_minutes=form.cleaned_data["duration"],
            location_type=form.cleaned_data["location_type"],
            start_date=start,
            end_date=start + timedelta(days=DAYS_SHOWN - 1),
            student_tz=zone,
            now=timezone.now(),
        )
        days = _slots_by_day(slots, zone)
    return render(
        request,
        "bookings/start.html",
        {
            "instructor": instructor,
            "form": form,
            "days": days,
            "zone": zone,
            "searched": form.is_bound and form.is_valid(),
            "next_from": form.cleaned_data["from_date"] + timedelta(days=DAYS_SHOWN) if form.is_valid() else None,
        },
    )


def _search_term_learn(request, *, service) -> None:
    """A booking after a search whose words matched no service teaches search an alias (search.services)."""
    from search.services import search_term_alias_observe
    from search.unmatched import unmatched_term_current

    now = timezone.now()
    term = unmatched_term_current(request.session, now=now)  # only the last typed search, while it is recent
    if term:
        search_term_alias_observe(user=request.user, term=term, service=service, now=now)


@login_required
@require_http_methods(["GET", "POST"])
def booking_review(request, public_id):
    instructor = get_object_or_404(InstructorProfile.objects.select_related("user"), public_id=public_id)
    offers = list(_offers(instructor))
    choose = ChooseForm(offers=offers, data=request.GET, today=timezone.now().astimezone(request.user.zone).date())
    if not choose.is_valid() or "start" not in request.GET:
        messages.error(request, "Pick a service, a duration and a time first.")
        return redirect("booking_start", public_id=public_id)
    try:
        starts_at = datetime.fromisoformat(request.GET["start"])
    except ValueError:
        messages.error(request, "Pick a time from the list.")
        return redirect("booking_start", public_id=public_id)
    if starts_at.tzinfo is None:
        messages.error(request, "Pick a time from the list.")
        return redirect("booking_start", public_id=public_id)
    offer = choose.cleaned_data["offer"]
    duration = choose.cleaned_data["duration"]
    location_type = choose.cleaned_data["location_type"]
    price = offer.price_cents_for(duration)
    form = ReviewForm(
        location_type=location_type,
        saved_addresses=request.user.saved_addresses.all(),
        data=request.POST or None,
        initial={"idempotency_key": secrets.token_urlsafe(24)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            booking = services.booking_create(
                student=request.user,
                offer=offer,
                duration_minutes=duration,
                starts_at=starts_at,
                location_type=location_type,
                location_address=form.cleaned_data.get("address", ""),
                location_point=form.cleaned_data.get("point"),
                location_details=form.cleaned_data.get("details", ""),
                note=form.cleaned_data["note"],
                now=timezone.now(),
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            _search_term_learn(request, service=offer.service)
            # The time is held; the payments checkout confirms it (or releases it).
            return redirect("payments_checkout", public_id=booking.public_id)
    return render(
        request,
        "bookings/review.html",
        {
            "instructor": instructor,
            "offer": offer,
            "duration": duration,
            "location_label": LocationType(location_type).label,
            "local_start": starts_at.astimezone(request.user.zone),
            "local_end": (starts_at + timedelta(minutes=duration)).astimezone(request.user.zone),
            "zone": request.user.zone,
            "price_cents": price,
            "fee_cents": booking_fee_cents(price),
            "total_cents": price + booking_fee_cents(price),
            "form": form,
            "is_request": instructor.booking_mode == InstructorProfile.BookingMode.REQUEST,
        },
    )


def _participant_booking(request, public_id):
    booking = booking_for_participant(user=request.user, public_id=public_id)
    if booking is None:
        raise Http404("No such lesson.")
    return booking


@login_required
@require_GET
def booking_detail(request, public_id):
    booking = _participant_booking(request, public_id)
    now = timezone.now()
    is_instructor = booking.instructor.user_id == request.user.pk
    zone = request.user.zone
    return render(
        request,
        "bookings/detail.html",
        {
            "booking": booking,
            "is_instructor": is_instructor,
            "zone": zone,
            "local_start": booking.lesson_starts_at.astimezone(zone),
            "local_end": booking.lesson_ends_at.astimezone(zone),
            "upcoming": booking.lesson_starts_at > now,
            "can_change": booking.status in (BookingStatus.CONFIRMED, BookingStatus.PENDING)
            and booking.lesson_starts_at > now,
            "can_reschedule": booking.status == BookingStatus.CONFIRMED and booking.lesson_starts_at > now,
            "awaiting_instructor": booking.status == BookingStatus.PENDING
            and booking.pending_reason == PendingReason.INSTRUCTOR_APPROVAL,
            "can_mark": is_instructor and booking.status == BookingStatus.CONFIRMED and booking.lesson_starts_at <= now,
            "can_report": services.problem_report_open(booking, now=now),
            "window_if_cancelled_label": CancellationWindow(
                services.cancellation_window_for(booking, role="instructor" if is_instructor else "student", now=now)
            ).label,
            "problem_form": ProblemForm(role="instructor" if is_instructor else "student"),
            "total_cents": booking.lesson_price_cents + booking.booking_fee_cents,
        },
    )


@login_required
@require_GET
def booking_calendar_file(request, public_id):
    booking = _participant_booking(request, public_id)
    url = request.build_absolute_uri(reverse("booking_detail", args=[booking.public_id]))
    content = booking_ics(booking=booking, recipient=request.user, title=f"{booking.service_name} lesson", url=url)
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="lesson-{booking.public_id}.ics"'
    return response


def _transition(request, public_id, action, success: str):
    booking = _participant_booking(request, public_id)
    try:
        action(booking)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, success)
    return redirect("booking_detail", public_id=public_id)


@login_required
@require_POST
def booking_cancel(request, public_id):
    reason = request.POST.get("reason", "")
    return _transition(
        request,
        public_id,
        lambda b: services.booking_cancel(booking=b, user=request.user, now=timezone.now(), reason=reason),
        "The lesson was cancelled.",
    )


@login_required
@require_POST
def booking_accept(request, public_id):
    return _transition(
        request,
        public_id,
        lambda b: services.booking_accept(booking=b, user=request.user, now=timezone.now()),
        "You accepted the request.",
    )


@login_required
@require_POST
def booking_complete(request, public_id):
    return _transition(
        request,
        public_id,
        lambda b: services.booking_mark_completed(booking=b, user=request.user, now=timezone.now()),
        "Marked as completed.",
    )


@login_required
@require_POST
def booking_no_show(request, public_id):
    return _transition(
        request,
        public_id,
        lambda b: services.booking_mark_no_show(booking=b, user=request.user, now=timezone.now()),
        "Recorded a no-show.",
    )


@login_required
@require_POST
def booking_report_problem(request, public_id):
    booking = _participant_booking(request, public_id)
    form = ProblemForm(
        role="instructor" if booking.instructor.user_id == request.user.pk else "student", data=request.POST
    )
    if not form.is_valid():
        messages.error(request, "Pick what went wrong.")
        return redirect("booking_detail", public_id=public_id)
    return _transition(
        request,
        public_id,
        lambda b: services.problem_report_create(
            booking=b,
            user=request.user,
            kind=form.cleaned_data["kind"],
            details=form.cleaned_data["details"],
            now=timezone.now(),
        ),
        "Thanks — we are looking into it.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def booking_reschedule(request, public_id):
    booking = _participant_booking(request, public_id)
    zone = request.user.zone
    now = timezone.now()
    if request.method == "POST":
        try:
            new_start = datetime.fromisoformat(request.POST.get("start", ""))
            if new_start.tzinfo is None:
                raise ValueError
        except ValueError:
            messages.error(request, "Pick a new time from the list.")
            return redirect("booking_reschedule", public_id=public_id)
        try:
            services.booking_reschedule(booking=booking, user=request.user, new_starts_at=new_start, now=now)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            return redirect("booking_reschedule", public_id=public_id)
        messages.success(request, "The lesson was moved.")
        return redirect("booking_detail", public_id=public_id)
    try:
        start = date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        start = now.astimezone(zone).date()
    slots = available_slots(
        offer=booking.offer,
        duration_minutes=booking.duration_minutes,
        location_type=booking.location_type,
        start_date=start,
        end_date=start + timedelta(days=DAYS_SHOWN - 1),
        student_tz=booking.student.zone,
        now=now,
        exclude_booking=booking,
    )
    return render(
        request,
        "bookings/reschedule.html",
        {
            "booking": booking,
            "days": _slots_by_day(slots, zone),
            "zone": zone,
            "local_start": booking.lesson_starts_at.astimezone(zone),
            "next_from": start + timedelta(days=DAYS_SHOWN),
            "is_instructor": booking.instructor.user_id == request.user.pk,
            "move_locks_window": services.student_move_locks_window(booking, now=now),
        },
    )


@login_required
@require_GET
def my_lessons(request):
    past = request.GET.get("show") == "past"
    rows = student_bookings(student=request.user, upcoming=not past, now=timezone.now())
    page = Paginator(rows, 10).get_page(request.GET.get("page"))
    return render(
        request,
        "bookings/my_lessons.html",
        {"page": page, "past": past, "zone": request.user.zone, "querystring": "show=past" if past else ""},
    )


def _instructor_profile(request):
    profile = InstructorProfile.objects.filter(user=request.user).select_related("user").first()
    if profile is None:
        raise PermissionDenied("This page is for instructors.")
    return profile


@login_required
@require_GET
def teaching_bookings(request):
    instructor = _instructor_profile(request)
    zone = request.user.zone
    now = timezone.now()
    past = request.GET.get("show") == "past"
    page = Paginator(instructor_bookings(instructor=instructor, upcoming=not past, now=now), 10).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "bookings/teaching_list.html",
        {"page": page, "past": past, "zone": zone, "querystring": "show=past" if past else ""},
    )


@login_required
@require_GET
def teaching_week(request):
    instructor = _instructor_profile(request)
    zone = request.user.zone
    today = timezone.now().astimezone(zone).date()
    try:
        week_start = date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        week_start = today
    week_start -= timedelta(days=week_start.weekday())
    start = datetime.combine(week_start, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(week_start + timedelta(days=7), datetime.min.time(), tzinfo=zone)
    bookings = list(instructor_bookings_between(instructor=instructor, start=start, end=end))
    days = []
    for offset in range(7):
        day = week_start + timedelta(days=offset)
        days.append(
            (day, [b for b in bookings if b.lesson_starts_at.astimezone(zone).date() == day]),
        )
    return render(
        request,
        "bookings/teaching_week.html",
        {
            "days": days,
            "zone": zone,
            "week_start": week_start,
            "previous_week": week_start - timedelta(days=7),
            "next_week": week_start + timedelta(days=7),
        },
    )
