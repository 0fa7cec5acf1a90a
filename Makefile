# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WARM := $(VENV)/.warm

.PHONY: demo test test-slow test-all lint bench clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,distributed]'
	@touch $(STAMP)

# numba compiles the engine's kernels once, here, and caches them on disk: a user's first demo
# or query loads them (again whenever the engine's source changes)
$(WARM): $(STAMP) $(wildcard rareearth/engine/*.py)
	$(BIN)/python -m rareearth.warm
	@touch $(WARM)

demo: $(WARM)
	MPLBACKEND=Agg $(BIN)/python examples/demo.py

lint: $(STAMP)
	$(BIN)/ruff check rareearth tests examples benchmarks datasets/build docs
	$(BIN)/mypy

# `make test`: lint and every test but those marked slow (examples, Dask clusters, whole-world
# runs); `make test-slow` runs those; `make test-all` (and CI, .ci/run) runs both.
test: $(WARM) lint
	MPLBACKEND=Agg $(BIN)/python -m pytest -q -m "not slow"

test-slow: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest -q -m slow

test-all: test test-slow

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/montecarlo.py
	$(BIN)/python benchmarks/frontier.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
