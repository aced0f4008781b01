# One command to serve, one to test. Both create .venv from pyproject.toml on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := config.settings
# The embedded demo and the tests read no .env file (a production .env from .env.example would break them);
# `make run ENV_FILE=.env` reads one on purpose.
export ENV_FILE ?=

.PHONY: run test lint format migrate seed bench bench-core bench-trading bench-ws clean screenshots

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "python3.11 not found: install Python 3.11 or set PYTHON=..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

## run: install, migrate, load demo data, serve HTTP and WebSocket on 127.0.0.1:$(PORT) with the demo market maker
## in the same process (MARKET_MAKER=0: without it); TLS=1 adds HTTPS/WSS on 127.0.0.1:$(TLS_PORT), local CA in .tls/
MARKET_MAKER ?= 1
TLS ?= 0
TLS_PORT ?= 8443
run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py serve --port $(PORT) \
		$(if $(filter 1,$(TLS)),--tls-port $(TLS_PORT)) \
		$(if $(filter 1,$(MARKET_MAKER)),--market-maker 5)

## test: the whole suite (SQLite by default; DATABASE_URL / REDIS_URL switch to PostgreSQL / Redis)
test: $(VENV)/.installed
	$(PY) -m pytest -q $(PYTEST_ARGS)

## screenshots: the README's pictures of the web app (docs/screenshots/), taken by its browser tests
screenshots: $(VENV)/.installed
	WEB_SCREENSHOTS_DIR=docs/screenshots $(PY) -m pytest -q web/tests -m browser

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

## bench-trading: every trading figure of issue 10 in one run, about 2.5 minutes on PostgreSQL + Redis
## (BENCH_DATABASE_URL, BENCH_REDIS_URL): the pure core; one matcher process with no HTTP; gunicorn + a matcher
## over HTTP (read vs crossing order); two matchers on disjoint pairs. Longer: BENCH_TRADING_ARGS="--seconds 60"
bench-trading: $(VENV)/.installed
	$(PY) bench/trading.py $(BENCH_TRADING_ARGS)

## bench-ws: 500 sockets on one book while the market maker trades (bounded: BENCH_WS_SECONDS, default 20;
## BENCH_WS_ARGS, e.g. "--client websockets")
bench-ws: $(VENV)/.installed
	$(PY) -m bench.ws $(BENCH_WS_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm
