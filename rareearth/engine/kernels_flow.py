"""Compiled passes of allocation and rerouting (MODEL.md §3 steps 3–4, proportional mode).

See :mod:`rareearth.engine.kernels` for the rules every kernel follows (same arithmetic as the
numpy it replaces, in the same order). Inputs that travel together come as the named tuples of
:mod:`rareearth.engine.bundles` and those defined here; an optional input or output is ``None``.

Examples
--------
>>> import numpy as np
>>> out = np.empty((1, 2))
>>> room(np.array([[5.0, 1.0]]), np.array([[3.0, 2.0]]), np.array([[0.5, 0.5]]), out), out
(True, array([[1., 0.]]))
"""

from __future__ import annotations

import numpy as np

from rareearth.engine.bundles import CSR, Cuts, Leontief
from rareearth.engine.kernel_base import _cut, _inline, _jit, _leontief, _max, _min, _unmet

__all__ = [
    "GroupLinks", "Pools", "Ration", "Sold", "StockDraw", "TakeSlots", "allocate_fill", "allocate_receive",
    "group_unmet", "headroom", "headroom_split", "input_limit", "pool_rationing",
    "receive_rerouted", "room", "signal", "spare", "take",
]

_ = _inline  # re-exported helpers are inlined where kernels use them


#: A stage's out-slot arrays that rerouted sales read and write (:func:`take`). Fields: ``(left,
#: target, room, beyond, extra_next, prod, asked)``.
TakeSlots = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


#: Out-slot → pool row (``prow``, −1: none), and per pool row the share of its spare sold
#: (``ratio``) and whether it was asked (``asked``). Fields: ``(prow, ratio, asked)``.
Pools = tuple[np.ndarray, np.ndarray, np.ndarray]


#: Where rerouted sales are tracked: the rerouted part of shipped, and shipped. Fields:
#: ``(rerouted_out, shipped)``.
Sold = tuple[np.ndarray, np.ndarray]


#: The stage's recipes and input stock: ramped output draws its inputs from the stock. Fields:
#: ``(recipe, inv_in, used)``.
StockDraw = tuple[Leontief, np.ndarray, np.ndarray]


#: One rerouting group's pools and links (``Structure.groups``) and its lead-time clock.  ``ng``
#: commodities; ``pool_exists`` (Cg, Ks), ``link_exists`` (Cg, Ks, Kb); ``first`` (Cg, S, Ks,
#: Kb) the month each pair was first asked (updated); ``lead`` (S, Ks, Kb).  Fields: ``(ng,
#: pool_exists, link_exists, first, lead)``.
GroupLinks = tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


#: Work and output arrays of :func:`pool_rationing` (see there). Fields: ``(link, scale, fill,
#: buyer_share, pool_ratio, pool_asked, residual)``.
Ration = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


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
def allocate_receive(fill_to_in: CSR, fill: np.ndarray, fed: np.ndarray, order: np.ndarray,
                     cut_row: np.ndarray, cuts: Cuts, received: np.ndarray) -> None:
    """Buyers' receipts: ``received[fed] += max((fill_to_in @ fill) × order[fed] − cuts, 0)``.

    ``cuts``: Σ over the buyer's restricted edges (``cut_row[jj] ≥ 0``, see
    :func:`~rareearth.engine.kernels_month.plan`) of the edge's cut × its supplier's fill, when
    ``cuts`` is on.
    """
    indptr, indices, data = fill_to_in
    has_cut, ptr, scenario, keep_of, allow_of, has_allow = cuts
    n_s = fill.shape[1]
    got = np.empty(n_s)
    cut_sum = np.empty(n_s)
    for f in range(fed.size):
        i = fed[f]
        got[:] = 0.0
        cut_sum[:] = 0.0
        for jj in range(indptr[f], indptr[f + 1]):
            a = data[jj]
            j = indices[jj]
            for s in range(n_s):
                got[s] += a * fill[j, s]
            r = cut_row[jj] if has_cut else -1
            if r >= 0:
                for q in range(ptr[r], ptr[r + 1]):
                    s = scenario[q]
                    cut_sum[s] += _cut(order[i, s] * a, keep_of[q], allow_of[q],
                                       has_allow) * fill[j, s]
        for s in range(n_s):
            g = got[s] * order[i, s]
            if has_cut:
                g -= cut_sum[s]
            received[i, s] += _max(g, 0.0)


# ====================================================================== rerouting


@_jit
def group_unmet(order: np.ndarray, received: np.ndarray, brow: np.ndarray, rounding: float,
                tiny: float, ub: np.ndarray) -> bool:
    """Buyers' unmet orders (``order − received`` above rounding) summed per (buyer country,
    commodity) row of ``ub`` (zeroed first). Returns whether any unmet is non-zero."""
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


@_jit
def input_limit(avail: np.ndarray, recipe: Leontief, out: np.ndarray, only_min: bool) -> None:
    """Leontief limit of each out-slot from ``avail`` (its stage's in-slots); with
    ``only_min``, ``out`` becomes ``min(out, limit)`` instead."""
    coef, index, i0 = recipe
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
                     tiny: float, received: np.ndarray, rerouted: np.ndarray | None,
                     rcv: np.ndarray | None) -> None:
    """``received += unmet × share[brow]`` (the unmet of :func:`group_unmet`, recomputed; also
    into ``rerouted`` and ``rcv`` when given)."""
    for i in range(order.shape[0]):
        b = brow[i]
        for s in range(order.shape[1]):
            rc = received[i, s]
            r = _unmet(order[i, s], rc, rounding, tiny) * (share[b, s] if b >= 0 else 0.0)
            received[i, s] = rc + r
            if rerouted is not None:
                rerouted[i, s] += r
            if rcv is not None:
                rcv[i, s] = r


@_jit
def take(out: TakeSlots, pools: Pools, draw: StockDraw | None, sold: Sold | None,
         sales: np.ndarray | None) -> None:
    """Book rerouted sales ``spare × ratio[prow]`` of a stage's out-slots (``Engine.take``).

    ``spare = max(left − target, 0) + room``, as :func:`spare` summed it. Sales come from
    unsold output above target first (what was made beyond orders goes first), then from ramp
    room: added to ``prod``, its inputs drawn from the input stock (``min(coef × extra,
    stock)`` per input in-slot, as ``use @ extra`` gives; ``draw`` None: mines, no inputs).
    Pools asked this month mark their out-slots in ``asked``. ``sold`` (when tracked) and
    ``sales`` (when given) get the sales.
    """
    left, target, room, beyond, extra_next, prod, asked = out
    prow, ratio, pool_asked = pools
    for o in range(left.shape[0]):
        p = prow[o]
        tg = target[o]
        for s in range(left.shape[1]):
            lf = left[o, s]
            excess = _max(lf - tg, 0.0)
            rm = room[o, s]
            t = (excess + rm) * (ratio[p, s] if p >= 0 else 0.0)
            if sales is not None:
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
            if draw is not None and fr != 0.0:
                recipe, inv_in, used = draw
                coef, index, i0 = recipe
                n_i = inv_in.shape[0]
                for w in range(index.shape[1]):
                    i = index[o, w] - i0
                    if 0 <= i < n_i and coef[i] > 0.0:
                        e = _min(coef[i] * fr, inv_in[i, s])
                        inv_in[i, s] -= e
                        used[i, s] += e
            if sold is not None:
                amount = fl + fr
                sold[0][o, s] += amount
                sold[1][o, s] += amount
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


@_inline
def _col_sums(w: np.ndarray, m: np.ndarray, out: np.ndarray) -> None:
    """``out[j] = Σ_k w[k] × m[k, j]``, each sum in order of k from 0.0 (four columns at a
    time: independent chains in registers)."""
    ks, kb = m.shape
    j = 0
    while j + 4 <= kb:
        a0 = 0.0
        a1 = 0.0
        a2 = 0.0
        a3 = 0.0
        for k in range(ks):
            x = w[k]
            a0 += x * m[k, j]
            a1 += x * m[k, j + 1]
            a2 += x * m[k, j + 2]
            a3 += x * m[k, j + 3]
        out[j] = a0
        out[j + 1] = a1
        out[j + 2] = a2
        out[j + 3] = a3
        j += 4
    while j < kb:
        a = 0.0
        for k in range(ks):
            a += w[k] * m[k, j]
        out[j] = a
        j += 1


@_inline
def _row_sums(m: np.ndarray, v: np.ndarray, out: np.ndarray) -> None:
    """``out[k] = Σ_j m[k, j] × v[j]``, each sum in order of j from 0.0 (four rows at a
    time)."""
    ks, kb = m.shape
    k = 0
    while k + 4 <= ks:
        a0 = 0.0
        a1 = 0.0
        a2 = 0.0
        a3 = 0.0
        for j in range(kb):
            x = v[j]
            a0 += m[k, j] * x
            a1 += m[k + 1, j] * x
            a2 += m[k + 2, j] * x
            a3 += m[k + 3, j] * x
        out[k] = a0
        out[k + 1] = a1
        out[k + 2] = a2
        out[k + 3] = a3
        k += 4
    while k < ks:
        a = 0.0
        for j in range(kb):
            a += m[k, j] * v[j]
        out[k] = a
        k += 1


@_jit
def pool_rationing(t: float, links: GroupLinks, ub: np.ndarray, spare: np.ndarray,
                   lead_zero: np.ndarray | None, blocked: np.ndarray | None, rounding: float,
                   tiny: float, work: Ration) -> bool:
    """Pooled proportional rationing of one rerouting group (``docs/model.md``).

    Per commodity g, scenario s, supplier country k and buyer country j: the lead-time link
    ``link = max(clip((t − first ask) / lead, 0, 1), baseline link)`` (0 where ``blocked``; 1
    once asked where ``lead_zero``; the first-ask month is set where the buyer now asks an
    existing, open pool); buyers take ``scale_j = min(1, unmet_j / Σ_k spare_k link_kj)`` of
    every offer; pools fill ``fill_k = min(1, spare_k / (spare_k Σ_j link_kj scale_j))`` of what
    they are asked. ``ub``/``spare`` and the outputs ``buyer_share`` (received / unmet),
    ``pool_ratio`` (sold / spare), ``pool_asked`` are (country × ng + g, S) rows; ``residual``
    (g, s, j) is what buyers still miss (zero below rounding). Returns whether any is missed.
    """
    ng, pool_exists, link_exists, first, lead = links
    link, scale, fill, buyer_share, pool_ratio, pool_asked, residual = work
    cg, n_s, ks, kb = first.shape
    per_j = np.empty(kb)
    per_k = np.empty(ks)
    w_k = np.empty(ks)
    missed = False
    for g in range(cg):
        for s in range(n_s):
            for k in range(ks):
                pe = pool_exists[g, k]
                asks = False
                for j in range(kb):
                    if blocked is not None and blocked[g, s, k, j]:
                        link[g, s, k, j] = 0.0  # closed: 0 whatever the clock says
                        continue
                    if pe and ub[j * ng + g, s] > tiny:
                        asks = True
                        if first[g, s, k, j] > t:
                            first[g, s, k, j] = t
                    f = first[g, s, k, j]
                    d = t - f
                    ld = lead[s, k, j]
                    if 0.0 < ld < np.inf and d <= 0.0:
                        v = 0.0  # what the clip gives: d / ld ≤ 0 (not yet asked: −inf)
                    elif 0.0 < ld < np.inf and d >= ld:
                        v = 1.0  # d / ld ≥ 1 (rounding is monotone)
                    else:
                        v = _min(_max(d / ld, 0.0), 1.0)
                    if lead_zero is not None and lead_zero[s, k, j] and f <= t:
                        v = 1.0
                    link[g, s, k, j] = _max(v, link_exists[g, k, j])
                pool_asked[k * ng + g, s] = asks
            # the sums over a country axis: each in order from 0.0, as one loop after another
            # would add them (:func:`_col_sums`, :func:`_row_sums`: the same bits, faster)
            lk = link[g, s]
            for k in range(ks):
                w_k[k] = spare[k * ng + g, s]
            _col_sums(w_k, lk, per_j)
            for j in range(kb):
                offered = per_j[j]
                sc = ub[j * ng + g, s] / offered if offered > tiny else 0.0
                scale[g, s, j] = _min(sc, 1.0)
            _row_sums(lk, scale[g, s], per_k)
            for k in range(ks):
                asked = per_k[k]
                sp = spare[k * ng + g, s]
                asked *= sp
                fk = _min(sp / asked if asked > tiny else 0.0, 1.0)
                fill[g, s, k] = fk
                sold = asked * fk
                pool_ratio[k * ng + g, s] = sold / sp if sp > tiny else 0.0
            for k in range(ks):
                w_k[k] = spare[k * ng + g, s] * fill[g, s, k]
            _col_sums(w_k, lk, per_j)
            for j in range(kb):
                got = per_j[j]
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
                   blocked: np.ndarray | None, tiny: float, ratio: np.ndarray) -> None:
    """Share of each pool's headroom signalled to plan more next month (``ratio`` rows).

    What buyers still miss is split over the open pools in proportion to their headroom
    (``head`` rows: Σ max(capacity − output, 0) per pool; pools without out-slots count 0).
    """
    cg, n_s, kb = residual.shape
    ks = pool_exists.shape[1]
    hk = np.empty(ks)
    per = np.empty(kb)
    tot = np.empty(kb)
    acc_k = np.empty(ks)
    open_ = np.empty((ks, kb))
    for g in range(cg):
        for s in range(n_s):
            for k in range(ks):
                hk[k] = head[k * ng + g, s] * (1.0 if pool_exists[g, k] else 0.0)
            if blocked is None:
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
                # each sum over its axis in order from 0.0 (as in pool_rationing)
                for k in range(ks):
                    for j in range(kb):
                        open_[k, j] = 0.0 if blocked[g, s, k, j] else 1.0
                _col_sums(hk, open_, tot)
                for j in range(kb):
                    total = tot[j]
                    per[j] = residual[g, s, j] / total if total > tiny else 0.0
                _row_sums(open_, per, acc_k)
                for k in range(ks):
                    sig = hk[k] * acc_k[k]
                    ratio[k * ng + g, s] = sig / hk[k] if hk[k] > tiny else 0.0
