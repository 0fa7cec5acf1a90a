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
