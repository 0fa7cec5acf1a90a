"""Shared pieces of the compiled kernels: the jit decorators and per-element helpers.

``_max``/``_min`` are numpy's ``maximum``/``minimum`` (NaN propagates); the ``_inline`` helpers
are inlined into the kernels that call them (:mod:`rareearth.engine.kernels`). A kernel module
that inlines a helper from here keeps its numba cache when only this module changes: clear
``__pycache__`` after editing a helper.

Examples
--------
>>> _max(1.0, 2.0), _min(1.0, 2.0)
(2.0, 1.0)
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.sparse as sp

__all__ = ["agg_rows"]

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


def agg_rows(m: sp.spmatrix | sp.sparray) -> np.ndarray:
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
def _cut(ordered: float, keep: float, allow: float, has_allow: bool) -> float:
    """What a restriction (``keep``) and a quota (``allow``) take off an edge's order."""
    if has_allow:
        return ordered - keep * _min(ordered, allow)
    return ordered * (1.0 - keep)
