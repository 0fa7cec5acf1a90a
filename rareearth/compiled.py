"""``CompiledNetwork``: the dense arrays of a network, the engine's input.

:func:`compile_network` builds them from a :class:`~rareearth.network.SupplyNetwork`'s tables;
``SupplyNetwork.compile()`` calls it once and keeps the result with the network. The arrays are
read-only (``flags.writeable`` is False): a compiled network is shared by every run on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rareearth.records import END_USE_SECTORS, MAGNET, STAGES

if TYPE_CHECKING:
    from rareearth.network import SupplyNetwork

__all__ = ["CompiledNetwork", "compile_network", "positions"]


def positions(values: pd.Series, index: dict[str, int]) -> np.ndarray:
    """``values.map(index)`` as int64 positions, via one hash look-up per distinct value."""
    keys = pd.unique(np.asarray(values, dtype=object))
    lookup = pd.Series([index.get(k, -1) for k in keys], index=keys, dtype=np.int64)
    found: np.ndarray = lookup.reindex(np.asarray(values, dtype=object)).to_numpy()
    if (found < 0).any():  # an unknown label: fail as the plain map does
        mapped: np.ndarray = values.map(index).to_numpy(dtype=np.int64)
        return mapped
    return found


@dataclass(frozen=True, eq=False)
class CompiledNetwork:
    """Dense arrays of a network, indexed by node, commodity and country: the engine's input.

    Node order is by stage, then id (so the engine can sweep stages in order); commodities are
    the materials in dataset order followed by ``magnet``. Rates are t/yr, stocks t. Every
    array is read-only.

    Attributes
    ----------
    node_ids, commodities, materials, countries
        Labels of the axes (N nodes, C commodities, M = C - 1 materials, K countries).
    node_country, node_stage : (N,) int
        Country index and stage index (into ``stages``: 0 mining ... last end_use) of each node.
    capacity, output, yield_ : (N, C) float
        Capacity and baseline output (t/yr) of each commodity a node makes; yield (t out per t in).
    demand, value : (N, C) float
        Baseline end-use demand (t/yr) and downstream value (USD/t) at end-use nodes.
    recipe : (N, C) float
        t of each material per t of magnet at magnet nodes (the ``magnet`` column is 0).
    stock, stock_target : (N, C) float
        Inventory held at each node (t) at the start, and the level it refills to.
    edge_source, edge_target, edge_commodity : (E,) int
    edge_tonnes : (E,) float
        Baseline flows (t/yr).
    governance : (K,) float
        WGI score of each country.
    price_usd_per_tonne, price_elasticity : (C,) float
        Reference price and demand elasticity per commodity (magnet: recipe-weighted).
    stockpile, release_threshold, release_rate : (K, C) float
        National stockpile (t), release threshold (share of demand), release rate (t/month).
    parameters : dict
        Engine parameters of the dataset (``PARAMETERS`` in :mod:`rareearth.data`).
    stages, sectors : tuple of str
        The stages in order and the end-use sectors the dataset declares.

    Examples
    --------
    >>> from rareearth import examples
    >>> cn = examples.tiny().compile()
    >>> cn.stages
    ('mining', 'separation', 'metal', 'magnet', 'end_use')
    >>> cn.capacity.flags.writeable
    False
    """

    node_ids: list[str]
    commodities: list[str]
    materials: list[str]
    countries: list[str]
    node_country: np.ndarray
    node_stage: np.ndarray
    capacity: np.ndarray
    output: np.ndarray
    yield_: np.ndarray
    demand: np.ndarray
    value: np.ndarray
    recipe: np.ndarray
    stock: np.ndarray
    stock_target: np.ndarray
    edge_source: np.ndarray
    edge_target: np.ndarray
    edge_commodity: np.ndarray
    edge_tonnes: np.ndarray
    governance: np.ndarray
    price_usd_per_tonne: np.ndarray
    price_elasticity: np.ndarray
    stockpile: np.ndarray
    release_threshold: np.ndarray
    release_rate: np.ndarray
    parameters: dict[str, float] = field(default_factory=dict)
    stages: tuple[str, ...] = STAGES
    sectors: tuple[str, ...] = END_USE_SECTORS

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                value.flags.writeable = False

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        return int(self.edge_source.shape[0])

    @property
    def end_use(self) -> int:
        """Index of the end-use stage (the last one)."""
        return len(self.stages) - 1

    def stage_index(self, stage: str) -> int:
        """Index of a stage in ``stages``."""
        return self.stages.index(stage)

    @cached_property
    def node_index(self) -> dict[str, int]:
        return {n: i for i, n in enumerate(self.node_ids)}

    @cached_property
    def commodity_index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.commodities)}

    @cached_property
    def country_index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.countries)}


def _own_recipes(recipes: pd.DataFrame) -> dict[str, dict[str, float]]:
    own: dict[str, dict[str, float]] = {}
    for node, material, share in zip(
        recipes["node"], recipes["material"], recipes["tonnes_per_tonne"], strict=True
    ):
        own.setdefault(str(node), {})[str(material)] = float(share)
    return own


def _cells(table: pd.DataFrame, rows: str, cols: str, ri: dict[str, int], ci: dict[str, int],
           shape: tuple[int, int], columns: Sequence[str]) -> list[np.ndarray]:
    """Dense (rows × cols) arrays of ``columns`` of ``table`` (zero where it has no row)."""
    out = [np.zeros(shape) for _ in columns]
    if len(table):
        r, c = positions(table[rows], ri), positions(table[cols], ci)
        for array, column in zip(out, columns, strict=True):
            array[r, c] = table[column].to_numpy(dtype=float)
    return out


def compile_network(net: SupplyNetwork) -> CompiledNetwork:
    """The dense arrays of ``net`` (see :class:`CompiledNetwork`); call ``net.compile()``."""
    stages = net.stages
    node_ids, parsed = net.ordered_nodes()
    commodities = net.commodities
    countries = net.country_codes
    ni = {n: i for i, n in enumerate(node_ids)}
    ci = {c: i for i, c in enumerate(commodities)}
    ki = {c: i for i, c in enumerate(countries)}
    n, c, k = len(node_ids), len(commodities), len(countries)
    node_country = positions(parsed["country"], ki)
    node_stage = parsed["stage"].map(stages.index).to_numpy(dtype=np.int64)

    capacity = np.zeros((n, c))
    output = np.zeros((n, c))
    yield_ = np.ones((n, c))
    p_rows = net.producers
    if len(p_rows):
        rows = positions(p_rows["node"], ni)
        cols = positions(p_rows["commodity"], ci)
        capacity[rows, cols] = p_rows["capacity_tonnes_per_year"].to_numpy(dtype=float)
        output[rows, cols] = p_rows["output_tonnes_per_year"].to_numpy(dtype=float)
        yield_[rows, cols] = p_rows["yield"].to_numpy(dtype=float)

    demand, value = _cells(net.demand, "node", "commodity", ni, ci, (n, c),
                           ("demand_tonnes_per_year", "value_usd_per_tonne"))

    recipe = np.zeros((n, c))
    magnet_col = ci[MAGNET]
    # as net.recipe(node) for each node, from one pass over the table (10^4 magnet nodes)
    recipes = net.recipes
    own = _own_recipes(recipes)
    default = own.get("default", {})
    # magnet makers, and the magnet nodes that only appear as flow targets
    makers = (capacity[:, magnet_col] > 0) | (node_stage == stages.index("magnet"))
    for i in np.flatnonzero(makers):
        for material, share in own.get(node_ids[i], default).items():
            recipe[i, ci[material]] = share

    stock, stock_target = _cells(net.stocks, "node", "commodity", ni, ci, (n, c),
                                 ("stock_tonnes", "target_tonnes"))

    f = net.flows
    materials = net.material_ids
    table = net.materials
    price = np.ones(c)
    elasticity = np.ones(c)
    price[: len(materials)] = table["price_usd_per_tonne"].to_numpy(dtype=float)
    elasticity[: len(materials)] = table["price_elasticity"].to_numpy(dtype=float)
    weights = np.array([default.get(m, 0.0) for m in materials])
    if weights.sum() > 0:  # a magnet's price follows its materials, weighted by value
        w = weights * price[: len(materials)]
        elasticity[magnet_col] = float(np.dot(w, elasticity[: len(materials)]) / w.sum())
        price[magnet_col] = float(np.dot(weights, price[: len(materials)]))

    stockpile, release_threshold, release_rate = _cells(
        net.stockpiles, "country", "material", ki, ci, (k, c),
        ("stock_tonnes", "release_threshold", "release_tonnes_per_month"))

    return CompiledNetwork(
        node_ids=list(node_ids),
        commodities=commodities,
        materials=materials,
        countries=countries,
        node_country=node_country,
        node_stage=node_stage,
        capacity=capacity,
        output=output,
        yield_=yield_,
        demand=demand,
        value=value,
        recipe=recipe,
        stock=stock,
        stock_target=stock_target,
        edge_source=positions(f["source"], ni),
        edge_target=positions(f["target"], ni),
        edge_commodity=positions(f["commodity"], ci),
        edge_tonnes=f["tonnes_per_year"].to_numpy(dtype=float, copy=True),
        governance=net.countries["governance"].to_numpy(dtype=float, copy=True),
        price_usd_per_tonne=price,
        price_elasticity=elasticity,
        stockpile=stockpile,
        release_threshold=release_threshold,
        release_rate=release_rate,
        parameters=dict(net.parameters),
        stages=tuple(stages),
        sectors=tuple(net.sectors),
    )
