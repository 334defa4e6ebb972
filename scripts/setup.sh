#!/usr/bin/env bash
# Idempotent set-up for a Debian 12 machine, as root: system packages, PostgreSQL + PostGIS,
# Redis, the database role, the virtualenv, migrations and static files. Quick when nothing
# is missing. Used by `make setup`, which `make run` and `make test` call.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_VERSION=15
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh
database_settings

# --- System packages --------------------------------------------------------------------
missing=()
for pkg in postgresql-$PG_VERSION postgresql-$PG_VERSION-postgis-3 redis-server chromium chromium-driver nginx-light gettext-base; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # nginx must not grab port 80 or start on install; we run it ourselves on loopback.
  $SUDO apt-get install -y -qq -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
fi

# --- PostgreSQL ---------------------------------------------------------------------------
if ! pg_lsclusters -h 2>/dev/null | grep -q "^$PG_VERSION "; then
  say "Creating PostgreSQL $PG_VERSION cluster"
  $SUDO pg_createcluster $PG_VERSION main >/dev/null
fi
if ! pg_lsclusters -h | awk -v v=$PG_VERSION '$1==v && $2=="main"{print $4}' | grep -q online; then
  say "Starting PostgreSQL"
  $SUDO pg_ctlcluster --skip-systemctl-redirect $PG_VERSION main start
fi
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$DB_PORT" && break; sleep 0.5; done
ensure_role_and_database

# --- Redis --------------------------------------------------------------------------------
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  say "Starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/instainstru.log
  for _ in $(seq 1 20); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.25; done
fi

# --- Python -------------------------------------------------------------------------------
PY=${PYTHON:-python3.11}
if [ ! -x .venv/bin/python ]; then
  say "Creating .venv"
  $PY -m venv .venv
fi
stamp=.venv/.requirements.sha
want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat $stamp 2>/dev/null)" != "$want" ]; then
  say "Installing Python requirements"
  .venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
  echo "$want" > $stamp
fi

# --- Django -------------------------------------------------------------------------------
say "Migrating"
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py collectstatic --noinput -v 0
.venv/bin/python manage.py sync_periodic_tasks
.venv/bin/python manage.py sync_roles
say "Set-up complete"
