import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django_celery_beat.models import PeriodicTask

from instainstru.tests.processes import child_env

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def run_manage(*args, env_overrides=None, settings_module="instainstru.settings"):
    env = child_env(settings_module, **(env_overrides or {}))
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.django_db
def test_healthz_reports_services_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


@pytest.mark.django_db
def test_healthz_says_which_service_is_down(client):
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded" and body["database"] == "ok"
    assert "Redis is unreachable" in body["redis"] and "make services" in body["redis"]


HEALTHZ_WITH_A_SESSION_COOKIE = """
import django
django.setup()
from django.test import Client

client = Client(raise_request_exception=False)
client.cookies["sessionid"] = "a" * 32  # a signed-in browser's cookie: the session lives in the database
response = client.get("/healthz")
print(response.status_code, response.content.decode())
"""


def test_healthz_with_the_database_down_and_a_session_cookie_says_so():
    env = child_env("instainstru.settings", DATABASE_URL="postgis://x:y@127.0.0.1:1/nothing")
    result = subprocess.run(
        [PYTHON, "-c", HEALTHZ_WITH_A_SESSION_COOKIE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    status, _, body = result.stdout.strip().partition(" ")
    assert status == "503"
    assert json.loads(body) == {
        "status": "degraded",
        "database": "PostgreSQL is unreachable at 127.0.0.1:1 (OperationalError). "
        "Start it with `make services` (or `pg_ctlcluster 15 main start`).",
        "redis": "ok",
    }
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
def test_healthz_with_a_signed_in_session_reports_services_up(client):
    from accounts.tests.factories import student

    client.force_login(student())
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok", "redis": "ok"})


def test_manage_py_with_database_down_says_how_to_start_it_without_traceback():
    result = run_manage("migrate", env_overrides={"DATABASE_URL": "postgis://x:y@127.0.0.1:1/nothing"})
    assert result.returncode == 1
    assert "PostgreSQL is unreachable at 127.0.0.1:1" in result.stderr
    assert "make services" in result.stderr
    assert "Traceback" not in result.stderr


def test_manage_py_with_a_missing_database_names_it_instead_of_calling_postgresql_down():
    url = os.environ.get("DATABASE_URL", "postgis://instainstru:instainstru@127.0.0.1:5432/instainstru")
    missing = url.rsplit("/", 1)[0] + "/instainstru_no_such_database"
    result = run_manage("migrate", env_overrides={"DATABASE_URL": missing})
    assert result.returncode == 1
    assert 'is running but refused the connection: database "instainstru_no_such_database" does not exist' in (
        result.stderr
    )
    assert "make setup" in result.stderr
    assert "unreachable" not in result.stderr
    assert "Traceback" not in result.stderr


def test_manage_py_with_redis_down_says_how_to_start_it_without_traceback():
    code = "from django.core.cache import cache; cache.get('anything')"  # as seed_demo's cache reset does
    result = run_manage("shell", "-c", code, env_overrides={"REDIS_URL": "redis://127.0.0.1:1/0"})
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Redis is unreachable at redis://127.0.0.1:1/0 (ConnectionError). "
        "Start it with `make services` (or `redis-server --daemonize yes`)."
    )


def test_check_services_command_names_redis_when_down():
    result = run_manage("check_services", env_overrides={"REDIS_URL": "redis://127.0.0.1:1/0"})
    assert result.returncode == 1
    assert "Redis is unreachable" in result.stderr
    assert "PostgreSQL" not in result.stderr


PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "k3Q9v8P1xZr7L2mN4bT6yH0wJ5cF8dS1aG3eR7uI9oP2lK4jH6gF8dS0aQ1wE3rT",
    "DJANGO_ALLOWED_HOSTS": "instainstru.com,www.instainstru.com",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "STRIPE_SECRET_KEY": "sk_live_51Hx0000000000000000000000",
    "STRIPE_PUBLISHABLE_KEY": "pk_live_51Hx0000000000000000000000",
    "STRIPE_WEBHOOK_SECRET": "whsec_9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    "STRIPE_API_BASE": "https://api.stripe.com",
    "STRIPE_JS_URL": "https://js.stripe.com/v3/",
}


def test_production_refuses_to_start_with_development_values_and_lists_every_problem():
    # Set to nothing (so a .env cannot fill them in): the required values and the local stand-ins.
    unset = ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "EMAIL_BACKEND"]
    unset += [name for name in PRODUCTION_ENV if name.startswith("STRIPE_")]
    result = run_manage("check", env_overrides=dict.fromkeys(unset, ""), settings_module="instainstru.production")
    assert result.returncode != 0
    assert "ImproperlyConfigured: Production settings refused:" in result.stderr
    for problem in (
        "- DJANGO_SECRET_KEY must be set in production (see .env.example).",
        "- DJANGO_ALLOWED_HOSTS must be set in production (see .env.example).",
        "- DATABASE_URL must be set in production (see .env.example).",
        "- EMAIL_BACKEND is the local adapter that records email and delivers none",
        "- STRIPE_SECRET_KEY must be a key from your Stripe dashboard (sk_live_… or sk_test_…).",
        "- STRIPE_PUBLISHABLE_KEY must be a key from your Stripe dashboard (pk_live_… or pk_test_…).",
        "- STRIPE_WEBHOOK_SECRET must be the signing secret (whsec_…) of your Stripe webhook endpoint.",
        "- STRIPE_API_BASE is http://127.0.0.1:12111 (the local Stripe server, or not HTTPS): "
        "set https://api.stripe.com.",
        "- STRIPE_JS_URL is http://127.0.0.1:12111/v3/ (the local Stripe server, or not HTTPS): "
        "set https://js.stripe.com/v3/.",
    ):
        assert problem in result.stderr


def production_problems(**changes):
    from instainstru import settings as base
    from instainstru.core.deployment import configuration_problems

    environ = {**PRODUCTION_ENV, "DATABASE_URL": "postgis://u:p@db.internal/instainstru"}
    values = {name: getattr(base, name) for name in dir(base) if name.isupper()}
    values.update({name: value for name, value in PRODUCTION_ENV.items() if name in values})
    for name, value in changes.items():
        (environ if name.startswith(("DJANGO_", "DATABASE_")) else values)[name] = value
    return configuration_problems(environ=environ, settings=values)


def test_production_accepts_real_values_including_stripe_test_keys():
    assert production_problems() == []
    assert production_problems(STRIPE_SECRET_KEY="sk_test_51Hx00", STRIPE_PUBLISHABLE_KEY="pk_test_51Hx00") == []


KEY_PROBLEM = "DJANGO_SECRET_KEY must be a long random value (50+ characters), not the development key."


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"DJANGO_ALLOWED_HOSTS": " "}, "DJANGO_ALLOWED_HOSTS must be set in production (see .env.example)."),
        ({"DJANGO_SECRET_KEY": "dev-only-insecure-key-do-not-use-in-production-8f2c1a"}, KEY_PROBLEM),
        ({"DJANGO_SECRET_KEY": "k3Q9v8P1xZr7L2mN4bT6yH0wJ5cF8dS1aG3eR7uI9oP2lK4jH6g"[:49]}, KEY_PROBLEM),
        ({"DJANGO_SECRET_KEY": "abab" * 20}, KEY_PROBLEM),
        ({"STRIPE_SECRET_KEY": "sk_test_local"}, "STRIPE_SECRET_KEY must be a key from your Stripe dashboard"),
        ({"STRIPE_SECRET_KEY": "rk_live_51Hx00"}, "STRIPE_SECRET_KEY must be a key from your Stripe dashboard"),
        ({"STRIPE_WEBHOOK_SECRET": "whsec_local"}, "STRIPE_WEBHOOK_SECRET must be the signing secret"),
        ({"STRIPE_API_BASE": "https://localhost:12111"}, "STRIPE_API_BASE is https://localhost:12111 (the local"),
        ({"STRIPE_JS_URL": "http://js.stripe.com/v3/"}, "STRIPE_JS_URL is http://js.stripe.com/v3/ (the local"),
    ],
)
def test_production_refuses_each_development_value(changes, problem):
    problems = production_problems(**changes)
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_production_check_deploy_prints_no_warnings():
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgis://instainstru:instainstru@127.0.0.1:5432/instainstru"),
    }
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env_overrides=env, settings_module="instainstru.production"
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


@pytest.mark.django_db
def test_sync_periodic_tasks_is_idempotent_and_removes_stale_rows():
    from django.core.management import call_command

    from instainstru.periodic import PERIODIC_TASKS

    call_command("sync_periodic_tasks")
    call_command("sync_periodic_tasks")
    managed = PeriodicTask.objects.filter(name__startswith="[code] ")
    assert managed.count() == len(PERIODIC_TASKS)
    stale = PeriodicTask.objects.create(name="[code] gone", task="x.y", interval=managed.first().interval)
    hand_made = PeriodicTask.objects.create(name="one-off", task="x.z", interval=managed.first().interval)
    call_command("sync_periodic_tasks")
    assert not PeriodicTask.objects.filter(pk=stale.pk).exists()
    assert PeriodicTask.objects.filter(pk=hand_made.pk).exists()


@pytest.mark.django_db
def test_error_pages_use_the_site_layout(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We couldn't find that page" in response.content.decode()


@pytest.mark.django_db
def test_api_schema_and_docs_are_served_with_local_assets(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/me/" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower()


def test_htmx_is_vendored_and_pages_load_nothing_from_the_internet():
    base = (ROOT / "templates" / "base.html").read_text()
    assert "vendor/htmx/htmx-2.0.11.min.js" in base
    assert (ROOT / "static" / "vendor" / "htmx" / "htmx-2.0.11.min.js").exists()
    assert "https://" not in base


@pytest.mark.django_db
def test_htmx_post_with_csrf_header_is_accepted(client):
    from accounts.tests.factories import student

    csrf_client = client.__class__(enforce_csrf_checks=True)
    user = student()
    csrf_client.force_login(user)
    page = csrf_client.get("/settings/")
    token = page.context["csrf_token"]
    assert f'"X-CSRFToken": "{token}"' in page.content.decode()
    response = csrf_client.post(
        "/settings/",
        {"full_name": "Via Htmx", "timezone": "America/Chicago"},
        HTTP_HX_REQUEST="true",
        HTTP_X_CSRFTOKEN=str(token),
    )
    assert response.status_code == 302
    refused = csrf_client.post("/settings/", {"full_name": "No Token", "timezone": "America/Chicago"})
    assert refused.status_code == 403
    user.refresh_from_db()
    assert user.full_name == "Via Htmx"


CONNECTION_PROBE = """
import django, os
if os.environ.get("PROBE_ASGI"):
    import instainstru.asgi  # what daphne imports first: it marks the process as ASGI
django.setup()
from django.db import close_old_connections, connection

pids = []
for _ in range(2):
    with connection.cursor() as cursor:
        cursor.execute("select pg_backend_pid()")
        pids.append(cursor.fetchone()[0])
    close_old_connections()  # what Django does when a request finishes
pool = connection.pool
print(
    connection.settings_dict["CONN_MAX_AGE"],
    pool.max_size if pool else None,
    "kept" if connection.connection is not None else "released",
    # WSGI: both queries on one connection; ASGI: both connections taken from the pool.
    f"pool requests {pool.get_stats().get('requests_num')}" if pool else f"one connection {pids[0] == pids[1]}",
)
"""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("asgi", "expected"),
    [
        # WSGI (gunicorn, manage.py): the connection stays open for the next request.
        ("", "60 None kept one connection True"),
        # ASGI (daphne): a pool of 8 instead; each request hands its connection back to it.
        ("1", "0 8 released pool requests 2"),
    ],
)
def test_wsgi_processes_keep_connections_and_asgi_processes_use_a_pool(asgi, expected):
    from instainstru.tests.processes import database_url_for_tests

    env = child_env("instainstru.settings", DATABASE_URL=database_url_for_tests(), PROBE_ASGI=asgi)
    result = subprocess.run(
        [PYTHON, "-c", CONNECTION_PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected
