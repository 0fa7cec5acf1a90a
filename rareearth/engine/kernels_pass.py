"""Fused passes: a whole step of the month in one compiled call (proportional mode).

On a small network (``world-2024``: 69 nodes) a month's cost is the number of Python-level
calls, not arithmetic: each kernel call, numpy expression and scratch lookup costs a few µs
whatever the size of its arrays. The kernels here run a sequence of the month's steps in one
call: a rerouting group's pooled rationing from unmet orders to booked sales (and its record),
a stage's allocation edge by edge, and a stage's stockpile release. They call the kernels of
:mod:`~rareearth.engine.kernels_flow` and :mod:`~rareearth.engine.kernels_month` (numba compiles
the calls in) or repeat the numpy expressions they replace operation by operation, in the same
order, so results do not change by a bit.

Examples
--------
>>> import numpy as np
>>> from rareearth.engine.bundles import csr
>>> import scipy.sparse as sp
>>> to_out = csr(sp.csr_matrix(np.array([[1.0, 1.0]])))  # one supplier, two edges
>>> to_in = csr(sp.csr_matrix(np.eye(2)))  # to two buyers
>>> order, received = np.array([[4.0], [4.0]]), np.zeros((2, 1))
>>> out = (np.empty((2, 1)), np.empty((1, 1)), np.empty((1, 1)), np.empty((1, 1)))
>>> edges = (np.array([0, 1]), np.array([1.0, 1.0]), np.array([0, 0]))
>>> allocate_edges((np.array([[6.0]]), np.zeros((1, 1))), order, edges, None, to_out, to_in,
...                out, received)
>>> received.ravel().tolist(), out[3].ravel().tolist()  # 6 t shared by 8 t of orders
([3.0, 3.0], [0.0])
"""

from __future__ import annotations

import numpy as np

from rareearth.engine.bundles import CSR
from rareearth.engine.kernel_base import _jit, _max, _min, _row_product
from rareearth.engine.kernels_flow import (
    GroupLinks,
    Ration,
    Sold,
    StockDraw,
    TakeSlots,
    group_unmet,
    headroom,
    headroom_split,
    input_limit,
    pool_rationing,
    receive_rerouted,
    room,
    signal,
    spare,
    take,
)
from rareearth.engine.kernels_month import PileRows, release_apply, release_sums

__all__ = [
    "EdgeOut", "Edges", "PassBook", "PassBuyers", "PassPools", "PassRecord", "PileWork",
    "Rationing", "Restricted", "RoomSource", "allocate_edges", "pool_pass", "release",
]

#: Relative rounding and the smallest quantity (``rareearth.engine.core.ROUNDING``, ``_TINY``).
_ROUNDING = 1e-10
_TINY = 1e-12

#: A rerouting group's buyers: their orders and what they have (``received``, or the transit
#: basis), views of the group's in-slot rows; the (country × Cg + g) row of each
#: (``brow``); the unmet rows (scratch). Fields: ``(order, has, brow, unmet)``.
PassBuyers = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]

#: The supplier stage's pools: out-slot → pool row (``prow``) and the scratch rows of spare,
#: headroom per out-slot, headroom per pool and its signalled share. Fields: ``(prow, spare,
#: head, head_pool, head_ratio)``.
PassPools = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]

#: What ramp room is made of (``Engine.room``): the supplier stage's capacity and ramp, and a
#: one-element bool array, True once the stage's room is computed this month. Fields: ``(cap,
#: ramp, ready)``.
RoomSource = tuple[np.ndarray, np.ndarray, np.ndarray]

#: The rationing's links, lead times that were 0 (or None), the pairs closed (or None) and the
#: work arrays (:func:`~rareearth.engine.kernels_flow.pool_rationing`). Fields: ``(links,
#: lead_zero, closed, work)``.
Rationing = tuple[GroupLinks, np.ndarray | None, np.ndarray | None, Ration]

#: Where receipts and sales are booked besides ``received`` and the supplier's slots, each
#: None when not kept: buyers' ``rerouted_in`` rows, each buyer's receipts (scratch), the
#: tracked sales (:data:`~rareearth.engine.kernels_flow.Sold`) and each out-slot's sales
#: (scratch). Fields: ``(rerouted, receipts, sold, sales)``.
PassBook = tuple[np.ndarray | None, np.ndarray | None, Sold | None, np.ndarray | None]

#: The record of rerouted deliveries: supplier and buyer countries and commodities of the group
#: and the buffers the deliveries are listed in, ``pairs`` (4, n) int64 and ``tonnes`` (n,).
#: Fields: ``(suppliers, buyers, commodities, pairs, tonnes)``.
PassRecord = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]

#: A stage's edges: target in-slot, baseline share of the buyer's order, source out-slot (from
#: the stage's first). Fields: ``(target, share, source)``.
Edges = tuple[np.ndarray, np.ndarray, np.ndarray]

#: The stage's restricted edges (rows from the stage's first edge) and their rows of this
#: month's ``keep`` and ``allowance`` (None without quotas). Fields: ``(local, keep, allow)``.
Restricted = tuple[np.ndarray, np.ndarray, np.ndarray | None]

#: What :func:`allocate_edges` writes: edge flows, fill (scratch), shipped, left. Fields:
#: ``(flow, fill, shipped, left)``.
EdgeOut = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]

#: Work arrays of :func:`release`: shortfall of each pile row's in-slot, and per (country,
#: commodity) row its sum, need, the amount released and its share. Fields: ``(short,
#: total_short, total_need, amount, share)``.
PileWork = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@_jit
def pool_pass(t: float, buyers: PassBuyers, pools: PassPools, slots: TakeSlots,
              room_src: RoomSource, draw: StockDraw | None, rationing: Rationing,
              book: PassBook, record: PassRecord | None) -> int:
    """One pooled rationing of a rerouting group (``ProportionalAllocator._pool_pass``).

    Buyers' unmet orders; the pools' spare (ramp room computed first when the stage's is not
    yet); the rationing; receipts into ``has`` (and ``book``'s rerouted and receipts); sales
    booked on the supplier stage (:func:`~rareearth.engine.kernels_flow.take`); what is still
    missed signalled as next month's extra output; and, with ``record``, the deliveries in the
    order of ``numpy.nonzero`` over (commodity, scenario, supplier, buyer). Returns −1 when no
    buyer misses anything (nothing done), else the number of deliveries listed.
    """
    order, has, brow, ub = buyers
    prow, sp, head, hk, r_head = pools
    left, target, rm, _, extra_next, prod, _ = slots
    cap, ramp, ready = room_src
    links, lead_zero, closed, work = rationing
    rerouted, rcv, sold, sales = book
    if not group_unmet(order, has, brow, _ROUNDING, _TINY, ub):
        return -1
    if not ready[0]:
        some = room(cap, prod, ramp, rm)
        if draw is not None and some:
            input_limit(draw[1], draw[0], rm, True)
        ready[0] = True
    spare(left, target, rm, prow, sp)
    missed = pool_rationing(t, links, ub, sp, lead_zero, closed, _ROUNDING, _TINY, work)
    link, scale, fill, buyer_share, r_pool, pool_asked, residual = work
    receive_rerouted(order, brow, buyer_share, _ROUNDING, _TINY, has, rerouted, rcv)
    take(slots, (prow, r_pool, pool_asked), draw, sold, sales)
    if missed:
        headroom(cap, prod, prow, head, hk)
        headroom_split(hk, links[0], links[1], residual, closed, _TINY, r_head)
        signal(head, prow, r_head, extra_next)
    if record is None:
        return 0
    return _deliveries(link, sp, fill, scale, links[0], record)


@_jit
def _deliveries(link: np.ndarray, sp: np.ndarray, fill: np.ndarray, scale: np.ndarray,
                ng: int, record: PassRecord) -> int:
    """List the positive ``link × (spare × fill) × scale`` (the rationing's deliveries)."""
    suppliers, buyer_k, commodities, pairs, tonnes = record
    cg, n_s, ks, kb = link.shape
    n = 0
    for g in range(cg):
        for s in range(n_s):
            for k in range(ks):
                offer = sp[k * ng + g, s] * fill[g, s, k]
                if offer == 0.0:
                    continue  # every d is ±0 or NaN: none positive
                for j in range(kb):
                    lk = link[g, s, k, j]
                    if lk == 0.0:
                        continue  # the same
                    d = lk * offer * scale[g, s, j]
                    if d > 0:
                        pairs[0, n] = suppliers[k]
                        pairs[1, n] = buyer_k[j]
                        pairs[2, n] = commodities[g]
                        pairs[3, n] = s
                        tonnes[n] = d
                        n += 1
    return n


@_jit
def allocate_edges(supply: tuple[np.ndarray, np.ndarray], order: np.ndarray, edges: Edges,
                   restricted: Restricted | None, to_out: CSR, to_in: CSR, out: EdgeOut,
                   received: np.ndarray) -> None:
    """A stage's allocation edge by edge, without offtakes (``_allocate_edges``).

    Each edge may carry ``share × order[target]`` (restricted ones ``min(that, allow) × keep``,
    ``EdgeCuts.shippable``); out-slots fill ``min(1, supply / Σ its edges)`` (1 where the sum
    is not above tiny) of it; ``shipped`` is what the edges carry, ``left = max(supply −
    shipped, 0)``; ``received += to_in @ flow``. ``supply = (prod, inv_out)``, summed.
    """
    target, share, source = edges
    flow, fill, shipped, left = out
    n_s = order.shape[1]
    for e in range(target.size):
        i = target[e]
        a = share[e]
        for s in range(n_s):
            flow[e, s] = order[i, s] * a
    if restricted is not None:
        _restrict(flow, restricted[0], restricted[1], restricted[2])
    prod, inv_out = supply
    indptr, indices, data = to_out
    total = np.empty(n_s)
    for o in range(fill.shape[0]):
        _row_product(indptr, indices, data, flow, o, total)
        for s in range(n_s):
            sup = prod[o, s] + inv_out[o, s]
            f = 1.0
            if total[s] > _TINY:
                f = sup / total[s]
            fill[o, s] = _min(f, 1.0)
    for e in range(target.size):
        o = source[e]
        for s in range(n_s):
            flow[e, s] *= fill[o, s]
    for o in range(fill.shape[0]):
        row = shipped[o]
        _row_product(indptr, indices, data, flow, o, row)
        for s in range(n_s):
            left[o, s] = _max((prod[o, s] + inv_out[o, s]) - row[s], 0.0)
    indptr, indices, data = to_in
    got = np.empty(n_s)
    for i in range(received.shape[0]):
        _row_product(indptr, indices, data, flow, i, got)
        for s in range(n_s):
            received[i, s] += got[s]


@_jit
def _restrict(flow: np.ndarray, local: np.ndarray, keep: np.ndarray,
              allow: np.ndarray | None) -> None:
    """Restricted edges' rows of ``flow`` (``local``): ``min(flow, allow) × keep``."""
    for r in range(local.size):
        e = local[r]
        for s in range(flow.shape[1]):
            c = flow[e, s]
            if allow is not None:
                c = _min(c, allow[r, s])
            flow[e, s] = c * keep[r, s]


@_jit
def release(pile: PileRows, flows: tuple[np.ndarray, np.ndarray, np.ndarray],
            recycled: np.ndarray | None, recycled_from: int, threshold: np.ndarray,
            stocks: tuple[np.ndarray, np.ndarray], work: PileWork,
            released: np.ndarray | None) -> bool:
    """A stage's national stockpile release (``Stockpiles.release``); whether any.

    The shortfall beyond own stock per (country, commodity) row (``release_sums``), its part
    above ``threshold × need`` (zero where not above tiny), at most the pile and what this
    month's rate has left; when any is released, taken off both and shared pro rata to the
    in-slots' shortfalls (``release_apply``). ``flows = (need, received, inv_in)``, ``stocks =
    (pile, rate_left)``.
    """
    need, received, inv_in = flows
    stock, rate_left = stocks
    short, total_short, total_need, amount, share = work
    release_sums(pile, need, received, inv_in, recycled, recycled_from, short, total_short,
                 total_need)
    anything = False
    for r in range(total_short.shape[0]):
        for s in range(total_short.shape[1]):
            e = total_short[r, s] - threshold[r, s] * total_need[r, s]
            e = e * (1.0 if e > _TINY else 0.0)
            a = _min(_min(stock[r, s], rate_left[r, s]), e)
            amount[r, s] = a
            if a != 0.0:
                anything = True
    if not anything:
        return False
    for r in range(total_short.shape[0]):
        for s in range(total_short.shape[1]):
            a = amount[r, s]
            stock[r, s] -= a
            rate_left[r, s] -= a
            ts = total_short[r, s]
            share[r, s] = a / ts if ts > 0 else 0.0
    release_apply(pile, short, share, received, released)
    return True
