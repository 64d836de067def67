# Two commands on a fresh machine with python3 and make: `make demo` (slakeeper running with
# 90 days of history, live tickets and local notification sinks: docs/demo.md) and `make test`.
# `make demo-showcase` runs the CLI showcase (examples/showcase.sh).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

CORE_SOURCES := $(wildcard src/slakeeper/core/*.py) src/slakeeper/services/evaluations.py src/slakeeper/services/replay.py src/slakeeper/services/business_time.py src/slakeeper/analytics/codes.py src/slakeeper/analytics/facts.py src/slakeeper/services/marks.py
COMPILED := src/slakeeper/core/_compiled.json

.PHONY: install pure demo demo-showcase test lint bench lock clean screenshots

install: $(STAMP) $(COMPILED)

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip==25.3
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The hot core modules compiled with mypyc (pure Python when no C compiler is present).
$(COMPILED): $(STAMP) $(CORE_SOURCES) scripts/compile_core.py
	$(BIN)/python scripts/compile_core.py

# Use the pure-Python core (e.g. while editing it); `make install` compiles it again.
pure: $(STAMP)
	SLAKEEPER_PURE=1 $(BIN)/python scripts/compile_core.py
	rm -f $(COMPILED)

demo: install
	$(BIN)/slakeeper demo

demo-showcase: install
	@bash examples/showcase.sh

test: install
	$(BIN)/python -m pytest

# The README's console screenshots (docs/screenshots/), from a simulated history; needs
# Debian's chromium. Only this target writes them: `make test` never changes tracked files.
screenshots: install
	$(BIN)/python scripts/screenshots.py

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy --strict src/slakeeper/core

bench: install
	$(BIN)/python bench/business_time.py
	$(BIN)/python bench/replay.py
	$(BIN)/python bench/simulate.py --million
	$(BIN)/python bench/service_ingest.py --workers 2

# Refresh requirements.lock from pyproject.toml's pins (run after changing a pin).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install -q --upgrade pip==25.3
	.lock-venv/bin/python -m pip install -q '.[dev,bench]'
	.lock-venv/bin/python -m pip freeze --all --exclude slakeeper --exclude pip > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build src/*.egg-info
	rm -f src/slakeeper/core/*.so src/*__mypyc*.so $(COMPILED)
