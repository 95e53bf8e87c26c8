# The two commands a new user needs, and `screenshots` for the docs. Each creates .venv when it is absent.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev,spark]"
	touch $@

demo: $(VENV)/.installed  ## build the demo help desk in cxpulse.db, then serve the dashboard on it
	$(BIN)/cxpulse demo --db cxpulse.db
	$(BIN)/cxpulse serve --db cxpulse.db

test: $(VENV)/.installed  ## run the whole test suite (SQLite and PostgreSQL)
	$(BIN)/python -m pytest -n 2 -q

screenshots: $(VENV)/.installed  ## draw docs/img/dashboard-*.png again from a demo in chromium (docs/dashboard.md)
	$(BIN)/python scripts/dashboard_screenshots.py
