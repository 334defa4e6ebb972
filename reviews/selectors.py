"""Reads shared by pages, the API and other apps."""

from django.db.models import QuerySet

from reviews.models import Favorite


def favorite_instructor_ids(user) -> set[int]:
    """The ids of the instructors `user` has favorited (empty for guests). One query."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(Favorite.objects.filter(user=user).values_list("instructor_id", flat=True))


def favorite_instructor_ids_for_request(request) -> set[int]:
    """As `favorite_instructor_ids`, memoised on the request so a page of cards costs one query."""
    cached = getattr(request, "_favorite_instructor_ids", None)
    if cached is None:
        cached = request._favorite_instructor_ids = favorite_instructor_ids(request.user)
    return cached


def favorites_of(user) -> QuerySet[Favorite]:
    return Favorite.objects.filter(user=user).select_related("instructor__user").order_by("-created_at", "-pk")
