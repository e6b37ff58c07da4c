# Quick start:  make demo   (serve the demo)    make test   (run every test)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := moral_bank

.PHONY: demo serve test test-sqlite test-postgres lint format translations extract update-catalogs bench clean

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d translations

demo: $(VENV)/.installed translations
	env -u DATABASE_URL $(BIN)/flask db upgrade
	env -u DATABASE_URL $(BIN)/flask seed-demo
	env -u DATABASE_URL $(BIN)/flask run --host 127.0.0.1 --port 5000

# The whole suite on SQLite; then again on PostgreSQL when DATABASE_URL points at one.
test: $(VENV)/.dev-installed translations
	env -u DATABASE_URL $(BIN)/python -m pytest
	if [ -n "$$DATABASE_URL" ]; then $(BIN)/python -m pytest; fi

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 --no-location --sort-output -o translations/messages.pot .

update-catalogs: extract
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

bench: $(VENV)/.dev-installed translations
	@failed=""; for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || failed="$$failed $$f"; done; \
	if [ -n "$$failed" ]; then echo "FAILED:$$failed"; exit 1; fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
