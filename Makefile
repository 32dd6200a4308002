# Two commands on a fresh machine:  make run   (serve at http://127.0.0.1:8000)   and   make test
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORTAL := $(VENV)/bin/portal
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: browser run test test-sqlite test-postgres lint install bench bench-all bench-http bench-search bench-screening i18n lock clean golden

$(VENV)/.installed: pyproject.toml setup.py requirements.lock requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock -r requirements-dev.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) scripts/i18n.py compile
	$(PORTAL) bootstrap
	@echo "Serving the portal: open http://$(HOST):$(PORT)/ (Ctrl+C stops it)"
	$(PORTAL) serve --host $(HOST) --port $(PORT)

# The browser tests use Debian's Chromium: installed through apt when running as root, otherwise one line says how.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then echo "installing chromium (browser tests)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "The browser tests need Chromium: run 'sudo apt-get install chromium', then make test again." >&2; exit 1; fi; }

# The whole suite on SQLite (browser, fuzzing and crash tests included), then on PostgreSQL the tests that use
# the database under test (marker `database`, set from their fixtures; the others do not depend on --db).
# Tests keep their bytecode caches (pytest's rewritten test modules, the portal's modules in every server and
# command subprocess) even where the environment says PYTHONDONTWRITEBYTECODE.
PG_PASS := -m "database and not e2e and not slow"
test: install lint browser
	$(PY) scripts/i18n.py compile
	env -u PYTHONDONTWRITEBYTECODE $(VENV)/bin/pytest -q -n 2 --dist loadgroup
	env -u PYTHONDONTWRITEBYTECODE $(VENV)/bin/pytest -q -n 2 --dist loadgroup --db=postgresql $(PG_PASS)

test-sqlite: install
	env -u PYTHONDONTWRITEBYTECODE $(VENV)/bin/pytest -q -n 2 --dist loadgroup

test-postgres: install
	env -u PYTHONDONTWRITEBYTECODE $(VENV)/bin/pytest -q -n 2 --dist loadgroup --db=postgresql $(PG_PASS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports  # the layer contracts in pyproject.toml [tool.importlinter]

# The visitor mix, uncached pages, thread pool and the scale table (seeded vs 2,000 synthetic zones), as ratios to
# a bare FastAPI page measured in the same run (a few minutes; prints the load average).
bench: install
	$(PY) scripts/i18n.py compile
	$(PY) tests/bench/perf_bench.py

bench-all: bench bench-http bench-search bench-screening

bench-http: install
	$(PY) tests/bench/http_bench.py

bench-search: install
	$(PY) tests/bench/search_bench.py

bench-screening: install
	$(PY) tests/bench/screening_bench.py

# Rewrite the golden snapshots (OpenAPI + every public page, both languages) after an intended change.
golden: install
	$(PY) scripts/golden.py --update

# Lighthouse over every public page (not part of `make test`): needs Node (`npm ci`) and Chromium.
.PHONY: lighthouse
lighthouse: install
	npm ci --no-audit --no-fund
	$(PY) scripts/i18n.py compile
	CHROME_PATH=$${CHROME_PATH:-/usr/bin/chromium} $(PY) scripts/lighthouse.py --out var/lighthouse.txt

i18n: install
	$(PY) scripts/i18n.py update

# Refresh the lock files after changing dependencies in pyproject.toml: requirements.lock holds what a
# clean install of the package needs (the image installs only it), requirements-dev.lock the rest of .venv.
lock:
	rm -rf var/lock-venv && $(PYTHON) -m venv var/lock-venv
	var/lock-venv/bin/pip install -q --disable-pip-version-check .
	(echo '# Runtime dependencies, exact versions (the image installs only these). Regenerate: make lock'; \
	 var/lock-venv/bin/pip freeze --exclude-editable | grep -v '^soctrang-portal') > requirements.lock
	(echo '# Development and test tools, on top of requirements.lock (make install installs both). Regenerate: make lock'; \
	 $(PY) -m pip freeze --exclude-editable | grep -v '^soctrang-portal' | grep -vixFf requirements.lock) > requirements-dev.lock
	rm -rf var/lock-venv

clean:
	rm -rf var/ .pytest_cache .ruff_cache
