"""The engine's compiled kernels against the numpy expressions they replace.

Each kernel claims to compute what a numpy/scipy expression computes, operation by operation
(sums in CSR order). These tests write that expression out on random arrays, with zeros, ties
and empty rows among them, and compare bit for bit (``assert_array_equal``) where the order of
operations is the same, and to rounding where the numpy form sums in another order.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from rareearth.engine import kernels
from rareearth.engine.core import staggered

S = 7
ROUNDING = 1e-10
TINY = 1e-12


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


def values(rng: np.random.Generator, *shape: int, zeros: float = 0.3) -> np.ndarray:
    """Non-negative values with a share of exact zeros (where kernels branch)."""
    x = rng.random(shape) * 10.0
    x[rng.random(shape) < zeros] = 0.0
    return x


def csr(rng: np.random.Generator, rows: int, cols: int, density: float = 0.3) -> sp.csr_matrix:
    m = sp.random(rows, cols, density=density, format="csr", random_state=rng)
    m.sort_indices()
    return m


def active_entries(keep: np.ndarray, allow: np.ndarray,
                   quota: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The kernels' list of the entries that cut anything (buffers grown until they fit)."""
    size = 1
    while True:
        ptr = np.zeros(keep.shape[0] + 1, np.int64)
        lists = (np.empty(size, np.int64), np.empty(size), np.empty(size))
        if kernels.active_entries(keep, allow if quota else None, ptr, *lists) >= 0:
            return (ptr, *lists)
        size *= 2


def test_active_entries_list_what_cuts_in_scenario_order(rng: np.random.Generator) -> None:
    keep = np.where(rng.random((5, S)) < 0.5, rng.random((5, S)), 1.0)
    allow = np.where(rng.random((5, S)) < 0.3, rng.random((5, S)), np.inf)
    for quota in (False, True):
        ptr, scenario, keep_of, allow_of = active_entries(keep, allow, quota)
        for r in range(5):
            cuts = keep[r] < 1.0
            if quota:
                cuts |= np.isfinite(allow[r])
            q = slice(ptr[r], ptr[r + 1])
            assert_array_equal(scenario[q], np.flatnonzero(cuts))
            assert_array_equal(keep_of[q], keep[r, cuts])
            assert_array_equal(allow_of[q], allow[r, cuts] if quota else np.inf)


def test_min_max_are_numpys_minimum_and_maximum() -> None:
    a = np.array([1.0, 2.0, np.nan, 0.0, -0.0, np.inf, 3.0, np.nan])
    b = np.array([2.0, 1.0, 1.0, -0.0, 0.0, 1.0, np.nan, np.nan])

    @kernels.numba.njit
    def both(a: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        for i in range(a.size):
            lo[i] = kernels._min(a[i], b[i])
            hi[i] = kernels._max(a[i], b[i])

    lo, hi = np.empty_like(a), np.empty_like(a)
    both(a, b, lo, hi)
    assert_array_equal(lo, np.minimum(a, b))
    assert_array_equal(hi, np.maximum(a, b))
    # signed zeros too: numpy keeps the first argument on ties
    assert_array_equal(np.signbit(lo), np.signbit(np.minimum(a, b)))
    assert_array_equal(np.signbit(hi), np.signbit(np.maximum(a, b)))


@pytest.mark.parametrize("quota", [False, True])
def test_plan_matches_the_backward_pass_in_numpy(rng: np.random.Generator, quota: bool) -> None:
    n_out, n_in = 9, 14
    a = csr(rng, n_out, n_in)
    order = values(rng, n_in, S)
    cap, ramp, extra, added = (values(rng, n_out, S) for _ in range(4))
    target, inv = values(rng, n_out), values(rng, n_out, S)
    # every third stored entry is a restricted edge with its own keep / allowance row
    rows = np.where(np.arange(a.nnz) % 3 == 0, np.arange(a.nnz) // 3, -1).astype(np.int64)
    n_r = int(rows.max()) + 1
    keep = rng.random((n_r, S))
    keep[rng.random((n_r, S)) < 0.4] = 1.0
    allow = np.where(rng.random((n_r, S)) < 0.5, rng.random((n_r, S)), np.inf)
    # the kernel runs over the transpose (buyer rows): the same entries, in its order
    row_of = np.full((n_out, n_in), -1, dtype=np.int64)
    coo = a.tocoo()  # canonical CSR: coo order is the stored order
    row_of[coo.row, coo.col] = rows
    by_buyer = a.T.tocsr()
    by_buyer.sort_indices()
    t = by_buyer.tocoo()
    ordered, total, plan, cuts = (np.empty((n_out, S)) for _ in range(4))
    active = active_entries(keep, allow if quota else np.zeros((0, S)), quota)
    kernels.plan(kernels.csr(by_buyer), order,
                 (cap, ramp, extra, added, target, inv), 1.0 / 6.0,
                 row_of[t.col, t.row], (True, *active, quota),
                 (cuts, ordered, total, plan))

    want_ordered = a @ order
    assert_array_equal(ordered, want_ordered)
    p = np.maximum(cap - want_ordered, 0.0) * ramp
    p = np.minimum(p, extra) + want_ordered + added + (target[:, None] - inv) * (1.0 / 6.0)
    assert_array_equal(plan, np.minimum(np.maximum(p, 0.0), cap))
    # cuts as the allocation computed them before: per restricted entry, summed by bincount
    sel = rows >= 0
    ordered_e = order[coo.col[sel]] * coo.data[sel, None]
    k, q = keep[rows[sel]], allow[rows[sel]]
    cut = ordered_e - k * np.minimum(ordered_e, q) if quota else ordered_e * (1.0 - k)
    sums = np.zeros((n_out, S))
    np.add.at(sums, coo.row[sel], cut)
    assert_array_equal(total, np.maximum(want_ordered - sums, 0.0))


def test_allocation_passes_match_numpy(rng: np.random.Generator) -> None:
    n_out, n_fed = 6, 11
    prod, inv, total = values(rng, n_out, S), values(rng, n_out, S), values(rng, n_out, S)
    fill, shipped, left = (np.empty((n_out, S)) for _ in range(3))
    kernels.allocate_fill(prod, inv, total, TINY, fill, shipped, left)
    supply = prod + inv
    want = np.ones((n_out, S))
    np.divide(supply, total, out=want, where=total > TINY)
    want = np.minimum(want, 1.0)
    assert_array_equal(fill, want)
    assert_array_equal(shipped, want * total)
    assert_array_equal(left, np.maximum(supply - want * total, 0.0))

    a = csr(rng, n_fed, n_out, 0.5)
    fed = np.sort(rng.choice(20, n_fed, replace=False)).astype(np.int64)
    order = values(rng, 20, S)
    received = values(rng, 20, S)
    before = received.copy()
    kernels.allocate_receive(kernels.csr(a), fill, fed, order, np.full(a.nnz, -1, np.int64),
                             kernels.NO_CUTS, received)
    expect = before.copy()
    expect[fed] += np.maximum((a @ fill) * order[fed], 0.0)
    assert_array_equal(received, expect)


def test_leontief_limit_takes_the_scarcest_input(rng: np.random.Generator) -> None:
    i0, n_i = 100, 8
    avail = values(rng, n_i, S)
    coef = np.array([2.0, 0.5, 0.0, 1.0, 4.0, 1.0, 3.0, 1.0])
    # out-slot 0: inputs 0, 1; out-slot 1: input 2 (zero coefficient: no limit) and a sentinel;
    # out-slot 2: inputs 3..7 with one outside the range
    index = np.array([[100, 101, -1, -1, -1], [102, 999, -1, -1, -1],
                      [103, 104, 105, 106, 107]], dtype=np.int64)
    index[index < 0] = 999  # the structure's "no input" sentinel is n_in
    out = np.empty((3, S))
    kernels.input_limit(avail, (coef, index, i0), out, False)
    ratio = np.full((n_i, S), np.inf)
    np.divide(avail, coef[:, None], out=ratio, where=coef[:, None] > 0)
    assert_array_equal(out[0], np.minimum(ratio[0], ratio[1]))
    assert np.isinf(out[1]).all()
    assert_array_equal(out[2], ratio[3:8].min(axis=0))
    # the in-place form is min(out, limit)
    cur = values(rng, 3, S)
    want = np.minimum(cur, out)
    kernels.input_limit(avail, (coef, index, i0), cur, True)
    assert_array_equal(cur, want)


def numpy_rationing(t: float, ub: np.ndarray, sp_: np.ndarray, pool_exists: np.ndarray,
                    link_exists: np.ndarray, first: np.ndarray, lead: np.ndarray,
                    blocked: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """The rationing as the engine wrote it in numpy before the kernel (arrays (Cg, S, …))."""
    intent = pool_exists[:, None, :, None] & (ub > TINY)[:, :, None, :]
    if blocked is not None:
        intent &= ~blocked
    newly = intent & (first > t)
    first[newly] = t
    link = np.clip((t - first) / lead[None], 0.0, 1.0)
    link = np.maximum(link, link_exists[:, None])
    if blocked is not None:
        link[blocked] = 0.0
    offered = np.matmul(sp_[:, :, None, :], link)[:, :, 0, :]
    scale = np.minimum(np.divide(ub, offered, out=np.zeros_like(ub), where=offered > TINY), 1.0)
    asked = np.matmul(link, scale[:, :, :, None])[:, :, :, 0] * sp_
    fk = np.minimum(np.divide(sp_, asked, out=np.zeros_like(sp_), where=asked > TINY), 1.0)
    sold = asked * fk
    got = np.matmul((sp_ * fk)[:, :, None, :], link)[:, :, 0, :] * scale
    g_buyer = np.divide(got, ub, out=np.zeros_like(got), where=ub > TINY)
    r_pool = np.divide(sold, sp_, out=np.zeros_like(sold), where=sp_ > TINY)
    residual = ub - got
    residual *= residual > np.maximum(ub * ROUNDING, TINY)
    return g_buyer, r_pool, intent.any(axis=3), residual, link


@pytest.mark.parametrize("closed", [False, True])
def test_pool_rationing_matches_the_numpy_rationing(rng: np.random.Generator,
                                                     closed: bool) -> None:
    cg, ks, kb, t = 2, 4, 5, 3.0
    ub = values(rng, cg, S, kb)
    sp_ = values(rng, cg, S, ks)
    pool_exists = rng.random((cg, ks)) < 0.8
    link_exists = (rng.random((cg, ks, kb)) < 0.3).astype(float)
    first = np.where(rng.random((cg, S, ks, kb)) < 0.5, rng.integers(0, 4, (cg, S, ks, kb)),
                     np.inf)
    lead = rng.integers(1, 6, (S, ks, kb)).astype(float)
    blocked = rng.random((cg, S, ks, kb)) < 0.3 if closed else None
    first_np = first.copy()
    want = numpy_rationing(t, ub, sp_, pool_exists, link_exists, first_np, lead, blocked)

    # the kernel's layout: (country × Cg + g, S) rows
    ub_rows = np.ascontiguousarray(ub.transpose(2, 0, 1).reshape(kb * cg, S))
    sp_rows = np.ascontiguousarray(sp_.transpose(2, 0, 1).reshape(ks * cg, S))
    link, scale, fk, residual = (np.empty((cg, S, ks, kb)), np.empty((cg, S, kb)),
                                 np.empty((cg, S, ks)), np.empty((cg, S, kb)))
    g_buyer, r_pool = np.empty((kb * cg, S)), np.empty((ks * cg, S))
    asked = np.empty((ks * cg, S), dtype=bool)
    kernel_first = first.copy()
    missed = kernels.pool_rationing(
        t, (cg, pool_exists, link_exists, kernel_first, lead), ub_rows, sp_rows,
        None, blocked, ROUNDING, TINY,
        (link, scale, fk, g_buyer, r_pool, asked, residual))

    def rows(x: np.ndarray, k: int) -> np.ndarray:
        return x.transpose(2, 0, 1).reshape(k * cg, S)

    assert_array_equal(link, want[4])
    # numpy's matmul may sum in another order: equal to rounding
    assert_allclose(g_buyer, rows(want[0], kb), rtol=1e-12, atol=1e-15)
    assert_allclose(r_pool, rows(want[1], ks), rtol=1e-12, atol=1e-15)
    assert_array_equal(asked, rows(want[2], ks))
    assert_allclose(residual, want[3], rtol=1e-9, atol=1e-12)
    assert missed == bool(want[3].any())
    assert_array_equal(kernel_first, first_np)  # the first-ask month set where newly asked


def test_country_sums_match_the_sparse_aggregation(rng: np.random.Generator) -> None:
    n_in, n_out, rows_n = 12, 5, 4
    row_in = rng.integers(0, rows_n, n_in).astype(np.int64)
    stage_in = rng.integers(2, 5, n_in).astype(np.int64)  # 3 = magnet, 4 = end use
    value = rng.random(n_in) * 100
    row_out = rng.integers(0, rows_n, n_out).astype(np.int64)
    need, short, inv_in = values(rng, n_in, S), values(rng, n_in, S), values(rng, n_in, S)
    inv_out = values(rng, n_out, S)
    out = [np.full((rows_n, S), np.nan) for _ in range(8)]
    kernels.country_sums((row_in, stage_in, value, row_out, 4, 3, out[7]),
                         need, short, inv_in, inv_out, tuple(out[:7]))

    def agg(mask: np.ndarray, rows: np.ndarray, weight: np.ndarray | None = None) -> sp.csr_matrix:
        cols = np.flatnonzero(mask)
        vals = np.ones(cols.size) if weight is None else weight[cols]
        return sp.csr_matrix((vals, (rows[cols], cols)), shape=(rows_n, mask.size))

    end, magnet = stage_in == 4, stage_in == 3
    assert_array_equal(out[0], agg(end, row_in) @ need)
    assert_array_equal(out[1], agg(end, row_in) @ short)
    assert_array_equal(out[2], agg(end, row_in, value) @ need)
    assert_array_equal(out[3], agg(end, row_in, value) @ short)
    assert_array_equal(out[4], agg(magnet, row_in) @ need)
    assert_array_equal(out[5], agg(magnet, row_in) @ short)
    stock = (agg(np.ones(n_in, bool), row_in) @ inv_in
             + agg(np.ones(n_out, bool), row_out) @ inv_out)
    assert_array_equal(out[6], stock)


def test_staggered_arrays_are_contiguous_and_spread_over_cache_sets() -> None:
    arrays = [staggered(300, 100, i) for i in range(8)]
    for a in arrays:
        assert a.shape == (300, 100) and a.flags.c_contiguous and a.dtype == np.float64
        a[...] = 1.0  # the whole view is writable memory
    offsets = {a.ctypes.data % 4096 for a in arrays}
    assert len(offsets) == len(arrays)
    assert all(off % 64 == 0 for off in offsets)
    flags = staggered(10, 3, 5, bool)
    assert flags.dtype == np.bool_ and flags.shape == (10, 3)


def test_take_books_sales_as_the_numpy_form_did(rng: np.random.Generator) -> None:
    n_out, n_pools, width, i0 = 8, 3, 2, 50
    left, room, beyond, extra_next, prod = (values(rng, n_out, S) for _ in range(5))
    target = values(rng, n_out)
    prow = rng.integers(-1, n_pools, n_out).astype(np.int64)
    ratio = rng.random((n_pools, S))
    asked_pools = rng.random((n_pools, S)) < 0.5
    coef = rng.random(n_out * width) + 0.1
    index = (i0 + np.arange(n_out * width)).reshape(n_out, width).astype(np.int64)
    inv_in, used = values(rng, n_out * width, S), values(rng, n_out * width, S)

    # the numpy form (Engine.spare / Engine.take before the kernels)
    excess = np.maximum(left - target[:, None], 0.0)
    spare = excess + room
    sale = spare * np.where(prow[:, None] >= 0, ratio[np.maximum(prow, 0)], 0.0)
    from_left = np.minimum(sale, excess)
    sold_beyond = np.minimum(from_left, beyond)
    from_room = np.minimum(np.maximum(sale - from_left, 0.0), room)
    use = sp.csr_matrix((coef, (np.arange(n_out * width), np.repeat(np.arange(n_out), width))))
    extra_use = np.minimum(use @ from_room, inv_in)
    want = {
        "left": left - from_left, "beyond": beyond - sold_beyond, "room": room - from_room,
        "extra_next": extra_next + sold_beyond + from_room, "prod": prod + from_room,
        "inv_in": inv_in - extra_use, "used": used + extra_use,
    }
    pools = np.empty((n_pools, S))
    kernels.spare(left, target, room, prow, pools)
    expect_pools = np.zeros((n_pools, S))
    np.add.at(expect_pools, prow[prow >= 0], spare[prow >= 0])
    assert_array_equal(pools, expect_pools)

    asked = np.zeros((n_out, S), dtype=bool)
    sold, shipped, sales = np.zeros((n_out, S)), np.zeros((n_out, S)), np.empty((n_out, S))
    kernels.take((left, target, room, beyond, extra_next, prod, asked),
                 (prow, ratio, asked_pools),
                 ((coef, index, i0), inv_in, used),
                 (sold, shipped), sales)
    got = {"left": left, "beyond": beyond, "room": room, "extra_next": extra_next,
           "prod": prod, "inv_in": inv_in, "used": used}
    for key, value in want.items():
        assert_array_equal(got[key], value, err_msg=key)
    assert_array_equal(sales, sale)
    assert_array_equal(sold, from_left + from_room)
    assert_array_equal(shipped, sold)
    assert_array_equal(asked, (prow[:, None] >= 0) & asked_pools[np.maximum(prow, 0)])


def test_no_kernel_takes_more_than_ten_arguments() -> None:
    import inspect

    jitted = [getattr(kernels, name) for name in kernels.__all__
              if hasattr(getattr(kernels, name), "py_func")]
    assert len(jitted) > 25
    arity = {f.py_func.__name__: len(inspect.signature(f.py_func).parameters) for f in jitted}
    assert max(arity.values()) <= 10, arity
