"""Compiled passes of the month step: loops fused over (rows, scenarios) arrays.

The month step is memory-bound: a numpy expression over (slots, S) arrays makes one pass
over memory per operation, and a month needs many such operations. The kernels here do the same
arithmetic in one pass per step, row by row while the row is in cache, compiled with numba.

Every kernel computes exactly what the numpy expression it replaces computes, operation by
operation and in the same order (sums in CSR order, as scipy's sparse products add), so results
do not change by a bit; ``_max``/``_min`` are numpy's ``maximum``/``minimum`` (NaN propagates).
Arrays are float64 and C-contiguous, rows × scenarios. Sparse matrices are passed as their CSR
arrays ``(indptr, indices, data)``.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

__all__ = [
    "active_entries", "agg_rows", "allocate_fill", "allocate_receive", "consume", "country_sums",
    "csr", "demand_level", "demand_level_markets", "fill_column", "group_unmet", "headroom", "headroom_split",
    "input_limit", "need_order", "order_from_need", "plan", "pool_rationing",
    "price_markets", "produce_in", "produce_out", "ramp_step", "receive_rerouted", "release_apply",
    "release_sums", "room", "scale_column", "scaled_rows", "shortfall", "signal", "spare", "take",
]

_jit = numba.njit(cache=True, nogil=True, boundscheck=False)
#: for helpers called per element: inlined into the calling kernel (called out of line, the
#: Leontief limit made production and ramp room 4× slower)
_inline = numba.njit(cache=True, nogil=True, boundscheck=False, inline="always")


@_jit
def _max(a: float, b: float) -> float:
    # numpy's maximum: NaN propagates; on ties (0.0 and −0.0) the second argument
    return a if (a > b or a != a) else b


@_jit
def _min(a: float, b: float) -> float:
    # numpy's minimum: NaN propagates; on ties (0.0 and −0.0) the second argument
    return a if (a < b or a != a) else b


@_inline
def _row_product(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, x: np.ndarray,
                 i: int, out: np.ndarray) -> None:
    """``out = (A @ x)[i]`` for CSR ``A``: row ``i``'s terms added in stored order from 0, as
    scipy's sparse × dense product adds them."""
    out[:] = 0.0
    for jj in range(indptr[i], indptr[i + 1]):
        a = data[jj]
        row = x[indices[jj]]
        for s in range(out.size):
            out[s] += a * row[s]


def csr(m: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The CSR arrays of a scipy CSR matrix (indices as int64, data as float64)."""
    return (m.indptr.astype(np.int64), m.indices.astype(np.int64), m.data.astype(np.float64))


# ====================================================================== allocation


@_jit
def allocate_fill(supply_a: np.ndarray, supply_b: np.ndarray, total: np.ndarray, tiny: float,
                  fill: np.ndarray, shipped: np.ndarray, left: np.ndarray) -> None:
    """Per out-slot: fill rate and what ships (``allocate``'s out-slot pass).

    ``fill = min(1, supply / total)`` where ``total > tiny``, else 1; ``shipped = fill ×
    total``; ``left = max(supply − shipped, 0)`` with ``supply = supply_a + supply_b``.
    """
    for o in range(total.shape[0]):
        for s in range(total.shape[1]):
            tot = total[o, s]
            sup = supply_a[o, s] + supply_b[o, s]
            f = 1.0
            if tot > tiny:
                f = sup / tot
            f = _min(f, 1.0)
            fill[o, s] = f
            sh = f * tot
            shipped[o, s] = sh
            left[o, s] = _max(sup - sh, 0.0)


@_jit
def allocate_receive(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                     fill: np.ndarray, fed: np.ndarray, order: np.ndarray, cut_row: np.ndarray,
                     ptr: np.ndarray, scenario: np.ndarray, keep_of: np.ndarray,
                     allow_of: np.ndarray, has_allow: bool, has_cut: bool,
                     received: np.ndarray) -> None:
    """Buyers' receipts: ``received[fed] += max((fill_to_in @ fill) × order[fed] − cuts, 0)``.

    ``cuts``: Σ over the buyer's restricted edges (``cut_row[jj] ≥ 0``, see :func:`plan`) of
    the edge's cut × its supplier's fill, when ``has_cut``.
    """
    n_s = fill.shape[1]
    got = np.empty(n_s)
    cuts = np.empty(n_s)
    for f in range(fed.size):
        i = fed[f]
        got[:] = 0.0
        cuts[:] = 0.0
        for jj in range(indptr[f], indptr[f + 1]):
            a = data[jj]
            j = indices[jj]
            for s in range(n_s):
                got[s] += a * fill[j, s]
            r = cut_row[jj] if has_cut else -1
            if r >= 0:
                for q in range(ptr[r], ptr[r + 1]):
                    s = scenario[q]
                    cuts[s] += _cut(order[i, s] * a, keep_of[q], allow_of[q],
                                    has_allow) * fill[j, s]
        for s in range(n_s):
            g = got[s] * order[i, s]
            if has_cut:
                g -= cuts[s]
            received[i, s] += _max(g, 0.0)


# ====================================================================== rerouting


def agg_rows(m: Any) -> np.ndarray:
    """Row of each column of an aggregation matrix with at most one 1 per column (−1: none)."""
    coo = m.tocoo()
    assert np.all(coo.data == 1.0) and np.bincount(coo.col, minlength=m.shape[1]).max(initial=0) <= 1
    rows = np.full(m.shape[1], -1, dtype=np.int64)
    rows[coo.col] = coo.row
    return rows


@_inline
def _shortfall(need: float, received: float, used: float, rounding: float) -> float:
    """``need − max(received, used)``, zero where not above ``need × rounding``."""
    sf = need - _max(received, used)
    return sf * (1.0 if sf > need * rounding else 0.0)


@_jit
def _unmet(order: float, received: float, rounding: float, tiny: float) -> float:
    """``order − received``, zero where not above ``max(order × rounding, tiny)``."""
    u = order - received
    return u * (1.0 if u > _max(order * rounding, tiny) else 0.0)


@_jit
def group_unmet(order: np.ndarray, received: np.ndarray, brow: np.ndarray, rounding: float,
                tiny: float, ub: np.ndarray) -> bool:
    """Buyers' unmet orders (:func:`_unmet`) summed per (buyer country, commodity) row of
    ``ub`` (zeroed first). Returns whether any unmet is non-zero."""
    ub[:] = 0.0
    anything = False
    for i in range(order.shape[0]):
        b = brow[i]
        for s in range(order.shape[1]):
            u = _unmet(order[i, s], received[i, s], rounding, tiny)
            if u != 0.0:
                anything = True
            if b >= 0:
                ub[b, s] += u
    return anything


@_jit
def room(cap: np.ndarray, prod: np.ndarray, ramp: np.ndarray, out: np.ndarray) -> bool:
    """``out = max(cap − prod, 0) × ramp``; returns whether any is non-zero."""
    anything = False
    for o in range(cap.shape[0]):
        for s in range(cap.shape[1]):
            r = _max(cap[o, s] - prod[o, s], 0.0) * ramp[o, s]
            out[o, s] = r
            if r != 0.0:
                anything = True
    return anything


@_inline
def _leontief(avail: np.ndarray, more: np.ndarray, has_more: bool, coef: np.ndarray,
              index: np.ndarray, i0: int, o: int, s: int) -> float:
    """Most out-slot ``o`` can make in scenario ``s`` from ``avail`` (+ ``more``) of its inputs:
    ``min over i in index[o] of (avail + more)[i − i0] / coef[i − i0]``; entries outside the
    range (the structure's sentinel) or with a zero coefficient are no limit (+inf)."""
    n_i = avail.shape[0]
    m = np.inf
    for w in range(index.shape[1]):
        i = index[o, w] - i0
        if i < 0 or i >= n_i or not coef[i] > 0.0:
            r = np.inf
        else:
            r = ((avail[i, s] + more[i, s]) if has_more else avail[i, s]) / coef[i]
        m = r if w == 0 else _min(m, r)
    return m


@_jit
def input_limit(avail: np.ndarray, coef: np.ndarray, index: np.ndarray, i0: int,
                out: np.ndarray, only_min: bool) -> None:
    """Leontief limit of each out-slot from ``avail`` (:func:`_leontief`); with ``only_min``,
    ``out`` becomes ``min(out, limit)`` instead."""
    for o in range(index.shape[0]):
        for s in range(avail.shape[1]):
            m = _leontief(avail, avail, False, coef, index, i0, o, s)
            out[o, s] = _min(out[o, s], m) if only_min else m


@_jit
def spare(left: np.ndarray, target: np.ndarray, room: np.ndarray, prow: np.ndarray,
          pools: np.ndarray) -> None:
    """Spare per pool row (zeroed first): Σ ``max(left − target, 0) + room`` of its out-slots."""
    pools[:] = 0.0
    for o in range(left.shape[0]):
        p = prow[o]
        if p < 0:
            continue
        tg = target[o]
        pool = pools[p]
        for s in range(left.shape[1]):
            pool[s] += _max(left[o, s] - tg, 0.0) + room[o, s]


@_jit
def receive_rerouted(order: np.ndarray, brow: np.ndarray, share: np.ndarray, rounding: float,
                     tiny: float, received: np.ndarray, rerouted: np.ndarray, track: bool,
                     rcv: np.ndarray, store: bool) -> None:
    """``received += unmet × share[brow]`` (the unmet of :func:`group_unmet`, recomputed; into
    ``rerouted`` when tracked, into ``rcv`` when stored)."""
    for i in range(order.shape[0]):
        b = brow[i]
        for s in range(order.shape[1]):
            rc = received[i, s]
            r = _unmet(order[i, s], rc, rounding, tiny) * (share[b, s] if b >= 0 else 0.0)
            received[i, s] = rc + r
            if track:
                rerouted[i, s] += r
            if store:
                rcv[i, s] = r


@_jit
def take(left: np.ndarray, target: np.ndarray, room: np.ndarray, prow: np.ndarray,
         ratio: np.ndarray, pool_asked: np.ndarray, beyond: np.ndarray, extra_next: np.ndarray,
         prod: np.ndarray, asked: np.ndarray, sold_out: np.ndarray, shipped: np.ndarray,
         track: bool, sales: np.ndarray, store: bool, coef: np.ndarray, index: np.ndarray,
         i0: int, inv_in: np.ndarray, used: np.ndarray, has_inputs: bool) -> None:
    """Book rerouted sales ``spare × ratio[prow]`` of a stage's out-slots (``Engine.take``).

    ``spare = max(left − target, 0) + room``, as :func:`spare` summed it. Sales come from
    unsold output above target first (what was made beyond orders goes first), then from ramp
    room: added to ``prod``, its inputs drawn from the input stock (``min(coef × extra,
    stock)`` per input in-slot, as ``use @ extra`` gives). Pools asked this month mark their
    out-slots in ``asked``. ``sales`` gets the sales when ``store``.
    """
    n_i = inv_in.shape[0]
    width = index.shape[1]
    for o in range(left.shape[0]):
        p = prow[o]
        tg = target[o]
        for s in range(left.shape[1]):
            lf = left[o, s]
            excess = _max(lf - tg, 0.0)
            rm = room[o, s]
            t = (excess + rm) * (ratio[p, s] if p >= 0 else 0.0)
            if store:
                sales[o, s] = t
            fl = _min(t, excess)
            left[o, s] = lf - fl
            sb = _min(fl, beyond[o, s])
            beyond[o, s] -= sb
            extra_next[o, s] += sb
            fr = _min(_max(t - fl, 0.0), rm)
            room[o, s] = rm - fr
            prod[o, s] += fr
            extra_next[o, s] += fr
            if has_inputs and fr != 0.0:
                for w in range(width):
                    i = index[o, w] - i0
                    if 0 <= i < n_i and coef[i] > 0.0:
                        e = _min(coef[i] * fr, inv_in[i, s])
                        inv_in[i, s] -= e
                        used[i, s] += e
            if track:
                sold = fl + fr
                sold_out[o, s] += sold
                shipped[o, s] += sold
            if p >= 0 and pool_asked[p, s]:
                asked[o, s] = True


@_jit
def headroom(cap: np.ndarray, prod: np.ndarray, prow: np.ndarray, head: np.ndarray,
             pools: np.ndarray) -> None:
    """``head = max(cap − prod, 0)`` and its sums per pool row (zeroed first)."""
    pools[:] = 0.0
    for o in range(cap.shape[0]):
        p = prow[o]
        for s in range(cap.shape[1]):
            h = _max(cap[o, s] - prod[o, s], 0.0)
            head[o, s] = h
            if p >= 0:
                pools[p, s] += h


@_jit
def signal(head: np.ndarray, prow: np.ndarray, ratio: np.ndarray, extra_next: np.ndarray) -> None:
    """``extra_next += head × ratio[prow]``: next month's planned extra output."""
    for o in range(head.shape[0]):
        p = prow[o]
        for s in range(head.shape[1]):
            extra_next[o, s] += head[o, s] * (ratio[p, s] if p >= 0 else 0.0)


# ====================================================================== orders, production


@_jit
def order_from_need(target: np.ndarray, inv: np.ndarray, need: np.ndarray, recycled: np.ndarray,
                    has_recycled: bool, per_month: float, order: np.ndarray) -> None:
    """``order = max((target − inv) × per_month + need − recycled, 0)`` per in-slot."""
    for i in range(order.shape[0]):
        tg = target[i]
        for s in range(order.shape[1]):
            market = need[i, s] - recycled[i, s] if has_recycled else need[i, s]
            order[i, s] = _max((tg - inv[i, s]) * per_month + market, 0.0)


@_jit
def _cut(ordered: float, keep: float, allow: float, has_allow: bool) -> float:
    """What a restriction (``keep``) and a quota (``allow``) take off an edge's order."""
    if has_allow:
        return ordered - keep * _min(ordered, allow)
    return ordered * (1.0 - keep)


@_jit
def active_entries(keep: np.ndarray, allow: np.ndarray, has_allow: bool, ptr: np.ndarray,
                   scenario: np.ndarray, keep_of: np.ndarray, allow_of: np.ndarray) -> int:
    """List the (restricted edge, scenario) entries that cut anything this month.

    Entry (r, s) cuts when ``keep[r, s] ≠ 1`` (above 1: held orders released, a negative cut)
    or its quota allowance is finite; the others cut exactly 0. Row r's entries are ``ptr[r]:ptr[r + 1]`` of ``scenario``, ``keep_of`` and
    ``allow_of`` (inf without a quota), in scenario order. Returns the number of entries, or −1
    when the buffers are too small (nothing else is then valid).
    """
    n = 0
    cap = scenario.size
    for r in range(keep.shape[0]):
        ptr[r] = n
        for s in range(keep.shape[1]):
            k = keep[r, s]
            q = allow[r, s] if has_allow else np.inf
            if k != 1.0 or q < np.inf:
                if n == cap:
                    return -1
                scenario[n] = s
                keep_of[n] = k
                allow_of[n] = q
                n += 1
    ptr[keep.shape[0]] = n
    return n


@_jit
def plan(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, order: np.ndarray,
         cap: np.ndarray, ramp: np.ndarray, extra: np.ndarray, added: np.ndarray,
         target: np.ndarray, inv: np.ndarray, per_month: float, cut_row: np.ndarray,
         ptr: np.ndarray, scenario: np.ndarray, keep_of: np.ndarray, allow_of: np.ndarray,
         has_allow: bool, has_cut: bool, cuts: np.ndarray, ordered: np.ndarray,
         total: np.ndarray, plan_out: np.ndarray) -> None:
    """Producers' orders received (``order_to_out @ order``), what may ship, and plans.

    The product runs over the *transpose* (``indptr``/``indices``/``data``: in-slot rows →
    the stage's out-slots): every buyer's order row is read once, in order, and added into
    the stage's out-slot rows, which stay in cache; an out-slot still gets its buyers'
    terms in in-slot order, as ``order_to_out @ order`` adds them.
    ``plan = min(max(ordered + min(max(cap − ordered, 0) × ramp, extra) + added
    + (target − inv) × per_month, 0), cap)``. ``total`` is what the allocation may ship:
    ``ordered`` less the cuts of restricted edges (``cut_row[jj]``: the edge's row of the
    schedule's ``keep`` and ``allowance``, −1 when unrestricted; its entries that cut anything
    listed by :func:`active_entries`; summed in ``cuts``), at least 0, when ``has_cut``;
    else ``ordered``. Entries that cut 0 add exactly 0, so skipping them changes no sum.
    """
    n_s = order.shape[1]
    ordered[:] = 0.0
    if has_cut:
        cuts[:] = 0.0
    for i in range(indptr.size - 1):
        lo, hi = indptr[i], indptr[i + 1]
        if lo == hi:
            continue
        order_row = order[i]
        for jj in range(lo, hi):
            a = data[jj]
            row = ordered[indices[jj]]
            for s in range(n_s):
                row[s] += a * order_row[s]
            r = cut_row[jj] if has_cut else -1
            if r >= 0:
                c_row = cuts[indices[jj]]
                for q in range(ptr[r], ptr[r + 1]):
                    s = scenario[q]
                    c_row[s] += _cut(order_row[s] * a, keep_of[q], allow_of[q], has_allow)
    for o in range(cap.shape[0]):
        tg = target[o]
        for s in range(n_s):
            c = cap[o, s]
            od = ordered[o, s]
            total[o, s] = _max(od - cuts[o, s], 0.0) if has_cut else od
            p = _max(c - od, 0.0) * ramp[o, s]
            p = _min(p, extra[o, s])
            p += od
            p += added[o, s]
            p += (tg - inv[o, s]) * per_month
            p = _max(p, 0.0)
            plan_out[o, s] = _min(p, c)


@_jit
def need_order(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, plan: np.ndarray,
               target: np.ndarray, inv: np.ndarray, per_month: float, need: np.ndarray,
               order: np.ndarray) -> None:
    """Inputs needed for the plans (``use @ plan``) and the orders they make."""
    n_s = plan.shape[1]
    for i in range(need.shape[0]):
        row = need[i]
        _row_product(indptr, indices, data, plan, i, row)
        tg = target[i]
        for s in range(n_s):
            order[i, s] = _max((tg - inv[i, s]) * per_month + row[s], 0.0)


@_jit
def produce_out(received: np.ndarray, inv_in: np.ndarray, coef: np.ndarray, index: np.ndarray,
                i0: int, plan: np.ndarray, cap: np.ndarray, ordered: np.ndarray,
                prod: np.ndarray, beyond: np.ndarray) -> None:
    """``prod = min(min(plan, Leontief limit of received + stock), cap)``; ``beyond``."""
    for o in range(index.shape[0]):
        for s in range(received.shape[1]):
            m = _leontief(received, inv_in, True, coef, index, i0, o, s)
            p = _min(plan[o, s], m)
            p = _min(p, cap[o, s])
            prod[o, s] = p
            beyond[o, s] = _max(p - ordered[o, s], 0.0)


@_jit
def produce_in(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, prod: np.ndarray,
               received: np.ndarray, need: np.ndarray, rounding: float, inv_in: np.ndarray,
               used: np.ndarray, shortfall: np.ndarray) -> None:
    """Inputs used (``min(use @ prod, received + stock)``), stock left and shortfall."""
    n_s = prod.shape[1]
    for i in range(inv_in.shape[0]):
        row = used[i]
        _row_product(indptr, indices, data, prod, i, row)
        for s in range(n_s):
            rc = received[i, s]
            avail = rc + inv_in[i, s]
            u = _min(row[s], avail)
            row[s] = u
            inv_in[i, s] = avail - u
            nd = need[i, s]
            shortfall[i, s] = _shortfall(nd, rc, u, rounding)


@_jit
def consume(received: np.ndarray, recycled: np.ndarray, has_recycled: bool, need: np.ndarray,
            rounding: float, inv_in: np.ndarray, used: np.ndarray, shortfall: np.ndarray,
            consumed_prev: np.ndarray) -> None:
    """End use: ``used = min(need, received (+ recycled) + stock)``; stock left; shortfall."""
    for i in range(need.shape[0]):
        for s in range(need.shape[1]):
            rc = received[i, s]
            if has_recycled:
                rc += recycled[i, s]
                received[i, s] = rc
            avail = rc + inv_in[i, s]
            nd = need[i, s]
            u = _min(nd, avail)
            used[i, s] = u
            inv_in[i, s] = avail - u
            shortfall[i, s] = _shortfall(nd, rc, u, rounding)
            if has_recycled:
                consumed_prev[i, s] = u


# ====================================================================== close, record


@_jit
def ramp_step(ramp: np.ndarray, asked: np.ndarray, rate: np.ndarray) -> None:
    """``ramp = clip(ramp ± rate, 0, 1)``: up where asked, down elsewhere."""
    for o in range(ramp.shape[0]):
        for s in range(ramp.shape[1]):
            r = rate[s]
            v = ramp[o, s] + (r if asked[o, s] else -r)
            ramp[o, s] = _min(_max(v, 0.0), 1.0)


@_jit
def price_markets(received: np.ndarray, need: np.ndarray, commodity: np.ndarray,
                  country: np.ndarray, restricting: np.ndarray, has_restricting: bool,
                  level: np.ndarray, level_from: int, supply: np.ndarray, demand: np.ndarray,
                  supply_dom: np.ndarray, demand_dom: np.ndarray) -> None:
    """Per commodity, the two markets' sums of consumers' served and base demand.

    A consumer's base demand is its need before the price response (``need / level``, ``level``
    of the consumers from row ``level_from`` on, the end uses; magnet makers' need has no price
    response); it is served by ``min(received, need)`` plus the demand the price has already cut
    (``base − need``), so that an index falls back as demand adapts. Consumers in a country
    restricting that commodity's exports (``restricting[c, s, k]``) count in the domestic
    market, the others in the export market.
    """
    supply[:] = 0.0
    demand[:] = 0.0
    supply_dom[:] = 0.0
    demand_dom[:] = 0.0
    for i in range(need.shape[0]):
        c = commodity[i]
        k = country[i]
        for s in range(need.shape[1]):
            nd = need[i, s]
            base = nd
            if i >= level_from:
                lv = level[i - level_from, s]
                if lv > 0.0:
                    base = nd / lv
            served = _min(received[i, s], nd) + _max(base - nd, 0.0)
            if has_restricting and restricting[c, s, k]:
                supply_dom[c, s] += served
                demand_dom[c, s] += base
            else:
                supply[c, s] += served
                demand[c, s] += base


@_jit
def demand_level_markets(target: np.ndarray, target_dom: np.ndarray, commodity: np.ndarray,
                         country: np.ndarray, restricting: np.ndarray, has_restricting: bool,
                         step_max: np.ndarray, level: np.ndarray) -> bool:
    """:func:`demand_level` with each end use moving toward its own market's target: the
    domestic one (``target_dom``) where its country restricts the commodity's exports."""
    off = 0
    for i in range(level.shape[0]):
        c = commodity[i]
        k = country[i]
        row = level[i]
        for s in range(level.shape[1]):
            tg = target[c, s]
            if has_restricting and restricting[c, s, k]:
                tg = target_dom[c, s]
            lv = row[s]
            st = _max(_min(tg - lv, step_max[s]), -step_max[s])
            lv += st
            row[s] = lv
            off += (st != 0.0) | (lv != 1.0)
    return off > 0


@_jit
def demand_level(target: np.ndarray, commodity: np.ndarray, step_max: np.ndarray,
                 level: np.ndarray) -> bool:
    """``level += clip(target[commodity] − level, ±step_max)``; whether demand is off base."""
    off = 0
    for i in range(level.shape[0]):
        tg = target[commodity[i]]
        row = level[i]
        for s in range(level.shape[1]):
            lv = row[s]
            st = _max(_min(tg[s] - lv, step_max[s]), -step_max[s])
            lv += st
            row[s] = lv
            off += (st != 0.0) | (lv != 1.0)
    return off > 0


@_jit
def country_sums(row_in: np.ndarray, stage_in: np.ndarray, value: np.ndarray, end: int,
                 magnet: int, need: np.ndarray, shortfall: np.ndarray, inv_in: np.ndarray,
                 row_out: np.ndarray, inv_out: np.ndarray, demand: np.ndarray,
                 short: np.ndarray, demand_value: np.ndarray, short_value: np.ndarray,
                 magnet_demand: np.ndarray, magnet_short: np.ndarray, stock: np.ndarray,
                 stock_out: np.ndarray) -> None:
    """Per (country, commodity) row: end-use demand and shortfall (t and value), magnet makers'
    need and shortfall, and stocks (in-slots, plus out-slots summed apart, then added)."""
    for a in (demand, short, demand_value, short_value, magnet_demand, magnet_short, stock,
              stock_out):
        a[:] = 0.0
    n_s = need.shape[1]
    for i in range(need.shape[0]):
        r = row_in[i]
        g = stage_in[i]
        nd = need[i]
        sf = shortfall[i]
        if g == end:
            v = value[i]
            d_row, s_row = demand[r], short[r]
            dv_row, sv_row = demand_value[r], short_value[r]
            for s in range(n_s):
                d_row[s] += nd[s]
                s_row[s] += sf[s]
                dv_row[s] += v * nd[s]
                sv_row[s] += v * sf[s]
        elif g == magnet:
            d_row, s_row = magnet_demand[r], magnet_short[r]
            for s in range(n_s):
                d_row[s] += nd[s]
                s_row[s] += sf[s]
        st_row = stock[r]
        inv = inv_in[i]
        for s in range(n_s):
            st_row[s] += inv[s]
    for o in range(inv_out.shape[0]):
        st_row = stock_out[row_out[o]]
        inv = inv_out[o]
        for s in range(n_s):
            st_row[s] += inv[s]
    for r in range(stock.shape[0]):
        for s in range(n_s):
            stock[r, s] += stock_out[r, s]


@_jit
def shortfall(need: np.ndarray, received: np.ndarray, used: np.ndarray, rounding: float,
              out: np.ndarray) -> None:
    """``need − max(received, used)``, zero where not above ``need × rounding``."""
    for i in range(need.shape[0]):
        for s in range(need.shape[1]):
            out[i, s] = _shortfall(need[i, s], received[i, s], used[i, s], rounding)


# ====================================================================== stockpiles, inputs of the month


@_jit
def release_sums(rows: np.ndarray, kc: np.ndarray, need: np.ndarray, received: np.ndarray,
                 inv_in: np.ndarray, recycled: np.ndarray, recycled_from: int,
                 has_recycled: bool, short: np.ndarray, total_short: np.ndarray,
                 total_need: np.ndarray) -> None:
    """Shortfall beyond own stock (and recycled supply) of in-slots ``rows``, ≥ 0, and its
    sums and the need's per (country, commodity) row ``kc`` (zeroed first)."""
    total_short[:] = 0.0
    total_need[:] = 0.0
    for j in range(rows.size):
        i = rows[j]
        r = kc[j]
        for s in range(need.shape[1]):
            nd = need[i, s]
            sh = nd - received[i, s] - inv_in[i, s]
            if has_recycled:
                sh -= recycled[i - recycled_from, s]
            sh = _max(sh, 0.0)
            short[j, s] = sh
            total_short[r, s] += sh
            total_need[r, s] += nd


@_jit
def release_apply(rows: np.ndarray, kc: np.ndarray, short: np.ndarray, share: np.ndarray,
                  received: np.ndarray, released: np.ndarray, track: bool) -> None:
    """``received[rows] += short × share[kc]`` (and ``released``, when tracked)."""
    for j in range(rows.size):
        i = rows[j]
        r = kc[j]
        for s in range(short.shape[1]):
            rel = short[j, s] * share[r, s]
            received[i, s] += rel
            if track:
                released[i, s] += rel


@_jit
def scaled_rows(base: np.ndarray, factor: np.ndarray, has_factor: bool, out: np.ndarray) -> None:
    """``out = base[:, None] × factor`` (or ``base[:, None]`` without a factor)."""
    for i in range(out.shape[0]):
        b = base[i]
        row = out[i]
        if has_factor:
            f = factor[i]
            for s in range(out.shape[1]):
                row[s] = b * f[s]
        else:
            for s in range(out.shape[1]):
                row[s] = b


@_jit
def fill_column(a: np.ndarray, rows: np.ndarray, s: int, value: float) -> None:
    """``a[rows, s] = value``."""
    for j in range(rows.size):
        a[rows[j], s] = value


@_jit
def scale_column(a: np.ndarray, rows: np.ndarray, s: int, factor: float) -> None:
    """``a[rows, s] *= factor``."""
    for j in range(rows.size):
        a[rows[j], s] *= factor


@_jit
def pool_rationing(t: float, ub: np.ndarray, spare: np.ndarray, ng: int,
                   pool_exists: np.ndarray, link_exists: np.ndarray, first: np.ndarray,
                   lead: np.ndarray, lead_zero: np.ndarray, has_lead_zero: bool,
                   blocked: np.ndarray, has_blocked: bool, rounding: float, tiny: float,
                   link: np.ndarray, scale: np.ndarray, fill: np.ndarray,
                   buyer_share: np.ndarray, pool_ratio: np.ndarray, pool_asked: np.ndarray,
                   residual: np.ndarray) -> bool:
    """Pooled proportional rationing of one rerouting group (``docs/model.md``).

    Per commodity g, scenario s, supplier country k and buyer country j: the lead-time link
    ``link = max(clip((t − first ask) / lead, 0, 1), baseline link)`` (0 where closed; the
    first-ask month is set where the buyer now asks an existing, open pool); buyers take
    ``scale_j = min(1, unmet_j / Σ_k spare_k link_kj)`` of every offer; pools fill
    ``fill_k = min(1, spare_k / (spare_k Σ_j link_kj scale_j))`` of what they are asked.
    ``ub``/``spare`` and the outputs ``buyer_share`` (received / unmet), ``pool_ratio`` (sold /
    spare), ``pool_asked`` are (country × ng + g, S) rows; ``residual`` (g, s, j) is what
    buyers still miss (zero below rounding). Returns whether any is missed.
    """
    cg, n_s, ks, kb = first.shape
    missed = False
    for g in range(cg):
        for s in range(n_s):
            for k in range(ks):
                pe = pool_exists[g, k]
                asks = False
                for j in range(kb):
                    closed = has_blocked and blocked[g, s, k, j]
                    if pe and ub[j * ng + g, s] > tiny and not closed:
                        asks = True
                        if first[g, s, k, j] > t:
                            first[g, s, k, j] = t
                    f = first[g, s, k, j]
                    v = _min(_max((t - f) / lead[s, k, j], 0.0), 1.0)
                    if has_lead_zero and lead_zero[s, k, j] and f <= t:
                        v = 1.0
                    v = _max(v, link_exists[g, k, j])
                    if closed:
                        v = 0.0
                    link[g, s, k, j] = v
                pool_asked[k * ng + g, s] = asks
            for j in range(kb):
                offered = 0.0
                for k in range(ks):
                    offered += spare[k * ng + g, s] * link[g, s, k, j]
                sc = ub[j * ng + g, s] / offered if offered > tiny else 0.0
                scale[g, s, j] = _min(sc, 1.0)
            for k in range(ks):
                asked = 0.0
                for j in range(kb):
                    asked += link[g, s, k, j] * scale[g, s, j]
                sp = spare[k * ng + g, s]
                asked *= sp
                fk = _min(sp / asked if asked > tiny else 0.0, 1.0)
                fill[g, s, k] = fk
                sold = asked * fk
                pool_ratio[k * ng + g, s] = sold / sp if sp > tiny else 0.0
            for j in range(kb):
                got = 0.0
                for k in range(ks):
                    got += (spare[k * ng + g, s] * fill[g, s, k]) * link[g, s, k, j]
                got *= scale[g, s, j]
                u = ub[j * ng + g, s]
                buyer_share[j * ng + g, s] = got / u if u > tiny else 0.0
                res = u - got
                res = res * (1.0 if res > _max(u * rounding, tiny) else 0.0)
                residual[g, s, j] = res
                if res != 0.0:
                    missed = True
    return missed


@_jit
def headroom_split(head: np.ndarray, ng: int, pool_exists: np.ndarray, residual: np.ndarray,
                   blocked: np.ndarray, has_blocked: bool, tiny: float,
                   ratio: np.ndarray) -> None:
    """Share of each pool's headroom signalled to plan more next month (``ratio`` rows).

    What buyers still miss is split over the open pools in proportion to their headroom
    (``head`` rows: Σ max(capacity − output, 0) per pool; pools without out-slots count 0).
    """
    cg, n_s, kb = residual.shape
    ks = pool_exists.shape[1]
    hk = np.empty(ks)
    per = np.empty(kb)
    for g in range(cg):
        for s in range(n_s):
            for k in range(ks):
                hk[k] = head[k * ng + g, s] * (1.0 if pool_exists[g, k] else 0.0)
            if not has_blocked:
                total = 0.0
                for k in range(ks):
                    total += hk[k]
                psum = 0.0
                for j in range(kb):
                    psum += residual[g, s, j] / total if total > tiny else 0.0
                for k in range(ks):
                    sig = hk[k] * psum
                    ratio[k * ng + g, s] = sig / hk[k] if hk[k] > tiny else 0.0
            else:
                for j in range(kb):
                    total = 0.0
                    for k in range(ks):
                        total += hk[k] * (0.0 if blocked[g, s, k, j] else 1.0)
                    per[j] = residual[g, s, j] / total if total > tiny else 0.0
                for k in range(ks):
                    acc = 0.0
                    for j in range(kb):
                        acc += (0.0 if blocked[g, s, k, j] else 1.0) * per[j]
                    sig = hk[k] * acc
                    ratio[k * ng + g, s] = sig / hk[k] if hk[k] > tiny else 0.0
