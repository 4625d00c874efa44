# GenFire Server: `make run` to serve, `make test` to check everything.
#
# Everything installs into ./.venv from the pinned, hashed lock files in requirements/,
# so a fresh machine gets exactly what CI tested.

SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
SERVER := server

.PHONY: help install install-dev run migrate dev-account test test-pg lint typecheck format bench lock clean

help:
	@echo "make run        set up, migrate, create the dev account and serve http://127.0.0.1:8080/v1"
	@echo "make install    set up .venv with the genfire-server command"
	@echo "make test       the test suite, ruff and mypy --strict (GENFIRE_TEST_DATABASE_URL selects PostgreSQL)"
	@echo "make test-pg    the test suite on a throwaway PostgreSQL (installed from Debian if missing)"
	@echo "make bench      the benchmarks in bench/"
	@echo "make lock       re-resolve requirements/*.txt from server/pyproject.toml"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is required" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python requirements/server.txt $(SERVER)/pyproject.toml
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements/server.txt
	$(BIN)/pip install --quiet --no-deps -e $(SERVER)
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements/dev.txt
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements/dev.txt
	@touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/genfire-server migrate

dev-account: migrate
	$(BIN)/genfire-server admin ensure-dev-account

run: dev-account
	$(BIN)/genfire-server serve

test: install-dev
	cd $(SERVER) && ../$(BIN)/pytest -q
	$(BIN)/ruff check $(SERVER) bench
	$(BIN)/ruff format --check $(SERVER) bench
	cd $(SERVER) && ../$(BIN)/mypy genfire_server tests ../bench

test-pg: install-dev
	GENFIRE_TEST_DATABASE_URL=$$(scripts/test-postgres.sh start) $(MAKE) test

lint: install-dev
	$(BIN)/ruff check $(SERVER) bench
	$(BIN)/ruff format --check $(SERVER) bench

format: install-dev
	$(BIN)/ruff format $(SERVER) bench
	$(BIN)/ruff check --fix $(SERVER) bench

bench: install-dev
	$(BIN)/python bench/api_overhead.py
	$(BIN)/python bench/runs.py
	$(BIN)/python bench/engines.py
	$(BIN)/python bench/media.py
	$(BIN)/python bench/workflows.py
	$(BIN)/python bench/batches.py
	$(BIN)/python bench/webhooks.py

lock: install-dev
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile -q --generate-hashes --strip-extras --allow-unsafe --no-emit-find-links \
		--no-emit-index-url -o requirements/server.txt $(SERVER)/pyproject.toml
	$(BIN)/pip-compile -q --generate-hashes --strip-extras --allow-unsafe --no-emit-find-links \
		--no-emit-index-url --extra dev -o requirements/dev.txt $(SERVER)/pyproject.toml

clean:
	rm -rf $(VENV) $(SERVER)/*.egg-info
