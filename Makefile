# lettrage — two set-up commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-dates test-unit test-integration snapshots screenshots fuzz bench lint typecheck walls clean

# The tests whose outcome could depend on the day they run (the CLI's "today", the demo, sync, dunning,
# reports, the scheduler): `make test-dates` runs them with the process's wall clock moved (time-machine)
# to a Sunday, a French public holiday (14 July) and 31 December late in the evening, SQLite only.
DATE_TESTS := tests/unit tests/integration/test_clock.py tests/integration/test_cli_contract.py \
	tests/integration/test_dunning_e2e.py tests/integration/test_dunning_customers.py \
	tests/integration/test_reminders_sync.py tests/integration/test_worklist_cli.py \
	tests/integration/test_reports_cli.py tests/integration/test_effectiveness_cli.py \
	tests/integration/test_forecast_cli.py tests/integration/test_behaviour_cli.py \
	tests/integration/test_review_cli.py tests/integration/test_scheduler.py \
	tests/integration/test_statement_rules.py tests/integration/test_demo_truth.py \
	tests/integration/test_bank_freshness_cli.py tests/integration/test_customer_page.py \
	tests/integration/test_proceedings.py tests/integration/test_late_paid.py \
	tests/integration/test_registered_letters.py tests/integration/test_feeds_pull.py \
	tests/integration/test_discount_retention.py tests/integration/test_limitation_supply_dates.py \
	tests/integration/test_feeds_enablebanking.py tests/integration/test_platform_pennylane.py \
	tests/integration/test_platform_qonto.py tests/integration/test_customer_answers_decided.py \
	tests/integration/test_customer_answer_notices.py tests/integration/test_customer_page_short_links.py
WALL_CLOCKS := 2026-12-06T10:00 2026-07-14T10:00 2026-12-31T23:30

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.lock requirements-dev.lock pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# The demo keeps its own database in this clone's var/demo/ (lettrage's default data folder is the user's).
demo: $(STAMP)
	LETTRAGE_DATA_DIR="$${LETTRAGE_DATA_DIR:-$(CURDIR)/var}" $(BIN)/lettrage demo

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --benchmark-disable tests

test-dates: $(STAMP)
	@for day in $(WALL_CLOCKS); do \
		echo "== the date-sensitive tests with the wall clock at $$day"; \
		LETTRAGE_TEST_WALL_CLOCK=$$day $(BIN)/python -m pytest -q -n 2 -m "not postgres" --benchmark-disable \
			$(DATE_TESTS) || exit 1; \
	done

test-unit: $(STAMP)
	$(BIN)/python -m pytest -q --benchmark-disable tests/unit

test-integration: $(STAMP)
	$(BIN)/python -m pytest -q --benchmark-disable tests/integration

# The public contract's shapes (every `--json` output, the OpenAPI document) recorded again in tests/snapshots/,
# after a deliberate change: review the diff (a key removed breaks scripts) and update docs/contract.md.
# The README's pictures of the customer's page (docs/images/), taken in Debian's headless Chromium.
screenshots: $(STAMP)
	$(BIN)/python -m tests.integration.screenshots docs/images

snapshots: $(STAMP)
	LETTRAGE_UPDATE_SNAPSHOTS=1 $(BIN)/python -m pytest -q -p no:xdist --benchmark-disable \
		tests/integration/test_contract_snapshot.py

# The fuzzing harness (tests/fuzz) at length: LETTRAGE_FUZZ_EXAMPLES random inputs per target (`make test` runs a
# few fixed ones); prints the count of inputs tried per target.
LETTRAGE_FUZZ_EXAMPLES ?= 5000
fuzz: $(STAMP)
	LETTRAGE_FUZZ_EXAMPLES=$(LETTRAGE_FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -p no:xdist --benchmark-disable tests/fuzz

bench: $(STAMP)
	$(BIN)/python -m pytest -q -p no:xdist --benchmark-only --benchmark-columns=min,median,max,rounds $(BENCH_ARGS) benchmarks

# ruff, then the import contracts of pyproject.toml (docs/architecture.md: the pure wing never imports worker,
# entrypoints above the capabilities above persistence, no cycle between sibling modules)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

walls:
	$(PYTHON) ../shared/tools/walls.py

clean:
	rm -rf $(VENV) var build *.egg-info
