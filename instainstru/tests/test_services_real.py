"""The real moving parts: a Celery worker process over Redis, and Channels over Redis."""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from accounts.tasks import purge_expired_sessions

ROOT = Path(__file__).resolve().parents[2]


def database_url_for_current_test_db() -> str:
    db = connection.settings_dict
    return f"postgis://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_real_celery_worker_runs_a_task_against_the_database():
    expired = SessionStore()
    expired["x"] = 1
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(expire_date=timezone.now() - timedelta(days=1))
    alive = SessionStore()
    alive["y"] = 2
    alive.create()

    queue = f"test-{uuid.uuid4().hex[:8]}"  # nobody else consumes this queue
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "instainstru.test_settings",
        "DATABASE_URL": database_url_for_current_test_db(),
    }
    env.pop("INSTAINSTRU_ASGI", None)  # the worker is not an ASGI process
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "instainstru", "worker", "-Q", queue, "--pool", "solo", "-l", "INFO"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        purge_expired_sessions.apply_async(queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and Session.objects.filter(session_key=expired.session_key).exists():
            assert worker.poll() is None, worker.stdout.read().decode()
            time.sleep(0.2)
        assert not Session.objects.filter(session_key=expired.session_key).exists()
        assert Session.objects.filter(session_key=alive.session_key).exists()
    finally:
        worker.terminate()
        worker.wait(timeout=20)


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
