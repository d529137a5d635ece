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

test: $(STAMP) lint
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) benchmarks/bench_meta.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache
