# Two commands do all the set-up: `make run` and `make test` create the
# virtual environment on first use (and refresh it when pyproject.toml changes).
# `make run` installs only what the forecast needs (the core and `results`);
# `make test` adds the `dev` set (test tools, server, browser, RL, Ray, plots).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CORE := $(VENV)/.installed-core
DEV := $(VENV)/.installed-dev

.PHONY: run test lint bench clean

$(CORE): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "installing detente with its core dependencies and results (Parquet) ..."
	$(BIN)/python -m pip install --progress-bar on -e '.[results]'
	@echo "compiling the engine (numba, about 30 s, once per install) ..."
	$(BIN)/detente simulate korea --episodes 1 --rounds 1 --format json > /dev/null
	touch $(CORE)

$(DEV): $(CORE)
	@echo "installing the dev set: tests, linters, server, browser, RL, Ray, plots ..."
	$(BIN)/python -m pip install --progress-bar on -e '.[dev]'
	touch $(DEV)

run: $(CORE)  ## the main job: a Monte Carlo forecast of the Korean Peninsula scenario
	$(BIN)/detente simulate korea

test: $(DEV)  ## the whole test suite (DETENTE_TESTS narrows it: pytest arguments)
	$(BIN)/python -m pytest -q $(DETENTE_TESTS)

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(DEV)
	$(BIN)/python bench/engine.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
