from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.roles import sync_roles


class Command(BaseCommand):
    help = "Creates the role groups and sets their permissions (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        counts = sync_roles()
        self.stdout.write("Roles: " + ", ".join(f"{name} has {n} permissions" for name, n in counts.items()))
