# Quick start: `make run` (serve on http://127.0.0.1:5000) and `make test` (whole suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
HOST   ?= 127.0.0.1
FLASK  := $(BIN)/flask --app service

.PHONY: run test install install-dev migrate lint clean browser screenshot bench eval

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
bench: install-dev eval  # the screening, batch and sweep benchmarks read build/eval/eval.sqlite
	PYTHONPATH=. $(BIN)/python bench/bench_lists.py
	PYTHONPATH=. $(BIN)/python bench/bench_screening.py
	PYTHONPATH=. $(BIN)/python bench/bench_batches.py
	PYTHONPATH=. $(BIN)/python bench/bench_sweeps.py

clean:
	rm -rf $(VENV) build .pytest_cache

lint: install-dev
	$(BIN)/ruff check screening watchlists service tests bench
	$(BIN)/mypy

# Matching quality on the shared dev sets (../shared/eval/README.md): load exactly the eval
# index into build/eval/eval.sqlite, run screen-file and compare-file, print the scorer's tables.
EVAL_DIR  := build/eval
EVAL_ENV  := SCREENING_DATABASE__URL=sqlite:///$(CURDIR)/$(EVAL_DIR)/eval.sqlite
SHARED    := ../shared
WL        := $(SHARED)/data/watchlists
EFLASK    := $(EVAL_ENV) $(FLASK)

eval: install-dev
	rm -f $(EVAL_DIR)/eval.sqlite* && mkdir -p $(EVAL_DIR)
	$(EFLASK) db upgrade
	$(EFLASK) lists import un_sc $(WL)/un/consolidated.xml
	$(EFLASK) lists import us_ofac_sdn --format ofac_csv $(WL)/ofac/sdn.csv $(WL)/ofac/alt.csv $(WL)/ofac/add.csv
	$(EFLASK) lists import us_ofac_cons --format ofac_csv $(WL)/ofac_consolidated/cons_prim.csv $(WL)/ofac_consolidated/cons_alt.csv $(WL)/ofac_consolidated/cons_add.csv
	$(EFLASK) lists import worldbank_debarred --format worldbank_xlsx $(WL)/worldbank/world_bank_listing_of_ineligible_firms_and_individuals.xlsx
	$(EFLASK) lists import ebrd_ineligible $(WL)/ebrd/european_bank_for_reconstruction_and_development_ineligible_firms.csv
	$(EFLASK) lists import iadb_sanctions $(WL)/idb/Inter-American_Development_Bank-Sanctioned_Firms_and_Individuals.xlsx
	$(EFLASK) lists import au_dfat_sanctions $(WL)/australia_dfat/australia_autonomous_financial_sanctions.xlsx
	$(EFLASK) lists import ca_sema_sanctions $(WL)/canada_sema/cannada.xml
	$(EFLASK) screen-file $(SHARED)/eval/screen/dev_queries.jsonl --output $(EVAL_DIR)/screen_results.jsonl
	$(EFLASK) compare-file $(SHARED)/eval/pairs/dev_pairs.jsonl --output $(EVAL_DIR)/pair_results.jsonl
	$(BIN)/python $(SHARED)/eval/score.py screen --expected $(SHARED)/eval/screen/dev_expected.jsonl --results $(EVAL_DIR)/screen_results.jsonl
	$(BIN)/python $(SHARED)/eval/score.py pairs --pairs $(SHARED)/eval/pairs/dev_pairs.jsonl --results $(EVAL_DIR)/pair_results.jsonl
