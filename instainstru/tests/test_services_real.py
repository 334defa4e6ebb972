"""The real moving parts: a Celery worker and beat over Redis, and Channels over Redis."""

import json
import re
import subprocess
import tempfile
import uuid
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from accounts.tasks import purge_expired_sessions
from instainstru.tests.processes import output_of, start_celery, stop, wait_until


def sessions_expired_and_alive() -> tuple[str, str]:
    expired = SessionStore()
    expired["x"] = 1
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(expire_date=timezone.now() - timedelta(days=1))
    alive = SessionStore()
    alive["y"] = 2
    alive.create()
    return expired.session_key, alive.session_key


def start_worker(queue: str, log) -> subprocess.Popen:
    return start_celery("worker", "-Q", queue, "--pool", "solo", "-l", "INFO", queue=queue, log=log)


def wait_for_the_purge(expired: str, alive: str, *, what: str, process, log) -> None:
    """Waits until the expired session is gone (a Celery process failing ends the wait)."""
    wait_until(
        lambda: not Session.objects.filter(session_key=expired).exists(),
        timeout=90,
        what=what,
        process=process,
        log=log,
    )
    assert Session.objects.filter(session_key=alive).exists()


# How Celery's own handler formats a record: "[2026-12-01 17:04:37,451: INFO/MainProcess] ...".
CELERY_PLAIN_RECORD = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+: [A-Z]+/")


def json_log_records(output: str) -> list[dict]:
    """The log records of a Celery process, each a JSON line (its start-up banner is not a log)."""
    lines = output.splitlines()
    assert [line for line in lines if CELERY_PLAIN_RECORD.match(line)] == []
    return [json.loads(line) for line in lines if line.startswith("{")]


@pytest.mark.django_db(transaction=True)
def test_real_celery_worker_runs_a_task_against_the_database():
    expired, alive = sessions_expired_and_alive()
    queue = f"test-{uuid.uuid4().hex[:8]}"  # nobody else consumes this queue
    with tempfile.TemporaryFile() as log:
        worker = start_worker(queue, log)
        try:
            purge_expired_sessions.apply_async(queue=queue)
            wait_for_the_purge(expired, alive, what="the worker purging the session", process=worker, log=log)
        finally:
            stop(worker, grace=20)
        records = json_log_records(output_of(log))
    # Structured logs: Celery logs through Django's LOGGING, not its own plain-text handler.
    succeeded = [r for r in records if r["logger"] == "celery.app.trace" and "succeeded" in r["message"]]
    assert len(succeeded) == 1 and "accounts.tasks.purge_expired_sessions" in succeeded[0]["message"]


@pytest.mark.django_db(transaction=True)
def test_beat_sends_a_due_task_from_the_database_schedule_and_a_worker_runs_it():
    expired, alive = sessions_expired_and_alive()
    every_hour, _ = IntervalSchedule.objects.get_or_create(every=3600, period=IntervalSchedule.SECONDS)
    # Last run two hours ago, so due at once: beat sends it on its first tick. (A task that never
    # ran counts from beat's start: django-celery-beat sends it one interval later.)
    PeriodicTask.objects.create(
        name="[test] purge expired sessions",
        task="accounts.tasks.purge_expired_sessions",
        interval=every_hour,
        last_run_at=timezone.now() - timedelta(hours=2),
    )
    queue = f"test-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryFile() as beat_log, tempfile.TemporaryFile() as worker_log:
        beat = start_celery("beat", "-l", "INFO", queue=queue, log=beat_log)
        worker = start_worker(queue, worker_log)
        try:
            wait_for_the_purge(expired, alive, what="beat sending it, a worker running it", process=beat, log=beat_log)
        finally:
            stop(beat, grace=20)  # beat writes its schedule's state to the database as it stops
            stop(worker, grace=20)
        sent = [r["message"] for r in json_log_records(output_of(beat_log)) if r["logger"] == "celery.beat"]
    assert "Scheduler: Sending due task [test] purge expired sessions (accounts.tasks.purge_expired_sessions)" in sent
    assert PeriodicTask.objects.get(name="[test] purge expired sessions").total_run_count == 1


def test_every_periodic_task_names_a_registered_celery_task():
    from instainstru.celery import app
    from instainstru.periodic import PERIODIC_TASKS

    app.loader.import_default_modules()  # what a worker does at start: autodiscover every app's tasks
    assert [spec.task for spec in PERIODIC_TASKS if spec.task not in app.tasks] == []
    assert len({spec.name for spec in PERIODIC_TASKS}) == len(PERIODIC_TASKS)


async def test_message_passes_through_the_redis_channel_layer():
    layer = get_channel_layer()
    assert layer.__class__.__name__ == "RedisChannelLayer"
    channel = await layer.new_channel()
    await layer.group_add("test-group", channel)
    await layer.group_send("test-group", {"type": "hello", "text": "through redis"})
    message = await layer.receive(channel)
    assert message == {"type": "hello", "text": "through redis"}
    await layer.group_discard("test-group", channel)


@pytest.mark.django_db(transaction=True)
async def test_notification_websocket_pushes_to_the_signed_in_user_only():
    from accounts.tests.factories import student
    from instainstru.asgi import application
    from notifications.models import Notification
    from notifications.services import notification_create

    owner = await sync_to_async(student)()
    other = await sync_to_async(student)()

    async def connect_as(user):
        # Only the session cookie says who this is: AuthMiddlewareStack reads it (a scope with
        # "user" already set would skip that check).
        cookie = await sync_to_async(_session_cookie_for)(user)
        communicator = WebsocketCommunicator(
            application, "/ws/notifications/", headers=[(b"origin", b"http://127.0.0.1"), (b"cookie", cookie)]
        )
        assert "user" not in communicator.scope
        connected, _ = await communicator.connect()
        assert connected
        return communicator

    owner_socket = await connect_as(owner)
    other_socket = await connect_as(other)

    await sync_to_async(_create_in_transaction)(notification_create, owner)
    pushed = await owner_socket.receive_json_from(timeout=5)
    assert pushed["title"] == "Your lesson is confirmed"
    assert await other_socket.receive_nothing(timeout=0.5)
    assert await sync_to_async(Notification.objects.filter(user=other).count)() == 0
    await owner_socket.disconnect()
    await other_socket.disconnect()


async def test_anonymous_websocket_is_refused():
    from instainstru.asgi import application

    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=[(b"origin", b"http://127.0.0.1")])
    connected, code = await communicator.connect()
    assert not connected and code == 4401


def _session_cookie_for(user) -> bytes:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def _create_in_transaction(create, user):
    from django.db import transaction

    with transaction.atomic():
        create(user=user, kind="booking.confirmed", title="Your lesson is confirmed", url="/dashboard/")
