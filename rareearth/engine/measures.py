"""Cooperation options (``rareearth.cooperation``) turned into network edits and engine levers.

An option is a package of measures. They act through :class:`~rareearth.engine.levers.Levers`
(capacity, offtake, stockpile, recycling, lead times, demand factors, input factors); one also
edits the network before it is compiled: a ``Relocate`` to a country with no end-use node for
the sector creates that node (with no baseline demand). A ``Substitution`` of a material that a
sector buys inside magnets (DyTb in automotive motors) scales the Leontief input coefficient of
that material at the country's magnet makers (an :class:`~rareearth.engine.levers.InputFactor`),
by the sector's share of the magnets the country uses.

Timing. ``timing="in_place"`` (the default of ``simulate``, ``exposure`` and ``compare``)
evaluates an option as already built when the scenario begins: every measure at full effect
from month 0. This answers "how exposed would Japan be had it done this", which is how options
are ranked. ``timing="from_start"`` starts each measure after its lead time (its own
``starts_after_months`` or its option's ``lead_time_months``) and ramps it in over its ramp
(:func:`rareearth.cooperation.measure_profile`): capacity, recycling, substitution and
relocated demand follow that 0…1 profile; a stockpile's added tonnes arrive at its start
month; an offtake and a trade link's shorter lead time apply from their start month.
See ``docs/model.md``, "Cooperation options in the engine".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from rareearth.errors import OptionError
from rareearth.records import MAGNET, parse_node_id

__all__ = ["Timing", "apply_options", "baseline_use"]

Timing = Literal["in_place", "from_start"]


def baseline_use(net: Any, country: str, commodity: str) -> float:
    """A country's baseline use of a commodity, t/yr: what enters its nodes from abroad plus
    what its own mines produce (each tonne counted once, where it enters the country)."""
    f = net.flows
    imports = f[(f.target_country == country) & (f.source_country != country)
                & (f.commodity == commodity)]["tonnes_per_year"].sum()
    p = net.nodes
    mined = p[(p.country == country) & (p.stage == "mining")
              & (p.commodity == commodity)]["output_tonnes_per_year"].sum()
    return float(imports + mined)


def _profile(measure: Any, months: int, timing: Timing) -> np.ndarray:
    from rareearth.cooperation import measure_profile

    if timing == "in_place":
        return np.ones(months)
    return measure_profile(measure, months)


def _start(measure: Any, timing: Timing) -> tuple[int, float]:
    if timing == "in_place":
        return 0, 0.0
    return round(float(measure.starts_after_months or 0.0)), float(measure.ramp)


def apply_options(
    net: Any, options: Sequence[Any], months: int, *, timing: Timing = "in_place"
) -> tuple[Any, Any]:
    """The network edited by ``options`` and the levers that carry the rest.

    Parameters
    ----------
    net : SupplyNetwork
    options : sequence of rareearth.cooperation.Option
        Combined in :data:`rareearth.cooperation.MEASURE_ORDER` (includes expanded).
    months : int
        Horizon of the scenario (levers vary by month).
    timing : {"in_place", "from_start"}
        See the module docstring.

    Returns
    -------
    (SupplyNetwork, Levers)
    """
    from rareearth.cooperation import (
        AddCapacity,
        Offtake,
        Recycling,
        Relocate,
        Stockpile,
        Substitution,
        TradeLink,
        combine,
    )
    from rareearth.engine import levers as lv

    if timing not in ("in_place", "from_start"):
        raise OptionError(f"timing must be 'in_place' or 'from_start' (got {timing!r})")
    for option in options:
        option.validate_for(net)
    measures = combine(options, in_place=timing == "in_place")
    parts: dict[str, list[Any]] = {k: [] for k in (
        "capacity", "demand_factors", "demand_additions", "recycling", "offtakes",
        "stockpiles", "lead_times", "input_factors")}
    demand = net.demand.copy()
    stockpile_tonnes: dict[tuple[str, str, int], float] = {}
    base_recycling = float(net.parameters.get("recycling_rate", 0.0))
    producers = net.producers

    for measure in measures:
        profile = _profile(measure, months, timing)
        start, ramp = _start(measure, timing)
        if isinstance(measure, AddCapacity):
            nodes = measure.nodes(net)
            caps = np.array([_capacity(producers, n, measure.commodity) for n in nodes])
            weights = caps / caps.sum() if caps.sum() > 0 else np.full(len(nodes), 1 / len(nodes))
            for node, w in zip(nodes, weights, strict=True):
                parts["capacity"].append(lv.CapacityAddition(
                    node, measure.commodity, float(measure.tonnes_per_year * w),
                    start_month=start, ramp_months=ramp,
                    profile=None if timing == "in_place" else profile))
        elif isinstance(measure, Offtake):
            nodes = measure.supplier_nodes(net)
            for node in nodes:
                if measure.share is not None:
                    share = float(measure.share)
                else:
                    out = _output(producers, node, measure.commodity)
                    out += sum(c.tonnes_per_year for c in parts["capacity"]
                               if c.node == node and c.commodity == measure.commodity)
                    share = min(1.0, float(measure.tonnes_per_year or 0.0) / len(nodes) / out) \
                        if out > 0 else 0.0
                parts["offtakes"].append(lv.Offtake(node, measure.partner, measure.commodity, share,
                                                    start_month=start))
        elif isinstance(measure, Stockpile):
            for commodity in measure.resolve_commodities(net):
                if measure.tonnes is not None:
                    added = float(measure.tonnes)
                else:
                    added = float(measure.days or 0.0) / 365.0 * baseline_use(
                        net, measure.country, commodity)
                key = (measure.country, commodity, start)
                stockpile_tonnes[key] = stockpile_tonnes.get(key, 0.0) + added
        elif isinstance(measure, Recycling):
            increase = max(0.0, float(measure.rate) - base_recycling)
            if increase > 0:
                parts["recycling"].append(lv.RecyclingIncrease(
                    measure.country, increase * profile,
                    commodities=_recycled(net, measure)))
        elif isinstance(measure, Substitution):
            _substitute(net, demand, measure, profile, parts, lv)
        elif isinstance(measure, TradeLink):
            a, b = measure.countries
            months_ = float(measure.lead_time_months)
            parts["lead_times"] += [lv.LeadTime(a, b, months_, start_month=start),
                                    lv.LeadTime(b, a, months_, start_month=start)]
        elif isinstance(measure, Relocate):
            demand = _relocate(net, demand, measure, profile, start, parts, lv, producers)
        else:  # pragma: no cover - MEASURE_ORDER lists every measure type
            raise OptionError(f"unsupported measure {type(measure).__name__}")

    existing = net.stockpiles
    for (country, commodity, start), added in stockpile_tonnes.items():
        rows = existing[(existing.country == country) & (existing.material == commodity)]
        held = float(rows["stock_tonnes"].sum()) if len(rows) else 0.0
        parts["stockpiles"].append(lv.StockpileOverride(country, commodity, held + added,
                                                        start_month=start))

    edited = net
    if len(demand) != len(net.demand):
        edited = net.replace(demand=demand.drop(columns=["country", "sector"]))
    levers = lv.Levers(
        capacity=tuple(parts["capacity"]),
        demand_factors=tuple(parts["demand_factors"]),
        demand_additions=tuple(parts["demand_additions"]),
        recycling=tuple(parts["recycling"]),
        offtakes=tuple(parts["offtakes"]),
        stockpiles=tuple(parts["stockpiles"]),
        lead_times=tuple(parts["lead_times"]),
        input_factors=tuple(parts["input_factors"]),
    )
    return edited, levers


def _capacity(producers: pd.DataFrame, node: str, commodity: str) -> float:
    rows = producers[(producers.node == node) & (producers.commodity == commodity)]
    return float(rows["capacity_tonnes_per_year"].sum())


def _output(producers: pd.DataFrame, node: str, commodity: str) -> float:
    rows = producers[(producers.node == node) & (producers.commodity == commodity)]
    return float(rows["output_tonnes_per_year"].sum())


def _recycled(net: Any, measure: Any) -> tuple[str, ...]:
    """Commodities whose end uses a recycling measure serves: those it lists, and magnets when
    it lists every material of the country's magnet recipes (a recycled magnet gives back all
    its materials; NdPr alone makes no magnet, so a partial list recycles no magnets)."""
    listed = list(measure.resolve_commodities(net))
    if MAGNET in net.commodities and MAGNET not in listed:
        makers = [n for n in net.node_ids if parse_node_id(n).stage == "magnet"
                  and parse_node_id(n).country == measure.country] or ["default"]
        needed = {m for maker in makers for m, v in net.recipe(maker).items() if v > 0}
        if needed and needed <= set(listed):
            listed.append(MAGNET)
    return tuple(listed)


def _substitute(net: Any, demand: pd.DataFrame, measure: Any, profile: np.ndarray,
                parts: dict[str, list[Any]], lv: Any) -> None:
    """Direct use: a demand factor on every end-use node of the sector (named end users
    ``JP:end_use:automotive-x`` as well as the bare sector). Use inside magnets: the country's
    magnet makers need ``1 − cut × share × profile`` of their coefficient of the material (an
    input factor), ``share`` the sector's part of the magnets the country uses."""
    sector_rows = demand[(demand.country == measure.country) & (demand.sector == measure.sector)]
    direct = sector_rows[sector_rows.commodity == measure.commodity]
    if len(direct):
        for node in dict.fromkeys(direct.node):
            parts["demand_factors"].append(
                lv.DemandFactor(str(node), measure.commodity, 1.0 - measure.intensity_cut * profile))
        return
    magnets = demand[(demand.country == measure.country) & (demand.commodity == MAGNET)]
    total = float(magnets["demand_tonnes_per_year"].sum())
    sector = float(sector_rows.loc[sector_rows.commodity == MAGNET, "demand_tonnes_per_year"].sum())
    if total <= 0 or sector <= 0:
        raise OptionError(
            f"substitution: {measure.country}:end_use:{measure.sector} uses no "
            f"{measure.commodity}, directly or in magnets")
    factor = 1.0 - measure.intensity_cut * sector / total * profile
    makers = [n for n in net.node_ids
              if parse_node_id(n).country == measure.country and parse_node_id(n).stage == "magnet"]
    made = set(net.producers.loc[net.producers.commodity == MAGNET, "node"])
    made |= set(net.flows.loc[net.flows.commodity == MAGNET, "source"])
    for maker in makers:
        if measure.commodity not in net.recipe(maker) or maker not in made:
            continue
        parts["input_factors"].append(lv.InputFactor(maker, measure.commodity, factor))


def _relocate(net: Any, demand: pd.DataFrame, measure: Any, profile: np.ndarray, start: int,
              parts: dict[str, list[Any]], lv: Any, producers: pd.DataFrame) -> pd.DataFrame:
    target = f"{measure.to_country}:end_use:{measure.sector}"
    # every end-use node of the sector (the bare sector and named end users)
    rows = demand[(demand.country == measure.from_country) & (demand.sector == measure.sector)]
    for row in rows.itertuples(index=False):
        source = str(row.node)
        moved = float(row.demand_tonnes_per_year) * measure.share
        parts["demand_factors"].append(
            lv.DemandFactor(source, row.commodity, 1.0 - measure.share * profile))
        here = demand[(demand.node == target) & (demand.commodity == row.commodity)]
        if not len(here):
            new = {"node": target, "country": measure.to_country, "sector": measure.sector,
                   "commodity": row.commodity, "demand_tonnes_per_year": 0.0,
                   "value_usd_per_tonne": float(row.value_usd_per_tonne), "ref": row.ref,
                   "confidence": "estimate",
                   "method": f"created by the relocation of {source} demand"}
            demand = pd.concat([demand, pd.DataFrame([new])], ignore_index=True)
        parts["demand_additions"].append(
            lv.DemandAddition(target, row.commodity, moved * profile))
        if measure.supplier_country:
            stage = "magnet" if row.commodity == MAGNET else "separation"
            makers = producers[(producers.commodity == row.commodity)
                               & producers.node.str.startswith(f"{measure.supplier_country}:{stage}")]
            out = float(makers["output_tonnes_per_year"].sum())
            cap = float(makers["capacity_tonnes_per_year"].sum())
            base = out if out > 0 else cap
            if base > 0:
                share = min(1.0, moved / base)
                for node in makers.node:
                    parts["offtakes"].append(lv.Offtake(
                        str(node), measure.to_country, row.commodity, share, start_month=start))
    return demand
