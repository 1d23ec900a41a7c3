# The two commands a new user needs: `make serve` and `make test`. Both create .venv when it is
# missing and (re)install when pyproject.toml changes, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV   ?= .venv
HOST   ?= 127.0.0.1
PORT   ?= 5000
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install serve test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

serve: install
	$(BIN)/comgraph serve data/demo --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src app tests benchmarks

bench: install
	$(BIN)/python benchmarks/load.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
