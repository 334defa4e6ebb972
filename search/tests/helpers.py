"""Search test data: a small realistic catalog and a few NYC neighborhoods."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.contrib.gis.geos import Point

from catalog.tests.factories import CategoryFactory, NeighborhoodFactory, ServiceFactory, square

NEW_YORK = ZoneInfo("America/New_York")
# Wednesday 4 March 2026, 10:00 in New York; clocks go forward on Sunday 8 March.
NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)

SERVICES = {
    "music": [
        ("Piano", "piano", ["keyboard"]),
        ("Guitar", "guitar", ["acoustic guitar", "electric guitar"]),
        ("Violin", "violin", ["fiddle"]),
        ("Voice", "voice", ["singing", "vocal"]),
        ("Drums", "drums", ["drum", "percussion"]),
        ("Ukulele", "ukulele", ["uke"]),
    ],
    "languages": [
        ("Spanish", "spanish", []),
        ("French", "french", []),
        ("Mandarin", "mandarin", ["chinese"]),
        ("English as a Second Language", "esl", ["esl", "english"]),
    ],
    "academic": [
        ("Math", "math", ["maths", "algebra", "geometry"]),
        ("SAT Prep", "sat-prep", ["sat"]),
        ("Chemistry", "chemistry", ["chem"]),
    ],
    "sports": [
        ("Swimming", "swimming", ["swim"]),
        ("Tennis", "tennis", []),
        ("Yoga", "yoga", []),
        ("Personal Training", "personal-training", ["fitness"]),
        ("Boxing", "boxing", []),
    ],
    "arts": [("Drawing", "drawing", ["sketching"]), ("Painting", "painting", ["watercolor", "oil painting"])],
    "dance": [("Ballet", "ballet", []), ("Salsa", "salsa", [])],
    "technology": [("Coding", "coding", ["programming", "python", "javascript"]), ("Chess", "chess", [])],
}

NEIGHBORHOODS = [
    ("Park Slope", "park-slope", "Brooklyn", -73.978, 40.671),
    ("Williamsburg", "williamsburg", "Brooklyn", -73.957, 40.714),
    ("Astoria", "astoria", "Queens", -73.923, 40.764),
    ("Upper West Side", "upper-west-side", "Manhattan", -73.975, 40.787),
    ("Harlem", "harlem", "Manhattan", -73.945, 40.811),
    ("Riverdale", "riverdale", "Bronx", -73.909, 40.890),
    ("St. George", "st-george", "Staten Island", -74.077, 40.643),
]


def make_catalog() -> dict:
    """Creates the services and neighborhoods above; returns {slug: row}."""
    rows = {}
    for order, (category_slug, services) in enumerate(SERVICES.items()):
        category = CategoryFactory(name=category_slug.title(), slug=category_slug, display_order=order)
        for position, (name, slug, aliases) in enumerate(services):
            rows[slug] = ServiceFactory(
                category=category, name=name, slug=slug, aliases=aliases, display_order=position
            )
    for name, slug, region, lon, lat in NEIGHBORHOODS:
        rows[slug] = NeighborhoodFactory(
            name=name, slug=slug, region=region, boundary=square(lon, lat, 0.01), center=Point(lon, lat, srid=4326)
        )
    return rows
