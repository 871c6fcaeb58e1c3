# povcensus: every target a developer or an office needs.  `make help` lists them.
# Only Python >= 3.12 is required; the virtual environment lives in .venv/.

SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 python; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help setup assets messages migrate demo run serve test test-sqlite test-postgres lint fmt typecheck check bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "povcensus needs Python 3.12 or newer (python3.12 / python3 not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: $(BIN)/python pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --frozen --quiet
	@touch $@

setup: $(VENV)/.synced assets ## create .venv and install the locked dependencies

assets: $(VENV)/.synced ## compile translations and collect static files (no Node needed)
	@$(BIN)/python tools/compile_messages.py
	@$(BIN)/povcensus collectstatic --noinput -v0

messages: $(VENV)/.synced ## refresh each app's English catalogue (<app>/locale) from its sources (needs GNU gettext)
	@for app in povcensus/*/; do test -d $$app/locale || continue; \
	  (cd $$app && DJANGO_SETTINGS_MODULE=config.settings.test PYTHONPATH=$(CURDIR) $(CURDIR)/$(BIN)/django-admin makemessages -l en --no-obsolete --ignore='static/*/vendor/*' -v0); \
	  echo "refreshed $$app/locale"; done
	@$(BIN)/python tools/check_messages.py --fill

migrate: setup ## apply database migrations (SQLite in var/ unless DATABASE_URL is set)
	$(BIN)/povcensus migrate --noinput -v1

demo: migrate ## build everything, load the demo town and serve it at http://127.0.0.1:8000
	$(BIN)/povcensus demo
	$(BIN)/povcensus serve --host $(HOST) --port $(PORT)

run serve: migrate ## serve the site (web + background worker) without loading the demo
	$(BIN)/povcensus serve --host $(HOST) --port $(PORT)

test: setup ## run the whole suite: lint, types, tests on SQLite and PostgreSQL
	$(BIN)/python tools/run_tests.py

test-sqlite: setup ## tests on SQLite only (fast feedback)
	$(BIN)/python tools/run_tests.py --only sqlite --no-lint

test-postgres: setup ## tests on PostgreSQL only
	$(BIN)/python tools/run_tests.py --only postgres --no-lint

lint: $(VENV)/.synced ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(VENV)/.synced ## format and autofix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(VENV)/.synced ## mypy with django-stubs
	$(BIN)/mypy povcensus config tools bench

check: lint typecheck ## lint and types

bench: setup ## run the benchmarks (see bench/README.md)
	$(BIN)/python bench/run.py

clean: ## remove the environment, built assets and the local database
	rm -rf $(VENV) var/static var/cache
