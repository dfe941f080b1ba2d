# audiomi — the two commands are `make demo` and `make test`; everything else is a step they use.
SHELL   := /bin/bash
PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.audiomi-installed
PYTEST_ARGS ?=

.PHONY: help install demo test check-sync export clean-nbs readme bench clean

help:
	@echo "make demo   - install (into $(VENV)) and run the main job on data_subset/"
	@echo "make test   - install and run every test (notebooks, integration, papermill templates)"
	@echo "make export / clean-nbs / readme / check-sync / bench"

# (re)install when the packaging files change; pip's cache makes repeated installs quick
$(STAMP): setup.py settings.ini pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/audiomi demo --config configs/demo.yaml

test: $(STAMP) check-sync
	$(BIN)/python -m pytest tests $(PYTEST_ARGS)

# notebooks clean, package exported from them, README rendered from index.ipynb: all must leave no change
check-sync: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" bash tools/check_sync.sh

export: $(STAMP)
	$(BIN)/nbdev_export

clean-nbs: $(STAMP)
	$(BIN)/nbdev_clean && $(BIN)/nbdev_clean --fname runs

readme: $(STAMP)
	$(BIN)/python tools/nb2readme.py

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_features.py
	$(BIN)/python benchmarks/bench_mi.py

clean:
	rm -rf results .pytest_cache
