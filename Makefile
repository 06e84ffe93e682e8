# Two commands do everything on a fresh machine: `make run` (the demo) and `make test` (the suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APP := $(BIN)/flask --app widget
LANGS := vi fa ru en
# One test process per core; the browser tests stay together in one (see tests/conftest.py).
PARALLEL := -n auto --dist loadgroup

.PHONY: run screenshots test venv test-venv translations extract-messages system-test-deps migrate demo-data bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.test: requirements-test.txt $(VENV)/.runtime
	$(BIN)/pip install -q -r requirements-test.txt
	touch $@

venv: $(VENV)/.runtime
test-venv: $(VENV)/.test

# Catalogs are kept as .po in git; the compiled .mo files are built here.
translations: venv
	$(BIN)/pybabel -q compile -d widget/translations

# For developers: collect new strings and merge them into every catalog.
extract-messages: venv
	$(BIN)/pybabel -q extract --no-location --sort-output -F babel.cfg -k lazy_gettext -k _l -k lazy_ngettext:1,2 -o widget/translations/messages.pot .
	for lang in $(LANGS); do \
	  if [ -f widget/translations/$$lang/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel -q update --ignore-obsolete --no-fuzzy-matching -i widget/translations/messages.pot -d widget/translations -l $$lang; \
	  else $(BIN)/pybabel -q init -i widget/translations/messages.pot -d widget/translations -l $$lang; fi; \
	done

# Debian's Chromium for the real-browser tests (never `playwright install`: it downloads), Java
# and npm for the Nu HTML Checker, PostgreSQL for the suite's second run, Redis for shared limits.
APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y -qq
system-test-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then apt-get update -qq && $(APT_INSTALL) $$missing >/dev/null; fi

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

instance/secret_key:
	mkdir -p instance
	$(BIN)/python -c 'import secrets; print(secrets.token_hex(32))' > $@

run: venv translations instance/secret_key
	export FRONTDESK_SECRET_KEY=$$(cat instance/secret_key); \
	$(APP) db upgrade && $(APP) demo && $(BIN)/python -m demo.serve

# The README's pictures, taken in Chromium from the running demo (started here if it is not running).
screenshots: test-venv translations system-test-deps instance/secret_key
	export FRONTDESK_SECRET_KEY=$$(cat instance/secret_key); \
	$(APP) db upgrade && $(APP) demo && $(BIN)/python -m demo.screenshots

test: test-venv translations system-test-deps node_modules/.installed
	$(BIN)/python -m pytest $(PARALLEL)
	# Again on PostgreSQL, the production database (a throwaway server; the browser tests once).
	$(BIN)/python -m tests.postgres_server $(BIN)/python -m pytest $(PARALLEL) --ignore=tests/e2e -q

# The benchmarks (benchmarks/, each prints ratios against a baseline measured in the same run):
# page weight in Chromium, mail, then the load benchmarks and the CPU per phase on SQLite and on
# a throwaway PostgreSQL server (whatever database URL the shell exports is not used here).
# BENCH_ROWS=20000 make bench for a quick try (docs/benchmarks.md: each script's --quick).
BENCH_ENV := env -u BENCH_DATABASE_URL -u TEST_DATABASE_URL
bench: test-venv translations system-test-deps
	$(BENCH_ENV) $(BIN)/python benchmarks/bench_weight.py
	$(BENCH_ENV) $(BIN)/python benchmarks/bench_mail.py
	$(BENCH_ENV) $(BIN)/python benchmarks/bench_core.py
	$(BENCH_ENV) $(BIN)/python benchmarks/bench_scale.py
	$(BENCH_ENV) $(BIN)/python benchmarks/bench_phases.py
	$(BENCH_ENV) $(BIN)/python -m tests.postgres_server $(BIN)/python benchmarks/bench_core.py
	$(BENCH_ENV) $(BIN)/python -m tests.postgres_server $(BIN)/python benchmarks/bench_scale.py
	$(BENCH_ENV) $(BIN)/python -m tests.postgres_server $(BIN)/python benchmarks/bench_phases.py

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
