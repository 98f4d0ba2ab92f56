# xerosync - the two commands a fresh machine needs are `make demo` and `make test`.
# Each creates .venv (Python 3.13) and installs the pinned packages first.

# The first Python 3.13 that runs: pyenv's, then whatever python3.13 is on PATH (a pyenv shim
# on PATH fails when 3.13 is not the selected version, hence the check).
PYTHON313 := $(shell for p in $(HOME)/.pyenv/versions/3.13*/bin/python3.13 $$(command -v python3.13); do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null && { echo "$$p"; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit integration e2e e2e-push template chaos bench multi-store clean

CHAOS_SEED ?= 7
CHAOS_EVENTS ?= 1000

$(STAMP): requirements-dev.txt layers/deps/requirements.txt pyproject.toml
	@test -n "$(PYTHON313)" || { echo "Python 3.13 not found (pyenv install 3.13.0, or put python3.13 on PATH)"; exit 1; }
	@test -x $(PY) || $(PYTHON313) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

demo: $(STAMP)
	$(PY) -m local.demo

test: $(STAMP) lint typecheck
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check shared functions local tests bench
	$(VENV)/bin/ruff format --check shared functions local tests bench
	$(VENV)/bin/lint-imports  # the layering contracts in pyproject.toml ([tool.importlinter])

typecheck: $(STAMP)
	$(VENV)/bin/mypy shared/xerosync functions local bench

unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

integration: $(STAMP)
	$(PY) -m pytest -q tests/integration

e2e: $(STAMP)
	$(PY) -m pytest -q tests/e2e

chaos: $(STAMP)
	$(PY) -m local.chaos --seed $(CHAOS_SEED) --events $(CHAOS_EVENTS)

# `xerosync push` of 2,000 historical orders, each landing exactly once (make test pushes 100):
# about ten minutes on a 2-core machine while each order costs several Xero calls.
e2e-push: $(STAMP)
	XEROSYNC_PUSH_ORDERS=2000 $(PY) -m pytest -q tests/e2e/test_push.py

# Throughput, Xero quota and AWS cost figures (bench/README.md); not part of `make test`.
# Options: make bench BENCH_ARGS="--orders 2000 --scale 60" (python -m bench --help).
BENCH_ARGS ?=
bench: $(STAMP)
	$(PY) -m bench $(BENCH_ARGS)

# Two stacks (two stores) into one Xero organisation on one shared rate budget: 200 orders each,
# one document per request (~1,600 Xero calls at the organisation's 60 a minute: ~15 minutes on a
# clock twice the wall's); asserts 0 429s, <= 60 calls in any minute, <= 5 in flight, all drained.
# make test runs a light one (tests/integration/test_multistore.py). Options: python -m bench.multistore --help
MULTISTORE_ARGS ?=
multi-store: $(STAMP)
	$(PY) -m bench.multistore $(MULTISTORE_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache local/.run
