# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench clean

# Quiet, so that `make run` on a fresh clone prints one line: the address of the sandbox page.
# No command is echoed, and what pip says (warnings included) goes to .venv/install.log, shown
# only when the set-up fails.
PIP := $(BIN)/pip install --quiet --disable-pip-version-check
INSTALL_LOG := $(VENV)/install.log

$(STAMP): pyproject.toml
	@$(PYTHON) -m venv $(VENV)
	@{ $(PIP) --upgrade pip && $(PIP) -e ".[test]"; } >$(INSTALL_LOG) 2>&1 \
		|| { cat $(INSTALL_LOG) >&2; echo "Setting up $(VENV) failed (above; kept in $(INSTALL_LOG))" >&2; exit 1; }
	@touch $(STAMP)

run: $(STAMP)  ## run the app (HTTP on $$PORT); without Slack credentials, the sandbox page
	@$(BIN)/partnercheck run

test: $(STAMP)  ## lint, then every test (PostgreSQL ones need TEST_DATABASE_URL)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)  ## the benchmarks in tests/benchmarks (print figures; not part of `make test`)
	$(BIN)/python -m tests.benchmarks $(ONLY)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
