# The two commands of the README: `make run` and `make test`. Both set up from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test setup bench lint

$(BIN)/smenet: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

tests/audit/node_modules/.package-lock.json: tests/audit/package-lock.json
	cd tests/audit && npm ci --no-audit --no-fund --loglevel=error

# The dashboard's browser test drives Debian's chromium by its path; nothing is downloaded. A
# Chinese font, so its screenshot shows the page's text.
CHROMIUM := /usr/bin/chromium
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(CHROMIUM) $(CJK_FONT) &:
	$(SUDO) apt-get update -q
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-wqy-zenhei

setup: $(BIN)/smenet tests/audit/node_modules/.package-lock.json $(CHROMIUM) $(CJK_FONT)

run: $(BIN)/smenet
	$(BIN)/smenet demo --data data/demo

test: setup
	$(BIN)/python -m pytest -q

# `make bench ARGS=--quick` (or --large, --only SCENARIO): see bench/README.md.
bench: $(BIN)/smenet
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench $(ARGS)

lint: $(BIN)/smenet
	$(BIN)/ruff check .
