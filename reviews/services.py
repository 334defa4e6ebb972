"""Writes for favorites, reviews and achievements. Each service is one transaction; side effects
(emails, notifications, cache invalidation) run after commit."""

import re
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, BookingStatus
from catalog.models import InstructorProfile
from notifications.services import email_send, notification_create
from payments.models import Payment
from payments.services.tips import tip_from_form
from payments.stripe_client import ProviderError, ProviderUnavailable
from reviews import achievements
from reviews.errors import RefusedError
from reviews.models import (
    REVIEW_TEXT_MAX,
    REVIEW_WINDOW_DAYS,
    Favorite,
    Review,
    ReviewModerationEvent,
    ReviewPrompt,
    ReviewReport,
    ReviewResponse,
)
from reviews.selectors import rating_cache_invalidate, review_deadline
from search.services import search_summary_refresh

MAX_FAVORITES = 200
REPORT_REASON_MAX = 300
# Markup is refused rather than silently stripped: people should see exactly what is published.
# Only what a browser would treat as markup counts: an HTML element's tag (<b>, <script ...>, </p>),
# any tag with an attribute (<x onclick=...>), a closing tag, a comment, a doctype or CDATA section
# and a processing instruction. Plain text that merely has angle brackets or words in it
# ("<3", "2<x and y>1", "JavaScript: loops") is accepted and shown escaped: pages never link it.
HTML_ELEMENTS = (
    "a abbr acronym address applet area article aside audio b base basefont bdi bdo big blink blockquote body br "
    "button canvas caption center cite code col colgroup data datalist dd del details dfn dialog dir div dl dt em "
    "embed fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html "
    "i iframe image img input ins isindex kbd keygen label legend li link listing main map mark marquee math menu "
    "meta meter nav nobr noembed noframes noscript object ol optgroup option output p param picture plaintext "
    "portal pre progress q rb rp rt rtc ruby s samp script search section select slot small source span strike "
    "strong style sub summary sup svg table tbody td template textarea tfoot th thead time title tr track tt u ul "
    "var video wbr xmp"
).split()
MARKUP = re.compile(
    r"<(?:" + "|".join(HTML_ELEMENTS) + r")(?=[\s/>])"  # an element's opening tag
    r"|</[a-zA-Z][\w:-]*\s*>"  # a closing tag
    r"|<[a-zA-Z][\w:-]*\s[^<>]*=[^<>]*>"  # any tag with an attribute
    r"|<!(?:--|\[CDATA\[|doctype)"  # a comment, CDATA, a doctype
    r"|<\?[a-zA-Z]"  # a processing instruction (<?xml, <?php)
    r"|<script",  # even unfinished
    re.IGNORECASE,
)


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


# ------------------------------------------------------------------------------- favorites


def favorite_set(*, user, instructor: InstructorProfile, favorite: bool, now: datetime) -> bool:
    """Makes `instructor` a favorite of `user` (or not). Idempotent: setting the state it already
    has changes nothing. Refuses (RefusedError, nothing stored) to favorite oneself, an instructor
    who is not live, or more than MAX_FAVORITES. Removing is always allowed. Returns the new state."""
    with transaction.atomic():
        # Lock the person so two tabs adding at once cannot pass the limit together.
        get_user_model().objects.select_for_update().get(pk=user.pk)
        existing = Favorite.objects.filter(user=user, instructor=instructor)
        if not favorite:
            existing.delete()
            return False
        if existing.exists():
            return True
        if instructor.user_id == user.pk:
            raise RefusedError("You can't add yourself to your favorites.", status=422)
        if not instructor.is_live:
            raise RefusedError(
                f"{instructor.user.full_name} isn't taking students right now, so they can't be added.", status=409
            )
        if Favorite.objects.filter(user=user).count() >= MAX_FAVORITES:
            raise RefusedError(f"You can keep up to {MAX_FAVORITES} favorites. Remove one first.", status=409)
        Favorite.objects.create(user=user, instructor=instructor, created_at=now)
        return True


# ------------------------------------------------------------------------------- reviews


def _plain_text(value, *, what: str, required: bool = False) -> str:
    text = str(value or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise RefusedError(f"Write your {what} first.", field="text")
    if len(text) > REVIEW_TEXT_MAX:
        raise RefusedError(f"Keep your {what} to {REVIEW_TEXT_MAX} characters; this one has {len(text)}.", field="text")
    if MARKUP.search(text):
        raise RefusedError(
            f"Your {what} must be plain text: remove the HTML or script (anything like <b> or <script>).",
            field="text",
        )
    return text


def _stars(value) -> int:
    message = "Choose a rating from 1 to 5 stars."
    if isinstance(value, bool):
        raise RefusedError(message, field="stars")
    try:
        stars = int(str(value).strip())
    except (TypeError, ValueError):
        raise RefusedError(message, field="stars") from None
    if not 1 <= stars <= 5:
        raise RefusedError(message, field="stars")
    return stars


def review_refusal(*, booking: Booking, user, now: datetime) -> RefusedError | None:
    """Why `user` may not review `booking` now, or None when they may. Pages use it to decide
    whether to show the form; `review_create` applies the same checks under lock."""
    if booking.student_id != user.pk:
        return RefusedError("You can only review your own lessons.", status=403)
    if now < booking.lesson_ends_at:
        return RefusedError("You can review this lesson once it has ended.", status=409)
    if booking.status != BookingStatus.COMPLETED:
        return RefusedError("Only completed lessons can be reviewed.", status=409)
    if now > review_deadline(booking):
        return RefusedError(f"Reviews close {REVIEW_WINDOW_DAYS} days after the lesson.", status=409)
    if Review.objects.filter(booking_id=booking.pk).exists():
        return RefusedError("You have already reviewed this lesson.", status=409)
    return None


def _review_values(*, booking: Booking, user, stars, text, now: datetime) -> tuple[int, str]:
    """The checked stars and text of a review `user` may write now, or RefusedError."""
    refusal = review_refusal(booking=booking, user=user, now=now)
    if refusal:
        raise refusal
    return _stars(stars), _plain_text(text, what="review")


def review_create(*, booking: Booking, user, stars, text: str = "", now: datetime) -> Review:
    """The lesson's student reviews a completed lesson, once, within REVIEW_WINDOW_DAYS of its end:
    1–5 stars and optional plain text up to 500 characters. Any refusal raises RefusedError and
    stores nothing. After commit: rating caches dropped, instructor told, badges awarded."""
    with transaction.atomic():
        # The booking lock serialises two submissions of the same form.
        booking = Booking.objects.select_for_update().select_related("student").get(pk=booking.pk)
        stars, text = _review_values(booking=booking, user=user, stars=stars, text=text, now=now)
        review = Review(
            booking=booking,
            author_id=booking.student_id,
            instructor_id=booking.instructor_id,
            offer_id=booking.offer_id,
            stars=stars,
            text=text,
            created_at=now,
        )
        try:
            with transaction.atomic():
                review.save()
        except IntegrityError:
            raise RefusedError("You have already reviewed this lesson.", status=409) from None
        instructor = InstructorProfile.objects.select_related("user").get(pk=booking.instructor_id)
        transaction.on_commit(lambda: _after_review(review, instructor, now))
    return review


def review_create_with_tip(
    *, booking: Booking, user, stars, text: str = "", tip_form=None, now: datetime
) -> tuple[Review, Payment | None]:
    """The review form's one submission: the review and, when the form carries a tip amount
    (`payments/partials/tip_field.html`), a tip charged to the student's default card through
    `payments.services.tips`, 100% for the instructor.

    One form, one decision: a review that would be refused is refused before any money moves, and
    a tip that cannot be charged (outside its limits, no card, declined, Stripe down) refuses the
    whole form with payments' message (RefusedError, field "tip_amount"): no review, no tip row,
    nothing charged, so the student can change the tip or publish without one. The tip is charged
    with the form's own idempotency key, so a form submitted twice charges once, and its review
    is refused as a duplicate. Returns (review, tip or None)."""
    _review_values(booking=booking, user=user, stars=stars, text=text, now=now)
    tip = None
    if tip_form is not None:
        try:
            tip = tip_from_form(booking=booking, student=user, data=tip_form, now=now)
        except (ValidationError, PermissionDenied) as problem:
            raise RefusedError(" ".join(getattr(problem, "messages", [str(problem)])), field="tip_amount") from None
        except (ProviderUnavailable, ProviderError):
            raise RefusedError(
                "Payments are unavailable right now, so your tip wasn't charged and your review isn't published "
                "yet. Try again in a minute, or publish without a tip.",
                status=503,
                field="tip_amount",
            ) from None
    # A tip charged here stands even if this review then loses a race with the same form
    # submitted twice: that other submission published the review, and the tip is the same one.
    return review_create(booking=booking, user=user, stars=stars, text=text, now=now), tip


def _after_review(review: Review, instructor: InstructorProfile, now: datetime) -> None:
    rating_cache_invalidate(instructor.pk)
    search_summary_refresh(instructor_ids=[instructor.pk], now=now)
    notification_create(
        user=instructor.user,
        kind="review_received",
        title=f"New {review.stars}-star review",
        body=review.text[:140],
        url=reverse("review_respond", args=[review.public_id]),
    )
    if review.stars == 5:
        achievements.award(user=instructor.user, role=achievements.INSTRUCTOR)


def review_respond(*, review: Review, user, text: str, now: datetime) -> ReviewResponse:
    """The reviewed instructor answers a visible review once (plain text, 1–500 characters).
    Refusals raise RefusedError and store nothing."""
    with transaction.atomic():
        review = Review.objects.select_for_update().select_related("instructor", "author").get(pk=review.pk)
        if review.instructor.user_id != user.pk:
            raise RefusedError("Only the instructor who was reviewed can respond.", status=403)
        if review.is_hidden:
            raise RefusedError("This review was hidden by our team and can't be answered.", status=409)
        if ReviewResponse.objects.filter(review=review).exists():
            raise RefusedError("You have already responded to this review.", status=409)
        response = ReviewResponse.objects.create(
            review=review, author=user, text=_plain_text(text, what="response", required=True), created_at=now
        )
        transaction.on_commit(lambda: _after_response(review))
    return response


def _after_response(review: Review) -> None:
    rating_cache_invalidate(review.instructor_id)
    notification_create(
        user=review.author,
        kind="review_response",
        title="Your instructor responded to your review",
        url=f"/instructors/{review.instructor.public_id}/reviews/",
    )


def review_report(*, review: Review, user, reason: str, now: datetime) -> ReviewReport:
    """A student or instructor asks staff to look at a review (once per person). The author
    cannot report their own review."""
    reason = str(reason or "").strip()
    with transaction.atomic():
        if not (user.is_student or user.is_instructor):
            raise RefusedError("Only students and instructors can report reviews.", status=403)
        if review.author_id == user.pk:
            raise RefusedError("This is your own review. You can't report it.", status=403)
        if not reason:
            raise RefusedError("Tell us what is wrong with this review.", field="reason")
        if len(reason) > REPORT_REASON_MAX:
            raise RefusedError(f"Keep the reason to {REPORT_REASON_MAX} characters.", field="reason")
        try:
            with transaction.atomic():
                return ReviewReport.objects.create(review=review, reported_by=user, reason=reason, created_at=now)
        except IntegrityError:
            raise RefusedError("You have already reported this review. Our team will look at it.", status=409) from None


def review_hide(*, review: Review, staff_user, reason: str, now: datetime) -> Review:
    """Staff hide a review with a reason: audited, the author is told by email and in-app, the
    rating caches are dropped and the instructor's badges recomputed. Hiding a hidden review
    changes nothing."""
    reason = str(reason or "").strip()
    if not staff_user.is_staff:
        raise RefusedError("Only staff can hide reviews.", status=403)
    if not reason:
        raise RefusedError("Give the reason for hiding this review; the author will see it.", field="reason")
    with transaction.atomic():
        review = Review.objects.select_for_update().select_related("author", "instructor__user").get(pk=review.pk)
        if review.is_hidden:
            return review
        review.is_hidden = True
        review.hidden_reason = reason[:300]
        review.hidden_at = now
        review.save(update_fields=["is_hidden", "hidden_reason", "hidden_at"])
        ReviewModerationEvent.objects.create(
            review=review,
            action=ReviewModerationEvent.Action.HIDE,
            reason=reason[:300],
            staff=staff_user,
            created_at=now,
        )
        transaction.on_commit(lambda: _after_hide(review))
        transaction.on_commit(lambda: search_summary_refresh(instructor_ids=[review.instructor_id], now=now))
    return review


def _after_hide(review: Review) -> None:
    rating_cache_invalidate(review.instructor_id)
    achievements.recompute(user=review.instructor.user, role=achievements.INSTRUCTOR)
    title = "Your review was hidden"
    body = (
        f"Our team hid your review of {review.instructor.user.full_name}.\n\nReason: {review.hidden_reason}\n\n"
        "If you think this is a mistake, reply to this email."
    )
    notification_create(user=review.author, kind="review_hidden", title=title, body=review.hidden_reason)
    email_send(to=review.author.email, subject=title, body=body)


def review_show(*, review: Review, staff_user, reason: str, now: datetime) -> Review:
    """Staff undo a hide (audited; the hide's reason and time are cleared from the review, the
    moderation events keep them). Showing a visible review changes nothing."""
    reason = str(reason or "").strip()
    if not staff_user.is_staff:
        raise RefusedError("Only staff can show reviews again.", status=403)
    if not reason:
        raise RefusedError("Give the reason for showing this review again.", field="reason")
    with transaction.atomic():
        review = Review.objects.select_for_update().select_related("instructor__user").get(pk=review.pk)
        if not review.is_hidden:
            return review
        # The review is visible again: its hide reason and time no longer describe it (the
        # moderation events keep both decisions, with their reasons).
        review.is_hidden = False
        review.hidden_reason = ""
        review.hidden_at = None
        review.save(update_fields=["is_hidden", "hidden_reason", "hidden_at"])
        ReviewModerationEvent.objects.create(
            review=review,
            action=ReviewModerationEvent.Action.SHOW,
            reason=reason[:300],
            staff=staff_user,
            created_at=now,
        )
        transaction.on_commit(lambda: rating_cache_invalidate(review.instructor_id))
        transaction.on_commit(lambda: search_summary_refresh(instructor_ids=[review.instructor_id], now=now))
        transaction.on_commit(lambda: achievements.award(user=review.instructor.user, role=achievements.INSTRUCTOR))
    return review


def review_prompt_send(*, booking: Booking, now: datetime | None = None) -> bool:
    """Asks the student of a completed lesson for a review (in-app and email), once per lesson:
    a ReviewPrompt row records it, so a lesson completed again (a problem resolved as completed)
    asks nothing more. Call it after the completion commits. Sends nothing (returns False) when
    the lesson is not completed, already reviewed or already prompted."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = Booking.objects.select_related("student", "instructor__user").get(pk=booking.pk)
        if booking.status != BookingStatus.COMPLETED or Review.objects.filter(booking_id=booking.pk).exists():
            return False
        # The unique row is the "once": of two runs at once, one creates it and sends, the other
        # finds it. An email that cannot be recorded rolls the row back, so a retry still asks.
        _, created = ReviewPrompt.objects.get_or_create(booking=booking, defaults={"sent_at": now})
        if not created:
            return False
        path = reverse("review_create", args=[booking.public_id])
        name = booking.instructor.user.full_name
        deadline = review_deadline(booking).astimezone(booking.student.zone)
        title = f"How was your {booking.service_name} lesson with {name}?"
        notification_create(user=booking.student, kind="review_prompt", title=title, body="Leave a review.", url=path)
        email_send(
            to=booking.student.email,
            subject=title,
            body=(
                f"Hi {booking.student.first_name},\n\nTell other students how your lesson with {name} went. "
                f"It takes a minute: stars and, if you like, a few words.\n\n{_site_url(path)}\n\n"
                f"You can leave a review until {deadline:%A %-d %B %Y, %H:%M} ({booking.student.zone.key})."
            ),
        )
    return True


def booking_completed(*, booking: Booking, now: datetime | None = None) -> None:
    """Everything this app does when a lesson is completed: the review prompt (once per lesson)
    and the badges of both people. Bookings call it through `transaction.on_commit` after
    completing a lesson (again, when a problem is resolved as completed)."""
    review_prompt_send(booking=booking, now=now)
    achievements.award(user=booking.student, role=achievements.STUDENT)
    achievements.award(user=booking.instructor.user, role=achievements.INSTRUCTOR)
