import django.contrib.postgres.fields.ranges
import django.contrib.postgres.indexes
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("catalog", "0001_initial"),
        ("core", "0001_extensions"),
    ]

    operations = [
        migrations.CreateModel(
            name="OpenTime",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("span", django.contrib.postgres.fields.ranges.DateTimeRangeField()),
                (
                    "instructor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="open_times",
                        to="catalog.instructorprofile",
                    ),
                ),
            ],
            options={
                "indexes": [
                    django.contrib.postgres.indexes.GistIndex(
                        fields=["instructor", "span"], name="open_time_instructor_span"
                    )
                ],
            },
        ),
    ]
