"""Closing the loop after a lesson: favorites, reviews with responses and moderation, achievements.

Favorites are a plain set of (student, instructor) pairs. Reviews belong to one completed booking
each; ratings shown on profiles and used by search come from the visible (not hidden) reviews.
Achievements are derived facts: every badge can be recomputed from bookings and reviews, so the
awarding code is idempotent and a recompute gives the same set.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

from instainstru.core.ids import PublicIdField


class Favorite(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favorites")
    instructor = models.ForeignKey("catalog.InstructorProfile", on_delete=models.CASCADE, related_name="favorited_by")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "instructor"], name="favorite_unique")]

    def __str__(self):
        return f"{self.user_id} ♥ {self.instructor_id}"


REVIEW_TEXT_MAX = 500
REVIEW_WINDOW_DAYS = 30
# Profiles show a rating only from this many visible reviews on; before that, "New".
RATING_SHOWN_FROM = 3


class Review(models.Model):
    """One review per completed lesson, written by its student."""

    public_id = PublicIdField()
    booking = models.OneToOneField("bookings.Booking", on_delete=models.PROTECT, related_name="review")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_written")
    instructor = models.ForeignKey("catalog.InstructorProfile", on_delete=models.PROTECT, related_name="reviews")
    offer = models.ForeignKey("catalog.InstructorService", on_delete=models.PROTECT, related_name="reviews")
    stars = models.PositiveSmallIntegerField()
    text = models.TextField(max_length=REVIEW_TEXT_MAX, blank=True)
    created_at = models.DateTimeField()
    # Moderation: a hidden review is kept (and audited) but shown nowhere and counted nowhere.
    is_hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=300, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(stars__gte=1, stars__lte=5), name="review_stars_1_to_5"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), REVIEW_TEXT_MAX), name="review_text_at_most_500"
            ),
        ]
        indexes = [models.Index(fields=["instructor", "is_hidden", "-created_at"], name="review_profile_list")]

    def __str__(self):
        return f"{self.stars}★ for {self.instructor_id} by {self.author_id}"


class ReviewPrompt(models.Model):
    """That the student of a lesson was asked for a review (in-app and email). One per lesson, so a
    lesson completed again (completed, a problem reported, resolved as completed) asks only once."""

    booking = models.OneToOneField("bookings.Booking", on_delete=models.CASCADE, related_name="review_prompt")
    sent_at = models.DateTimeField()

    def __str__(self):
        return f"Review prompt for {self.booking_id}"


class ReviewResponse(models.Model):
    """The instructor's one public answer to a review (one-to-one makes "once" a database fact)."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="response")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=REVIEW_TEXT_MAX)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(LessThanOrEqual(Length("text"), REVIEW_TEXT_MAX)) & ~models.Q(text=""),
                name="review_response_text_1_to_500",
            ),
        ]

    def __str__(self):
        return f"Response to {self.review_id}"


class ReviewReport(models.Model):
    """Someone (a student or an instructor) asks staff to look at a review."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["review", "reported_by"], name="review_report_once")]

    def __str__(self):
        return f"Report on {self.review_id} by {self.reported_by_id}"


class ReviewModerationEvent(models.Model):
    """Audit trail of staff decisions on reviews."""

    class Action(models.TextChoices):
        HIDE = "hide", "Hidden"
        SHOW = "show", "Shown again"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="moderation_events")
    action = models.CharField(max_length=8, choices=Action.choices)
    reason = models.CharField(max_length=300)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_action_display()} {self.review_id}"


class Achievement(models.Model):
    """A badge earned by a person in one role. `earned_at` is when the data first met the rule
    (e.g. the end of the fifth lesson), so recomputing from scratch gives the same rows."""

    class Kind(models.TextChoices):
        FIRST_LESSON = "first_lesson", "First lesson"
        FIVE_LESSONS = "five_lessons", "5 lessons"
        TWENTY_FIVE_LESSONS = "twenty_five_lessons", "25 lessons"
        TEN_HOURS = "ten_hours", "10 hours"
        FOUR_WEEK_STREAK = "four_week_streak", "4 weeks in a row"
        THREE_CATEGORIES = "three_categories", "3 categories"
        FIRST_FIVE_STAR = "first_five_star", "First 5-star review"

    class Role(models.TextChoices):
        STUDENT = "student", "Student"
        INSTRUCTOR = "instructor", "Instructor"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="achievements")
    role = models.CharField(max_length=10, choices=Role.choices)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    earned_at = models.DateTimeField()

    class Meta:
        ordering = ["earned_at", "kind"]
        constraints = [models.UniqueConstraint(fields=["user", "role", "kind"], name="achievement_once")]

    def __str__(self):
        return f"{self.user_id} {self.role} {self.kind}"
