"""Configuration is documented, logs are structured, Sentry starts only with a DSN, error pages
and the navigation of each kind of visitor."""

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory

from instainstru.core.deployment import REQUIRED
from instainstru.core.logging import JsonFormatter
from instainstru.core.views import server_error

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_documents_every_variable_the_settings_read():
    source = (ROOT / "instainstru" / "settings.py").read_text() + (ROOT / "instainstru" / "production.py").read_text()
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z0-9_]+)"', source))
    read |= set(REQUIRED)  # production's required values
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= read  # the patterns still match
    # Set (NAME=value) or shown commented out (# NAME=example) when unset by default.
    documented = set(re.findall(r"^(?:# )?([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), flags=re.M))
    assert read - documented == set()


def test_env_example_sets_nothing_to_an_empty_value():
    lines = (ROOT / ".env.example").read_text().splitlines()
    assert [line for line in lines if re.fullmatch(r"[A-Z0-9_]+=\s*", line)] == []


BOOT_PROBE = """
import django
django.setup()
from django.conf import settings
from django.test import Client

client = Client(HTTP_HOST="127.0.0.1")
print(repr(settings.SECRET_KEY), settings.CELERY_BROKER_URL == settings.REDIS_URL, settings.GEOCODER_URL)
print(settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT)
for path in ("/media/instainstru/settings.py", "/media/.env", "/media/../.env", "/media/photos/a.txt", "/healthz"):
    print(path, client.get(path).status_code)
"""


@pytest.mark.django_db
def test_a_checkout_with_env_example_copied_to_env_boots_and_media_serves_no_source(tmp_path):
    from instainstru.settings import DEVELOPMENT_SECRET_KEY
    from instainstru.tests.processes import child_env, database_url_for_tests

    checkout = tmp_path / "checkout"
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
    ).stdout.split(b"\0")
    for name in filter(None, (item.decode() for item in tracked)):
        (checkout / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, checkout / name)
    shutil.copy(checkout / ".env.example", checkout / ".env")
    (checkout / "media" / "photos").mkdir(parents=True)
    (checkout / "media" / "photos" / "a.txt").write_text("a public photo")

    example = set(re.findall(r"^([A-Z0-9_]+)=", (checkout / ".env").read_text(), flags=re.M))
    env = {name: value for name, value in child_env("instainstru.settings").items() if name not in example}
    # What must differ here: the database the tests may use, and static files without the
    # manifest `collectstatic` would write (the copy has none; the 404 page names static files).
    env["DATABASE_URL"] = database_url_for_tests()
    env["STATICFILES_STORAGE"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    result = subprocess.run(
        [sys.executable, "-c", BOOT_PROBE], cwd=checkout, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{DEVELOPMENT_SECRET_KEY!r} True https://nominatim.openstreetmap.org"
    assert lines[1] == f"{checkout / 'media'} {checkout / 'private-media'}"
    assert lines[2:] == [
        "/media/instainstru/settings.py 404",
        "/media/.env 404",
        "/media/../.env 400",  # a path outside MEDIA_ROOT is a suspicious operation
        "/media/photos/a.txt 200",
        "/healthz 200",
    ]


def test_settings_refuse_to_start_with_the_project_as_media_root():
    from instainstru.tests.processes import child_env

    env = child_env("instainstru.settings", MEDIA_ROOT=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert f"ImproperlyConfigured: MEDIA_ROOT ({ROOT}) contains the project directory" in result.stderr


def test_media_roots_that_would_serve_source_or_private_files_are_refused():
    from instainstru.settings import media_roots_problem

    private = ROOT / "private-media"
    assert "contains the project" in media_roots_problem(ROOT, private, ROOT)
    assert "contains the project" in media_roots_problem(ROOT.parent, "/srv/private", ROOT)
    assert "is inside the project" in media_roots_problem(ROOT / "instainstru", private, ROOT)
    assert "is inside the project" in media_roots_problem(ROOT / "media-old", private, ROOT)
    assert "overlap" in media_roots_problem("/srv/ii/media", "/srv/ii/media/private", ROOT)
    assert "overlap" in media_roots_problem("/srv/ii/private/public", "/srv/ii/private", ROOT)
    assert "overlap" in media_roots_problem("/srv/ii/media", "/srv/ii/media", ROOT)


def test_media_roots_outside_the_project_or_in_its_media_directory_are_accepted():
    from instainstru.settings import media_roots_problem

    assert media_roots_problem("/srv/ii/media", "/srv/ii/private", ROOT) is None
    assert media_roots_problem(ROOT / "media", ROOT / "private-media", ROOT) is None
    assert media_roots_problem(ROOT / "media" / "public", ROOT / "private-media", ROOT) is None


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
