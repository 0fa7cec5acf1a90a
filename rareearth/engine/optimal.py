"""``allocation="optimal"``: MODEL.md §3 steps 3–4 as one linear program per month.

The :class:`OptimalAllocator` replaces the proportional rules of allocation and rerouting by the
best case: each month, for each scenario of the batch, one LP over the whole chain (mining →
end use) that minimises the value-weighted end-use shortfall under the same capacities, ramps,
restrictions, quotas, lead times and stocks as the proportional mode (see ``docs/model.md``,
"Optimal allocation"). It is a lower bound on the shortfall a month can have, given the state the
month starts from.

Variables (t/month, one LP per month and scenario):

``x``   shipment on each baseline edge, ``0 ≤ x_e ≤ keep_e × min(share_e × order,
        allowance_e)`` (:meth:`Engine.shippable`: the month's restriction cuts and export-quota
        allowances, as in proportional mode);
``r``   rerouted delivery from a supplier country's pool (supplier stage, commodity) to a buyer
        in-slot, for the pools the proportional mode may ask; per (pool, buyer country)
        ``Σ r ≤ link × potential``, link the lead-time ramp of the pair (1 for baseline links,
        0 when restricted), potential the pool's most possible output plus inventory;
``q``   rerouted sales of each out-slot (``Σ q`` over a pool = ``Σ r`` from it);
``pa``  production up to the engine's plan (mines: fixed at their baseline utilisation);
``pb``  production beyond the plan into ramped spare capacity, ``≤ ramp × (capacity − plan)``;
``f``   the filled part of each in-slot's order, ``≤ order`` and ``≤ inflow``;
``s``   end-use shortfall, ``≥ need − recycled − own stock − inflow``;
``l``   national stockpile release to an in-slot, ``Σ l ≤ min(stockpile, monthly rate)`` per
        country and commodity.

Constraints: an out-slot ships at most what it makes plus its inventory; an input in-slot gives
``coef × (pa + pb) ≤ inflow + own stock`` (Leontief: one row per recipe material, so no DyTb
means no magnets; ``coef`` the month's coefficient, input factors applied); an offtake reserves
its share of the supplier's output for the partner's buyers on the supplier's baseline edges:
``Σ x(partner edges) ≥ σ × (pa + pb + inventory)`` with ``σ = min(share, partner's shippable
orders / most the supplier can have)``, i.e. the partner gets at least ``min(reserved, what it
orders)`` whenever the supplier reaches its potential (several offtakes of one supplier scaled to
at most its whole output). Objective: ``Σ w × s`` with ``w`` the end use's downstream value (USD/t)
over the smallest such value, plus small terms that make the solution follow the proportional
mode's when nothing is short: a reward for filled orders and for production up to plan (so an
empty scenario reproduces the baseline), and small costs on rerouting, ramping and stockpile
releases (so they are used only when they help). With ``priority`` (a country), that
country's shortfall weights are multiplied by ``PRIORITY_MULTIPLIER × max(w) / min(w of the
country)``: its lost value comes first, the world's second (a lexicographic objective through a
large multiplier).

The constraint matrix is built once per :class:`~rareearth.engine.structure.Structure` (cached);
month to month only bounds and right-hand sides change. Solved by HiGHS through
:func:`scipy.optimize.linprog`, one scenario after another (optimal mode is the slow, exact
mode).

Examples
--------
>>> from rareearth.engine.run import ALLOCATIONS
>>> import rareearth.engine.optimal
>>> "optimal" in ALLOCATIONS
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from rareearth.engine.allocation import MonthContext
from rareearth.engine.optimal_program import (
    FILL_REWARD,
    PLAN_REWARD,
    PRIORITY_MULTIPLIER,
    RAMP_COST,
    RELEASE_COST,
    REROUTE_COST,
    Program,
    csr_of,
    program,
)
from rareearth.engine.run import register_allocation
from rareearth.engine.state import Rerouted
from rareearth.engine.structure import MINING
from rareearth.errors import OptimalError

__all__ = [
    "FILL_REWARD",
    "PLAN_REWARD",
    "PRIORITY_MULTIPLIER",
    "RAMP_COST",
    "RELEASE_COST",
    "REROUTE_COST",
    "OptimalAllocator",
    "OptimalError",
]

_TINY = 1e-12


# ====================================================================== the allocator


@dataclass
class _Month:
    """This month's solution, t/month, one column per scenario."""

    x: np.ndarray  # (E, S)
    r: np.ndarray  # (n_r, S)
    q: np.ndarray  # (n_q, S)
    pa: np.ndarray  # (O, S)
    pb: np.ndarray  # (O, S)
    release: np.ndarray  # (I, S) national stockpile releases
    base_in: np.ndarray  # (I, S) inflow by baseline edges
    inflow: np.ndarray  # (I, S) all inflow
    allowed: np.ndarray  # (n_link, S) link rows open to rerouting this month


class OptimalAllocator:
    """MODEL.md §3 steps 3–4, ``optimal`` mode: one LP per month (module docstring).

    The LP is solved when the month's mines have produced (the first ``allocate`` call of the
    month); then each ``allocate(ctx, stage)`` makes the stage produce what the LP chose
    (never more than capacity and inputs allow), ships its baseline edges and rerouted sales,
    and books the ramp, lead-time and planning state as the proportional mode does. ``reroute``
    has nothing left to do: rerouted deliveries arrive with their supplier stage's shipments.

    The allocator keeps its own lead-time clock (the month each link row was first asked), one
    per engine it serves.
    """

    def __init__(self, priority: str | None = None) -> None:
        self.priority = priority
        self._month: _Month | None = None
        self._ctx: MonthContext | None = None
        self._first = np.zeros((0, 0))
        self._cost = np.zeros(0)
        self._coef_pos = np.zeros(0, np.int64)
        self._coef_slot = np.zeros(0, np.int64)
        self._offtake: tuple[np.ndarray, ...] | None = None  # see _setup

    # ------------------------------------------------------------------ Allocator protocol

    #: the LP decides rerouting and stockpile releases: every bookkeeping array is kept
    tracks_everything = True

    def start(self, ctx: MonthContext) -> None:
        """A new run: the lead-time clock starts afresh (at its first month's solve)."""
        self._ctx = None

    def allocate(self, ctx: MonthContext, stage: int) -> None:
        """Solve the month's LP (at mining), then apply it to ``stage``."""
        prog = program(ctx.st)
        if stage == MINING:
            if ctx is not self._ctx:  # a new run (or batch): a fresh lead-time clock
                self._ctx = ctx
                self._first = np.full((prog.link_pool.size, ctx.n_scenarios), np.inf)
                self._setup(ctx, prog)
            self._month = self._solve(ctx, prog)
            self._release(ctx)
        assert self._month is not None
        self._apply(ctx, prog, self._month, stage)

    def reroute(self, ctx: MonthContext, stage: int) -> None:
        """Nothing to do: the LP's rerouted deliveries were made by ``allocate``."""

    def _setup(self, ctx: MonthContext, prog: Program) -> None:
        """What a run adds to the structure's LP: the priority country's weights, the entries of
        the input rows that input factors change, the offtake rows' sparsity."""
        st = ctx.st
        self._cost = prog.cost
        if self.priority is not None:
            k = st.compiled.country_index[self.priority]
            e0, e1 = st.in_range[st.end_use]
            mine = st.in_country[e0:e1] == k
            if mine.any():
                w = prog.weight
                boost = PRIORITY_MULTIPLIER * float(w.max()) / float(w[mine].min())
                self._cost = prog.cost.copy()
                self._cost[prog.s0 + np.flatnonzero(mine)] *= boost
        lv = ctx.levers
        slots = lv.input_slots[np.isin(lv.input_slots, prog.input_slots)]
        rows = prog.input_row0 + np.searchsorted(prog.input_slots, slots)
        owner = st.in_owner[slots]
        pos, which = [], []
        a = prog.a_ub
        for j, (row, o) in enumerate(zip(rows.tolist(), owner.tolist(), strict=True)):
            cols = a.indices[a.indptr[row]:a.indptr[row + 1]]
            for col in (prog.pa0 + o, prog.pb0 + o):
                hit = np.flatnonzero(cols == col)
                if hit.size:
                    pos.append(int(a.indptr[row] + hit[0]))
                    which.append(int(slots[j]))
        self._coef_pos = np.array(pos, dtype=np.int64)
        self._coef_slot = np.array(which, dtype=np.int64)
        self._offtake = None
        if lv.offtake_slot.size:
            # one row per (supplier out-slot, partner): offtakes of one partner add up
            pairs = sorted({(int(o), int(p)) for o, p in
                            zip(lv.offtake_slot, lv.offtake_partner, strict=True)})
            row_of = {pair: r for r, pair in enumerate(pairs)}
            row_j = np.array([row_of[(int(o), int(p))] for o, p in
                              zip(lv.offtake_slot, lv.offtake_partner, strict=True)], np.int64)
            partner_edges = [
                np.flatnonzero((st.edge_src == o) & (st.in_country[st.edge_tgt] == p))
                for o, p in pairs]
            rows_x = np.concatenate([np.full(e.size, r) for r, e in enumerate(partner_edges)])
            cols_x = np.concatenate(partner_edges)
            # beyond the baseline edges: rerouted deliveries from the supplier's pool to the
            # partner's in-slots (new capacity, new buyers), on link rows the contract opens
            r_country = st.in_country[prog.r_in]
            r_rows, r_cols, link_rows, link_of, extra_rows, extra_in = [], [], [], [], [], []
            for r, (o, p) in enumerate(pairs):
                k, c, ss = st.out_country[o], st.out_commodity[o], st.out_stage[o]
                pools = np.flatnonzero((prog.pool_k == k) & (prog.pool_c == c)
                                       & (prog.pool_sstage == ss))
                cols = np.flatnonzero(np.isin(prog.r_pool, pools) & (r_country == p))
                r_rows.append(np.full(cols.size, r))
                r_cols.append(cols)
                links = np.flatnonzero(np.isin(prog.link_pool, pools) & (prog.link_j == p))
                link_rows.append(links)
                link_of.append(np.full(links.size, r))
                fed = np.setdiff1d(np.unique(prog.r_in[cols]), st.edge_tgt[partner_edges[r]])
                extra_rows.append(np.full(fed.size, r))
                extra_in.append(fed)
            cat = np.concatenate
            self._offtake = (rows_x.astype(np.int64), cols_x.astype(np.int64),
                             np.array([o for o, _ in pairs], dtype=np.int64),
                             np.arange(len(pairs)), row_j,
                             cat(r_rows).astype(np.int64), cat(r_cols).astype(np.int64),
                             cat(link_rows).astype(np.int64), cat(link_of).astype(np.int64),
                             cat(extra_rows).astype(np.int64), cat(extra_in).astype(np.int64),
                             np.array([p for _, p in pairs], dtype=np.int64))

    def _offtake_rows(self, ctx: MonthContext, prog: Program, x_ub: np.ndarray, base: np.ndarray,
                      pb_ub: np.ndarray, link_rhs: np.ndarray,
                      potential_pool: np.ndarray) -> tuple[list[sp.csr_matrix], np.ndarray] | None:
        """Per scenario, the offtake rows ``−Σ x − Σ r + σ (pa + pb) ≤ −σ × inventory`` (module
        docstring), and their right-hand sides (n_off, S); opens the link rows of active
        offtakes in ``link_rhs`` (the contract needs no lead time)."""
        if self._offtake is None:
            return None
        lv, st = ctx.levers, ctx.st
        (rows_x, cols_x, slot, rows_p, row_j, r_rows, r_cols, link_rows, link_of, extra_rows,
         extra_in, partner) = self._offtake
        n_off, n_s = slot.size, ctx.n_scenarios
        started = (ctx.t >= lv.offtake_start)[:, None]
        share = np.zeros((n_off, n_s))
        np.add.at(share, row_j, lv.offtake_share * started)
        allowed = np.ones((n_off, n_s), dtype=bool)  # not across an export restriction
        blocked = ctx.ev.blocked
        if blocked is not None:
            allowed = ~blocked[st.out_commodity[slot], :, st.out_country[slot], partner]
        want = np.zeros((n_off, n_s))
        np.add.at(want, rows_x, x_ub[cols_x])
        beyond = np.zeros((n_off, n_s))
        np.add.at(beyond, extra_rows, np.maximum(ctx.flows.order[extra_in], 0.0))
        want += beyond * allowed
        opened = (share > 0) & allowed
        rows_open = opened[link_of]
        link_rhs[link_rows] = np.where(rows_open, potential_pool[prog.link_pool[link_rows]],
                                       link_rhs[link_rows])
        potential = base[slot] + pb_ub[slot] + ctx.state.inv_out[slot]
        sigma = np.minimum(share, np.divide(want, potential, out=np.zeros_like(want),
                                            where=potential > _TINY))
        # several offtakes of one supplier: at most its whole output
        per_slot = np.zeros((ctx.st.n_out, ctx.n_scenarios))
        np.add.at(per_slot, slot, sigma)
        over = per_slot[slot]
        sigma = np.where(over > 1.0, sigma / np.where(over > 1.0, over, 1.0), sigma)
        mats = []
        for s in range(n_s):
            data = np.concatenate([-np.ones(rows_x.size), -allowed[r_rows, s].astype(float),
                                   sigma[:, s], sigma[:, s]])
            mats.append(csr_of(np.concatenate([rows_x, r_rows, rows_p, rows_p]),
                             np.concatenate([prog.x0 + cols_x, prog.r0 + r_cols, prog.pa0 + slot,
                                             prog.pb0 + slot]),
                             data, (n_off, prog.n_var)))
        return mats, -sigma * ctx.state.inv_out[slot]

    # ------------------------------------------------------------------ solve

    def _links(self, ctx: MonthContext, prog: Program) -> tuple[np.ndarray, np.ndarray]:
        """Lead-time ramp (n_link, S) of each link row this month, and whether it is open."""
        t = float(ctx.t)
        n_s = ctx.n_scenarios
        s_idx = np.arange(n_s)[None, :]
        kk = prog.pool_k[prog.link_pool][:, None]
        cc = prog.pool_c[prog.link_pool][:, None]
        jj = prog.link_j[:, None]
        lead = ctx.state.lead[s_idx, kk, jj]
        with np.errstate(invalid="ignore", divide="ignore"):
            link = np.where(lead > 0, (t - self._first) / np.where(lead > 0, lead, 1.0), 1.0)
        link = np.nan_to_num(link, nan=0.0, posinf=1.0, neginf=0.0)
        np.clip(link, 0.0, 1.0, out=link)
        # a pair with no lead time opens the month it is first asked: the LP may ask it now
        link[np.broadcast_to(prog.link_exists[:, None], link.shape)] = 1.0
        allowed = np.ones(link.shape, dtype=bool)
        blocked = ctx.ev.blocked  # (C, S, K exporter, K importer)
        if blocked is not None:
            allowed = ~blocked[cc, s_idx, kk, jj]
            link *= allowed
        return link, allowed

    def _solve(self, ctx: MonthContext, prog: Program) -> _Month:
        st = ctx.st
        n_s = ctx.n_scenarios
        e0, e1 = st.in_range[st.end_use]
        sc = prog.scale
        # bounds (t/month), all scenarios at once: each edge's shippable order this month, with
        # restrictions (keep) and export-quota allowances applied as in proportional mode
        x_ub = np.zeros((st.n_edges, n_s))
        for stage in st.producing:
            e0_s, e1_s = st.edge_range[stage]
            if e1_s > e0_s:
                x_ub[e0_s:e1_s] = ctx.shippable(stage)
        mining = (st.out_stage == MINING)[:, None]
        base = np.where(mining, ctx.flows.prod, ctx.flows.plan)
        np.minimum(base, ctx.flows.cap, out=base)
        np.maximum(base, 0.0, out=base)
        pb_ub = np.maximum(ctx.flows.cap - base, 0.0) * ctx.state.ramp
        pa_lb = np.where(mining, base, 0.0)
        potential = prog.pool_out @ (base + pb_ub + ctx.state.inv_out)
        link, allowed = self._links(ctx, prog)
        link_rhs = link * potential[prog.link_pool]
        short_rhs = -(ctx.flows.need[e0:e1] - ctx.flows.recycled - ctx.state.inv_in[e0:e1])
        if ctx.has_pile:
            avail = np.minimum(ctx.state.pile, ctx.flows.rate_left)[prog.release_keys]
        else:
            avail = np.zeros((prog.release_keys.size, n_s))
        n_var = prog.n_var
        sol = np.zeros((n_var, n_s))
        a_ub = prog.a_ub
        if self._coef_pos.size:  # the month's Leontief coefficients
            a_ub = prog.a_ub.copy()
            a_ub.data[self._coef_pos] = ctx.state.in_coef[self._coef_slot]
        offtakes = self._offtake_rows(ctx, prog, x_ub, base, pb_ub, link_rhs, potential)
        for s in range(n_s):
            lb = np.zeros(n_var)
            ub = np.full(n_var, np.inf)
            ub[prog.x0:prog.r0] = x_ub[:, s]
            lb[prog.pa0:prog.pb0] = pa_lb[:, s]
            ub[prog.pa0:prog.pb0] = base[:, s]
            ub[prog.pb0:prog.f0] = pb_ub[:, s]
            ub[prog.f0:prog.s0] = np.maximum(ctx.flows.order[:, s], 0.0)
            b_ub = np.concatenate([
                ctx.state.inv_out[:, s], link_rhs[:, s], ctx.state.inv_in[prog.input_slots, s],
                np.zeros(st.n_in), short_rhs[:, s], avail[:, s],
            ])
            a_s = a_ub
            if offtakes is not None:
                a_s = sp.vstack([a_ub, offtakes[0][s]], format="csr")
                b_ub = np.concatenate([b_ub, offtakes[1][:, s]])
            res = linprog(self._cost, A_ub=a_s, b_ub=b_ub / sc, A_eq=prog.a_eq,
                          b_eq=np.zeros(prog.a_eq.shape[0]),
                          bounds=np.column_stack([lb / sc, ub / sc]), method="highs")
            if res.status != 0 or res.x is None:
                raise OptimalError(
                    f"optimal allocation: the LP of month {ctx.t} (scenario {s} of the batch) "
                    f"failed: {res.message}; run allocation='proportional', or report this "
                    "network and scenario"
                )
            sol[:, s] = np.clip(res.x * sc, lb, ub)
        x = sol[prog.x0:prog.r0]
        r = sol[prog.r0:prog.q0]
        release = sol[prog.l0:]
        base_in = prog.inflow_x @ x
        return _Month(
            x=x, r=r, q=sol[prog.q0:prog.pa0], pa=sol[prog.pa0:prog.pb0], pb=sol[prog.pb0:prog.f0],
            release=release, base_in=base_in, inflow=base_in + prog.inflow_r @ r + release,
            allowed=allowed,
        )

    def _release(self, ctx: MonthContext) -> None:
        """National stockpile releases chosen by the LP; the engine's own rule then has no rate."""
        if not ctx.has_pile:
            return
        assert self._month is not None
        st = ctx.st
        rel = self._month.release.copy()
        key = st.in_country * st.n_commodities + st.in_commodity
        agg = csr_of(key, np.arange(st.n_in), np.ones(st.n_in), (ctx.state.pile.shape[0], st.n_in))
        total = agg @ rel
        cap = np.minimum(ctx.state.pile, ctx.flows.rate_left)
        ratio = np.divide(cap, total, out=np.ones_like(total), where=total > cap)
        rel *= ratio[key]
        ctx.flows.received += rel
        ctx.flows.released += rel
        ctx.state.pile -= agg @ rel
        np.maximum(ctx.state.pile, 0.0, out=ctx.state.pile)
        # the LP decided this month's releases (at most the monthly rate): none by the rule
        ctx.flows.rate_left.fill(0.0)

    # ------------------------------------------------------------------ apply

    def _apply(self, ctx: MonthContext, prog: Program, m: _Month, stage: int) -> None:
        st = ctx.st
        o0, o1 = st.out_range[stage]
        e0, e1 = st.edge_range[stage]
        if o0 == o1:
            return
        prod = ctx.flows.prod[o0:o1]
        cap = ctx.flows.cap[o0:o1]
        if stage == MINING:
            prod += m.pb[o0:o1]
            np.minimum(prod, cap, out=prod)
        else:
            # the engine made min(plan, inputs, capacity); make what the LP chose instead
            i0, i1 = st.in_range[stage]
            avail = ctx.flows.used[i0:i1] + ctx.state.inv_in[i0:i1]
            np.minimum(m.pa[o0:o1] + m.pb[o0:o1], cap, out=prod)
            np.minimum(prod, ctx.input_limit(stage, avail), out=prod)
            np.maximum(prod, 0.0, out=prod)
            used = ctx.flows.used[i0:i1]
            used[:] = ctx.use[stage] @ prod
            np.minimum(used, avail, out=used)
            np.subtract(avail, used, out=ctx.state.inv_in[i0:i1])
            ctx.shortfall(i0, i1)  # the engine's own rounding of shortfall
        supply = prod + ctx.state.inv_out[o0:o1]
        # planned sales; scaled down where rounding left the out-slot a little short
        x = m.x[e0:e1]
        qsel = (prog.q_out >= o0) & (prog.q_out < o1)
        q_lp = m.q[qsel]
        q_to_out = prog.q_to_out[o0:o1][:, qsel]
        planned = st.flow_to_out[stage] @ x + q_to_out @ q_lp
        ratio = np.divide(supply, planned, out=np.ones_like(supply), where=planned > supply)
        x = x * ratio[st.edge_src[e0:e1] - o0]
        q = q_lp * ratio[prog.q_out[qsel] - o0]
        ctx.flows.edge_flow[e0:e1] = x
        ctx.flows.received += st.flow_to_in[stage] @ x
        sold = q_to_out @ q
        shipped = ctx.flows.shipped[o0:o1]
        shipped[:] = st.flow_to_out[stage] @ x + sold
        ctx.flows.rerouted_out[o0:o1] += sold
        np.subtract(supply, shipped, out=ctx.flows.left[o0:o1])
        np.maximum(ctx.flows.left[o0:o1], 0.0, out=ctx.flows.left[o0:o1])
        # rerouted sales are made again next month (the plan grows into them, as proportional)
        ctx.flows.extra_next[o0:o1] += sold
        # deliveries of this stage's pools, scaled like their sales
        pools_lp = prog.q_to_pool[:, qsel] @ q_lp
        pools_now = prog.q_to_pool[:, qsel] @ q
        p_ratio = np.divide(pools_now, pools_lp, out=np.ones_like(pools_lp), where=pools_lp > _TINY)
        rsel = prog.pool_sstage[prog.r_pool] == stage
        r = m.r[rsel] * p_ratio[prog.r_pool[rsel]]
        rcv = prog.inflow_r[:, rsel] @ r
        ctx.flows.received += rcv
        ctx.flows.rerouted_in += rcv
        self._book(ctx, prog, m, stage, rcv)
        if ctx.records_flows and (r > 0).any():
            self._record(ctx, prog, stage, r, rsel, rcv, q, qsel)

    def _book(self, ctx: MonthContext, prog: Program, m: _Month, stage: int, rcv: np.ndarray) -> None:
        """Lead-time clock, ramp and planning signals of the links served by ``stage``."""
        st = ctx.st
        lsel = prog.pool_sstage[prog.link_pool] == stage
        if not lsel.any():
            return
        t = float(ctx.t)
        # a buyer asks when its baseline edges leave its order short, or the LP reroutes to it
        order = ctx.flows.order
        asking = ((order - m.base_in) > 1e-9 * (1.0 + order)) | (rcv > _TINY)
        link_in = prog.link_in[lsel]
        intent = ((link_in @ asking.astype(float)) > 0) & m.allowed[lsel]
        first = self._first[lsel]
        first[intent & (first > t)] = t
        self._first[lsel] = first
        pools = prog.link_pool[lsel]
        pool_asked = np.zeros((prog.pool_k.size, ctx.n_scenarios))
        np.add.at(pool_asked, pools, intent.astype(float))
        ctx.flows.asked |= (prog.pool_out.T @ pool_asked) > 0
        # what is still missing is a signal to allowed pools with headroom (as proportional):
        # split over the buyer cell's open links by the pools' headroom, into next month's plan
        residual = prog.cell_in @ np.maximum(order - m.inflow, 0.0)  # (cells, S)
        residual *= residual > 1e-9 * (1.0 + prog.cell_in @ order)
        if not residual.any():
            return
        head = np.maximum(ctx.flows.cap - ctx.flows.prod, 0.0)
        head[st.out_stage != stage] = 0.0
        hk = prog.pool_out @ head  # (pools, S)
        weight = np.zeros((prog.link_pool.size, ctx.n_scenarios))
        weight[lsel] = hk[pools] * m.allowed[lsel]
        total = prog.link_cell @ weight  # (cells, S)
        per = np.divide(residual, total, out=np.zeros_like(residual), where=total > _TINY)
        per_link = (prog.link_cell.T @ per) * (weight > 0)
        r_head = np.zeros_like(hk)
        np.add.at(r_head, prog.link_pool, per_link)
        ctx.flows.extra_next += head * (prog.pool_out.T @ r_head)

    def _record(self, ctx: MonthContext, prog: Program, stage: int, r: np.ndarray,
                rsel: np.ndarray, rcv: np.ndarray, q: np.ndarray, qsel: np.ndarray) -> None:
        """Rerouted deliveries in the engine's record format, one entry per rerouting group."""
        st = ctx.st
        n_s = ctx.n_scenarios
        k_n = st.n_countries
        o0, o1 = st.out_range[stage]
        pools = prog.r_pool[rsel]
        j = st.in_country[prog.r_in[rsel]]
        for bstage in np.unique(prog.pool_stage[pools]).tolist():
            mine = prog.pool_stage[pools] == bstage
            rows: list[np.ndarray] = []
            values: list[np.ndarray] = []
            for s in range(n_s):
                pos = np.flatnonzero(mine & (r[:, s] > 0))
                if pos.size == 0:
                    continue
                keys = pools[pos] * k_n + j[pos]
                uniq, inv = np.unique(keys, return_inverse=True)
                p_u, j_u = np.divmod(uniq, k_n)
                rows.append(np.stack([prog.pool_k[p_u], j_u, prog.pool_c[p_u],
                                      np.full(uniq.size, s)]))
                values.append(np.bincount(inv, weights=r[pos, s]))
            if not values:
                continue
            gq = prog.pool_stage[prog.q_pool[qsel]] == bstage
            take = np.zeros((o1 - o0, n_s))
            np.add.at(take, prog.q_out[qsel][gq] - o0, q[gq])
            grp = next(g for g in st.groups[bstage] if g.sstage == stage)
            ctx.record_rerouted(Rerouted(ctx.t, int(bstage), stage,
                                         np.concatenate(rows, axis=1).astype(np.int64),
                                         np.concatenate(values), take,
                                         rcv[grp.start:grp.stop].copy()))


register_allocation("optimal", OptimalAllocator)
