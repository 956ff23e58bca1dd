# fs-scm-sync: `make run` serves the app locally, `make test` runs the whole suite.
# Both install what they need first: a virtualenv from requirements*.txt, Azurite from package.json. `make run`
# installs only what running needs (requirements-run.txt); `make test` adds the tools (requirements-dev.txt).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
RUN_OK := $(VENV)/.installed-run
PY_OK  := $(VENV)/.installed
NODE_OK := node_modules/.installed
SCAN    := .venv-scan
SCAN_OK := $(SCAN)/.installed

.PHONY: install run test test-long soak lint bench bench-lists clean package scan-tools

install: $(PY_OK) $(NODE_OK)

$(RUN_OK): requirements.txt requirements-run.txt pyproject.toml
	@echo "==> Python packages to run the app into $(VENV)/"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements-run.txt
	$(PY) -m pip install --quiet --no-deps -e .   # the fs-scm-sync command
	@touch $@

$(PY_OK): $(RUN_OK) requirements-dev.txt
	@echo "==> Test and lint tools into $(VENV)/"
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

$(NODE_OK): package.json package-lock.json
	@echo "==> Azurite into node_modules/ (npm ci)"
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# checkov (the static scan of deploy/ that `make test` runs) in a virtualenv of its own: its pins conflict with
# the dev tools' (see requirements-scan.txt).
scan-tools: $(SCAN_OK)

$(SCAN_OK): requirements-scan.txt
	@echo "==> checkov into $(SCAN)/"
	$(PYTHON) -m venv $(SCAN)
	$(SCAN)/bin/pip install --quiet -r requirements-scan.txt
	@touch $@

# Other ports, e.g. beside another `make run`: make run ARGS="--port 7072 --azurite-ports 10010,10011,10012"
ARGS ?=

run: $(RUN_OK) $(NODE_OK)
	$(PY) -m devtools.run $(ARGS)

# Two worker processes, each with its own Azurite and host; a test file stays on one worker, and the files are
# handed out in the order tests/conftest.py puts them (those with a slow test first), not by their test count.
PYTEST_ARGS ?= -n 2 --dist loadfile --no-loadscope-reorder

# The installs wait mostly on downloads and the disk, and lint needs only the virtualenv: npm ci and checkov's
# virtualenv are made while the dev virtualenv is installed and linted.
test:
	@$(MAKE) --no-print-directory --jobs=3 --output-sync=target lint $(NODE_OK) scan-tools
	$(PY) -m pytest $(PYTEST_ARGS)

# The chaos test `make test` leaves out (3-7 minutes): three hosts on one Azurite, one killed every 10 s.
# CI runs it after `make test` (.ci/run); CHAOS_SECONDS=60 make test-long for a shorter run.
test-long: install
	$(PY) -m pytest -m long -s

# The soak tests `make test` leaves out (10-25 minutes on 2 cores): a backlog of 10,000 changes drained.
soak: install
	$(PY) -m pytest -m soak -s

# The zip that is deployed (dist/app.zip): the app without the local tooling; see docs/deploying.md.
package: $(RUN_OK)
	$(PY) -m deploy.template   # the template's tables and queues, from the entity registry
	$(PY) -m deploy.package

lint: $(PY_OK)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .   # also the Python blocks of README.md and docs/*.md
	$(PY) -m mypy
	$(VENV)/bin/lint-imports --no-cache   # the layers contract in pyproject.toml

# On demand, never part of `make test` (10-20 minutes); e.g. make bench ARGS="--n 100 --recovery-rows 1000,10000"
bench: install
	$(PY) -m bench $(ARGS)

# The lists (near=, q=) at 1,000 / 10,000 / 30,000 records per entity in one company (about 4 minutes, most of it
# filling; 100,000 takes over 30: Azurite slows as the word index grows); e.g. make bench-lists ARGS="--sizes 1000,10000"
bench-lists: install
	$(PY) -m bench.lists $(ARGS)

clean:
	rm -rf $(VENV) $(SCAN) dist node_modules .azurite* .pytest_cache .mypy_cache .ruff_cache .hypothesis
