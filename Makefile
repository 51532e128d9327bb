# The course in two commands:  make book  (set up + build the site)  and  make test.
# Everything lives in a local virtual environment, .venv, created on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: help venv browser sandbox book test lab lab-instructor release verify bench record sync clean

help:
	@echo "make book    set up .venv and build the site into _build/html"
	@echo "make test    run the whole test suite (installs Chromium first: make browser)"
	@echo "make browser install headless Chromium (Debian package, needs root) for the site test"
	@echo "make sandbox install bubblewrap (Debian package, needs root): grader autograde's sandbox"
	@echo "make lab     open JupyterLab (chapters open as notebooks; Validate runs grader check)"
	@echo "make lab-instructor  the same with nbgrader's instructor panels (formgrader, Create Assignment)"
	@echo "make release regenerate exercises/ from solutions/"
	@echo "make verify  check every exercise against its solution and planted wrong submissions"
	@echo "make bench   print benchmark ratios (speed targets are checked here, not in tests)"
	@echo "make record  run the chapters' headline experiments over 5 seeds, offline (CHAPTERS=\"05 09\" for some)"

# The course in .venv: $(1) is what pip installs ('.' or, with the test-only packages, '.[test]').
define install
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e $(1)
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (course)" >/dev/null
	$(BIN)/python -m grader.lab >/dev/null  # the course's JupyterLab settings (jupyter/README.md)
endef

# Re-install whenever pyproject.toml or the JupyterLab settings change.
$(STAMP): pyproject.toml $(wildcard jupyter/*.json)
	$(call install,.)
	touch $(STAMP)

# The test-only packages (pytest, hypothesis, playwright...): the `test` extra, for `make test` only. On a fresh
# clone this is the one install (one pip run, not two), and it counts for $(STAMP) too.
$(TEST_STAMP): pyproject.toml $(wildcard jupyter/*.json)
	$(call install,'.[test]')
	touch $(STAMP) $(TEST_STAMP)

venv: $(STAMP)

# Headless Chromium from Debian's packages, for the browser test of the built
# site (tests/test_site.py drives it with Playwright). Needs root; does nothing
# when Chromium is already there. Never `playwright install`: it downloads a
# browser build of its own, which this course does not rely on.
browser:
	@test -x /usr/bin/chromium || { \
	  test "$$(id -u)" = 0 || { echo "Chromium is missing: run 'sudo make browser' (it installs Debian's chromium package)"; exit 1; }; \
	  echo "Installing Chromium (Debian package) for the browser test..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@test -x /usr/bin/chromium || { echo "Chromium is not at /usr/bin/chromium: install Debian's chromium package"; exit 1; }

# bubblewrap, the sandbox in which `grader autograde` runs student kernels
# (Linux only). Needs root to install; does nothing when bwrap is there.
sandbox:
	@command -v bwrap >/dev/null || { \
	  test "$$(id -u)" = 0 || { echo "bubblewrap is missing: run 'sudo make sandbox' (it installs Debian's bubblewrap package)"; exit 1; }; \
	  echo "Installing bubblewrap (Debian package) for the grader's sandbox..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; }

# --warningiserror: a broken reference or citation fails the build.
book: $(STAMP)
	$(BIN)/jupyter-book build . --warningiserror --keep-going --builder html

test: $(TEST_STAMP) browser sandbox
	$(BIN)/python -m pytest -n 2 --dist loadgroup --durations=15

# The learner's JupyterLab (settings in jupyter/, installed with the course): chapters open as
# notebooks, nbgrader's Validate button runs `grader check`, and a terminal finds `grader`
# (the venv first on PATH; a plain shell, because a login shell would reset PATH from /etc/profile).
# As root (containers, cloud notebooks) Jupyter refuses to start without --allow-root.
LAB := PATH="$(abspath $(BIN)):$$PATH" $(BIN)/jupyter lab \
	--ServerApp.terminado_settings='{"shell_command": ["$(or $(wildcard /bin/bash),/bin/sh)"]}' \
	$(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

lab: $(STAMP)
	$(LAB)

# The same, with nbgrader's instructor panels (formgrader, Create Assignment) shown.
lab-instructor: $(STAMP)
	JUPYTER_CONFIG_PATH="$(abspath jupyter/instructor)" $(LAB)

release: $(STAMP)
	$(BIN)/grader release

verify: $(STAMP)
	$(BIN)/grader verify

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# The multi-seed versions of the chapters' headline experiments, too slow for the build: each chapter
# runs with COURSE_RECORD=1 and writes book/data/seed-records/*.json, which the book shows beside its live run.
record: $(STAMP)
	$(BIN)/python -m coursekit.records $(CHAPTERS)

# Copy the code that later chapters reuse out of the chapter that teaches it (cells whose first line is
# "# Saved in coursekit/<module>.py: ...") into coursekit/<module>.py; tests/test_shared_code.py checks they agree.
sync: $(STAMP)
	$(BIN)/python -m coursekit.sync

clean:
	rm -rf _build
