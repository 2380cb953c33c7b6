# Everything from a fresh clone with only Python >= 3.11: `make run`, `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test install catalog catalog-check lint bench bench-check clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "eits-tracker needs Python >= 3.11 (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## Start the app on the local SQLite database (migrated, catalogue and municipalities loaded on first start).
run: install
	$(BIN)/eits-tracker

## The whole test suite (against PostgreSQL too when EITS_TEST_POSTGRES_URL is set).
test: install
	$(BIN)/python -m pytest

## Rebuild catalog/*.json from ../shared/catalogue-sources with the project's own importers.
catalog: install
	$(BIN)/python -m eits_tracker.catalog.build

catalog-check: install
	$(BIN)/python -m eits_tracker.catalog.build --check

lint: install
	$(BIN)/ruff check eits_tracker tests benchmarks
	$(BIN)/mypy

## Every benchmark in one run (< 10 min): benchmarks/results/latest.json and latest.md (see benchmarks/README.md).
bench: install
	$(BIN)/python benchmarks/run.py

## make bench, then fail when a scenario's ratio (ours / lean) is > 25 % worse than results/baseline.json.
## Not part of make test. FROM=benchmarks/results/latest.json compares an existing run instead.
bench-check: install
	$(BIN)/python benchmarks/bench_check.py $(if $(FROM),--from $(FROM))

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
