# One command to serve, one to test. Both create .venv from pyproject.toml on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := config.settings
# The embedded demo and the tests read no .env file (a production .env from .env.example would break them);
# `make run ENV_FILE=.env` reads one on purpose.
export ENV_FILE ?=

.PHONY: run test lint format migrate seed bench bench-core clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "python3.11 not found: install Python 3.11 or set PYTHON=..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

## run: install, migrate, load demo data, keep the demo market moving, serve on 127.0.0.1:$(PORT)
## (MARKET_MAKER=0 serves without the background market maker)
MARKET_MAKER ?= 1
run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@if [ "$(MARKET_MAKER)" = "1" ]; then \
		echo "demo market maker running in the background (log: market_maker.log)"; \
		$(PY) manage.py market_maker --interval 5 > market_maker.log 2>&1 & MM=$$!; \
		trap 'kill $$MM 2>/dev/null' EXIT INT TERM; \
		$(PY) manage.py runserver 127.0.0.1:$(PORT); \
	else \
		$(PY) manage.py runserver 127.0.0.1:$(PORT); \
	fi

## test: the whole suite (SQLite by default; DATABASE_URL / REDIS_URL switch to PostgreSQL / Redis)
test: $(VENV)/.installed
	$(PY) -m pytest -q $(PYTEST_ARGS)

## lint: style (ruff), the import map (import-linter, contracts in pyproject.toml), types (mypy)
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput

seed: $(VENV)/.installed
	$(PY) manage.py seed_demo

## bench-core: the pure matching core in one process (no database): commands/s, p50/p99 per command
bench-core: $(VENV)/.installed
	$(PY) bench/trading_core.py

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm
