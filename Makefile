# Toppleder: the two commands (and a few helpers).
#
#   make run     install what is missing, migrate, load demo data, serve http://127.0.0.1:8000
#   make test    install what is missing, start throwaway PostgreSQL + Redis, run every check
#   make bench   start the same services, seed large demo data, print the performance figures
#   make test-faults  the fault suite alone (tests/faults; `make test` runs it too)
#   make backup  pg_dump of DATABASE_URL plus the media folder into var/backups/<UTC time>/
#
# Works on a fresh Debian 12 machine (root, python3, node/npm); stamp files keep reruns fast.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.toppleder-installed
NPM_STAMP := node_modules/.toppleder-installed
HOST ?= 127.0.0.1:8000

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYTHONDONTWRITEBYTECODE := 1

# apt packages, as CHECK:PACKAGE (install the package when CHECK is missing).
APT_BUILD := pg_config:libpq-dev msgfmt:gettext
APT_TEST := $(APT_BUILD) '/usr/lib/postgresql/*/bin/initdb:postgresql' redis-server:redis-server \
	redis-cli:redis-tools chromium:chromium pdffonts:poppler-utils docker-compose:docker-compose \
	java:default-jre-headless

.PHONY: help run test test-dates test-faults bench backup deps lint format messages services-start services-stop clean

help:
	@echo "make run    - install, migrate, seed demo data and serve http://$(HOST)"
	@echo "make test   - ruff, Django checks, docker-compose config and the whole pytest suite on PostgreSQL + Redis"
	@echo "make test-dates - the pytest suite under shifted clocks (a summer day, the week summer time starts)"
	@echo "make test-faults - the fault suite: Redis, PostgreSQL, SMTP, beat, a worker killed, backup and restore"
	@echo "make bench  - performance figures (large demo data on PostgreSQL + Redis)"
	@echo "make backup - pg_dump of DATABASE_URL and the media folder into var/backups/ (BACKUP_DIR=... to choose)"
	@echo "make lint / make format / make clean"

# --- Installation (stamps: reinstall only when the manifests change) --------------
$(VENV_STAMP): pyproject.toml
	@.ci/apt-ensure.sh $(APT_BUILD)   # psycopg2 builds from source and needs pg_config
	if [ ! -x $(PY) ]; then
	    $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); .ci/apt-ensure.sh /nonexistent:python3-venv; $(PYTHON) -m venv $(VENV); }
	fi
	# (pip's "Location 'file:///...' is ignored" lines are harmless noise from this machine's pip.conf)
	$(PY) -m pip install -q --upgrade pip 2>&1 | { grep -v 'is ignored: it is neither' || true; }
	$(PY) -m pip install -q -e '.[dev]' 2>&1 | { grep -v -e 'is ignored: it is neither' || true; }
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

deps: $(VENV_STAMP) $(NPM_STAMP)

# Compiled translations (.mo) are build output; rebuilt when a .po changes.
messages: $(VENV_STAMP)
	@if compgen -G 'locale/*/LC_MESSAGES/*.po' >/dev/null; then
	    .ci/apt-ensure.sh msgfmt:gettext
	    $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules --ignore='locale/*/parts' --verbosity=0
	fi

# --- make run -----------------------------------------------------------------------
# The demo password is chosen once per checkout (var/demo-password) unless DEMO_PASSWORD is set,
# so every later `make run` can print it again.
run: deps messages
	if [ -z "$${DEMO_PASSWORD:-}" ]; then
	    mkdir -p var
	    [ -s var/demo-password ] || $(PY) -c 'import secrets; print(secrets.token_urlsafe(9))' >var/demo-password
	    export DEMO_PASSWORD="$$(cat var/demo-password)"
	fi
	# Links in e-mails and calendar files point where the portal is served (unless SITE_URL is set).
	export SITE_URL="$${SITE_URL:-http://$(HOST)}"
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --size small
	echo
	echo "Demo password: $$DEMO_PASSWORD   (admin@toppleder.example, hr@toppleder.example, leder001@toppleder.example, ...)"
	echo "Toppleder: http://$(HOST)/  (Ctrl-C stops it; links in e-mails start with $$SITE_URL)"
	exec $(PY) manage.py runserver $(HOST)

# --- make test ----------------------------------------------------------------------
# Every step runs even when an earlier one fails, so one run shows everything that is
# wrong; the exit status is non-zero when any step failed. The servers stop on any exit.
test:
	@start=$$(date +%s)
	.ci/apt-ensure.sh $(APT_TEST)
	$(MAKE) --no-print-directory deps messages
	export SERVICES_OWNER=$$$$
	.ci/services.sh start
	trap '.ci/services.sh stop; echo "make test: $$(( $$(date +%s) - start )) s"' EXIT
	trap 'exit 130' INT TERM
	eval "$$(.ci/services.sh env | sed 's/^/export /')"
	failed=()
	step() { local name=$$1; shift; echo "==> $$name"; "$$@" || failed+=("$$name"); }
	step "ruff check" $(VENV)/bin/ruff check .
	step "ruff format" $(VENV)/bin/ruff format --check .
	step "migrations" $(PY) manage.py makemigrations --check --dry-run
	step "check" $(PY) manage.py check
	step "check --deploy" env DJANGO_DEBUG=false ALLOWED_HOSTS=toppleder.example \
	    SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	    NOTES_ENCRYPTION_KEYS="$$($(PY) -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" \
	    $(PY) manage.py check --deploy --fail-level WARNING
	step "docker-compose config" env SECRET_KEY=compose-config-check NOTES_ENCRYPTION_KEYS=compose-config-check docker-compose -f docker-compose.yml config -q
	step "pytest" $(VENV)/bin/pytest --durations=15 $(PYTEST_ARGS)
	if [ $${#failed[@]} -gt 0 ]; then echo "make test: FAILED: $${failed[*]}"; exit 1; fi
	echo "make test: all green"

# --- make test-dates ----------------------------------------------------------------
# No test may depend on today's date or season. This runs the whole pytest suite with the
# clock of every test process shifted by Debian's faketime (the servers start outside it):
# a summer day, and a Friday two days before summer time starts (sessions a week ahead and
# the 24–48 h reminder window then span the change). Override with TEST_DATES.
TEST_DATES ?= 2027-07-15 12:00:00;2027-03-26 10:00:00
test-dates:
	@start=$$(date +%s)
	.ci/apt-ensure.sh $(APT_TEST) faketime:faketime
	$(MAKE) --no-print-directory deps messages
	export SERVICES_OWNER=$$$$
	.ci/services.sh start
	trap '.ci/services.sh stop; echo "make test-dates: $$(( $$(date +%s) - start )) s"' EXIT
	trap 'exit 130' INT TERM
	eval "$$(.ci/services.sh env | sed 's/^/export /')"
	failed=()
	IFS=';' read -ra dates <<<"$(TEST_DATES)"
	for when in "$${dates[@]}"; do
	    echo "==> pytest at $$when"
	    # Only the wall clock moves: time-outs (locks, barriers, Playwright) run on the real
	    # monotonic clock (.ci/faketime/sitecustomize.py says why Python needs a shim for that),
	    # and the browser keeps its own clock (tests/e2e/conftest.py).
	    FAKETIME_DONT_FAKE_MONOTONIC=1 PYTHONPATH=.ci/faketime \
	        faketime "$$when" $(VENV)/bin/pytest -q $(PYTEST_ARGS) || failed+=("$$when")
	done
	if [ $${#failed[@]} -gt 0 ]; then echo "make test-dates: FAILED at: $${failed[*]}"; exit 1; fi
	echo "make test-dates: all green"

# --- make test-faults -----------------------------------------------------------------
# The fault suite alone (`make test` runs it with everything else). tests/faults/stack.py
# starts its own PostgreSQL, Redis, gunicorn, worker, beat and SMTP sink on free loopback
# ports and injects the faults into those only; the services below are for the tests that
# need just a worker. The figures land in var/faults.json (the README's "Reliability" table).
test-faults:
	@start=$$(date +%s)
	.ci/apt-ensure.sh $(APT_TEST)
	$(MAKE) --no-print-directory deps messages
	export SERVICES_OWNER=$$$$
	.ci/services.sh start
	trap '.ci/services.sh stop; echo "make test-faults: $$(( $$(date +%s) - start )) s"' EXIT
	trap 'exit 130' INT TERM
	eval "$$(.ci/services.sh env | sed 's/^/export /')"
	rm -f var/faults.json
	$(VENV)/bin/pytest -m faults --durations=10 tests/faults $(PYTEST_ARGS)

# --- make backup ----------------------------------------------------------------------
# The database (pg_dump, custom format) and the media folder; NOTES_ENCRYPTION_KEYS are kept
# apart, in the secret store (README, "Backup and restore").
backup: $(VENV_STAMP)
	$(PY) manage.py backup $${BACKUP_DIR:-}

# --- make bench ---------------------------------------------------------------------
# bench/run.py makes and seeds its own databases (small and large) on the throwaway
# PostgreSQL, drives gunicorn with wrk and prints the figures (also in bench/results.json).
bench:
	@test -f bench/run.py || { echo "make bench: bench/run.py does not exist yet"; exit 1; }
	.ci/apt-ensure.sh $(APT_TEST) wrk:wrk
	$(MAKE) --no-print-directory deps messages
	export SERVICES_OWNER=$$$$
	.ci/services.sh start
	trap '.ci/services.sh stop' EXIT
	trap 'exit 130' INT TERM
	eval "$$(.ci/services.sh env | sed 's/^/export /')"
	$(PY) bench/run.py $(BENCH_ARGS)

# --- helpers ----------------------------------------------------------------------------
lint: $(VENV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

services-start:
	@.ci/services.sh start

services-stop:
	@.ci/services.sh stop

clean:
	rm -rf $(VENV) node_modules staticfiles .ruff_cache .pytest_cache
	find locale -name '*.mo' -delete
