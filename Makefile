# The two fresh-machine commands: `make run` (grade the shipped samples on SQLite) and `make test`.
# Both create or refresh .venv/ from pyproject.toml first.

SHELL := /bin/bash
PYTHON ?= $(shell test -x /usr/bin/python3.11 && echo /usr/bin/python3.11 || command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: run test venv system-deps services lint validate bench clean

venv: $(STAMP)

# Student code runs under bubblewrap (setpriv drops to an unprivileged uid); install it when we are root.
system-deps:
	@if ! command -v bwrap >/dev/null || ! command -v setpriv >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap util-linux; \
	  else \
	    echo "bubblewrap is missing: install it (apt-get install bubblewrap) to grade in the sandbox" >&2; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: venv system-deps
	$(BIN)/grader db upgrade
	$(BIN)/grader exercises list
	$(BIN)/grader grade lab-add-hidden-16 exercises/samples/lab-add-hidden-16 --workers $(WORKERS) --format table
	$(BIN)/grader grade wine-early-stopping exercises/samples/wine-early-stopping --workers $(WORKERS) --format table
	$(BIN)/grader grade binary-classifier exercises/samples/binary-classifier --workers $(WORKERS) --format table
	$(BIN)/grader grade exam-serie2 exercises/samples/exam-serie2 --workers $(WORKERS) --format table
	$(BIN)/grader review list

services:
	@bash .ci/services

lint: venv
	$(BIN)/ruff check .

test: venv system-deps services lint
	$(BIN)/python -m pytest -q

validate: venv system-deps
	$(BIN)/grader exercises validate --workers $(WORKERS)

bench: venv system-deps
	$(BIN)/python bench/grading_speed.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
