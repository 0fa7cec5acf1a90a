"""``allocation="proportional"``: MODEL.md §3 steps 3–4 by proportional rules.

Allocation ships each stage's output along its baseline edges in proportion to the buyers'
(unrestricted) orders; offtakes reserve their share first. Rerouting rations what suppliers
have spare among buyers short of their orders, pooled per rerouting group (``docs/model.md``).
The allocator touches the run only through :class:`~rareearth.engine.allocation.MonthContext`.

Examples
--------
>>> from rareearth.engine.allocation import Allocator
>>> alloc = ProportionalAllocator()
>>> isinstance(alloc, Allocator), alloc.tracks_everything
(True, False)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rareearth.engine import kernels
from rareearth.engine.allocation import MonthContext
from rareearth.engine.state import Rerouted
from rareearth.engine.structure import Group
from rareearth.engine.transit import Transit

__all__ = ["ProportionalAllocator"]

_TINY = 1e-12
#: Relative rounding (see :data:`rareearth.engine.core.ROUNDING`).
ROUNDING = 1e-10

#: (supplier out-slot, partner) -> (buyers, their part, total) of reserved deliveries
_Pre = dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]]
#: per (supplier out-slot, partner): offtakes, partner edges, partner buyers, those without edge
_Partner = tuple[int, int, list[int], np.ndarray, np.ndarray, np.ndarray]


@dataclass(eq=False)
class _Run:
    """Per-run state of the allocator (reset by :meth:`ProportionalAllocator.start`)."""

    fill_to_in: list[kernels.CSR]
    #: per rerouting group: (buyer in-slot → buyer row, supplier out-slot → pool row)
    rows: dict[int, tuple[np.ndarray, np.ndarray]]
    #: month a (commodity, country pair) of each rerouting group was first asked
    first_ask: dict[int, np.ndarray]
    buffers: dict[int, kernels.Ration]
    #: per stage, the offtakes' partners and their buyers
    partner_buyers: dict[int, list[_Partner]]
    #: per rerouting group, what its record of deliveries is listed in
    records: dict[int, kernels.PassRecord]
    #: per stage, ``flow_to_out`` and ``flow_to_in``
    to_out: list[kernels.CSR]
    to_in: list[kernels.CSR]
    #: per stage, its edges and restricted edges (:meth:`ProportionalAllocator._edges`)
    edges: dict[int, tuple[kernels.Edges, tuple[int, int, np.ndarray] | None]]
    #: per rerouting group, with transit: its (Cg, S, Ks, Kb) pairs across a border and within
    #: one, and two buffers for those or'ed with the month's closed pairs
    abroad: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=dict)


class ProportionalAllocator:
    """MODEL.md §3 steps 3–4, ``proportional`` mode (module docstring)."""

    tracks_everything = False

    def __init__(self) -> None:
        self._run: _Run | None = None

    def start(self, ctx: MonthContext) -> None:
        """A new run: the lead-time clock and the per-group work arrays start afresh."""
        st, n_s = ctx.st, ctx.n_scenarios
        groups = [g for stage_groups in st.groups for g in stage_groups]
        self._run = _Run(
            fill_to_in=[kernels.csr(m) for m in st.fill_to_in],
            rows={id(g): (kernels.agg_rows(g.buyer_agg), kernels.agg_rows(g.pool_agg))
                  for g in groups},
            first_ask={id(g): np.full((g.commodities.size, n_s, g.suppliers.size, g.buyers.size),
                                      np.inf) for g in groups},
            buffers={}, partner_buyers={}, records={},
            to_out=[kernels.csr(m) for m in st.flow_to_out],
            to_in=[kernels.csr(m) for m in st.flow_to_in], edges={})

    @property
    def run(self) -> _Run:
        assert self._run is not None, "start(ctx) was not called"
        return self._run

    def allocate(self, ctx: MonthContext, stage: int) -> None:
        """Ship the stage's output to buyers in proportion to their (unrestricted) orders.

        Each edge carries ``share × buyer's order × keep × fill`` where ``fill = min(1,
        supply / Σ shippable orders)`` of its supplier. Computed with sparse passes over
        out-slots and in-slots only: the restricted edges' cuts are summed inside them (the
        shippable total in :meth:`~rareearth.engine.core.Engine.orders`, the buyers' side here); edge-sized arrays are
        formed only when edge flows are recorded or offtakes apply.
        """
        st = ctx.st
        if ctx.explicit[stage]:
            self._allocate_edges(ctx, stage)
            return
        o0, o1 = st.out_range[stage]
        fill = ctx.scratch("fill", o1 - o0)
        # what may ship: orders less restriction and quota cuts (from the backward pass)
        kernels.allocate_fill(ctx.flows.prod[o0:o1], ctx.state.inv_out[o0:o1], ctx.flows.total[o0:o1],
                              _TINY, fill, ctx.flows.shipped[o0:o1], ctx.flows.left[o0:o1])
        cuts, cut_rows = ctx.stage_cuts(stage)
        kernels.allocate_receive(self.run.fill_to_in[stage], fill, st.fed[stage],
                                 ctx.flows.order, cut_rows, cuts, ctx.flows.received)

    def _allocate_edges(self, ctx: MonthContext, stage: int) -> None:
        """The same allocation edge by edge (edge flows recorded, offtakes)."""
        st = ctx.st
        e0, e1 = st.edge_range[stage]
        o0, o1 = st.out_range[stage]
        left = ctx.flows.left[o0:o1]
        flow = ctx.flows.edge_flow[e0:e1]
        if e0 < e1 and not ctx.levers.offtake_slot.size:  # the same, in one pass
            edges, restricted = self._edges(ctx, stage)
            keep = ctx.keep_now
            cut = None if restricted is None or keep is None else (
                restricted[2], keep[restricted[0] : restricted[1]],
                None if ctx.ev.allowance is None
                else ctx.ev.allowance[restricted[0] : restricted[1]])
            kernels.allocate_edges((ctx.flows.prod[o0:o1], ctx.state.inv_out[o0:o1]),
                                   ctx.flows.order, edges, cut, self.run.to_out[stage],
                                   self.run.to_in[stage],
                                   (flow, ctx.scratch("fill", o1 - o0), ctx.flows.shipped[o0:o1],
                                    left), ctx.flows.received)
            return
        supply = ctx.flows.prod[o0:o1] + ctx.state.inv_out[o0:o1]
        if e0 == e1:
            np.copyto(left, supply)
            ctx.flows.shipped[o0:o1] = 0.0
            if ctx.levers.offtake_slot.size:
                self._reserved_beyond_edges(ctx, stage, {})
            return
        flow[:] = ctx.shippable(stage)
        total = st.flow_to_out[stage] @ flow
        fill = np.divide(supply, total, out=np.ones_like(supply), where=total > _TINY)
        np.minimum(fill, 1.0, out=fill)
        src = st.edge_src[e0:e1] - o0
        pre: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        if ctx.levers.offtake_slot.size:
            pre = self._offtake(ctx, stage, flow, supply, fill)
        else:
            flow *= fill[src]
        shipped = ctx.flows.shipped[o0:o1]
        shipped[:] = st.flow_to_out[stage] @ flow
        for (slot, _), (_, _, give) in pre.items():
            shipped[slot - o0] += give
        np.subtract(supply, shipped, out=left)
        np.maximum(left, 0.0, out=left)
        ctx.flows.received += st.flow_to_in[stage] @ flow
        for (slot, partner), (buyers, part, give) in pre.items():
            self._deliver(ctx, stage, slot, partner, buyers, part, give, shipped=False)
        if ctx.levers.offtake_slot.size:
            self._reserved_beyond_edges(ctx, stage, pre)

    def _edges(self, ctx: MonthContext,
               stage: int) -> tuple[kernels.Edges, tuple[int, int, np.ndarray] | None]:
        """The stage's edges for :func:`kernels.allocate_edges`, and its restricted edges: their
        rows (r0, r1) of the month's cuts and their rows among the stage's edges."""
        cache = self.run.edges
        if stage not in cache:
            st = ctx.st
            e0, e1 = st.edge_range[stage]
            edges = (st.edge_tgt[e0:e1].astype(np.int64),
                     np.ascontiguousarray(st.edge_share[e0:e1], dtype=np.float64),
                     (st.edge_src[e0:e1] - st.out_range[stage][0]).astype(np.int64))
            rows = ctx.restricted_rows(stage)
            cache[stage] = (edges, None if rows is None else (
                rows[0], rows[1], (rows[2] - e0).astype(np.int64)))
        return cache[stage]

    def _reserved_beyond_edges(
        self, ctx: MonthContext, stage: int,
        pre: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]],
    ) -> None:
        """What an offtake reserves and the partner did not get on the supplier's baseline
        edges (it has none: new capacity, a new or relocated buyer) goes to the partner's buyers
        of the stage's output in proportion to what they still miss: before rerouting and with
        no lead time (the contract is the link), never across an export restriction, booked as
        rerouted sales. First (``pre``, from :meth:`_offtake`) before the baseline pro rata, up
        to what those buyers surely miss; then here from what the supplier has left."""
        st, lv, t = ctx.st, ctx.levers, ctx.t
        blocked = ctx.ev.blocked
        for slot, partner, js, edges, buyers, _ in self._partner_buyers(ctx, stage):
            started = [j for j in js if t >= lv.offtake_start[j]]
            if not started or buyers.size == 0:
                continue
            share = lv.offtake_share[started].sum(axis=0)  # (S,)
            supply = ctx.flows.shipped[slot] + ctx.flows.left[slot]
            got = ctx.flows.edge_flow[edges].sum(axis=0) if edges.size else 0.0
            if (slot, partner) in pre:
                got = got + pre[(slot, partner)][2]
            unmet = np.maximum(ctx.flows.order[buyers] - ctx.flows.received[buyers], 0.0)
            total = unmet.sum(axis=0)
            give = np.minimum(np.minimum(np.maximum(share * supply - got, 0.0),
                                         ctx.flows.left[slot]), total)
            if blocked is not None:
                com, k = int(st.out_commodity[slot]), int(st.out_country[slot])
                give = give * ~blocked[com, :, k, partner]
            if not (give > _TINY).any():
                continue
            part = unmet * np.divide(give, total, out=np.zeros_like(give), where=total > _TINY)
            self._deliver(ctx, stage, slot, partner, buyers, part, give, shipped=True)

    def _deliver(self, ctx: MonthContext, stage: int, slot: int, partner: int, buyers: np.ndarray,
                 part: np.ndarray, give: np.ndarray, *, shipped: bool) -> None:
        """Book a reserved delivery of ``give`` (S,) from ``slot``, ``part`` to each buyer."""
        if shipped:  # else already in ``shipped`` and ``left``
            ctx.flows.left[slot] -= give
            ctx.flows.shipped[slot] += give
        tr = ctx.transit
        if tr is not None:  # across a border it travels (Transit.reroute)
            abroad = float(ctx.st.out_country[slot] != partner)
            tr.reroute(buyers, part, np.full_like(part, abroad))
        else:
            ctx.flows.received[buyers] += part
        # like rerouted sales: planned for again next month, and the supplier ramps up
        ctx.flows.extra_next[slot] += give
        ctx.flows.asked[slot] |= give > _TINY
        if ctx.track["rerouted_out"] or ctx.track["shipped"]:
            ctx.flows.rerouted_out[slot] += give
        if ctx.track["rerouted_in"] and tr is None:  # else on arrival
            ctx.flows.rerouted_in[buyers] += part
            ctx.flows.rerouted_dirty = True
        if ctx.records_flows:
            self._record_reserved(ctx, stage, slot, partner, buyers, part)

    def _partner_buyers(
        self, ctx: MonthContext, stage: int,
    ) -> list[_Partner]:
        """Per (supplier out-slot of ``stage``, partner) with offtakes: the offtakes, the
        partner's baseline edges from the out-slot, the partner's buyers of its commodity from
        this stage (in-slots) and those of them without an edge from the out-slot — cached per
        run."""
        cache = self.run.partner_buyers
        if stage not in cache:
            st, lv = ctx.st, ctx.levers
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
        return cache[stage]

    def _record_reserved(self, ctx: MonthContext, stage: int, slot: int, partner: int,
                         buyers: np.ndarray, part: np.ndarray) -> None:
        """Reserved deliveries in the record format of rerouted flows (one entry per group)."""
        st = ctx.st
        o0, o1 = st.out_range[stage]
        k, com = int(st.out_country[slot]), int(st.out_commodity[slot])
        for g in (g for stage_groups in st.groups for g in stage_groups if g.sstage == stage):
            mine = (buyers >= g.start) & (buyers < g.stop)
            if not mine.any():
                continue
            rcv = np.zeros((g.stop - g.start, ctx.n_scenarios))
            rcv[buyers[mine] - g.start] = part[mine]
            value = rcv.sum(axis=0)
            ss = np.flatnonzero(value > 0)
            if ss.size == 0:
                continue
            take = np.zeros((o1 - o0, ctx.n_scenarios))
            take[slot - o0] = value
            coo = np.stack([np.full(ss.size, k), np.full(ss.size, partner),
                            np.full(ss.size, com), ss]).astype(np.int64)
            ctx.record_rerouted(Rerouted(ctx.t, int(g.stage), stage, coo, value[ss], take, rcv))

    def _offtake(self, ctx: MonthContext, stage: int, flow: np.ndarray, supply: np.ndarray,
                 fill: np.ndarray) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray,
                                                                  np.ndarray]]:
        """Offtakes: the partner's buyers get the reserved share first, then pro rata.

        Returns the reserved deliveries to partner buyers without an edge from the supplier,
        made before the pro rata ((slot, partner) → (buyers, their part, total)): at most what
        they miss even if every baseline edge of the stage delivers in full."""
        st, lv = ctx.st, ctx.levers
        e0, e1 = st.edge_range[stage]
        o0, o1 = st.out_range[stage]
        src = st.edge_src[e0:e1] - o0
        ordered = flow.copy()
        flow *= fill[src]
        partner_of_edge = st.in_country[st.edge_tgt[e0:e1]]
        pre: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        beyond = {(row[0], row[1]): row[5] for row in self._partner_buyers(ctx, stage)
                  if row[5].size}
        into = None
        if beyond:  # what the stage's baseline edges bring each buyer at most
            into = np.zeros_like(ctx.flows.order)
            np.add.at(into, st.edge_tgt[e0:e1], ordered)
        blocked = ctx.ev.blocked
        for slot in np.unique(lv.offtake_slot):
            if not o0 <= slot < o1:
                continue
            edges = np.flatnonzero(src == slot - o0)
            if edges.size == 0 and not any(k[0] == slot for k in beyond):
                continue
            first = np.zeros((edges.size, ctx.n_scenarios))
            # reserved shares per partner (offtakes of one partner add up; the rows of a batch
            # are per scenario)
            shares: dict[int, np.ndarray] = {}
            for j in np.flatnonzero(lv.offtake_slot == slot):
                if ctx.t < lv.offtake_start[j]:
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
                miss = np.maximum(ctx.flows.order[nob] - ctx.flows.received[nob] - into[nob], 0.0)
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

    def reroute(self, ctx: MonthContext, stage: int) -> None:
        """Buyers of ``stage`` short of their order ask unrestricted suppliers' spare."""
        for gid, group in enumerate(ctx.st.groups[stage]):
            self._reroute_group(ctx, group, gid)

    def _reroute_group(self, ctx: MonthContext, g: Group, gid: int) -> None:
        """Pooled proportional rationing for one group (see ``docs/model.md``).

        Arrays are (Cg, S, Ks, Kb) with axes commodity, scenario, supplier country, buyer
        country (only the countries present in the group); sums over a country axis are batched
        mat-vec products.
        """
        n_s = ctx.n_scenarios
        ks, kb = g.suppliers.size, g.buyers.size
        ng = g.commodities.size
        nb = g.stop - g.start
        tr = ctx.transit
        blocked = ctx.group_blocked(g)
        if tr is None:
            self._pool_pass(ctx, g, ctx.flows.received[g.start : g.stop], blocked, None)
            return
        # with goods in transit (Transit): suppliers at home fill what buyers miss now; those
        # abroad, whose deliveries arrive a lead later, what this month's shipments will leave
        # them short when they land (Transit.basis, after the home suppliers' deliveries)
        masks = self.run.abroad.get(id(g))
        if masks is None:  # fixed per run: the pairs across a border, those within, two buffers
            abroad = np.empty((ng, n_s, ks, kb), dtype=bool)
            abroad[...] = (g.suppliers[:, None] != g.buyers[None, :])[None, None]
            masks = self.run.abroad[id(g)] = (abroad, ~abroad, np.empty_like(abroad),
                                              np.empty_like(abroad))
        abroad, at_home, home_buf, away_buf = masks
        home_only = abroad if blocked is None else np.bitwise_or(abroad, blocked, out=home_buf)
        self._pool_pass(ctx, g, ctx.flows.received[g.start : g.stop], home_only, None)
        away_only = at_home if blocked is None else np.bitwise_or(at_home, blocked, out=away_buf)
        self._pool_pass(ctx, g, tr.basis(g.start, g.stop, ctx.scratch("basis", nb)),
                        away_only, tr)

    def _pool_pass(self, ctx: MonthContext, g: Group, has: np.ndarray,
                   closed: np.ndarray | None, tr: Transit | None) -> None:
        """One pooled rationing of group ``g`` for buyers that have ``has`` (t, a view of
        ``received`` or, with ``tr``, its :meth:`Transit.basis`), over the pairs not ``closed``;
        with ``tr`` the deliveries go into its pipeline (they all come from abroad)."""
        st, f = ctx.st, ctx.flows
        ks, kb = g.suppliers.size, g.buyers.size
        ng = g.commodities.size
        run = self.run
        brow, prow = run.rows[id(g)]
        nb = g.stop - g.start
        stage = g.sstage
        o0, o1 = st.out_range[stage]
        lead_safe, lead_zero = ctx.group_lead(g)
        work = self._buffers(ctx, g)
        store = ctx.records_flows
        track = ctx.track["rerouted_in"]
        rcv = ctx.scratch("rcv", nb) if store or tr is not None else None  # kept for edge flows
        sales = ctx.scratch("sales", o1 - o0) if store else None
        slots, draw, sold = ctx.take_slots(stage)
        n = kernels.pool_pass(
            float(ctx.t),
            (f.order[g.start : g.stop], has, brow, ctx.scratch("ub", kb * ng)),
            (prow, ctx.scratch("sp", ks * ng), ctx.scratch("head", o1 - o0),
             ctx.scratch("hk", ks * ng), ctx.scratch("r_head", ks * ng)),
            slots, ctx.room_source(stage), draw,
            ((ng, g.pool_exists_t, g.link_exists_t, run.first_ask[id(g)], lead_safe), lead_zero,
             closed, work),
            (f.rerouted_in[g.start : g.stop] if track and tr is None else None, rcv, sold, sales),
            self._record_buffers(ctx, g) if store else None)
        if n < 0:
            return  # no buyer misses anything
        if track:
            f.rerouted_dirty = True
        if tr is not None:  # into the pipeline (``has`` was a scratch copy)
            assert rcv is not None
            tr.reroute(slice(g.start, g.stop), rcv, None)
        if n > 0:
            assert sales is not None and rcv is not None
            _, _, _, pairs, tonnes = self._record_buffers(ctx, g)
            ctx.record_rerouted(Rerouted(ctx.t, int(g.stage), int(g.sstage), pairs[:, :n].copy(),
                                         tonnes[:n].copy(), np.array(sales), rcv.copy()))

    def _record_buffers(self, ctx: MonthContext, g: Group) -> kernels.PassRecord:
        """The group's countries and commodities, and buffers for every delivery a rationing
        can make (:func:`kernels.pool_pass`'s record)."""
        per = self.run.records
        if id(g) not in per:
            most = g.commodities.size * ctx.n_scenarios * g.suppliers.size * g.buyers.size
            per[id(g)] = (g.suppliers.astype(np.int64), g.buyers.astype(np.int64),
                          g.commodities.astype(np.int64), np.empty((4, most), np.int64),
                          np.empty(most))
        return per[id(g)]

    def _buffers(self, ctx: MonthContext, g: Group) -> kernels.Ration:
        """Work arrays of a group's rationing: link (Cg, S, Ks, Kb), buyers' scale (Cg, S, Kb),
        pools' fill (Cg, S, Ks), what buyers still miss (Cg, S, Kb); and the (country × Cg +
        g, S) rows of buyers' share, pools' ratio and pools asked (scratch)."""
        cg, n_s, ks, kb = g.commodities.size, ctx.n_scenarios, g.suppliers.size, g.buyers.size
        per = self.run.buffers
        if id(g) not in per:
            per[id(g)] = (
                np.empty((cg, n_s, ks, kb)), np.empty((cg, n_s, kb)), np.empty((cg, n_s, ks)),
                np.empty((kb * cg, n_s)), np.empty((ks * cg, n_s)),
                np.empty((ks * cg, n_s), dtype=bool), np.empty((cg, n_s, kb)))
        return per[id(g)]
