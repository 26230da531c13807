# Saglam — the two commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2
LOCALE := src/saglam/web/locale

.PHONY: demo test lint types contracts pytest bench setup clean fhir-examples browser messages

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
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools

types: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) -q

## bench: every benchmark script; figures printed and written to benchmarks/results/
bench: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || (command -v apt-get >/dev/null 2>&1 && apt-get install -y -qq wrk >/dev/null) \
		|| echo "wrk is not installed: the HTTP load figures are skipped" >&2
	$(BIN)/python -m benchmarks.run_all

## messages: extract the web UI's texts into locale/messages.pot and update the az and ru catalogues
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --project=Saglam --sort-by-file -o $(LOCALE)/messages.pot .
	$(BIN)/pybabel update -i $(LOCALE)/messages.pot -d $(LOCALE) -l az --init-missing --no-fuzzy-matching
	$(BIN)/pybabel update -i $(LOCALE)/messages.pot -d $(LOCALE) -l ru --init-missing --no-fuzzy-matching

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
