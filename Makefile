# Entry points for people and CI. Every target installs what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
PYTHON      := $(VENV)/bin/python
STACK       := scripts/conductor-stack
KUBE_STACK  := scripts/kube-stack
CONFIG_DIR  ?= config
APP_ENV     ?= local
TOOLS_BIN   := $(CURDIR)/.tools/bin
MERMAID     := tests/support/mermaid
ACTIONLINT_VERSION := v1.7.7

export PATH := $(TOOLS_BIN):$(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: help venv setup demo down status test check fuzz

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml scripts/install-migrator
	python3 -m venv $(VENV)
	scripts/install-migrator $(VENV) '.[test]' --editable
	touch $@

venv: $(VENV)/.installed ## Create the virtualenv with the migrator and the test tools

.venv-checkov/.installed:
	python3 -m venv .venv-checkov
	.venv-checkov/bin/pip install -q checkov
	touch $@

# The real Mermaid parser (npm's mermaid, with jsdom), for the test that checks every diagram
# `plan --format markdown` draws; versions pinned by tests/support/mermaid/package-lock.json
# (install-system-deps first: it brings node and npm).
$(MERMAID)/node_modules/.installed: $(MERMAID)/package.json $(MERMAID)/package-lock.json
	scripts/install-system-deps
	npm ci --prefix $(MERMAID) --no-audit --no-fund
	touch $@

$(TOOLS_BIN)/actionlint:
	GOBIN=$(TOOLS_BIN) go install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

setup: venv .venv-checkov/.installed $(TOOLS_BIN)/actionlint $(MERMAID)/node_modules/.installed ## Install everything the test suite runs for real
	scripts/install-system-deps
	$(STACK) fetch
	$(KUBE_STACK) build

# config/ is written for production's Conductor 3.15 (it states no target, so 3.15 is the
# default); the demo's server is conductor-oss 3.32.3, so the demo deploys with that
# server's target: checks and comparison are the server's own. `validate` (CI) keeps
# checking config/ for 3.15.
# A second `make demo` reuses the server the first one left running (up --reuse says so);
# a failed `up` stops here, with its own message.
demo: venv ## Start a local Conductor (embedded), deploy config/ to it and run its workflow tests
	$(STACK) fetch --profile embedded
	@started="$$($(STACK) up --profile embedded --reuse)" || exit 1; \
	  eval "$$(printf '%s\n' "$$started" | tail -n 1)"; \
	  export CONDUCTOR_BASE_URL APP_ENV=$(APP_ENV); \
	  $(VENV)/bin/workflow-migrator deploy --config-dir $(CONFIG_DIR) --target conductor-oss-3.2x --log-format text && \
	  $(VENV)/bin/workflow-migrator test --config-dir $(CONFIG_DIR) --log-format text && \
	  echo && echo "Conductor is running at $$CONDUCTOR_BASE_URL" && \
	  echo "  list the workflows: curl -s $$CONDUCTOR_BASE_URL/api/metadata/workflow" && \
	  echo "  preview a change:   CONDUCTOR_BASE_URL=$$CONDUCTOR_BASE_URL $(VENV)/bin/workflow-migrator plan --config-dir $(CONFIG_DIR)" && \
	  echo "  run the tests:      CONDUCTOR_BASE_URL=$$CONDUCTOR_BASE_URL $(VENV)/bin/workflow-migrator test --config-dir $(CONFIG_DIR)" && \
	  echo "  stop it:            make down"

down: ## Stop the local Conductor started by make demo
	$(STACK) down

status: ## Show the local Conductor started by make demo
	$(STACK) status

check: venv ## Run ruff and mypy --strict over all the Python of the repository (scripts/check)
	PYTHON=$(PYTHON) scripts/check

# The static checks first: a lint or type finding fails in seconds, before any server starts.
test: setup check ## Run the static checks, then the whole test suite (starts and stops its own servers)
	$(PYTHON) -m pytest

fuzz: venv ## Run the fuzz properties long (HYPOTHESIS_PROFILE=long; docs/fuzzing.md)
	HYPOTHESIS_PROFILE=long $(PYTHON) -m pytest -m fuzz --hypothesis-show-statistics
