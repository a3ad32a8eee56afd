# lettrage — two set-up commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-unit test-integration bench lint typecheck walls clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.lock requirements-dev.lock pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/lettrage demo

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --benchmark-disable tests

test-unit: $(STAMP)
	$(BIN)/python -m pytest -q --benchmark-disable tests/unit

test-integration: $(STAMP)
	$(BIN)/python -m pytest -q --benchmark-disable tests/integration

bench: $(STAMP)
	$(BIN)/python -m pytest -q -p no:xdist --benchmark-only --benchmark-columns=min,median,max,rounds $(BENCH_ARGS) benchmarks

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

walls:
	$(PYTHON) ../shared/tools/walls.py

clean:
	rm -rf $(VENV) var build *.egg-info
