"""Indexes for the search queries.

The trigram indexes sit on catalog tables because the parser matches what people type against
catalog names (`similarity(lower(name), phrase)` with the `%` operator). They are created here,
with IF NOT EXISTS, so the catalog app's own migrations stay its own; dropping them only makes
the parser slower, never wrong.
"""

from django.db import migrations

INDEXES = [
    ("search_service_name_trgm", "catalog_service USING gin (lower(name) gin_trgm_ops)"),
    ("search_neighborhood_name_trgm", "catalog_neighborhood USING gin (lower(name) gin_trgm_ops)"),
    ("search_alias_term_trgm", "search_searchtermalias USING gin (term gin_trgm_ops)"),
    # Offers of one service by price: the filter and "price from" subqueries.
    ("search_offer_service_rate", "catalog_instructorservice (service_id, hourly_rate_cents) WHERE is_active"),
    ("search_offer_instructor_rate", "catalog_instructorservice (instructor_id, hourly_rate_cents) WHERE is_active"),
]


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial"), ("catalog", "0001_initial")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {definition}", reverse_sql=f"DROP INDEX IF EXISTS {name}"
        )
        for name, definition in INDEXES
    ]
