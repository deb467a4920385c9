# govmail — two commands for a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORPUS ?= ../shared/corpus

.PHONY: run test lint format deps clean-var bench

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "govmail needs Python 3.11 or newer (found: $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	@scripts/check-system-deps
	$(BIN)/pip install -q -e '.[test]'
	@touch $(STAMP)

deps: $(STAMP)

## make run: create .venv, install, initialise var/, import the samples, run the gateway.
run: $(STAMP)
	$(BIN)/govmail init
	@if [ -d "$(CORPUS)" ]; then \
	  echo "importing the sample messages in $(CORPUS)"; \
	  $(BIN)/govmail import "$(CORPUS)"; \
	else \
	  echo "importing the bundled sample messages"; \
	  $(BIN)/govmail import samples/; \
	fi
	$(BIN)/govmail stats
	@echo "govmail serve: SMTP on 127.0.0.1:2525; try from a second terminal:"
	@echo "  swaks --server 127.0.0.1:2525 --from ai@gmail.com --to vanthu@ninhthuan.gov.vn"
	exec $(BIN)/govmail serve

## make test: install test dependencies and run the whole suite.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/policy.py
	$(BIN)/python benchmarks/gateway.py

clean-var:
	rm -rf var/
