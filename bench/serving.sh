#!/usr/bin/env bash
# Serving benchmark of the production layout (nginx → gunicorn) on loopback, with wrk.
# Prints requests/s and latency for a template page and for /healthz (database + Redis).
# Not part of `make test`. Usage: make bench  (or bash bench/serving.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
export LISTEN_PORT=${LISTEN_PORT:-8090} GUNICORN_PORT=${GUNICORN_PORT:-8091} DAPHNE_PORT=${DAPHNE_PORT:-8092}
export RUN_DIR=$PWD/var/bench-serving
bash scripts/serve_production.sh > var/bench-serving.log 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$LISTEN_PORT/healthz" >/dev/null && break; sleep 0.5; done
for path in / /healthz /accounts/login/; do
  echo "== GET $path (nginx → gunicorn, 50 connections, 10 s)"
  wrk -t2 -c50 -d10s --latency "http://127.0.0.1:$LISTEN_PORT$path" | grep -E "Requests/sec|Latency|99%|50%|Non-2xx"
done
