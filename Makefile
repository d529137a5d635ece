# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.evsynth-installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/evsynth demo

lint: $(STAMP)
	$(PY) -m ruff check $(wildcard src tests benchmarks examples)
	$(PY) -m ruff format --check $(wildcard src tests benchmarks examples)

# The store tests also run on PostgreSQL: a throwaway server where its binaries are installed
# (tools/test-postgres.sh); otherwise pytest's summary says that they were skipped.
test: $(STAMP) lint
	@if [ -z "$${EVSYNTH_TEST_POSTGRES_URL:-}" ] && url="$$(tools/test-postgres.sh 2>/dev/null)"; then \
	    export EVSYNTH_TEST_POSTGRES_URL="$$url"; \
	    trap 'tools/test-postgres.sh stop' EXIT; \
	fi; \
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) benchmarks/bench_meta.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache
