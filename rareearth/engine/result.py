"""``SimulationResult``: one scenario's run, as raw arrays and (lazily built) tidy tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rareearth.engine.balance import BalanceReport, check_balance
from rareearth.engine.record import ARRAY_KEYS, IN_KEYS, OUT_KEYS, Raw
from rareearth.engine.structure import Structure
from rareearth.errors import UnknownNameError

if TYPE_CHECKING:
    from rareearth.compiled import CompiledNetwork
    from rareearth.protocols import NetworkLike
    from rareearth.scenario import Scenario

__all__ = ["ARRAY_KEYS", "Batch", "SimulationResult"]

#: Results' :attr:`~SimulationResult.arrays` are built for several scenarios of a batch at once,
#: up to this many bytes of grids (at least one scenario; 4 MB: past it the grids are fresh
#: pages, written at memory speed whatever the chunk): one numpy call per key and chunk.
CHUNK_BYTES = 1 << 22


@dataclass(eq=False)
class Batch:
    """What all results of one batch share: structure, recorded arrays, labels."""

    net: NetworkLike
    structure: Structure
    raw: Raw
    record_in: np.ndarray | None
    record_out: np.ndarray | None
    #: the last chunk of results' arrays built (:meth:`arrays`): its scenarios, their grids
    _chunk: tuple[int, int, dict[str, np.ndarray]] | None = field(default=None, init=False,
                                                                 repr=False)

    @cached_property
    def node_labels(self) -> pd.DataFrame:
        cn = self.structure.compiled
        stages = [cn.stages[s] for s in cn.node_stage]
        return pd.DataFrame(
            {"node": cn.node_ids, "country": [cn.countries[k] for k in cn.node_country],
             "stage": stages}
        )

    @cached_property
    def _cells(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """(node, commodity) cell of each recorded in- and out-slot, and the nodes not recorded
        (None: every node is)."""
        st = self.structure
        rec_in = np.arange(st.n_in) if self.record_in is None else self.record_in
        rec_out = np.arange(st.n_out) if self.record_out is None else self.record_out
        unrecorded = None
        if self.record_in is not None or self.record_out is not None:
            recorded = np.zeros(st.compiled.capacity.shape[0], dtype=bool)
            recorded[st.in_node[rec_in]] = True
            recorded[st.out_node[rec_out]] = True
            unrecorded = ~recorded
        return (st.in_node[rec_in], st.in_commodity[rec_in], st.out_node[rec_out],
                st.out_commodity[rec_out], unrecorded)

    def arrays(self, s: int, months: int) -> dict[str, np.ndarray]:
        """Scenario ``s``'s :attr:`SimulationResult.arrays` over its first ``months``.

        The node grids and prices are built for a chunk of scenarios at once (views of one
        array per key and chunk, each scenario's C-contiguous as if built alone); the
        stockpile and per-country aggregates are views of the record.
        """
        raw, st = self.raw, self.structure
        chunk = self._chunk
        if chunk is None or not chunk[0] <= s < chunk[1]:
            chunk = self._chunk = self._build(s)
        first, _, grids = chunk
        out = {key: grid[s - first, :months] for key, grid in grids.items()}
        shape = (months, st.n_countries, st.n_commodities)
        assert raw.stockpile is not None
        out["stockpile"] = raw.stockpile[:months, :, s].reshape(shape)
        for key, values in raw.country.items():
            out[key] = values[:months, :, s].reshape(shape)
        return out

    def _build(self, s: int) -> tuple[int, int, dict[str, np.ndarray]]:
        """The grids of the chunk of scenarios that holds ``s`` (see :data:`CHUNK_BYTES`)."""
        raw, st = self.raw, self.structure
        n, c = st.compiled.capacity.shape
        t_n = raw.months
        keys = len(raw.slots_in) + len(raw.slots_out)
        keys += "stock_in" in raw.slots_in and "stock_out" in raw.slots_out
        per_scenario = 8 * t_n * (keys * n * c + 2 * st.n_commodities)
        size = max(1, min(raw.n_scenarios, CHUNK_BYTES // max(per_scenario, 1)))
        first = s // size * size
        last = min(first + size, raw.n_scenarios)
        in_nodes, in_coms, out_nodes, out_coms, unrecorded = self._cells

        # every cell 0, NaN at nodes not recorded; then the recorded cells
        blank = np.zeros((n, c))
        if unrecorded is not None:
            blank[unrecorded] = np.nan

        def grid(values: np.ndarray, nodes: np.ndarray, coms: np.ndarray) -> np.ndarray:
            arr = np.empty((last - first, t_n, n, c))
            arr[...] = blank
            arr[:, :, nodes, coms] = values[:, :, first:last].transpose(2, 0, 1)
            return arr

        grids: dict[str, np.ndarray] = {}
        for key in IN_KEYS:
            if key in raw.slots_in:
                grids[key] = grid(raw.slots_in[key], in_nodes, in_coms)
        for key in OUT_KEYS:
            if key in raw.slots_out:
                grids[key] = grid(raw.slots_out[key], out_nodes, out_coms)
        if "stock_in" in grids and "stock_out" in grids:
            grids["stock"] = grids["stock_in"] + grids["stock_out"]
        assert raw.price is not None and raw.price_domestic is not None
        grids["price"] = raw.price[:, :, first:last].transpose(2, 0, 1).copy()
        grids["price_domestic"] = raw.price_domestic[:, :, first:last].transpose(2, 0, 1).copy()
        return first, last, grids


class SimulationResult:
    """The run of one scenario: arrays, tidy tables and provenance.

    Attributes
    ----------
    arrays : dict of str to numpy.ndarray
        Raw results, float64, ``(T, N, C)`` in the order of ``net.compile()`` (``node_ids``,
        ``commodities``), t/month; ``price`` is ``(T, C)``, ``stockpile`` ``(T, K, C)``. Keys in
        :data:`ARRAY_KEYS` (those recorded). Cells of nodes not recorded are NaN.
    timeseries : pandas.DataFrame
        One row per month, node and commodity the node makes or takes: ``month`` (Period, M),
        ``node, country, stage, commodity, demand, received, produced, shortfall, stock,
        price_index``.
    flows : pandas.DataFrame
        What moved: ``month, source, target, commodity, tonnes, rerouted, arrives``. ``month``
        is when it shipped, ``arrives`` when it reaches the buyer: the same month, or for a
        cross-border baseline edge ``transit_months`` later (a lead with a fraction splits the
        delivery: ``arrives`` is then the month the first part arrives, see ``docs/model.md``).
        Baseline edges appear every month (0 when cut); rerouted deliveries are split over
        supplier and buyer nodes pro rata and arrive in the month they ship. With a transit
        lead, the baseline shipments under way at the start appear in the months before it.
    products : pandas.DataFrame
        The product tier (``rareearth.products``): ``month, country, owner, product,
        demand_units, built_units, lost_units, lost_output_usd``; empty when the dataset
        declares no products.
    provenance : dict
        Package version, dataset name and digest, scenario, options, allocation, seed,
        parameters.

    Accessors follow one rule: a table of the whole run is a property (``arrays``,
    ``timeseries``, ``flows``, ``prices``), built on first use and cached; a view that takes an
    argument or converts is a method (``shortfall(country)``, ``shortfall()`` for every
    country, ``to_iamc()``).

    Examples
    --------
    >>> import rareearth as ree
    >>> from rareearth import examples
    >>> net = examples.tiny()
    >>> res = ree.simulate(net, examples.embargo(6))
    >>> res
    <SimulationResult 'tiny-embargo' on 'tiny': 6 months from 2025-01, proportional>
    >>> res.arrays["shortfall"].shape == (6, len(res.node_ids), len(res.commodities))
    True
    """

    def __init__(self, batch: Batch, index: int, scenario: Scenario,
                 provenance: dict[str, Any]) -> None:
        self._batch = batch
        self._s = index
        self.scenario = scenario
        self.months = int(scenario.months)
        self.provenance = provenance

    def __repr__(self) -> str:
        return (
            f"<SimulationResult {self.scenario.name!r} on {self._batch.net.name!r}: "
            f"{self.months} months from {self.scenario.start}, {self.provenance['allocation']}>"
        )

    @property
    def periods(self) -> pd.PeriodIndex:
        """Months of the run."""
        return pd.period_range(start=self.scenario.start, periods=self.months, freq="M")

    @property
    def compiled(self) -> CompiledNetwork:
        """The :class:`~rareearth.network.CompiledNetwork` the run used (axes of ``arrays``)."""
        return self._batch.structure.compiled

    @property
    def net(self) -> NetworkLike:
        """The network the run used (edited by options that change the network)."""
        return self._batch.net

    @property
    def node_ids(self) -> list[str]:
        """Labels of the node axis of :attr:`arrays`."""
        return list(self._batch.structure.compiled.node_ids)

    @property
    def commodities(self) -> list[str]:
        """Labels of the commodity axis of :attr:`arrays`."""
        return list(self._batch.structure.compiled.commodities)

    # ------------------------------------------------------------------ arrays

    @cached_property
    def arrays(self) -> dict[str, np.ndarray]:
        """Raw arrays (see class docstring); built on first access, then cached."""
        return self._batch.arrays(self._s, self.months)

    def check_balance(self, tol: float = 1e-7, *, raise_on_error: bool = True) -> BalanceReport:
        """Check conservation per node, commodity and month (:mod:`rareearth.engine.balance`).

        Stocks change by what arrives less what is used (inputs) or by what is made less what
        ships (output); nothing is made beyond capacity or its inputs; shortfall is need less
        what arrived and was drawn; receipts are the flows that arrive plus rerouted deliveries
        and releases; nothing is negative. ``tol`` is relative to the run's largest receipt and
        output. Raises :class:`~rareearth.errors.BalanceError` on a violation (or, with
        ``raise_on_error=False``, returns the report with it).

        Examples
        --------
        >>> import rareearth as ree
        >>> from rareearth import examples
        >>> net = examples.tiny()
        >>> res = ree.simulate(net, examples.embargo(3))
        >>> res.check_balance().ok
        True
        """
        return check_balance(self, tol, raise_on_error=raise_on_error)

    def market_price(self, country: str) -> np.ndarray:
        """(T, C) price index ``country``'s consumers pay: the domestic market's in the months
        it restricts a commodity's exports, else the export market's.

        Raises
        ------
        KeyError
            ``country`` is not in the network.
        """
        b, t_n = self._batch, self.months
        k = b.structure.compiled.country_index[country]
        out = self.arrays["price"]
        if b.raw.restricting is None:
            return out
        inside = b.raw.restricting[:t_n, :, self._s, k]
        return np.where(inside, self.arrays["price_domestic"], out)

    def _own_price(self, nodes: np.ndarray, coms: np.ndarray) -> np.ndarray:
        """(T, cells) price index each node pays: its market's (domestic inside a country
        restricting that commodity's exports that month, else the export market's)."""
        b, t_n = self._batch, self.months
        a = self.arrays
        cn = b.structure.compiled
        out = a["price"][:, coms]
        if b.raw.restricting is None or not b.raw.restricting.any():
            return out
        inside = b.raw.restricting[:t_n, :, self._s, :][:, coms, cn.node_country[nodes]]
        return np.where(inside, a["price_domestic"][:, coms], out)

    # ------------------------------------------------------------------ tables

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """Tidy per-month table (see class docstring); built on first access, then cached."""
        st = self._batch.structure
        a = self.arrays
        cells = np.unique(
            np.concatenate([st.in_node * st.n_commodities + st.in_commodity,
                            st.out_node * st.n_commodities + st.out_commodity])
        )
        nodes, coms = np.divmod(cells, st.n_commodities)
        t_n = self.months
        labels = self._batch.node_labels
        zeros = np.zeros((t_n, cells.size))

        def pick(key: str) -> np.ndarray:
            return a[key][:, nodes, coms] if key in a else zeros * np.nan

        columns = {
            "month": np.repeat(self.periods, cells.size),
            "node": np.tile(labels["node"].to_numpy()[nodes], t_n),
            "country": np.tile(labels["country"].to_numpy()[nodes], t_n),
            "stage": np.tile(labels["stage"].to_numpy()[nodes], t_n),
            "commodity": np.tile(np.asarray(self.commodities, dtype=object)[coms], t_n),
            "demand": pick("demand").ravel(),
            "received": pick("received").ravel(),
            "produced": pick("produced").ravel(),
            "shortfall": pick("shortfall").ravel(),
            "stock": pick("stock").ravel() if "stock" in a else (pick("stock_in") + 0).ravel(),
            "price_index": self._own_price(nodes, coms).ravel(),
        }
        frame = pd.DataFrame(columns)
        frame["month"] = pd.PeriodIndex(frame["month"], freq="M")
        return frame

    @cached_property
    def flows(self) -> pd.DataFrame:
        """What moved each month (see class docstring); needs ``"flows"`` recorded."""
        b, st, s, t_n = self._batch, self._batch.structure, self._s, self.months
        cn = st.compiled
        columns = ["month", "source", "target", "commodity", "tonnes", "rerouted"]
        if b.raw.edge_flow is None:
            return pd.DataFrame(columns=[*columns, "arrives"])
        e = st.n_edges
        src_node = st.out_node[st.edge_src]
        tgt_node = st.in_node[st.edge_tgt]
        ids = np.asarray(cn.node_ids, dtype=object)
        coms = np.asarray(cn.commodities, dtype=object)
        base = pd.DataFrame({
            "month": np.repeat(self.periods, e),
            "source": np.tile(ids[src_node], t_n),
            "target": np.tile(ids[tgt_node], t_n),
            "commodity": np.tile(coms[st.edge_commodity], t_n),
            "tonnes": b.raw.edge_flow[:t_n, :, s].ravel(),
            "rerouted": False,
        })
        rows: list[tuple[Any, ...]] = []
        groups = {(grp.stage, grp.sstage): grp for stage in st.groups for grp in stage}
        for t, stage_b, stage_s, coo, values, take, rcv in b.raw.rerouted:
            if t >= t_n:
                continue
            grp = groups[(stage_b, stage_s)]
            o0, o1 = st.out_range[grp.sstage]
            sel = coo[3] == s
            if not sel.any():
                continue
            take_s, rcv_s = take[:, s], rcv[:, s]
            for kk, jj, cc, value in zip(coo[0, sel], coo[1, sel], coo[2, sel], values[sel], strict=True):
                sup = np.flatnonzero((st.out_country[o0:o1] == kk) & (st.out_commodity[o0:o1] == cc)
                                     & (take_s > 0))
                buy = np.flatnonzero((st.in_country[grp.start:grp.stop] == jj)
                                     & (st.in_commodity[grp.start:grp.stop] == cc) & (rcv_s > 0))
                if sup.size == 0 or buy.size == 0:
                    continue
                w_sup = take_s[sup] / take_s[sup].sum()
                w_buy = rcv_s[buy] / rcv_s[buy].sum()
                for o, ws in zip(sup, w_sup, strict=True):
                    for i, wb in zip(buy, w_buy, strict=True):
                        rows.append((self.periods[t], ids[st.out_node[o0 + o]],
                                     ids[st.in_node[grp.start + i]], coms[cc], value * ws * wb, True))
        lead = int(float(self.provenance["parameters"].get("transit_months", 0.0)) // 1)
        cross_edge = st.out_country[st.edge_src] != st.in_country[st.edge_tgt]
        if lead > 0 and cross_edge.any():
            # baseline shipments under way when the run starts (they arrive in its first months)
            first = self.periods[0]
            for k in range(lead, 0, -1):
                for edge in np.flatnonzero(cross_edge):
                    rows.append((first - k, ids[src_node[edge]], ids[tgt_node[edge]],
                                 coms[st.edge_commodity[edge]], float(st.edge_base[edge]), False))
        if rows:
            extra = pd.DataFrame(rows, columns=columns)
            base = pd.concat([base, extra], ignore_index=True)
        base["month"] = pd.PeriodIndex(base["month"], freq="M")
        cross = (base["source"].str.split(":").str[0] != base["target"].str.split(":").str[0])
        # rerouted deliveries travel too, except in ``optimal`` mode (engine.core.Transit)
        travels = cross if self.provenance["allocation"] == "proportional" else (
            cross & ~base["rerouted"].astype(bool))
        shift = np.where(travels, lead, 0)
        ordinals = pd.PeriodIndex(base["month"]).asi8 + shift.astype(np.int64)
        base["arrives"] = pd.PeriodIndex.from_ordinals(ordinals, freq="M")
        return base.sort_values(["month", "rerouted", "source", "target", "commodity"],
                                kind="stable").reset_index(drop=True)

    @cached_property
    def products(self) -> pd.DataFrame:
        """Units of each product built and lost per month (see class docstring); cached."""
        from rareearth.products import product_table

        return product_table(self)

    @cached_property
    def prices(self) -> pd.DataFrame:
        """Price index P/P0 per month (index) and commodity (columns)."""
        frame = pd.DataFrame(self.arrays["price"], index=self.periods, columns=self.commodities)
        frame.index.name = "month"
        frame.columns.name = "commodity"
        return frame

    def shortfall(self, country: str | None = None) -> pd.DataFrame:
        """End-use shortfall of ``country`` (t/month): index month, one column per commodity.

        With no ``country``: every country with end use, columns (country, commodity).

        Raises
        ------
        UnknownNameError
            ``country`` is not in the network.

        Examples
        --------
        >>> import rareearth as ree
        >>> from rareearth import examples
        >>> net = examples.tiny()
        >>> res = ree.simulate(net, examples.embargo(6))
        >>> res.shortfall("JP").shape, list(res.shortfall("JP").columns)
        ((6, 1), ['magnet'])
        """
        st = self._batch.structure
        cn = st.compiled
        if country is None:
            e0, e1 = st.in_range[st.end_use]
            ks = sorted(set(st.in_country[e0:e1].tolist()))
            parts = {cn.countries[k]: self.shortfall(cn.countries[k]) for k in ks}
            both = pd.concat(parts, axis=1, names=["country", "commodity"])
            both.index.name = "month"
            return both
        if country not in cn.country_index:
            raise UnknownNameError(
                f"unknown country {country!r}; this network has {', '.join(cn.countries)}"
            )
        k = cn.country_index[country]
        e0, e1 = st.in_range[st.end_use]
        mine = st.in_country[e0:e1] == k
        coms = sorted(set(st.in_commodity[e0:e1][mine].tolist()))
        a = self.arrays
        if "shortfall" in a:
            nodes = np.flatnonzero((cn.node_country == k) & (cn.node_stage == st.end_use))
            data = {cn.commodities[c]: np.nansum(a["shortfall"][:, nodes, c], axis=1) for c in coms}
        elif "country_shortfall" in a:
            data = {cn.commodities[c]: a["country_shortfall"][:, k, c] for c in coms}
        else:
            raise KeyError("shortfall was not recorded; run with record='all' or ('shortfall',)")
        frame = pd.DataFrame(data, index=self.periods, columns=[cn.commodities[c] for c in coms])
        frame.index.name = "month"
        frame.columns.name = "commodity"
        return frame

    def to_iamc(self) -> pd.DataFrame:
        """The run in the IAMC long format (``model, scenario, region, variable, unit, time,
        value``), readable by pyam; variables such as ``Shortfall|DyTb|End use``
        (:mod:`rareearth.iamc`).

        Examples
        --------
        >>> import rareearth as ree
        >>> from rareearth import examples
        >>> net = examples.tiny()
        >>> res = ree.simulate(net, examples.embargo(6))
        >>> iamc = res.to_iamc()
        >>> list(iamc.columns)
        ['model', 'scenario', 'region', 'variable', 'unit', 'time', 'value']
        >>> len(iamc.query("variable == 'Shortfall|magnet|End use'"))  # JP's, each month
        6
        """
        from rareearth.iamc import to_iamc

        return to_iamc(self)
