"""Indexes found missing by bench/search.py at 10,000 instructors (see the README's search section).

Like 0002 they sit on other apps' tables because only search reads them this way; created with
IF NOT EXISTS, and dropping them only makes search slower, never wrong.
"""

from django.db import migrations

INDEXES = [
    # "Next available": the first open interval by end, one btree probe per instructor.
    ("search_open_time_instructor_end", "availability_opentime (instructor_id, upper(span))"),
    # Free text without a service: `icontains` is UPPER(column) LIKE UPPER('%word%').
    ("search_profile_headline_trgm", "catalog_instructorprofile USING gin (upper(headline::text) gin_trgm_ops)"),
    ("search_profile_bio_trgm", "catalog_instructorprofile USING gin (upper(bio) gin_trgm_ops)"),
    ("search_offer_description_trgm", "catalog_instructorservice USING gin (upper(description) gin_trgm_ops)"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_search_indexes"),
        ("availability", "0002_schedule_settings_time_off"),
        ("catalog", "0002_instructorprofile_base_address_and_more"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {definition}", reverse_sql=f"DROP INDEX IF EXISTS {name}"
        )
        for name, definition in INDEXES
    ]
