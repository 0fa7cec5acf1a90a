"""Helpers shared by the engine tests: scenarios, invariant checks, random layered networks.

``random_network`` builds networks top-down so that the baseline balances exactly: end-use demand
is split over magnet makers (or, for materials, over separation and metal nodes), a maker's
recipe need over metal nodes, and so on up to the mines; ``random_events`` draws restrictions,
quotas and shocks on them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rareearth.network import SupplyNetwork
from rareearth.scenario import Scenario

EPS = 1e-9


# ---------------------------------------------------------------------------- helpers


def scenario(months: int = 6, *events: dict[str, Any], start: str = "2025-01") -> Scenario:
    return Scenario(name="test", start=start, months=months, events=list(events))


def embargo(exporter: str = "CN", targets: Any = ("JP",), severity: float = 1.0,
            commodities: Any = "all", start: str = "2025-02", end: str = "2025-04") -> dict[str, Any]:
    return {"type": "export_restriction", "exporter": exporter,
            "targets": list(targets) if targets != "all" else "all", "severity": severity,
            "commodities": commodities, "start": start, "end": end}


def node_value(res: Any, key: str, node: str, commodity: str) -> np.ndarray:
    cn = res.compiled
    return res.arrays[key][:, cn.node_index[node], cn.commodity_index[commodity]]


def check_invariants(res: Any, tol: float = 1e-7) -> None:
    """MODEL.md §3 invariants on one result: nothing created, balances, non-negative
    (``SimulationResult.check_balance``, which raises ``BalanceError`` naming the worst cells)."""
    report = res.check_balance(tol)
    assert "stock_in" in report.checked and "stock_out" in report.checked, report.skipped


COUNTRIES = ["AA", "BB", "CC", "DD"]
MATERIALS = [("NdPr", "light", 60_000.0, 0.6), ("DyTb", "heavy", 400_000.0, 0.3)]


def _split(rng: np.random.Generator, total: float, n: int) -> np.ndarray:
    w = rng.uniform(0.2, 1.0, n)
    return total * w / w.sum()


def random_network(seed: int, n_countries: int = 3, n_materials: int = 2) -> SupplyNetwork:
    """A balanced random layered network (see module docstring)."""
    rng = np.random.default_rng(seed)
    countries = COUNTRIES[:n_countries]
    materials = MATERIALS[:n_materials]
    mats = [m[0] for m in materials]
    recipe = {"NdPr": 0.3, "DyTb": 0.03}
    flows: dict[tuple[str, str, str], float] = {}
    output: dict[tuple[str, str], float] = {}

    def add(src: str, tgt: str, com: str, t: float) -> None:
        flows[(src, tgt, com)] = flows.get((src, tgt, com), 0.0) + t
        output[(src, com)] = output.get((src, com), 0.0) + t

    def pick(stage: str, k: int) -> list[str]:
        chosen = rng.choice(countries, size=min(k, len(countries)), replace=False)
        return [f"{c}:{stage}" for c in sorted(chosen)]

    demand_rows = []
    magnets = pick("magnet", int(rng.integers(1, 3)))
    sectors = ["automotive", "electronics"]
    for c in countries:
        for sector in sectors[: int(rng.integers(1, 3))]:
            node = f"{c}:end_use:{sector}"
            d = float(rng.uniform(20, 200))
            demand_rows.append((node, "magnet", d))
            sup = list(rng.choice(magnets, size=int(rng.integers(1, len(magnets) + 1)), replace=False))
            for s_, t in zip(sup, _split(rng, d, len(sup)), strict=True):
                add(s_, node, "magnet", float(t))
        if rng.random() < 0.5:  # a material end use
            node = f"{c}:end_use:other"
            d = float(rng.uniform(2, 20))
            demand_rows.append((node, mats[0], d))
            sup = pick("separation", 1)
            add(sup[0], node, mats[0], d)
    # magnet makers' recipe needs -> metal nodes; metal needs -> separation; -> mining
    need: dict[tuple[str, str], float] = {}
    for m in magnets:
        for mat in mats:
            if (m, "magnet") in output:  # a maker no end use chose makes nothing
                need[(m, mat)] = recipe[mat] * output[(m, "magnet")]
    metals = {mat: pick("metal", int(rng.integers(1, 3))) for mat in mats}
    for (m, mat), q in list(need.items()):
        for s_, t in zip(metals[mat], _split(rng, q, len(metals[mat])), strict=True):
            add(s_, m, mat, float(t))
    seps = {mat: pick("separation", int(rng.integers(1, 3))) for mat in mats}
    mines = {mat: pick("mining", int(rng.integers(1, 3))) for mat in mats}
    for stage_nodes, upstream in ((metals, seps), (seps, mines)):
        for mat in mats:
            for node in stage_nodes[mat]:
                q = output.get((node, mat), 0.0)
                if q <= 0:
                    continue
                ups = upstream[mat]
                for s_, t in zip(ups, _split(rng, q, len(ups)), strict=True):
                    add(s_, node, mat, float(t))
    # separation nodes that only feed end use also need ore
    for (node, com), q in list(output.items()):
        if ":separation" in node and not any(k[1] == node and k[2] == com for k in flows):
            add(mines[com][0], node, com, q)
    prov = {"ref": "test", "confidence": "exact", "method": ""}
    producers = pd.DataFrame([
        {"node": n, "commodity": c, "capacity_tonnes_per_year": q * float(rng.uniform(1.0, 1.6)),
         "output_tonnes_per_year": q, "yield": 1.0, **prov}
        for (n, c), q in sorted(output.items())
    ])
    flow_table = pd.DataFrame([
        {"source": s_, "target": t, "commodity": c, "tonnes_per_year": q, **prov}
        for (s_, t, c), q in sorted(flows.items())
    ])
    demand = pd.DataFrame([
        {"node": n, "commodity": c, "demand_tonnes_per_year": d, "value_usd_per_tonne": 1e5, **prov}
        for n, c, d in demand_rows
    ])
    stocks = pd.DataFrame([
        {"node": n, "commodity": c, "stock_tonnes": d / 12 * 2, "target_tonnes": d / 12 * 2, **prov}
        for n, c, d in demand_rows if rng.random() < 0.3
    ], columns=["node", "commodity", "stock_tonnes", "target_tonnes", *prov])
    pile_country = str(rng.choice(countries))
    stockpiles = pd.DataFrame([
        {"country": pile_country, "material": mats[-1], "stock_tonnes": 2.0,
         "release_threshold": 0.1, "release_tonnes_per_month": 0.5, **prov}
    ])
    return SupplyNetwork(
        name="random",
        title="random layered network",
        countries=pd.DataFrame({"code": countries, "name": countries, "kind": "country",
                                "governance": 0.0}).set_index("code"),
        materials=pd.DataFrame([
            {"id": i, "name": i, "elements": i, "group": g, "price_usd_per_tonne": p,
             "price_elasticity": e} for i, g, p, e in materials
        ]).set_index("id"),
        producers=producers,
        flows=flow_table,
        recipes=pd.DataFrame([{"node": "default", "material": mat, "tonnes_per_tonne": recipe[mat], **prov}
                              for mat in mats]),
        demand=demand,
        stocks=stocks,
        stockpiles=stockpiles,
        sources=pd.DataFrame(columns=["id", "title", "path"]).set_index("id"),
        parameters={"lead_time_months": 2.0, "ramp_rate_per_month": 0.1, "price_cap": 10.0,
                    "recycling_rate": 0.01, "substitution_max_per_year": 0.1,
                    "balance_tolerance": 0.01},
    )


def random_events(seed: int, net: SupplyNetwork, n: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed + 1000)
    countries = net.country_codes
    events: list[dict[str, Any]] = []
    for _ in range(n):
        kind = rng.choice(["export_restriction", "export_quota", "capacity_shock", "demand_shock"],
                          p=[0.5, 0.15, 0.25, 0.1])
        start = f"2025-{int(rng.integers(1, 4)):02d}"
        end = f"2025-{int(rng.integers(4, 10)):02d}"
        base = {"start": start, "end": end, "ramp_in_months": float(rng.choice([0.0, 2.0]))}
        exporter = str(rng.choice(countries))
        commodities: Any = "all" if rng.random() < 0.5 else [str(rng.choice(net.commodities))]
        if kind == "export_restriction":
            others = [c for c in countries if c != exporter]
            targets: Any = "all" if rng.random() < 0.5 else sorted(
                rng.choice(others, size=int(rng.integers(1, len(others) + 1)), replace=False).tolist())
            events.append({"type": kind, "exporter": exporter, "targets": targets,
                           "commodities": commodities, "severity": float(rng.uniform(0.2, 1.0)), **base})
        elif kind == "export_quota":
            events.append({"type": kind, "exporter": exporter, "commodities": commodities,
                           "tonnes_per_year": float(rng.uniform(0, 50)), **base})
        elif kind == "capacity_shock":
            producers = net.producers["node"].unique().tolist()
            events.append({"type": kind, "node": str(rng.choice(producers)), "commodities": "all",
                           "factor": float(rng.uniform(0.0, 0.8)), **base})
        else:
            node = str(rng.choice(net.demand["node"].tolist()))
            country, _, sector = node.split(":")
            events.append({"type": kind, "country": country, "sector": sector,
                           "factor": float(rng.uniform(0.5, 1.5)), **base})
    return events
