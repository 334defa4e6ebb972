"""A real Celery worker process for job tests: its own queue, the test database, Redis as the broker.

The project runs without a result backend, so a test sends the task and then waits for what the task
does to show in the database (`wait_for`).
"""

import os
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _test_database_url() -> str:
    db = connection.settings_dict
    return f"postgis://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, process: subprocess.Popen, queue: str, log):
        self.process, self.queue, self.log = process, queue, log

    def wait_for(self, condition, *, timeout: float = 90) -> None:
        """Returns once `condition()` holds (polling the database); fails if the worker dies or time runs out."""
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                self.log.seek(0)
                raise AssertionError(f"the worker exited:\n{self.log.read().decode()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the worker did not do it within {timeout:.0f} s")
            time.sleep(0.2)


@contextmanager
def celery_worker():
    """Starts `celery worker` on a queue nobody else consumes; send tasks with `apply_async(queue=…)`."""
    queue = f"test-search-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "instainstru.test_settings", "DATABASE_URL": _test_database_url()}
    env.pop("INSTAINSTRU_ASGI", None)  # the worker is not an ASGI process
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: nobody reads the log while it runs
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "instainstru",
                "worker",
                "-Q",
                queue,
                "--pool",
                "solo",
                "-l",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield Worker(process, queue, log)
        finally:
            process.terminate()
            process.wait(timeout=30)
