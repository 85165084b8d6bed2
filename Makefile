# CineLab: `make lab` to learn, `make test` to check everything.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
ARGS ?=
PYTEST_ARGS ?=
# MovieLens for local tests only (never committed); tests that need it skip when it is absent.
CINELAB_TEST_DATA ?= $(abspath ../shared/data)

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export CINELAB_TEST_DATA

.PHONY: lab test venv lint model data student demo bench clean

venv: $(INSTALLED)

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(INSTALLED)

# Jupyter refuses to run as root unless told; containers and CI machines often run as root.
AS_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(INSTALLED)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(AS_ROOT) $(ARGS)

test: $(INSTALLED)
	MPLBACKEND=Agg $(PY) -m pytest $(PYTEST_ARGS)

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
# fonts for a projector; DEMO_PORT picks the port.
DEMO_PORT ?= 8866
demo: $(INSTALLED)
	$(if $(PRESENTER),CINELAB_PRESENTER=1) $(VENV)/bin/voila \
		notebooks/07_interactive_recommender.ipynb --template=lab --progressive_rendering=True \
		--Voila.ip=127.0.0.1 --port=$(DEMO_PORT) $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
