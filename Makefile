# chatcart: `make run` serves the demo store, `make test` runs every check, `make drill` the failure drill.
# Each sets itself up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
# The test chat at /chat places real orders for anyone who reaches it: on here, off in `chatcart serve`.
CHATCART_WEB_CHAT ?= on

.PHONY: install run test lint bench understand drill clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	CHATCART_WEB_CHAT=$(CHATCART_WEB_CHAT) $(BIN)/chatcart serve --host $(HOST) --port $(PORT) --demo-catalog

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/python -m bench

# How many of the corpus's shopper messages are understood, per language and class (-v lists the misses).
understand: install
	$(BIN)/python -m bench.understand

# The failure drill: minutes long, so not part of `make test`. DRILL_ARGS="--outage 60" shortens it.
drill: install
	$(BIN)/python -m tests.drill $(DRILL_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
