"""Configuration is documented, logs are structured, Sentry starts only with a DSN, error pages
and the navigation of each kind of visitor."""

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory

from instainstru.core.logging import JsonFormatter
from instainstru.core.views import server_error

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_documents_every_variable_the_settings_read():
    source = (ROOT / "instainstru" / "settings.py").read_text() + (ROOT / "instainstru" / "production.py").read_text()
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z0-9_]+)"', source))
    read |= set(re.findall(r'_required\("([A-Z0-9_]+)"\)', source))
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= read  # the patterns still match
    documented = set(re.findall(r"^([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), flags=re.M))
    assert read - documented == set()


def test_logs_are_one_json_object_per_line_with_extra_fields():
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "json"
    assert settings.LOGGING["formatters"]["json"]["()"] == "instainstru.core.logging.JsonFormatter"
    record = logging.makeLogRecord(
        {"name": "bookings", "levelname": "INFO", "msg": "booking %s confirmed", "args": ("b1",), "booking": "b1"}
    )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    payload = json.loads(line)
    assert (payload["logger"], payload["level"], payload["message"], payload["booking"]) == (
        "bookings",
        "INFO",
        "booking b1 confirmed",
        "b1",
    )


@pytest.mark.parametrize(("dsn", "active"), [("", "False"), ("http://public@127.0.0.1:9/1", "True")])
def test_sentry_starts_only_when_sentry_dsn_is_set(dsn, active):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "instainstru.settings", "SENTRY_DSN": dsn}
    code = "import django, sentry_sdk; django.setup(); print(sentry_sdk.get_client().is_active())"
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == active


@pytest.mark.django_db
def test_403_and_500_pages(client):
    from accounts.tests.factories import student

    client.force_login(student())
    denied = client.get("/teach/bookings/")
    assert denied.status_code == 403
    assert "You can't open this page" in denied.content.decode()
    assert 'aria-label="Main"' in denied.content.decode()  # the site layout
    broken = server_error(RequestFactory().get("/"))
    assert broken.status_code == 500
    assert "Something went wrong on our side" in broken.content.decode()


@pytest.mark.django_db
def test_navigation_for_a_guest_a_student_and_an_instructor(client):
    from accounts.tests.factories import instructor_user, student

    def nav(html):
        return re.search(r'<nav id="site-nav".*?</nav>', html, flags=re.S).group(0)

    guest = nav(client.get("/").content.decode())
    assert "Log in" in guest and "Sign up" in guest and "Log out" not in guest and "My lessons" not in guest
    client.force_login(student(full_name="Stu Dent"))
    learner = nav(client.get("/").content.decode())
    assert "My lessons" in learner and "Log out" in learner and "Stu Dent" in learner
    assert "Availability" not in learner and "Earnings" not in learner
    client.force_login(instructor_user(full_name="Ina Structor"))
    teacher = nav(client.get("/").content.decode())
    for link in ("Bookings", "Availability", "Teaching profile", "Earnings", "Ina Structor"):
        assert link in teacher
