# Two commands on a fresh machine:  make run   (serve at http://127.0.0.1:8000)   and   make test
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORTAL := $(VENV)/bin/portal
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-sqlite test-postgres lint install bench bench-search bench-screening i18n lock clean golden

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) scripts/i18n.py compile
	$(PORTAL) bootstrap
	$(PORTAL) serve --host $(HOST) --port $(PORT)

# The whole suite on SQLite (browser, fuzzing and crash tests included), then again on PostgreSQL.
test: install lint
	$(PY) scripts/i18n.py compile
	$(VENV)/bin/pytest -q -n 2 --dist loadgroup
	$(VENV)/bin/pytest -q -n 2 --dist loadgroup --db=postgresql -m "not e2e and not slow"

test-sqlite: install
	$(VENV)/bin/pytest -q -n 2 --dist loadgroup

test-postgres: install
	$(VENV)/bin/pytest -q -n 2 --dist loadgroup --db=postgresql -m "not e2e and not slow"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: bench-search bench-screening
	$(PY) tests/bench/http_bench.py

bench-search: install
	$(PY) tests/bench/search_bench.py

bench-screening: install
	$(PY) tests/bench/screening_bench.py

# Rewrite the golden snapshots (OpenAPI + every public page, both languages) after an intended change.
golden: install
	$(PY) scripts/golden.py --update

i18n: install
	$(PY) scripts/i18n.py update

# Refresh the lock file of exact versions after changing dependencies in pyproject.toml.
lock:
	$(PY) -m pip freeze --exclude-editable | grep -v '^soctrang-portal' > requirements.lock

clean:
	rm -rf var/ .pytest_cache .ruff_cache
