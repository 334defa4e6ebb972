# PostgreSQL part of the set-up, sourced by scripts/setup.sh (and by its tests).
# Setup creates exactly the role and database that Django will connect to: both read
# DATABASE_URL, from the environment or else from .env, with the same default.

DEFAULT_DATABASE_URL=postgis://instainstru:instainstru@127.0.0.1:5432/instainstru
# The extensions instainstru/core/migrations/0001_extensions.py needs. Creating them needs a
# superuser; setup creates them itself so a role without that right can still migrate.
DATABASE_EXTENSIONS=(postgis pg_trgm btree_gist)

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

percent_decode() { local s=${1//+/ }; printf '%b' "${s//%/\\x}"; }

# Sets DB_USER, DB_PASSWORD, DB_HOST, DB_PORT and DB_NAME from DATABASE_URL, with the
# default's values for any part the URL leaves out.
database_settings() {
  local url=${DATABASE_URL:-}
  if [ -z "$url" ] && [ -f .env ]; then
    url=$(sed -n 's/^DATABASE_URL=//p' .env | tail -n 1)
    url=${url%\"}; url=${url#\"}; url=${url%\'}; url=${url#\'}
  fi
  url=${url:-$DEFAULT_DATABASE_URL}
  # scheme://[user[:password]@][host][:port]/name[?options]
  local pattern='^[a-z0-9+]+://(([^:@/]*)(:([^@/]*))?@)?([^:/?]*)(:([0-9]+))?/([^?]*)'
  if [[ ! $url =~ $pattern ]]; then
    echo "DATABASE_URL is not a database URL like $DEFAULT_DATABASE_URL: $url" >&2
    return 1
  fi
  DB_USER=$(percent_decode "${BASH_REMATCH[2]:-instainstru}")
  DB_PASSWORD=$(percent_decode "${BASH_REMATCH[4]:-instainstru}")
  DB_HOST=${BASH_REMATCH[5]:-127.0.0.1}
  DB_PORT=${BASH_REMATCH[7]:-5432}
  DB_NAME=$(percent_decode "${BASH_REMATCH[8]:-instainstru}")
  local identifier='^[A-Za-z_][A-Za-z0-9_]*$'
  if [[ ! $DB_USER =~ $identifier || ! $DB_NAME =~ $identifier ]]; then
    echo "Setup creates roles and databases named with letters, digits and underscores only;" \
      "DATABASE_URL names role '$DB_USER' and database '$DB_NAME'." >&2
    return 1
  fi
}

database_is_local() {
  case $DB_HOST in 127.0.0.1 | localhost | ::1 | /*) return 0 ;; *) return 1 ;; esac
}

# Runs SQL as the PostgreSQL superuser in database $1, whatever the local authentication is:
# trust on 127.0.0.1 on some machines, peer authentication through the socket on others.
# -w: never prompt for a password (Debian's default scram-sha-256 on 127.0.0.1 would make an
# interactive `make setup` stop at "Password for user postgres:"); a refusal falls back to peer.
pg_admin() {
  local database=$1
  shift
  if psql -w -h 127.0.0.1 -p "$DB_PORT" -U postgres -d "$database" -tAc "select 1" >/dev/null 2>&1; then
    psql -w -h 127.0.0.1 -p "$DB_PORT" -U postgres -d "$database" -v ON_ERROR_STOP=1 -qtA "$@"
  else
    (cd /tmp && runuser -u postgres -- psql -w -p "$DB_PORT" -d "$database" -v ON_ERROR_STOP=1 -qtA "$@")
  fi
}

# Creates the role and the database named in DATABASE_URL when they are missing, and the
# extensions the migrations need in that database. Idempotent.
ensure_role_and_database() {
  if ! database_is_local; then
    say "DATABASE_URL points at $DB_HOST: setup leaves the role and database on that server alone"
    return 0
  fi
  # The app's role is a superuser locally so tests can create their database (pytest-django
  # makes test_<name>). Production uses a pre-made database.
  if [ "$(pg_admin postgres -c "select 1 from pg_roles where rolname='$DB_USER'")" != "1" ]; then
    say "Creating database role $DB_USER"
    pg_admin postgres -c "create role $DB_USER login superuser password '${DB_PASSWORD//\'/\'\'}'"
  fi
  if [ "$(pg_admin postgres -c "select 1 from pg_database where datname='$DB_NAME'")" != "1" ]; then
    say "Creating database $DB_NAME (owner $DB_USER) with extensions ${DATABASE_EXTENSIONS[*]}"
    pg_admin postgres -c "create database $DB_NAME owner $DB_USER"
  fi
  local statements=(-c "set client_min_messages = warning") extension
  for extension in "${DATABASE_EXTENSIONS[@]}"; do
    statements+=(-c "create extension if not exists $extension")
  done
  pg_admin "$DB_NAME" "${statements[@]}"
}
