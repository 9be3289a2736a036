# The README's two commands are `make run` and `make test`; everything else is their parts.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATABASE_URL_PG ?= postgres://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: run test install install-test system-deps lint typecheck contracts migrations-check schema-check schema test-sqlite test-postgres bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python system-deps
	$(BIN)/pip install --quiet -e ".[test]"

## Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser),
## and Pango with a font for WeasyPrint's PDF reports.
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! ldconfig -p | grep -q libpangoft2-1.0; then \
	  echo "Installing Debian's chromium, chromium-driver and Pango…"; \
	  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    chromium chromium-driver libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; \
	fi

## make run: install, migrate SQLite, load the models and the demo, serve on 127.0.0.1:8000.
run: install
	$(BIN)/uplift setup
	@echo ""
	@echo "Uplift is at http://127.0.0.1:8000/"
	@echo "Demo sign-in: user 'process.group' (or any user listed by 'uplift demo users'), password 'uplift-demo'"
	@echo ""
	$(BIN)/uplift serve --address 127.0.0.1:8000

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy src/uplift

contracts:
	$(BIN)/lint-imports

migrations-check:
	DJANGO_SETTINGS_MODULE=uplift.config.settings.test $(BIN)/uplift makemigrations --check --dry-run

schema:
	DJANGO_SETTINGS_MODULE=uplift.config.settings.test $(BIN)/uplift spectacular --validate --fail-on-warn --file docs/api/openapi.yaml

schema-check:
	DJANGO_SETTINGS_MODULE=uplift.config.settings.test $(BIN)/uplift spectacular --validate --fail-on-warn --file /tmp/uplift-openapi.yaml
	diff -u docs/api/openapi.yaml /tmp/uplift-openapi.yaml

test-sqlite:
	DATABASE_URL=sqlite:///:memory: $(BIN)/pytest -p no:cacheprovider -n 2 $(PYTEST_ARGS)

test-postgres:
	DATABASE_URL=$(DATABASE_URL_PG) $(BIN)/pytest -p no:cacheprovider -n 2 $(PYTEST_ARGS)

## make test: everything CI checks, on SQLite and on PostgreSQL.
test: install-test lint typecheck contracts migrations-check schema-check test-sqlite test-postgres

bench: install-test
	$(BIN)/pip install --quiet -e ".[bench]"
	DATABASE_URL=$(DATABASE_URL_PG) $(BIN)/python -m benchmarks
