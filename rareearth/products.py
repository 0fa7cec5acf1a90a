"""The product tier: from the engine's end-use deliveries to units built, month by month.

A dataset may declare products (``products.csv``: a BEV, a hybrid car, ...), their rare-earth
bill (``product_inputs.csv``: kg of a commodity per unit) and who builds them where
(``product_production.csv``: units per year by country, i.e. territory, and owner, the makers'
home country). This module turns a simulation result into units built and lost:

1. **Availability.** For each country, end-use sector and commodity, the share of the month's
   need the engine delivered, ``a(t) = 1 − shortfall / demand`` over the country's end-use nodes
   of that sector (``demand`` is the engine's need that month, so demand cut by price is thrift,
   less rare earth per unit, not fewer units). Where the run kept only per-country aggregates,
   the country's ratio over all its sectors is used.
2. **Sharing.** Every product and owner of a country's sector gets the same share ``a(t)`` of
   its need: a shortage is shared among them in proportion to their need (the engine's own
   proportional rule, carried one tier down).
3. **Component inventory.** Between the magnet and the assembly line sit ``inventory_weeks`` of
   components (motors, actuators); each input of each (country, owner, product) starts with
   ``inventory_weeks × 12/52`` months of its need. A month's supply of an input is
   ``stock + a(t) × need``.
4. **Leontief.** ``built = min(demand, min over inputs of supply)`` (a car needs all its
   magnets); what an input's supply leaves is kept, up to its starting stock (more is not
   ordered). Stocks drawn are not rebuilt within the run (like the national stockpiles).

Everything is numpy over (month, [scenario,] row, input); the only loop is over months, which
the inventory carries from one to the next.

Examples
--------
>>> import rareearth as ree
>>> from rareearth import examples
>>> res = ree.simulate(examples.tiny(), examples.embargo())  # CN stops exports to JP
>>> res.products.groupby("country")["lost_units"].sum().round().to_dict()
{'CN': 0.0, 'JP': 21007.0}
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rareearth.compiled import CompiledNetwork
from rareearth.protocols import NetworkLike
from rareearth.records import sector_of

if TYPE_CHECKING:
    from rareearth.engine.result import SimulationResult

__all__ = [
    "PRODUCT_COLUMNS",
    "WEEKS_PER_MONTH",
    "Plan",
    "build_units",
    "lost_units",
    "plan",
    "product_rows",
    "product_table",
    "relocate_production",
]

#: Columns of ``SimulationResult.products``.
PRODUCT_COLUMNS = ["month", "country", "owner", "product", "demand_units", "built_units",
                   "lost_units", "lost_output_usd"]
#: Weeks in a month (52 / 12).
WEEKS_PER_MONTH = 52.0 / 12.0


def build_units(demand: np.ndarray, availability: np.ndarray, uses: np.ndarray,
                inventory_months: np.ndarray) -> np.ndarray:
    """Units built per month under the Leontief rule with component inventories.

    Parameters
    ----------
    demand : (..., R) array
        Units wanted per month of each row (country, owner, product); the leading axes (e.g.
        scenarios) broadcast.
    availability : (T, ..., R, I) array
        Share of the month's need of input ``i`` delivered (0…1).
    uses : (R, I) bool
        Whether row ``r``'s product has input ``i`` in its bill.
    inventory_months : (..., R) array
        Months of need held as component inventory at the start, for every input.

    Returns
    -------
    (T, ..., R) array of units built.

    Examples
    --------
    >>> a = np.array([[[1.0, 1.0]], [[0.0, 1.0]], [[0.0, 1.0]]])  # 3 months, 1 row, 2 inputs
    >>> build_units(np.array([10.0]), a, np.array([[True, True]]), np.array([1.0]))[:, 0].tolist()
    [10.0, 10.0, 0.0]
    """
    demand = np.asarray(demand, dtype=float)
    t_n = availability.shape[0]
    stock0 = (np.asarray(inventory_months, dtype=float) * demand)[..., None] * uses
    stock = np.broadcast_to(stock0, availability.shape[1:]).copy()
    built = np.zeros((t_n, *np.broadcast_shapes(demand.shape, availability.shape[1:-1])))
    need = demand[..., None] * uses
    for t in range(t_n):
        supply = stock + np.clip(availability[t], 0.0, 1.0) * need
        per_input = np.where(uses, supply, np.inf)
        made = np.minimum(demand, per_input.min(axis=-1))
        made = np.where(np.isfinite(made), made, 0.0)
        built[t] = made
        stock = np.minimum(supply - made[..., None] * uses, stock0)
    return built


def product_rows(net: NetworkLike) -> pd.DataFrame:
    """One row per (country, owner, product) the network builds, with its product's fields.

    Columns: ``country, owner, product, sector, units_per_year, value_usd_per_unit,
    value_added_share, inventory_weeks, inventory_weeks_low, inventory_weeks_high``. Empty when
    the dataset has no product tier.
    """
    production = net.product_production
    products = net.products
    columns = ["country", "owner", "product", "sector", "units_per_year", "value_usd_per_unit",
               "value_added_share", "inventory_weeks", "inventory_weeks_low", "inventory_weeks_high"]
    if production.empty or products.empty:
        return pd.DataFrame(columns=columns)
    fields = products.drop(columns=["ref", "confidence", "method", "name"], errors="ignore")
    rows = production[["country", "owner", "product", "units_per_year"]].merge(
        fields, on="product", how="left", validate="many_to_one")
    rows = rows.groupby(["country", "owner", "product"], as_index=False, sort=False).agg(
        {c: ("sum" if c == "units_per_year" else "first") for c in columns[3:]})
    return rows[columns].reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class Plan:
    """What a network's product tier needs each run, built once per (network, compiled).

    ``rows`` as :func:`product_rows`; ``demand`` units/month (R,), ``uses`` (R, I) bool over
    ``inputs`` (commodity ids), ``nodes`` the end-use node indices of each row's country and
    sector, ``country``/``commodity`` indices for the per-country fallback.
    """

    rows: pd.DataFrame
    inputs: list[str]
    demand: np.ndarray
    uses: np.ndarray
    weeks: np.ndarray
    value: np.ndarray
    nodes: list[np.ndarray]
    country: np.ndarray
    commodity: np.ndarray
    group: np.ndarray
    labels: dict[str, np.ndarray]
    value_added: np.ndarray
    weeks_range: tuple[float, float]
    economy: dict[str, tuple[float, float, float, float]]


def plan(net: NetworkLike, compiled: CompiledNetwork) -> Plan:
    """The product tier's static arrays for ``net`` run as ``compiled`` (kept with the network,
    one per compiled network)."""
    return net.cached("products.plan", id(compiled), lambda: (compiled, _plan(net, compiled)))[1]


def _plan(net: NetworkLike, compiled: CompiledNetwork) -> Plan:
    rows = product_rows(net)
    bill = net.product_inputs
    inputs = sorted(set(bill["commodity"])) if len(rows) else []
    kg = bill.pivot_table(index="product", columns="commodity", values="kg_per_unit",
                          aggfunc="sum").reindex(columns=inputs) if len(rows) else None
    uses = kg.reindex(rows["product"]).notna().to_numpy() if kg is not None \
        else np.zeros((0, 0), dtype=bool)
    node_sector = np.array([sector_of(n) if s == compiled.end_use else "" for n, s in
                            zip(compiled.node_ids, compiled.node_stage, strict=True)], dtype=object)
    nodes, country = [], []
    for code, sector in zip(rows["country"], rows["sector"], strict=True):
        k = compiled.country_index.get(code, -1)
        country.append(k)
        nodes.append(np.flatnonzero((compiled.node_country == k) & (compiled.node_stage == compiled.end_use)
                                    & (node_sector == sector)) if k >= 0 else np.zeros(0, int))
    # rows of the same (country, sector) share their availability: one group per pair
    keys = list(zip(rows["country"], rows["sector"], strict=True))
    first = {key: i for i, key in reversed(list(enumerate(keys)))}
    order = sorted(set(first.values()))
    group = np.asarray([order.index(first[key]) for key in keys], dtype=np.int64)
    economy: dict[str, tuple[float, float, float, float]] = {}
    for e in net.economy.itertuples(index=False):
        gdp = pd.to_numeric(e.gdp_usd_per_year, errors="coerce")
        economy[str(e.country)] = (float(e.gdp_per_output), float(e.gdp_per_output_low),
                                   float(e.gdp_per_output_high),
                                   float(gdp) if np.isfinite(gdp) and gdp > 0 else math.nan)
    lo = rows["inventory_weeks_low"].fillna(rows["inventory_weeks"]).astype(float)
    hi = rows["inventory_weeks_high"].fillna(rows["inventory_weeks"]).astype(float)
    made = Plan(
        rows=rows, inputs=inputs, group=group, economy=economy,
        value_added=rows["value_added_share"].to_numpy(dtype=float),
        weeks_range=(float(lo.mean()), float(hi.mean())) if len(rows) else (0.0, 0.0),
        labels={c: rows[c].to_numpy(dtype=object) for c in ("country", "owner", "product")},
        demand=rows["units_per_year"].to_numpy(dtype=float) / 12.0,
        uses=uses,
        weeks=rows["inventory_weeks"].to_numpy(dtype=float),
        value=rows["value_usd_per_unit"].to_numpy(dtype=float),
        nodes=nodes, country=np.asarray(country, dtype=np.int64),
        commodity=np.asarray([compiled.commodity_index.get(c, -1) for c in inputs], dtype=np.int64),
    )
    return made


def _availability(result: SimulationResult, p: Plan) -> np.ndarray:
    """(T, R, I): share of need delivered to each row's (country, sector) for each input."""
    return _availability_many([result], p)[:, 0]

def lost_units(result: SimulationResult, *, inventory_weeks: float | None = None) -> tuple[Plan, np.ndarray]:
    """The plan and the units lost per month and row, ``(T, R)`` (the arrays behind
    :func:`product_table`; Monte Carlo scores use them without building the table)."""
    p = plan(result.net, result.compiled)
    if not len(p.rows):
        return p, np.zeros((result.months, 0))
    weeks = p.weeks if inventory_weeks is None else np.full(len(p.rows), float(inventory_weeks))
    built = build_units(p.demand, _availability(result, p), p.uses, weeks / WEEKS_PER_MONTH)
    return p, np.maximum(p.demand[None, :] - built, 0.0)


def _availability_many(results: Sequence[SimulationResult], p: Plan) -> np.ndarray:
    """(T, B, R, I): share of need delivered to each row's (country, sector) for each input, in
    each run: from the run's node-level demand and shortfall where recorded, else from its
    per-country aggregates; each (group, input) computed for all runs at once."""
    t_n, n_b = results[0].months, len(results)
    leaders = np.flatnonzero(np.r_[True, np.diff(np.sort(p.group)) > 0])
    first_rows = [int(np.flatnonzero(p.group == g)[0]) for g in np.sort(p.group)[leaders]]
    out = np.ones((t_n, n_b, len(first_rows), len(p.inputs)))
    arrays = [r.arrays for r in results]
    node_level = np.flatnonzero([("shortfall" in a and "demand" in a) for a in arrays])
    for g, r in enumerate(first_rows):
        k, nodes = p.country[r], p.nodes[r]
        if k < 0:
            continue
        for i, c in enumerate(p.commodity):
            if c < 0:
                continue
            short, need = np.zeros((n_b, t_n)), np.zeros((n_b, t_n))
            have = np.zeros(n_b, dtype=bool)
            if node_level.size and nodes.size:
                got = np.stack([arrays[b]["demand"][:, nodes, c] for b in node_level])
                finite = np.isfinite(got).reshape(len(node_level), -1).any(axis=1)
                if finite.any():
                    chosen = node_level[finite]
                    lost = np.stack([arrays[b]["shortfall"][:, nodes, c] for b in chosen])
                    short[chosen] = np.nansum(lost, axis=2)
                    need[chosen] = np.nansum(got[finite], axis=2)
                    have[chosen] = True
            for b in np.flatnonzero(~have):
                if "country_shortfall" in arrays[b]:
                    short[b] = arrays[b]["country_shortfall"][:, k, c]
                    need[b] = arrays[b]["country_demand"][:, k, c]
                    have[b] = True
            ratio = 1.0 - np.divide(short, need, out=np.zeros((n_b, t_n)), where=need > 0)
            out[:, have, g, i] = ratio[have].T
    return np.clip(out, 0.0, 1.0)[:, :, p.group, :]


def lost_units_many(results: Sequence[SimulationResult],
                    inventory_weeks: Sequence[float | None]) -> tuple[Plan, np.ndarray]:
    """:func:`lost_units` of several runs on the same compiled network and horizon at once:
    the plan and ``(T, B, R)`` units lost (one :func:`build_units` call with a batch axis;
    each run's numbers are those :func:`lost_units` gives it)."""
    first = results[0]
    p = plan(first.net, first.compiled)
    if not len(p.rows):
        return p, np.zeros((first.months, len(results), 0))
    weeks = np.stack([p.weeks if w is None else np.full(len(p.rows), float(w))
                      for w in inventory_weeks])
    availability = _availability_many(results, p)  # (T, B, R, I)
    built = build_units(p.demand, availability, p.uses, weeks / WEEKS_PER_MONTH)
    return p, np.maximum(p.demand - built, 0.0)


def product_table(result: SimulationResult, *, inventory_weeks: float | None = None) -> pd.DataFrame:
    """The tidy product table of a result (``SimulationResult.products``).

    Parameters
    ----------
    result : SimulationResult
    inventory_weeks : float, optional
        Overrides every product's component inventory (Monte Carlo draws within the products'
        ``inventory_weeks_low``/``high``).

    Returns
    -------
    pandas.DataFrame
        One row per month, country (where built), owner and product: ``demand_units``,
        ``built_units``, ``lost_units`` (units/month) and ``lost_output_usd`` (lost units ×
        value per unit). Empty when the dataset has no products.
    """
    p, lost = lost_units(result, inventory_weeks=inventory_weeks)
    if not len(p.rows):
        return pd.DataFrame(columns=PRODUCT_COLUMNS)
    t_n, r_n = lost.shape
    rows = p.rows
    frame = pd.DataFrame({
        "month": np.repeat(result.periods, r_n),
        "country": np.tile(rows["country"].to_numpy(dtype=object), t_n),
        "owner": np.tile(rows["owner"].to_numpy(dtype=object), t_n),
        "product": np.tile(rows["product"].to_numpy(dtype=object), t_n),
        "demand_units": np.tile(p.demand, t_n),
        "built_units": (p.demand[None, :] - lost).ravel(),
        "lost_units": lost.ravel(),
        "lost_output_usd": (lost * p.value[None, :]).ravel(),
    })
    frame["month"] = pd.PeriodIndex(frame["month"], freq="M")
    return frame


def _sector_products(net: NetworkLike, sector: str) -> list[str]:
    p = net.products
    return [str(x) for x in p.loc[p["sector"] == sector, "product"]]


def relocate_production(net: NetworkLike, from_country: str, to_country: str, sector: str, share: float,
                        *, owner: str | None = None,
                        production: pd.DataFrame | None = None) -> pd.DataFrame:
    """``product_production`` with ``share`` of ``owner``'s output of ``sector`` products in
    ``from_country`` moved to ``to_country`` (same owner, same products).

    ``owner`` defaults to ``from_country`` (a country's own makers move). ``production``
    (default ``net.product_production``) is the table to edit, so that several relocations
    chain. Returns the edited table; ``net.replace(product_production=...)`` makes the network.

    Examples
    --------
    >>> from rareearth import examples
    >>> net = examples.tiny()  # JP builds 100,000 cars a year
    >>> moved = relocate_production(net, "JP", "CN", "automotive", 0.1)
    >>> jp = lambda t, c: t[(t.country == c) & (t.owner == "JP")].units_per_year.sum()
    >>> float(jp(moved, "JP")), float(jp(moved, "CN"))
    (90000.0, 10000.0)
    >>> round(jp(moved, "CN") - jp(net.product_production, "CN")) == round(0.1 * jp(net.product_production, "JP"))
    True
    """
    owner = owner or from_country
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"relocation share must be within 0…1 (got {share})")
    base = net.product_production if production is None else production
    products = _sector_products(net, sector)
    mask = ((base["country"] == from_country) & (base["owner"] == owner)
            & base["product"].isin(products))
    if share == 0 or not mask.any():
        return base  # unchanged: the caller keeps its network
    table = base.copy()
    moved = table.loc[mask].copy()
    moved["units_per_year"] = moved["units_per_year"].astype(float) * share
    table.loc[mask, "units_per_year"] = table.loc[mask, "units_per_year"].astype(float) * (1 - share)
    added = []
    for row in moved.itertuples(index=False):
        there = ((table["country"] == to_country) & (table["owner"] == owner)
                 & (table["product"] == row.product))
        if there.any():
            table.loc[there, "units_per_year"] = table.loc[there, "units_per_year"].astype(float) \
                + row.units_per_year
        else:
            added.append({**row._asdict(), "country": to_country, "confidence": "estimate",
                          "method": f"moved from {from_country} by a relocation of {share:g}"})
    if added:
        table = pd.concat([table, pd.DataFrame(added)], ignore_index=True)
    return table
