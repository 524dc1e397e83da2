# The entry points: `make run` and `make test` (see README.md). Both work on a
# machine with only Python 3.11+ and make: they create .venv, install the
# project, and start embedded PostgreSQL and Redis unless DATABASE_URL /
# REDIS_URL name running servers.

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	&& echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CATALOGS := $(wildcard i18n/locale/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
# Parallel test workers: one per core, at least two. Each test module runs whole on one
# worker (--dist loadfile): a module shares one database, cloned from the migrated template.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -lt 2 ] && n=2; echo $$n)

.PHONY: run test fuzz lint bench i18n install browser clean

install: $(STAMP) $(COMPILED)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# Compiled catalogs are built here, never committed.
i18n/locale/%/LC_MESSAGES/messages.mo: i18n/locale/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --statistics -l $* -d i18n/locale -D messages

run: install
	$(BIN)/hanchang run

# Browser tests drive Debian's chromium (a test tool's own browser download fails here).
# No system font is needed: the pages bring their own (foundation/fonts, docs/fonts.md).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium for the browser tests ..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed: browser tests will skip (and fail when CI=true)"; fi; }

test: install browser
	$(BIN)/hanchang services -- $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Schemathesis over the whole API as each identity (tests/test_fuzzing.py; also in `make test`), about 3 minutes.
fuzz: install
	$(BIN)/hanchang services -- $(BIN)/python -m pytest -q tests/test_fuzzing.py $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

bench: install
	$(BIN)/hanchang services -- $(BIN)/python -m bench

i18n: install
	$(BIN)/pybabel extract --no-location --sort-by-file -F babel.cfg -k translate:2 -k translate_plural:2,3 -k N_ \
		--project=hanchang --msgid-bugs-address=hanchang@moel.go.kr -o i18n/messages.pot \
		foundation providers auth onestop notifications service_status api kiosk assisted_channel status_page i18n server
	$(BIN)/pybabel update -w 100 --no-fuzzy-matching --ignore-obsolete -i i18n/messages.pot -d i18n/locale -D messages
	@$(BIN)/python -m i18n.report
	@echo "Now translate new messages in i18n/locale/*/LC_MESSAGES/messages.po (Korean and English"
	@echo "must be complete; a message a draft catalog lacks is shown in English: see the table)"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
