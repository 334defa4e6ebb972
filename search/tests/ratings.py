"""A stand-in for the reviews work's rating annotations: the test sets RATINGS[instructor_id] = (count, sum)."""

from django.db.models import Case, FloatField, IntegerField, Value, When

RATINGS: dict[int, tuple[int, float]] = {}


def rating_annotations():
    return {
        "rating_count": Case(
            *[When(pk=pk, then=Value(count)) for pk, (count, _) in RATINGS.items()],
            default=Value(0),
            output_field=IntegerField(),
        ),
        "rating_sum": Case(
            *[When(pk=pk, then=Value(total)) for pk, (_, total) in RATINGS.items()],
            default=Value(0.0),
            output_field=FloatField(),
        ),
    }
