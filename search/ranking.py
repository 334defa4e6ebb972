"""How search ranks instructors, in one place so reviews and profiles can share it.

Relevance score (higher first), each part scaled to 0..1 before weighting:

    score = 3.0 · text      whether every word of the free text appears in the headline, the bio or an
                            offer's description (1 or 0; the free-text filter's own test)
          + 2.0 · rating    bayesian_rating / 5
          + 1.0 · lessons   min(1, ln(1 + completed lessons) / ln(101))   (100 lessons = full marks)
          + 1.5 · distance  1 / (1 + km / 3)          (0 without a place; 3 km away = 0.5)
          + 0.5 · founding  1 for founding instructors
          + 1.0 · soon      1 / (1 + hours until next open time / 48)      (0 with no open time)

The Bayesian rating pulls an instructor's average towards PRIOR_MEAN by CONFIDENCE imaginary
reviews:

    bayesian = (CONFIDENCE · PRIOR_MEAN + Σ ratings) / (CONFIDENCE + n)

so a single 5-star review gives (10·4.5 + 5) / 11 = 4.55, below fifty 4.8s: (45 + 240) / 60 = 4.75.

Review and lesson counts come from the apps that own them, plugged in by settings (dotted paths
to functions returning query expressions over an `InstructorProfile` queryset, so sorting stays
in SQL):

- SEARCH_RATING_ANNOTATIONS → `{"rating_count": expr, "rating_sum": expr}`
- SEARCH_COMPLETED_LESSONS_ANNOTATION → expr (called with `now=`; bookings' completed lessons in the
  last SEARCH_COMPLETED_LESSONS_DAYS days)

Both are configured in `instainstru/settings.py`; unset, everyone has 0 reviews ("New") and 0 lessons.
"""

from __future__ import annotations

from typing import NamedTuple

from django.conf import settings
from django.db.models import Expression, F, FloatField, IntegerField, Value
from django.db.models.functions import Cast
from django.utils.module_loading import import_string

PRIOR_MEAN = 4.5
CONFIDENCE = 10
WEIGHTS = {"text": 3.0, "rating": 2.0, "lessons": 1.0, "distance": 1.5, "founding": 0.5, "soon": 1.0}
DISTANCE_HALF_KM = 3.0
SOON_HALF_HOURS = 48.0
LESSONS_FULL_MARKS = 100


class RatingStats(NamedTuple):
    count: int
    average: float | None

    @property
    def bayesian(self) -> float:
        return bayesian_rating(self.count, (self.average or 0) * self.count)


def bayesian_rating(count: int, rating_sum: float) -> float:
    """(C·m + Σratings) / (C + n), see the module docstring."""
    return (CONFIDENCE * PRIOR_MEAN + rating_sum) / (CONFIDENCE + count)


def rating_annotations() -> dict[str, Expression]:
    """`rating_count` (int) and `rating_sum` (float) per instructor, from the reviews work when configured."""
    dotted = getattr(settings, "SEARCH_RATING_ANNOTATIONS", "")
    if dotted:
        return import_string(dotted)()
    return {"rating_count": Value(0, output_field=IntegerField()), "rating_sum": Value(0.0, output_field=FloatField())}


def completed_lessons_annotation(*, now=None) -> Expression:
    """Completed lessons per instructor, from the bookings work when configured (called with `now`)."""
    dotted = getattr(settings, "SEARCH_COMPLETED_LESSONS_ANNOTATION", "")
    if dotted:
        return import_string(dotted)(now=now)
    return Value(0, output_field=IntegerField())


def bayesian_rating_expression() -> Expression:
    """The Bayesian rating over the `rating_count`/`rating_sum` annotations."""
    return (Value(CONFIDENCE * PRIOR_MEAN) + Cast(F("rating_sum"), FloatField())) / (
        Value(float(CONFIDENCE)) + Cast(F("rating_count"), FloatField())
    )


def rating_stats(instructor_ids: list[int]) -> dict[int, RatingStats]:
    """(count, average) per instructor id, for pages that show ratings outside search."""
    from catalog.models import InstructorProfile

    rows = InstructorProfile.objects.filter(pk__in=instructor_ids).annotate(**rating_annotations())
    return {
        row.pk: RatingStats(row.rating_count, row.rating_sum / row.rating_count if row.rating_count else None)
        for row in rows
    }
