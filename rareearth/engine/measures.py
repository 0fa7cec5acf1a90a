"""Cooperation options (``rareearth.cooperation``) turned into network edits and engine levers.

An option is a package of measures. They act through :class:`~rareearth.engine.levers.Levers`
(capacity, offtake, stockpile, recycling, lead times, demand factors, input factors); one also
edits the network before it is compiled: a ``Relocate`` to a country with no end-use node for
the sector creates that node (with no baseline demand). A ``Substitution`` of a material that a
sector buys inside magnets (DyTb in automotive motors) scales the Leontief input coefficient of
that material at the country's magnet makers (an :class:`~rareearth.engine.levers.InputFactor`),
by the share of each maker's magnet output that goes to that sector of the country.

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

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from rareearth.errors import OptionError
from rareearth.records import MAGNET, parse_node_id

if TYPE_CHECKING:
    from rareearth.cooperation import Option
    from rareearth.engine.levers import Levers
    from rareearth.protocols import NetworkLike

__all__ = ["Timing", "apply_options", "baseline_use"]

Timing = Literal["in_place", "from_start"]


# ---------------------------------------------------------------------------- caches
# Options are immutable and a network's tables do not change: what apply_options derives from
# them (validation, expanded includes, node lists, baseline use) is kept per network, so that
# hundreds of portfolios of the same options (simulate_many, the frontier) cost little.

_EXPANDED: dict[str, list[Any]] = {}


def _cached(net: Any, key: Any, make: Callable[[], Any]) -> Any:
    return net.cached("measures", key, make)  # kept with the network


def _key(model: Any) -> str:
    return f"{type(model).__name__}:{model.model_dump_json()}"


def _validate(option: Any, net: Any) -> bool:
    option.validate_for(net)
    return True


def _expanded(option: Any) -> list[Any]:
    """``option.expand()`` with each option's includes cleared (already expanded), cached."""
    key = _key(option)
    if key not in _EXPANDED:
        _EXPANDED[key] = [o.model_copy(update={"includes": []}) for o in option.expand()]
    return _EXPANDED[key]


def _combined(net: Any, options: Sequence[Any], in_place: bool) -> list[Any]:
    """Every option validated against ``net`` (once per network), then
    :func:`rareearth.cooperation.combine` of them, includes expanded from the cache."""
    from rareearth.cooperation import combine

    flat: dict[str, Any] = {}
    for option in options:
        _cached(net, ("valid", _key(option)), partial(_validate, option, net))
        for part in _expanded(option):
            if part.name in flat and flat[part.name] != part:
                raise OptionError(f"two different options are named {part.name!r}")
            flat.setdefault(part.name, part)
    return combine(flat.values(), in_place=in_place)


def baseline_use(net: NetworkLike, country: str, commodity: str) -> float:
    """A country's baseline use of a commodity, t/yr: what enters its nodes from abroad plus
    what its own mines produce (each tonne counted once, where it enters the country)."""
    return float(_cached(net, ("use", country, commodity),
                         lambda: _baseline_use(net, country, commodity)))


def _baseline_use(net: Any, country: str, commodity: str) -> float:
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
    net: NetworkLike, options: Sequence[Option], months: int, *, timing: Timing = "in_place"
) -> tuple[NetworkLike, Levers]:
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
    )
    from rareearth.engine import levers as lv

    if timing not in ("in_place", "from_start"):
        raise OptionError(f"timing must be 'in_place' or 'from_start' (got {timing!r})")
    measures = _combined(net, options, timing == "in_place")
    parts: dict[str, list[Any]] = {k: [] for k in (
        "capacity", "demand_factors", "demand_additions", "recycling", "offtakes",
        "stockpiles", "lead_times", "input_factors")}
    demand = net.demand  # replaced (not edited) when a relocation adds end-use rows
    moves: list[tuple[str, str, str, float]] = []  # the product tier's relocations, in order
    relocations: list[str] = []  # the Relocate measures, in order (they make ``demand``)
    stockpile_tonnes: dict[tuple[str, str, int], float] = {}
    base_recycling = float(net.parameters.get("recycling_rate", 0.0))

    for measure in measures:
        profile = _profile(measure, months, timing)
        start, ramp = _start(measure, timing)
        if isinstance(measure, AddCapacity):
            nodes = _cached(net, ("nodes", _key(measure)), partial(measure.nodes, net))
            caps = np.array([_capacity(net, n, measure.commodity) for n in nodes])
            weights = caps / caps.sum() if caps.sum() > 0 else np.full(len(nodes), 1 / len(nodes))
            for node, w in zip(nodes, weights, strict=True):
                parts["capacity"].append(lv.CapacityAddition(
                    node, measure.commodity, float(measure.tonnes_per_year * w),
                    start_month=start, ramp_months=ramp,
                    profile=None if timing == "in_place" else profile))
        elif isinstance(measure, Offtake):
            nodes = _cached(net, ("suppliers", _key(measure)),
                            partial(measure.supplier_nodes, net))
            for node in nodes:
                if measure.share is not None:
                    share = float(measure.share)
                else:
                    out = _output(net, node, measure.commodity)
                    out += sum(c.tonnes_per_year for c in parts["capacity"]
                               if c.node == node and c.commodity == measure.commodity)
                    share = min(1.0, float(measure.tonnes_per_year or 0.0) / len(nodes) / out) \
                        if out > 0 else 0.0
                parts["offtakes"].append(lv.Offtake(node, measure.partner, measure.commodity, share,
                                                    start_month=start))
        elif isinstance(measure, Stockpile):
            for commodity in _cached(net, ("coms", _key(measure)),
                                     partial(measure.resolve_commodities, net)):
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
                    commodities=_cached(net, ("recycled", _key(measure)),
                                        partial(_recycled, net, measure))))
        elif isinstance(measure, Substitution):
            _substitute(net, demand, measure, profile, parts, lv)
        elif isinstance(measure, TradeLink):
            a, b = measure.countries
            months_ = float(measure.lead_time_months)
            parts["lead_times"] += [lv.LeadTime(a, b, months_, start_month=start),
                                    lv.LeadTime(b, a, months_, start_month=start)]
        elif isinstance(measure, Relocate):
            demand = _relocate(net, demand, measure, profile, start, parts, lv)
            relocations.append(_key(measure))
            # the product tier moves with it. Its production table has no time axis, so it
            # moves the share times the measure's mean effect over the run: all of it in
            # place; with from_start only as much as is built within the horizon (none when the
            # lead time outlasts the scenario) — an approximation of the ramp, documented
            moved = float(measure.share) * (float(np.mean(profile)) if len(profile) else 1.0)
            if moved > 0:
                moves.append((measure.from_country, measure.to_country, measure.sector, moved))
        else:  # pragma: no cover - MEASURE_ORDER lists every measure type
            raise OptionError(f"unsupported measure {type(measure).__name__}")

    for (country, commodity, start), added in stockpile_tonnes.items():
        held = float(_cached(net, ("held", country, commodity),
                             partial(_held, net, country, commodity)))
        parts["stockpiles"].append(lv.StockpileOverride(country, commodity, held + added,
                                                        start_month=start))

    edited = net
    if len(demand) != len(net.demand) or moves:
        # the edited network depends only on the relocations (in order) and what they move:
        # built once per network and kept, so portfolios sharing a relocation share it
        edited = _cached(net, ("edited", tuple(relocations), tuple(moves)),
                         partial(_edited, net, demand, moves))
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


def _edited(net: Any, demand: pd.DataFrame, moves: list[tuple[str, str, str, float]]) -> Any:
    """``net`` with the end-use rows a relocation created and the product tier's production
    moved (:func:`rareearth.products.relocate_production`, each move in turn)."""
    from rareearth.products import relocate_production

    edited = net
    if len(demand) != len(net.demand):
        edited = net.replace(demand=demand.drop(columns=["country", "sector"]))
    if moves:
        production = net.product_production
        for from_country, to_country, sector, moved in moves:
            production = relocate_production(net, from_country, to_country, sector, moved,
                                             production=production)
        edited = edited.replace(product_production=production)
    return edited


def _held(net: Any, country: str, commodity: str) -> float:
    """The national stockpile the dataset gives (t)."""
    existing = net.stockpiles
    rows = existing[(existing.country == country) & (existing.material == commodity)]
    return float(rows["stock_tonnes"].sum()) if len(rows) else 0.0


def _producer_sums(producers: pd.DataFrame) -> dict[tuple[str, str], tuple[float, float]]:
    sums = producers.groupby(["node", "commodity"], sort=False)[
        ["capacity_tonnes_per_year", "output_tonnes_per_year"]].sum()
    return {(str(n), str(c)): (float(cap), float(out))
            for (n, c), cap, out in zip(sums.index, sums.iloc[:, 0], sums.iloc[:, 1], strict=True)}


def _capacity(net: Any, node: str, commodity: str) -> float:
    return float(_cached(net, "sums", partial(_producer_sums, net.producers)).get(
        (node, commodity), (0.0, 0.0))[0])


def _output(net: Any, node: str, commodity: str) -> float:
    return float(_cached(net, "sums", partial(_producer_sums, net.producers)).get(
        (node, commodity), (0.0, 0.0))[1])


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
    key = ("sector", measure.country, measure.sector, measure.commodity)
    if demand.equals(net.demand):  # not edited by a relocation: the network's own use
        direct, total, sector = _cached(net, key, partial(_sector_use, demand, *key[1:]))
    else:  # edited by a relocation in the same package
        direct, total, sector = _sector_use(demand, *key[1:])
    if direct:
        for node in direct:
            parts["demand_factors"].append(
                lv.DemandFactor(node, measure.commodity, 1.0 - measure.intensity_cut * profile))
        return
    if total <= 0 or sector <= 0:
        raise OptionError(
            f"substitution: {measure.country}:end_use:{measure.sector} uses no "
            f"{measure.commodity}, directly or in magnets")
    shares = _cached(net, ("maker-shares", measure.country, measure.sector, measure.commodity),
                     lambda: _maker_shares(net, measure.country, measure.sector, measure.commodity))
    if not shares:
        raise OptionError(
            f"substitution: {measure.country}:end_use:{measure.sector} buys no magnets from "
            f"{measure.country}'s own magnet makers; a cut of {measure.commodity} inside magnets "
            "made abroad is not modelled (the importer does not set the exporter's recipe)")
    for maker, share in shares:
        factor = 1.0 - measure.intensity_cut * share * profile
        parts["input_factors"].append(lv.InputFactor(maker, measure.commodity, factor))


def _maker_shares(net: Any, country: str, sector_name: str, commodity: str) -> list[tuple[str, float]]:
    """The country's magnet makers with ``commodity`` in their recipe, each with the share of
    its magnet output that goes to the sector's end-use nodes of the country (baseline
    flows): the part of its output the substitution redesigns (exports and other sectors keep
    the recipe). Makers that ship nothing to the sector are left out."""
    f = net.flows
    out: list[tuple[str, float]] = []
    for maker in _magnet_makers(net, country, commodity):
        sold = f[(f.source == maker) & (f.commodity == MAGNET)]
        total = float(sold.tonnes_per_year.sum())
        to_sector = sold[sold.target.map(
            lambda n: parse_node_id(n).country == country and parse_node_id(n).stage == "end_use"
            and str(parse_node_id(n).facility or "").split("-", 1)[0] == sector_name)]
        share = float(to_sector.tonnes_per_year.sum()) / total if total > 0 else 0.0
        if share > 0:
            out.append((maker, share))
    return out


def _sector_use(demand: pd.DataFrame, country: str, sector_name: str,
                commodity: str) -> tuple[list[str], float, float]:
    """End-use nodes of the sector using ``commodity`` directly; the country's and the
    sector's magnet demand (t/yr)."""
    sector_rows = demand[(demand.country == country) & (demand.sector == sector_name)]
    direct = [str(n) for n in dict.fromkeys(sector_rows.node[sector_rows.commodity == commodity])]
    magnets = demand[(demand.country == country) & (demand.commodity == MAGNET)]
    total = float(magnets["demand_tonnes_per_year"].sum())
    sector = float(sector_rows.loc[sector_rows.commodity == MAGNET, "demand_tonnes_per_year"].sum())
    return direct, total, sector


def _magnet_makers(net: Any, country: str, commodity: str) -> list[str]:
    """The country's magnet makers (making magnets) whose recipe has ``commodity``."""
    made = set(net.producers.loc[net.producers.commodity == MAGNET, "node"])
    made |= set(net.flows.loc[net.flows.commodity == MAGNET, "source"])
    return [n for n in net.node_ids
            if parse_node_id(n).country == country and parse_node_id(n).stage == "magnet"
            and n in made and commodity in net.recipe(n)]


def _relocate(net: Any, demand: pd.DataFrame, measure: Any, profile: np.ndarray, start: int,
              parts: dict[str, list[Any]], lv: Any) -> pd.DataFrame:
    target = f"{measure.to_country}:end_use:{measure.sector}"
    plan = _cached(net, ("relocate", _key(measure)), partial(_relocation, net, measure))
    present = set(zip(demand.node, demand.commodity, strict=True))
    new_rows = []
    for source, commodity, moved, row, makers in plan:
        parts["demand_factors"].append(
            lv.DemandFactor(source, commodity, 1.0 - measure.share * profile))
        if (target, commodity) not in present:
            new_rows.append(row)
            present.add((target, commodity))
        parts["demand_additions"].append(lv.DemandAddition(target, commodity, moved * profile))
        for node, share in makers:
            parts["offtakes"].append(lv.Offtake(node, measure.to_country, commodity, share,
                                                start_month=start))
    if new_rows:
        demand = pd.concat([demand, pd.DataFrame(new_rows)], ignore_index=True)
    return demand


def _relocation(net: Any, measure: Any) -> list[tuple[str, str, float, dict[str, Any],
                                                     list[tuple[str, float]]]]:
    """Per end-use row of the sector in ``from_country`` (the bare sector and named end users):
    its node, commodity, t/yr moved, the row that creates the target node if needed, and the
    supplier country's producers with the share of their output reserved for the moved demand."""
    demand, producers = net.demand, net.producers
    target = f"{measure.to_country}:end_use:{measure.sector}"
    rows = demand[(demand.country == measure.from_country) & (demand.sector == measure.sector)]
    plan = []
    for row in rows.itertuples(index=False):
        source = str(row.node)
        moved = float(row.demand_tonnes_per_year) * measure.share
        new = {"node": target, "country": measure.to_country, "sector": measure.sector,
               "commodity": row.commodity, "demand_tonnes_per_year": 0.0,
               "value_usd_per_tonne": float(row.value_usd_per_tonne), "ref": row.ref,
               "confidence": "estimate",
               "method": f"created by the relocation of {source} demand"}
        makers_share: list[tuple[str, float]] = []
        if measure.supplier_country:
            stage = "magnet" if row.commodity == MAGNET else "separation"
            makers = producers[(producers.commodity == row.commodity)
                               & producers.node.str.startswith(f"{measure.supplier_country}:{stage}")]
            out = float(makers["output_tonnes_per_year"].sum())
            cap = float(makers["capacity_tonnes_per_year"].sum())
            base = out if out > 0 else cap
            if base > 0:
                share = min(1.0, moved / base)
                makers_share = [(str(node), share) for node in makers.node]
        plan.append((source, str(row.commodity), moved, new, makers_share))
    return plan
