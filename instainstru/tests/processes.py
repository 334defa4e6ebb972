"""Helpers for tests that start the project's real processes (daphne, gunicorn, nginx, Celery,
manage.py) against the test database, on loopback ports nobody else uses."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url_for_tests() -> str:
    """DATABASE_URL of the test database pytest-django created (needs the `db` fixtures)."""
    db = connection.settings_dict
    return f"postgis://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def child_env(settings_module: str = "instainstru.test_settings", **overrides: str) -> dict[str, str]:
    """The environment for a child process: ours, minus what only this test process may have."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for browser tests; never in a deployment
    env.pop("INSTAINSTRU_ASGI", None)  # set once a test imports asgi.py; each server sets its own
    env.update(overrides)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def output_of(log) -> str:
    """What a process wrote to its log file (a file object opened for binary reading too)."""
    log.flush()
    log.seek(0)
    return log.read().decode(errors="replace")


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str, process=None, log=None) -> None:
    """Polls `condition` until it holds; fails with `what` and the process's output if it died
    or the time ran out."""
    deadline = time.monotonic() + timeout
    while not condition():
        died = process is not None and process.poll() is not None
        if died or time.monotonic() > deadline:
            reason = f"the process exited with {process.returncode}" if died else f"not within {timeout} s"
            raise AssertionError(f"{what}: {reason}\n{output_of(log) if log else ''}")
        time.sleep(0.1)


def http_status(url: str, headers: dict[str, str] | None = None) -> int | None:
    """The status of a GET, or None while nothing answers."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def stop(process: subprocess.Popen, grace: float = 2) -> None:
    """Stops a process we started, by its own PID: SIGTERM, then SIGKILL after `grace` seconds
    (daphne takes about 6 s to exit on SIGTERM; a test server need not be graceful)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class Daphne:
    """daphne serving instainstru.asgi on a free loopback port against the test database: HTTP
    and real websockets, as `make run` serves them."""

    def __init__(self, **env_overrides: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(  # noqa: S603 - our own daphne
            [sys.executable, "-m", "instainstru.serve_asgi", "-b", "127.0.0.1", "-p", str(self.port)]
            + ["instainstru.asgi:application"],
            cwd=ROOT,
            env=child_env(DATABASE_URL=database_url_for_tests(), **env_overrides),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until(
                lambda: http_status(self.url + "/healthz") == 200,
                timeout=60,
                what="daphne",
                process=self.process,
                log=self.log,
            )
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        stop(self.process)
        self.log.close()


def start_celery(*arguments: str, queue: str, log, **env_overrides: str) -> subprocess.Popen:
    """`celery -A instainstru <arguments>` against the test database, its jobs on `queue`."""
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "celery", "-A", "instainstru", *arguments],
        cwd=ROOT,
        env=child_env(DATABASE_URL=database_url_for_tests(), CELERY_QUEUE=queue, **env_overrides),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


class CeleryWorker:
    """A real `celery worker` process on a queue nobody else consumes. The project keeps no
    result backend, so a test sends a task (`apply_async(queue=worker.queue)`) and waits for
    what it does to show in the database."""

    def __init__(self, **env_overrides: str):
        self.queue = f"test-{uuid.uuid4().hex[:8]}"
        self.log = tempfile.TemporaryFile()
        self.process = start_celery(
            "worker", "-Q", self.queue, "--pool", "solo", "-l", "INFO", queue=self.queue, log=self.log, **env_overrides
        )

    def wait_for(self, condition: Callable[[], bool], *, what: str = "the job", timeout: float = 90) -> None:
        wait_until(condition, timeout=timeout, what=f"the worker: {what}", process=self.process, log=self.log)

    def output(self) -> str:
        return output_of(self.log)

    def stop(self) -> None:
        stop(self.process, grace=20)
        self.log.close()


@contextmanager
def celery_worker(**env_overrides: str) -> Iterator[CeleryWorker]:
    worker = CeleryWorker(**env_overrides)
    try:
        yield worker
    finally:
        worker.stop()
