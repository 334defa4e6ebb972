"""Writes for favorites, reviews and achievements. Each service is one transaction."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from catalog.models import InstructorProfile
from reviews.errors import RefusedError
from reviews.models import Favorite

MAX_FAVORITES = 200


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
        if instructor.status != InstructorProfile.Status.LIVE:
            raise RefusedError(
                f"{instructor.user.full_name} isn't taking students right now, so they can't be added.", status=409
            )
        if Favorite.objects.filter(user=user).count() >= MAX_FAVORITES:
            raise RefusedError(f"You can keep up to {MAX_FAVORITES} favorites. Remove one first.", status=409)
        Favorite.objects.create(user=user, instructor=instructor, created_at=now)
        return True
