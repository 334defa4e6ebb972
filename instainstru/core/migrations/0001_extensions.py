"""PostgreSQL extensions every other app relies on: PostGIS for service areas, pg_trgm for
typo-tolerant search, btree_gist for the no-double-booking exclusion constraint."""

from django.contrib.postgres.operations import BtreeGistExtension, CreateExtension, TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        CreateExtension("postgis"),
        TrigramExtension(),
        BtreeGistExtension(),
    ]
