"""The production layout, started by its own script on loopback: nginx in front, gunicorn for
pages, daphne for /ws/, each logging JSON lines. Free ports and a run directory of this test's own;
the test database; no worker or beat (--web-only)."""

import json
import os
import re
import signal
import subprocess
import tempfile

import pytest
from django.db import transaction
from django.test import Client

from accounts.tests.factories import student
from instainstru.tests.processes import (
    ROOT,
    child_env,
    database_url_for_tests,
    free_port,
    http_status,
    output_of,
    wait_until,
)
from instainstru.tests.websocket import WebSocket
from notifications.services import notification_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def production_layout(tmp_path):
    ports = {"LISTEN_PORT": free_port(), "GUNICORN_PORT": free_port(), "DAPHNE_PORT": free_port()}
    env = child_env(
        DATABASE_URL=database_url_for_tests(),
        RUN_DIR=str(tmp_path / "run"),
        GUNICORN_WORKERS="1",
        **{name: str(port) for name, port in ports.items()},
    )
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        ["bash", "scripts/serve_production.sh", "--web-only"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{ports['LISTEN_PORT']}"
    backends = (f"http://127.0.0.1:{ports['GUNICORN_PORT']}", f"http://127.0.0.1:{ports['DAPHNE_PORT']}")
    try:
        for address in (url, *backends):
            wait_until(
                lambda address=address: http_status(address + "/healthz") == 200,
                timeout=90,
                what=f"the production layout at {address}",
                process=process,
                log=log,
            )
        yield url, log
    finally:
        os.kill(process.pid, signal.SIGTERM)  # procman stops nginx, gunicorn and daphne
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


PROCMAN_LINE = re.compile(r"^\x1b\[\d+m(?P<name>\S+)\s*\x1b\[0m \| (?P<line>.*)$")


def lines_from(output: str, process_name: str) -> list[str]:
    """What one process of the layout printed (procman prefixes each line with its name)."""
    matches = (PROCMAN_LINE.match(line) for line in output.splitlines())
    return [match["line"] for match in matches if match and match["name"] == process_name]


def test_nginx_sends_pages_to_gunicorn_websockets_to_daphne_and_serves_static_itself(production_layout):
    url, log = production_layout
    owner = student()
    client = Client()
    client.force_login(owner)
    cookie = {"sessionid": client.cookies["sessionid"].value}

    assert http_status(url + "/accounts/login/?probe=page") == 200
    assert http_status(url + "/static/css/site.css?probe=static") == 200
    socket = WebSocket(url.replace("http://", "ws://") + "/ws/notifications/", origin=url, cookies=cookie)
    try:
        assert socket.accepted
        with transaction.atomic():
            notification_create(user=owner, kind="booking.confirmed", title="Through nginx")
        assert socket.receive_json()["title"] == "Through nginx"
    finally:
        socket.close()

    output = output_of(log)
    # Every line gunicorn and daphne printed is a JSON object.
    http = [json.loads(line) for line in lines_from(output, "http")]
    ws = [json.loads(line) for line in lines_from(output, "ws")]
    http_requests = [entry["message"] for entry in http if entry["logger"] == "gunicorn.access"]
    ws_requests = [entry["message"] for entry in ws if entry["logger"] == "daphne.access"]
    assert any(message.startswith("GET /accounts/login/?probe=page HTTP/1.") for message in http_requests)
    assert not any("probe=static" in message for message in http_requests + ws_requests)  # nginx's own
    assert "WSCONNECT /ws/notifications/" in ws_requests
    assert not any("/accounts/login/" in message for message in ws_requests)
