# absorb: two commands on a fresh machine — `make demo` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Hydra's Ray launcher pins cloudpickle < 3 (the rest of the pins: cloudpickle 3), so Ray has
# an environment of its own, pinned by constraints-ray.txt (docs/cluster.md).
VENV_RAY := .venv-ray
RAY_STAMP := $(VENV_RAY)/.installed

DASHBOARD := $(VENV)/.dashboard
DASHBOARD_PORT ?= 8765

.PHONY: demo dashboard test test-ray lint bench chromium clean-venv

$(STAMP): pyproject.toml constraints.txt
	@PYTHON_BIN=$$(scripts/find-python) || exit 1; \
	  [ -x $(PY) ] || $$PYTHON_BIN -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev,bench,slurm,analysis]"
	@touch $(STAMP)

# The dashboard's extra (Solara with its front-end bundled, Playwright for its browser test).
$(DASHBOARD): $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev,bench,slurm,analysis,dashboard]"
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

$(RAY_STAMP): pyproject.toml constraints-ray.txt
	@PYTHON_BIN=$$(scripts/find-python) || exit 1; \
	  [ -x $(VENV_RAY)/bin/python ] || $$PYTHON_BIN -m venv $(VENV_RAY)
	$(VENV_RAY)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints-ray.txt -e ".[ray]" pytest
	@touch $(RAY_STAMP)

demo: $(STAMP)
	$(VENV)/bin/absorb

# The dashboard at http://127.0.0.1:$(DASHBOARD_PORT); nothing is fetched from the network
# (no version check, no telemetry; the front-end comes from the solara-assets package).
dashboard: $(DASHBOARD)
	SOLARA_TELEMETRY_MIXPANEL_ENABLE=False $(VENV)/bin/solara run sim/app.py \
	  --production --no-check-version --host 127.0.0.1 --port $(DASHBOARD_PORT)

test: lint $(DASHBOARD) chromium
	$(PY) -m pytest

# The same-seed comparison of Hydra's Ray launcher with the basic one, in .venv-ray (not part of
# `make test`: Ray's environment is large and its local cluster slow to start).
test-ray: $(RAY_STAMP)
	$(VENV_RAY)/bin/python -m pytest tests/test_reproducibility.py::test_ray_and_the_basic_launcher_agree

lint: $(STAMP)
	$(VENV)/bin/ruff check sim experiments hydra_plugins tests benchmarks notebooks
	$(VENV)/bin/ruff format --check sim experiments hydra_plugins tests benchmarks notebooks

bench: $(STAMP)
	$(PY) -m benchmarks

clean-venv:
	rm -rf $(VENV) $(VENV_RAY)
