"""Does an instructor travel to this point? Until the catalog's selector lands this is one
ST_Covers against the profile's indexed `coverage` column (the agreed semantics)."""

from catalog.models import InstructorProfile


def instructor_covers_point(*, instructor, point) -> bool:
    try:
        from catalog.selectors import instructor_covers_point as catalog_covers
    except ImportError:
        catalog_covers = None
    if catalog_covers is not None:
        return catalog_covers(instructor=instructor, point=point)
    return InstructorProfile.objects.filter(pk=instructor.pk, coverage__covers=point).exists()
