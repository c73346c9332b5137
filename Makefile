# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench clean

# Quiet (no command echoed, pip --quiet) so that `make run` on a fresh clone prints one line:
# the address of the sandbox page. pip still says what went wrong, if anything does.
$(STAMP): pyproject.toml
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/pip install --quiet --disable-pip-version-check -e ".[test]"
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
