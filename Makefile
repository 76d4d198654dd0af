# Mezame: `make run` for a working demo on a fresh machine, `make test` for the whole suite.
# Translations are compiled into the repository (locale/*/django.mo) so a fresh machine needs no gettext;
# `make messages` (needs GNU gettext) refreshes them after strings change.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SEED ?= 42

# Browser tests drive the system's Chromium; nothing may download a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run test install migrate seed logins messages lint worker beat clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c "import venv, ensurepip" 2>/dev/null || { echo "make: $(PYTHON) cannot create virtual environments (on Debian/Ubuntu: apt-get install python3-venv)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

messages: $(STAMP)
	$(PY) manage.py makemessages -l ja -l en --ignore=.venv --ignore=staticfiles --ignore=bench --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

# Rebuilds the demo company (wipe-and-rebuild of demo rows only; see README).
seed: migrate
	$(PY) manage.py seed_demo --seed $(SEED)

logins: $(STAMP)
	@$(PY) manage.py demo_logins

run: install seed
	@$(PY) manage.py demo_logins
	@echo "Mezame: open http://$(HOST):$(PORT)/ (Ctrl-C stops the server)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -n 2 --create-db $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

worker: $(STAMP)
	$(VENV)/bin/celery -A config worker -l info

beat: $(STAMP)
	$(VENV)/bin/celery -A config beat -l info --scheduler django_celery_beat.schedulers:DatabaseScheduler

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 db.sqlite3-shm db.sqlite3-wal test-artifacts
