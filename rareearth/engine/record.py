"""What the engine records: one registry read by the engine, the results and ``record=``.

:data:`REGISTRY` declares every recorded quantity once: its name, the axis it has per month
(in-slots, out-slots, edges, (country, commodity) rows, commodities), its dtype, how
:attr:`SimulationResult.arrays <rareearth.engine.result.SimulationResult.arrays>` presents it
(``aggregation``), the ``record=`` key that switches it on (``None``: always kept), the month's
array it copies (``source``: a field of :class:`~rareearth.engine.state.RunState` or
:class:`~rareearth.engine.state.MonthFlows`, or a quantity the :class:`Recorder` computes) and a
description. ``IN_KEYS``, ``OUT_KEYS``, ``COUNTRY_KEYS``, ``result.ARRAY_KEYS`` and
``run.RECORD_ALL`` are derived from it; to record a new quantity, add one entry here (and, for
a computed one, its computation in :meth:`Recorder.record`).

Examples
--------
>>> REGISTRY["shortfall"].axis, REGISTRY["shortfall"].switch
('in', 'shortfall')
>>> "price" in ARRAY_KEYS and "flows" in RECORD_ALL
True
"""

from __future__ import annotations

import mmap
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from rareearth.engine import kernels
from rareearth.engine.state import Rerouted

if TYPE_CHECKING:
    from rareearth.engine.state import MonthFlows, RunState
    from rareearth.engine.structure import Structure

__all__ = ["ARRAY_KEYS", "COUNTRY_KEYS", "IN_KEYS", "OUT_KEYS", "POOL", "RECORD_ALL", "REGISTRY",
           "BlockPool", "Raw", "Recorded", "Recorder"]

Axis = Literal["in", "out", "edge", "country", "commodity", "restricting", "derived"]


@dataclass(frozen=True)
class Recorded:
    """One recorded quantity (see module docstring).

    ``axis``: per month, ``in`` (in-slots), ``out`` (out-slots), ``edge`` (structure edges),
    ``country`` ((country, commodity) rows ``k × C + c``), ``commodity``, ``restricting``
    ((C, S, K) bool) or ``derived`` (computed by the result from other keys). ``aggregation``:
    the shape in ``arrays`` — ``node`` (T, N, C) cells, ``country`` (T, K, C), ``commodity``
    (T, C), or ``none`` (not in ``arrays``).
    """

    name: str
    axis: Axis
    aggregation: Literal["node", "country", "commodity", "none"]
    switch: str | None
    source: str
    description: str
    dtype: type = np.float64


def _in(name: str, source: str, description: str) -> Recorded:
    return Recorded(name, "in", "node", name, source, description)


def _out(name: str, source: str, description: str) -> Recorded:
    return Recorded(name, "out", "node", name, source, description)


def _country(name: str, description: str) -> Recorded:
    return Recorded(name, "country", "country", "country", "country_sums", description)


_ENTRIES = (
    _in("demand", "flows.need",
        "what the node needed: end-use demand, or the inputs its planned output needs"),
    _in("received", "flows.received",
        "what arrived: baseline flows, rerouted deliveries, stockpile releases, recycling"),
    _in("used", "flows.used", "inputs consumed by production, or end-use consumption"),
    _in("shortfall", "flows.shortfall", "need − received − own stock drawn, ≥ 0"),
    Recorded("stock", "derived", "node", None, "stock_in + stock_out",
             "stock held at the end of the month (stock_in + stock_out), t"),
    _in("stock_in", "state.inv_in",
        "stock of inputs (or, at end use, of the consumed commodity), t"),
    _out("stock_out", "state.inv_out", "inventory of the node's own output, t"),
    _out("produced", "flows.prod", "output made"),
    _out("shipped", "flows.shipped", "output sold (baseline edges + rerouted)"),
    _out("capacity", "flows.cap", "capacity available this month (shocks and levers applied)"),
    _in("rerouted_in", "flows.rerouted_in", "part of received that came by rerouting"),
    _out("rerouted_out", "flows.rerouted_out", "part of shipped that went by rerouting"),
    _in("released", "flows.released", "part of received released from the national stockpile"),
    Recorded("price", "commodity", "commodity", None, "state.price",
             "price index P/P0 per commodity on the export market, shape (T, C)"),
    Recorded("price_domestic", "commodity", "commodity", None, "state.price_dom",
             "price index P/P0 inside the countries restricting a commodity's exports (the "
             "export index where none does), shape (T, C)"),
    Recorded("stockpile", "country", "country", None, "state.pile",
             "national stockpile per country and commodity, shape (T, K, C), t"),
    _country("country_demand", "end-use demand per country and commodity, (T, K, C), t/month"),
    _country("country_shortfall",
             "end-use shortfall per country and commodity, (T, K, C), t/month"),
    _country("country_demand_value", "end-use demand × downstream value, (T, K, C), USD/month"),
    _country("country_shortfall_value",
             "end-use shortfall × downstream value, (T, K, C), USD/month"),
    _country("country_magnet_demand", "magnet makers' input need per country, (T, K, C), t/month"),
    _country("country_magnet_shortfall",
             "magnet makers' input shortfall per country, (T, K, C), t/month"),
    _country("country_stock",
             "stock held by the country's nodes (inputs and output), (T, K, C), t"),
    Recorded("edge_flow", "edge", "none", "flows", "flows.edge_flow",
             "shipments per baseline edge, (T, E), t/month (``result.flows``)"),
    Recorded("restricting", "restricting", "none", None, "restricting",
             "(C, K) per month: countries restricting a commodity's exports", dtype=np.bool_),
)

#: Every recorded quantity, by name (see module docstring).
REGISTRY: dict[str, Recorded] = {e.name: e for e in _ENTRIES}
#: Per in-slot quantities (inputs and end-use demand), recorded each under its own key.
IN_KEYS: tuple[str, ...] = tuple(e.name for e in _ENTRIES if e.axis == "in")
#: Per out-slot quantities (output).
OUT_KEYS: tuple[str, ...] = tuple(e.name for e in _ENTRIES if e.axis == "out")
#: Per-country aggregates recorded with ``"country"``, each (K, C) per month.
COUNTRY_KEYS: tuple[str, ...] = tuple(e.name for e in _ENTRIES if e.switch == "country")
#: Keys of ``SimulationResult.arrays`` (those recorded) with their descriptions.
ARRAY_KEYS: dict[str, str] = {e.name: e.description for e in _ENTRIES
                              if e.aggregation != "none"}
#: Everything ``simulate_many`` can record (``record="all"``).
RECORD_ALL: frozenset[str] = frozenset(e.switch for e in _ENTRIES if e.switch is not None)


@dataclass
class Raw:
    """Recorded arrays of a batch run: ``(T, rows, S)`` per key (rows by the key's axis)."""

    months: int
    n_scenarios: int
    slots_in: dict[str, np.ndarray] = field(default_factory=dict)
    slots_out: dict[str, np.ndarray] = field(default_factory=dict)
    price: np.ndarray | None = None  # (T, C, S)
    price_domestic: np.ndarray | None = None  # (T, C, S), restricting exporters' own market
    restricting: np.ndarray | None = None  # (T, C, S, K) bool: who restricts what, when
    country: dict[str, np.ndarray] = field(default_factory=dict)  # (T, K*C, S) each
    stockpile: np.ndarray | None = None  # (T, K*C, S)
    edge_flow: np.ndarray | None = None  # (T, E, S), structure edge order
    rerouted: list[Rerouted] = field(default_factory=list)
    #: in-slots whose Leontief coefficient input factors scale, and the factors (T, n)
    input_factors: tuple[np.ndarray, np.ndarray] | None = None


def _source(source: str) -> tuple[bool, str]:
    """``"state.inv_in"`` → (True, "inv_in"): a field of the run state, or of the month's flows."""
    owner, _, name = source.partition(".")
    assert owner in ("state", "flows"), source
    return owner == "state", name


class BlockPool:
    """Memory for records, handed out in one block per batch and taken back when it is free.

    A batch's whole record lives in one block: :meth:`take` returns a ``uint8`` array, the
    block's *owner*, and every recorded array is a view of it (numpy makes each view of a view
    refer to the owner, so any array a result hands out keeps it alive). When the owner dies —
    the batch's results and every array taken from them are gone — its memory (an anonymous
    ``mmap``) comes back here, and the next batch that fits writes its record into it instead of
    faulting in fresh pages (page faults of new memory were a tenth of a small batch's run).
    Free blocks are kept up to ``limit`` bytes in all, the oldest dropped first (unmapped); a
    block is only reused for a record at least half its size. Safe across threads under the
    GIL: a free block is claimed by removing it from the list, which one thread alone can do.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.free: list[mmap.mmap] = []

    def take(self, nbytes: int) -> np.ndarray:
        """An owner array of at least ``nbytes`` bytes (contents undefined)."""
        nbytes = max(int(nbytes), 1)
        mem = None
        for cand in sorted(self.free, key=len):
            if len(cand) >= nbytes:
                if len(cand) > 2 * nbytes + mmap.PAGESIZE:
                    break
                try:
                    self.free.remove(cand)
                except ValueError:  # another thread claimed it
                    continue
                mem = cand
                break
        if mem is None:
            mem = mmap.mmap(-1, nbytes)
        owner = np.frombuffer(mem, dtype=np.uint8)
        weakref.finalize(owner, self._give_back, mem).atexit = False
        return owner

    def _give_back(self, mem: mmap.mmap) -> None:
        if len(mem) > self.limit:
            return
        self.free.append(mem)
        while sum(len(m) for m in list(self.free)) > self.limit:
            try:
                self.free.pop(0)
            except IndexError:  # emptied by another thread
                break

    def clear(self) -> None:
        """Drop every free block."""
        self.free.clear()


#: The records' block pool (:class:`BlockPool`): up to 256 MB of free blocks kept.
POOL = BlockPool(1 << 28)
_ALIGN = 64  # bytes: each recorded array starts on a cache line


class Recorder:
    """Allocates a batch's record from :data:`REGISTRY` and copies each month into it.

    The record's arrays are views of one block of :data:`POOL`, uninitialised: every month
    writes each of them whole (``record`` is called for every month of the run).

    Parameters
    ----------
    structure : Structure
    months, n_scenarios : int
    keys : set of str
        ``record=`` keys (see :data:`RECORD_ALL`).
    record_in, record_out : int arrays or None
        Only these in-/out-slots are recorded (None: all).
    """

    def __init__(self, structure: Structure, months: int, n_scenarios: int, keys: set[str],
                 record_in: np.ndarray | None, record_out: np.ndarray | None) -> None:
        st = self.st = structure
        self.record_in, self.record_out = record_in, record_out
        raw = self.raw = Raw(months=months, n_scenarios=n_scenarios)
        n_in = st.n_in if record_in is None else record_in.size
        n_out = st.n_out if record_out is None else record_out.size
        kc = st.n_countries * st.n_commodities
        # (kind, key, shape, dtype) of every recorded array, in the block's order
        plan: list[tuple[str, str, tuple[int, ...], type]] = []
        plan += [("in", key, (months, n_in, n_scenarios), np.float64)
                 for key in IN_KEYS if key in keys]
        plan += [("out", key, (months, n_out, n_scenarios), np.float64)
                 for key in OUT_KEYS if key in keys]
        plan += [("price", "price", (months, st.n_commodities, n_scenarios), np.float64),
                 ("price", "price_domestic", (months, st.n_commodities, n_scenarios), np.float64),
                 ("restricting", "restricting",
                  (months, st.n_commodities, n_scenarios, st.n_countries), np.bool_),
                 ("stockpile", "stockpile", (months, kc, n_scenarios), np.float64)]
        if REGISTRY["edge_flow"].switch in keys:
            plan.append(("edge_flow", "edge_flow", (months, st.n_edges, n_scenarios), np.float64))
        if "country" in keys:
            plan += [("country", key, (months, kc, n_scenarios), np.float64)
                     for key in COUNTRY_KEYS]
        offsets, size = [], 0
        for _kind, _key, shape, dtype in plan:
            offsets.append(size)
            nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
            size += -(-nbytes // _ALIGN) * _ALIGN
        block = POOL.take(size)
        for (kind, key, shape, dtype), at in zip(plan, offsets, strict=True):
            nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
            buf: np.ndarray = block[at : at + nbytes].view(dtype).reshape(shape)
            if kind == "in":
                raw.slots_in[key] = buf
            elif kind == "out":
                raw.slots_out[key] = buf
            elif kind == "country":
                raw.country[key] = buf
            else:
                setattr(raw, key, buf)
        #: (from the run state?, its field, the record buffer) per recorded slot key
        self._copies = [(*_source(REGISTRY[key].source), buf, ri)
                        for slots, ri in ((raw.slots_in, record_in), (raw.slots_out, record_out))
                        for key, buf in slots.items()]
        self.country: kernels.CountryRows | None = None
        if "country" in keys:
            self.country = _country_rows(st, n_scenarios)

    @property
    def records_flows(self) -> bool:
        """Whether edge and rerouted flows are recorded."""
        return self.raw.edge_flow is not None

    def rerouted(self, entry: Rerouted) -> None:
        """Keep one record of rerouted deliveries (only when flows are recorded)."""
        self.raw.rerouted.append(entry)

    def record(self, t: int, state: RunState, flows: MonthFlows,
               restricting: np.ndarray | None) -> None:
        """Copy month ``t``'s quantities into the record (every array's month ``t``, whole)."""
        raw = self.raw
        for from_state, name, buf, rows in self._copies:
            src = getattr(state if from_state else flows, name)
            if rows is None:
                buf[t] = src
            else:
                np.take(src, rows, axis=0, out=buf[t])
        assert raw.price is not None and raw.stockpile is not None
        raw.price[t] = state.price
        assert raw.price_domestic is not None and raw.restricting is not None
        raw.price_domestic[t] = state.price_dom
        if restricting is not None:
            raw.restricting[t] = restricting
        else:
            raw.restricting[t] = False
        raw.stockpile[t] = state.pile
        if self.country is not None:
            c = raw.country  # the kernel zeroes its outputs first
            kernels.country_sums(self.country, flows.need, flows.shortfall, state.inv_in,
                                 state.inv_out,
                                 (
                                     c["country_demand"][t], c["country_shortfall"][t],
                                     c["country_demand_value"][t], c["country_shortfall_value"][t],
                                     c["country_magnet_demand"][t],
                                     c["country_magnet_shortfall"][t], c["country_stock"][t]))
        if raw.edge_flow is not None:
            raw.edge_flow[t] = flows.edge_flow


def _country_rows(st: Structure, n_scenarios: int) -> kernels.CountryRows:
    """Row (country × C + commodity) of each in- and out-slot, in-slot stages and values."""
    cn = st.compiled
    rows_in = st.in_country * st.n_commodities + st.in_commodity
    rows_out = st.out_country * st.n_commodities + st.out_commodity
    value = np.asarray(cn.value[st.in_node, st.in_commodity], dtype=np.float64)
    # the magnet makers' stage: the one before end use
    return (rows_in.astype(np.int64), st.in_stage.astype(np.int64), value,
            rows_out.astype(np.int64), st.end_use, st.end_use - 1,
            np.zeros((st.n_countries * st.n_commodities, n_scenarios)))
