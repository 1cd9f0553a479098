# Two commands do all set-up on a fresh machine:
#   make demo   # venv + install, synthetic data, train/test the demo, metrics
#   make test   # venv + install, the test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# test processes (pytest-xdist; one file per worker at a time), each with one
# torch/OpenMP thread: two workers on two cores, no oversubscription
TEST_WORKERS ?= 2

.PHONY: install test demo clean-demo

$(VENV)/.installed: requirements.txt requirements-tests.txt setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt -r requirements-tests.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $@

install: $(VENV)/.installed

test: install
	OMP_NUM_THREADS=1 $(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile tests

demo: install
	bash tools/demo.sh $(PY)
