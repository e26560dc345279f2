# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test browser lint bench mutants clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/bisa-sdg run

# Two worker processes (one on a one-core machine), whole test files each, so that a file's module fixtures are
# built once; session fixtures are built by each worker that needs them (docs/performance.md, the test suite).
test: $(STAMP) browser
	$(BIN)/python -m pytest -n auto --maxprocesses=2 --dist loadfile

# The report is tested in a real headless browser (tests/test_report.py): Debian's chromium, installed here when the
# machine has apt-get and the rights to use it, so that `make test` skips nothing; elsewhere the test says why.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && { [ "$$(id -u)" -eq 0 ] || command -v sudo >/dev/null 2>&1; }; then \
	    SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	    $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends chromium; \
	  else echo "chromium is not installed and cannot be installed here: the report test will be skipped"; fi; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_pipeline.py

# Mutation testing on purpose (not part of `make test`): score per module, see docs/testing.md.
mutants: $(STAMP)
	$(BIN)/python benchmarks/mutants.py --show-survivors

clean:
	rm -rf data/curated/*.duckdb reports/*.html reports/*.json reports/*.md reports/sdmx
