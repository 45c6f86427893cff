# Collection standards: Galaxy / Automation Hub checks for changegate.itsm.
# Included by the Makefile (`include mk/collection.mk`); it relies on the Makefile's VENV, PY,
# STAMP and exported PATH / SSL_CERT_FILE / ANSIBLE_COLLECTIONS_PATH, with fallbacks so that
# `make -f mk/collection.mk TARGET` also works on its own.
#
#   make build             dist/: the collection tarball, the Python wheel and sdist
#   make sanity            ansible-test sanity on the built tarball (offline; scripts/ansible_test_sanity.sh)
#   make collection-lint   ansible-lint (production profile) on the repo, docs and plugin examples;
#                          antsibull-changelog lint; antsibull-docs lint-collection-docs
#   make docs              write plugins/doc_fragments/options.py from the options table, then
#                          render docs/plugins/*.md from the plugins (ansible-doc JSON -> Markdown)
#   make docs-check        fail when either is not what `make docs` would write
#   make ee-check          ansible-builder create (no container build) + introspection of the tarball
#   make changelog VERSION=X.Y.Z   record changelogs/fragments/ as release X.Y.Z, regenerate CHANGELOG.rst
#   make collection-check  all the checks above (the tests in tests/integration/collection/ run
#                          the same commands inside `pytest`)
VENV ?= .venv
PY ?= $(VENV)/bin/python
DIST ?= dist
COLLECTION_TMP ?= $(or $(TMPDIR),/tmp)
export SSL_CERT_FILE ?= /etc/ssl/certs/ca-certificates.crt
export ANSIBLE_COLLECTIONS_PATH ?= $(CURDIR)/collections
COLLECTION_PATH := PATH="$(abspath $(VENV))/bin:$$PATH"

.PHONY: build sanity collection-lint docs docs-check ee-check changelog collection-check

build: $(STAMP) ## Collection tarball + Python wheel and sdist into dist/
	@mkdir -p $(DIST)
	$(VENV)/bin/ansible-galaxy collection build --force --output-path $(DIST) .
	uv build --quiet --out-dir $(DIST) .

sanity: $(STAMP) ## ansible-test sanity on the built collection (offline)
	PYTHON=$(PY) bash scripts/ansible_test_sanity.sh

collection-lint: $(STAMP) ## ansible-lint (production) on playbooks, docs and plugin examples
	$(COLLECTION_PATH) $(VENV)/bin/ansible-lint
	$(COLLECTION_PATH) $(PY) scripts/lint_doc_examples.py
	$(VENV)/bin/antsibull-changelog lint
	cd collections/ansible_collections/changegate/itsm && \
	  $(COLLECTION_PATH) $(abspath $(VENV))/bin/antsibull-docs lint-collection-docs --plugin-docs .

docs: $(STAMP) ## Write the options doc fragment, render docs/plugins/*.md from the plugins
	$(PY) scripts/write_doc_fragment.py
	$(COLLECTION_PATH) $(PY) scripts/render_plugin_docs.py

docs-check: $(STAMP) ## Fail when the doc fragment or docs/plugins/ differs from what `make docs` writes
	$(PY) scripts/write_doc_fragment.py --check
	$(COLLECTION_PATH) $(PY) scripts/render_plugin_docs.py --check

ee-check: $(STAMP) ## Validate execution-environment.yml (ansible-builder create) and the collection's EE metadata
	@set -e; tmp=$$(mktemp -d $(COLLECTION_TMP)/changegate-ee.XXXXXX); trap 'rm -rf $$tmp' EXIT; \
	  $(VENV)/bin/ansible-builder create -f execution-environment.yml -c $$tmp/context; \
	  $(VENV)/bin/ansible-galaxy collection build --force --output-path $$tmp/dist . >/dev/null; \
	  ANSIBLE_COLLECTIONS_PATH=$$tmp/install $(VENV)/bin/ansible-galaxy collection install --offline --force \
	    -p $$tmp/install $$tmp/dist/*.tar.gz >/dev/null; \
	  $(VENV)/bin/ansible-builder introspect --sanitize $$tmp/install

changelog: $(STAMP) ## Release the fragments as VERSION (make changelog VERSION=X.Y.Z)
	@test -n "$(VERSION)" || { echo "usage: make changelog VERSION=X.Y.Z" >&2; exit 1; }
	$(COLLECTION_PATH) $(VENV)/bin/antsibull-changelog release --version $(VERSION)

collection-check: sanity collection-lint docs-check ee-check ## Every collection-standards check
