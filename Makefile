# Two entry points: `make run` serves the app, `make test` runs the whole suite.
# Each creates .venv and installs what it needs, Debian's chromium included: the app's exports and
# briefing packs render charts with it, and the browser tests drive it. `make test` also needs the
# shared deployment's servers (PostgreSQL with PostGIS, Redis): `make services` installs Debian's
# packages when missing and starts them when they do not answer (a no-op when they do).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Test servers. A PostgreSQL that answers RUTAS_TEST_DATABASE_URL (default: the local server's
# postgres superuser, no password) is used as it is; otherwise a throwaway cluster (trust auth,
# 127.0.0.1 only) is made under SERVICES_DIR on PG_SPARE_PORT. Redis: 127.0.0.1:REDIS_PORT, no disk.
PG_BIN := /usr/lib/postgresql/15/bin
SERVICES_DIR ?= $(or $(TMPDIR),/tmp)/rutas-services
TEST_DATABASE_URL ?= $(or $(RUTAS_TEST_DATABASE_URL),postgresql://postgres@127.0.0.1:5432/postgres)
PG_SPARE_PORT ?= 54329
REDIS_PORT ?= 6379
AS_POSTGRES := $(shell [ "$$(id -u)" = 0 ] && echo runuser -u postgres --)

.PHONY: run test unit browser lint chromium services services-stop data clean

$(VENV)/.runtime: requirements.txt
	@# Debian ships venv separately (python3-venv); install it only when venv is missing.
	$(PYTHON) -m venv $(VENV) || { $(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q python3-venv && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

chromium:
	@if ! command -v chromium >/dev/null 2>&1 || [ ! -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then \
		$(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium fonts-dejavu-core; \
	fi

services:
	@if [ ! -x $(PG_BIN)/initdb ] || [ ! -e /usr/share/postgresql/15/extension/postgis.control ] \
			|| ! command -v redis-server >/dev/null 2>&1; then \
		$(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q postgresql postgresql-15-postgis-3 redis-server; \
	fi
	@mkdir -p $(SERVICES_DIR)
	@# PostgreSQL: the given server when it lets the tests in, else the throwaway cluster (made once).
	@if psql "$(TEST_DATABASE_URL)" -w -Atqc 'SELECT 1' >/dev/null 2>&1; then \
		echo "$(TEST_DATABASE_URL)" > $(SERVICES_DIR)/database_url; \
	else \
		spare=postgresql://postgres@127.0.0.1:$(PG_SPARE_PORT)/postgres; \
		if ! psql "$$spare" -w -Atqc 'SELECT 1' >/dev/null 2>&1; then \
			echo "PostgreSQL does not answer $(TEST_DATABASE_URL): starting a throwaway cluster on port $(PG_SPARE_PORT)"; \
			if [ ! -e $(SERVICES_DIR)/pg/PG_VERSION ]; then \
				rm -rf $(SERVICES_DIR)/pg && mkdir -p $(SERVICES_DIR)/pg && \
				{ [ -z "$(AS_POSTGRES)" ] || chown postgres $(SERVICES_DIR)/pg; } && \
				$(AS_POSTGRES) $(PG_BIN)/initdb --no-instructions -D $(SERVICES_DIR)/pg -U postgres -A trust -E UTF8 \
					--locale=C.UTF-8 > $(SERVICES_DIR)/initdb.log \
					|| { echo "initdb failed: see $(SERVICES_DIR)/initdb.log"; exit 1; }; \
			fi; \
			$(AS_POSTGRES) $(PG_BIN)/pg_ctl -D $(SERVICES_DIR)/pg -l $(SERVICES_DIR)/pg/server.log -w start \
				-o "-c listen_addresses=127.0.0.1 -p $(PG_SPARE_PORT) -k $(SERVICES_DIR)/pg -c fsync=off" \
				|| { echo "PostgreSQL did not start: see $(SERVICES_DIR)/pg/server.log"; exit 1; }; \
			touch $(SERVICES_DIR)/started-postgres; \
		fi; \
		echo "$$spare" > $(SERVICES_DIR)/database_url; \
	fi
	@if [ "$$(redis-cli -h 127.0.0.1 -p $(REDIS_PORT) ping 2>/dev/null)" != PONG ]; then \
		echo "Redis does not answer on 127.0.0.1:$(REDIS_PORT): starting one"; \
		redis-server --daemonize yes --bind 127.0.0.1 --port $(REDIS_PORT) --save "" --appendonly no \
			--pidfile $(SERVICES_DIR)/redis.pid --logfile $(SERVICES_DIR)/redis.log \
			|| { echo "Redis did not start: see $(SERVICES_DIR)/redis.log"; exit 1; }; \
		touch $(SERVICES_DIR)/started-redis; \
	fi
	@echo "test servers: PostgreSQL $$(cat $(SERVICES_DIR)/database_url), Redis redis://127.0.0.1:$(REDIS_PORT)/0"

# Stops only what `make services` started (CI calls it after the suite).
services-stop:
	@if [ -e $(SERVICES_DIR)/started-postgres ]; then \
		$(AS_POSTGRES) $(PG_BIN)/pg_ctl -D $(SERVICES_DIR)/pg -m fast -w stop; rm -f $(SERVICES_DIR)/started-postgres; \
	fi
	@if [ -e $(SERVICES_DIR)/started-redis ]; then \
		kill "$$(cat $(SERVICES_DIR)/redis.pid)" 2>/dev/null || true; rm -f $(SERVICES_DIR)/started-redis; \
	fi

run: $(VENV)/.runtime chromium
	$(PY) app.py

test: $(VENV)/.dev chromium services
	$(VENV)/bin/ruff check .
	RUTAS_TEST_DATABASE_URL="$$(cat $(SERVICES_DIR)/database_url)" $(PY) -m pytest

unit: $(VENV)/.dev
	$(PY) -m pytest tests/unit

browser: $(VENV)/.dev chromium
	$(PY) -m pytest tests/browser

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .

# Rebuild the bundled data from ../shared/reference and the registries (maintainers only).
data: $(VENV)/.dev
	$(PY) geodata/build_events.py
	$(PY) geodata/build_routes.py
	$(PY) geodata/build_labels.py
	$(PY) geodata/build_base_source.py
	$(PY) geodata/build_indicators.py

clean:
	rm -rf $(VENV) .pytest_cache
