# The two commands that matter: `make run` and `make test`. Both start with `make setup`.
SHELL := /bin/bash
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test test-unit test-browser lint format services seed serve-production bench check-services

setup:
	@bash scripts/setup.sh

services:
	@bash scripts/setup.sh

run: setup
	@$(PY) manage.py seed_demo
	@$(PY) scripts/procman.py Procfile --banner

test: setup lint test-unit test-browser

# Browser tests run last, in their own process: Playwright's sync API leaves an event loop
# behind that breaks async tests run after it.
test-unit:
	@$(PY) -m pytest -m "not browser" -q
test-browser:
	@$(PY) -m pytest -m browser -q

lint:
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .

format:
	@.venv/bin/ruff check --fix .
	@.venv/bin/ruff format .

seed: setup
	@$(PY) manage.py seed_demo

serve-production: setup
	@bash scripts/serve_production.sh

bench: setup
	@bash bench/run_all.sh
