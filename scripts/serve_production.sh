#!/usr/bin/env bash
# Starts the production layout on loopback: nginx → gunicorn (HTTP) + daphne (/ws/), plus the
# Celery worker and beat. Benchmarks measure this, because it is what production runs.
# Ctrl-C stops everything. Settings come from the environment (.env) as in production.
# --web-only starts nginx, gunicorn and daphne without the worker and beat (tests, benchmarks).
set -euo pipefail
cd "$(dirname "$0")/.."
web_only=false
[ "${1:-}" = "--web-only" ] && web_only=true
export LISTEN_HOST=${LISTEN_HOST:-127.0.0.1} LISTEN_PORT=${LISTEN_PORT:-8080}
export GUNICORN_PORT=${GUNICORN_PORT:-8001} DAPHNE_PORT=${DAPHNE_PORT:-8002}
export GUNICORN_WORKERS=${GUNICORN_WORKERS:-2}
export RUN_DIR=${RUN_DIR:-$PWD/var/production} STATIC_ROOT=$PWD/staticfiles
PYTHON=.venv/bin/python
mkdir -p "$RUN_DIR"
envsubst '${RUN_DIR} ${GUNICORN_PORT} ${DAPHNE_PORT} ${LISTEN_HOST} ${LISTEN_PORT} ${STATIC_ROOT}' \
  < deploy/nginx.conf.template > "$RUN_DIR/nginx.conf"
# Every process logs JSON lines: gunicorn through deploy/gunicorn.conf.py, daphne's access log
# through instainstru.serve_asgi, Celery through Django's LOGGING (instainstru/celery.py).
cat > "$RUN_DIR/Procfile" <<PROCS
nginx: nginx -e $RUN_DIR/nginx-error.log -c $RUN_DIR/nginx.conf -g 'daemon off;'
http: $PYTHON -m gunicorn -c deploy/gunicorn.conf.py instainstru.wsgi:application -b 127.0.0.1:$GUNICORN_PORT -w $GUNICORN_WORKERS
ws: $PYTHON -m instainstru.serve_asgi -b 127.0.0.1 -p $DAPHNE_PORT instainstru.asgi:application
PROCS
if [ "$web_only" = false ]; then
  cat >> "$RUN_DIR/Procfile" <<PROCS
worker: $PYTHON -m celery -A instainstru worker --loglevel INFO --concurrency 2
beat: $PYTHON -m celery -A instainstru beat --loglevel INFO
PROCS
fi
echo "Production layout: http://$LISTEN_HOST:$LISTEN_PORT (nginx → gunicorn :$GUNICORN_PORT, /ws/ → daphne :$DAPHNE_PORT)"
exec "$PYTHON" scripts/procman.py "$RUN_DIR/Procfile"
