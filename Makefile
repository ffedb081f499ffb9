# carebook — make run | make test | make bench
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DEBUG ?= 1

.PHONY: run serve worker test lint format bench bench-reports bench-scale chaos install migrate demo clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --no-input

demo: migrate
	$(BIN)/python manage.py seed_demo

## Web server on http://127.0.0.1:8000 and the task worker, on the SQLite file under var/.
run: demo
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	@trap 'kill 0' INT TERM EXIT; \
	while true; do $(BIN)/python manage.py worker; echo "task worker stopped; restarting"; sleep 1; done & \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/carebook
AXE := var/axe/node_modules/axe-core/axe.min.js

# axe-core (npm registry) is injected into pages by the browser tests.
$(AXE):
	@if command -v npm >/dev/null 2>&1; then \
		mkdir -p var/axe && cd var/axe && npm install --no-save --no-audit --no-fund --silent axe-core@4; \
	else echo "NOTE: npm not found; the browser tests will be skipped (CI installs it)."; fi

## The whole suite: lint, checks, then every test on SQLite and on PostgreSQL.
## PostgreSQL is skipped with a notice when unreachable, unless CAREBOOK_REQUIRE_POSTGRES=1.
test: install $(AXE)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	env -u DATABASE_URL $(BIN)/pytest -q
	@if $(BIN)/python scripts/pg_ready.py "$(PG_TEST_URL)"; then \
		echo "== the suite again on PostgreSQL"; \
		DATABASE_URL="$(PG_TEST_URL)" CAREBOOK_EXPECT_POSTGRES=1 $(BIN)/pytest -q; \
	elif [ "$$CAREBOOK_REQUIRE_POSTGRES" = 1 ]; then \
		echo "PostgreSQL is required but not reachable at $(PG_TEST_URL)"; exit 1; \
	else \
		echo "NOTE: PostgreSQL not reachable at $(PG_TEST_URL); its run was skipped (CI requires it)."; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/run.py

## Only the reports at clinic-group scale (benchmark 6): builds carebook_bench_reports once
## (minutes), then reuses it; --rebuild, --try-indexes, --explain (see bench/reports_bench.py).
bench-reports: install
	$(BIN)/python bench/reports_bench.py

## Web processes on a PostgreSQL primary and a streaming replica, both throwaway clusters on
## spare ports (docs/scaling.md): read throughput with and without the replica, its lag, and a
## booking decided on the primary while the replica is paused. About 4 minutes.
bench-scale: install
	$(BIN)/python bench/scale_bench.py

## Fault injection (docs/reliability.md): kill -9 and database crashes under booking load,
## on a throwaway PostgreSQL cluster and a SQLite file; about 5 minutes. CHAOS_SECONDS=30 for
## the short run CI makes.
CHAOS_SECONDS ?= 120
chaos: install
	$(BIN)/python chaos/run.py --seconds $(CHAOS_SECONDS)

clean:
	rm -rf $(VENV) var
