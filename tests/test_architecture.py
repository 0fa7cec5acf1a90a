"""The package's layers point one way (docs/architecture.md): no module imports a layer above it.

Read from the source with ``ast``: every ``import``/``from ... import`` of ``rareearth``,
at module level or inside a function, except those under ``if TYPE_CHECKING:`` (typing only).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "rareearth"

#: Lowest first. A module may import its own layer and those below it. A prefix ending in "."
#: names a subpackage (``engine.`` is every module of rareearth/engine/).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("errors", "limits", "_format", "atomic", "records", "product_records",
              "templates", "draw_summary", "catalog.messages", "catalog.fields")),
    ("data", ("dataset_format", "dataset_checks", "data")),
    ("network", ("network", "compiled", "protocols", "synthetic.build", "synthetic.world")),
    ("documents", ("catalog", "catalog.", "scenario", "scenario_events", "event_draws", "cooperation", "option_measures", "_arguments", "examples",
                   "synthetic", "synthetic.scenarios")),
    # the product tier and the IAMC table are views of a run's result
    ("engine", ("engine", "engine.", "contracts", "products", "iamc")),
    ("analysis", ("indicators", "indicators.", "economics", "scoring", "score_inputs",
                  "option_effects")),
    ("decisions", ("ranking", "montecarlo", "portfolios", "sensitivity_analysis", "limitations")),
    ("plot", ("plot", "plot.")),
    ("report", ("reporting", "report_parts", "report_sections")),
    ("interface", ("", "__main__", "cli", "cli.", "warm")),
]


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _layer(module: str) -> int:
    best, rank = -1, -1
    for i, (_, names) in enumerate(LAYERS):
        for name in names:
            exact = name == module
            under = name.endswith(".") and module.startswith(name)
            if (exact or under) and len(name) > best:
                best, rank = len(name), i
    if rank < 0:
        raise AssertionError(f"rareearth.{module} belongs to no layer: add it to LAYERS")
    return rank


def _typing_only(tree: ast.Module) -> set[int]:
    """Line numbers of the imports under ``if TYPE_CHECKING:``."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                for sub in ast.walk(child):
                    if isinstance(sub, ast.Import | ast.ImportFrom):
                        lines.add(sub.lineno)
    return lines


def _imports(module: str, path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text())
    skip = _typing_only(tree)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and node.lineno in skip:
            continue
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names if a.name.split(".")[0] == "rareearth"]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] != "rareearth":
                continue
            base = node.module.removeprefix("rareearth").lstrip(".")
            for alias in node.names:
                sub = f"{base}.{alias.name}".lstrip(".")
                if sub in MODULES:
                    out.append((f"rareearth.{sub}", node.lineno))
                elif alias.name != "__version__":  # the package's version is no layer
                    out.append((node.module, node.lineno))
    return [(name.removeprefix("rareearth").lstrip("."), line) for name, line in out]


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        _layer(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_layer_above_it(module: str) -> None:
    mine = _layer(module)
    above = [
        f"line {line}: rareearth.{target or '(package)'} ({LAYERS[_layer(target)][0]})"
        for target, line in _imports(module, MODULES[module])
        if _layer(target) > mine
    ]
    assert not above, (
        f"rareearth.{module} ({LAYERS[mine][0]}) imports a layer above it: " + "; ".join(above)
    )


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """The test can fail: an engine module importing the report is caught."""
    path = tmp_path / "m.py"
    path.write_text("def f():\n    from rareearth import reporting\n")
    targets = [t for t, _ in _imports("engine.core", path)]
    assert targets == ["reporting"] and _layer("reporting") > _layer("engine.core")
    path.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                    "    from rareearth import reporting\n")
    assert _imports("engine.core", path) == []


#: A module the next engineer can read whole (issue 13: "no module over ~600 lines").
MAX_MODULE_LINES = 650


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_too_long_to_read(module: str) -> None:
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, (
        f"rareearth.{module} has {lines} lines (at most {MAX_MODULE_LINES}): split it by job"
    )
