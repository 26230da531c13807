# Saglam — the two commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: demo test lint types contracts pytest bench setup clean fhir-examples browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

## demo: build a small synthetic country in SQLite and serve it on http://127.0.0.1:8000
demo: $(STAMP)
	$(BIN)/saglam demo

## test: lint, types, import contracts and the whole suite (SQLite, and PostgreSQL when configured)
test: $(STAMP) fhir-examples lint types contracts pytest

# The official HL7 R4B examples (npm registry), used by the FHIR tests; fetched once into .cache/.
FHIR_EXAMPLES := .cache/fhir-examples/package/Patient-example.json
FHIR_EXAMPLES_URL := https://registry.npmjs.org/hl7.fhir.r4b.examples/-/hl7.fhir.r4b.examples-4.3.0.tgz
fhir-examples: $(FHIR_EXAMPLES)
$(FHIR_EXAMPLES):
	mkdir -p .cache/fhir-examples
	curl -sSfL --retry 3 -o .cache/fhir-examples.tgz $(FHIR_EXAMPLES_URL)
	tar xzf .cache/fhir-examples.tgz -C .cache/fhir-examples
	rm -f .cache/fhir-examples.tgz

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

types: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) -q

## bench: every benchmark script; figures printed and written to benchmarks/results/
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
