from django.core.management.base import BaseCommand, CommandError

from instainstru.core.health import check_all


class Command(BaseCommand):
    help = "Checks that PostgreSQL and Redis answer; says how to start whichever is down."

    def handle(self, *args, **options):
        down = [state for state in check_all() if not state.ok]
        if down:
            raise CommandError("\n".join(state.detail for state in down))
        self.stdout.write("PostgreSQL and Redis are up.")
