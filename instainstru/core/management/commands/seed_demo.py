from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

# Each app seeds its own rows, in dependency order. A seeder is idempotent and returns the
# lines (demo logins, counts) worth printing.
SEEDERS = [
    "accounts.seed.seed_demo_people",
    "catalog.demo.seed_demo_catalog",
    "availability.seed.seed_demo_availability",
    "search.services.seed_search_summaries",
    "search.lookup_cache.seed_refresh_lookup_tables",
]


class Command(BaseCommand):
    help = "Creates demo data (idempotent). Prints the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--instructors", type=int, default=None, help="how many demo instructors")

    def handle(self, *args, **options):
        lines: list[str] = []
        for dotted in SEEDERS:
            with transaction.atomic():
                lines += import_string(dotted)(instructors=options["instructors"]) or []
        text = "\n".join(lines) + "\n"
        from pathlib import Path

        Path("var").mkdir(exist_ok=True)
        Path("var/demo-logins.txt").write_text(text)
        self.stdout.write(text)
