# PixelUnion Kontosäkerhet. A fresh machine needs only python3.11: everything else installs here.
#   make run    dev server on http://127.0.0.1:8000 with a demo account (SQLite, embedded GeoIP)
#   make test   the suite on SQLite, PostgreSQL, in Chromium; says what it skipped

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
DEV := DJANGO_DEBUG=1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run demo test bench warnings-eval soak serve worker lock lint messages compilemessages install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The locked versions (requirements/dev.txt: the app, dev tools and the demo GeoIP data, with
# hashes); reinstalled only when the lock file is newer than the stamp. The checkout itself is
# not installed: manage.py and gunicorn run from here (pyproject.toml, "Not a Python package").
$(STAMP): requirements/dev.txt | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements/dev.txt
	@touch $@

# After changing pyproject.toml's dependencies (or to take new releases within its ranges):
# requirements/app.txt (production, the Dockerfile) and requirements/dev.txt (make run/test/serve).
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes -q
lock: $(STAMP)
	$(UV_COMPILE) -o requirements/app.txt $(if $(UPGRADE),--upgrade)
	$(UV_COMPILE) --extra dev --extra demo -o requirements/dev.txt $(if $(UPGRADE),--upgrade)

install: $(STAMP)

# Swedish is the default language, so the .mo files matter. msgfmt comes from gettext (apt).
compilemessages: $(STAMP)
	@if ! find locale -name '*.po' 2>/dev/null | grep -q .; then exit 0; fi; \
	if ! command -v msgfmt >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "msgfmt is missing: installing gettext with apt-get…"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq >/dev/null && apt-get install -y -qq gettext >/dev/null; \
	  fi; \
	fi; \
	if command -v msgfmt >/dev/null; then \
	  find locale -name '*.po' -exec touch {} +; \
	  $(DEV) $(MANAGE) compilemessages -v 0 --ignore '.venv*' --ignore node_modules; \
	else \
	  echo "WARNING: msgfmt not found (install gettext): translations not compiled." >&2; \
	fi

run: compilemessages
	$(DEV) $(MANAGE) migrate --noinput -v 0
	@$(DEV) $(MANAGE) seed_demo
	@$(DEV) $(MANAGE) immich_client --demo
	$(DEV) $(MANAGE) runserver 127.0.0.1:8000

# The demo account from scratch: its password, 2FA off, its sessions and Säkerhetslogg.
demo: compilemessages
	$(DEV) $(MANAGE) migrate --noinput -v 0
	@$(DEV) $(MANAGE) seed_demo --reset

test: compilemessages
	@scripts/test.sh

bench: $(STAMP)
	@if [ -f benchmarks/run.py ]; then $(BIN)/python benchmarks/run.py; \
	else echo "No benchmarks yet (benchmarks/run.py)."; fi

# False warnings and caught takeovers on simulated user-years (a few minutes on 2 cores):
# PER_KIND users of each of the five kinds, answer rates 0, 50 and 100 %.
PER_KIND ?= 4
warnings-eval: compilemessages
	@mkdir -p test-results
	$(BIN)/python -m benchmarks.warnings_eval --per-kind $(PER_KIND) --json test-results/warnings-eval.json

# The long load, race and fault runs (a few minutes; figures in test-results/live-figures.jsonl).
# They need PostgreSQL, like the fast versions in `make test`'s PostgreSQL pass.
soak: $(STAMP)
	@DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} \
	$(BIN)/python -m pytest -q -p no:cacheprovider -m soak; status=$$?; \
	if [ $$status = 5 ]; then echo "No soak tests yet."; exit 0; fi; exit $$status

# Production-like: DEBUG off, so DJANGO_SECRET_KEY (and DJANGO_ALLOWED_HOSTS) must be set, and
# `check --deploy` must pass (PostgreSQL, Redis, real email, GEOIP_DB, or the ALLOW_* variables).
# gunicorn.conf.py reads the rest (PORT, WEB_CONCURRENCY = 2 × CPUs + 1 by default, …); set
# DATABASE_URL=postgres://… and REDIS_URL=redis://… for the production stack.
serve: compilemessages
	$(MANAGE) check --deploy --fail-level ERROR
	$(MANAGE) collectstatic --noinput -v 0
	$(MANAGE) migrate --noinput
	$(BIN)/gunicorn -c gunicorn.conf.py pixelunion.wsgi

# The background worker (alerts, back-channel logouts, Immich sync, the daily runs): beside
# `make run` it runs in development mode; with DJANGO_SECRET_KEY set, like `make serve`.
worker: compilemessages
	$(if $(DJANGO_SECRET_KEY),,$(DEV)) $(MANAGE) worker

lint: $(STAMP)
	$(BIN)/ruff check .

messages: $(STAMP)
	@mkdir -p locale
	$(DEV) $(MANAGE) makemessages -l sv --ignore '.venv*' --ignore node_modules --ignore staticfiles
	$(MAKE) compilemessages

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache build *.egg-info test-results
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
