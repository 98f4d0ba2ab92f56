# xerosync - the two commands a fresh machine needs are `make demo` and `make test`.
# Each creates .venv (Python 3.13) and installs the pinned packages first.

# The first Python 3.13 that runs: pyenv's, then whatever python3.13 is on PATH (a pyenv shim
# on PATH fails when 3.13 is not the selected version, hence the check).
PYTHON313 := $(shell for p in $(HOME)/.pyenv/versions/3.13*/bin/python3.13 $$(command -v python3.13); do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null && { echo "$$p"; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit integration e2e e2e-push screenshots template chaos bench bench-quick multi-store clean deploy-check build lock

CHAOS_SEED ?= 7
CHAOS_EVENTS ?= 1000
# make chaos CHAOS_SOURCE=shopify: the Shopify run (local/chaos_shopify.py); amazon: the settlements
# run (local/chaos_amazon.py, a tenth of CHAOS_EVENTS as settlements); zoho: the Zoho CRM run
# (local/chaos_zoho.py: about CHAOS_EVENTS CRM records and edits, e.g. CHAOS_EVENTS=200)
CHAOS_SOURCE ?= woocommerce

$(STAMP): requirements-dev.txt layers/deps/requirements.in pyproject.toml
	@test -n "$(PYTHON313)" || { echo "Python 3.13 not found (pyenv install 3.13.0, or put python3.13 on PATH)"; exit 1; }
	@test -x $(PY) || $(PYTHON313) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

demo: $(STAMP)
	$(PY) -m local.demo

# pytest spreads the tests over the cores (pytest-xdist, at most 4 workers; tests/parallel.py)
test: $(STAMP) lint typecheck
	$(PY) -m pytest -q
	$(MAKE) --no-print-directory deploy-check

lint: $(STAMP)
	$(VENV)/bin/ruff check shared functions local tests bench deploy
	$(VENV)/bin/ruff format --check shared functions local tests bench deploy
	$(VENV)/bin/lint-imports  # the layering contracts in pyproject.toml ([tool.importlinter])

typecheck: $(STAMP)
	$(VENV)/bin/mypy shared/xerosync functions local bench deploy

# --- deploy-check: what AWS would get, checked without AWS (and without Docker) ------------------
# SAM CLI and checkov each pin a boto3 the dev environment cannot share, so each has its own
# virtualenv under .venv/tools, pinned in deploy/sam.txt and deploy/checkov.txt (installed together).
TOOLS := $(VENV)/tools
SAM := $(TOOLS)/sam/bin/sam
CHECKOV := $(TOOLS)/checkov/bin/checkov
TOOLS_STAMP := $(TOOLS)/.installed
BUILD_DIR := .aws-sam/build
SAM_ENV := SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 PATH="$(dir $(PYTHON313)):$$PATH"

$(TOOLS_STAMP): deploy/sam.txt deploy/checkov.txt
	@test -n "$(PYTHON313)" || { echo "Python 3.13 not found"; exit 1; }
	@rm -rf $(TOOLS)/sam $(TOOLS)/checkov
	$(PYTHON313) -m venv $(TOOLS)/sam
	$(PYTHON313) -m venv $(TOOLS)/checkov
	$(TOOLS)/checkov/bin/pip install --quiet --disable-pip-version-check -r deploy/checkov.txt & checkov=$$!; \
	$(TOOLS)/sam/bin/pip install --quiet --disable-pip-version-check -r deploy/sam.txt && wait $$checkov
	@touch $(TOOLS_STAMP)

# sam validate --lint, sam build (aarch64 wheels by hash, byte-compiled layers: layers/Makefile),
# the built artefacts' architecture, byte-code, dependencies and size (deploy/artefacts.py),
# cfn-lint on the template and its samtranslator output, checkov against the reviewed list of
# accepted findings (deploy/checkov-accepted.yaml).
deploy-check: $(STAMP) $(TOOLS_STAMP)
	$(SAM_ENV) $(SAM) validate --lint --template template.yaml
	$(MAKE) --no-print-directory build
	$(PY) -m deploy.artefacts $(BUILD_DIR)
	$(PY) -m deploy.checkov $(CHECKOV) .aws-sam/checkov
	$(VENV)/bin/cfn-lint template.yaml .aws-sam/checkov/template.json

# sam build, without Docker, into .aws-sam/build (what sam deploy would upload)
build: $(TOOLS_STAMP)
	rm -rf $(BUILD_DIR)
	@mkdir -p .aws-sam
	$(SAM_ENV) $(SAM) build --template template.yaml --build-dir $(BUILD_DIR) > .aws-sam/build.log 2>&1 \
		|| { tail -n 40 .aws-sam/build.log; exit 1; }
	@grep -m1 "Build Succeeded" .aws-sam/build.log

# The DepsLayer's hashed lock (layers/deps/requirements.txt) from its direct dependencies
# (layers/deps/requirements.in): every package, transitive ones included, with the hashes of
# every file of its version. Run after editing requirements.in; not part of make test.
lock: $(STAMP)
	@test -x $(TOOLS)/pip-tools/bin/pip-compile || { $(PYTHON313) -m venv $(TOOLS)/pip-tools && \
		$(TOOLS)/pip-tools/bin/pip install --quiet -r deploy/pip-tools.txt; }
	cd layers/deps && ../../$(TOOLS)/pip-tools/bin/pip-compile --quiet --generate-hashes --strip-extras \
		--no-emit-index-url --no-emit-find-links --output-file requirements.txt requirements.in

unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

integration: $(STAMP)
	$(PY) -m pytest -q tests/integration

e2e: $(STAMP)
	$(PY) -m pytest -q tests/e2e

chaos: $(STAMP)
	$(PY) -m local.chaos$(if $(filter shopify amazon zoho,$(CHAOS_SOURCE)),_$(CHAOS_SOURCE),) --seed $(CHAOS_SEED) --events $(CHAOS_EVENTS)

# `xerosync push` of 2,000 historical orders, each landing exactly once (make test pushes 100):
# about ten minutes on a 2-core machine while each order costs several Xero calls.
# The console's pictures in docs/console/ (README.md shows them), made by its browser tests; a plain
# test run takes them too, into a temporary folder, and leaves the tree as it was.
screenshots: $(STAMP)
	XEROSYNC_SCREENSHOTS=1 $(PY) -m pytest -q tests/console/test_browser.py

e2e-push: $(STAMP)
	XEROSYNC_PUSH_ORDERS=2000 $(PY) -m pytest -q tests/e2e/test_push.py

# Throughput, Xero quota, burst, real-time and AWS cost figures (bench/README.md); not part of
# `make test`. make bench-quick: a few minutes (smaller parts, no 30,000-order day).
# Options: make bench BENCH_ARGS="--only burst" (python -m bench --help).
BENCH_ARGS ?=
bench: $(STAMP)
	@test -f $(BUILD_DIR)/template.yaml || $(MAKE) --no-print-directory build  # the import figures read it
	$(PY) -m bench $(BENCH_ARGS)

bench-quick:
	$(MAKE) --no-print-directory bench BENCH_ARGS="--quick $(BENCH_ARGS)"

# Two stacks (a WooCommerce store and a Shopify store) into one Xero organisation on one shared rate
# budget: 200 orders each, one document per request (~1,600 Xero calls at the organisation's 60 a
# minute: ~15 minutes on a clock twice the wall's); asserts 0 429s, <= 60 calls in any minute, <= 5 in
# flight, all drained. MULTISTORE_ARGS="--sources woocommerce,woocommerce" for two WooCommerce stores.
# make bench runs a smaller one (its multistore part); make test a light one
# (tests/integration/test_multistore.py). Options: python -m bench.multistore --help
MULTISTORE_ARGS ?=
multi-store: $(STAMP)
	$(PY) -m bench.multistore $(MULTISTORE_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache local/.run .aws-sam
