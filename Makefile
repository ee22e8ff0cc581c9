# Two commands do all the set-up: `make run` and `make test` create the
# virtual environment on first use (and refresh it when pyproject.toml changes).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@echo "compiling the engine (numba, about 30 s, once per install) ..."
	$(BIN)/detente simulate korea --episodes 1 --rounds 1 --format json > /dev/null
	touch $(STAMP)

run: $(STAMP)  ## the main job: a Monte Carlo forecast of the Korean Peninsula scenario
	$(BIN)/detente simulate korea

test: $(STAMP)  ## the whole test suite
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/engine.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
