"""The docstring examples of the command line, the catalog, the report and the modules they
share run (none skipped)."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

MODULES = [
    "rareearth.atomic",
    "rareearth.catalog",
    "rareearth.catalog.builtins",
    "rareearth.catalog.documents",
    "rareearth.catalog.fields",
    "rareearth.catalog.messages",
    "rareearth.cli.output",
    "rareearth.cooperation",
    "rareearth.data",
    "rareearth.draw_summary",
    "rareearth.limitations",
    "rareearth.report_parts",
    "rareearth.report_sections",
    "rareearth.scenario",
    "rareearth.templates",
    pytest.param("rareearth.reporting", marks=pytest.mark.slow),  # a world-2024 report
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    source = Path(module.__file__ or "").read_text(encoding="utf-8")
    assert "doctest: +SKIP" not in source
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
