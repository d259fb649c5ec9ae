# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: messages venv demo test test-js js-deps test-services test-all lint format bench bench-quick clean dist tutorial tutorial-production test-django61

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[redis,postgres,tasks,server,openapi,webpush,fcm,twilio,webhooks,chat,metrics]" --group dev
	touch $(STAMP)

demo: venv
	cd example && ../$(BIN)/python manage.py migrate --noinput
	cd example && HOST=$(HOST) PORT=$(PORT) ../$(BIN)/python manage.py seed_demo
	cd example && DEMO_BASE_URL=http://$(HOST):$(PORT) ../$(BIN)/python -m uvicorn demo.asgi:application --host $(HOST) --port $(PORT)

# Skip reasons are printed (-rs in pyproject's addopts). The suite runs on
# PYTEST_WORKERS processes (pytest-xdist, a test file per worker at a time); the
# browser tests (a demo server and Chromium each) run after it, one at a time.
PYTEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile -m "not browser"
PYTEST_BROWSER := $(BIN)/python -m pytest -m browser

test: venv test-js
	scripts/ensure-tool.sh chromium chromium "the browser tests" "about 480 MB"
	scripts/ensure-tool.sh msgfmt gettext "the catalogue tests"
	$(PYTEST)
	$(PYTEST_BROWSER)

# client.js unit tests (Node's test runner) and axe-core for the browser tests'
# accessibility checks, from tests/js/package-lock.json. Without npm both are
# skipped with a note (an error with CI=true).
NPM_MISSING = echo "npm is missing: the client.js unit tests and the accessibility checks are skipped (install Node.js >= 20)"; test "$${CI:-}" != "true"

js-deps:
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/js --no-audit --no-fund --loglevel=error; \
	else $(NPM_MISSING); fi

test-js: js-deps
	@if command -v npm >/dev/null 2>&1; then npm test --prefix tests/js; else $(NPM_MISSING); fi

test-services: venv js-deps
	scripts/ensure-tool.sh chromium chromium "the browser tests" "about 480 MB"
	scripts/ensure-tool.sh msgfmt gettext "the catalogue tests"
	NOTIFICATIONS_TEST_SERVICES=1 $(PYTEST)
	NOTIFICATIONS_TEST_SERVICES=1 $(PYTEST_BROWSER)

# The wheel and the sdist in dist/ (what `pip install dist/<wheel>[extras]` takes).
dist: venv
	rm -rf dist
	$(BIN)/hatchling build

# The README's tutorial, followed by a script from the built wheel in a fresh
# venv: a shell send must reach a logged-in socket (scripts/tutorial.py).
tutorial: dist
	$(BIN)/python scripts/tutorial.py

# The same, then the README's "Production deployment" section on that project:
# PostgreSQL (PGHOST/PGPORT/PGUSER) and Redis (REDIS_URL), four workers, the task worker.
tutorial-production: dist
	$(BIN)/python scripts/tutorial.py --production

# The second Django line: the embedded leg on Django 6.1 + Python 3.13 (or 3.12)
# through nox; skipped, saying so, where no such interpreter exists.
test-django61: venv
	$(BIN)/nox -s django61

lint: venv
	$(BIN)/ruff check notifications tests example bench scripts
	$(BIN)/ruff format --check notifications tests example bench scripts
	$(BIN)/mypy notifications
	$(BIN)/lint-imports

format: venv
	$(BIN)/ruff check --fix notifications tests example bench
	$(BIN)/ruff format notifications tests example bench

# Translation catalogues (GNU gettext's xgettext/msgfmt; the runtime needs only the
# committed .mo files): collect the package's and the demo's strings into their .po
# files, then compile them. tests/i18n/test_catalogues.py fails when a catalogue is stale.
LOCALES := en pl
MESSAGES_ENV := PYTHONPATH=$(CURDIR) DJANGO_SETTINGS_MODULE=tests.settings
messages: venv
	cd notifications && $(MESSAGES_ENV) ../$(BIN)/django-admin makemessages $(addprefix -l ,$(LOCALES)) -e html,txt,py --no-obsolete
	cd notifications && $(MESSAGES_ENV) ../$(BIN)/django-admin compilemessages
	cd example/demo && $(MESSAGES_ENV) ../../$(BIN)/django-admin makemessages $(addprefix -l ,$(LOCALES)) -e html,txt,py --no-obsolete
	cd example/demo && $(MESSAGES_ENV) ../../$(BIN)/django-admin compilemessages
	cd tests/testapp && $(MESSAGES_ENV) ../../$(BIN)/django-admin compilemessages

bench: venv
	$(BIN)/python -m bench

bench-quick: venv
	$(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) example/db.sqlite3 .mypy_cache .ruff_cache
