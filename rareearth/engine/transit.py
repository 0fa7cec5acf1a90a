"""Held orders and transit: what a restriction holds back, and what is still on its way.

:class:`HeldOrders` keeps the blocked part of restricted edges' orders and releases it as the
block lifts; :class:`Transit` delays cross-border deliveries by ``transit_months``. Both belong
to one :class:`~rareearth.engine.core.Engine` run and read and write its
:class:`~rareearth.engine.state.MonthFlows` (MODEL.md §3.3).

Examples
--------
>>> import rareearth as ree
>>> from rareearth import examples
>>> net = examples.tiny()
>>> sc = examples.embargo(4)
>>> res = ree.simulate(net, sc, parameters={"transit_months": 1.5}, record=("received",))
>>> bool((res.arrays["received"] >= 0).all())
True
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from rareearth.engine import kernels
from rareearth.engine.structure import Structure

if TYPE_CHECKING:
    from rareearth.engine.core import Engine

__all__ = ["HeldOrders", "Transit"]

_TINY = 1e-12
#: Relative rounding (see :data:`rareearth.engine.core.ROUNDING`).
ROUNDING = 1e-10


class HeldOrders:
    """Orders that an export restriction blocks wait, and ship as the block lifts (MODEL.md §3.3).

    Per restricted edge and scenario (the schedule's ``edges``), ``backlog`` holds the blocked
    part of past orders, t: each month a share ``c`` (``held_order_cancellation``) of what waits
    is cancelled (filled elsewhere, or given up). A block lifts by where it stands when the
    month closes: with ``k`` the edge's keep this month (the month's mean), ``k_end`` its keep
    on the month's last day (at its mid-day, the day grid of the monthly means) and ``k_end'``
    the month-end keep the queue was last released against, the share of the queue released is
    ``ρ = clip((k_end − k_end') / (1 − k_end'), 0, 1)`` (an edge open again at the month's end
    ships all of it; a hold lifted on the 20th releases its queue that month, not the next),
    and of this month's blocked part ``(1 − k) × share × order`` the share
    ``σ = clip((k_end − k) / (1 − k), 0, 1)`` ships within the month (orders blocked before the
    lift, shipped after it); the rest joins the queue. A block that holds steady (a licensing
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

    An event class with its own ``intensity`` gives monthly means only; its month-end level is
    taken to be its mean (the release by the month's mean keep). An edge with no order in a
    month releases nothing and keeps its reference ``k_end'`` (so an easing of that month is
    released the next month the edge has orders).
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
        # the month-end keep: one (edge row, scenario) pair per restriction and edge it cuts
        self._event, self._row, self._col, self._value = sched.restriction_cells()
        self.keep_end = np.ones((n_r, n_s))
        #: the month-end keep each queue was last released against (``k_end'``)
        self.keep_ref = np.ones((n_r, n_s))
        self._ends = np.full(len(sched.events), -1.0)
        self.lift = np.zeros((n_r, n_s))
        self.within = np.zeros((n_r, n_s))
        self.active = False
        self.version = 0

    def _month_end_keep(self) -> None:
        """``keep_end`` of this month: the product over restrictions of ``1 − severity × level``
        on the month's last day (redone only when some event's month-end level changed)."""
        ends = self.engine.schedule.month_ends[:, self.engine.t]
        if np.array_equal(ends, self._ends):
            return
        self._ends = ends.copy()
        self.keep_end.fill(1.0)
        if self._event.size:
            factor = 1.0 - self._value[self._event] * ends[self._event]
            np.multiply.at(self.keep_end, (self._row, self._col), factor)

    def start_month(self) -> None:
        """Cancel a share of what waits; the shares of the queue (ρ) and of this month's blocked
        orders (σ) that the block's lifting releases this month."""
        keep = self.engine.ev.keep
        assert keep is not None
        self.backlog *= 1.0 - self.cancel
        self._month_end_keep()
        closed = 1.0 - self.keep_ref
        np.divide(self.keep_end - self.keep_ref, closed, out=self.lift, where=closed > ROUNDING)
        self.lift[closed <= ROUNDING] = 1.0
        np.clip(self.lift, 0.0, 1.0, out=self.lift)
        closed = 1.0 - keep
        self.within.fill(0.0)
        np.divide(self.keep_end - keep, closed, out=self.within, where=closed > ROUNDING)
        np.clip(self.within, 0.0, 1.0, out=self.within)
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
        ordered = self.share[r0:r1] * eng.flows.order[self.target[r0:r1]]
        if eng.ev.allowance is not None:  # what the quota lets ship: the base of keep
            np.minimum(ordered, eng.ev.allowance[r0:r1], out=ordered)
        waiting = self.backlog[r0:r1]
        out = waiting * self.lift[r0:r1]
        np.copyto(out, 0.0, where=ordered <= _TINY)  # nothing ordered on the edge: wait
        blocked = (1.0 - keep[r0:r1]) * ordered
        if self.path is not None:  # approval paths hold nothing
            np.copyto(blocked, 0.0, where=self.path[eng.t, r0:r1])
        now = blocked * self.within[r0:r1]  # blocked this month, shipped after the lift
        shipped = out + now
        raised = keep[r0:r1] + np.divide(shipped, ordered, out=np.zeros_like(shipped),
                                         where=ordered > _TINY)
        self.keep[r0:r1] = raised
        waiting -= out
        waiting += blocked - now
        np.maximum(waiting, 0.0, out=waiting)
        # the reference moves to this month's end where the queue was released against it; an
        # edge with nothing ordered keeps its reference, or takes a tighter block's level
        ref = self.keep_ref[r0:r1]
        end = self.keep_end[r0:r1]
        np.copyto(ref, np.where(ordered > _TINY, end, np.minimum(ref, end)))
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
        # per stage: cross-border part of flow_to_in, and the buyers' rows it touches; and
        # the baseline shipments already under way at the start (shipped before month 0)
        self.cross, base, self.cross_csr = _cross(st)
        # slot k < floor(L) holds a full month of them, slot floor(L) the part frac(L) (each
        # slot of a scenario is written once: 0 + base × share), later slots nothing
        k = np.arange(self.size)[:, None]
        share = np.where(k < self.whole[None, :], 1.0,
                         np.where(k == self.whole[None, :], self.frac[None, :], 0.0))
        self.pipe = base[None, :, None] * share[:, None, :]  # (size, n_in, S)
        self.pipe += 0.0  # as the additions to zeros did (−0 → 0)
        # ``pipe[k]`` holds what arrives in a month ≡ k (mod size); the month-0 slot is filled
        # by shipments of months −L…−1: slot k < whole gets full months, slot whole the part
        # shipped whole + 1 months before
        self.now = 1.0 - np.where(self.whole == 0, self.frac, 1.0)[None, :]  # same month
        self._stay = np.ascontiguousarray((1.0 - self.now)[0])  # (S,): arrives later
        self._moving = np.empty((st.n_in, n_s))
        #: scenarios with a part of their cross-border deliveries arriving in a later month
        self.later_whole = np.flatnonzero(self.whole > 0)
        self.later_frac = np.flatnonzero(self.frac > 0)
        # per scenario of each: its months on (added to this month, mod ``size``) and share
        self._slot_whole = self.whole[self.later_whole]
        self._share_whole = 1.0 - self.frac[self.later_whole]
        self._slot_frac = self.whole[self.later_frac] + 1
        self._share_frac = self.frac[self.later_frac]
        #: (month, [(scenarios, their pipeline slots that month, share)]) (:meth:`_send`)
        self._sends: tuple[int | None, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = (
            None, [])
        #: this month's arrivals and what left for later months, per in-slot (:meth:`basis`)
        self.arrived = np.zeros((st.n_in, n_s))
        self.departed = np.zeros((st.n_in, n_s))
        #: rerouted goods under way, when ``rerouted_in`` is recorded (counted on arrival)
        self.pipe_rr = np.zeros_like(self.pipe) if engine.track["rerouted_in"] else None

    def arrive(self) -> None:
        """This month's arrivals into ``received`` (the month's first receipts)."""
        eng = self.engine
        slot = self.pipe[eng.t % self.size]
        eng.flows.received += slot
        np.copyto(self.arrived, slot)
        self.departed.fill(0.0)
        slot.fill(0.0)
        if self.pipe_rr is not None:
            rr = self.pipe_rr[eng.t % self.size]
            if rr.any():
                eng.flows.rerouted_in += rr
                eng.flows.rerouted_dirty = True
            rr.fill(0.0)

    def basis(self, i0: int, i1: int, out: np.ndarray) -> np.ndarray:
        """Rows ``i0:i1`` of what buyers have on this month's shipments: ``received`` less this
        month's arrivals plus what shipped to them this month and arrives later."""
        np.subtract(self.engine.flows.received[i0:i1], self.arrived[i0:i1], out=out)
        out += self.departed[i0:i1]
        np.maximum(out, 0.0, out=out)
        return out

    def reroute(self, rows: slice | np.ndarray, rcv: np.ndarray, cross: np.ndarray | None) -> None:
        """Rerouted (or reserved) receipts ``rcv`` of in-slots ``rows`` (a slice or distinct
        indices): the share ``cross`` (from suppliers in other countries; None: all of it) into
        the pipeline, the rest (and the same-month part) into ``received`` now."""
        eng = self.engine
        if cross is None and isinstance(rows, slice):  # all of it travels: one pass
            kernels.pipe_reroute(rcv, rows.start, self._stay, (eng.flows.received, self.departed),
                                 eng.flows.rerouted_in if self.pipe_rr is not None else None)
            if self.pipe_rr is not None:
                eng.flows.rerouted_dirty = True
            index = np.arange(rows.start, rows.stop)
            self._send(index, rcv, self.pipe)  # moving: rcv × 1 is rcv
            if self.pipe_rr is not None:
                self._send(index, rcv, self.pipe_rr)
            return
        moving = rcv if cross is None else rcv * cross  # (rcv × 1 is rcv)
        later = moving * self._stay  # 1 − now
        now = rcv - later
        eng.flows.received[rows] += now
        self.departed[rows] += later
        if self.pipe_rr is not None:
            eng.flows.rerouted_in[rows] += now
            eng.flows.rerouted_dirty = True
        index = (np.arange(rows.start, rows.stop) if isinstance(rows, slice)
                 else np.arange(eng.st.n_in)[rows])
        self._send(index, moving, self.pipe)
        if self.pipe_rr is not None:
            self._send(index, moving, self.pipe_rr)

    def ship(self, stage: int) -> None:
        """Take this stage's cross-border deliveries out of ``received`` into the pipeline."""
        eng = self.engine
        e0, e1 = eng.st.edge_range[stage]
        if e0 == e1:
            return
        moving = self._moving  # cross @ edge flows (n_in, S); later = moving × (1 − now)
        kernels.ship_cross(self.cross_csr[stage], eng.flows.edge_flow[e0:e1], self._stay,
                           eng.flows.received, self.departed, moving)
        self._send(None, moving, self.pipe)

    def _send(self, index: np.ndarray | None, moving: np.ndarray, pipe: np.ndarray) -> None:
        """Put this month's cross-border shipments ``moving`` to in-slots ``index`` (None: all;
        distinct) into ``pipe``: per scenario, ``1 − frac(L)`` of it ``floor(L)`` months on
        (scenarios with ``floor(L) ≥ 1``), then ``frac(L)`` a month after that."""
        t = self.engine.t
        rows = None if index is None else np.ascontiguousarray(index, dtype=np.int64)
        moving = np.ascontiguousarray(moving)
        if self._sends[0] != t:  # the pipeline slots of month t, once a month
            self._sends = (t, [(cols, (t + slot) % self.size, share) for cols, slot, share in (
                (self.later_whole, self._slot_whole, self._share_whole),
                (self.later_frac, self._slot_frac, self._share_frac)) if cols.size])
        for cols, slots, share in self._sends[1]:
            kernels.pipe_send(moving, rows, cols, slots, share, pipe)


#: per structure, :func:`_cross` (a structure's arrays never change)
_CROSS: weakref.WeakKeyDictionary[Structure, tuple[list[sp.csr_matrix], np.ndarray,
                                                   list[kernels.CSR]]] = weakref.WeakKeyDictionary()


def _cross(st: Structure) -> tuple[list[sp.csr_matrix], np.ndarray, list[kernels.CSR]]:
    """Per producing stage, the cross-border part of ``flow_to_in`` (and its CSR arrays), and
    the in-slots' baseline receipts over borders (t/month)."""
    hit = _CROSS.get(st)
    if hit is None:
        cross = []
        cross_edge = st.out_country[st.edge_src] != st.in_country[st.edge_tgt]
        for stage in st.producing:
            e0, e1 = st.edge_range[stage]
            m = st.flow_to_in[stage].tocsc().copy()
            mask = np.repeat(cross_edge[e0:e1], np.diff(m.indptr))
            m.data = m.data * mask
            m.eliminate_zeros()
            cross.append(m.tocsr())
        base = np.zeros(st.n_in)
        for stage in st.producing:
            e0, e1 = st.edge_range[stage]
            base += cross[stage] @ st.edge_base[e0:e1]
        hit = _CROSS[st] = (cross, base, [kernels.csr(m) for m in cross])
    return hit
