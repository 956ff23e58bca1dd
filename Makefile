# fs-scm-sync: `make run` serves the app locally, `make test` runs the whole suite.
# Both install what they need first: a virtualenv from requirements*.txt, Azurite from package.json.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PY_OK  := $(VENV)/.installed
NODE_OK := node_modules/.installed

.PHONY: install run test lint bench clean

install: $(PY_OK) $(NODE_OK)

$(PY_OK): requirements.txt requirements-dev.txt pyproject.toml
	@echo "==> Python packages into $(VENV)/"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .   # the fs-scm-sync command
	@touch $@

$(NODE_OK): package.json package-lock.json
	@echo "==> Azurite into node_modules/ (npm ci)"
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Other ports, e.g. beside another `make run`: make run ARGS="--port 7072 --azurite-ports 10010,10011,10012"
ARGS ?=

run: install
	$(PY) -m devtools.run $(ARGS)

test: install lint
	$(PY) -m pytest

lint: $(PY_OK)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules .azurite .pytest_cache .mypy_cache .ruff_cache .hypothesis
