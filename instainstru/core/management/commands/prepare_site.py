import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from django.core.management.base import BaseCommand

STAMP_NAME = ".sources.sha256"


def static_sources_fingerprint() -> str:
    """Changes whenever a file `collectstatic` would collect is added, removed or edited."""
    digest = hashlib.sha256(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    for finder in get_finders():
        for path, storage in finder.list([]):
            stat = Path(storage.path(path)).stat()
            digest.update(f"{storage.location}|{path}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


class Command(BaseCommand):
    help = (
        "What `make setup` does in Django, in one process: migrate, collect static files (only when "
        "a source changed), write the periodic tasks and the roles. Idempotent."
    )

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        stamp = Path(settings.STATIC_ROOT) / STAMP_NAME
        fingerprint = static_sources_fingerprint()
        if stamp.exists() and stamp.read_text() == fingerprint:
            self.stdout.write("Static files: unchanged.")
        else:
            call_command("collectstatic", interactive=False, verbosity=0)
            stamp.write_text(fingerprint)
            self.stdout.write("Static files: collected.")
        call_command("sync_periodic_tasks", stdout=self.stdout)
        call_command("sync_roles", stdout=self.stdout)
