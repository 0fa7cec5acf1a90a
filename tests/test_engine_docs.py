"""Every docstring example of the engine runs (on small synthetic networks, in seconds)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import rareearth.engine

MODULES = sorted(m.name for m in pkgutil.iter_modules(rareearth.engine.__path__,
                                                      "rareearth.engine."))


def test_no_engine_example_is_skipped() -> None:
    for name in MODULES:
        module = importlib.import_module(name)
        assert module.__file__ is not None
        with open(module.__file__, encoding="utf-8") as f:
            assert "doctest: +SKIP" not in f.read(), name


@pytest.mark.parametrize("name", ["rareearth.engine", *MODULES])
def test_engine_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, name
