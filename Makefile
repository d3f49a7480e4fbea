# absorb: two commands on a fresh machine — `make demo` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean-venv

$(STAMP): pyproject.toml constraints.txt
	@PYTHON_BIN=$$(scripts/find-python) || exit 1; \
	  [ -x $(PY) ] || $$PYTHON_BIN -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev,bench]"
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/absorb

test: lint
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check sim experiments tests benchmarks notebooks
	$(VENV)/bin/ruff format --check sim experiments tests benchmarks notebooks

bench: $(STAMP)
	$(PY) -m benchmarks

clean-venv:
	rm -rf $(VENV)
