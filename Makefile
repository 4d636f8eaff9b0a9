# Leverage: every target installs what it needs first, so a fresh clone needs only `make run` or `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCENARIO ?= scenarios/baseline.yaml
PORT ?= 8501
EXPLORE_STAMP := $(VENV)/.installed-explore

.PHONY: explore run test lint format bench bench-smoke baseline validate install clean help

help:
	@echo "make run        install, then run the baseline scenario ($(SCENARIO))"
	@echo "make test       install, then run the test suite"
	@echo "make lint       ruff check, ruff format --check and mypy"
	@echo "make bench      the performance benchmark (benchmarks/results.json)"
	@echo "make explore    install the 'explore' extra, then serve the lever explorer (SCENARIO=..., PORT=...)"
	@echo "make baseline   regenerate the golden summaries in tests/golden/ (on purpose only)"
	@echo "make validate   score the baseline and realised runs against what happened (docs/validation.md)"

$(STAMP): pyproject.toml
	@PY=$$(./scripts/find-python) || exit 1; \
	 if [ ! -x $(BIN)/python ]; then echo "creating $(VENV) with $$PY"; "$$PY" -m venv $(VENV) || exit 1; fi
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

$(EXPLORE_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[explore]'
	@touch $(EXPLORE_STAMP)

explore: $(EXPLORE_STAMP)
	$(BIN)/sim explore $(SCENARIO) --port $(PORT)

run: $(STAMP)
	$(BIN)/sim run $(SCENARIO) --force

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/ruff format --check sim tests benchmarks
	$(BIN)/mypy sim

format: $(STAMP)
	$(BIN)/ruff format sim tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

bench-smoke: $(STAMP)
	$(BIN)/python benchmarks/bench.py --smoke

# docs/validation.md: baseline, realised and posterior runs of 10,000 replicates and a calibration of 4,000
# particles a generation, scored against observations/ (a few minutes)
validate: $(STAMP)
	$(BIN)/python -m sim.calibrate.validate

baseline: $(STAMP)
	$(BIN)/python -m tests.golden --update

clean:
	rm -rf $(VENV) results/*/ .pytest_cache .ruff_cache .mypy_cache
