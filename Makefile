# Gazette: the only commands a newcomer needs.
#   make run    set up everything on a fresh machine and serve http://127.0.0.1:5000
#               (prints the one-time link that creates the first administrator)
#   make setup-link  a new link, while no administrator exists
#   make test   install the test requirements, lint, and run the whole suite
#   make bench  measure the reader pages against a bare-Flask baseline (wrk + gunicorn)
#   make soak   60 s of readers, editors and inquiry senders on PostgreSQL + Redis; no lost write
#   make lint   ruff check and format check

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app

.PHONY: run setup-link test bench soak lint format translations clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-installed: requirements-test.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

# Lighthouse for tests/e2e/test_lighthouse.py, pinned by package-lock.json (node_modules/
# is git-ignored); reinstalled when the lock file changes.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The server's first lines say where the site is and, while no administrator can log in,
# print the one-time link that creates the first one (app.announce_first_run).
run: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) demo load
	$(FLASK) run --host 127.0.0.1 --port 5000

# A new first-run link (refused once an administrator exists).
setup-link: $(VENV)/.installed
	@$(FLASK) users setup-link

# The lint is part of the test: CI runs `make test`, so a lint error fails CI.
test: lint node_modules/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.test-installed
	$(BIN)/python bench/run.py

soak: $(VENV)/.test-installed
	$(BIN)/python bench/soak.py

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.test-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# After changing user-visible text: extract, merge into the English catalogue, compile.
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext -o translations/messages.pot --ignore-dirs=".venv tests bench migrations node_modules deploy" .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
