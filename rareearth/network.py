"""``SupplyNetwork``: the validated tables of a dataset, and the views derived from them.

The pandas tables are the single source of truth, and they cannot change: each read of a table
(``net.flows``) is a copy-on-write view, so an edit of it never reaches the network, and a table
cannot be assigned. To change a network, build a new one with :meth:`SupplyNetwork.replace`.
What is derived from the tables (the networkx graph ``net.graph``, the engine's arrays
``net.compile()``, the engine's and indicators' caches) is kept in one cache on the network
(:meth:`SupplyNetwork.cached`), keyed by purpose, and dropped with it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np
import pandas as pd

from rareearth.atomic import atomic_path, write_text
from rareearth.compiled import CompiledNetwork, compile_network
from rareearth.data import Dataset, read_dataset
from rareearth.errors import ArgumentError
from rareearth.records import _NODE_RE, END_USE_SECTORS, MAGNET, STAGES, Parameter, parse_node_id

if TYPE_CHECKING:
    import networkx as nx
    from pydantic import BaseModel

__all__ = ["CompiledNetwork", "SupplyNetwork", "load_network"]

_T = TypeVar("_T")
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


def _parse_ids(ids: Iterable[object], stages: Sequence[str] = STAGES) -> pd.DataFrame:
    """``country, stage, facility`` of each distinct node id (the index), as :func:`parse_node_id`.

    Each distinct id is matched once (large networks have 10^5 ids and more, and a flow table
    repeats them); an id that does not parse is handed to :func:`parse_node_id`, which raises
    its usual error.
    """
    values = ids if isinstance(ids, pd.Series | np.ndarray | list) else list(ids)
    unique = pd.unique(np.asarray(values, dtype=object))
    known = set(stages)
    rows = []
    for node in unique:  # a regex match per distinct id: ~0.5 µs, no pydantic model
        match = _NODE_RE.match(node) if isinstance(node, str) else None
        if match is None or match["stage"] not in known:
            parse_node_id(node, stages)  # raises the usual error
        assert match is not None
        rows.append((match["country"], match["stage"], match["facility"] or ""))
    return pd.DataFrame(rows, index=unique, columns=["country", "stage", "facility"], dtype=object)


def _frame(records: Sequence[BaseModel], columns: list[str]) -> pd.DataFrame:
    rows = [r.model_dump(by_alias=True) for r in records]
    return pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)


#: The tables a network holds, in the order of :meth:`SupplyNetwork.replace`'s arguments.
TABLE_NAMES: tuple[str, ...] = (
    "countries", "materials", "producers", "flows", "recipes", "demand", "stocks", "stockpiles",
    "sources", *PRODUCT_COLUMNS,
)


class SupplyNetwork:
    """A rare-earth supply network: tidy tables with provenance, and views derived from them.

    Build one with :func:`rareearth.load_network`. Tables (pandas DataFrames, read-only: each
    read is a copy-on-write view, see the module docstring):

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
        dict of engine parameters (name -> value; a copy); ``parameter_ranges`` the (low, high)
        ranges that Monte Carlo samples, for the parameters whose rows declare them.
    ``stages``, ``sectors``
        the stages in order and the end-use sectors the dataset declares (``datapackage.json``;
        :data:`~rareearth.records.STAGES` and :data:`~rareearth.records.END_USE_SECTORS` when
        it declares none).

    Examples
    --------
    >>> from rareearth import examples
    >>> net = examples.tiny()
    >>> net.stages[-2:], len(net.sectors)
    (('magnet', 'end_use'), 7)
    >>> view = net.flows
    >>> view.loc[0, "tonnes_per_year"] = 0.0   # edits a copy, never the network
    >>> float(net.flows.loc[0, "tonnes_per_year"]) > 0
    True
    >>> net.flows = view
    Traceback (most recent call last):
    ...
    AttributeError: SupplyNetwork.flows is read-only: build a new network with net.replace(flows=...)
    """

    _meta: dict[str, object]
    _stages: tuple[str, ...]
    _sectors: tuple[str, ...]
    _parameters: dict[str, float]
    _ranges: dict[str, tuple[float, float]]
    _cache: dict[str, dict[Hashable, object]]
    _tables: dict[str, pd.DataFrame]
    _FROZEN = frozenset({*TABLE_NAMES, "nodes", "parameters", "parameter_ranges", "stages",
                         "sectors", "name", "title", "reference_year", "digest", "path"})

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
        stages: Sequence[str] = STAGES,
        sectors: Sequence[str] = END_USE_SECTORS,
    ) -> None:
        put = object.__setattr__
        put(self, "_meta", {"name": name, "title": title, "reference_year": reference_year,
                            "digest": digest, "path": path})
        put(self, "_stages", tuple(stages))
        put(self, "_sectors", tuple(sectors))
        put(self, "_parameters", dict(parameters))
        put(self, "_ranges", dict(parameter_ranges or {}))
        put(self, "_cache", {})
        given: dict[str, pd.DataFrame | None] = {
            "products": products, "product_inputs": product_inputs,
            "product_production": product_production, "economy": economy,
            "product_trade": product_trade, "tariffs": tariffs}
        t: dict[str, pd.DataFrame] = {
            "countries": countries.copy(), "materials": materials.copy(),
            "producers": producers.copy(), "recipes": recipes.copy(), "stocks": stocks.copy(),
            "stockpiles": stockpiles.copy(), "sources": sources.copy()}
        demand = _with_location(demand, "node", self._stages)
        if "sector" not in demand.columns:
            facility = demand["node"].map(_parse_ids(demand["node"], self._stages)["facility"])
            demand["sector"] = facility.str.split("-", n=1).str[0]
        t["demand"] = demand
        t["flows"] = _flow_view(flows, self._stages)
        t["nodes"] = _node_view(t["producers"], demand, self._stages)
        for key, table in given.items():
            t[key] = (pd.DataFrame(columns=[*PRODUCT_COLUMNS[key], *_PROVENANCE])
                      if table is None else table.copy())
        put(self, "_tables", t)

    def __setattr__(self, key: str, value: object) -> None:
        if key in self._FROZEN:
            raise AttributeError(
                f"SupplyNetwork.{key} is read-only: build a new network with "
                f"net.replace({key}=...)")
        object.__setattr__(self, key, value)

    def __getstate__(self) -> dict[str, object]:  # a pickled network leaves its caches behind
        state = dict(self.__dict__)
        state["_cache"] = {}
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)

    def _table(self, name: str) -> pd.DataFrame:
        return self._tables[name].copy(deep=False)  # copy-on-write: edits stay in the copy

    # ------------------------------------------------------------------ tables (read-only)
    @property
    def countries(self) -> pd.DataFrame:
        return self._table("countries")

    @property
    def materials(self) -> pd.DataFrame:
        return self._table("materials")

    @property
    def producers(self) -> pd.DataFrame:
        return self._table("producers")

    @property
    def flows(self) -> pd.DataFrame:
        return self._table("flows")

    @property
    def recipes(self) -> pd.DataFrame:
        return self._table("recipes")

    @property
    def demand(self) -> pd.DataFrame:
        return self._table("demand")

    @property
    def stocks(self) -> pd.DataFrame:
        return self._table("stocks")

    @property
    def stockpiles(self) -> pd.DataFrame:
        return self._table("stockpiles")

    @property
    def sources(self) -> pd.DataFrame:
        return self._table("sources")

    @property
    def nodes(self) -> pd.DataFrame:
        return self._table("nodes")

    @property
    def products(self) -> pd.DataFrame:
        return self._table("products")

    @property
    def product_inputs(self) -> pd.DataFrame:
        return self._table("product_inputs")

    @property
    def product_production(self) -> pd.DataFrame:
        return self._table("product_production")

    @property
    def economy(self) -> pd.DataFrame:
        return self._table("economy")

    @property
    def product_trade(self) -> pd.DataFrame:
        return self._table("product_trade")

    @property
    def tariffs(self) -> pd.DataFrame:
        return self._table("tariffs")

    @property
    def parameters(self) -> dict[str, float]:
        return dict(self._parameters)

    @property
    def parameter_ranges(self) -> dict[str, tuple[float, float]]:
        return dict(self._ranges)

    @property
    def name(self) -> str:
        return str(self._meta["name"])

    @property
    def title(self) -> str:
        return str(self._meta["title"])

    @property
    def reference_year(self) -> int | None:
        return cast("int | None", self._meta["reference_year"])

    @property
    def digest(self) -> str:
        return str(self._meta["digest"])

    @property
    def path(self) -> Path | None:
        return cast("Path | None", self._meta["path"])

    @property
    def stages(self) -> tuple[str, ...]:
        """The stages, in order (a flow always goes to a later one)."""
        return self._stages

    @property
    def sectors(self) -> tuple[str, ...]:
        """The end-use sectors an end-use node may name."""
        return self._sectors

    # ------------------------------------------------------------------ cache

    def cached(self, purpose: str, key: Hashable, make: Callable[[], _T]) -> _T:
        """``make()``, computed once per ``(purpose, key)`` and kept with this network.

        The one cache of what is derived from the tables (the compiled arrays, the engine's
        structures and programs, the indicators' arrays, contracted networks, ...): the tables
        cannot change, so an entry cannot go stale, and it is dropped with the network.

        Examples
        --------
        >>> from rareearth import examples
        >>> net = examples.tiny()
        >>> net.cached("demo", 1, lambda: [1, 2]) is net.cached("demo", 1, lambda: [3])
        True
        """
        per = self._cache.setdefault(purpose, {})
        if key not in per:
            per[key] = make()
        return cast(_T, per[key])

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> SupplyNetwork:
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
        year = dataset.package.get("reference_year")
        return cls(
            name=dataset.name,
            title=str(dataset.package.get("title", dataset.name)),
            reference_year=year if isinstance(year, int) else None,
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
                if isinstance(p, Parameter) and p.low is not None and p.high is not None
            },
            digest=dataset.digest,
            path=dataset.path,
            stages=dataset.stages,
            sectors=dataset.sectors,
            **{name: _frame(t.get(name, []), [*columns, *_PROVENANCE])
               for name, columns in PRODUCT_COLUMNS.items()},
        )

    def replace(self, **changes: object) -> SupplyNetwork:
        """A new network with some tables (or ``parameters``, ``name``, ...) replaced.

        Used by cooperation options, which edit the network; the original is left unchanged,
        and the new network starts with an empty cache.

        Examples
        --------
        >>> from rareearth import examples
        >>> net = examples.tiny()
        >>> demand = net.demand.drop(columns=["country", "sector"])
        >>> demand["demand_tonnes_per_year"] *= 2
        >>> doubled = net.replace(demand=demand)
        >>> float(doubled.demand.demand_tonnes_per_year.sum() / net.demand.demand_tonnes_per_year.sum())
        2.0
        """
        t = self._tables
        base: dict[str, Any] = {
            **self._meta,
            **{name: t[name] for name in TABLE_NAMES},
            "flows": t["flows"][["source", "target", "commodity", "tonnes_per_year", *_PROVENANCE]],
            "parameters": self._parameters,
            "parameter_ranges": self._ranges,
            "stages": self._stages,
            "sectors": self._sectors,
        }
        unknown = set(changes) - set(base)
        if unknown:
            raise ArgumentError(
                f"replace() got unknown table(s): {', '.join(sorted(unknown))}; "
                f"allowed: {', '.join(sorted(base))}")
        base.update(changes)
        return SupplyNetwork(**base)

    # ------------------------------------------------------------------ labels

    @property
    def country_codes(self) -> list[str]:
        """Codes of the countries and regions, in dataset order."""
        return [str(c) for c in self._tables["countries"].index]

    @property
    def material_ids(self) -> list[str]:
        """Material (element group) ids, in dataset order."""
        return [str(m) for m in self._tables["materials"].index]

    @property
    def commodities(self) -> list[str]:
        """Materials followed by ``magnet``."""
        return [*self.material_ids, MAGNET]

    @property
    def node_ids(self) -> list[str]:
        """Every node id, sorted by stage then id."""
        return list(self.ordered_nodes()[0])

    def ordered_nodes(self) -> tuple[list[str], pd.DataFrame]:
        """``node_ids`` and their parsed ``country, stage, facility`` (rows in that order)."""
        return self.cached("network.ordered_nodes", None, self._order_nodes)

    def _order_nodes(self) -> tuple[list[str], pd.DataFrame]:
        t = self._tables
        ids = set(np.asarray(t["producers"]["node"], dtype=object)) | set(
            np.asarray(t["demand"]["node"], dtype=object)
        )
        parts = _parse_ids(list(ids), self._stages)
        rank = dict(zip(parts.index, parts["stage"].map(self._stages.index), strict=True))
        ordered = sorted(ids, key=lambda n: (rank[n], n))
        return ordered, parts.loc[ordered]

    def __repr__(self) -> str:
        return (
            f"<SupplyNetwork {self.name!r}: {len(self.node_ids)} nodes, "
            f"{len(self._tables['flows'])} flows, {len(self._tables['countries'])} countries, "
            f"commodities {', '.join(self.commodities)}>"
        )

    def recipe(self, node: str) -> dict[str, float]:
        """t REO of each material per t of magnet at a magnet node (its own rows, else default)."""
        recipes = self._tables["recipes"]
        rows = recipes[recipes["node"] == node]
        if rows.empty:
            rows = recipes[recipes["node"] == "default"]
        return {str(m): float(v) for m, v in zip(rows["material"], rows["tonnes_per_tonne"], strict=True)}

    # ------------------------------------------------------------------ graph

    @property
    def graph(self) -> nx.DiGraph:
        """The network as a ``networkx.DiGraph`` (a view, built once from the tables; a copy
        of it is yours to edit: ``net.graph.copy()``).

        Node attributes: ``country, stage, facility`` and, per commodity ``c`` it makes or uses,
        ``capacity_c, output_c`` (t/yr) or ``demand_c`` (t/yr). Edge attributes:
        ``tonnes_per_year`` (all commodities), ``tonnes_c`` per commodity, ``commodities``
        (joined by ``;``).
        """
        return self.cached("network.graph", None, self._graph)

    def _graph(self) -> nx.DiGraph:
        import networkx as nx  # imported here: loading or validating a dataset needs no graph

        g = nx.DiGraph(name=self.name, title=self.title)
        ordered, parsed = self.ordered_nodes()
        for node, country, stage, facility in zip(
                ordered, parsed["country"], parsed["stage"], parsed["facility"], strict=True):
            g.add_node(node, country=country, stage=stage, facility=facility)
        for row in self._tables["producers"].itertuples(index=False):
            g.nodes[row.node][f"capacity_{row.commodity}"] = float(row.capacity_tonnes_per_year)
            g.nodes[row.node][f"output_{row.commodity}"] = float(row.output_tonnes_per_year)
        for row in self._tables["demand"].itertuples(index=False):
            g.nodes[row.node][f"demand_{row.commodity}"] = float(row.demand_tonnes_per_year)
        for row in self._tables["flows"].itertuples(index=False):
            if not g.has_edge(row.source, row.target):
                g.add_edge(row.source, row.target, tonnes_per_year=0.0, commodities="")
            data = g.edges[row.source, row.target]
            data["tonnes_per_year"] += float(row.tonnes_per_year)
            data[f"tonnes_{row.commodity}"] = float(row.tonnes_per_year)
            data["commodities"] = ";".join(filter(None, [data["commodities"], row.commodity]))
        return g

    def to_graphml(self, path: str | Path) -> Path:
        """Write the graph as GraphML (atomically)."""
        import networkx as nx

        with atomic_path(path) as tmp:
            nx.write_graphml(self.graph, tmp)
        return Path(path)

    def to_node_link(self) -> dict[str, object]:
        """The graph as node-link data (JSON-ready dict)."""
        import networkx as nx

        return cast("dict[str, object]", nx.node_link_data(self.graph, edges="links"))

    def to_json(self, path: str | Path) -> Path:
        """Write node-link JSON (atomically)."""
        return write_text(path, json.dumps(self.to_node_link(), indent=1))

    def to_csv(self, folder: str | Path) -> list[Path]:
        """Write the tidy ``nodes`` and ``flows`` views as CSV files into ``folder``."""
        folder = Path(folder)
        out = []
        for name in ("nodes", "flows"):
            out.append(write_text(folder / f"{name}.csv", self._tables[name].to_csv(index=False)))
        return out

    # ------------------------------------------------------------------ arrays

    def compile(self) -> CompiledNetwork:
        """The dense arrays the engine runs on (see :class:`CompiledNetwork`), built once and
        kept with the network (they are read-only)."""
        return self.cached("network.compiled", None, lambda: compile_network(self))


def _with_location(table: pd.DataFrame, column: str, stages: Sequence[str]) -> pd.DataFrame:
    table = table.copy()
    if "country" in table.columns:  # a view passed back in (replace()): rebuild it
        table = table.drop(columns="country")
    table.insert(1, "country", table[column].map(_parse_ids(table[column], stages)["country"]))
    return table


def _flow_view(flows: pd.DataFrame, stages: Sequence[str]) -> pd.DataFrame:
    flows = flows.reset_index(drop=True).copy()
    parsed = _parse_ids(pd.concat([flows["source"], flows["target"]]), stages)
    view = flows[["source", "target", "commodity", "tonnes_per_year"]].copy()
    view["source_country"] = view["source"].map(parsed["country"])
    view["target_country"] = view["target"].map(parsed["country"])
    view["source_stage"] = view["source"].map(parsed["stage"])
    view["target_stage"] = view["target"].map(parsed["stage"])
    for col in _PROVENANCE:
        view[col] = flows[col] if col in flows.columns else ""
    view["tonnes_per_year"] = view["tonnes_per_year"].astype(float)
    return view


def _node_view(producers: pd.DataFrame, demand: pd.DataFrame, stages: Sequence[str]) -> pd.DataFrame:
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
    parsed = _parse_ids(table["node"], stages)
    for part in ("country", "stage", "facility"):
        table[part] = table["node"].map(parsed[part])
    for col in _PROVENANCE:
        if col not in table.columns:
            table[col] = ""
    table = table[columns]
    order = table["stage"].map(list(stages).index)
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
    >>> from rareearth import examples
    >>> net = ree.load_network(examples.tiny_path())  # a folder; or a name of ree.datasets()
    >>> net.country_codes, net.stages
    (['CN', 'AU', 'JP'], ('mining', 'separation', 'metal', 'magnet', 'end_use'))
    """
    return SupplyNetwork.from_dataset(read_dataset(name_or_path))
