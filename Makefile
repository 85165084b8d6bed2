# CineLab: `make lab` to learn, `make test` to check everything.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
ARGS ?=
PYTEST_ARGS ?=
# Two test processes: a 2-core laptop runs the suite in about four fifths of the time of one.
# PYTEST_WORKERS=0 runs it in one process (easier to read when debugging one test).
PYTEST_WORKERS ?= 2
# MovieLens for local tests only (never committed); tests that need it skip when it is absent.
CINELAB_TEST_DATA ?= $(abspath ../shared/data)

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export CINELAB_TEST_DATA

.PHONY: lab test venv lint model data student demo bench browser clean

venv: $(INSTALLED)

$(INSTALLED): pyproject.toml setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -c "import sys, urllib.request as u; u.urlopen('https://pypi.org/simple/pip/', timeout=5)" \
		2>/dev/null || echo "make: PyPI is not reachable, so pip can only use packages already" \
		"on this computer; if the install stalls, connect to the internet and run make again."
	$(PY) -m pip install --quiet --disable-pip-version-check --retries 1 --timeout 15 -e '.[test]'
	touch $(INSTALLED)

# Jupyter refuses to run as root unless told; containers and CI machines often run as root.
AS_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

# Rooted at the repository so both notebooks/ and exercises/ open from the file browser.
lab: $(INSTALLED)
	$(VENV)/bin/jupyter lab --notebook-dir=. $(AS_ROOT) $(ARGS)

test: $(INSTALLED)
	MPLBACKEND=Agg $(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check cinelab tests benchmarks

model: $(INSTALLED)
	$(VENV)/bin/cinelab train-lm

data: $(INSTALLED)
	$(VENV)/bin/cinelab data generate

# Student release of the exercises: solutions stubbed, hidden checks removed (exercises/student/).
student: $(INSTALLED)
	$(VENV)/bin/cinelab student-version

# Classroom app: the demo notebook served by Voila on localhost, code hidden. PRESENTER=1 enlarges
# fonts for a projector; DEMO_PORT=N (or ARGS=--port=N) picks the port.
DEMO_PORT ?= 8866
demo: $(INSTALLED)
	$(if $(PRESENTER),CINELAB_PRESENTER=1) $(VENV)/bin/voila \
		notebooks/07_interactive_recommender.ipynb --template=lab --progressive_rendering=True \
		--Voila.ip=127.0.0.1 $(if $(findstring --port,$(ARGS)),,--port=$(DEMO_PORT)) $(ARGS)

# Chromium for the browser tests (Playwright's own browser download needs the internet).
browser:
	@test -x /usr/bin/chromium || { \
		SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@/usr/bin/chromium --version

clean:
	rm -rf $(VENV) .pytest_cache
