# Samforløp. Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/samforlop
export SAMFORLOP_VAR_DIR ?= $(CURDIR)/var

.PHONY: run test test-sqlite test-postgres bench messages install clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	mkdir -p var
	SAMFORLOP_DEBUG=1 $(PY) manage.py migrate --no-input
	SAMFORLOP_DEBUG=1 $(PY) manage.py analyze_db
	SAMFORLOP_DEBUG=1 $(PY) manage.py demo --patients 60 --seed 1 --if-empty
	SAMFORLOP_DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

# The suite runs on SQLite and, when a server answers on 127.0.0.1:5432, on PostgreSQL too.
# In CI (CI=true) PostgreSQL is required: a missing server fails the run instead of skipping.
test: $(STAMP)
	$(MAKE) --no-print-directory test-sqlite
	@if $(PY) -m samforlop.core.pgcheck "$(PG_URL)"; then \
		$(MAKE) --no-print-directory test-postgres; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL does not answer on 127.0.0.1:5432 and CI requires it"; exit 1; \
	else \
		echo "PostgreSQL does not answer on 127.0.0.1:5432: suite ran on SQLite only"; \
	fi

test-sqlite: $(STAMP)
	@echo "== Test suite on SQLite"
	SAMFORLOP_TESTING=1 $(PY) -m pytest $(PYTEST_ARGS)

test-postgres: $(STAMP)
	@echo "== Test suite on PostgreSQL"
	SAMFORLOP_TESTING=1 DATABASE_URL="$(PG_URL)" $(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

bench: $(STAMP)
	SAMFORLOP_TESTING=1 $(PY) bench/bench.py

# Extract strings into the .po files (needs GNU gettext's xgettext), where translators edit them,
# and compile the catalogues (pure Python, polib). Locations without line numbers keep the .po
# files' diffs to what changed.
messages: $(STAMP)
	SAMFORLOP_DEBUG=1 $(PY) manage.py makemessages --locale nb --locale en --no-obsolete --add-location file --ignore '.venv/*' --ignore 'bench/*' --ignore 'tests/*'
	$(PY) -m samforlop.core.compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache
