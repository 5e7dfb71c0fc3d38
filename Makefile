# Everything runs from .venv, installed from uv.lock by the first target that needs it
# (docs/adr/0010-locked-dependencies.md). Only Python 3.11+ and make are needed up front.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# uv itself comes from the package index, pinned by hash in requirements/bootstrap.txt.
UV_HOME := .tools/uv
UV      := $(UV_HOME)/bin/uv
STAMP   := $(VENV)/.synced-$(shell cat pyproject.toml uv.lock | cksum | cut -d' ' -f1)
# Use this machine's interpreter; uv must never fetch a Python of its own.
export UV_PYTHON_DOWNLOADS := never

.PHONY: demo demo-web test test-fast test-latest lint pytest bytecode check-lock lock tools serve bench clean

$(UV): requirements/bootstrap.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "driftmgr needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) --version 2>&1)"; exit 1; }
	@test -x $(UV_HOME)/bin/python || $(PYTHON) -m venv $(UV_HOME)
	$(UV_HOME)/bin/python -m pip install --quiet --disable-pip-version-check \
		--require-hashes --no-deps -r requirements/bootstrap.txt
	@touch $(UV)

# --locked: a pyproject.toml changed without `make lock` is an error, not a silent re-resolve.
# --compile-bytecode: every driftmgr process (each CLI call of the e2e tests too) would
# otherwise compile its imports again wherever PYTHONDONTWRITEBYTECODE is set.
$(STAMP): pyproject.toml uv.lock $(UV)
	$(UV) sync --quiet --locked --all-extras --compile-bytecode --python $(PYTHON)
	@rm -f $(VENV)/.synced-*
	@touch $(STAMP)

## demo: a moto "cloud", a Terraform state, out-of-band changes, and the drift driftmgr finds
demo: $(STAMP)
	$(BIN)/python docs/examples/demo/aws_drift.py

## demo-web: the demo, then the web dashboard on its findings (prints the URL and a token)
demo-web: $(STAMP)
	$(BIN)/python docs/examples/demo/aws_drift.py --serve

## test: the lock check, lint, type-check and the whole suite (what CI runs)
test: check-lock lint pytest

## test-fast: unit tests only (pure logic: no servers, no terraform), for the edit-test loop
test-fast: $(STAMP) bytecode
	$(BIN)/pytest -q tests/unit -n 2

## test-latest: a fresh venv with the newest releases pyproject.toml allows, then lint and tests
test-latest: $(UV) tools
	rm -rf .venv-latest
	$(UV) venv --quiet .venv-latest --python $(PYTHON)
	VIRTUAL_ENV=.venv-latest $(UV) pip install --quiet --upgrade --compile-bytecode -e '.[dev]'
	VIRTUAL_ENV=.venv-latest $(UV) pip list --format freeze > .venv-latest/versions.txt
	.venv-latest/bin/ruff check driftmgr tests benchmarks docs
	.venv-latest/bin/mypy
	.venv-latest/bin/pytest -q -n 2

## check-lock: the packages in .venv are exactly those of uv.lock
check-lock: $(STAMP)
	$(UV) sync --quiet --locked --all-extras --compile-bytecode --check --python $(PYTHON)

## lock: re-resolve uv.lock to the newest releases pyproject.toml allows
lock: $(UV)
	$(UV) lock --upgrade

# Our own modules too (only what changed is compiled again), for the same reason.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q driftmgr tests benchmarks docs/examples

lint: $(STAMP)
	$(BIN)/ruff check driftmgr tests benchmarks docs
	$(BIN)/mypy

pytest: $(STAMP) tools bytecode
	$(BIN)/pytest -q -n 4 --dist worksteal --durations=20

## tools: azurite (Azure Blob emulator) from tools/package-lock.json, when npm exists
tools: tools/node_modules/.installed
tools/node_modules/.installed: tools/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --silent --no-fund --no-audit --prefix tools && touch $@ || \
		echo "note: could not install azurite; its tests will be skipped"; \
	else echo "note: npm not found; the azurite (Azure Blob) tests will be skipped"; fi

## serve: the API on http://127.0.0.1:8000 (OpenAPI at /schema)
serve: $(STAMP)
	$(BIN)/driftmgr serve

## bench: every benchmark at its real sizes, each printing its table of measured ratios
bench: $(STAMP)
	@for script in benchmarks/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .venv-latest .tools tools/node_modules .driftmgr .pytest_cache .mypy_cache .ruff_cache
