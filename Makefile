# Groundwork: the one list of commands. `make demo` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-groundwork
TRAINER_STAMP := $(VENV)/.installed-trainer

.PHONY: install demo serve test test-unit test-integration lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[api,worker,postgres,demo,test]'
	touch $(STAMP)

# The trainer's torch (a multi-GB install): the tests and benchmarks need it, the demo does not. pip, never uv:
# pip takes torch and torchvision from this machine's disk.
$(TRAINER_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[trainer]'
	touch $(TRAINER_STAMP)

install: $(STAMP) $(TRAINER_STAMP)

demo: $(STAMP)
	$(PY) -m demo.run

# The service left running for a browser: the requester console and the worker portal (Ctrl+C stops it).
serve: $(STAMP)
	$(PY) -m demo.serve

lint: $(STAMP)
	$(PY) -m ruff check .

test: $(TRAINER_STAMP) lint
	$(PY) -m pytest

test-unit: $(TRAINER_STAMP)
	$(PY) -m pytest tests/unit tests/test_architecture.py

test-integration: $(TRAINER_STAMP)
	$(PY) -m pytest tests/integration tests/e2e tests/crash tests/dropin

bench: $(TRAINER_STAMP)
	$(PY) bench/ingest.py --workers 2
	$(PY) bench/ingest.py
	$(PY) bench/serve.py
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) bench/consolidation.py
	$(PY) bench/active_learning.py

clean:
	rm -rf var .pytest_cache
