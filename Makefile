# Leverage: every target installs what it needs first, so a fresh clone needs only `make run` or `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCENARIO ?= scenarios/baseline.yaml
PORT ?= 8501
EXPLORE_STAMP := $(VENV)/.installed-explore

MESA4_VENV := .venv-mesa4

.PHONY: explore run test test-fast test-mesa4 lint format bench bench-smoke baseline validate install chromium clean help

help:
	@echo "make run          install, then run the baseline scenario ($(SCENARIO))"
	@echo "make test         install, then run the whole test suite (what CI runs, after make lint)"
	@echo "make test-fast    the test suite without the slow tests (Dask cluster, killed processes, browser, bench smoke)"
	@echo "make test-mesa4   the suite against Mesa 4's newest pre-release in $(MESA4_VENV) (allowed to fail)"
	@echo "make lint         ruff check, ruff format --check and mypy"
	@echo "make chromium     install Debian's chromium for the reports' browser tests (as root, when missing)"
	@echo "make format       ruff format sim, tests and benchmarks"
	@echo "make bench        the performance benchmark (benchmarks/results.json; needs a quiet machine)"
	@echo "make bench-smoke  the benchmark end to end at tiny sizes (a check that it runs, no timings)"
	@echo "make explore      install the 'explore' extra, then serve the lever explorer (SCENARIO=..., PORT=...)"
	@echo "make baseline     regenerate the golden summaries in tests/golden_data/ (on purpose only)"
	@echo "make validate     score the baseline and realised runs against what happened (docs/validation.md)"
	@echo "make install      create .venv and install the package with its dev tools"
	@echo "make clean        remove the virtual environments, results and caches"

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

test: $(STAMP) chromium
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

# Allowed to fail (the leading '-'): Mesa 4 is a pre-release, and this target exists so that the move to 4.x
# is one pin change when it ships. The package is installed with its pins, then Mesa 4 over them (pip warns
# that leverage-sim asks for mesa<4; that is the point).
test-mesa4:
	@PY=$$(./scripts/find-python) || exit 1; \
	 if [ ! -x $(MESA4_VENV)/bin/python ]; then echo "creating $(MESA4_VENV) with $$PY"; "$$PY" -m venv $(MESA4_VENV) || exit 1; fi
	$(MESA4_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(MESA4_VENV)/bin/python -m pip install --quiet -e '.[dev]'
	-$(MESA4_VENV)/bin/python -m pip install --quiet --pre --upgrade 'mesa[network]>=4.0.0a0'
	@$(MESA4_VENV)/bin/python -c "import mesa; print('testing against mesa', mesa.__version__)"
	-$(MESA4_VENV)/bin/python -m pytest -p no:cacheprovider

# The report tests open the HTML reports in headless Chromium (tests/test_report.py): Debian's chromium package,
# installed with apt-get when missing and this runs as root; otherwise those tests are skipped with the reason.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends chromium >/dev/null; } || \
	    echo "chromium could not be installed: the browser checks of the report will be skipped"; \
	  else echo "chromium is missing (needs root and apt-get to install): the browser checks will be skipped"; fi; }

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
	rm -rf $(VENV) $(MESA4_VENV) results/*/ .pytest_cache .ruff_cache .mypy_cache
