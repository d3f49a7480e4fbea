# absorb: two commands on a fresh machine — `make demo` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

DASHBOARD := $(VENV)/.dashboard
DASHBOARD_PORT ?= 8765

.PHONY: demo dashboard test lint bench chromium clean-venv

$(STAMP): pyproject.toml constraints.txt
	@PYTHON_BIN=$$(scripts/find-python) || exit 1; \
	  [ -x $(PY) ] || $$PYTHON_BIN -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev,bench,analysis]"
	@touch $(STAMP)

# The dashboard's extra (Solara with its front-end bundled, Playwright for its browser test).
$(DASHBOARD): $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev,bench,analysis,dashboard]"
	@touch $(DASHBOARD)

# Debian's Chromium for the browser test (tests/test_app.py); CI runs as root on a fresh machine.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "make: /usr/bin/chromium is missing and this is not root: the browser test will skip (apt-get install chromium)"; \
	  fi; \
	fi

demo: $(STAMP)
	$(VENV)/bin/absorb

# The dashboard at http://127.0.0.1:$(DASHBOARD_PORT); nothing is fetched from the network
# (no version check, no telemetry; the front-end comes from the solara-assets package).
dashboard: $(DASHBOARD)
	SOLARA_TELEMETRY_MIXPANEL_ENABLE=False $(VENV)/bin/solara run sim/app.py \
	  --production --no-check-version --host 127.0.0.1 --port $(DASHBOARD_PORT)

test: lint $(DASHBOARD) chromium
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check sim experiments tests benchmarks notebooks
	$(VENV)/bin/ruff format --check sim experiments tests benchmarks notebooks

bench: $(STAMP)
	$(PY) -m benchmarks

clean-venv:
	rm -rf $(VENV)
