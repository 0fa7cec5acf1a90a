"""The array core: one month of the engine for a whole batch of scenarios at once.

State and per-month quantities are arrays of shape ``(slots, S)`` (slot-major, scenarios last,
so that a slot's row is one contiguous block), float64, t/month. The passes over slots are
compiled kernels (:mod:`rareearth.engine.kernels`) that fuse each step's arithmetic into one
pass; the small per-group rerouting arrays stay numpy. See
:mod:`rareearth.engine.structure` for slots. A month (:meth:`Engine.month`) runs, per MODEL.md §3:

1. :meth:`~Engine.capacity` — baseline × capacity shocks + lever additions;
   :meth:`~Engine.demand` — end-use demand (base × price response × shocks × levers + additions)
   and recycling;
2. :meth:`~Engine.orders` — a backward pass (end use → separation): each producer plans
   ``min(capacity, orders + last month's rerouted sales + added capacity)`` and orders its inputs
   from its baseline suppliers in baseline proportions;
3. then stage by stage (mining → end use): rerouting for the stage's buyers (step 4 of the
   model, ``allocator.reroute``), national stockpile release (:meth:`~Engine.release`),
   production (:meth:`~Engine.produce`) or consumption (:meth:`~Engine.consume`), and allocation
   of the stage's output along baseline edges (step 3, ``allocator.allocate``);
4. :meth:`~Engine.close` — unsold output to inventory, ramp and lead-time state, price (step 7),
   demand response for next month (step 6).

Steps 3–4 are delegated to an *allocator* (:class:`ProportionalAllocator` here) that reads and
writes the engine's arrays; an optimal (LP) allocator replaces it (see ``docs/model.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from rareearth.engine import kernels
from rareearth.engine.events import EventSchedule, MonthEvents
from rareearth.engine.levers import LeverArrays
from rareearth.engine.params import BatchParameters
from rareearth.engine.structure import MINING, Group, Structure

__all__ = ["COUNTRY_KEYS", "IN_KEYS", "OUT_KEYS", "REFILL_MONTHS", "Allocator", "Engine", "Raw"]

#: A node below its stock target orders the gap spread over this many months, and one above it
#: orders less by the excess over the same time (assumption: half a year to rebuild inventory).
REFILL_MONTHS = 6.0
_TINY = 1e-12
#: Relative rounding: a shortfall below this share of the need, or a market ratio within it of
#: 1, is floating-point noise (calibrated coefficients are quotients) and counts as zero / one.
ROUNDING = 1e-10

#: Per-slot quantities recorded each month (in-slots: inputs and end-use demand; out-slots: output).
IN_KEYS = ("demand", "received", "used", "shortfall", "stock_in", "rerouted_in", "released")
OUT_KEYS = ("produced", "shipped", "stock_out", "capacity", "rerouted_out")
#: Per-country aggregates recorded with ``"country"``, each (K, C) per month: end-use demand and
#: shortfall (t/month and USD/month at the dataset's downstream value), magnet makers' input
#: need and shortfall, and every stock the country's nodes hold (t).
COUNTRY_KEYS = ("country_demand", "country_shortfall", "country_demand_value",
                "country_shortfall_value", "country_magnet_demand", "country_magnet_shortfall",
                "country_stock")


def staggered(rows: int, cols: int, index: int, dtype: Any = np.float64) -> np.ndarray:
    """An uninitialised C-contiguous (rows, cols) array starting ``index`` × 7 cache lines
    (mod 64) past a 4 KiB boundary.

    The month's kernels stream many arrays of one shape at once, row ``o`` of each. Allocated
    plainly, large arrays start on page (often 2 MiB huge-page) boundaries, so those rows share
    cache sets and evict one another; staggered starts spread them over the sets (measured: the
    rerouting sales pass over 14 arrays ran 3–4× slower unstaggered).
    """
    item = np.dtype(dtype).itemsize
    pad = (index * 7 % 64) * 64
    size = rows * cols * item
    raw = np.empty(size + pad + 4096, dtype=np.uint8)
    start = (-raw.ctypes.data) % 4096 + pad
    return raw[start : start + size].view(dtype).reshape(rows, cols)


class Allocator(Protocol):
    """Steps 3–4 of the month: ship a stage's output, and reroute for a stage's buyers.

    ``allocate(engine, stage)`` runs right after the stage's production: it must move what the
    stage's out-slots have (``engine.prod`` + ``engine.inv_out``) to buyers' in-slots
    (``engine.received``), writing ``engine.edge_flow`` for the stage's edges and leaving what is
    unsold in ``engine.left``. ``reroute(engine, stage)`` runs before the stage's production: it
    may add to ``engine.received`` of the stage's in-slots from suppliers' ``engine.left`` and
    ramp room (:meth:`Engine.room`), and must book what it takes with :meth:`Engine.take`.
    """

    def allocate(self, engine: Engine, stage: int) -> None: ...

    def reroute(self, engine: Engine, stage: int) -> None: ...


@dataclass
class Raw:
    """Recorded arrays of a batch run: ``(T, slots, S)`` per key, plus prices and stockpiles."""

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
    rerouted: list[tuple[int, int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=list
    )  # (t, group id, d COO (k, j, g, s, value), take (O_ss,S) sparse, rcv (B,S) sparse)
    #: in-slots whose Leontief coefficient input factors scale, and the factors (T, n)
    input_factors: tuple[np.ndarray, np.ndarray] | None = None


class Engine:
    """Batch state and the month step (see module docstring).

    Parameters
    ----------
    structure : Structure
    schedule : EventSchedule
    levers : LeverArrays
    params : BatchParameters
    months : int
    record : set of str
        Keys of ``IN_KEYS``/``OUT_KEYS`` to record, plus ``"flows"`` for edge and rerouted flows.
    record_in, record_out : int arrays or None
        Only these in-/out-slots are recorded (None: all).
    allocator : Allocator
    """

    def __init__(
        self,
        structure: Structure,
        schedule: EventSchedule,
        levers: LeverArrays,
        params: BatchParameters,
        months: int,
        record: set[str],
        allocator: Allocator,
        record_in: np.ndarray | None = None,
        record_out: np.ndarray | None = None,
    ) -> None:
        st = self.st = structure
        self.schedule = schedule
        self.levers = levers
        self.params = params
        self.months = months
        self.allocator = allocator
        n_s = self.n_scenarios = schedule.n_scenarios
        n_in, n_out, k, c = st.n_in, st.n_out, st.n_countries, st.n_commodities
        self.t = 0
        self.ev: MonthEvents = MonthEvents(None, None, None, None)
        # ------------------------------------------------------------ state
        self._n_arrays = 0
        self.inv_in = self.array(n_in, st.stock_in0[:, None])
        self.inv_out = self.array(n_out, st.stock_out0[:, None])
        self.pile = levers.stockpile.reshape(k * c, n_s).copy()
        #: Leontief coefficients of this run (the structure's, × the levers' input factors)
        self.in_coef = st.in_coef.copy() if levers.input_slots.size else st.in_coef
        self.ramp = self.array(n_out)
        self.extra = self.array(n_out)
        # month a (commodity, country pair) of each rerouting group was first asked
        self.first_ask = {
            id(g): np.full((g.commodities.size, n_s, g.suppliers.size, g.buyers.size), np.inf)
            for stage_groups in st.groups for g in stage_groups
        }
        self._group_blocked: dict[int, tuple[int, np.ndarray | None]] = {}
        #: changes when the content of ``ev.blocked`` does (see :meth:`_track_blocked`)
        self.blocked_version = 0
        self._blocked_seen: np.ndarray | None = None
        self._blocked_seen_at = -1
        e0, e1 = st.in_range[st.end_use]
        self.level = self.array(e1 - e0, 1.0)
        self.level_moved = False
        self.consumed_prev = self.array(e1 - e0, st.base_demand[e0:e1, None])
        self.price = np.ones((c, n_s))
        #: the domestic market's index of countries restricting a commodity's exports
        self.price_dom = np.ones((c, n_s))
        # ------------------------------------------------------------ month buffers
        self.need = self.array(n_in)
        self.order = self.array(n_in)
        self.received = self.array(n_in)
        self.used = self.array(n_in)
        self.shortfall = self.array(n_in)
        self.rerouted_in = self.array(n_in)
        self.released = self.array(n_in)
        self.cap = self.array(n_out)
        self.added = self.array(n_out)
        self.plan = self.array(n_out)
        self.prod = self.array(n_out)
        self.left = self.array(n_out)
        self.room_buf = self.array(n_out)
        self.room_ready = [False] * len(st.producing)
        self.rerouted_out = self.array(n_out)
        self.shipped = self.array(n_out)
        self.ordered = self.array(n_out)
        self.total = self.array(n_out)
        self.beyond = self.array(n_out)
        self.extra_next = self.array(n_out)
        self.asked = self.array(n_out, False, bool)
        self.edge_flow = np.zeros((st.n_edges, n_s))  # touched only when edges are explicit
        # end-use demand is written straight into the end-use rows of ``need``
        self.demand_now = self.need[e0:e1]
        self._scratch: dict[str, np.ndarray] = {}
        self.recycled = self.array(e1 - e0)
        self.rate_left = np.zeros((k * c, n_s))
        self.has_pile = bool((self.pile > 0).any()) or levers.pile_add.shape[0] > 0
        # ------------------------------------------------------------ constants
        self.elasticity = st.compiled.price_elasticity[:, None] * params.elasticity_scale[None, :]
        lead = np.repeat(params.lead_time_months[None, None, :], k, axis=0).repeat(k, axis=1)
        if levers.lead_override is not None:
            lead = np.minimum(lead, levers.lead_override)
        self.lead = np.ascontiguousarray(lead.transpose(2, 0, 1))  # (S, K, K) months
        self._group_lead: dict[int, tuple[np.ndarray, np.ndarray | None]] = {}
        self._group_buffers: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        self.no_blocked = np.zeros((1, 1, 1, 1), dtype=bool)
        self.no_lead_zero = np.zeros((1, 1, 1), dtype=bool)
        self.rerouted_dirty = False
        self.released_dirty = False
        #: per stage, the offtakes' partners and their buyers (ProportionalAllocator)
        self.partner_buyers: dict[int, Any] = {}
        self.recycle_extra = np.maximum(params.recycling_rate - params.dataset_recycling_rate, 0.0)
        # False when nothing is ever recycled (``recycled`` stays zero all run)
        self.recycling = bool(self.recycle_extra.any()) or levers.recycling is not None
        self.end_commodity = st.in_commodity[e0:e1]
        consumers = np.flatnonzero(st.consumer)
        self.consumer_start = int(consumers[0]) if consumers.size else st.n_in
        assert consumers.size == 0 or (consumers == np.arange(self.consumer_start, st.n_in)).all()
        # the export market: commodity and country of each consumer, to leave out the consumers
        # of countries restricting exports of their commodity (see :meth:`close`)
        self.consumer_commodity = st.in_commodity[self.consumer_start :]
        self.consumer_country = st.in_country[self.consumer_start :]
        self._restricting: np.ndarray | None = None
        self._restricting_at = -1
        self._no_restricting = np.zeros((1, 1, 1), dtype=bool)
        self._supply_buf = np.zeros((c, n_s))
        self._demand_buf = np.zeros((c, n_s))
        self._supply_dom = np.zeros((c, n_s))
        self._demand_dom = np.zeros((c, n_s))
        # stockpile release looks only at in-slots whose (country, commodity) holds a stockpile
        held: np.ndarray = np.asarray((levers.stockpile > 0).any(axis=2))  # (K, C)
        if levers.pile_add.shape[0]:  # stockpiles added later count from the start
            held.reshape(-1)[levers.pile_add[:, 1].astype(np.int64)] = True
        self.pile_rows = [
            np.flatnonzero(held[st.in_country[i0:i1], st.in_commodity[i0:i1]]) + i0
            for i0, i1 in st.in_range
        ]
        self.pile_kc = [st.in_country[rows] * st.n_commodities + st.in_commodity[rows]
                        for rows in self.pile_rows]
        self.end_country = st.in_country[e0:e1]
        self.record_keys = record
        # bookkeeping that only the record needs
        # (other allocators may write any of it: then everything is kept)
        own = isinstance(allocator, ProportionalAllocator)
        self.track = {key: key in record or not own
                      for key in ("rerouted_in", "rerouted_out", "released", "shipped")}
        self.record_in = record_in
        self.record_out = record_out
        self.raw = self._allocate_record()
        # edge-level arithmetic only where needed: edge flows recorded, or offtakes
        self.explicit = [
            self.raw.edge_flow is not None
            or bool(np.any((levers.offtake_slot >= st.out_range[stage][0])
                           & (levers.offtake_slot < st.out_range[stage][1])))
            for stage in st.producing
        ]
        self.restricted = self._restricted_operators()
        self.csr_fill_to_in = [kernels.csr(m) for m in st.fill_to_in]
        self.csr_use = [kernels.csr(m) for m in st.use]
        #: the month's input matrices (scipy, sharing ``csr_use``'s data when input factors
        #: change them) and where each factor's in-slot sits in them
        self.use = list(st.use)
        self._factor_pos: list[tuple[int, int]] = []
        if levers.input_slots.size:
            for stage in st.producing:
                m = st.use[stage].copy()
                m.data = self.csr_use[stage][2]
                self.use[stage] = m
            for slot in levers.input_slots.tolist():
                stage = int(st.in_stage[slot])
                indptr = self.csr_use[stage][0]
                row = slot - st.in_range[stage][0]
                pos = int(indptr[row]) if indptr[row + 1] > indptr[row] else -1
                self._factor_pos.append((stage, pos))
        # order_to_out transposed (buyer in-slot rows → the stage's out-slots), rows sorted
        self.order_by_buyer = [m.T.tocsr() for m in st.order_to_out]
        for m in self.order_by_buyer:
            m.sort_indices()
        self.csr_order_by_buyer = [kernels.csr(m) for m in self.order_by_buyer]
        #: per rerouting group: (buyer in-slot → buyer row, supplier out-slot → pool row)
        self.group_rows = {id(g): (kernels.agg_rows(g.buyer_agg), kernels.agg_rows(g.pool_agg))
                           for stage_groups in st.groups for g in stage_groups}
        self.no_allowance = np.zeros((0, n_s))
        self.plan_cut_rows, self.receive_cut_rows = self._cut_rows()
        n_r = self.schedule.edges.size
        self._active = (np.zeros(n_r + 1, np.int64), np.empty(0, np.int64), np.empty(0),
                        np.empty(0))
        self._active_at: Any = -1
        self.held = HeldOrders(self) if (
            n_r and (params.held_order_cancellation < 1.0).any()) else None
        self.transit = Transit(self) if (params.transit_months > 0).any() else None
        if self.transit is not None:
            # cross-border deliveries are split off edge flows: every stage ships edge by edge
            self.explicit = [True] * len(st.producing)

    def array(self, rows: int, value: Any = 0.0, dtype: Any = np.float64) -> np.ndarray:
        """A new (rows, S) state or work array filled with ``value`` (None: uninitialised),
        placed by :func:`staggered`."""
        out = staggered(rows, self.n_scenarios, self._n_arrays, dtype)
        self._n_arrays += 1
        if value is not None:
            out[...] = value
        return out

    def scratch(self, name: str, rows: int, dtype: Any = np.float64) -> np.ndarray:
        """A reusable (rows, S) work array named ``name`` (contents undefined).

        The month step's temporaries live here rather than in fresh arrays: arrays of this size
        would otherwise be new memory (page faults) at every use. One name, one use at a time.
        """
        buf = self._scratch.get(name)
        if buf is None or buf.shape[0] < rows:
            buf = self._scratch[name] = self.array(rows, None, dtype)
        return buf[:rows]

    def _restricted_operators(self) -> list[tuple[int, int] | None]:
        """Per stage: the slice (r0, r1) of the schedule's restricted edges, or None."""
        st = self.st
        edges = self.schedule.edges
        out: list[tuple[int, int] | None] = []
        for stage in st.producing:
            e0, e1 = st.edge_range[stage]
            r0, r1 = (int(x) for x in np.searchsorted(edges, [e0, e1]))
            out.append((r0, r1) if r1 > r0 else None)
        return out

    def _cut_rows(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per stage, for each stored entry of ``order_to_out`` and of ``fill_to_in``: the row
        of its edge in the schedule's ``keep``/``allowance`` (−1: never restricted)."""
        st = self.st
        edges = self.schedule.edges
        plan_rows, receive_rows = [], []
        for stage in st.producing:
            e0, e1 = st.edge_range[stage]
            o0 = st.out_range[stage][0]
            # an edge is its (source out-slot, target in-slot) pair, unique within a stage
            key = st.edge_src[e0:e1].astype(np.int64) * st.n_in + st.edge_tgt[e0:e1]
            assert np.all(np.diff(key) > 0), "edges must be sorted and unique per slot pair"

            def rows_of(src: np.ndarray, tgt: np.ndarray, key: np.ndarray = key,
                        e0: int = e0) -> np.ndarray:
                k = src.astype(np.int64) * st.n_in + tgt
                e = np.searchsorted(key, k)
                assert np.all(key[np.minimum(e, key.size - 1)] == k)
                if edges.size == 0:
                    return np.full(k.size, -1, dtype=np.int64)
                r = np.searchsorted(edges, e + e0)
                found = (r < edges.size) & (edges[np.minimum(r, edges.size - 1)] == e + e0)
                return np.where(found, r, -1).astype(np.int64)

            m = self.order_by_buyer[stage].tocoo()
            plan_rows.append(rows_of(m.col + o0, m.row) if m.nnz else np.zeros(0, np.int64))
            m = st.fill_to_in[stage].tocoo()
            receive_rows.append(rows_of(m.col + o0, st.fed[stage][m.row]) if m.nnz
                                else np.zeros(0, np.int64))
        return plan_rows, receive_rows

    def cuts(self) -> tuple[Any, ...]:
        """This month's restriction and quota cuts for the kernels: ``(any restriction, ptr,
        scenario, keep, allowance, any quota)``, the entries of the schedule's restricted edges
        that cut anything (:func:`kernels.active_entries`), listed again when the events change.
        """
        ev = self.ev
        keep = self.keep_now
        if keep is None:
            empty = np.zeros(0)
            return False, np.zeros(1, np.int64), np.zeros(0, np.int64), empty, empty, False
        has_allow = ev.allowance is not None
        version = (self.schedule.version, self.held.version if self.held is not None else 0)
        if self._active_at != version:
            allow = self.no_allowance if ev.allowance is None else ev.allowance
            while True:
                ptr, scenario, keep_of, allow_of = self._active
                n = kernels.active_entries(keep, allow, has_allow, ptr, scenario, keep_of,
                                           allow_of)
                if n >= 0:
                    break
                size = max(2 * scenario.size, keep.size // 8, 1024)
                self._active = (ptr, np.empty(size, np.int64), np.empty(size), np.empty(size))
            self._active_at = version
        return (True, *self._active, has_allow)

    @property
    def keep_now(self) -> np.ndarray | None:
        """Share of each restricted edge's order that may ship this month (R, S): the events'
        ``keep``, raised above 1 where held orders are released (:class:`HeldOrders`)."""
        if self.held is not None and self.held.active:
            return self.held.keep
        return self.ev.keep

    # ================================================================== record buffers

    def _allocate_record(self) -> Raw:
        st, t_n, n_s = self.st, self.months, self.n_scenarios
        raw = Raw(months=t_n, n_scenarios=n_s)
        n_in = st.n_in if self.record_in is None else self.record_in.size
        n_out = st.n_out if self.record_out is None else self.record_out.size
        for key in IN_KEYS:
            if key in self.record_keys:
                raw.slots_in[key] = np.zeros((t_n, n_in, n_s))
        for key in OUT_KEYS:
            if key in self.record_keys:
                raw.slots_out[key] = np.zeros((t_n, n_out, n_s))
        raw.price = np.zeros((t_n, st.n_commodities, n_s))
        if self.levers.input_slots.size:
            raw.input_factors = (self.levers.input_slots, self.levers.input_factor)
        raw.price_domestic = np.zeros((t_n, st.n_commodities, n_s))
        raw.restricting = np.zeros((t_n, st.n_commodities, n_s, st.n_countries), dtype=bool)
        raw.stockpile = np.zeros((t_n, st.n_countries * st.n_commodities, n_s))
        if "flows" in self.record_keys:
            raw.edge_flow = np.zeros((t_n, st.n_edges, n_s))
        if "country" in self.record_keys:
            kc = st.n_countries * st.n_commodities
            raw.country = {key: np.zeros((t_n, kc, n_s)) for key in COUNTRY_KEYS}
            self._country_index = self._country_operators()
        return raw

    def _country_operators(self) -> tuple[np.ndarray, ...]:
        """Row (country × C + commodity) of each in- and out-slot, in-slot stages and values."""
        st = self.st
        cn = st.compiled
        rows_in = st.in_country * st.n_commodities + st.in_commodity
        rows_out = st.out_country * st.n_commodities + st.out_commodity
        value = np.asarray(cn.value[st.in_node, st.in_commodity], dtype=np.float64)
        return (rows_in.astype(np.int64), st.in_stage.astype(np.int64), value,
                rows_out.astype(np.int64),
                np.zeros((st.n_countries * st.n_commodities, self.n_scenarios)))

    # ================================================================== the month

    def run(self) -> Raw:
        """Run every month of the horizon and return the recorded arrays."""
        for t in range(self.months):
            self.month(t)
        return self.raw

    def month(self, t: int) -> None:
        """One month for every scenario of the batch (MODEL.md §3)."""
        self.t = t
        self.ev = self.schedule.at(t)
        self._track_blocked()
        self._levers_of_month(t)
        self.capacity()
        self.demand()
        self.orders()
        self.received.fill(0.0)
        if self.rerouted_dirty or self.track["rerouted_in"]:
            self.rerouted_in.fill(0.0)
            self.rerouted_dirty = False
        if self.released_dirty or self.track["released"]:
            self.released.fill(0.0)
            self.released_dirty = False
        if self.track["rerouted_out"] or self.track["shipped"]:
            self.rerouted_out.fill(0.0)
        # ``produce`` rewrites the rows of the other producing stages before anything reads them
        m0, m1 = self.st.out_range[MINING]
        self.beyond[m0:m1].fill(0.0)
        self.extra_next.fill(0.0)
        self.asked.fill(False)
        self.room_ready = [False] * len(self.st.producing)
        if self.has_pile:
            np.copyto(self.rate_left, self.levers.release_rate.reshape(self.rate_left.shape))
        if self.transit is not None:
            self.transit.arrive()
        self.produce_mining()
        self.allocator.allocate(self, MINING)
        if self.transit is not None:
            self.transit.ship(MINING)
        for stage in range(1, self.st.end_use + 1):
            self.allocator.reroute(self, stage)
            if self.has_pile:
                self.release(stage)
            if stage == self.st.end_use:
                self.consume()
            else:
                self.produce(stage)
                self.allocator.allocate(self, stage)
                if self.transit is not None:
                    self.transit.ship(stage)
        self.close()
        self.record()

    def _levers_of_month(self, t: int) -> None:
        """Levers that change during the run: input coefficients (input factors), stockpiles
        that arrive and lead times that shorten at a later month."""
        lv, st = self.levers, self.st
        if lv.input_slots.size:
            coef = st.in_coef[lv.input_slots] * lv.input_factor[t]
            self.in_coef[lv.input_slots] = coef
            for j, (stage, pos) in enumerate(self._factor_pos):
                if pos >= 0:
                    self.csr_use[stage][2][pos] = coef[j]
        if lv.pile_add.shape[0]:
            for _month, kc, s, tonnes in lv.pile_add[lv.pile_add[:, 0] == t].tolist():
                self.pile[int(kc), int(s)] += tonnes
        if lv.lead_later.shape[0]:
            now = lv.lead_later[lv.lead_later[:, 0] == t]
            for _, a, b, s, months in now.tolist():
                cell = (int(s), int(a), int(b))
                self.lead[cell] = min(self.lead[cell], months)
            if now.shape[0]:
                self._group_lead.clear()

    def _track_blocked(self) -> None:
        """Bump :attr:`blocked_version` when this month's closed pairs differ from last month's.

        Event intensities ramp month by month (the schedule's version changes) while the set of
        closed pairs changes rarely: arrays derived from ``ev.blocked`` alone are cached on this.
        """
        blocked = self.ev.blocked
        version = self.schedule.version
        if blocked is None or version == self._blocked_seen_at:
            return
        self._blocked_seen_at = version
        if self._blocked_seen is None or not np.array_equal(blocked, self._blocked_seen):
            self._blocked_seen = blocked.copy()
            self.blocked_version += 1

    # ------------------------------------------------------------------ 1. capacity

    def capacity(self) -> None:
        """Capacity this month: baseline × shocks, plus capacity added by levers."""
        st, lv = self.st, self.levers
        cap = self.cap
        factor = self.ev.cap_factor
        kernels.scaled_rows(st.base_cap, cap if factor is None else factor, factor is not None, cap)
        self.added.fill(0.0)
        if lv.cap_slots.size:
            np.add.at(self.added, lv.cap_slots, lv.cap_add[self.t])
            cap += self.added

    def demand(self) -> None:
        """End-use demand (t/month) and recycled secondary supply of this month."""
        st, lv = self.st, self.levers
        e0, e1 = st.in_range[st.end_use]
        d = self.demand_now
        kernels.scaled_rows(st.base_demand[e0:e1], self.level, True, d)
        if self.ev.demand_factor is not None:
            d *= self.ev.demand_factor
        if lv.mult_slots.size:
            d[lv.mult_slots] *= lv.mult[self.t]
        if lv.add_slots.size:
            d[lv.add_slots] += lv.add[self.t]
        if not self.recycling:
            return  # recycled stays zero
        rate = np.broadcast_to(self.recycle_extra[None, :], d.shape)
        if lv.recycling is not None:
            rate = rate + lv.recycling[self.t][self.end_country, self.end_commodity]
        np.multiply(rate, self.consumed_prev, out=self.recycled)

    # ------------------------------------------------------------------ 2. orders (backward)

    def orders(self) -> None:
        """Plans of producers and orders of every in-slot, from end use back to separation.

        Orders: ``max(need + (stock target − stock) / REFILL_MONTHS, 0)``, end-use need net of
        recycled supply. Plans: ``min(capacity, orders + extra for last month's rerouted buyers
        (at most ramp × spare capacity) + added capacity + (output-stock target − stock) /
        REFILL_MONTHS)``, at least 0; a stage's plan sets its inputs' need.
        """
        st = self.st
        e0, e1 = st.in_range[st.end_use]
        has_cut, ptr, scenario, keep, allow, has_allow = self.cuts()
        kernels.order_from_need(st.target_in[e0:e1], self.inv_in[e0:e1], self.demand_now,
                                self.recycled, self.recycling, 1.0 / REFILL_MONTHS,
                                self.order[e0:e1])
        if self.held is not None:
            self.held.start_month()
        for stage in range(st.end_use - 1, MINING - 1, -1):
            o0, o1 = st.out_range[stage]
            if self.held is not None and self.held.release(stage):
                has_cut, ptr, scenario, keep, allow, has_allow = self.cuts()
            indptr, indices, data = self.csr_order_by_buyer[stage]
            kernels.plan(indptr, indices, data, self.order, self.cap[o0:o1], self.ramp[o0:o1],
                         self.extra[o0:o1], self.added[o0:o1], st.target_out[o0:o1],
                         self.inv_out[o0:o1], 1.0 / REFILL_MONTHS, self.plan_cut_rows[stage],
                         ptr, scenario, keep, allow, has_allow,
                         has_cut and self.restricted[stage] is not None,
                         self.scratch("cuts", o1 - o0), self.ordered[o0:o1], self.total[o0:o1],
                         self.plan[o0:o1])
            if stage == MINING:
                continue
            i0, i1 = st.in_range[stage]
            indptr, indices, data = self.csr_use[stage]
            kernels.need_order(indptr, indices, data, self.plan[o0:o1], st.target_in[i0:i1],
                               self.inv_in[i0:i1], 1.0 / REFILL_MONTHS, self.need[i0:i1],
                               self.order[i0:i1])

    # ------------------------------------------------------------------ production

    def produce_mining(self) -> None:
        """Mines run at baseline utilisation of their (shocked) capacity, plus added capacity."""
        st = self.st
        o0, o1 = st.out_range[MINING]
        prod = self.prod[o0:o1]
        np.subtract(self.cap[o0:o1], self.added[o0:o1], out=prod)
        prod *= st.util[o0:o1, None]
        prod += self.added[o0:o1]

    def input_limit(self, stage: int, avail: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Most each out-slot of ``stage`` can make from ``avail`` (its in-slots), Leontief.

        Written to ``out`` when given (and returned).
        """
        st = self.st
        i0, i1 = st.in_range[stage]
        o0, o1 = st.out_range[stage]
        if out is None:
            out = np.empty((o1 - o0, avail.shape[1]))
        kernels.input_limit(avail, self.in_coef[i0:i1], st.input_index[stage], i0, out, False)
        return out

    def produce(self, stage: int) -> None:
        """Separation, metal, magnet: ``min(plan, capacity, what inputs allow)``; inputs used."""
        st = self.st
        o0, o1 = st.out_range[stage]
        i0, i1 = st.in_range[stage]
        kernels.produce_out(self.received[i0:i1], self.inv_in[i0:i1], self.in_coef[i0:i1],
                            st.input_index[stage], i0, self.plan[o0:o1], self.cap[o0:o1],
                            self.ordered[o0:o1], self.prod[o0:o1], self.beyond[o0:o1])
        indptr, indices, data = self.csr_use[stage]
        kernels.produce_in(indptr, indices, data, self.prod[o0:o1], self.received[i0:i1],
                           self.need[i0:i1], ROUNDING, self.inv_in[i0:i1], self.used[i0:i1],
                           self.shortfall[i0:i1])

    def consume(self) -> None:
        """End use consumes ``min(demand, received + own stock)``; the rest is shortfall.

        Shortfall (here and in :meth:`produce`) is ``need − max(received, used)``, zero below
        ``ROUNDING × need``.
        """
        e0, e1 = self.st.in_range[self.st.end_use]
        kernels.consume(self.received[e0:e1], self.recycled, self.recycling, self.need[e0:e1],
                        ROUNDING, self.inv_in[e0:e1], self.used[e0:e1], self.shortfall[e0:e1],
                        self.consumed_prev)

    def _shortfall(self, i0: int, i1: int) -> None:
        """Shortfall of in-slots ``i0:i1`` from their need, receipts and use (see :meth:`consume`)."""
        kernels.shortfall(self.need[i0:i1], self.received[i0:i1], self.used[i0:i1], ROUNDING,
                          self.shortfall[i0:i1])

    # ------------------------------------------------------------------ spare for rerouting

    def room(self, stage: int) -> np.ndarray:
        """Extra output the stage's out-slots can still make this month if asked (t/month).

        Ramp state × unused capacity; at separation, metal and magnet nodes also limited by
        the input stock left after production (nothing is created).
        """
        st = self.st
        o0, o1 = st.out_range[stage]
        room = self.room_buf[o0:o1]
        if not self.room_ready[stage]:
            some = kernels.room(self.cap[o0:o1], self.prod[o0:o1], self.ramp[o0:o1], room)
            if stage != MINING and some:
                i0, i1 = st.in_range[stage]
                kernels.input_limit(self.inv_in[i0:i1], self.in_coef[i0:i1], st.input_index[stage],
                                    i0, room, True)
            self.room_ready[stage] = True
        return room

    def group_lead(self, g: Group) -> tuple[np.ndarray, np.ndarray | None]:
        """Lead times (S, Ks, Kb) of a group's country pairs (0 → 1, flagged) — fixed per run."""
        key = id(g)
        if key not in self._group_lead:
            lead = self.lead[np.ix_(np.arange(self.n_scenarios), g.suppliers, g.buyers)]
            zero = lead <= 0
            self._group_lead[key] = (np.where(zero, 1.0, lead), zero if zero.any() else None)
        return self._group_lead[key]

    def group_buffers(self, g: Group) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Work arrays of a group's rationing: link (Cg, S, Ks, Kb), buyers' scale (Cg, S, Kb),
        pools' fill (Cg, S, Ks) and what buyers still miss (Cg, S, Kb)."""
        key = id(g)
        if key not in self._group_buffers:
            cg, n_s, ks, kb = g.commodities.size, self.n_scenarios, g.suppliers.size, g.buyers.size
            self._group_buffers[key] = (np.empty((cg, n_s, ks, kb)), np.empty((cg, n_s, kb)),
                                        np.empty((cg, n_s, ks)), np.empty((cg, n_s, kb)))
        return self._group_buffers[key]

    def group_blocked(self, g: Group) -> np.ndarray | None:
        """This month's closed pairs of a group, (Cg, S, Ks, Kb) bool, or None."""
        if self.ev.blocked is None:
            return None
        version = self.blocked_version
        cached = self._group_blocked.get(id(g))
        if cached is None or cached[0] != version:
            pairs = np.ix_(g.commodities, np.arange(self.n_scenarios), g.suppliers, g.buyers)
            block = self.ev.blocked[pairs]
            cached = (version, block if block.any() else None)
            self._group_blocked[id(g)] = cached
        return cached[1]

    def shippable(self, stage: int) -> np.ndarray:
        """Most each edge of ``stage`` may carry this month, (E_stage, S) t/month.

        ``share × buyer's order``, cut by restrictions and capped by export-quota allowances as
        the proportional allocation does (``keep × min(share × order, allowance)``); a buyer
        gets no more than it ordered. For other allocators (the optimal LP's upper bounds).
        """
        st = self.st
        e0, e1 = st.edge_range[stage]
        cap = self.order[st.edge_tgt[e0:e1]] * st.edge_share[e0:e1, None]
        restricted = self.restricted[stage]
        keep = self.keep_now
        if restricted is not None and keep is not None:
            r0, r1 = restricted[0], restricted[1]
            local = self.schedule.edges[r0:r1] - e0
            capped = cap[local]
            if self.ev.allowance is not None:
                np.minimum(capped, self.ev.allowance[r0:r1], out=capped)
            capped *= keep[r0:r1]
            cap[local] = capped
        return cap

    def spare(self, stage: int, prow: np.ndarray, pools: np.ndarray) -> None:
        """What the stage's pools can sell to rerouted buyers now (t/month), into ``pools``.

        Per out-slot: unsold output and inventory above its target (inventory up to target is
        kept for the node's own customers), plus :meth:`room`; summed per pool (``prow`` from
        :func:`kernels.agg_rows`).
        """
        st = self.st
        o0, o1 = st.out_range[stage]
        kernels.spare(self.left[o0:o1], st.target_out[o0:o1], self.room(stage), prow, pools)

    def take(self, stage: int, prow: np.ndarray, ratio: np.ndarray, pool_asked: np.ndarray,
             sales: np.ndarray | None = None) -> None:
        """Book rerouted sales ``spare × ratio[prow]`` of a stage: from unsold output, then ramp.

        ``spare`` as :meth:`spare` gave it (``left`` and room unchanged since). Out-slots of
        pools in ``pool_asked`` are marked asked (they ramp up). ``sales``, when given, gets
        what each out-slot sells.
        """
        st = self.st
        o0, o1 = st.out_range[stage]
        i0, i1 = st.in_range[stage]
        kernels.take(self.left[o0:o1], st.target_out[o0:o1], self.room(stage), prow, ratio,
                     pool_asked, self.beyond[o0:o1], self.extra_next[o0:o1], self.prod[o0:o1],
                     self.asked[o0:o1], self.rerouted_out[o0:o1], self.shipped[o0:o1],
                     self.track["rerouted_out"] or self.track["shipped"],
                     self.no_allowance if sales is None else sales, sales is not None,
                     self.in_coef[i0:i1], st.input_index[stage], i0, self.inv_in[i0:i1],
                     self.used[i0:i1], stage != MINING)

    # ------------------------------------------------------------------ 5. national stockpiles

    def release(self, stage: int) -> None:
        """National stockpiles released to the stage's nodes short beyond the threshold.

        Per country and commodity, over the stage's nodes: shortfall beyond own stock minus
        ``release_threshold × need``, at most the stockpile and what is left of this month's
        release rate, shared pro rata to the nodes' shortfalls.
        """
        st = self.st
        rows = self.pile_rows[stage]
        if rows.size == 0:
            return
        kc = self.pile_kc[stage]
        short = self.scratch("release_short", rows.size)
        total_short = np.empty_like(self.pile)
        total_need = np.empty_like(self.pile)
        kernels.release_sums(rows, kc, self.need, self.received, self.inv_in, self.recycled,
                             st.in_range[st.end_use][0], stage == st.end_use and self.recycling, short,
                             total_short, total_need)
        # release what exceeds the threshold share of need: the stockpile caps the shortfall at
        # the threshold (releasing all of it once triggered would make a larger shortfall end
        # smaller than a mild one below the threshold)
        thr = self.levers.release_threshold.reshape(total_short.shape)
        excess = total_short - thr * total_need
        excess *= excess > _TINY
        amount = np.minimum(np.minimum(self.pile, self.rate_left), excess)
        if not amount.any():
            return
        self.pile -= amount
        self.rate_left -= amount
        share = np.divide(amount, total_short, out=np.zeros_like(amount), where=total_short > 0)
        kernels.release_apply(rows, kc, short, share, self.received, self.released,
                              self.track["released"])
        if self.track["released"]:
            self.released_dirty = True

    # ------------------------------------------------------------------ close the month

    def close(self) -> None:
        """Unsold output to inventory; ramp and plan state; price (7); demand response (6)."""
        p = self.params
        # unsold output becomes inventory: swap the buffers (every stage's allocation rewrites
        # all of ``left`` before anything reads it next month)
        self.inv_out, self.left = self.left, self.inv_out
        # ramp grows while a node's pool is asked, relaxes otherwise
        kernels.ramp_step(self.ramp, self.asked, p.ramp_rate_per_month)
        # likewise (``extra_next`` is zeroed at the start of the month)
        self.extra, self.extra_next = self.extra_next, self.extra
        # price index per commodity over consumers (magnet makers and end use: the last slots)
        # on the export market: without those of countries restricting that commodity's exports
        c0 = self.consumer_start
        e0 = self.st.in_range[self.st.end_use][0]
        restricting = self.restricting()
        has_r = restricting is not None
        mask = self._no_restricting if restricting is None else restricting
        supply, demand = self._supply_buf, self._demand_buf
        kernels.price_markets(self.received[c0:], self.need[c0:], self.consumer_commodity,
                              self.consumer_country, mask, has_r, self.level, e0 - c0,
                              supply, demand, self._supply_dom, self._demand_dom)
        log_p = self._log_index(supply, demand)
        np.exp(log_p, out=self.price)
        log_dom = log_p
        if has_r:
            log_dom = np.where(self._demand_dom > _TINY,
                               self._log_index(self._supply_dom, self._demand_dom), log_p)
        np.exp(log_dom, out=self.price_dom)
        # demand moves toward base × P^(−η) of its own market, at most substitution_max/12 of
        # base per month
        if not log_p.any() and not log_dom.any() and not self.level_moved:
            return  # prices at reference and demand at base: nothing moves
        target = np.exp(-self.elasticity * log_p)  # (C, S)
        step = p.substitution_max_per_year / 12.0
        if has_r:
            self.level_moved = kernels.demand_level_markets(
                target, np.exp(-self.elasticity * log_dom), self.end_commodity, self.end_country,
                mask, True, step, self.level)
        else:
            self.level_moved = kernels.demand_level(target, self.end_commodity, step, self.level)

    def _log_index(self, supply: np.ndarray, demand: np.ndarray) -> np.ndarray:
        """``log(P/P0) = −log(S/D) / η``, capped at ``price_cap`` (S/D within rounding of 1: 0)."""
        ratio = np.divide(supply, demand, out=np.ones_like(supply), where=demand > _TINY)
        ratio[ratio >= 1.0 - ROUNDING] = 1.0
        np.clip(ratio, 1e-300, 1.0, out=ratio)
        log_p = -np.log(ratio) / self.elasticity
        np.minimum(log_p, np.log(self.params.price_cap)[None, :], out=log_p)
        return log_p

    def restricting(self) -> np.ndarray | None:
        """(C, S, K) bool: countries restricting exports of a commodity this month, or None.

        An export restriction with severity × intensity > 0, or an active quota: the exporters
        of ``ev.blocked``'s pairs (an exporter is never an importer). Their consumers are left out
        of the export market that sets prices (:meth:`close`).
        """
        blocked = self.ev.blocked
        if blocked is None:
            return None
        if self._restricting_at != self.blocked_version:
            self._restricting = np.ascontiguousarray(blocked.any(axis=3))
            self._restricting_at = self.blocked_version
        return self._restricting

    # ------------------------------------------------------------------ 8. record

    def record(self) -> None:
        """Copy this month's quantities into the record buffers."""
        t, raw = self.t, self.raw
        ri, ro = self.record_in, self.record_out
        sources_in = {
            "demand": self.need,
            "received": self.received,
            "used": self.used,
            "shortfall": self.shortfall,
            "stock_in": self.inv_in,
            "rerouted_in": self.rerouted_in,
            "released": self.released,
        }
        for key, buf in raw.slots_in.items():
            src = sources_in[key]
            buf[t] = src if ri is None else src[ri]
        if raw.slots_out:
            sources_out = {
                "produced": self.prod,
                "shipped": self.shipped,
                "stock_out": self.inv_out,
                "capacity": self.cap,
                "rerouted_out": self.rerouted_out,
            }
            for key, buf in raw.slots_out.items():
                src = sources_out[key]
                buf[t] = src if ro is None else src[ro]
        assert raw.price is not None and raw.stockpile is not None
        raw.price[t] = self.price
        assert raw.price_domestic is not None and raw.restricting is not None
        raw.price_domestic[t] = self.price_dom
        restricting = self.restricting()
        if restricting is not None:
            raw.restricting[t] = restricting
        raw.stockpile[t] = self.pile
        if raw.country:
            c = raw.country
            row_in, stage_in, value, row_out, stock_out = self._country_index
            kernels.country_sums(row_in, stage_in, value, self.st.end_use, self.st.end_use - 1, self.need,
                                 self.shortfall, self.inv_in, row_out, self.inv_out,
                                 c["country_demand"][t], c["country_shortfall"][t],
                                 c["country_demand_value"][t], c["country_shortfall_value"][t],
                                 c["country_magnet_demand"][t], c["country_magnet_shortfall"][t],
                                 c["country_stock"][t], stock_out)
        if raw.edge_flow is not None:
            raw.edge_flow[t] = self.edge_flow


# ====================================================================== held orders, transit


class HeldOrders:
    """Orders that an export restriction blocks wait, and ship as the block lifts (MODEL.md §3.3).

    Per restricted edge and scenario (the schedule's ``edges``), ``backlog`` holds the blocked
    part of past orders, t: each month a share ``c`` (``held_order_cancellation``) of what waits
    is cancelled (filled elsewhere, or given up), then the share of the block that lifts this
    month, ``ρ = clip((keep − keep_prev) / (1 − keep_prev), 0, 1)``, ships on top of the edge's
    order (an edge whose keep is 1 again ships all of it), and this month's blocked part
    ``(1 − keep) × share × order`` joins the queue. A block that holds steady (a licensing
    regime at a constant approval share) releases nothing; one that eases releases in
    proportion. Released orders ship through the edge's ``keep``, raised above 1 (so the
    allocation's fill rule still shares out scarcity). Under an export quota only what the
    quota let ship is held (``(1 − keep) × min(share × order, allowance)``: licensed cargo
    stopped at the border), and it ships when released even beyond that month's allowance (its
    quota was counted when it was held). Quota cuts are not held. With ``c = 1`` nothing waits
    (the engine without held orders).

    Nor are the cuts of a restriction with a monthly ``profile`` (an approval path): its month's
    share is what ships that month, licences granted from the queue included (the profiles of
    the built-in scenarios are read off realised exports and approval shares), so an edge one
    cuts in a scenario holds nothing that month.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        st = engine.st
        edges = engine.schedule.edges
        n_r, n_s = edges.size, engine.n_scenarios
        self.share = st.edge_share[edges][:, None]  # (R, 1)
        self.target = st.edge_tgt[edges]
        self.cancel = engine.params.held_order_cancellation[None, :]  # (1, S)
        self.backlog = np.zeros((n_r, n_s))
        self.keep = np.ones((n_r, n_s))
        self.keep_prev = np.ones((n_r, n_s))
        # per month, edges a profile restriction cuts in each scenario: they hold nothing
        sched = engine.schedule
        self.path: np.ndarray | None = None
        for i, e in enumerate(sched.events):
            if e.kind == "restriction" and e.profile:
                if self.path is None:
                    self.path = np.zeros((sched.intensities.shape[1], n_r, n_s), dtype=bool)
                on = sched.intensities[i] * e.value > 0  # (T,)
                rows = np.searchsorted(edges, e.slots)
                self.path[np.ix_(on, rows, np.array([e.scenario]))] = True
        self.lift = np.zeros((n_r, n_s))
        self.active = False
        self.version = 0

    def start_month(self) -> None:
        """Cancel a share of what waits; the share of each block that lifts this month."""
        keep = self.engine.ev.keep
        assert keep is not None
        self.backlog *= 1.0 - self.cancel
        closed = 1.0 - self.keep_prev
        np.divide(keep - self.keep_prev, closed, out=self.lift, where=closed > ROUNDING)
        self.lift[closed <= ROUNDING] = 1.0
        np.clip(self.lift, 0.0, 1.0, out=self.lift)
        np.copyto(self.keep, keep)
        was, self.active = self.active, bool((self.backlog > 0).any()) or self.active
        if self.active or was:
            self.version += 1

    def release(self, stage: int) -> bool:
        """Raise the keep of ``stage``'s restricted edges by their released orders (this
        month's buyer orders are known once the backward pass reaches ``stage``), queue this
        month's blocked orders; True when the cuts must be listed again."""
        eng = self.engine
        rows = eng.restricted[stage]
        if rows is None:
            return False
        r0, r1 = rows
        keep = eng.ev.keep
        assert keep is not None
        ordered = self.share[r0:r1] * eng.order[self.target[r0:r1]]
        if eng.ev.allowance is not None:  # what the quota lets ship: the base of keep
            np.minimum(ordered, eng.ev.allowance[r0:r1], out=ordered)
        waiting = self.backlog[r0:r1]
        out = waiting * self.lift[r0:r1]
        np.copyto(out, 0.0, where=ordered <= _TINY)  # nothing ordered on the edge: wait
        raised = keep[r0:r1] + np.divide(out, ordered, out=np.zeros_like(out),
                                         where=ordered > _TINY)
        self.keep[r0:r1] = raised
        waiting -= out
        blocked = (1.0 - keep[r0:r1]) * ordered
        if self.path is not None:  # approval paths hold nothing
            np.copyto(blocked, 0.0, where=self.path[eng.t, r0:r1])
        waiting += blocked
        np.maximum(waiting, 0.0, out=waiting)
        self.keep_prev[r0:r1] = keep[r0:r1]
        if not self.active and (raised != keep[r0:r1]).any():
            self.active = True
        if self.active:
            self.version += 1
        return self.active


class Transit:
    """Cross-border deliveries arrive ``transit_months`` after they ship (MODEL.md §3.3).

    After a stage ships (edge flows, any allocator), the part of each buyer's receipts that came
    over a border on a baseline edge is taken out of ``received`` and put in a pipeline; a lead
    of ``L`` months (per scenario, a real number) delivers ``1 − frac(L)`` of it ``floor(L)``
    months later and ``frac(L)`` a month after that (``L < 1``: part arrives in the month it
    ships). Arrivals count as received at the start of their month. The pipeline starts full
    of baseline shipments, so an empty scenario reproduces the baseline.

    Rerouted deliveries (``proportional`` mode) travel the same way: the part a buyer gets from a
    supplier in another country goes into the pipeline, the domestic part arrives at once
    (:meth:`reroute`). A buyer with goods in transit reroutes against what this month's
    shipments leave it short when they land (:meth:`basis`), not against this month's arrivals:
    it orders for the month the goods arrive, so a gap its pipeline already refills is not
    bought twice. (``optimal`` mode's rerouted deliveries arrive the month they are made.)
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        st = engine.st
        lead = engine.params.transit_months
        self.whole = np.floor(lead).astype(np.int64)  # (S,)
        self.frac = lead - self.whole
        self.size = int(self.whole.max()) + 2
        n_s = engine.n_scenarios
        self.pipe = np.zeros((self.size, st.n_in, n_s))
        # per stage: cross-border part of flow_to_in, and the buyers' rows it touches
        self.cross = []
        cross_edge = st.out_country[st.edge_src] != st.in_country[st.edge_tgt]
        for stage in st.producing:
            e0, e1 = st.edge_range[stage]
            m = st.flow_to_in[stage].tocsc().copy()
            mask = np.repeat(cross_edge[e0:e1], np.diff(m.indptr))
            m.data = m.data * mask
            m.eliminate_zeros()
            self.cross.append(m.tocsr())
        # baseline shipments already under way at the start (shipped before month 0)
        base = np.zeros(st.n_in)
        for stage in st.producing:
            e0, e1 = st.edge_range[stage]
            base += self.cross[stage] @ st.edge_base[e0:e1]
        for s in range(n_s):
            for k in range(int(self.whole[s]) + 1):
                share = 0.0
                if k < self.whole[s]:
                    share = 1.0
                elif k == self.whole[s]:
                    share = self.frac[s]
                self.pipe[k % self.size, :, s] += base * share
        # ``pipe[k]`` holds what arrives in a month ≡ k (mod size); the month-0 slot is filled
        # by shipments of months −L…−1: slot k < whole gets full months, slot whole the part
        # shipped whole + 1 months before
        self.now = 1.0 - np.where(self.whole == 0, self.frac, 1.0)[None, :]  # same month
        #: scenarios with a part of their cross-border deliveries arriving in a later month
        self.later_whole = np.flatnonzero(self.whole > 0)
        self.later_frac = np.flatnonzero(self.frac > 0)
        #: this month's arrivals and what left for later months, per in-slot (:meth:`basis`)
        self.arrived = np.zeros((st.n_in, n_s))
        self.departed = np.zeros((st.n_in, n_s))
        #: rerouted goods under way, when ``rerouted_in`` is recorded (counted on arrival)
        self.pipe_rr = np.zeros_like(self.pipe) if engine.track["rerouted_in"] else None

    def arrive(self) -> None:
        """This month's arrivals into ``received`` (the month's first receipts)."""
        eng = self.engine
        slot = self.pipe[eng.t % self.size]
        eng.received += slot
        np.copyto(self.arrived, slot)
        self.departed.fill(0.0)
        slot.fill(0.0)
        if self.pipe_rr is not None:
            rr = self.pipe_rr[eng.t % self.size]
            if rr.any():
                eng.rerouted_in += rr
                eng.rerouted_dirty = True
            rr.fill(0.0)

    def basis(self, i0: int, i1: int, out: np.ndarray) -> np.ndarray:
        """Rows ``i0:i1`` of what buyers have on this month's shipments: ``received`` less this
        month's arrivals plus what shipped to them this month and arrives later."""
        np.subtract(self.engine.received[i0:i1], self.arrived[i0:i1], out=out)
        out += self.departed[i0:i1]
        np.maximum(out, 0.0, out=out)
        return out

    def reroute(self, rows: slice | np.ndarray, rcv: np.ndarray, cross: np.ndarray) -> None:
        """Rerouted (or reserved) receipts ``rcv`` of in-slots ``rows`` (a slice or distinct
        indices): the share ``cross`` (from suppliers in other countries) into the pipeline,
        the rest (and the same-month part) into ``received`` now."""
        eng = self.engine
        moving = rcv * cross
        later = moving * (1.0 - self.now)
        now = rcv - later
        eng.received[rows] += now
        self.departed[rows] += later
        if self.pipe_rr is not None:
            eng.rerouted_in[rows] += now
            eng.rerouted_dirty = True
        index = np.arange(eng.st.n_in)[rows]
        self._send(index, moving, self.pipe)
        if self.pipe_rr is not None:
            self._send(index, moving, self.pipe_rr)

    def ship(self, stage: int) -> None:
        """Take this stage's cross-border deliveries out of ``received`` into the pipeline."""
        eng = self.engine
        e0, e1 = eng.st.edge_range[stage]
        if e0 == e1:
            return
        moving = self.cross[stage] @ eng.edge_flow[e0:e1]  # (n_in, S)
        later = moving * (1.0 - self.now)
        eng.received -= later
        np.maximum(eng.received, 0.0, out=eng.received)
        self.departed += later
        self._send(None, moving, self.pipe)

    def _send(self, index: np.ndarray | None, moving: np.ndarray, pipe: np.ndarray) -> None:
        """Put this month's cross-border shipments ``moving`` to in-slots ``index`` (None: all)
        into ``pipe``."""
        t = self.engine.t
        rows = slice(None) if index is None else index[:, None]
        # one (slot, scenario) pair per scenario: a vectorised scatter, whatever the leads
        cols = self.later_whole  # the 1 − frac part, floor(L) ≥ 1 months on
        if cols.size:
            w, f = self.whole[cols], self.frac[cols]
            part = moving[:, cols] * (1.0 - f)
            if index is None:
                pipe[(t + w) % self.size, :, cols] += part.T
            else:
                pipe[((t + w) % self.size)[None, :], rows, cols[None, :]] += part
        cols = self.later_frac  # the frac part, floor(L) + 1 months on
        if cols.size:
            w, f = self.whole[cols], self.frac[cols]
            part = moving[:, cols] * f
            if index is None:
                pipe[(t + w + 1) % self.size, :, cols] += part.T
            else:
                pipe[((t + w + 1) % self.size)[None, :], rows, cols[None, :]] += part


# ====================================================================== proportional mode


class ProportionalAllocator:
    """MODEL.md §3 steps 3–4, ``proportional`` mode (see ``docs/model.md``)."""

    def allocate(self, engine: Engine, stage: int) -> None:
        """Ship the stage's output to buyers in proportion to their (unrestricted) orders.

        Each edge carries ``share × buyer's order × keep × fill`` where ``fill = min(1,
        supply / Σ shippable orders)`` of its supplier. Computed with sparse passes over
        out-slots and in-slots only: the restricted edges' cuts are summed inside them (the
        shippable total in :meth:`Engine.orders`, the buyers' side here); edge-sized arrays are
        formed only when edge flows are recorded or offtakes apply.
        """
        st = engine.st
        if engine.explicit[stage]:
            self._allocate_edges(engine, stage)
            return
        o0, o1 = st.out_range[stage]
        fill = engine.scratch("fill", o1 - o0)
        # what may ship: orders less restriction and quota cuts (from the backward pass)
        kernels.allocate_fill(engine.prod[o0:o1], engine.inv_out[o0:o1], engine.total[o0:o1],
                              _TINY, fill, engine.shipped[o0:o1], engine.left[o0:o1])
        has_cut, ptr, scenario, keep, allow, has_allow = engine.cuts()
        indptr, indices, data = engine.csr_fill_to_in[stage]
        kernels.allocate_receive(indptr, indices, data, fill, st.fed[stage], engine.order,
                                 engine.receive_cut_rows[stage], ptr, scenario, keep, allow,
                                 has_allow,
                                 has_cut and engine.restricted[stage] is not None,
                                 engine.received)

    def _allocate_edges(self, engine: Engine, stage: int) -> None:
        """The same allocation edge by edge (edge flows recorded, offtakes)."""
        st = engine.st
        e0, e1 = st.edge_range[stage]
        o0, o1 = st.out_range[stage]
        supply = engine.prod[o0:o1] + engine.inv_out[o0:o1]
        left = engine.left[o0:o1]
        if e0 == e1:
            np.copyto(left, supply)
            engine.shipped[o0:o1] = 0.0
            if engine.levers.offtake_slot.size:
                self._reserved_beyond_edges(engine, stage, {})
            return
        flow = engine.edge_flow[e0:e1]
        flow[:] = engine.shippable(stage)
        total = st.flow_to_out[stage] @ flow
        fill = np.divide(supply, total, out=np.ones_like(supply), where=total > _TINY)
        np.minimum(fill, 1.0, out=fill)
        src = st.edge_src[e0:e1] - o0
        pre: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        if engine.levers.offtake_slot.size:
            pre = self._offtake(engine, stage, flow, supply, fill)
        else:
            flow *= fill[src]
        shipped = engine.shipped[o0:o1]
        shipped[:] = st.flow_to_out[stage] @ flow
        for (slot, _), (_, _, give) in pre.items():
            shipped[slot - o0] += give
        np.subtract(supply, shipped, out=left)
        np.maximum(left, 0.0, out=left)
        engine.received += st.flow_to_in[stage] @ flow
        for (slot, partner), (buyers, part, give) in pre.items():
            self._deliver(engine, stage, slot, partner, buyers, part, give, shipped=False)
        if engine.levers.offtake_slot.size:
            self._reserved_beyond_edges(engine, stage, pre)

    def _reserved_beyond_edges(
        self, engine: Engine, stage: int,
        pre: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]],
    ) -> None:
        """What an offtake reserves and the partner did not get on the supplier's baseline
        edges (it has none: new capacity, a new or relocated buyer) goes to the partner's buyers
        of the stage's output in proportion to what they still miss: before rerouting and with
        no lead time (the contract is the link), never across an export restriction, booked as
        rerouted sales. First (``pre``, from :meth:`_offtake`) before the baseline pro rata, up
        to what those buyers surely miss; then here from what the supplier has left."""
        st, lv, t = engine.st, engine.levers, engine.t
        blocked = engine.ev.blocked
        for slot, partner, js, edges, buyers, _ in self._partner_buyers(engine, stage):
            started = [j for j in js if t >= lv.offtake_start[j]]
            if not started or buyers.size == 0:
                continue
            share = lv.offtake_share[started].sum(axis=0)  # (S,)
            supply = engine.shipped[slot] + engine.left[slot]
            got = engine.edge_flow[edges].sum(axis=0) if edges.size else 0.0
            if (slot, partner) in pre:
                got = got + pre[(slot, partner)][2]
            unmet = np.maximum(engine.order[buyers] - engine.received[buyers], 0.0)
            total = unmet.sum(axis=0)
            give = np.minimum(np.minimum(np.maximum(share * supply - got, 0.0),
                                         engine.left[slot]), total)
            if blocked is not None:
                com, k = int(st.out_commodity[slot]), int(st.out_country[slot])
                give = give * ~blocked[com, :, k, partner]
            if not (give > _TINY).any():
                continue
            part = unmet * np.divide(give, total, out=np.zeros_like(give), where=total > _TINY)
            self._deliver(engine, stage, slot, partner, buyers, part, give, shipped=True)

    def _deliver(self, engine: Engine, stage: int, slot: int, partner: int, buyers: np.ndarray,
                 part: np.ndarray, give: np.ndarray, *, shipped: bool) -> None:
        """Book a reserved delivery of ``give`` (S,) from ``slot``, ``part`` to each buyer."""
        if shipped:  # else already in ``shipped`` and ``left``
            engine.left[slot] -= give
            engine.shipped[slot] += give
        if engine.transit is not None:  # across a border it travels (Transit.reroute)
            abroad = float(engine.st.out_country[slot] != partner)
            engine.transit.reroute(buyers, part, np.full_like(part, abroad))
        else:
            engine.received[buyers] += part
        # like rerouted sales: planned for again next month, and the supplier ramps up
        engine.extra_next[slot] += give
        engine.asked[slot] |= give > _TINY
        if engine.track["rerouted_out"] or engine.track["shipped"]:
            engine.rerouted_out[slot] += give
        if engine.track["rerouted_in"] and engine.transit is None:  # else on arrival
            engine.rerouted_in[buyers] += part
            engine.rerouted_dirty = True
        if engine.raw.edge_flow is not None:
            self._record_reserved(engine, stage, slot, partner, buyers, part)

    def _partner_buyers(
        self, engine: Engine, stage: int,
    ) -> list[tuple[int, int, list[int], np.ndarray, np.ndarray, np.ndarray]]:
        """Per (supplier out-slot of ``stage``, partner) with offtakes: the offtakes, the
        partner's baseline edges from the out-slot, the partner's buyers of its commodity from
        this stage (in-slots) and those of them without an edge from the out-slot — cached per
        engine."""
        cache = engine.partner_buyers
        if stage not in cache:
            st, lv = engine.st, engine.levers
            o0, o1 = st.out_range[stage]
            pairs: dict[tuple[int, int], list[int]] = {}
            for j, (slot, partner) in enumerate(zip(lv.offtake_slot.tolist(),
                                                    lv.offtake_partner.tolist(), strict=True)):
                if o0 <= slot < o1:
                    pairs.setdefault((slot, partner), []).append(j)
            rows = []
            for (slot, partner), js in pairs.items():
                edges = np.flatnonzero((st.edge_src == slot)
                                       & (st.in_country[st.edge_tgt] == partner))
                buyers = np.flatnonzero((st.in_country == partner) & (st.in_sstage == stage)
                                        & (st.in_commodity == st.out_commodity[slot])
                                        & (st.in_stage > stage))
                beyond = np.setdiff1d(buyers, st.edge_tgt[edges])
                rows.append((slot, partner, js, edges, buyers, beyond))
            cache[stage] = rows
        result: list[tuple[int, int, list[int], np.ndarray, np.ndarray, np.ndarray]] = cache[stage]
        return result

    def _record_reserved(self, engine: Engine, stage: int, slot: int, partner: int,
                         buyers: np.ndarray, part: np.ndarray) -> None:
        """Reserved deliveries in the record format of rerouted flows (one entry per group)."""
        st = engine.st
        o0, o1 = st.out_range[stage]
        k, com = int(st.out_country[slot]), int(st.out_commodity[slot])
        for g in (g for stage_groups in st.groups for g in stage_groups if g.sstage == stage):
            mine = (buyers >= g.start) & (buyers < g.stop)
            if not mine.any():
                continue
            rcv = np.zeros((g.stop - g.start, engine.n_scenarios))
            rcv[buyers[mine] - g.start] = part[mine]
            value = rcv.sum(axis=0)
            ss = np.flatnonzero(value > 0)
            if ss.size == 0:
                continue
            take = np.zeros((o1 - o0, engine.n_scenarios))
            take[slot - o0] = value
            coo = np.stack([np.full(ss.size, k), np.full(ss.size, partner),
                            np.full(ss.size, com), ss]).astype(np.int64)
            engine.raw.rerouted.append((engine.t, g.stage * 10 + stage, coo, value[ss], take, rcv))

    def _offtake(self, engine: Engine, stage: int, flow: np.ndarray, supply: np.ndarray,
                 fill: np.ndarray) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray,
                                                                  np.ndarray]]:
        """Offtakes: the partner's buyers get the reserved share first, then pro rata.

        Returns the reserved deliveries to partner buyers without an edge from the supplier,
        made before the pro rata ((slot, partner) → (buyers, their part, total)): at most what
        they miss even if every baseline edge of the stage delivers in full."""
        st, lv = engine.st, engine.levers
        e0, e1 = st.edge_range[stage]
        o0, o1 = st.out_range[stage]
        src = st.edge_src[e0:e1] - o0
        ordered = flow.copy()
        flow *= fill[src]
        partner_of_edge = st.in_country[st.edge_tgt[e0:e1]]
        pre: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        beyond = {(row[0], row[1]): row[5] for row in self._partner_buyers(engine, stage)
                  if row[5].size}
        into = None
        if beyond:  # what the stage's baseline edges bring each buyer at most
            into = np.zeros_like(engine.order)
            np.add.at(into, st.edge_tgt[e0:e1], ordered)
        blocked = engine.ev.blocked
        for slot in np.unique(lv.offtake_slot):
            if not o0 <= slot < o1:
                continue
            edges = np.flatnonzero(src == slot - o0)
            if edges.size == 0 and not any(k[0] == slot for k in beyond):
                continue
            first = np.zeros((edges.size, engine.n_scenarios))
            # reserved shares per partner (offtakes of one partner add up; the rows of a batch
            # are per scenario)
            shares: dict[int, np.ndarray] = {}
            for j in np.flatnonzero(lv.offtake_slot == slot):
                if engine.t < lv.offtake_start[j]:
                    continue  # not started yet
                partner = int(lv.offtake_partner[j])
                shares[partner] = shares.get(partner, 0.0) + lv.offtake_share[j]
            for partner, share_p in shares.items():
                mine = partner_of_edge[edges] == partner
                if not mine.any():
                    continue
                want = ordered[edges[mine]]
                reserved = share_p * supply[slot - o0]
                total = want.sum(axis=0)
                share = np.divide(reserved, total, out=np.zeros_like(total), where=total > _TINY)
                first[mine] = want * np.minimum(share, 1.0)
            taken = first.sum(axis=0)
            for partner, share_p in shares.items():
                nob = beyond.get((int(slot), partner))
                if nob is None:
                    continue
                assert into is not None
                miss = np.maximum(engine.order[nob] - engine.received[nob] - into[nob], 0.0)
                total = miss.sum(axis=0)
                mine = partner_of_edge[edges] == partner
                got = first[mine].sum(axis=0)
                give = np.minimum(np.minimum(np.maximum(share_p * supply[slot - o0] - got, 0.0),
                                             total), np.maximum(supply[slot - o0] - taken, 0.0))
                if blocked is not None:
                    k = int(st.out_country[slot])
                    give = give * ~blocked[int(st.out_commodity[slot]), :, k, partner]
                if not (give > _TINY).any():
                    continue
                part = miss * np.divide(give, total, out=np.zeros_like(give), where=total > _TINY)
                pre[(int(slot), partner)] = (nob, part, give)
                taken = taken + give
            if edges.size == 0:
                continue
            rest_supply = np.maximum(supply[slot - o0] - taken, 0.0)
            rest_order = ordered[edges] - first
            total = rest_order.sum(axis=0)
            f2 = np.divide(rest_supply, total, out=np.ones_like(total), where=total > _TINY)
            flow[edges] = first + rest_order * np.minimum(f2, 1.0)
        return pre

    def reroute(self, engine: Engine, stage: int) -> None:
        """Buyers of ``stage`` short of their order ask unrestricted suppliers' spare."""
        for gid, group in enumerate(engine.st.groups[stage]):
            self._reroute_group(engine, group, gid)

    def _reroute_group(self, engine: Engine, g: Group, gid: int) -> None:
        """Pooled proportional rationing for one group (see ``docs/model.md``).

        Arrays are (Cg, S, Ks, Kb) with axes commodity, scenario, supplier country, buyer
        country (only the countries present in the group); sums over a country axis are batched
        mat-vec products.
        """
        n_s = engine.n_scenarios
        ks, kb = g.suppliers.size, g.buyers.size
        ng = g.commodities.size
        nb = g.stop - g.start
        tr = engine.transit
        blocked = engine.group_blocked(g)
        if tr is None:
            self._pool_pass(engine, g, engine.received[g.start : g.stop], blocked, None)
            return
        # with goods in transit (Transit): suppliers at home fill what buyers miss now; those
        # abroad, whose deliveries arrive a lead later, what this month's shipments will leave
        # them short when they land (Transit.basis, after the home suppliers' deliveries)
        abroad = np.empty((ng, n_s, ks, kb), dtype=bool)
        abroad[...] = (g.suppliers[:, None] != g.buyers[None, :])[None, None]
        home_only = abroad if blocked is None else abroad | blocked
        self._pool_pass(engine, g, engine.received[g.start : g.stop], home_only, None)
        away_only = ~abroad if blocked is None else ~abroad | blocked
        self._pool_pass(engine, g, tr.basis(g.start, g.stop, engine.scratch("basis", nb)),
                        away_only, tr)

    def _pool_pass(self, engine: Engine, g: Group, has: np.ndarray, closed: np.ndarray | None,
                   tr: Transit | None) -> None:
        """One pooled rationing of group ``g`` for buyers that have ``has`` (t, a view of
        ``received`` or, with ``tr``, its :meth:`Transit.basis`), over the pairs not ``closed``;
        with ``tr`` the deliveries go into its pipeline (they all come from abroad)."""
        st = engine.st
        n_s = engine.n_scenarios
        ks, kb = g.suppliers.size, g.buyers.size
        cg = g.commodities
        ng = cg.size
        brow, prow = engine.group_rows[id(g)]
        nb = g.stop - g.start
        order = engine.order[g.start : g.stop]
        ub_rows = engine.scratch("ub", kb * ng)
        if not kernels.group_unmet(order, has, brow, ROUNDING, _TINY, ub_rows):
            return
        o0, o1 = st.out_range[g.sstage]
        sp_rows = engine.scratch("sp", ks * ng)
        engine.spare(g.sstage, prow, sp_rows)
        lead_safe, lead_zero = engine.group_lead(g)
        link, scale, fk, residual = engine.group_buffers(g)
        g_buyer = engine.scratch("g_buyer", kb * ng)
        r_pool = engine.scratch("r_pool", ks * ng)
        pool_asked = engine.scratch("pool_asked", ks * ng, bool)
        missed = kernels.pool_rationing(
            float(engine.t), ub_rows, sp_rows, ng, g.pool_exists_t, g.link_exists_t,
            engine.first_ask[id(g)], lead_safe,
            engine.no_lead_zero if lead_zero is None else lead_zero, lead_zero is not None,
            engine.no_blocked if closed is None else closed, closed is not None,
            ROUNDING, _TINY, link, scale, fk, g_buyer, r_pool, pool_asked, residual)
        raw = engine.raw
        rcv = engine.scratch("rcv", nb)  # what each buyer receives, kept for edge flows
        kernels.receive_rerouted(order, brow, g_buyer, ROUNDING, _TINY, has,
                                 engine.rerouted_in[g.start : g.stop],
                                 engine.track["rerouted_in"] and tr is None,
                                 rcv, raw.edge_flow is not None or tr is not None)
        if engine.track["rerouted_in"]:
            engine.rerouted_dirty = True
        if tr is not None:  # into the pipeline (``has`` was a scratch copy)
            tr.reroute(slice(g.start, g.stop), rcv, np.ones_like(rcv))
        sales = engine.scratch("sales", o1 - o0) if raw.edge_flow is not None else None
        engine.take(g.sstage, prow, r_pool, pool_asked, sales)
        # what is still missing is a signal to pools with spare capacity: they plan more output
        # next month (split over allowed pools by capacity headroom, new links included)
        if missed:
            head = engine.scratch("head", o1 - o0)
            hk_rows = engine.scratch("hk", ks * ng)
            kernels.headroom(engine.cap[o0:o1], engine.prod[o0:o1], prow, head, hk_rows)
            r_head = engine.scratch("r_head", ks * ng)
            kernels.headroom_split(hk_rows, ng, g.pool_exists_t, residual,
                                   engine.no_blocked if closed is None else closed,
                                   closed is not None, _TINY, r_head)
            kernels.signal(head, prow, r_head, engine.extra_next[o0:o1])
        if raw.edge_flow is not None:
            sp_ = sp_rows.reshape(ks, ng, n_s).transpose(1, 2, 0)  # (Cg, S, Ks)
            deliver = link * (sp_ * fk)[:, :, :, None] * scale[:, :, None, :]
            if (deliver > 0).any():
                gg, ss, kk, jj = np.nonzero(deliver > 0)
                coo = np.stack([g.suppliers[kk], g.buyers[jj], cg[gg], ss]).astype(np.int64)
                raw.rerouted.append((engine.t, g.stage * 10 + g.sstage, coo,
                                     deliver[gg, ss, kk, jj], np.array(sales), rcv.copy()))
