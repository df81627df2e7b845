# The two commands a newcomer needs: `make run` and `make test`.
# Each creates .venv when missing; pip runs again only when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
BIN := $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test lint bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/catalog serve --demo-data

test: $(STAMP) chromium
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

bench: $(STAMP)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq -o DPkg::Lock::Timeout=300 wrk >/dev/null; } || { echo "Install wrk: sudo apt-get install -y wrk"; exit 1; }
	$(BIN)/python bench/run.py $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 chromium >/dev/null; \
	  else \
	    echo "Chromium is missing. Install it with: sudo apt-get install -y chromium"; exit 1; \
	  fi; \
	fi

.PHONY: chromium

# The README's screenshots, from the demo as it ships (Chromium, as for the tests).
screenshots: $(STAMP) chromium
	$(BIN)/python scripts/screenshots.py
.PHONY: screenshots
