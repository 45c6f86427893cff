# changegate — the two set-up commands are `make demo` and `make test`.
# Both build .venv on a fresh machine (uv, from PyPI) and are idempotent.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
# The registries' CA chain is in the system bundle, not in certifi (see shared/ENVIRONMENT.md).
export SSL_CERT_FILE ?= /etc/ssl/certs/ca-certificates.crt
export UV_LINK_MODE ?= copy
export CHECKPOINT_DISABLE := 1
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/collections
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: help venv demo test lint types unit clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv
	@test -x $(PY) || uv venv --quiet --python python3 $(VENV)
	uv pip install --quiet --python $(PY) -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP) ## Build .venv if it is missing or pyproject.toml changed

demo: $(STAMP) ## Run the main job end to end on a throw-away SQLite store
	@$(PY) -m drift.cli.demo

lint: $(STAMP) ## ruff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

types: $(STAMP) ## mypy (strict on the cores)
	$(VENV)/bin/mypy change_control drift cmdb_sync

unit: $(STAMP) ## pytest only
	$(VENV)/bin/pytest -q

test: $(STAMP) lint types ## Every check: lint, types, the whole pytest suite
	$(VENV)/bin/pytest -q

clean: ## Remove the venv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info

# Galaxy / Automation Hub checks (build, sanity, collection-lint, docs, docs-check, ee-check,
# changelog). `make test` runs the same checks through pytest (tests/integration/collection/).
include mk/collection.mk
