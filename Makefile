# Two entry points: `make run` serves the app, `make test` runs the whole suite.
# Each creates .venv and installs what it needs, Debian's chromium included: the app's exports and
# briefing packs render charts with it, and the browser tests drive it.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test unit browser lint chromium data clean

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

run: $(VENV)/.runtime chromium
	$(PY) app.py

test: $(VENV)/.dev chromium
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

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

clean:
	rm -rf $(VENV) .pytest_cache
