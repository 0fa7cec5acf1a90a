""":func:`scenario`: a random restriction scenario for a network (see :mod:`rareearth.synthetic`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rareearth.errors import ArgumentError
from rareearth.network import SupplyNetwork
from rareearth.records import STAGES
from rareearth.scenario import CapacityShock, ExportRestriction, Scenario

__all__ = ["scenario"]


def scenario(
    net: SupplyNetwork,
    months: int = 120,
    seed: int = 0,
    n_events: int = 3,
    *,
    validate: bool = True,
) -> Scenario:
    """A random restriction scenario that validates against ``net``.

    Most events are :class:`~rareearth.scenario.ExportRestriction` from the dominant exporters
    of the network (the country with the largest output of each stage, weighted by how many
    stages it leads), each with random targets among its foreign buyers (or ``"all"``), random
    commodities among those it exports (or ``"all"``), a severity between 0.1 and 1 (an
    embargo one time in five), and a window of 1–36 months with ramps of 0–3 months inside
    the horizon. When ``n_events ≥ 2``, the last event is, one time in two, a
    :class:`~rareearth.scenario.CapacityShock` (factor 0–0.8) on a stage of another producing
    country.

    Parameters
    ----------
    net : SupplyNetwork
        A network with foreign flows from at least one producing country (any synthetic one).
    months : int
        Horizon, starting ``2025-01``.
    seed : int
        Seed of ``numpy.random.default_rng``; same arguments, same scenario.
    n_events : int
        Number of events (≥ 0).
    validate : bool
        Check the result with ``Scenario.validate_for(net)``. The events are drawn from the
        network's own countries, stages and commodities, so this only guards the generator;
        it costs about a second at 10^5 nodes, which a benchmark drawing 100 scenarios may skip.

    Returns
    -------
    Scenario
        Named ``synthetic-<seed>``.

    Examples
    --------
    >>> from rareearth import synthetic
    >>> net = synthetic.network(nodes=100, seed=0)
    >>> sc = synthetic.scenario(net, months=36, seed=2, n_events=2)
    >>> sc.name, sc.months, len(sc.events)
    ('synthetic-2', 36, 2)
    >>> sc == synthetic.scenario(net, months=36, seed=2, n_events=2)
    True
    """
    if months < 1:
        raise ArgumentError(f"months={months}: give at least 1")
    if n_events < 0:
        raise ArgumentError(f"n_events={n_events}: give 0 or more")
    rng = np.random.default_rng(seed)
    start = pd.Period("2025-01", freq="M")
    flows = net.flows
    trade = flows.loc[flows["source_country"] != flows["target_country"],
                      ["source_country", "target_country", "commodity"]].drop_duplicates()
    made = net.nodes[net.nodes["stage"] != "end_use"]
    by_stage = made.groupby(["stage", "country"], sort=True)["output_tonnes_per_year"].sum()
    leaders = [str(by_stage[s].idxmax()) for s in STAGES[:-1] if s in by_stage.index]
    exporters = sorted(set(leaders) & set(trade["source_country"]))
    if not exporters:
        raise ArgumentError(f"{net.name}: no dominant producer exports anything to restrict")
    lead_count = np.array([leaders.count(c) for c in exporters], dtype=float)
    plants = made[["country", "stage"]].drop_duplicates()

    def window() -> dict[str, object]:
        first = int(rng.integers(0, months))
        length = int(rng.integers(1, min(36, months - first) + 1))
        ramp_in = float(rng.integers(0, min(3, length) + 1))
        ramp_out = float(rng.integers(0, min(3, length) + 1))
        if ramp_in + ramp_out > length:
            ramp_out = 0.0
        return {"start": str(start + first), "end": str(start + first + length - 1),
                "ramp_in_months": ramp_in, "ramp_out_months": ramp_out}

    events: list[ExportRestriction | CapacityShock] = []
    shock_last = n_events >= 2 and rng.random() < 0.5
    for i in range(n_events):
        if shock_last and i == n_events - 1:
            events.append(_capacity_shock(rng, plants, leaders, window()))
            continue
        exporter = str(exporters[rng.choice(len(exporters), p=lead_count / lead_count.sum())])
        mine = trade[trade["source_country"] == exporter]
        buyers = sorted(set(mine["target_country"]))
        if rng.random() < 0.3:
            targets: str | list[str] = "all"
        else:
            size = int(rng.integers(1, min(5, len(buyers)) + 1))
            targets = sorted(str(b) for b in rng.choice(buyers, size=size, replace=False))
        exported = [c for c in net.commodities if c in set(mine["commodity"])]
        if rng.random() < 0.2:
            commodities: str | list[str] = "all"
        else:
            size = int(rng.integers(1, len(exported) + 1))
            pick = set(rng.choice(exported, size=size, replace=False))
            commodities = [c for c in exported if c in pick]
        severity = 1.0 if rng.random() < 0.2 else round(float(rng.uniform(0.1, 1.0)), 2)
        events.append(ExportRestriction.model_validate({
            "exporter": exporter, "targets": targets, "commodities": commodities,
            "severity": severity, **window(),
        }))
    sc = Scenario(
        name=f"synthetic-{seed}",
        title=f"Random restrictions on {net.name} (seed {seed})",
        description=(
            "Generated by rareearth.synthetic.scenario for benchmarks and tests: export "
            "restrictions from the dominant producers with random targets, commodities, "
            "severities and windows; not a forecast."
        ),
        dataset=None,
        start=str(start),
        months=months,
        events=events,
    )
    if validate:
        sc.validate_for(net)
    return sc


def _capacity_shock(
    rng: np.random.Generator, plants: pd.DataFrame, leaders: list[str], window: dict[str, object]
) -> CapacityShock:
    others = plants[~plants["country"].isin(leaders)]
    pool = others if len(others) else plants
    pairs = sorted(set(zip(pool["country"], pool["stage"], strict=True)))
    country, stage = pairs[int(rng.integers(0, len(pairs)))]
    return CapacityShock.model_validate({
        "country": str(country), "stage": str(stage), "commodities": "all",
        "factor": round(float(rng.uniform(0.0, 0.8)), 2), **window,
    })
