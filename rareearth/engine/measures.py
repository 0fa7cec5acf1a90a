"""Cooperation options (``rareearth.cooperation``) turned into network edits and engine levers.

An option is a package of measures. Most act through :class:`~rareearth.engine.levers.Levers`
(capacity, offtake, stockpile, recycling, lead times, demand factors); two also edit the network
before it is compiled: a ``Substitution`` of a material that a sector buys inside magnets
(DyTb in automotive motors) lowers the recipe of the country's magnet makers, and a ``Relocate``
to a country with no end-use node for the sector creates that node (with no baseline demand).

Timing. ``timing="in_place"`` (the default of ``simulate``, ``exposure`` and ``compare``)
evaluates an option as already built when the scenario begins: every measure at full effect
from month 0. This answers "how exposed would Japan be had it done this", which is how options
are ranked. ``timing="from_start"`` starts each measure after its option's lead time and ramps
it in: "what if it is decided when the scenario starts".
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
    from rareearth.products import relocate_production

    if timing not in ("in_place", "from_start"):
        raise OptionError(f"timing must be 'in_place' or 'from_start' (got {timing!r})")
    for option in options:
        option.validate_for(net)
    measures = combine(options, in_place=timing == "in_place")
    parts: dict[str, list[Any]] = {k: [] for k in (
        "capacity", "demand_factors", "demand_additions", "recycling", "offtakes",
        "stockpiles", "lead_times")}
    recipes = net.recipes.copy()
    demand = net.demand.copy()
    production = net.product_production
    stockpile_tonnes: dict[tuple[str, str], float] = {}
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
                    start_month=start, ramp_months=ramp))
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
                parts["offtakes"].append(lv.Offtake(node, measure.partner, measure.commodity, share))
        elif isinstance(measure, Stockpile):
            for commodity in measure.resolve_commodities(net):
                if measure.tonnes is not None:
                    added = float(measure.tonnes)
                else:
                    added = float(measure.days or 0.0) / 365.0 * baseline_use(
                        net, measure.country, commodity)
                key = (measure.country, commodity)
                stockpile_tonnes[key] = stockpile_tonnes.get(key, 0.0) + added
        elif isinstance(measure, Recycling):
            increase = max(0.0, float(measure.rate) - base_recycling)
            if increase > 0:
                parts["recycling"].append(lv.RecyclingIncrease(measure.country, increase * profile))
        elif isinstance(measure, Substitution):
            recipes, _ = _substitute(net, recipes, demand, measure, profile, parts, lv)
        elif isinstance(measure, TradeLink):
            a, b = measure.countries
            parts["lead_times"] += [lv.LeadTime(a, b, float(measure.lead_time_months)),
                                    lv.LeadTime(b, a, float(measure.lead_time_months))]
        elif isinstance(measure, Relocate):
            demand = _relocate(net, demand, measure, profile, parts, lv, producers)
            # the product tier moves with it, at full share (its units follow the in-place
            # semantics; a ramp applies to the magnet demand only)
            production = relocate_production(net, measure.from_country, measure.to_country,
                                             measure.sector, measure.share, production=production)
        else:  # pragma: no cover - MEASURE_ORDER lists every measure type
            raise OptionError(f"unsupported measure {type(measure).__name__}")

    existing = net.stockpiles
    for (country, commodity), added in stockpile_tonnes.items():
        rows = existing[(existing.country == country) & (existing.material == commodity)]
        held = float(rows["stock_tonnes"].sum()) if len(rows) else 0.0
        parts["stockpiles"].append(lv.StockpileOverride(country, commodity, held + added))

    edited = net
    if not recipes.equals(net.recipes) or len(demand) != len(net.demand):
        edited = net.replace(recipes=recipes, demand=demand.drop(columns=["country", "sector"]))
    if production is not net.product_production:
        edited = edited.replace(product_production=production)
    levers = lv.Levers(
        capacity=tuple(parts["capacity"]),
        demand_factors=tuple(parts["demand_factors"]),
        demand_additions=tuple(parts["demand_additions"]),
        recycling=tuple(parts["recycling"]),
        offtakes=tuple(parts["offtakes"]),
        stockpiles=tuple(parts["stockpiles"]),
        lead_times=tuple(parts["lead_times"]),
    )
    return edited, levers


def _capacity(producers: pd.DataFrame, node: str, commodity: str) -> float:
    rows = producers[(producers.node == node) & (producers.commodity == commodity)]
    return float(rows["capacity_tonnes_per_year"].sum())


def _output(producers: pd.DataFrame, node: str, commodity: str) -> float:
    rows = producers[(producers.node == node) & (producers.commodity == commodity)]
    return float(rows["output_tonnes_per_year"].sum())


def _substitute(net: Any, recipes: pd.DataFrame, demand: pd.DataFrame, measure: Any,
                profile: np.ndarray, parts: dict[str, list[Any]], lv: Any) -> tuple[pd.DataFrame, float]:
    """Direct use: a demand factor. Use inside magnets: a lower recipe at the country's magnet
    makers, scaled by the sector's share of the magnets the country uses (full effect; the
    recipe is static, so the adoption ramp is not modelled for this case: documented)."""
    node = f"{measure.country}:end_use:{measure.sector}"
    direct = demand[(demand.node == node) & (demand.commodity == measure.commodity)]
    if len(direct):
        parts["demand_factors"].append(
            lv.DemandFactor(node, measure.commodity, 1.0 - measure.intensity_cut * profile))
        return recipes, 1.0
    magnets = demand[(demand.country == measure.country) & (demand.commodity == MAGNET)]
    total = float(magnets["demand_tonnes_per_year"].sum())
    sector = float(magnets.loc[magnets.node == node, "demand_tonnes_per_year"].sum())
    if total <= 0 or sector <= 0:
        raise OptionError(
            f"substitution: {node} uses no {measure.commodity}, directly or in magnets")
    factor = 1.0 - measure.intensity_cut * sector / total
    makers = [n for n in net.node_ids
              if parse_node_id(n).country == measure.country and parse_node_id(n).stage == "magnet"]
    rows = []
    for maker in makers:
        recipe = net.recipe(maker)
        if measure.commodity not in recipe:
            continue
        recipes = recipes[~((recipes.node == maker) & (recipes.material.isin(list(recipe))))]
        for material, share in recipe.items():
            value = share * factor if material == measure.commodity else share
            rows.append({"node": maker, "material": material, "tonnes_per_tonne": value,
                         "ref": "option", "confidence": "estimate",
                         "method": f"substitution: {measure.commodity} × {factor:.3f}"})
    if rows:
        recipes = pd.concat([recipes, pd.DataFrame(rows)], ignore_index=True)
    return recipes, factor


def _relocate(net: Any, demand: pd.DataFrame, measure: Any, profile: np.ndarray,
              parts: dict[str, list[Any]], lv: Any, producers: pd.DataFrame) -> pd.DataFrame:
    source = f"{measure.from_country}:end_use:{measure.sector}"
    target = f"{measure.to_country}:end_use:{measure.sector}"
    rows = demand[demand.node == source]
    for row in rows.itertuples(index=False):
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
                    parts["offtakes"].append(
                        lv.Offtake(str(node), measure.to_country, row.commodity, share))
    return demand
