"""Pages and HTMX partials for favorites, reviews and achievements. Adapters only: parse, call one
service, render."""

import secrets
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from bookings.models import Booking
from catalog.models import InstructorProfile
from payments.pricing import dollars_text
from payments.services import default_card, tips
from reviews import selectors, services
from reviews.errors import RefusedError
from reviews.models import REVIEW_TEXT_MAX, Review

REVIEWS_PER_PAGE = 10

# ------------------------------------------------------------------------------- favorites


def _in_place(response: HttpResponse) -> HttpResponse:
    """A heart or a report changes a piece of the page, never its address: HTMX must not push
    this URL into the history even where the heart sits inside a container that pushes its own
    (the search results do), or Back and Reload would open /favorites/<id>/."""
    response["HX-Push-Url"] = "false"
    return response


def _favorite_fragment(request, profile, *, message: str = "", status: int = 200) -> HttpResponse:
    html = render_to_string(
        "reviews/partials/favorite_button.html", {"profile": profile, "favorite_message": message}, request=request
    )
    return _in_place(HttpResponse(html, status=status))


def _plain(message: str, status: int) -> HttpResponse:
    return _in_place(HttpResponse(message, status=status, content_type="text/plain; charset=utf-8"))


@require_POST
def favorite_set(request, public_id):
    """Sets the favorite state to `favorite` ("true"/"false"); without it, toggles. Answers with the
    heart as stored, or with the refusal message (4xx, which the page shows after rolling back)."""
    profile = get_object_or_404(InstructorProfile.objects.select_related("user"), public_id=public_id)
    if not request.user.is_authenticated:
        return _plain("Log in to save favorites.", 401)
    wanted = request.POST.get("favorite")
    if wanted in ("true", "false"):
        favorite = wanted == "true"
    else:
        favorite = profile.pk not in selectors.favorite_instructor_ids(request.user)
    try:
        services.favorite_set(user=request.user, instructor=profile, favorite=favorite, now=timezone.now())
    except RefusedError as refusal:
        if request.htmx:
            return _plain(refusal.message, refusal.status)
        return _favorite_fragment(request, profile, message=refusal.message, status=refusal.status)
    return _favorite_fragment(request, profile)


@login_required
def favorite_list(request):
    page = Paginator(selectors.favorites_of(request.user), 24).get_page(request.GET.get("page"))
    return render(request, "reviews/favorites.html", {"page": page})


# ------------------------------------------------------------------------------- reviews


def _review_form(request, booking, *, refusal=None, status: int = 200, tip_key: str = "") -> HttpResponse:
    """The review form, or only the refusal when the lesson is not theirs: a stranger learns nothing
    about someone else's lesson (not its service, not its instructor)."""
    if refusal is not None and refusal.status == 403:
        return render(request, "reviews/review_form.html", {"stranger": refusal}, status=403)
    context = {
        "booking": booking,
        "values": {key: request.POST.get(key, "") for key in ("stars", "text", "tip_amount")},
        "text_max": REVIEW_TEXT_MAX,
    }
    if refusal is not None and refusal.field is None:
        # The lesson cannot be reviewed (not over, not completed, closed, reviewed): no form.
        context["blocked"] = refusal
    else:
        tip_possible = tips.tip_allowed(booking=booking, student=request.user)
        context.update(
            refusal=refusal,
            tip_possible=tip_possible,
            tip_card=default_card(request.user) if tip_possible else None,
            tip_key=tip_key or secrets.token_urlsafe(24),
            add_card_url=reverse("payments_cards") + "?" + urlencode({"next": request.path}),
        )
    return render(request, "reviews/review_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def review_create(request, public_id):
    """The review form, with the optional tip (charged with the review, see
    `services.review_create_with_tip`)."""
    booking = get_object_or_404(Booking.objects.select_related("student", "instructor__user"), public_id=public_id)
    now = timezone.now()
    if request.method == "GET":
        refusal = services.review_refusal(booking=booking, user=request.user, now=now)
        return _review_form(request, booking, refusal=refusal, status=refusal.status if refusal else 200)
    try:
        _, tip = services.review_create_with_tip(
            booking=booking,
            user=request.user,
            stars=request.POST.get("stars", ""),
            text=request.POST.get("text", ""),
            tip_form=request.POST,
            now=now,
        )
    except RefusedError as refusal:
        # A tip that was tried and failed gets a new key: the next attempt is a new charge attempt.
        keep_key = "" if refusal.field == "tip_amount" else request.POST.get("tip_key", "")
        return _review_form(request, booking, refusal=refusal, status=refusal.status, tip_key=keep_key)
    if tip is None:
        messages.success(request, "Thank you! Your review is published.")
    else:
        amount, instructor = dollars_text(tip.captured_cents), booking.instructor.user.full_name
        messages.success(request, f"Thank you! Your review is published and your {amount} tip goes to {instructor}.")
    return redirect("booking_detail", public_id=booking.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def review_respond(request, public_id):
    review = get_object_or_404(
        Review.objects.select_related("author", "instructor__user", "offer__service", "response"), public_id=public_id
    )
    if review.instructor.user_id != request.user.pk:
        blocked = "Only the instructor who was reviewed can respond."
        return render(request, "reviews/respond_form.html", {"review": None, "blocked": blocked}, status=403)
    text = request.POST.get("text", "")
    if request.method == "POST":
        try:
            services.review_respond(review=review, user=request.user, text=text, now=timezone.now())
        except RefusedError as refusal:
            return render(
                request,
                "reviews/respond_form.html",
                {"review": review, "refusal": refusal, "text": text, "text_max": REVIEW_TEXT_MAX},
                status=refusal.status,
            )
        messages.success(request, "Your response is published under the review.")
        return redirect("instructor_reviews", public_id=review.instructor.public_id)
    return render(request, "reviews/respond_form.html", {"review": review, "text": text, "text_max": REVIEW_TEXT_MAX})


@require_POST
def review_report(request, public_id):
    review = get_object_or_404(Review, public_id=public_id, is_hidden=False)
    if not request.user.is_authenticated:
        return _plain("Log in to report a review.", 401)
    try:
        services.review_report(
            review=review, user=request.user, reason=request.POST.get("reason", ""), now=timezone.now()
        )
    except RefusedError as refusal:
        return _in_place(
            render(
                request,
                "reviews/partials/report_form.html",
                {"review": review, "report_error": refusal.message, "reason": request.POST.get("reason", "")},
                status=refusal.status,
            )
        )
    return _in_place(render(request, "reviews/partials/report_form.html", {"review": review, "reported": True}))


def _list_filters(request) -> tuple[int | None, bool]:
    try:
        min_stars = int(request.GET.get("min_stars") or 0)
    except ValueError:
        min_stars = 0
    return (min_stars if 1 <= min_stars <= 5 else None), request.GET.get("with_text") in ("1", "on", "true")


def review_list_context(request, instructor) -> dict:
    """What `reviews/partials/review_list.html` needs: the page of reviews, filters and the summary."""
    min_stars, with_text = _list_filters(request)
    reviews = selectors.reviews_with_reported_flag(
        selectors.profile_reviews(instructor, min_stars=min_stars, with_text=with_text), request.user
    )
    page = Paginator(reviews, REVIEWS_PER_PAGE).get_page(request.GET.get("page"))
    query = {key: value for key, value in (("min_stars", min_stars), ("with_text", "1" if with_text else "")) if value}
    return {
        "instructor": instructor,
        "page": page,
        "min_stars": min_stars,
        "with_text": with_text,
        "querystring": urlencode(query),
        "summary": selectors.rating_summary(instructor),
        "list_url": f"/instructors/{instructor.public_id}/reviews/",
    }


def instructor_reviews(request, public_id):
    """All of an instructor's reviews. HTMX requests (filters, pages) get the list alone."""
    instructor = selectors.instructor_with_public_reviews(public_id)
    if instructor is None:
        raise Http404("No such instructor")
    context = review_list_context(request, instructor)
    if request.htmx:
        return render(request, "reviews/partials/review_list.html", context)
    return render(request, "reviews/instructor_reviews.html", context)
