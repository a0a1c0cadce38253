# Quick start: `make run` (serve on http://127.0.0.1:5000) and `make test` (whole suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
HOST   ?= 127.0.0.1
FLASK  := $(BIN)/flask --app service

.PHONY: run test install install-dev migrate lint clean browser screenshot bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files re-run pip only when the requirements change.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(FLASK) db upgrade

run: migrate
	$(FLASK) run --host $(HOST) --port $(PORT)

# Browser tests drive Debian's Chromium; install it when it is missing (needs root or sudo).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@test -x $(CHROMIUM) || { echo "installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; } \
	  || echo "could not install chromium: browser tests will skip (and fail under CI=true)"

# CI=true makes the PostgreSQL and browser suites mandatory (see tests/conftest.py).
test: install-dev browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Refresh the README's screenshot from the browser test.
screenshot: install-dev browser
	SCREENING_SCREENSHOT_DIR=docs $(BIN)/python -m pytest tests/e2e/test_ui.py -q

# Long benchmarks (figures go to docs/benchmarks.md); not part of `make test`.
bench: install-dev
	PYTHONPATH=. $(BIN)/python bench/bench_lists.py
	PYTHONPATH=. $(BIN)/python bench/bench_screening.py

clean:
	rm -rf $(VENV) build .pytest_cache

lint: install-dev
	$(BIN)/ruff check screening watchlists service tests bench
	$(BIN)/mypy
