# Loss Functions for Neural Networks: the book and the lossbook package.
#
#   make book        build the website into _build/html (creates .venv first if needed)
#   make test        package tests + doctests, nbval over every notebook, build, site and browser
#                    checks, the notebooks in JupyterLab
#
# Conveniences: make lab, make notebooks, make bench, make clean, make distclean.
# Every command uses .venv/bin/... explicitly: no activation needed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ROOT   := $(abspath .)

# Extra flags for jupyter-book build. The build is always complete (--all): autodoc does not
# notice a changed docstring, and an incremental build does not repeat old warnings.
BOOK_FLAGS ?=
# Parallel workers for pytest-xdist.
JOBS ?= 2

# Seeded hashing in notebook kernels, so set/dict-of-str iteration order is reproducible.
export PYTHONHASHSEED := 0

NOTEBOOKS := $(wildcard book/*.ipynb)

.DEFAULT_GOAL := help
.PHONY: help book test test-package test-notebooks test-site test-browser test-lab chromium lab notebooks bench clean distclean kernel

help:
	@echo "make book       build the book into _build/html"
	@echo "make test       run every test: package, doctests, notebooks (nbval), built site, browser, JupyterLab"
	@echo "make lab        open chapter 1 in JupyterLab with the project's kernel (prints the address)"
	@echo "make notebooks  re-execute every notebook in book/ in place"
	@echo "make bench      time the losses (benchmarks/bench_losses.py)"
	@echo "make clean      remove _build and caches; make distclean also removes .venv"

# The virtual environment. Re-installs when requirements.txt or pyproject.toml change.
$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10 or newer is needed: run make PYTHON=python3.X")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	touch $@

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

# The package's tests and the doctests in lossbook/ (and tests/test_notebooks.py, which
# checks that every notebook is stored executed, in order, without errors).
test-package: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) tests lossbook

# nbval in strict mode: re-runs every notebook and compares each text output.
test-notebooks: $(STAMP)
	$(BIN)/python -m pytest --nbval --nbval-current-env \
	    --nbval-sanitize-with tests/nbval_sanitize.cfg \
	    -n $(JOBS) --dist loadfile book/

# Checks on the built website; fails (does not skip) if _build/html is missing.
test-site: $(STAMP)
	$(BIN)/python -m pytest tests/site

# Every page of the built site in headless Chromium (Debian's, driven by Playwright): no
# failed or outgoing request, no console error, images loaded, math typeset, links resolve.
# Screenshots land in _build/screenshots/.
test-browser: $(STAMP) chromium
	rm -rf _build/screenshots
	$(BIN)/python -m pytest -n $(JOBS) tests/browser

# Every notebook opened in JupyterLab (with jupyterlab-myst) in headless Chromium: rendered MyST,
# solutions hidden, Run All on chapters 1 and 2. Screenshots land in _build/screenshots/lab/.
test-lab: $(STAMP) chromium
	rm -rf _build/screenshots/lab
	$(BIN)/python -m pytest -n $(JOBS) tests/lab

# Debian's chromium, installed with apt when it is missing (as root, or through sudo).
# Playwright never downloads a browser: the tests use this one.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	    SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	    echo "Installing Debian's chromium for the browser tests"; \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

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

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_losses.py

clean:
	rm -rf _build .pytest_cache .hypothesis .jupyter_cache build dist *.egg-info
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -print0 \
	    | xargs -0 rm -rf

distclean: clean
	rm -rf $(VENV)
