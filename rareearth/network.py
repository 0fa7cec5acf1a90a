"""``SupplyNetwork``: the validated tables of a dataset, and the views derived from them.

The pandas tables are the single source of truth. The networkx graph (``net.graph``) and the
engine's arrays (``net.compile()``) are derived on request and never edited on their own; to
change a network, build a new one with :meth:`SupplyNetwork.replace`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from rareearth.atomic import atomic_path, write_text
from rareearth.data import read_dataset
from rareearth.records import _NODE_RE, MAGNET, STAGES, parse_node_id

__all__ = ["CompiledNetwork", "SupplyNetwork", "load_network"]

_PROVENANCE = ["ref", "confidence", "method"]
#: Columns of the product tier's tables (``docs/dataset-format.md``, "Product tier").
PRODUCT_COLUMNS: dict[str, list[str]] = {
    "products": ["product", "name", "sector", "value_usd_per_unit", "value_added_share",
                 "inventory_weeks", "inventory_weeks_low", "inventory_weeks_high"],
    "product_inputs": ["product", "commodity", "kg_per_unit"],
    "product_production": ["country", "owner", "product", "units_per_year"],
    "economy": ["country", "gdp_usd_per_year", "gdp_per_output", "gdp_per_output_low",
                "gdp_per_output_high"],
    "product_trade": ["exporter", "importer", "sector", "value_usd_per_year"],
    "tariffs": ["importer", "exporter", "sector", "start", "rate"],
}


def _parse_ids(ids: Any) -> pd.DataFrame:
    """``country, stage, facility`` of each distinct node id (the index), as :func:`parse_node_id`.

    Each distinct id is matched once (large networks have 10^5 ids and more, and a flow table
    repeats them); an id that does not parse is handed to :func:`parse_node_id`, which raises
    its usual error.
    """
    values = ids if isinstance(ids, pd.Series | np.ndarray | list) else list(ids)
    unique = pd.unique(np.asarray(values, dtype=object))
    stages = set(STAGES)
    rows = []
    for node in unique:  # a regex match per distinct id: ~0.5 µs, no pydantic model
        match = _NODE_RE.match(node) if isinstance(node, str) else None
        if match is None or match["stage"] not in stages:
            parse_node_id(node)  # raises the usual error
        assert match is not None
        rows.append((match["country"], match["stage"], match["facility"] or ""))
    return pd.DataFrame(rows, index=unique, columns=["country", "stage", "facility"], dtype=object)


def _positions(values: pd.Series, index: dict[str, int]) -> np.ndarray:
    """``values.map(index)`` as int64 positions, via one hash look-up per distinct value."""
    keys = pd.unique(np.asarray(values, dtype=object))
    lookup = pd.Series([index.get(k, -1) for k in keys], index=keys, dtype=np.int64)
    positions = lookup.reindex(np.asarray(values, dtype=object)).to_numpy()
    if (positions < 0).any():  # an unknown label: fail as the plain map does
        return values.map(index).to_numpy(dtype=np.int64)
    return positions


def _frame(records: list[Any], columns: list[str]) -> pd.DataFrame:
    rows = [r.model_dump(by_alias=True) for r in records]
    return pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)


@dataclass(frozen=True, eq=False)
class CompiledNetwork:
    """Dense arrays of a network, indexed by node, commodity and country: the engine's input.

    Node order is by stage, then id (so the engine can sweep stages in order); commodities are
    the materials in dataset order followed by ``magnet``. Rates are t/yr, stocks t.

    Attributes
    ----------
    node_ids, commodities, materials, countries
        Labels of the axes (N nodes, C commodities, M = C - 1 materials, K countries).
    node_country, node_stage : (N,) int
        Country index and stage index (0 mining ... 4 end_use) of each node.
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

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        return int(self.edge_source.shape[0])

    @cached_property
    def node_index(self) -> dict[str, int]:
        return {n: i for i, n in enumerate(self.node_ids)}

    @cached_property
    def commodity_index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.commodities)}

    @cached_property
    def country_index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.countries)}


class SupplyNetwork:
    """A rare-earth supply network: tidy tables with provenance, and views derived from them.

    Build one with :func:`rareearth.load_network`. Tables (pandas DataFrames):

    ``countries``
        index ``code``; columns ``name, kind, governance`` (WGI, −2.5…2.5) and provenance.
    ``materials``
        index ``id``; ``name, elements, group, price_usd_per_tonne, price_elasticity``.
    ``nodes``
        one row per (node, commodity): ``node, country, stage, facility, commodity,
        capacity_tonnes_per_year, output_tonnes_per_year, yield, demand_tonnes_per_year,
        value_usd_per_tonne`` and provenance; end-use rows carry demand, producers output.
    ``flows``
        ``source, target, commodity, tonnes_per_year, source_country, target_country,
        source_stage, target_stage`` and provenance.
    ``recipes``, ``demand``, ``stocks``, ``stockpiles``
        as in ``docs/dataset-format.md``; ``demand`` adds ``country`` and ``sector``.
    ``products``, ``product_inputs``, ``product_production``, ``economy``, ``product_trade``,
    ``tariffs``
        the product tier (optional; empty when the dataset has none), as in
        ``docs/dataset-format.md``.
    ``sources``
        index ``id``; ``title, path``: the citations the rows' ``ref`` columns name.
    ``parameters``
        dict of engine parameters (name -> value); ``parameter_ranges`` the (low, high) ranges
        that Monte Carlo samples, for the parameters whose rows declare them.
    """

    def __init__(
        self,
        *,
        name: str,
        title: str,
        countries: pd.DataFrame,
        materials: pd.DataFrame,
        producers: pd.DataFrame,
        flows: pd.DataFrame,
        recipes: pd.DataFrame,
        demand: pd.DataFrame,
        stocks: pd.DataFrame,
        stockpiles: pd.DataFrame,
        sources: pd.DataFrame,
        parameters: dict[str, float],
        parameter_ranges: dict[str, tuple[float, float]] | None = None,
        reference_year: int | None = None,
        digest: str = "",
        path: Path | None = None,
        products: pd.DataFrame | None = None,
        product_inputs: pd.DataFrame | None = None,
        product_production: pd.DataFrame | None = None,
        economy: pd.DataFrame | None = None,
        product_trade: pd.DataFrame | None = None,
        tariffs: pd.DataFrame | None = None,
    ) -> None:
        self.name = name
        self.title = title
        self.reference_year = reference_year
        self.digest = digest
        self.path = path
        self.countries = countries
        self.materials = materials
        self.producers = producers
        self.recipes = recipes
        self.stocks = stocks
        self.stockpiles = stockpiles
        self.sources = sources
        self.parameters = dict(parameters)
        self.parameter_ranges = dict(parameter_ranges or {})
        self.demand = _with_location(demand, "node")
        if "sector" not in self.demand.columns:
            facility = self.demand["node"].map(_parse_ids(self.demand["node"])["facility"])
            self.demand["sector"] = facility.str.split("-", n=1).str[0]
        self.flows = _flow_view(flows)
        self.nodes = _node_view(producers, self.demand)
        given = {"products": products, "product_inputs": product_inputs,
                 "product_production": product_production, "economy": economy,
                 "product_trade": product_trade, "tariffs": tariffs}
        for name, table in given.items():
            if table is None:
                table = pd.DataFrame(columns=[*PRODUCT_COLUMNS[name], *_PROVENANCE])
            setattr(self, name, table)
        self.products: pd.DataFrame
        self.product_inputs: pd.DataFrame
        self.product_production: pd.DataFrame
        self.economy: pd.DataFrame
        self.product_trade: pd.DataFrame
        self.tariffs: pd.DataFrame

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_dataset(cls, dataset: Any) -> SupplyNetwork:
        """Build from a validated :class:`rareearth.data.Dataset`."""
        t = dataset.tables
        countries = _frame(t["countries"], ["code", "name", "kind", "governance", *_PROVENANCE])
        materials = _frame(
            t["materials"],
            ["id", "name", "elements", "group", "price_usd_per_tonne", "price_elasticity",
             *_PROVENANCE],
        )
        producers = _frame(
            t["nodes"],
            ["node", "commodity", "capacity_tonnes_per_year", "output_tonnes_per_year", "yield",
             *_PROVENANCE],
        )
        flows = _frame(t["flows"], ["source", "target", "commodity", "tonnes_per_year", *_PROVENANCE])
        recipes = _frame(t["recipes"], ["node", "material", "tonnes_per_tonne", *_PROVENANCE])
        demand = _frame(
            t["demand"],
            ["node", "commodity", "demand_tonnes_per_year", "value_usd_per_tonne", *_PROVENANCE],
        )
        stocks = _frame(
            t["stocks"], ["node", "commodity", "stock_tonnes", "target_tonnes", *_PROVENANCE]
        )
        stockpiles = _frame(
            t["stockpiles"],
            ["country", "material", "stock_tonnes", "release_threshold",
             "release_tonnes_per_month", *_PROVENANCE],
        )
        sources = pd.DataFrame(
            [s.model_dump() for s in dataset.sources], columns=None
        )
        if sources.empty:
            sources = pd.DataFrame(columns=["id", "title", "path"])
        return cls(
            name=dataset.name,
            title=str(dataset.package.get("title", dataset.name)),
            reference_year=dataset.package.get("reference_year"),
            countries=countries.set_index("code"),
            materials=materials.set_index("id"),
            producers=producers,
            flows=flows,
            recipes=recipes,
            demand=demand,
            stocks=stocks,
            stockpiles=stockpiles,
            sources=sources.set_index("id"),
            parameters=dataset.parameters,
            parameter_ranges={
                p.name: (float(p.low), float(p.high))
                for p in dataset.tables["parameters"]
                if p.low is not None and p.high is not None
            },
            digest=dataset.digest,
            path=dataset.path,
            **{name: _frame(t.get(name, []), [*columns, *_PROVENANCE])
               for name, columns in PRODUCT_COLUMNS.items()},
        )

    def replace(self, **tables: Any) -> SupplyNetwork:
        """A new network with some tables replaced (``producers``, ``flows``, ``demand``, ...).

        Used by cooperation options, which edit the network; the original is left unchanged.
        """
        base = {
            "name": self.name,
            "title": self.title,
            "reference_year": self.reference_year,
            "countries": self.countries,
            "materials": self.materials,
            "producers": self.producers,
            "flows": self.flows[["source", "target", "commodity", "tonnes_per_year", *_PROVENANCE]],
            "recipes": self.recipes,
            "demand": self.demand,
            "stocks": self.stocks,
            "stockpiles": self.stockpiles,
            "sources": self.sources,
            "parameters": self.parameters,
            "parameter_ranges": self.parameter_ranges,
            "digest": self.digest,
            "path": self.path,
            **{name: getattr(self, name) for name in PRODUCT_COLUMNS},
        }
        unknown = set(tables) - set(base)
        if unknown:
            raise TypeError(f"replace() got unknown table(s): {', '.join(sorted(unknown))}")
        base.update(tables)
        return SupplyNetwork(**base)

    # ------------------------------------------------------------------ labels

    @property
    def country_codes(self) -> list[str]:
        """Codes of the countries and regions, in dataset order."""
        return [str(c) for c in self.countries.index]

    @property
    def material_ids(self) -> list[str]:
        """Material (element group) ids, in dataset order."""
        return [str(m) for m in self.materials.index]

    @property
    def commodities(self) -> list[str]:
        """Materials followed by ``magnet``."""
        return [*self.material_ids, MAGNET]

    @property
    def node_ids(self) -> list[str]:
        """Every node id, sorted by stage then id."""
        return list(self._ordered_nodes[0])

    @cached_property
    def _ordered_nodes(self) -> tuple[list[str], pd.DataFrame]:
        """``node_ids`` and their parsed ``country, stage, facility`` (rows in that order);
        cached: the tables are never edited in place (``replace()`` builds a new network)."""
        ids = set(np.asarray(self.producers["node"], dtype=object)) | set(
            np.asarray(self.demand["node"], dtype=object)
        )
        parts = _parse_ids(list(ids))
        rank = dict(zip(parts.index, parts["stage"].map(STAGES.index), strict=True))
        ordered = sorted(ids, key=lambda n: (rank[n], n))
        return ordered, parts.loc[ordered]

    def __repr__(self) -> str:
        return (
            f"<SupplyNetwork {self.name!r}: {len(self.node_ids)} nodes, {len(self.flows)} flows, "
            f"{len(self.countries)} countries, commodities {', '.join(self.commodities)}>"
        )

    def recipe(self, node: str) -> dict[str, float]:
        """t REO of each material per t of magnet at a magnet node (its own rows, else default)."""
        rows = self.recipes[self.recipes["node"] == node]
        if rows.empty:
            rows = self.recipes[self.recipes["node"] == "default"]
        return {str(m): float(v) for m, v in zip(rows["material"], rows["tonnes_per_tonne"], strict=True)}

    # ------------------------------------------------------------------ graph

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The network as a ``networkx.DiGraph`` (a view; rebuilt from the tables, not edited).

        Node attributes: ``country, stage, facility`` and, per commodity ``c`` it makes or uses,
        ``capacity_c, output_c`` (t/yr) or ``demand_c`` (t/yr). Edge attributes:
        ``tonnes_per_year`` (all commodities), ``tonnes_c`` per commodity, ``commodities``
        (joined by ``;``).
        """
        g = nx.DiGraph(name=self.name, title=self.title)
        for node in self.node_ids:
            parsed = parse_node_id(node)
            g.add_node(node, country=parsed.country, stage=parsed.stage, facility=parsed.facility)
        for row in self.producers.itertuples(index=False):
            g.nodes[row.node][f"capacity_{row.commodity}"] = float(row.capacity_tonnes_per_year)
            g.nodes[row.node][f"output_{row.commodity}"] = float(row.output_tonnes_per_year)
        for row in self.demand.itertuples(index=False):
            g.nodes[row.node][f"demand_{row.commodity}"] = float(row.demand_tonnes_per_year)
        for row in self.flows.itertuples(index=False):
            if not g.has_edge(row.source, row.target):
                g.add_edge(row.source, row.target, tonnes_per_year=0.0, commodities="")
            data = g.edges[row.source, row.target]
            data["tonnes_per_year"] += float(row.tonnes_per_year)
            data[f"tonnes_{row.commodity}"] = float(row.tonnes_per_year)
            data["commodities"] = ";".join(filter(None, [data["commodities"], row.commodity]))
        return g

    def to_graphml(self, path: str | Path) -> Path:
        """Write the graph as GraphML (atomically)."""
        with atomic_path(path) as tmp:
            nx.write_graphml(self.graph, tmp)
        return Path(path)

    def to_node_link(self) -> dict[str, Any]:
        """The graph as node-link data (JSON-ready dict)."""
        return nx.node_link_data(self.graph, edges="links")

    def to_json(self, path: str | Path) -> Path:
        """Write node-link JSON (atomically)."""
        return write_text(path, json.dumps(self.to_node_link(), indent=1))

    def to_csv(self, folder: str | Path) -> list[Path]:
        """Write the tidy ``nodes`` and ``flows`` views as CSV files into ``folder``."""
        folder = Path(folder)
        out = []
        for name, table in (("nodes", self.nodes), ("flows", self.flows)):
            out.append(write_text(folder / f"{name}.csv", table.to_csv(index=False)))
        return out

    # ------------------------------------------------------------------ arrays

    def compile(self) -> CompiledNetwork:
        """The dense arrays the engine runs on (see :class:`CompiledNetwork`)."""
        ordered, parsed = self._ordered_nodes
        node_ids = list(ordered)
        commodities = self.commodities
        countries = self.country_codes
        ni = {n: i for i, n in enumerate(node_ids)}
        ci = {c: i for i, c in enumerate(commodities)}
        ki = {c: i for i, c in enumerate(countries)}
        n, c, k = len(node_ids), len(commodities), len(countries)
        node_country = _positions(parsed["country"], ki)
        node_stage = parsed["stage"].map(STAGES.index).to_numpy(dtype=np.int64)

        capacity = np.zeros((n, c))
        output = np.zeros((n, c))
        yield_ = np.ones((n, c))
        p_rows = self.producers
        if len(p_rows):
            rows = _positions(p_rows["node"], ni)
            cols = _positions(p_rows["commodity"], ci)
            capacity[rows, cols] = p_rows["capacity_tonnes_per_year"].to_numpy(dtype=float)
            output[rows, cols] = p_rows["output_tonnes_per_year"].to_numpy(dtype=float)
            yield_[rows, cols] = p_rows["yield"].to_numpy(dtype=float)

        demand = np.zeros((n, c))
        value = np.zeros((n, c))
        if len(self.demand):
            rows = _positions(self.demand["node"], ni)
            cols = _positions(self.demand["commodity"], ci)
            demand[rows, cols] = self.demand["demand_tonnes_per_year"].to_numpy(dtype=float)
            value[rows, cols] = self.demand["value_usd_per_tonne"].to_numpy(dtype=float)

        recipe = np.zeros((n, c))
        magnet_col = ci[MAGNET]
        # as self.recipe(node) for each node, from one pass over the table (10^4 magnet nodes)
        own: dict[str, dict[str, float]] = {}
        for node, material, share in zip(
            self.recipes["node"], self.recipes["material"], self.recipes["tonnes_per_tonne"],
            strict=True,
        ):
            own.setdefault(str(node), {})[str(material)] = float(share)
        default = own.get("default", {})
        # magnet makers, and the magnet nodes that only appear as flow targets
        makers = (capacity[:, magnet_col] > 0) | (node_stage == STAGES.index("magnet"))
        for i in np.flatnonzero(makers):
            for material, share in own.get(node_ids[i], default).items():
                recipe[i, ci[material]] = share

        stock = np.zeros((n, c))
        stock_target = np.zeros((n, c))
        if len(self.stocks):
            rows = _positions(self.stocks["node"], ni)
            cols = _positions(self.stocks["commodity"], ci)
            stock[rows, cols] = self.stocks["stock_tonnes"].to_numpy(dtype=float)
            stock_target[rows, cols] = self.stocks["target_tonnes"].to_numpy(dtype=float)

        f = self.flows
        edge_source = _positions(f["source"], ni)
        edge_target = _positions(f["target"], ni)
        edge_commodity = _positions(f["commodity"], ci)
        edge_tonnes = f["tonnes_per_year"].to_numpy(dtype=float)

        governance = self.countries["governance"].to_numpy(dtype=float)
        materials = self.material_ids
        price = np.ones(c)
        elasticity = np.ones(c)
        price[: len(materials)] = self.materials["price_usd_per_tonne"].to_numpy(dtype=float)
        elasticity[: len(materials)] = self.materials["price_elasticity"].to_numpy(dtype=float)
        default_recipe = self.recipe("default")
        weights = np.array([default_recipe.get(m, 0.0) for m in materials])
        if weights.sum() > 0:  # a magnet's price follows its materials, weighted by value
            w = weights * price[: len(materials)]
            elasticity[magnet_col] = float(np.dot(w, elasticity[: len(materials)]) / w.sum())
            price[magnet_col] = float(np.dot(weights, price[: len(materials)]))

        stockpile = np.zeros((k, c))
        release_threshold = np.zeros((k, c))
        release_rate = np.zeros((k, c))
        if len(self.stockpiles):
            rows = _positions(self.stockpiles["country"], ki)
            cols = _positions(self.stockpiles["material"], ci)
            stockpile[rows, cols] = self.stockpiles["stock_tonnes"].to_numpy(dtype=float)
            release_threshold[rows, cols] = self.stockpiles["release_threshold"].to_numpy(dtype=float)
            release_rate[rows, cols] = self.stockpiles["release_tonnes_per_month"].to_numpy(dtype=float)

        return CompiledNetwork(
            node_ids=node_ids,
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
            edge_source=edge_source,
            edge_target=edge_target,
            edge_commodity=edge_commodity,
            edge_tonnes=edge_tonnes,
            governance=governance,
            price_usd_per_tonne=price,
            price_elasticity=elasticity,
            stockpile=stockpile,
            release_threshold=release_threshold,
            release_rate=release_rate,
            parameters=dict(self.parameters),
        )


def _with_location(table: pd.DataFrame, column: str) -> pd.DataFrame:
    table = table.copy()
    if "country" in table.columns:  # a view passed back in (replace()): rebuild it
        table = table.drop(columns="country")
    table.insert(1, "country", table[column].map(_parse_ids(table[column])["country"]))
    return table


def _flow_view(flows: pd.DataFrame) -> pd.DataFrame:
    flows = flows.reset_index(drop=True).copy()
    parsed = _parse_ids(pd.concat([flows["source"], flows["target"]]))
    view = flows[["source", "target", "commodity", "tonnes_per_year"]].copy()
    view["source_country"] = view["source"].map(parsed["country"])
    view["target_country"] = view["target"].map(parsed["country"])
    view["source_stage"] = view["source"].map(parsed["stage"])
    view["target_stage"] = view["target"].map(parsed["stage"])
    for col in _PROVENANCE:
        view[col] = flows[col] if col in flows.columns else ""
    view["tonnes_per_year"] = view["tonnes_per_year"].astype(float)
    return view


def _node_view(producers: pd.DataFrame, demand: pd.DataFrame) -> pd.DataFrame:
    columns = [
        "node", "country", "stage", "facility", "commodity", "capacity_tonnes_per_year",
        "output_tonnes_per_year", "yield", "demand_tonnes_per_year", "value_usd_per_tonne",
        *_PROVENANCE,
    ]
    made = producers.copy()
    made["demand_tonnes_per_year"] = 0.0
    made["value_usd_per_tonne"] = 0.0
    used = demand.copy()
    used["capacity_tonnes_per_year"] = 0.0
    used["output_tonnes_per_year"] = 0.0
    used["yield"] = 1.0
    frames = [f for f in (made, used) if len(f)]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    parsed = _parse_ids(table["node"])
    for part in ("country", "stage", "facility"):
        table[part] = table["node"].map(parsed[part])
    for col in _PROVENANCE:
        if col not in table.columns:
            table[col] = ""
    table = table[columns]
    order = table["stage"].map(STAGES.index)
    return table.assign(_o=order).sort_values(["_o", "node", "commodity"]).drop(columns="_o").reset_index(drop=True)


def load_network(name_or_path: str | Path) -> SupplyNetwork:
    """Load a built-in dataset by name, or a dataset folder by path, as a ``SupplyNetwork``.

    Parameters
    ----------
    name_or_path
        A name from :func:`rareearth.datasets` or a path to a folder with ``datapackage.json``.

    Returns
    -------
    SupplyNetwork

    Raises
    ------
    DataError
        Listing every problem found, each with file, row and column.
    UnknownNameError
        If a name is not a built-in dataset.

    Examples
    --------
    >>> import rareearth as ree
    >>> net = ree.load_network("world-2024")
    >>> "JP" in net.country_codes
    True
    """
    return SupplyNetwork.from_dataset(read_dataset(name_or_path))
