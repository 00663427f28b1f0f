# Two commands: `make run` (demo on the embedded database) and `make test` (everything).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test

# Interface texts: Swedish msgids in the code, English in inbox/locale/en.
translations: install-test
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext_ -k Text --no-location --sort-output -o inbox/locale/messages.pot .
	$(BIN)/pybabel update -i inbox/locale/messages.pot -d inbox/locale -D messages --no-fuzzy-matching
	$(BIN)/pybabel compile -d inbox/locale -D messages

.PHONY: translations run test install install-test system-packages lint typecheck wheel-check test-sqlite test-postgres bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	@echo "Starting inbox with demo data on http://$(HOST):$(PORT)/"
	$(BIN)/inbox demo --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check inbox tests bench
	$(BIN)/ruff format --check inbox tests bench

typecheck: install-test
	$(BIN)/mypy

test-sqlite: install-test
	$(BIN)/pytest -q -m "not postgresql_only"

# With CI set the PostgreSQL pass is mandatory; elsewhere it runs when a server answers.
test-postgres: install-test
	@if [ -n "$$CI" ] || $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_TEST_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		INBOX_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q; \
	else \
		echo "PostgreSQL at $(PG_TEST_URL) not reachable: PostgreSQL pass not run (it is mandatory in CI)"; \
	fi

# Debian packages the tests start for real: Dovecot (the IMAP server of the mail
# tests), Chromium (the browser tests; Playwright's own browsers are not used) and
# nginx. Installed only when one is missing, as root or through sudo.

system-packages:
	@missing=""; \
	command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || missing="$$missing dovecot-imapd"; \
	command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx-light"; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ]; then as_root=""; \
	elif command -v sudo >/dev/null 2>&1; then as_root="sudo"; \
	else \
		echo "make test needs the Debian packages$$missing, and installing them needs root:" >&2; \
		echo "run 'apt-get install$$missing' as root (or install sudo), then make test again." >&2; \
		exit 1; \
	fi; \
	echo "Installing the missing Debian packages:$$missing"; \
	$$as_root apt-get update && \
	$$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing

# The built wheel, installed outside the checkout, must serve the product.
wheel-check: install
	PYTHON=$(BIN)/python bash .ci/wheel-check

test: system-packages lint typecheck wheel-check test-sqlite test-postgres

bench: install-test
	$(BIN)/python bench/metrics.py
	$(BIN)/python bench/webhooks.py

clean:
	rm -rf $(VENV) inbox.db inbox.db-wal inbox.db-shm
