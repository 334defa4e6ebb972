#!/usr/bin/env bash
# Runs every benchmark under bench/ and prints their figures. Not part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
for script in bench/*.py; do
  [ -e "$script" ] || continue
  case $(basename "$script") in _*) continue ;; esac  # helpers, not benchmarks
  echo "### $script"
  .venv/bin/python "$script"
done
echo "### bench/serving.sh"
bash bench/serving.sh
