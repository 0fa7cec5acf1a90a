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
   model, ``allocator.reroute``), national stockpile release (:class:`~rareearth.engine.stockpiles.Stockpiles`),
   production (:meth:`~Engine.produce`) or consumption (:meth:`~Engine.consume`), and allocation
   of the stage's output along baseline edges (step 3, ``allocator.allocate``);
4. :meth:`~Engine.close` — unsold output to inventory, ramp and lead-time state, price (step 7),
   demand response for next month (step 6).

Steps 3–4 are delegated to an *allocator* (:mod:`rareearth.engine.allocation`: the
proportional rules of :mod:`~rareearth.engine.proportional`, or the optimal LP) that sees the run
only through the :class:`~rareearth.engine.allocation.MonthContext` the engine implements. The
run's state and the month's flows are the dataclasses of :mod:`rareearth.engine.state`; held
orders and transit are :mod:`rareearth.engine.transit`; what is recorded is
:mod:`rareearth.engine.record`.

Examples
--------
>>> import rareearth as ree
>>> from rareearth import examples
>>> net = examples.tiny()
>>> res = ree.simulate(net, examples.embargo(3), record=("shortfall",))
>>> res.arrays["shortfall"].shape[0]
3
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from rareearth.engine import kernels
from rareearth.engine.allocation import Allocator, MonthContext
from rareearth.engine.bundles import NO_CUTS, Cuts
from rareearth.engine.cuts import EdgeCuts
from rareearth.engine.events import EventSchedule, MonthEvents
from rareearth.engine.levers import LeverArrays
from rareearth.engine.params import BatchParameters
from rareearth.engine.prices import Prices
from rareearth.engine.proportional import ProportionalAllocator
from rareearth.engine.record import COUNTRY_KEYS, IN_KEYS, OUT_KEYS, Raw, Recorder
from rareearth.engine.state import MonthFlows, Rerouted, RunState
from rareearth.engine.stockpiles import Stockpiles
from rareearth.engine.structure import MINING, Group, Structure
from rareearth.engine.transit import HeldOrders, Transit

__all__ = ["COUNTRY_KEYS", "IN_KEYS", "OUT_KEYS", "REFILL_MONTHS", "ROUNDING", "Allocator",
           "Engine", "MonthContext", "ProportionalAllocator", "Raw"]

#: A node below its stock target orders the gap spread over this many months, and one above it
#: orders less by the excess over the same time (assumption: half a year to rebuild inventory).
REFILL_MONTHS = 6.0
_TINY = 1e-12
#: Relative rounding: a shortfall below this share of the need, or a market ratio within it of
#: 1, is floating-point noise (calibrated coefficients are quotients) and counts as zero / one.
ROUNDING = 1e-10


def staggered(rows: int, cols: int, index: int, dtype: npt.DTypeLike = np.float64) -> np.ndarray:
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
    out: np.ndarray = raw[start : start + size].view(dtype).reshape(rows, cols)
    return out


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
        e0, e1 = st.in_range[st.end_use]
        self._n_arrays = 0
        lead = np.repeat(params.lead_time_months[None, None, :], k, axis=0).repeat(k, axis=1)
        if levers.lead_override is not None:
            lead = np.minimum(lead, levers.lead_override)
        new = self.array
        self.state = RunState(
            inv_in=new(n_in, st.stock_in0[:, None]),
            inv_out=new(n_out, st.stock_out0[:, None]),
            pile=levers.stockpile.reshape(k * c, n_s).copy(),
            ramp=new(n_out),
            extra=new(n_out),
            level=new(e1 - e0, 1.0),
            consumed_prev=new(e1 - e0, st.base_demand[e0:e1, None]),
            price=np.ones((c, n_s)),
            price_dom=np.ones((c, n_s)),
            in_coef=st.in_coef.copy() if levers.input_slots.size else st.in_coef,
            lead=np.ascontiguousarray(lead.transpose(2, 0, 1)),  # (S, K, K) months
        )
        need = new(n_in)
        self.flows = MonthFlows(
            need=need, order=new(n_in), received=new(n_in), used=new(n_in),
            shortfall=new(n_in), rerouted_in=new(n_in), released=new(n_in),
            cap=new(n_out), added=new(n_out), plan=new(n_out), prod=new(n_out), left=new(n_out),
            rerouted_out=new(n_out), shipped=new(n_out), ordered=new(n_out), total=new(n_out),
            beyond=new(n_out), extra_next=new(n_out), asked=new(n_out, False, bool),
            edge_flow=np.zeros((st.n_edges, n_s)),  # touched only when edges are explicit
            recycled=new(e1 - e0), rate_left=np.zeros((k * c, n_s)),
            demand_now=need[e0:e1],  # end-use demand is written straight into ``need``
        )
        self.room_buf = new(n_out)
        #: per producing stage: its ramp room (``room_buf``) is computed this month
        self.room_ready = np.zeros(len(st.producing), dtype=bool)
        self._group_blocked: dict[int, tuple[int, np.ndarray | None]] = {}
        #: changes when the content of ``ev.blocked`` does (see :meth:`_track_blocked`)
        self.blocked_version = 0
        self._blocked_seen: np.ndarray | None = None
        self._blocked_seen_at = -1
        self._scratch: dict[str, np.ndarray] = {}
        self.has_pile = bool((self.state.pile > 0).any()) or levers.pile_add.shape[0] > 0
        # ------------------------------------------------------------ constants
        self._group_lead: dict[int, tuple[np.ndarray, np.ndarray | None]] = {}
        self.recycle_extra = np.maximum(params.recycling_rate - params.dataset_recycling_rate, 0.0)
        # False when nothing is ever recycled (``recycled`` stays zero all run)
        self.recycling = bool(self.recycle_extra.any()) or levers.recycling is not None
        self.prices = Prices(st, params)
        self._restricting: np.ndarray | None = None
        self._restricting_at = -1
        self.stockpiles = Stockpiles(st, levers, self.scratch)
        # bookkeeping that only the record needs
        # (other allocators may write any of it: then everything is kept)
        self.track: Mapping[str, bool] = {
            key: key in record or allocator.tracks_everything
            for key in ("rerouted_in", "rerouted_out", "released", "shipped")}
        self.recorder = Recorder(st, months, n_s, record, record_in, record_out)
        self.raw = self.recorder.raw
        # edge-level arithmetic only where needed: edge flows recorded, or offtakes
        self.explicit: Sequence[bool] = [
            self.recorder.records_flows
            or bool(np.any((levers.offtake_slot >= st.out_range[stage][0])
                           & (levers.offtake_slot < st.out_range[stage][1])))
            for stage in st.producing
        ]
        self.csr_use = [kernels.csr(m) for m in st.use]
        #: each producing stage's recipes (this run's coefficients)
        self.recipes = [(self.state.in_coef[i0:i1], st.input_index[stage], i0)
                        for stage, (i0, i1) in zip(st.producing, st.in_range, strict=False)]
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
        self.edge_cuts = EdgeCuts(st, schedule, self.order_by_buyer)
        self.restricted = self.edge_cuts.restricted
        self.plan_cut_rows = self.edge_cuts.plan_rows
        self.receive_cut_rows = self.edge_cuts.receive_rows
        n_r = self.schedule.edges.size
        if levers.input_slots.size:
            self.raw.input_factors = (levers.input_slots, levers.input_factor)
        self.held = HeldOrders(self) if (
            n_r and (params.held_order_cancellation < 1.0).any()) else None
        self.edge_cuts.held = self.held
        self.transit = Transit(self) if (params.transit_months > 0).any() else None
        if self.transit is not None:
            # cross-border deliveries are split off edge flows: every stage ships edge by edge
            self.explicit = [True] * len(st.producing)
        allocator.start(self)

    def array(self, rows: int, value: float | np.ndarray | None = 0.0,
              dtype: npt.DTypeLike = np.float64) -> np.ndarray:
        """A new (rows, S) state or work array filled with ``value`` (None: uninitialised),
        placed by :func:`staggered`."""
        out = staggered(rows, self.n_scenarios, self._n_arrays, dtype)
        self._n_arrays += 1
        if value is not None:
            out[...] = value
        return out

    def scratch(self, name: str, rows: int, dtype: npt.DTypeLike = np.float64) -> np.ndarray:
        """A reusable (rows, S) work array named ``name`` (contents undefined).

        The month step's temporaries live here rather than in fresh arrays: arrays of this size
        would otherwise be new memory (page faults) at every use. One name, one use at a time.
        """
        buf = self._scratch.get(name)
        if buf is None or buf.shape[0] < rows:
            buf = self._scratch[name] = self.array(rows, None, dtype)
        return buf[:rows]

    def cuts(self) -> Cuts:
        """This month's restriction and quota cuts for the kernels (:meth:`EdgeCuts.cuts`)."""
        return self.edge_cuts.cuts()

    def stage_cuts(self, stage: int) -> tuple[Cuts, np.ndarray]:
        """The cuts that apply to ``stage``'s edges (:data:`NO_CUTS` when none of them is
        restricted), and the row of each ``fill_to_in`` entry in them (−1: never restricted)."""
        cuts = self.cuts() if self.restricted[stage] is not None else NO_CUTS
        return cuts, self.receive_cut_rows[stage]

    def restricted_rows(self, stage: int) -> tuple[int, int, np.ndarray] | None:
        """The rows (r0, r1) of ``stage``'s restricted edges in the month's cuts (``keep_now``,
        ``ev.allowance``) and those edges (structure edge indices), or None."""
        rows = self.restricted[stage]
        if rows is None:
            return None
        return rows[0], rows[1], self.schedule.edges[rows[0] : rows[1]]

    @property
    def records_flows(self) -> bool:
        """Whether edge and rerouted flows are recorded."""
        return self.recorder.records_flows

    def record_rerouted(self, entry: Rerouted) -> None:
        """Record rerouted deliveries (see :class:`~rareearth.engine.state.Rerouted`)."""
        self.recorder.rerouted(entry)

    @property
    def keep_now(self) -> np.ndarray | None:
        """Share of each restricted edge's order that may ship this month (:class:`EdgeCuts`)."""
        return self.edge_cuts.keep_now

    # ================================================================== the month

    def run(self) -> Raw:
        """Run every month of the horizon and return the recorded arrays.

        The engine is spent afterwards: it drops everything but :attr:`raw` (its work arrays,
        and the references its parts hold to it — held orders, transit, stockpiles, the
        allocator's run — that made reference cycles), so its memory is freed as soon as the
        run ends rather than at the next garbage collection.
        """
        try:
            for t in range(self.months):
                self.month(t)
            return self.raw
        finally:
            raw = self.raw
            self.__dict__.clear()
            self.raw = raw

    def month(self, t: int) -> None:
        """One month for every scenario of the batch (MODEL.md §3)."""
        self.t = t
        self.ev = self.edge_cuts.ev = self.schedule.at(t)
        self._track_blocked()
        self._levers_of_month(t)
        self.capacity()
        self.demand()
        self.orders()
        self.flows.received.fill(0.0)
        if self.flows.rerouted_dirty or self.track["rerouted_in"]:
            self.flows.rerouted_in.fill(0.0)
            self.flows.rerouted_dirty = False
        if self.flows.released_dirty or self.track["released"]:
            self.flows.released.fill(0.0)
            self.flows.released_dirty = False
        if self.track["rerouted_out"] or self.track["shipped"]:
            self.flows.rerouted_out.fill(0.0)
        # ``produce`` rewrites the rows of the other producing stages before anything reads them
        m0, m1 = self.st.out_range[MINING]
        self.flows.beyond[m0:m1].fill(0.0)
        self.flows.extra_next.fill(0.0)
        self.flows.asked.fill(False)
        self.room_ready.fill(False)
        if self.has_pile:
            np.copyto(self.flows.rate_left, self.levers.release_rate.reshape(self.flows.rate_left.shape))
        if self.transit is not None:
            self.transit.arrive()
        self.produce_mining()
        self.allocator.allocate(self, MINING)
        if self.transit is not None:
            self.transit.ship(MINING)
        for stage in range(1, self.st.end_use + 1):
            self.allocator.reroute(self, stage)
            if self.has_pile:
                self.stockpiles.release(stage, self.state, self.flows, self.recycling,
                                        self.flows.released if self.track["released"] else None)
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
            self.state.in_coef[lv.input_slots] = coef
            for j, (stage, pos) in enumerate(self._factor_pos):
                if pos >= 0:
                    self.csr_use[stage][2][pos] = coef[j]
        if lv.pile_add.shape[0]:
            for _month, kc, s, tonnes in lv.pile_add[lv.pile_add[:, 0] == t].tolist():
                self.state.pile[int(kc), int(s)] += tonnes
        if lv.lead_later.shape[0]:
            now = lv.lead_later[lv.lead_later[:, 0] == t]
            for _, a, b, s, months in now.tolist():
                cell = (int(s), int(a), int(b))
                self.state.lead[cell] = min(self.state.lead[cell], months)
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
        cap = self.flows.cap
        factor = self.ev.cap_factor
        kernels.scaled_rows(st.base_cap, factor, cap)
        self.flows.added.fill(0.0)
        if lv.cap_slots.size:
            np.add.at(self.flows.added, lv.cap_slots, lv.cap_add[self.t])
            cap += self.flows.added

    def demand(self) -> None:
        """End-use demand (t/month) and recycled secondary supply of this month."""
        st, lv = self.st, self.levers
        e0, e1 = st.in_range[st.end_use]
        d = self.flows.demand_now
        kernels.scaled_rows(st.base_demand[e0:e1], self.state.level, d)
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
            rate = rate + lv.recycling[self.t][st.in_country[e0:e1], st.in_commodity[e0:e1]]
        np.multiply(rate, self.state.consumed_prev, out=self.flows.recycled)

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
        f, state = self.flows, self.state
        cuts = self.cuts()
        kernels.order_from_need(st.target_in[e0:e1], state.inv_in[e0:e1], f.demand_now,
                                f.recycled if self.recycling else None, 1.0 / REFILL_MONTHS,
                                f.order[e0:e1])
        if self.held is not None:
            self.held.start_month()
        for stage in range(st.end_use - 1, MINING - 1, -1):
            o0, o1 = st.out_range[stage]
            if self.held is not None and self.held.release(stage):
                cuts = self.cuts()
            slots = (f.cap[o0:o1], state.ramp[o0:o1], state.extra[o0:o1],
                                      f.added[o0:o1], st.target_out[o0:o1], state.inv_out[o0:o1])
            out = (self.scratch("cuts", o1 - o0), f.ordered[o0:o1],
                                  f.total[o0:o1], f.plan[o0:o1])
            kernels.plan(self.csr_order_by_buyer[stage], f.order, slots, 1.0 / REFILL_MONTHS,
                         self.plan_cut_rows[stage],
                         cuts if self.restricted[stage] is not None else NO_CUTS, out)
            if stage == MINING:
                continue
            i0, i1 = st.in_range[stage]
            kernels.need_order(self.csr_use[stage], f.plan[o0:o1], st.target_in[i0:i1],
                               state.inv_in[i0:i1], 1.0 / REFILL_MONTHS, f.need[i0:i1],
                               f.order[i0:i1])

    # ------------------------------------------------------------------ production

    def produce_mining(self) -> None:
        """Mines run at baseline utilisation of their (shocked) capacity, plus added capacity."""
        st = self.st
        o0, o1 = st.out_range[MINING]
        prod = self.flows.prod[o0:o1]
        np.subtract(self.flows.cap[o0:o1], self.flows.added[o0:o1], out=prod)
        prod *= st.util[o0:o1, None]
        prod += self.flows.added[o0:o1]

    def input_limit(self, stage: int, avail: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Most each out-slot of ``stage`` can make from ``avail`` (its in-slots), Leontief.

        Written to ``out`` when given (and returned).
        """
        o0, o1 = self.st.out_range[stage]
        if out is None:
            out = np.empty((o1 - o0, avail.shape[1]))
        kernels.input_limit(avail, self.recipes[stage], out, False)
        return out

    def produce(self, stage: int) -> None:
        """Separation, metal, magnet: ``min(plan, capacity, what inputs allow)``; inputs used."""
        st = self.st
        o0, o1 = st.out_range[stage]
        i0, i1 = st.in_range[stage]
        f, inv_in = self.flows, self.state.inv_in
        kernels.produce_out(f.received[i0:i1], inv_in[i0:i1], self.recipes[stage], f.plan[o0:o1],
                            f.cap[o0:o1], f.ordered[o0:o1], f.prod[o0:o1], f.beyond[o0:o1])
        kernels.produce_in(self.csr_use[stage], f.prod[o0:o1], f.received[i0:i1], f.need[i0:i1],
                           ROUNDING, inv_in[i0:i1], f.used[i0:i1], f.shortfall[i0:i1])

    def consume(self) -> None:
        """End use consumes ``min(demand, received + own stock)``; the rest is shortfall.

        Shortfall (here and in :meth:`produce`) is ``need − max(received, used)``, zero below
        ``ROUNDING × need``.
        """
        e0, e1 = self.st.in_range[self.st.end_use]
        f = self.flows
        kernels.consume(f.received[e0:e1], f.recycled if self.recycling else None, f.need[e0:e1],
                        ROUNDING, self.state.inv_in[e0:e1], f.used[e0:e1], f.shortfall[e0:e1],
                        self.state.consumed_prev)

    def shortfall(self, i0: int, i1: int) -> None:
        """Shortfall of in-slots ``i0:i1`` from their need, receipts and use (see :meth:`consume`)."""
        kernels.shortfall(self.flows.need[i0:i1], self.flows.received[i0:i1], self.flows.used[i0:i1], ROUNDING,
                          self.flows.shortfall[i0:i1])

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
            some = kernels.room(self.flows.cap[o0:o1], self.flows.prod[o0:o1],
                                self.state.ramp[o0:o1], room)
            if stage != MINING and some:
                i0, i1 = st.in_range[stage]
                kernels.input_limit(self.state.inv_in[i0:i1], self.recipes[stage], room, True)
            self.room_ready[stage] = True
        return room

    def room_source(self, stage: int) -> kernels.RoomSource:
        """What :meth:`room` makes the stage's room from, for a kernel that computes it when
        needed: capacity, ramp and the stage's one-element "computed" flag."""
        o0, o1 = self.st.out_range[stage]
        return (self.flows.cap[o0:o1], self.state.ramp[o0:o1],
                self.room_ready[stage : stage + 1])

    def group_lead(self, g: Group) -> tuple[np.ndarray, np.ndarray | None]:
        """Lead times (S, Ks, Kb) of a group's country pairs (0 → 1, flagged) — fixed per run."""
        key = id(g)
        if key not in self._group_lead:
            lead = self.state.lead[np.ix_(np.arange(self.n_scenarios), g.suppliers, g.buyers)]
            zero = lead <= 0
            self._group_lead[key] = (np.where(zero, 1.0, lead), zero if zero.any() else None)
        return self._group_lead[key]

    def group_blocked(self, g: Group) -> np.ndarray | None:
        """This month's closed pairs of a group, (Cg, S, Ks, Kb) bool, or None."""
        if self.ev.blocked is None:
            return None
        version = self.blocked_version
        cached = self._group_blocked.get(id(g))
        if cached is None or cached[0] != version:
            block = np.empty((g.commodities.size, self.n_scenarios, g.suppliers.size,
                              g.buyers.size), dtype=bool)
            some = kernels.pairs_of(np.ascontiguousarray(self.ev.blocked), g.commodities,
                                    g.suppliers, g.buyers, block)
            cached = (version, block if some else None)
            self._group_blocked[id(g)] = cached
        return cached[1]

    def shippable(self, stage: int) -> np.ndarray:
        """Most each edge of ``stage`` may carry this month (:meth:`EdgeCuts.shippable`)."""
        return self.edge_cuts.shippable(stage, self.flows.order)

    def spare(self, stage: int, prow: np.ndarray, pools: np.ndarray) -> None:
        """What the stage's pools can sell to rerouted buyers now (t/month), into ``pools``.

        Per out-slot: unsold output and inventory above its target (inventory up to target is
        kept for the node's own customers), plus :meth:`room`; summed per pool (``prow`` from
        :func:`kernels.agg_rows`).
        """
        st = self.st
        o0, o1 = st.out_range[stage]
        kernels.spare(self.flows.left[o0:o1], st.target_out[o0:o1], self.room(stage), prow, pools)

    def take(self, stage: int, prow: np.ndarray, ratio: np.ndarray, pool_asked: np.ndarray,
             sales: np.ndarray | None = None) -> None:
        """Book rerouted sales ``spare × ratio[prow]`` of a stage: from unsold output, then ramp.

        ``spare`` as :meth:`spare` gave it (``left`` and room unchanged since). Out-slots of
        pools in ``pool_asked`` are marked asked (they ramp up). ``sales``, when given, gets
        what each out-slot sells.
        """
        out, draw, sold = self.take_slots(stage)
        kernels.take(out, (prow, ratio, pool_asked), draw, sold, sales)

    def take_slots(self, stage: int) -> tuple[kernels.TakeSlots, kernels.StockDraw | None,
                                              kernels.Sold | None]:
        """What :meth:`take` books rerouted sales of ``stage`` on: its out-slots' arrays (room
        as :meth:`room` left it), the input stock ramped output draws on (None at mining) and
        the tracked sales (None when not tracked)."""
        st = self.st
        o0, o1 = st.out_range[stage]
        i0, i1 = st.in_range[stage]
        f = self.flows
        out = (f.left[o0:o1], st.target_out[o0:o1], self.room_buf[o0:o1], f.beyond[o0:o1],
               f.extra_next[o0:o1], f.prod[o0:o1], f.asked[o0:o1])
        draw = None if stage == MINING else (
            self.recipes[stage], self.state.inv_in[i0:i1], f.used[i0:i1])
        sold = ((f.rerouted_out[o0:o1], f.shipped[o0:o1])
                if self.track["rerouted_out"] or self.track["shipped"] else None)
        return out, draw, sold

    # ------------------------------------------------------------------ 5. national stockpiles

    # ------------------------------------------------------------------ close the month

    def close(self) -> None:
        """Unsold output to inventory; ramp and plan state; price (7); demand response (6)."""
        p = self.params
        # unsold output becomes inventory: swap the buffers (every stage's allocation rewrites
        # all of ``left`` before anything reads it next month)
        self.state.inv_out, self.flows.left = self.flows.left, self.state.inv_out
        # ramp grows while a node's pool is asked, relaxes otherwise
        kernels.ramp_step(self.state.ramp, self.flows.asked, p.ramp_rate_per_month)
        # likewise (``extra_next`` is zeroed at the start of the month)
        self.state.extra, self.flows.extra_next = self.flows.extra_next, self.state.extra
        self.prices.update(self.state, self.flows, self.restricting())

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
        """Copy this month's quantities into the record (:class:`~rareearth.engine.record.Recorder`)."""
        self.recorder.record(self.t, self.state, self.flows, self.restricting())
