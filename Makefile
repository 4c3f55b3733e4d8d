# Two commands on a fresh machine: `make run` starts Cairn, `make test` passes every test.
# Each does all of its own set-up (scripts/setup.sh).

VENV := .venv
BIN := $(VENV)/bin
# TypeScript, pinned in package.json and package-lock.json, checks the app's JSDoc types.
TSC := node_modules/.bin/tsc
HOST ?= localhost
PORT ?= 8000

.PHONY: run serve test test-server lint format bench setup clean

run: setup
	$(BIN)/cairn serve --host $(HOST) --port $(PORT)

serve: setup
	$(BIN)/cairn serve --production --host $(HOST) --port $(PORT)

setup:
	@scripts/setup.sh

test:
	@scripts/setup.sh --browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(TSC) -p jsconfig.json
	$(TSC) -p jsconfig.worker.json
	$(BIN)/pytest

test-server: setup
	$(BIN)/pytest -m "not e2e"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(TSC) -p jsconfig.json
	$(TSC) -p jsconfig.worker.json

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench:
	@scripts/setup.sh --browser
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache instance
