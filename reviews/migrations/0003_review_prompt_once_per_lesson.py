import django.db.models.deletion
from django.db import migrations, models

PROMPT_URL_PREFIX = "/lessons/"
PROMPT_URL_SUFFIX = "/review/"


def record_prompts_already_sent(apps, schema_editor):
    """Lessons whose students were already asked (their in-app review prompt, which went out with
    the email) get their ReviewPrompt row, so a later completion does not ask them again."""
    Notification = apps.get_model("notifications", "Notification")
    Booking = apps.get_model("bookings", "Booking")
    ReviewPrompt = apps.get_model("reviews", "ReviewPrompt")
    first_sent: dict[str, object] = {}
    for url, created_at in (
        Notification.objects.filter(kind="review_prompt").order_by("created_at").values_list("url", "created_at")
    ):
        if url.startswith(PROMPT_URL_PREFIX) and url.endswith(PROMPT_URL_SUFFIX):
            first_sent.setdefault(url[len(PROMPT_URL_PREFIX) : -len(PROMPT_URL_SUFFIX)], created_at)
    bookings = Booking.objects.filter(public_id__in=list(first_sent)).values_list("pk", "public_id")
    ReviewPrompt.objects.bulk_create(
        [ReviewPrompt(booking_id=pk, sent_at=first_sent[public_id]) for pk, public_id in bookings],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0001_initial"),
        ("notifications", "0001_initial"),
        ("reviews", "0002_review_reviewmoderationevent_reviewreport_and_more"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReviewPrompt",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sent_at", models.DateTimeField()),
                (
                    "booking",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="review_prompt",
                        to="bookings.booking",
                    ),
                ),
            ],
        ),
        migrations.RunPython(record_prompts_already_sent, migrations.RunPython.noop),
    ]
