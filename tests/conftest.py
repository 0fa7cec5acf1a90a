from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

from tests.factory import write_dataset

matplotlib.use("Agg")


@pytest.fixture
def tiny_path(tmp_path: Path) -> Path:
    """Folder of the tiny hand-checkable dataset (see tests/factory.py)."""
    return write_dataset(tmp_path / "tiny")


@pytest.fixture
def tiny(tiny_path: Path):  # type: ignore[no-untyped-def]
    import rareearth as ree

    return ree.load_network(tiny_path)
