"""End users of one sector split by supplier (world-2024 splits Japan's automotive users into
users of Chinese magnets and users of Japanese ones): each holds its own stock, so a cut that
falls on one supplier's users is felt by them, where one pooled node lends them the stock of
the others; and the product tier counts the sector's vehicles once, however many nodes it has.

The tiny network (tests/factory.py), Japan's automotive end use as one node or as two:

    JP:magnet 200 t/yr -> JP:end_use:automotive 150, electronics 50
    CN:magnet 250 t/yr -> CN:end_use:automotive 150, JP:end_use:automotive 100

    split: JP:magnet -> JP:end_use:automotive-jp 150; CN:magnet -> JP:end_use:automotive-cn 100

Each automotive user holds one month of its own use (cn 100/12, jp 150/12 t; pooled, their sum
250/12 t). China stops its magnets to Japan from February to April; nobody can reroute (Japan's
magnet makers run at capacity, China's spare capacity is China's, restricted toward Japan).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import rareearth as ree
from tests.engine_helpers import embargo, node_value, scenario
from tests.factory import PROV, tiny_tables, write_dataset
from tests.test_products import ALL_UNITS, CARS, chain_tables, shock

MONTH = {"cn": 100 / 12, "jp": 150 / 12}  # t of magnets a month each user needs


def _tables(split: bool) -> dict[str, list[dict[str, Any]]]:
    t = tiny_tables()
    for row in t["nodes"]:
        if row["node"] == "JP:magnet":
            row["capacity_tonnes_per_year"] = row["output_tonnes_per_year"]  # no spare to reroute
    t["parameters"].append({"name": "transit_months", "value": 0, "unit": "months", "low": "",
                            "high": "", **PROV})
    if not split:
        t["stocks"].append({"node": "JP:end_use:automotive", "commodity": "magnet",
                            "stock_tonnes": MONTH["cn"] + MONTH["jp"],
                            "target_tonnes": MONTH["cn"] + MONTH["jp"], **PROV})
        return t
    whose = {"JP:magnet": "JP:end_use:automotive-jp", "CN:magnet": "JP:end_use:automotive-cn"}
    for row in t["flows"]:
        if row["target"] == "JP:end_use:automotive":
            row["target"] = whose[row["source"]]
    t["demand"] = [d for d in t["demand"] if d["node"] != "JP:end_use:automotive"]
    for key, tonnes in (("cn", 100.0), ("jp", 150.0)):
        node = f"JP:end_use:automotive-{key}"
        t["demand"].append({"node": node, "commodity": "magnet", "demand_tonnes_per_year": tonnes,
                            "value_usd_per_tonne": 500000, **PROV})
        t["stocks"].append({"node": node, "commodity": "magnet", "stock_tonnes": MONTH[key],
                            "target_tonnes": MONTH[key], **PROV})
    return t


def _run(tmp_path: Path, split: bool) -> ree.SimulationResult:
    net = ree.load_network(write_dataset(tmp_path / f"split-{split}", _tables(split)))
    return ree.simulate(net, scenario(6, embargo(commodities=["magnet"])))


def test_split_users_hold_their_own_stock(tmp_path: Path) -> None:
    """Split: the users of Chinese magnets draw their month in February and receive nothing in
    March (short by all their demand); the users of Japanese magnets are never short and keep
    their month. Pooled: February draws the Chinese part's month from the common stock, leaving
    the Japanese part's (150/12 = 12.5 t), which covers March: nobody is short until April."""
    pooled, split = _run(tmp_path, False), _run(tmp_path, True)
    feb, mar, apr = 1, 2, 3

    def get(res: ree.SimulationResult, key: str, node: str) -> np.ndarray:
        return node_value(res, key, node, "magnet")

    cn, jp = "JP:end_use:automotive-cn", "JP:end_use:automotive-jp"
    assert get(split, "demand", cn)[feb] == pytest.approx(MONTH["cn"])
    assert get(split, "stock", cn)[feb] == pytest.approx(0.0, abs=1e-9)
    assert get(split, "received", cn)[mar] == pytest.approx(0.0, abs=1e-9)
    assert get(split, "shortfall", cn)[mar] == pytest.approx(get(split, "demand", cn)[mar])
    assert get(split, "shortfall", jp) == pytest.approx(np.zeros(6), abs=1e-9)
    assert get(split, "stock", jp)[: apr + 1] == pytest.approx([MONTH["jp"]] * 4)
    auto = "JP:end_use:automotive"
    assert get(pooled, "stock", auto)[feb] == pytest.approx(MONTH["jp"])  # 250/12 - 100/12
    assert get(pooled, "shortfall", auto)[: apr] == pytest.approx(np.zeros(3), abs=1e-9)
    assert get(pooled, "shortfall", auto)[apr] > 0
    # the pooled node lent the Japanese part's month: it is short by about that much less
    lent = get(split, "shortfall", cn).sum() - get(pooled, "shortfall", auto).sum()
    assert lent == pytest.approx(MONTH["jp"], rel=0.1)  # price responses move demand a little
    # China's own users are as pooled; Japan's electronics lose nothing once split, where the
    # pooled node, short of Chinese magnets, ordered more from its Japanese supplier and took
    # part of their share (the users of Chinese magnets have no link to Japan's makers)
    auto_cn = "CN:end_use:automotive"
    assert get(split, "shortfall", auto_cn) == pytest.approx(get(pooled, "shortfall", auto_cn), abs=1e-6)
    elec = "JP:end_use:electronics"
    assert get(split, "shortfall", elec) == pytest.approx(np.zeros(6), abs=1e-9)
    assert get(pooled, "shortfall", elec)[mar] > 0.1


def test_the_product_tier_counts_a_split_sector_once(tmp_path: Path) -> None:
    """The 5-node chain of tests/test_products.py with its automotive end use as two users of
    half its magnets and NdPr each: the cars the sector builds are the same as with one node,
    none counted twice (availability is the sector's shortfall over its demand)."""
    def halves(t: dict[str, list[dict[str, Any]]]) -> None:
        for table in ("flows", "demand"):
            rows = []
            for row in t[table]:
                key = "target" if table == "flows" else "node"
                if row[key] != "JP:end_use:automotive":
                    rows.append(row)
                    continue
                size = "tonnes_per_year" if table == "flows" else "demand_tonnes_per_year"
                for half in ("a", "b"):
                    rows.append({**row, key: f"JP:end_use:automotive-{half}", size: row[size] / 2})
            t[table] = rows

    results = {}
    for split in (False, True):
        t = chain_tables()
        if split:
            halves(t)
        net = ree.load_network(write_dataset(tmp_path / f"chain-{split}", t, units=ALL_UNITS))
        results[split] = ree.simulate(net, scenario(6, shock("JP:magnet", 0.5)))
    one, two = (results[k].products for k in (False, True))
    assert two["demand_units"].tolist() == pytest.approx([CARS / 12] * 6)
    assert two["lost_units"].tolist() == pytest.approx(one["lost_units"].tolist(), abs=1e-6)
    assert two["lost_units"].sum() == pytest.approx(1.5 * CARS / 12)  # half of Mar-May
