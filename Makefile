# Loss Functions for Neural Networks: the book and the lossbook package.
#
#   make book        build the website into _build/html (creates .venv first if needed)
#   make test        package tests + doctests, nbval over every notebook, build, site and browser
#                    checks, the notebooks in JupyterLab
#
# Conveniences: make lab, make notebooks, make bench, make lock, make clean, make distclean.
# Every command uses .venv/bin/... explicitly: no activation needed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ROOT   := $(abspath .)

# The Pythons the book is tested on (README.md, .github/workflows/tests.yml). The lock holds one
# version of each package for all of them, so every Python prints the same notebook outputs.
OLDEST_PYTHON := 3.11
NEWEST_PYTHON := 3.13

# The exact versions the stored notebook outputs were made with (`make lock` writes it from
# requirements.txt). `make test LOCK=` installs the newest releases instead (the weekly CI job).
LOCKFILE := requirements-lock.txt
LOCK     ?= $(LOCKFILE)
# One stamp per mode, so that switching between locked and newest re-installs.
STAMP    := $(VENV)/.installed$(if $(LOCK),-locked,-newest)

# uv installs the same packages as pip in a fraction of the time (README.md, "Installing"); it
# is used when it is on the PATH, plain pip otherwise. `make UV=` forces pip. pip skips
# byte-compiling (--no-compile, as uv does): Python compiles each module on its first import.
UV ?= $(shell command -v uv 2>/dev/null)

# Extra flags for jupyter-book build. The build is always complete (--all): autodoc does not
# notice a changed docstring, and an incremental build does not repeat old warnings.
BOOK_FLAGS ?=
# Parallel workers for pytest-xdist.
JOBS ?= 2

# Seeded hashing in notebook kernels, so set/dict-of-str iteration order is reproducible.
export PYTHONHASHSEED := 0

NOTEBOOKS := $(wildcard book/*.ipynb)

.DEFAULT_GOAL := help
.PHONY: help book test test-package test-notebooks test-site test-browser test-lab test-wheel chromium lab notebooks bench lock lock-upgrade clean distclean kernel

help:
	@echo "make book       build the book into _build/html"
	@echo "make test       run every test: package, doctests, notebooks (nbval), built site, browser, JupyterLab, wheel"
	@echo "make lab        open chapter 1 in JupyterLab with the project's kernel (prints the address)"
	@echo "make notebooks  re-execute every notebook in book/ in place"
	@echo "make bench      time the losses and the training (benchmarks/), write benchmarks/results/"
	@echo "make lock       update $(LOCKFILE) after a change to requirements.txt (make lock-upgrade: newest of all)"
	@echo "make clean      remove _build and caches; make distclean also removes .venv"

# The virtual environment, installed from requirements.txt with the lock as constraints.
# Re-installs when requirements.txt, pyproject.toml or the lock change. A stale lock (a
# requirement it does not pin) stops the install before anything is installed.
$(STAMP): requirements.txt pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; lo, hi = (tuple(map(int, a.split("."))) for a in sys.argv[1:]); \
	    sys.exit("Python %s or newer is needed: run make PYTHON=python3.X" % sys.argv[1]) if v < lo else \
	    v > hi and print("Note: Python %d.%d is newer than the newest tested, %s" % (*v, sys.argv[2]))' $(OLDEST_PYTHON) $(NEWEST_PYTHON)
	$(if $(LOCK),@$(PYTHON) .ci/lock.py covers $(LOCK) requirements.txt pyproject.toml)
	rm -f $(VENV)/.installed*
ifneq ($(strip $(UV)),)
	test -x $(BIN)/python || UV_PYTHON_DOWNLOADS=never $(UV) venv --seed --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')" $(VENV)
	$(UV) pip install --python $(BIN)/python -r requirements.txt $(if $(LOCK),-c $(LOCK),--upgrade)
else
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --no-compile -r requirements.txt $(if $(LOCK),-c $(LOCK),--upgrade --upgrade-strategy eager)
endif
	$(BIN)/python .ci/lock.py $(if $(LOCK),installed $(LOCK),diff $(LOCKFILE))
	touch $@

# Regenerate the lock from requirements.txt, for every Python from OLDEST_PYTHON up with one
# version of each package for all of them (--fork-strategy fewest), on Linux, macOS and Windows
# alike (--universal); uv resolves for Pythons it is not running on, which pip-tools cannot.
# `make lock` keeps the versions already locked and adds what requirements.txt gained;
# `make lock-upgrade` moves everything to the newest releases. Then: make notebooks, make test,
# and commit the lock with the re-executed notebooks. Needs uv: installed into .venv if missing.
lock: LOCK_FLAGS :=
lock-upgrade: LOCK_FLAGS := --upgrade
lock lock-upgrade:
	@uv=$${UV:-$$(command -v uv)}; if [ -z "$$uv" ]; then \
	    echo "uv is not on the PATH: installing it into $(VENV) (pip install uv)"; \
	    test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); \
	    $(BIN)/python -m pip install -q uv && uv=$(BIN)/uv; fi; \
	set -x; $$uv pip compile requirements.txt --universal --python-version $(OLDEST_PYTHON) \
	    --fork-strategy fewest --no-emit-package lossbook --custom-compile-command "make lock" \
	    $(LOCK_FLAGS) -o $(LOCKFILE)

# A Jupyter kernel named "lossbook" inside the venv (--sys-prefix), for JupyterLab and
# editors. The notebooks themselves name the generic "python3" kernel, which Jupyter run
# from .venv/bin resolves to the venv's own Python.
kernel: $(VENV)/share/jupyter/kernels/lossbook/kernel.json
$(VENV)/share/jupyter/kernels/lossbook/kernel.json: $(STAMP)
	$(BIN)/python -m ipykernel install --sys-prefix --name lossbook --display-name "Python (lossbook)"

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going --all $(BOOK_FLAGS)
	@echo
	@echo "Open $(ROOT)/_build/html/index.html"

test: $(STAMP)
	$(MAKE) test-package
	$(MAKE) test-notebooks
	$(MAKE) book
	$(MAKE) test-site
	$(MAKE) test-browser
	$(MAKE) test-lab
	$(MAKE) test-wheel

# The package's tests and the doctests in lossbook/ (and tests/test_notebooks.py, which
# checks that every notebook is stored executed, in order, without errors).
test-package: $(STAMP)
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -n $(JOBS) tests lossbook

# nbval in strict mode: re-runs every notebook and compares each text output.
test-notebooks: $(STAMP)
	$(BIN)/python -m pytest --nbval --nbval-current-env \
	    --nbval-sanitize-with tests/nbval_sanitize.cfg \
	    -n $(JOBS) --dist loadfile book/

# Checks on the built website; fails (does not skip) if _build/html is missing.
test-site: $(STAMP)
	$(BIN)/python -m pytest tests/site

# Every page of the built site in headless Chromium, driven by Playwright: no failed or
# outgoing request, no console error, images loaded, math typeset, links resolve.
# Screenshots land in _build/screenshots/. The browser comes from .ci/chromium.sh (below).
test-browser: $(STAMP)
	rm -rf _build/screenshots
	CHROMIUM="$$(sh .ci/chromium.sh $(BIN)/python)" && export CHROMIUM && \
	    $(BIN)/python -m pytest -n $(JOBS) tests/browser

# The browser for the tests, said in one line: $$CHROMIUM if set, else a Chromium or Chrome on
# the PATH, else Playwright's own Chromium if it was downloaded before, else Debian's chromium
# with apt-get (as root or through sudo), else `playwright install chromium` (needs network
# access to Playwright's download host). If none works it stops with an error: the browser
# tests are never skipped.
chromium: $(STAMP)
	@sh .ci/chromium.sh $(BIN)/python

# Every notebook opened in JupyterLab (with jupyterlab-myst) in headless Chromium: rendered MyST,
# solutions hidden, Run All on chapters 1 and 2. Screenshots land in _build/screenshots/lab/.
test-lab: $(STAMP)
	rm -rf _build/screenshots/lab
	CHROMIUM="$$(sh .ci/chromium.sh $(BIN)/python)" && export CHROMIUM && \
	    $(BIN)/python -m pytest -n $(JOBS) tests/lab

# lossbook as a wheel, in a clean venv with only its own dependencies (tests/wheel).
test-wheel: $(STAMP)
	$(BIN)/python -m pytest tests/wheel

# JupyterLab on chapter 1, serving book/. The notebooks' "python3" kernel is this venv's Python
# (Jupyter runs from .venv/bin), and jupyterlab-myst (requirements.txt) renders their MyST.
# Jupyter prints the address to open, with its token; LAB_PORT chooses the port. Jupyter
# refuses to run as root without --allow-root (containers, CI machines).
LAB_PORT ?= 8888
LAB_FLAGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)
lab: $(STAMP) kernel
	@echo "Starting JupyterLab on chapter 1 (book/what_is_a_loss.ipynb); open the address it prints below."
	$(BIN)/jupyter lab $(LAB_FLAGS) --ServerApp.port=$(LAB_PORT) --ServerApp.root_dir=book \
	    --LabApp.default_url=/lab/tree/what_is_a_loss.ipynb

# Re-execute every notebook in place, top to bottom in a fresh kernel started in book/, and
# store the value of every {eval} role in its cell (what JupyterLab and the site show without
# running anything). nbclient's per-cell timestamps are dropped, so that re-running an
# unchanged notebook leaves it unchanged. See _ext/tied_values.py.
notebooks: $(STAMP)
	$(BIN)/python _ext/tied_values.py execute $(NOTEBOOKS)

# PyTorch's column needs its CPU build in the venv (see the README); without it, it is left out.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_losses.py --out benchmarks/results
	$(BIN)/python benchmarks/bench_training.py --out benchmarks/results

clean:
	rm -rf _build .pytest_cache .hypothesis .jupyter_cache build dist *.egg-info
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -print0 \
	    | xargs -0 rm -rf

distclean: clean
	rm -rf $(VENV)
