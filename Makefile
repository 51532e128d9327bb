# The course in two commands:  make book  (set up + build the site)  and  make test.
# Everything lives in a local virtual environment, .venv, created on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help venv book test lab release verify bench clean

help:
	@echo "make book    set up .venv and build the site into _build/html"
	@echo "make test    run the whole test suite"
	@echo "make lab     open JupyterLab (chapters open as notebooks)"
	@echo "make release regenerate exercises/ from solutions/"
	@echo "make verify  check every exercise against its solution and planted wrong submissions"
	@echo "make bench   print benchmark ratios (speed targets are checked here, not in tests)"

# Re-install whenever pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (course)" >/dev/null
	$(BIN)/jupyter labextension disable --level=sys_prefix nbgrader:formgrader nbgrader:course-list >/dev/null 2>&1 || true
	touch $(STAMP)

venv: $(STAMP)

# --warningiserror: a broken reference or citation fails the build.
book: $(STAMP)
	$(BIN)/jupyter-book build . --warningiserror --keep-going --builder html

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.jpserver_extensions="{'jupytext': True}"

release: $(STAMP)
	$(BIN)/grader release

verify: $(STAMP)
	$(BIN)/grader verify

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf _build
