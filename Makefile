# zhizao: two commands on a fresh machine
#   make demo   install everything, build the demo city, import and evaluate it, serve it
#   make test   lint, type checks and the whole test suite (DuckDB, Spark, SQLite, PostgreSQL, Chromium)

VENV   ?= .venv
PY     := $(VENV)/bin/python
HOME_DIR ?= zhizao-data
PYTHON ?= python3

.PHONY: install system-deps demo test lint typecheck bench clean

# compileall: the editable source's bytecode, as pip compiles an installed package's. A command's
# start-up reads it instead of compiling ~0.1 s of modules (also where PYTHONDONTWRITEBYTECODE is set)
$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	$(PY) -m compileall -q src/zhizao
	touch $@

install: $(VENV)/.installed

system-deps:
	bash scripts/system-deps.sh

demo: system-deps install
	$(VENV)/bin/zhizao --home $(HOME_DIR) demo

lint: install
	$(VENV)/bin/ruff check src tests bench

typecheck: install
	$(VENV)/bin/mypy

test: system-deps install lint typecheck
	bash scripts/test.sh

bench: install
	bash bench/run_all.sh

clean:
	rm -rf $(VENV) $(HOME_DIR) .pytest_cache .mypy_cache .ruff_cache
