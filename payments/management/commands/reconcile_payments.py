from django.core.management.base import BaseCommand, CommandError

from payments.services.reconcile import payments_reconcile


class Command(BaseCommand):
    help = "Compares the payments ledger with Stripe and prints every difference (exit status 1 if any)."

    def handle(self, *args, **options):
        differences = payments_reconcile()
        for line in differences:
            self.stdout.write(line)
        if differences:
            raise CommandError(f"{len(differences)} difference(s) between the ledger and Stripe.")
        self.stdout.write("No differences.")
