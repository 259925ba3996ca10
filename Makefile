# The two commands of the README: `make run` and `make test`. Everything else is their plumbing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test system-deps venv pbx-up pbx-down bench clean

run: system-deps venv
	$(BIN)/hotline prompts build
	$(BIN)/hotline pbx up
	$(BIN)/hotline db upgrade
	$(BIN)/hotline run --demo

test: system-deps venv
	$(BIN)/hotline pbx build
	$(BIN)/hotline prompts build
	$(BIN)/python -m pytest -p no:cacheprovider

system-deps:
	@./scripts/system-deps.sh

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

pbx-down: venv
	$(BIN)/hotline pbx down

bench: venv
	$(BIN)/python bench/ami_pipeline.py

clean:
	rm -rf $(VENV) var
