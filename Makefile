# Two entry points for people: `make run` and `make test`. Everything they need is set up
# here, idempotently, on a fresh machine: the virtualenv, the package and its extras, the
# DSFR assets from npm, the SQLite database in instance/ and the demo registry.

PYTHON ?= python3
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .make
DSFR := config/static/dsfr
DSFR_DIST := node_modules/@gouvfr/dsfr/dist
DEMO_CSV := enrollment/data/demo_beneficiaries.csv
PYTEST_ARGS ?=
CHROMIUM := /usr/bin/chromium
# Catalogues of the languages other than French (the source language); .mo files are built.
CATALOGUES := $(wildcard config/translations/*/LC_MESSAGES/messages.po)

.PHONY: run test install assets translations database browser lint typecheck clean

run: database
	$(BIN)/ameli demo --port $(PORT)

test: database browser
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

install: $(STAMPS)/python $(DSFR)/dsfr.min.css translations

assets: $(DSFR)/dsfr.min.css

translations: $(CATALOGUES:.po=.mo)

database: install
	$(BIN)/ameli db upgrade
	$(BIN)/ameli registry import $(DEMO_CSV)

# Browser tests drive Debian's Chromium (Playwright cannot download its own here). As root
# (CI, containers) it is installed; elsewhere the browser tests skip and say how to get it.
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "Chromium missing: browser tests will skip (sudo apt-get install chromium)"; \
	  fi; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMPS)/python: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable '.[dev]'
	@mkdir -p $(STAMPS) && touch $@

%.mo: %.po | $(STAMPS)/python
	$(BIN)/pybabel compile --statistics -i $< -o $@

$(DSFR_DIST)/dsfr.min.css: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

$(DSFR)/dsfr.min.css: $(DSFR_DIST)/dsfr.min.css
	rm -rf $(DSFR) && mkdir -p $(DSFR)
	cp -r $(DSFR_DIST)/dsfr.min.css $(DSFR_DIST)/dsfr.module.min.js \
	      $(DSFR_DIST)/dsfr.nomodule.min.js $(DSFR_DIST)/fonts $(DSFR_DIST)/icons \
	      $(DSFR_DIST)/favicon $(DSFR_DIST)/utility $(DSFR_DIST)/artwork $(DSFR)/

clean:
	rm -rf $(VENV) $(STAMPS) node_modules $(DSFR) instance
