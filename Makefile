# PSM — three entry points, each working on a fresh machine from nothing.
#   make run      set up, migrate, load the demo once, serve on http://127.0.0.1:8000
#   make test     the whole suite (ruff, import layers, mypy, migrations check, pytest);
#                 DATABASE_URL picks the database
#   make install  only the virtual environment

VENV ?= .venv
PY := $(VENV)/bin/python
PSM := $(VENV)/bin/psm
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
DATA_DIR ?= var
# Tests run on every core (pytest-xdist gives each worker its own test database).
PYTEST_ARGS ?= -n auto

.PHONY: install run test lint typecheck pytest chromium dovecot reportlibs pyc

install: $(STAMP) reportlibs pyc

# Byte-code compiled once here, not on every start of every command (the environment may set
# PYTHONDONTWRITEBYTECODE, so nothing would ever cache it); only changed files are recompiled.
pyc: $(STAMP)
	@$(PY) -m compileall -q -j 0 src > /dev/null

$(STAMP): pyproject.toml
	@command -v python3 >/dev/null || (apt-get update && apt-get install -y python3)
	@test -x $(PY) || python3 -m venv $(VENV) || (apt-get update && apt-get install -y python3-venv && python3 -m venv $(VENV))
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $@

run: install
	$(PSM) migrate --noinput
	@test -f $(DATA_DIR)/.demo-loaded || ($(PSM) demo && touch $(DATA_DIR)/.demo-loaded)
	@echo ""
	@echo "  PSM is starting on http://127.0.0.1:8000"
	@echo "  Demo log-ins (password: demo): admin, manager, engineer, client"
	@echo ""
	$(PSM) serve

test: install chromium dovecot lint typecheck pytest

# Browser tests drive Debian's Chromium (never a downloaded build).
chromium:
	@test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

# Status reports: WeasyPrint needs Pango (with HarfBuzz subsetting), CairoSVG needs Cairo, the
# PDFs need fonts; pdftoppm (poppler) turns a PDF's pages into pictures for tests and the README.
REPORT_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libcairo2 fontconfig fonts-dejavu-core poppler-utils
reportlibs:
	@dpkg -s $(REPORT_DEBS) >/dev/null 2>&1 || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(REPORT_DEBS))

# IMAP tests run Debian's dovecot themselves (own config, 127.0.0.1), never as a service.
dovecot:
	@test -x /usr/sbin/dovecot || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y dovecot-imapd)

# ruff, and the layers of docs/ARCHITECTURE.md (import-linter: a wrong import fails here).
lint:
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/lint-imports

typecheck:
	$(VENV)/bin/mypy

pytest:
	$(PSM) makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)
