#!/usr/bin/env bash
# Idempotent set-up for a Debian 12 machine, as root: system packages, PostgreSQL + PostGIS,
# Redis, the database role, the virtualenv, migrations and static files. Quick when nothing
# is missing. Used by `make setup`, which `make run` and `make test` call. Sourcing it (as its
# tests do) defines the functions without running anything.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PG_VERSION=15
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
# Python 3.11 and its venv module (with ensurepip), which a minimal Debian 12 lacks; nginx-light
# and gettext-base (envsubst) for the production layout.
DEBIAN_PACKAGES=(
  python3.11 python3.11-venv
  postgresql-$PG_VERSION postgresql-$PG_VERSION-postgis-3 redis-server
  chromium chromium-driver nginx-light gettext-base
)
# Debian asks this file whether a package's installation may start its service; 101 says no.
POLICY_RC_D=${POLICY_RC_D:-/usr/sbin/policy-rc.d}
NGINX_PID_FILE=${NGINX_PID_FILE:-/run/nginx.pid}  # Debian's nginx service

# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh

# Prints the packages of "$@" that are not installed, one per line.
missing_debian_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
  done
}

# Runs "$@" with Debian's service starts switched off (policy-rc.d answering 101), so that
# installing nginx does not start it on port 80 (nor redis-server or PostgreSQL with Debian's
# own configuration: set-up starts those itself). A policy-rc.d already in place is put back.
without_service_starts() {
  local saved=""
  if [ -e "$POLICY_RC_D" ]; then
    saved="$POLICY_RC_D.instainstru-saved"
    $SUDO mv "$POLICY_RC_D" "$saved"
  fi
  printf '#!/bin/sh\n# Written by InstaInstru scripts/setup.sh while it installs packages.\nexit 101\n' \
    | $SUDO tee "$POLICY_RC_D" >/dev/null
  $SUDO chmod 755 "$POLICY_RC_D"
  local status=0
  "$@" || status=$?
  if [ -n "$saved" ]; then
    $SUDO mv "$saved" "$POLICY_RC_D"
  else
    $SUDO rm -f "$POLICY_RC_D"
  fi
  return $status
}

# If Debian's nginx service runs after we installed nginx (a policy-rc.d that allowed it), stop
# it: the production layout runs its own nginx on loopback, and nothing of ours listens on :80.
stop_debian_nginx() {
  local pid
  pid=$(cat "$NGINX_PID_FILE" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    say "Stopping the nginx service the package started (we run our own on loopback)"
    $SUDO nginx -s quit || $SUDO kill "$pid"
  fi
}

install_debian_packages() {
  local missing
  mapfile -t missing < <(missing_debian_packages "${DEBIAN_PACKAGES[@]}")
  [ ${#missing[@]} -gt 0 ] || return 0
  say "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  without_service_starts \
    $SUDO apt-get install -y -qq -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
  if printf '%s\n' "${missing[@]}" | grep -qx nginx-light; then
    stop_debian_nginx
  fi
}

start_postgresql() {
  if ! pg_lsclusters -h 2>/dev/null | grep -q "^$PG_VERSION "; then
    say "Creating PostgreSQL $PG_VERSION cluster"
    $SUDO pg_createcluster $PG_VERSION main >/dev/null
  fi
  if ! pg_lsclusters -h | awk -v v=$PG_VERSION '$1==v && $2=="main"{print $4}' | grep -q online; then
    say "Starting PostgreSQL"
    $SUDO pg_ctlcluster --skip-systemctl-redirect $PG_VERSION main start
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$DB_PORT" && break; sleep 0.5; done
}

start_redis() {
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    say "Starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/instainstru.log
    for _ in $(seq 1 20); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.25; done
  fi
}

install_python_requirements() {
  local python=${PYTHON:-python3.11}
  if [ ! -x .venv/bin/python ]; then
    say "Creating .venv"
    $python -m venv .venv
  fi
  local stamp=.venv/.requirements.sha want
  want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
  if [ "$(cat $stamp 2>/dev/null)" != "$want" ]; then
    say "Installing Python requirements"
    .venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
    echo "$want" >$stamp
  fi
}

prepare_django() {
  say "Migrating"
  # migrate, collectstatic when a static source changed, periodic tasks, roles: one process.
  .venv/bin/python manage.py prepare_site
}

main() {
  database_settings
  install_debian_packages
  start_postgresql
  ensure_role_and_database
  start_redis
  install_python_requirements
  prepare_django
  say "Set-up complete"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
