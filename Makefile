# The two fresh-machine commands: `make run` (the web service on SQLite, demo logins printed) and `make test`.
# Both create or refresh .venv/ from pyproject.toml first.

SHELL := /bin/bash
PYTHON ?= $(shell test -x /usr/bin/python3.11 && echo /usr/bin/python3.11 || command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: run demo-cli test venv system-deps services lint typecheck docs i18n validate bench clean

venv: $(STAMP)

# Student code runs under bubblewrap (setpriv drops to an unprivileged uid) with a seccomp filter compiled by
# libseccomp; browser tests drive Debian's Chromium. Install what is missing when we are root; otherwise
# stop with the command to run (without libseccomp no sandbox starts: grading is refused, never unfiltered).
system-deps:
	@missing=""; required=""; \
	command -v bwrap >/dev/null || required="$$required bubblewrap"; \
	command -v setpriv >/dev/null || required="$$required util-linux"; \
	/sbin/ldconfig -p 2>/dev/null | grep -q 'libseccomp\.so\.2 ' || required="$$required libseccomp2"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	missing="$$required$$missing"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "missing system packages:$$missing (run: sudo apt-get install$$missing)" >&2; \
	    if [ -n "$$required" ]; then echo "the sandbox cannot start without$$required" >&2; exit 1; fi; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The web service on SQLite with the course loaded; prints the demo teacher and student logins.
run: venv system-deps
	$(BIN)/grader serve --workers $(WORKERS)

# The command-line way: grade the shipped sample folders and list what waits for a teacher.
demo-cli: venv system-deps
	$(BIN)/grader grade lab-add-hidden-16 exercises/samples/lab-add-hidden-16 --workers $(WORKERS) --format table
	$(BIN)/grader grade wine-early-stopping exercises/samples/wine-early-stopping --workers $(WORKERS) --format table
	$(BIN)/grader grade binary-classifier exercises/samples/binary-classifier --workers $(WORKERS) --format table
	$(BIN)/grader grade exam-serie2 exercises/samples/exam-serie2 --workers $(WORKERS) --format table
	$(BIN)/grader review list

services:
	@bash .ci/services

lint: venv
	$(BIN)/ruff check .

# The type checker on the whole package (configured in pyproject.toml).
typecheck: venv
	$(BIN)/mypy

# The documentation site (docs/, mkdocs.yml): a broken link or a page missing from the nav fails the build.
docs: venv
	$(BIN)/mkdocs build --strict --quiet

# The interface's strings: extracted from the templates and views (babel.cfg), and every one translated in
# each catalog of grader/web/translations, whose compiled .mo matches its .po.
i18n: venv
	@mkdir -p build
	$(BIN)/pybabel -q extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 --no-location --omit-header \
	  --sort-output -o build/messages.pot .
	$(BIN)/python -m grader.web.catalogs build/messages.pot

test: venv system-deps services lint typecheck docs i18n
	$(BIN)/python -m pytest -q

validate: venv system-deps
	$(BIN)/grader exercises validate --workers $(WORKERS)

# The speed figures (docs/speed.md): the fresh-process ratio and warm p50s, then the load test of the
# service on loopback (400 distinct submissions, one in ten hostile; LOAD_ARGS="--submissions 40
# --students 10" for a quick run).
bench: venv system-deps services
	$(BIN)/python bench/grading_speed.py
	$(BIN)/python bench/cpu_budget.py --runs 1
	$(BIN)/python bench/load_test.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) instance site build/messages.pot .pytest_cache .ruff_cache .mypy_cache
