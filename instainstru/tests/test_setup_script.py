"""The PostgreSQL part of scripts/setup.sh: it reads DATABASE_URL like Django does and creates
the database it names, with the extensions the migrations need."""

import os
import shlex
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "scripts" / "postgres.sh"


def run_library(script, *, cwd, database_url=None):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return subprocess.run(
        ["bash", "-c", f"set -euo pipefail; source {shlex.quote(str(LIBRARY))}; {script}"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def database_settings(*, cwd, database_url=None):
    result = run_library(
        'database_settings; printf "%s\\n" "$DB_USER" "$DB_PASSWORD" "$DB_HOST" "$DB_PORT" "$DB_NAME"',
        cwd=cwd,
        database_url=database_url,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_role_password_and_database_come_from_database_url(tmp_path):
    settings = database_settings(cwd=tmp_path, database_url="postgis://alice:s%40cret@127.0.0.1:5433/lessons_dev")
    assert settings == ["alice", "s@cret", "127.0.0.1", "5433", "lessons_dev"]


def test_without_database_url_the_defaults_are_djangos_defaults(tmp_path):
    assert database_settings(cwd=tmp_path) == ["instainstru", "instainstru", "127.0.0.1", "5432", "instainstru"]


def test_database_url_in_dot_env_is_used_when_the_environment_has_none(tmp_path):
    (tmp_path / ".env").write_text('DJANGO_DEBUG=1\nDATABASE_URL="postgis://bob:pw@localhost/from_dot_env"\n')
    assert database_settings(cwd=tmp_path) == ["bob", "pw", "localhost", "5432", "from_dot_env"]
    from_environment = database_settings(cwd=tmp_path, database_url="postgis://carol:pw@127.0.0.1/from_env")
    assert from_environment[0] == "carol" and from_environment[-1] == "from_env"


def test_a_name_setup_cannot_quote_safely_is_refused(tmp_path):
    result = run_library("database_settings", cwd=tmp_path, database_url="postgis://a:b@127.0.0.1/x;drop")
    assert result.returncode == 1
    assert "letters, digits and underscores" in result.stderr


def admin_connection():
    try:
        return psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True)
    except psycopg.OperationalError:
        pytest.skip("needs the postgres superuser over 127.0.0.1 (trust) to clean up after itself")


def test_setup_creates_the_missing_database_with_its_extensions_for_a_role_that_cannot(tmp_path):
    name = f"setup_check_{uuid.uuid4().hex[:10]}"
    url = f"postgis://{name}:pw@127.0.0.1:5432/{name}"
    with admin_connection() as admin:
        # A role without superuser rights cannot CREATE EXTENSION postgis: setup must do it.
        admin.execute(f"create role {name} login password 'pw'")
        try:
            result = run_library("database_settings; ensure_role_and_database", cwd=tmp_path, database_url=url)
            assert result.returncode == 0, result.stderr
            created = f"Creating database {name} (owner {name}) with extensions postgis pg_trgm btree_gist"
            assert created in result.stdout
            with psycopg.connect(f"postgresql://{name}:pw@127.0.0.1:5432/{name}") as connection:
                extensions = {row[0] for row in connection.execute("select extname from pg_extension")}
                owner = connection.execute(
                    "select pg_get_userbyid(datdba) from pg_database where datname = current_database()"
                ).fetchone()[0]
            assert {"postgis", "pg_trgm", "btree_gist"} <= extensions
            assert owner == name

            again = run_library("database_settings; ensure_role_and_database", cwd=tmp_path, database_url=url)
            assert again.returncode == 0, again.stderr
            assert "Creating" not in again.stdout
        finally:
            admin.execute(f"drop database if exists {name} with (force)")
            admin.execute(f"drop role if exists {name}")
