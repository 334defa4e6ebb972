"""Closing the loop after a lesson: favorites, reviews with responses and moderation, achievements.

Favorites are a plain set of (student, instructor) pairs. Reviews belong to one completed booking
each; ratings shown on profiles and used by search come from the visible (not hidden) reviews.
Achievements are derived facts: every badge can be recomputed from bookings and reviews, so the
awarding code is idempotent and a recompute gives the same set.
"""

from django.conf import settings
from django.db import models


class Favorite(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favorites")
    instructor = models.ForeignKey("catalog.InstructorProfile", on_delete=models.CASCADE, related_name="favorited_by")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "instructor"], name="favorite_unique")]

    def __str__(self):
        return f"{self.user_id} ♥ {self.instructor_id}"
