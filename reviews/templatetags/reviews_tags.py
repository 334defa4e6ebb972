from django import template
from django.utils import timezone

from reviews import achievements, selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def is_favorite(context, profile) -> bool:
    """Whether the signed-in person has favorited `profile`; one query per page, however many cards."""
    request = context.get("request")
    if request is None or profile is None:
        return False
    return profile.pk in selectors.favorite_instructor_ids_for_request(request)


@register.simple_tag
def rating_summary_for(profile):
    return selectors.rating_summary(profile)


@register.simple_tag
def reviewed_ids(bookings) -> set[int]:
    """`{% reviewed_ids bookings as reviewed %}` then `{% if booking.pk in reviewed %}`: one query per list
    (a single booking works too)."""
    if hasattr(bookings, "pk"):
        bookings = [bookings]
    return selectors.reviewed_booking_ids(bookings)


@register.simple_tag
def reviewed_ids_by_day(days) -> set[int]:
    """`{% reviewed_ids_by_day days as reviewed %}` for a calendar of (day, bookings) pairs: one query
    for every lesson of the week."""
    return selectors.reviewed_booking_ids([booking for _, bookings in days for booking in bookings])


@register.inclusion_tag("reviews/partials/review_list.html", takes_context=True)
def profile_reviews(context, profile):
    """The review section of a profile: summary, filters and the first page, HTMX-updated."""
    from reviews.views import review_list_context

    request = context["request"]
    return {**review_list_context(request, profile), "request": request, "user": request.user}


@register.inclusion_tag("reviews/partials/achievements.html")
def achievements_for(user, role, heading="Badges"):
    rows = list(selectors.achievements_of(user, role=role))
    # Dates are shown in the viewer's zone (the page's), like every other time on the site.
    return {"badges": [(row, achievements.description(row)) for row in rows], "heading": heading, "role": role}


@register.inclusion_tag("reviews/partials/review_prompts.html", takes_context=True)
def review_prompts(context):
    """The banner asking a student to review their recent completed lessons."""
    request = context["request"]
    lessons = (
        selectors.lessons_awaiting_review(request.user, now=timezone.now()) if request.user.is_authenticated else []
    )
    return {"lessons": lessons}
