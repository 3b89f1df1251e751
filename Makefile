# Lắng Nghe: `make run` starts everything on SQLite; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test lint bench system-packages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

run: $(STAMP)
	DEMO=$${DEMO:-true} $(BIN)/langnghe run   # demo logins, random passwords printed once

system-packages:
	@bash scripts/system-packages.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy nlu storage handlers bot web

test: system-packages $(STAMP) lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench.nlu
	$(BIN)/python -m bench.intake
	$(BIN)/python -m bench.abuse
	$(BIN)/python -m bench.load
	$(BIN)/python -m bench.capacity

clean:
	rm -rf $(VENV) var nlu/model
