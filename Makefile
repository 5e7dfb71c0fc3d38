# Everything runs from .venv, which the first target that needs it creates.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test lint pytest tools serve bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "driftmgr needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) --version 2>&1)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

## demo: a moto "cloud", a Terraform state, out-of-band changes, and the drift driftmgr finds
demo: $(STAMP)
	$(BIN)/python docs/examples/demo/aws_drift.py

## test: lint, type-check and run the whole test suite
test: lint pytest

lint: $(STAMP)
	$(BIN)/ruff check driftmgr tests benchmarks docs
	$(BIN)/mypy

pytest: $(STAMP) tools
	$(BIN)/pytest -q

## tools: azurite (Azure Blob emulator, from npm) for the azurerm backend tests, when npm exists
tools:
	@if [ -x .tools/node_modules/.bin/azurite-blob ]; then :; \
	elif command -v npm >/dev/null 2>&1; then \
		npm install --silent --no-fund --no-audit --prefix .tools azurite@3 >/dev/null || \
		echo "note: could not install azurite; its tests will be skipped"; \
	else echo "note: npm not found; the azurite (Azure Blob) tests will be skipped"; fi

## serve: the API on http://127.0.0.1:8000 (OpenAPI at /schema)
serve: $(STAMP)
	$(BIN)/driftmgr serve

## bench: print the measured ratios of benchmarks/
bench: $(STAMP)
	$(BIN)/python benchmarks/eventstore.py

clean:
	rm -rf $(VENV) .tools .driftmgr .pytest_cache .mypy_cache .ruff_cache
