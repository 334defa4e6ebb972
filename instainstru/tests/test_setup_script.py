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
SETUP = ROOT / "scripts" / "setup.sh"


def run_sourced(library: Path, script: str, *, cwd: Path = ROOT, stubs: Path | None = None, **env: str):
    """Runs `script` in bash after sourcing `library` (scripts/postgres.sh or setup.sh), with
    `stubs` first on PATH and DATABASE_URL only when given."""
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    if stubs is not None:
        environment["PATH"] = f"{stubs}:{environment['PATH']}"
    environment.update(env)
    return subprocess.run(
        ["bash", "-c", f"set -euo pipefail; source {shlex.quote(str(library))}; {script}"],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def run_library(script, *, cwd, database_url=None):
    extra = {"DATABASE_URL": database_url} if database_url is not None else {}
    return run_sourced(LIBRARY, script, cwd=cwd, **extra)


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


def stub_commands(directory: Path, **scripts: str) -> Path:
    """Executables named after each keyword (e.g. psql=...), first on PATH in the script's run.
    They stand in for system commands a test cannot run for real (apt-get, a password-protected
    PostgreSQL) and record how they were called."""
    directory.mkdir(exist_ok=True)
    for name, body in scripts.items():
        path = directory / name.replace("_", "-")
        path.write_text("#!/usr/bin/env bash\n" + body)
        path.chmod(0o755)
    return directory


def test_pg_admin_never_waits_for_a_password_and_falls_back_to_peer_authentication(tmp_path):
    calls = tmp_path / "calls"
    # 127.0.0.1 asks for a password (scram-sha-256, Debian's default); the socket trusts peers.
    stubs = stub_commands(
        tmp_path / "bin",
        psql=f'echo "psql $*" >> {calls}\ncase " $* " in *" -h "*) exit 2;; esac\necho 1\n',
        runuser=f'echo "runuser $*" >> {calls}\nshift 3\nexec "$@"\n',
    )
    result = run_sourced(LIBRARY, 'DB_PORT=5432; pg_admin postgres -c "select 1"', stubs=stubs)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1\n"
    psql_calls = [line for line in calls.read_text().splitlines() if line.startswith("psql")]
    assert psql_calls[0].startswith("psql -w -h 127.0.0.1 -p 5432 -U postgres")
    assert len(psql_calls) == 2 and all(" -w " in f" {call} " for call in psql_calls)
    assert "runuser -u postgres -- psql -w -p 5432 -d postgres" in calls.read_text()


def test_setup_installs_python_and_its_venv_module_when_missing(tmp_path):
    # A minimal Debian 12: everything else installed, no venv module (ensurepip) for python3.11.
    stubs = stub_commands(
        tmp_path / "bin",
        dpkg_query='[ "${@: -1}" = python3.11-venv ] && exit 1\nprintf "install ok installed"\n',
    )
    result = run_sourced(
        SETUP,
        'printf "%s\\n" "${DEBIAN_PACKAGES[@]}"; echo ---; missing_debian_packages "${DEBIAN_PACKAGES[@]}"',
        stubs=stubs,
    )
    assert result.returncode == 0, result.stderr
    wanted, missing = result.stdout.split("---\n")
    assert {"python3.11", "python3.11-venv", "nginx-light"} <= set(wanted.split())
    assert missing == "python3.11-venv\n"


@pytest.mark.parametrize("policy_before", [None, "#!/bin/sh\nexit 0\n"])
def test_installing_packages_starts_no_service(tmp_path, policy_before):
    calls, policy = tmp_path / "calls", tmp_path / "policy-rc.d"
    if policy_before:
        policy.write_text(policy_before)
        policy.chmod(0o755)
    stubs = stub_commands(
        tmp_path / "bin",
        dpkg_query='[ "${@: -1}" = nginx-light ] && exit 1\nprintf "install ok installed"\n',
        # What a package's postinst does: ask policy-rc.d whether it may start its service.
        apt_get=f'"{policy}" nginx start; echo "apt-get $* -> policy $?" >> {calls}\n',
    )
    result = run_sourced(
        SETUP,
        "install_debian_packages",
        stubs=stubs,
        POLICY_RC_D=str(policy),
        NGINX_PID_FILE=str(tmp_path / "no-nginx.pid"),
    )
    assert result.returncode == 0, result.stderr
    install = calls.read_text().splitlines()[-1]
    assert install.startswith("apt-get install -y -qq") and install.endswith("nginx-light -> policy 101")
    if policy_before:
        assert policy.read_text() == policy_before  # someone else's policy is put back
    else:
        assert not policy.exists()  # ours is gone once the packages are in


def test_static_files_are_collected_again_only_when_a_source_changed(settings, tmp_path):
    from instainstru.core.management.commands.prepare_site import static_sources_fingerprint

    (tmp_path / "site.css").write_text("body { color: black; }")
    settings.STATICFILES_DIRS = [tmp_path]
    first = static_sources_fingerprint()
    assert static_sources_fingerprint() == first
    (tmp_path / "site.css").write_text("body { color: navy; }")
    edited = static_sources_fingerprint()
    assert edited != first
    (tmp_path / "new.js").write_text("// new")
    assert static_sources_fingerprint() not in (first, edited)
