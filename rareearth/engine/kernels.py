"""Compiled passes of the month step: loops fused over (rows, scenarios) arrays.

The month step is memory-bound: a numpy expression over (slots, S) arrays makes one pass
over memory per operation, and a month needs many such operations. The kernels do the same
arithmetic in one pass per step, row by row while the row is in cache, compiled with numba.

Every kernel computes exactly what the numpy expression it replaces computes, operation by
operation and in the same order (sums in CSR order, as scipy's sparse products add), so results
do not change by a bit; ``_max``/``_min`` are numpy's ``maximum``/``minimum`` (NaN propagates).
Arrays are float64 and C-contiguous, rows × scenarios. A kernel takes at most about ten
arguments: inputs that travel together come as named tuples (:mod:`rareearth.engine.bundles`:
a sparse matrix's CSR arrays, the month's restriction cuts, a stage's recipes; the kernel
modules' own bundles), and an optional input or output is ``None`` (numba compiles the branch
away) rather than a placeholder array beside a flag.

This module gathers them: :mod:`~rareearth.engine.kernels_flow` (allocation and rerouting),
:mod:`~rareearth.engine.kernels_month` (orders, production, close, record, stockpiles),
:mod:`~rareearth.engine.kernels_pass` (whole steps fused into one call: a rerouting pass, a
stage's allocation edge by edge, a stage's stockpile release) and
:mod:`~rareearth.engine.kernel_base` (the shared per-element helpers).

Examples
--------
>>> import numpy as np
>>> from rareearth.engine import kernels
>>> ramp = np.array([[0.5, 0.95]])
>>> kernels.ramp_step(ramp, np.array([[False, True]]), np.array([0.1, 0.1]))
>>> ramp.round(2).tolist()
[[0.4, 1.0]]
"""

from __future__ import annotations

import numba

from rareearth.engine.bundles import CSR, NO_CUTS, Cuts, Leontief, csr
from rareearth.engine.kernel_base import _max, _min, agg_rows
from rareearth.engine.kernels_flow import (
    GroupLinks,
    Pools,
    Ration,
    Sold,
    StockDraw,
    TakeSlots,
    allocate_fill,
    allocate_receive,
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
from rareearth.engine.kernels_month import (
    Consumers,
    CountryOut,
    CountryRows,
    EventPairs,
    EventPos,
    EventRows,
    EventScenarios,
    EventTable,
    Markets,
    PileRows,
    PlanOut,
    PlanSlots,
    active_entries,
    consume,
    country_sums,
    demand_level,
    demand_level_markets,
    fill_column,
    need_order,
    order_from_need,
    pairs_of,
    pipe_reroute,
    pipe_send,
    plan,
    price_markets,
    produce_in,
    produce_out,
    ramp_step,
    redo_events,
    release_apply,
    release_sums,
    scale_column,
    scaled_rows,
    ship_cross,
    shortfall,
)
from rareearth.engine.kernels_pass import (
    EdgeOut,
    Edges,
    PassBook,
    PassBuyers,
    PassPools,
    PassRecord,
    PileWork,
    Rationing,
    Restricted,
    RoomSource,
    allocate_edges,
    pool_pass,
)
from rareearth.engine.kernels_pass import release as release_pile

__all__ = [
    "CSR", "NO_CUTS", "Consumers", "CountryOut", "CountryRows", "Cuts", "EdgeOut", "Edges",
    "EventPairs", "EventPos", "EventRows", "EventScenarios", "EventTable",
    "GroupLinks", "Leontief", "Markets", "PassBook", "PassBuyers", "PassPools", "PassRecord",
    "PileRows", "PileWork", "PlanOut", "PlanSlots", "Pools", "Ration", "Rationing",
    "Restricted", "RoomSource", "Sold", "StockDraw", "TakeSlots", "_max", "_min",
    "active_entries", "agg_rows", "allocate_edges", "allocate_fill", "allocate_receive",
    "consume", "country_sums", "csr", "demand_level", "demand_level_markets", "fill_column",
    "group_unmet", "headroom", "headroom_split", "input_limit", "need_order", "numba",
    "order_from_need", "pairs_of", "pipe_reroute", "pipe_send", "plan", "pool_pass", "pool_rationing", "price_markets", "produce_in",
    "produce_out", "ramp_step", "receive_rerouted", "redo_events", "release_apply", "release_pile",
    "release_sums", "room", "scale_column", "scaled_rows", "ship_cross", "shortfall", "signal", "spare",
    "take",
]
