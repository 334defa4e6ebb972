"""The search summary copies each instructor's minimum notice (search reads it without another join).

Rows written before get the instructor's setting here (12 hours, the default, when they have none);
their stored next open interval stays valid: search checks that it still has room for a lesson after
now plus the notice, and probes OpenTime otherwise.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("availability", "0002_schedule_settings_time_off"),
        ("search", "0004_instructor_search_summary"),
    ]

    operations = [
        migrations.AddField(
            model_name="instructorsearchsummary",
            name="minimum_notice_hours",
            field=models.PositiveSmallIntegerField(default=12),
        ),
        migrations.RunSQL(
            """
            UPDATE search_instructorsearchsummary summary
            SET minimum_notice_hours = settings.minimum_notice_hours
            FROM availability_availabilitysettings settings
            WHERE settings.instructor_id = summary.instructor_id
            """,
            migrations.RunSQL.noop,
        ),
    ]
