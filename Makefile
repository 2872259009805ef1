# Groundwork: the one list of commands. `make demo` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-groundwork

.PHONY: install demo test test-unit test-integration lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[api,worker,postgres,demo,test]'
	# The trainer's torch with pip, never uv: pip takes torch and torchvision from this machine's disk.
	$(PY) -m pip install --quiet -e '.[trainer]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m demo.run

lint: $(STAMP)
	$(PY) -m ruff check .

test: $(STAMP) lint
	$(PY) -m pytest

test-unit: $(STAMP)
	$(PY) -m pytest tests/unit tests/test_architecture.py

test-integration: $(STAMP)
	$(PY) -m pytest tests/integration tests/e2e tests/crash

bench: $(STAMP)
	$(PY) bench/ingest.py --workers 2
	$(PY) bench/ingest.py
	$(PY) bench/serve.py
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) bench/consolidation.py
	$(PY) bench/active_learning.py

clean:
	rm -rf var .pytest_cache
