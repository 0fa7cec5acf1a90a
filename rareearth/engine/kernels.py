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

__all__ = ["allocate_fill", "allocate_receive", "restricted_cuts"]

_jit = numba.njit(cache=True, nogil=True, boundscheck=False)


@_jit
def _max(a: float, b: float) -> float:
    return a if (a >= b or a != a) else b


@_jit
def _min(a: float, b: float) -> float:
    return a if (a <= b or a != a) else b


def csr(m: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The CSR arrays of a scipy CSR matrix (indices as int64, data as float64)."""
    return (m.indptr.astype(np.int64), m.indices.astype(np.int64), m.data.astype(np.float64))


# ====================================================================== allocation


@_jit
def restricted_cuts(order: np.ndarray, tgt: np.ndarray, share: np.ndarray, src: np.ndarray,
                    dst: np.ndarray, keep: np.ndarray, allow: np.ndarray, has_allow: bool,
                    fill: np.ndarray, use_fill: bool, acc: np.ndarray) -> None:
    """Sum the cuts of restricted (edge, scenario) entries into ``acc`` rows (zeroed first).

    Entry (r, s) is restricted when ``keep[r, s] < 1`` or its quota allowance is finite. Its
    cut is ``ordered × (1 − keep)``, or ``ordered − keep × min(ordered, allowance)`` with a quota,
    where ``ordered = order[tgt[r], s] × share[r]``; times its supplier's ``fill[src[r], s]`` when
    ``use_fill``. It is added to ``acc[dst[r], s]`` in (r, s) order, as ``np.bincount`` over the
    flat entries adds.
    """
    acc[:] = 0.0
    n_s = acc.shape[1]
    for r in range(keep.shape[0]):
        t = tgt[r]
        w = share[r]
        a_src = src[r]
        a_dst = dst[r]
        for s in range(n_s):
            k = keep[r, s]
            if has_allow:
                q = allow[r, s]
                if not (k < 1.0 or np.isfinite(q)):
                    continue
                ordered = order[t, s] * w
                cut = ordered - k * _min(ordered, q)
            else:
                if not k < 1.0:
                    continue
                ordered = order[t, s] * w
                cut = ordered * (1.0 - k)
            if use_fill:
                cut *= fill[a_src, s]
            acc[a_dst, s] += cut


@_jit
def allocate_fill(supply_a: np.ndarray, supply_b: np.ndarray, total: np.ndarray,
                  cut: np.ndarray, has_cut: bool, tiny: float, fill: np.ndarray,
                  shipped: np.ndarray, left: np.ndarray) -> None:
    """Per out-slot: supply, fill rate and what ships (``allocate``'s out-slot passes).

    ``total`` (Σ share × order, in place) loses the restricted cuts ``cut`` (then ≥ 0);
    ``fill = min(1, supply / total)`` where ``total > tiny``, else 1; ``shipped = fill × total``;
    ``left = max(supply − shipped, 0)`` with ``supply = supply_a + supply_b``.
    """
    for o in range(total.shape[0]):
        for s in range(total.shape[1]):
            tot = total[o, s]
            if has_cut:
                tot = _max(tot - cut[o, s], 0.0)
                total[o, s] = tot
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
                     fill: np.ndarray, fed: np.ndarray, order: np.ndarray, cut: np.ndarray,
                     has_cut: bool, received: np.ndarray) -> None:
    """Buyers' receipts: ``received[fed] += max((fill_to_in @ fill) × order[fed] − cut, 0)``."""
    n_s = fill.shape[1]
    got = np.empty(n_s)
    for f in range(fed.size):
        got[:] = 0.0
        for jj in range(indptr[f], indptr[f + 1]):
            a = data[jj]
            j = indices[jj]
            for s in range(n_s):
                got[s] += a * fill[j, s]
        i = fed[f]
        for s in range(n_s):
            g = got[s] * order[i, s]
            if has_cut:
                g -= cut[f, s]
            received[i, s] += _max(g, 0.0)


# ====================================================================== rerouting


def agg_rows(m: Any) -> np.ndarray:
    """Row of each column of an aggregation matrix with at most one 1 per column (−1: none)."""
    coo = m.tocoo()
    assert np.all(coo.data == 1.0) and np.bincount(coo.col, minlength=m.shape[1]).max(initial=0) <= 1
    rows = np.full(m.shape[1], -1, dtype=np.int64)
    rows[coo.col] = coo.row
    return rows


@_jit
def group_unmet(order: np.ndarray, received: np.ndarray, brow: np.ndarray, rounding: float,
                tiny: float, unmet: np.ndarray, ub: np.ndarray) -> bool:
    """Buyers' unmet orders and their sums per (buyer country, commodity) row of ``ub``.

    ``unmet = order − received``, zero where it is not above ``max(order × rounding, tiny)``;
    ``ub[brow[i]] += unmet[i]`` (zeroed first). Returns whether any unmet is non-zero.
    """
    ub[:] = 0.0
    anything = False
    for i in range(order.shape[0]):
        b = brow[i]
        for s in range(order.shape[1]):
            o = order[i, s]
            u = o - received[i, s]
            fl = _max(o * rounding, tiny)
            u = u * (1.0 if u > fl else 0.0)
            unmet[i, s] = u
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
def input_limit(avail: np.ndarray, coef: np.ndarray, index: np.ndarray, i0: int,
                out: np.ndarray, only_min: bool) -> None:
    """Leontief limit: ``min over o's inputs i of avail[i − i0] / coef[i − i0]``.

    ``index[o]`` lists the in-slots of out-slot ``o`` (entries outside ``[i0, i0 + len(avail))``,
    or with a zero coefficient, are no limit: +inf). With ``only_min``, ``out`` becomes
    ``min(out, limit)`` instead.
    """
    n_i = avail.shape[0]
    n_s = avail.shape[1]
    width = index.shape[1]
    for o in range(index.shape[0]):
        for s in range(n_s):
            m = np.inf
            for w in range(width):
                i = index[o, w] - i0
                if i < 0 or i >= n_i or not coef[i] > 0.0:
                    r = np.inf
                else:
                    r = avail[i, s] / coef[i]
                if w == 0:
                    m = r
                else:
                    m = _min(m, r)
            out[o, s] = _min(out[o, s], m) if only_min else m


@_jit
def spare(left: np.ndarray, target: np.ndarray, room: np.ndarray, excess: np.ndarray,
          spare_out: np.ndarray, prow: np.ndarray, pools: np.ndarray) -> None:
    """``excess = max(left − target, 0)``, ``spare = excess + room``, summed into pool rows."""
    pools[:] = 0.0
    for o in range(left.shape[0]):
        p = prow[o]
        tg = target[o]
        for s in range(left.shape[1]):
            e = _max(left[o, s] - tg, 0.0)
            excess[o, s] = e
            v = e + room[o, s]
            spare_out[o, s] = v
            if p >= 0:
                pools[p, s] += v


@_jit
def pool_sum(x: np.ndarray, prow: np.ndarray, pools: np.ndarray) -> None:
    """``pools[prow[o]] += x[o]`` (zeroed first): the aggregation ``pool_agg @ x``."""
    pools[:] = 0.0
    for o in range(x.shape[0]):
        p = prow[o]
        if p < 0:
            continue
        for s in range(x.shape[1]):
            pools[p, s] += x[o, s]


@_jit
def receive_rerouted(unmet: np.ndarray, brow: np.ndarray, share: np.ndarray,
                     received: np.ndarray, rerouted: np.ndarray, track: bool) -> None:
    """``unmet ×= share[brow]``, then ``received += unmet`` (and ``rerouted``, when tracked)."""
    for i in range(unmet.shape[0]):
        b = brow[i]
        for s in range(unmet.shape[1]):
            r = unmet[i, s] * (share[b, s] if b >= 0 else 0.0)
            unmet[i, s] = r
            received[i, s] += r
            if track:
                rerouted[i, s] += r


@_jit
def take(spare: np.ndarray, prow: np.ndarray, ratio: np.ndarray, pool_asked: np.ndarray,
         excess: np.ndarray, left: np.ndarray, beyond: np.ndarray, extra_next: np.ndarray,
         room: np.ndarray, prod: np.ndarray, asked: np.ndarray, from_room: np.ndarray,
         sold_out: np.ndarray, shipped: np.ndarray, track: bool) -> bool:
    """Book rerouted sales ``spare × ratio[prow]`` of a stage's out-slots (``Engine.take``).

    From unsold output above target first (``excess``; what was made beyond orders goes
    first), then from ramp room (``from_room``, added to ``prod``). Pools asked this month mark
    their out-slots in ``asked``; ``spare`` becomes the sales. Returns whether anything came
    from room.
    """
    anything = False
    for o in range(spare.shape[0]):
        p = prow[o]
        for s in range(spare.shape[1]):
            t = spare[o, s] * (ratio[p, s] if p >= 0 else 0.0)
            spare[o, s] = t
            fl = _min(t, excess[o, s])
            left[o, s] -= fl
            sb = _min(fl, beyond[o, s])
            beyond[o, s] -= sb
            extra_next[o, s] += sb
            fr = _max(t - fl, 0.0)
            fr = _min(fr, room[o, s])
            if fr != 0.0:
                anything = True
            room[o, s] -= fr
            prod[o, s] += fr
            extra_next[o, s] += fr
            from_room[o, s] = fr
            if track:
                sold = fl + fr
                sold_out[o, s] += sold
                shipped[o, s] += sold
            if p >= 0 and pool_asked[p, s]:
                asked[o, s] = True
    return anything


@_jit
def use_extra(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, extra: np.ndarray,
              inv_in: np.ndarray, used: np.ndarray) -> None:
    """Inputs of extra output: ``e = min(use @ extra, inv_in)``; ``inv_in −= e``, ``used += e``."""
    n_s = extra.shape[1]
    acc = np.empty(n_s)
    for i in range(inv_in.shape[0]):
        acc[:] = 0.0
        for jj in range(indptr[i], indptr[i + 1]):
            a = data[jj]
            j = indices[jj]
            for s in range(n_s):
                acc[s] += a * extra[j, s]
        for s in range(n_s):
            e = _min(acc[s], inv_in[i, s])
            inv_in[i, s] -= e
            used[i, s] += e


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
