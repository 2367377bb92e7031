# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite runs against the real services: PostgreSQL and Redis on this machine.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/marketer_bonus
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15
# Development only: DEBUG on, which also allows the settings' throwaway secret key and plain
# HTTP. Production asks for none of it (README, "Running for real").
DEV := DJANGO_DEBUG=true

.PHONY: run test lint venv demo clean browser

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

demo: venv
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py seed_demo

run: demo
	@echo ""
	@echo "  Marketer bonus engine: http://$(HOST):$(PORT)/  (the portal: marketers, HR and finance; /admin/: superusers only; API docs at /api/docs/)"
	@echo "  Demo logins (password demo12345): marketer, hr, hr2, finance, admin"
	@echo ""
	$(DEV) $(PY) manage.py runserver $(HOST):$(PORT)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy
	$(DEV) $(PY) manage.py makemigrations --check --dry-run

# The portal's browser tests drive Debian's Chromium through Playwright (never `playwright install`).
browser:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

# The suite's settings are tests/settings.py (pyproject.toml): DEBUG off as in production, with
# a secret key made up for the run and no HTTPS redirect. The engine's tests run first without
# pytest-django (the engine imports no Django), then with the rest.
test: venv lint browser
	$(PY) -m pytest -p no:django -q -W "ignore:Unknown config option:pytest.PytestConfigWarning" tests/engine
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
		$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache .hypothesis
