"""Build small datasets on disk for tests: a tiny hand-checkable network, and bad variants.

``tiny_tables()`` returns the tables of a 3-country network (CN, AU, JP) whose numbers are
easy to check by hand; ``write_dataset(folder, tables)`` writes them as a dataset folder.
Tests mutate the tables to make bad datasets. ``stand_in()`` is the part of a network that
``Scenario.validate_for`` and ``Option.validate_for`` read, without building one.

The tiny network (t REO/yr; magnets t/yr; recipe NdPr 0.3, DyTb 0.02 t/t):

    CN:mining NdPr 100, DyTb 9 -> CN:separation
    AU:mining NdPr 40 (cap 60) -> AU:separation (cap 50) -> JP:metal 40
    CN:separation NdPr 100 -> CN:metal 75, JP:metal 20, CN:end_use:other 5
    CN:separation DyTb 9  -> CN:metal 5, JP:metal 4
    JP:metal NdPr 60, DyTb 4 -> JP:magnet 200 t -> JP:end_use:automotive 150, electronics 50
    CN:metal NdPr 75, DyTb 5 -> CN:magnet 250 t -> CN:end_use:automotive 150,
                                                   JP:end_use:automotive 100
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd

PROV = {"ref": "test", "confidence": "exact", "method": ""}

UNITS: dict[str, dict[str, str]] = {
    "countries": {"governance": "WGI"},
    "materials": {"price_usd_per_tonne": "USD/t", "price_elasticity": "1"},
    "nodes": {"capacity_tonnes_per_year": "t/yr", "output_tonnes_per_year": "t/yr", "yield": "1"},
    "flows": {"tonnes_per_year": "t/yr"},
    "recipes": {"tonnes_per_tonne": "t/t"},
    "demand": {"demand_tonnes_per_year": "t/yr", "value_usd_per_tonne": "USD/t"},
    "stocks": {"stock_tonnes": "t", "target_tonnes": "t"},
    "stockpiles": {"stock_tonnes": "t", "release_threshold": "1", "release_tonnes_per_month": "t/month"},
    "parameters": {},
}


def _node(node: str, commodity: str, cap: float, out: float, yld: float = 1.0) -> dict[str, Any]:
    return {"node": node, "commodity": commodity, "capacity_tonnes_per_year": cap,
            "output_tonnes_per_year": out, "yield": yld, **PROV}


def _flow(s: str, t: str, c: str, v: float) -> dict[str, Any]:
    return {"source": s, "target": t, "commodity": c, "tonnes_per_year": v, **PROV}


def tiny_tables() -> dict[str, list[dict[str, Any]]]:
    """The tables of the tiny network (fresh dicts each call, safe to mutate)."""
    return {
        "countries": [
            {"code": "CN", "name": "China", "kind": "country", "governance": -0.33, **PROV},
            {"code": "AU", "name": "Australia", "kind": "country", "governance": 1.49, **PROV},
            {"code": "JP", "name": "Japan", "kind": "country", "governance": 1.37, **PROV},
        ],
        "materials": [
            {"id": "NdPr", "name": "neodymium-praseodymium", "elements": "Nd;Pr", "group": "light",
             "price_usd_per_tonne": 50000, "price_elasticity": 0.5, **PROV},
            {"id": "DyTb", "name": "dysprosium-terbium", "elements": "Dy;Tb", "group": "heavy",
             "price_usd_per_tonne": 400000, "price_elasticity": 0.3, **PROV},
        ],
        "nodes": [
            _node("CN:mining", "NdPr", 100, 100),
            _node("CN:mining", "DyTb", 9, 9),
            _node("AU:mining", "NdPr", 60, 40),
            _node("CN:separation", "NdPr", 120, 100),
            _node("CN:separation", "DyTb", 12, 9),
            _node("AU:separation", "NdPr", 50, 40),
            _node("CN:metal", "NdPr", 90, 75),
            _node("CN:metal", "DyTb", 6, 5),
            _node("JP:metal", "NdPr", 70, 60),
            _node("JP:metal", "DyTb", 5, 4),
            _node("CN:magnet", "magnet", 300, 250),
            _node("JP:magnet", "magnet", 220, 200),
        ],
        "flows": [
            _flow("CN:mining", "CN:separation", "NdPr", 100),
            _flow("CN:mining", "CN:separation", "DyTb", 9),
            _flow("AU:mining", "AU:separation", "NdPr", 40),
            _flow("AU:separation", "JP:metal", "NdPr", 40),
            _flow("CN:separation", "CN:metal", "NdPr", 75),
            _flow("CN:separation", "JP:metal", "NdPr", 20),
            _flow("CN:separation", "CN:end_use:other", "NdPr", 5),
            _flow("CN:separation", "CN:metal", "DyTb", 5),
            _flow("CN:separation", "JP:metal", "DyTb", 4),
            _flow("JP:metal", "JP:magnet", "NdPr", 60),
            _flow("JP:metal", "JP:magnet", "DyTb", 4),
            _flow("CN:metal", "CN:magnet", "NdPr", 75),
            _flow("CN:metal", "CN:magnet", "DyTb", 5),
            _flow("JP:magnet", "JP:end_use:automotive", "magnet", 150),
            _flow("JP:magnet", "JP:end_use:electronics", "magnet", 50),
            _flow("CN:magnet", "CN:end_use:automotive", "magnet", 150),
            _flow("CN:magnet", "JP:end_use:automotive", "magnet", 100),
        ],
        "recipes": [
            {"node": "default", "material": "NdPr", "tonnes_per_tonne": 0.3, **PROV},
            {"node": "default", "material": "DyTb", "tonnes_per_tonne": 0.02, **PROV},
        ],
        "demand": [
            {"node": "JP:end_use:automotive", "commodity": "magnet", "demand_tonnes_per_year": 250,
             "value_usd_per_tonne": 500000, **PROV},
            {"node": "JP:end_use:electronics", "commodity": "magnet", "demand_tonnes_per_year": 50,
             "value_usd_per_tonne": 300000, **PROV},
            {"node": "CN:end_use:automotive", "commodity": "magnet", "demand_tonnes_per_year": 150,
             "value_usd_per_tonne": 500000, **PROV},
            {"node": "CN:end_use:other", "commodity": "NdPr", "demand_tonnes_per_year": 5,
             "value_usd_per_tonne": 100000, **PROV},
        ],
        "stocks": [
            {"node": "JP:magnet", "commodity": "DyTb", "stock_tonnes": 1, "target_tonnes": 1, **PROV},
        ],
        "stockpiles": [
            {"country": "JP", "material": "DyTb", "stock_tonnes": 0.5, "release_threshold": 0.1,
             "release_tonnes_per_month": 0.25, **PROV},
        ],
        "parameters": [
            {"name": "lead_time_months", "value": 2, "unit": "months", "low": 1, "high": 4, **PROV},
            {"name": "balance_tolerance", "value": 0.01, "unit": "1", "low": "", "high": "", **PROV},
        ],
    }


def write_dataset(
    folder: Path,
    tables: dict[str, list[dict[str, Any]]] | None = None,
    *,
    units: dict[str, dict[str, str]] | None = None,
    name: str = "tiny",
) -> Path:
    """Write ``tables`` (default: the tiny network) as a dataset folder and return its path."""
    tables = tiny_tables() if tables is None else tables
    units = UNITS if units is None else units
    folder.mkdir(parents=True, exist_ok=True)
    resources = []
    for table, rows in tables.items():
        columns = list(rows[0]) if rows else ["ref"]
        with (folder / f"{table}.csv").open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        fields = [{"name": c, "type": "string"} for c in columns]
        for f in fields:
            if f["name"] in units.get(table, {}):
                f["unit"] = units[table][f["name"]]
        resources.append({"name": table, "path": f"{table}.csv", "schema": {"fields": fields}})
    package = {
        "name": name,
        "title": "Tiny test network",
        "version": "0.0.1",
        "licenses": [{"name": "CC0-1.0"}],
        "sources": [{"id": "test", "title": "hand-made test figures"}],
        "resources": resources,
    }
    (folder / "datapackage.json").write_text(json.dumps(package, indent=1))
    return folder


def stand_in() -> SimpleNamespace:
    """The parts of a SupplyNetwork that validate_for reads (the network module is separate)."""
    producers = pd.DataFrame(
        [
            ("CN:mining", "NdPr"), ("CN:mining", "DyTb"), ("CN:mining", "LaCe"),
            ("MM:mining", "DyTb"), ("AU:mining", "NdPr"), ("US:mining", "NdPr"),
            ("CN:separation", "NdPr"), ("CN:separation", "DyTb"), ("CN:separation", "LaCe"),
            ("MY:separation", "NdPr"), ("MY:separation", "LaCe"),
            ("US:separation", "NdPr"), ("IN:separation", "NdPr"), ("IN:separation", "LaCe"),
            ("CN:metal", "NdPr"), ("CN:metal", "DyTb"), ("VN:metal", "NdPr"),
            ("JP:metal", "NdPr"), ("JP:metal", "DyTb"),
            ("CN:magnet", "magnet"), ("JP:magnet", "magnet"), ("US:magnet", "magnet"),
        ],
        columns=["node", "commodity"],
    )
    demand = pd.DataFrame(
        {"node": ["JP:end_use:automotive", "JP:end_use:electronics", "US:end_use:automotive",
                  "EU:end_use:wind", "CN:end_use:automotive"]}
    )
    return SimpleNamespace(
        name="stand-in",
        country_codes=["CN", "JP", "US", "EU", "MM", "MY", "AU", "IN", "VN"],
        commodities=["NdPr", "DyTb", "LaCe", "magnet"],
        materials=pd.DataFrame({"group": ["light", "heavy", "light"]},
                               index=["NdPr", "DyTb", "LaCe"]),
        producers=producers,
        demand=demand,
        node_ids=[*dict.fromkeys(producers["node"]), *demand["node"]],
    )
