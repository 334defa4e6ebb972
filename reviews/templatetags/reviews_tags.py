from django import template

from reviews.selectors import favorite_instructor_ids_for_request

register = template.Library()


@register.simple_tag(takes_context=True)
def is_favorite(context, profile) -> bool:
    """Whether the signed-in person has favorited `profile`; one query per page, however many cards."""
    request = context.get("request")
    if request is None or profile is None:
        return False
    return profile.pk in favorite_instructor_ids_for_request(request)
