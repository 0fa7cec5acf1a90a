"""The engine's fixed index structure: slots, stage ranges and sparse incidence matrices.

The engine does not run on the dense ``(N, C)`` grid of :class:`~rareearth.network.CompiledNetwork`
(most node-commodity cells are empty) but on *slots*, the cells that carry material:

* an **out-slot** ``o`` is a (node, commodity) a producing node makes (mining … magnet);
* an **in-slot** ``i`` is a (node, commodity) a node takes in: the inputs of separation, metal
  and magnet nodes, and the demand of end-use nodes.

Both are ordered by stage, then node (the :class:`CompiledNetwork` order), then commodity, so
every stage is one contiguous range and a per-stage step works on slices. In-slots of a stage are
further grouped by the stage of the suppliers they buy from (``sstage``), so a rerouting group is
a contiguous range too. Edges are sorted by (source out-slot, target in-slot); ``edge_order`` maps
them back to the compiled (flows-table) order.

Units: every rate here is **t/month** (dataset t/yr ÷ 12).

Calibration (documented in ``docs/model.md``): the engine takes the flows table as the baseline
truth, so an empty scenario reproduces it exactly even when the dataset balances only within its
tolerance. A node's baseline output is the sum of its outgoing flows; an input coefficient is
baseline input / baseline output (``1/yield`` or ``recipe/yield`` where the node has no baseline
output); end-use demand is the sum of inflows (the demand table where there are none); capacity
is raised to the baseline output where the table gives less.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from rareearth.network import CompiledNetwork
from rareearth.records import MAGNET, STAGES

__all__ = ["END_USE", "MINING", "PRODUCING", "Group", "Structure", "build_structure"]

MINING = 0
#: Index of the end-use stage of the default stages; a network's is ``Structure.end_use``.
END_USE = len(STAGES) - 1
#: Stage indices that make something (mining ... magnet) of the default stages; a network's
#: are ``Structure.producing``.
PRODUCING: tuple[int, ...] = tuple(range(END_USE))

_FloatArray = np.ndarray
_IntArray = np.ndarray


@dataclass(frozen=True, eq=False)
class Group:
    """In-slots of one buyer stage that buy from one supplier stage: a rerouting unit.

    Attributes
    ----------
    stage, sstage : int
        Buyer stage and supplier stage (index into ``STAGES``).
    start, stop : int
        In-slot range of the buyers.
    commodities : (Cg,) int
        Commodities (compiled index) that appear among the buyers, sorted.
    suppliers, buyers : (Ks,), (Kb,) int
        Countries with a pool of the supplier stage, and countries with buyers in the group:
        the rerouting arrays use only these (Ks × Kb instead of K × K).
    buyer_agg : sparse (Kb*Cg, stop-start)
        Sums buyer in-slots into (buyer country, commodity) rows, row = b * Cg + g.
    pool_agg : sparse (Ks*Cg, O_sstage)
        Sums supplier out-slots of the supplier stage into (country, commodity) pools.
    pool_exists : (Ks, Cg) bool
        Pools that have at least one out-slot.
    link_exists : (Ks, Kb, Cg) bool
        Baseline flow of the commodity from a supplier-stage node of country k to a node of
        country j (of the buyer stage): such links need no lead time.
    pool_exists_t, link_exists_t : (Cg, Ks) bool, (Cg, Ks, Kb) float
        The same, commodity first (the layout of the rerouting arrays).
    """

    stage: int
    sstage: int
    start: int
    stop: int
    commodities: _IntArray
    suppliers: _IntArray
    buyers: _IntArray
    buyer_agg: sp.csr_matrix
    pool_agg: sp.csr_matrix
    pool_exists: np.ndarray
    link_exists: np.ndarray

    pool_exists_t: np.ndarray
    link_exists_t: np.ndarray


@dataclass(frozen=True, eq=False)
class Structure:
    """Slots, ranges and sparse matrices of one compiled network (see module docstring)."""

    compiled: CompiledNetwork
    n_countries: int
    n_commodities: int
    # out-slots
    out_node: _IntArray
    out_commodity: _IntArray
    out_stage: _IntArray
    out_country: _IntArray
    out_range: tuple[tuple[int, int], ...]
    base_cap: _FloatArray
    base_out: _FloatArray
    util: _FloatArray
    stock_out0: _FloatArray
    target_out: _FloatArray
    # in-slots
    in_node: _IntArray
    in_commodity: _IntArray
    in_stage: _IntArray
    in_sstage: _IntArray
    in_country: _IntArray
    in_owner: _IntArray
    in_coef: _FloatArray
    in_range: tuple[tuple[int, int], ...]
    base_in: _FloatArray
    base_demand: _FloatArray
    stock_in0: _FloatArray
    target_in: _FloatArray
    consumer: np.ndarray
    # edges (sorted by source out-slot, then target in-slot)
    edge_order: _IntArray
    edge_src: _IntArray
    edge_tgt: _IntArray
    edge_commodity: _IntArray
    edge_base: _FloatArray
    edge_share: _FloatArray
    edge_range: tuple[tuple[int, int], ...]
    # per producing stage st (index 0..3) sparse operators
    flow_to_in: tuple[sp.csr_matrix, ...]
    flow_to_out: tuple[sp.csr_matrix, ...]
    order_to_out: tuple[sp.csr_matrix, ...]
    fill_to_in: tuple[sp.csr_matrix, ...]
    fed: tuple[_IntArray, ...]
    fed_runs: tuple[tuple[tuple[int, int, int], ...], ...]
    use: tuple[sp.csr_matrix, ...]
    input_index: tuple[_IntArray, ...]
    # rerouting groups, by buyer stage
    groups: tuple[tuple[Group, ...], ...]
    # aggregations
    price_agg: sp.csr_matrix
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def n_out(self) -> int:
        return int(self.out_node.shape[0])

    @property
    def n_in(self) -> int:
        return int(self.in_node.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.edge_src.shape[0])

    @property
    def end_use(self) -> int:
        """Index of the end-use stage (the last of the network's stages)."""
        return len(self.compiled.stages) - 1

    @property
    def producing(self) -> tuple[int, ...]:
        """Indices of the stages that make something (every stage but end use)."""
        return tuple(range(self.end_use))



def _runs(index: np.ndarray) -> tuple[tuple[int, int, int], ...]:
    """Contiguous runs of a sorted index array: (start, stop, position of start in ``index``)."""
    if index.size == 0:
        return ()
    breaks = np.flatnonzero(np.diff(index) != 1) + 1
    starts = np.concatenate([[0], breaks])
    stops = np.concatenate([breaks, [index.size]])
    return tuple((int(index[a]), int(index[b - 1]) + 1, int(a)) for a, b in zip(starts, stops, strict=True))


def _ranges(stage_of_slot: np.ndarray, n_stages: int) -> tuple[tuple[int, int], ...]:
    bounds = np.searchsorted(stage_of_slot, np.arange(n_stages + 1))
    return tuple((int(bounds[s]), int(bounds[s + 1])) for s in range(n_stages))


def _csr(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    m = sp.csr_matrix((vals, (rows, cols)), shape=shape)
    m.sum_duplicates()
    m.sort_indices()
    return m


def build_structure(
    compiled: CompiledNetwork,
    *,
    extra_out: Iterable[tuple[int, int]] = (),
    extra_in: Iterable[tuple[int, int]] = (),
) -> Structure:
    """Index structure of ``compiled``; ``extra_out``/``extra_in`` add (node, commodity) slots.

    Extra slots are needed by levers that add capacity or demand where the baseline has none.
    """
    cn = compiled
    n, c = cn.capacity.shape
    k = len(cn.countries)
    stage = cn.node_stage
    stages = cn.stages
    n_stages, end_use, magnet_stage = len(stages), len(stages) - 1, stages.index("magnet")
    magnet = cn.commodity_index[MAGNET]
    src, tgt, com = cn.edge_source, cn.edge_target, cn.edge_commodity
    tonnes = cn.edge_tonnes / 12.0

    # ---------------------------------------------------------------- out-slots
    made = (cn.capacity > 0) | (cn.output > 0)
    made[stage == end_use] = False
    made[src, com] = True
    for node, commodity in extra_out:
        made[node, commodity] = True
    out_node, out_commodity = np.nonzero(made)  # row-major: node order, then commodity
    o_index = -np.ones((n, c), dtype=np.int64)
    o_index[out_node, out_commodity] = np.arange(out_node.size)
    out_stage = stage[out_node]
    out_country = cn.node_country[out_node]

    # ---------------------------------------------------------------- in-slots
    takes = np.zeros((n, c), dtype=bool)
    takes[tgt, com] = True
    takes |= (cn.demand > 0) & (stage == end_use)[:, None]
    for node, commodity in extra_in:
        takes[node, commodity] = True
    # every non-mining out-slot has its inputs as in-slots (Leontief needs them even at zero)
    for o in range(out_node.size):
        node, commodity = out_node[o], out_commodity[o]
        if stage[node] == MINING:
            continue
        if commodity == magnet:
            takes[node, cn.recipe[node] > 0] = True
        else:
            takes[node, commodity] = True
    # node stocks of something a node neither makes nor takes become inert in-slots
    held = (cn.stock > 0) & ~made
    takes |= held
    in_node, in_commodity = np.nonzero(takes)

    # baseline inflow and the supplier stage of each in-slot
    inflow = np.zeros((n, c))
    np.add.at(inflow, (tgt, com), tonnes)
    by_stage = np.zeros((n, c, n_stages))
    np.add.at(by_stage, (tgt, com, stage[src]), tonnes)
    count_stage = np.zeros((n, c, n_stages))
    np.add.at(count_stage, (tgt, com, stage[src]), 1.0)
    main = np.argmax(by_stage + 1e-12 * count_stage, axis=2)  # largest baseline supplier stage
    has_edges = count_stage.sum(axis=2) > 0
    node_stage_b = stage[in_node]
    default_sstage = np.where(
        in_commodity == magnet,
        magnet_stage,
        np.where(node_stage_b == end_use, stages.index("metal"), np.maximum(node_stage_b - 1, 0)),
    )
    in_sstage = np.where(has_edges[in_node, in_commodity], main[in_node, in_commodity], default_sstage)
    # order: stage, supplier stage, node, commodity (groups contiguous)
    order = np.lexsort((in_commodity, in_node, in_sstage, node_stage_b))
    in_node, in_commodity, in_sstage = in_node[order], in_commodity[order], in_sstage[order]
    in_stage = stage[in_node]
    in_country = cn.node_country[in_node]
    i_index = -np.ones((n, c), dtype=np.int64)
    i_index[in_node, in_commodity] = np.arange(in_node.size)
    n_in, n_out = in_node.size, out_node.size

    # ---------------------------------------------------------------- baseline rates
    shipped = np.zeros(n_out)
    np.add.at(shipped, o_index[src, com], tonnes)
    base_out = shipped
    base_cap = np.maximum(cn.capacity[out_node, out_commodity] / 12.0, base_out)
    util = np.divide(base_out, base_cap, out=np.zeros(n_out), where=base_cap > 0)
    base_in = inflow[in_node, in_commodity]
    base_demand = np.where(
        in_stage == end_use,
        np.where(base_in > 0, base_in, cn.demand[in_node, in_commodity] / 12.0),
        0.0,
    )

    # owner out-slot and input coefficient of each in-slot
    in_owner = -np.ones(n_in, dtype=np.int64)
    in_coef = np.zeros(n_in)
    producing_in = in_stage != end_use
    for i in np.flatnonzero(producing_in):
        node, commodity = in_node[i], in_commodity[i]
        if cn.recipe[node, commodity] > 0 and o_index[node, magnet] >= 0:
            o = o_index[node, magnet]
            nominal = cn.recipe[node, commodity] / max(cn.yield_[node, magnet], 1e-12)
        elif commodity != magnet and o_index[node, commodity] >= 0 and stage[node] != magnet_stage:
            o = o_index[node, commodity]
            nominal = 1.0 / max(cn.yield_[node, commodity], 1e-12)
        else:
            continue
        in_owner[i] = o
        in_coef[i] = base_in[i] / base_out[o] if base_out[o] > 0 else nominal

    # stocks: of a commodity the node makes -> output inventory, else input stock
    stock_out0 = cn.stock[out_node, out_commodity].copy()
    target_out = cn.stock_target[out_node, out_commodity].copy()
    is_out = o_index[in_node, in_commodity] >= 0
    stock_in0 = np.where(is_out, 0.0, cn.stock[in_node, in_commodity])
    target_in = np.where(is_out, 0.0, cn.stock_target[in_node, in_commodity])

    # ---------------------------------------------------------------- edges
    e_src = o_index[src, com]
    e_tgt = i_index[tgt, com]
    edge_order = np.lexsort((e_tgt, e_src))
    e_src, e_tgt = e_src[edge_order], e_tgt[edge_order]
    e_com = com[edge_order]
    e_base = tonnes[edge_order]
    e_share = np.divide(e_base, base_in[e_tgt], out=np.zeros(e_base.size), where=base_in[e_tgt] > 0)
    e_stage = out_stage[e_src]
    out_range = _ranges(out_stage, n_stages)
    in_range = _ranges(in_stage, n_stages)
    edge_range = _ranges(e_stage, n_stages)

    flow_to_in, flow_to_out, order_to_out, fill_to_in, use, input_index = [], [], [], [], [], []
    fed = []
    for st in range(end_use):  # the producing stages
        e0, e1 = edge_range[st]
        o0, o1 = out_range[st]
        ne = e1 - e0
        rows = np.arange(ne)
        flow_to_in.append(_csr(e_tgt[e0:e1], rows, np.ones(ne), (n_in, ne)))
        flow_to_out.append(_csr(e_src[e0:e1] - o0, rows, np.ones(ne), (o1 - o0, ne)))
        order_to_out.append(_csr(e_src[e0:e1] - o0, e_tgt[e0:e1], e_share[e0:e1], (o1 - o0, n_in)))
        # Σ over a buyer's edges from this stage of share × supplier fill, for the in-slots
        # this stage feeds (`fed`, sorted)
        targets = np.unique(e_tgt[e0:e1])
        fed.append(targets)
        fill_to_in.append(_csr(np.searchsorted(targets, e_tgt[e0:e1]), e_src[e0:e1] - o0,
                               e_share[e0:e1], (targets.size, o1 - o0)))
        # inputs of this stage's out-slots
        i0, i1 = in_range[st]
        owned = np.flatnonzero((in_owner[i0:i1] >= 0) & (in_coef[i0:i1] > 0)) + i0
        use.append(_csr(owned - i0, in_owner[owned] - o0, in_coef[owned], (i1 - i0, o1 - o0)))
        width = 1
        if owned.size:
            width = int(np.bincount(in_owner[owned] - o0, minlength=o1 - o0).max(initial=1))
        idx = np.full((o1 - o0, max(width, 1)), n_in, dtype=np.int64)  # n_in = +inf sentinel
        fill = np.zeros(o1 - o0, dtype=np.int64)
        for i in owned:
            o = in_owner[i] - o0
            idx[o, fill[o]] = i
            fill[o] += 1
        input_index.append(idx)

    # ---------------------------------------------------------------- groups
    groups: list[list[Group]] = [[] for _ in stages]
    for st in range(1, n_stages):
        i0, i1 = in_range[st]
        for ss in range(st):
            sel = np.flatnonzero(in_sstage[i0:i1] == ss) + i0
            if sel.size == 0:
                continue
            g0, g1 = int(sel[0]), int(sel[-1]) + 1
            cg = np.unique(in_commodity[g0:g1])
            gpos = -np.ones(c, dtype=np.int64)
            gpos[cg] = np.arange(cg.size)
            o0, o1 = out_range[ss]
            okeep = np.flatnonzero(gpos[out_commodity[o0:o1]] >= 0)
            buyers = np.unique(in_country[g0:g1])
            suppliers = np.unique(out_country[o0 + okeep])
            bpos = -np.ones(k, dtype=np.int64)
            bpos[buyers] = np.arange(buyers.size)
            spos = -np.ones(k, dtype=np.int64)
            spos[suppliers] = np.arange(suppliers.size)
            rows_b = bpos[in_country[g0:g1]] * cg.size + gpos[in_commodity[g0:g1]]
            buyer_agg = _csr(rows_b, np.arange(g1 - g0), np.ones(g1 - g0),
                             (buyers.size * cg.size, g1 - g0))
            rows_s = spos[out_country[o0 + okeep]] * cg.size + gpos[out_commodity[o0 + okeep]]
            pool_agg = _csr(rows_s, okeep, np.ones(okeep.size), (suppliers.size * cg.size, o1 - o0))
            pool_exists = np.zeros((suppliers.size, cg.size), dtype=bool)
            pool_exists[spos[out_country[o0 + okeep]], gpos[out_commodity[o0 + okeep]]] = True
            link = np.zeros((suppliers.size, buyers.size, cg.size), dtype=bool)
            emask = (e_stage == ss) & (in_stage[e_tgt] == st) & (gpos[e_com] >= 0)
            emask &= bpos[in_country[e_tgt]] >= 0
            link[spos[out_country[e_src[emask]]], bpos[in_country[e_tgt[emask]]],
                 gpos[e_com[emask]]] = True
            groups[st].append(
                Group(st, ss, g0, g1, cg, suppliers, buyers, buyer_agg, pool_agg, pool_exists, link,
                      np.ascontiguousarray(pool_exists.T),
                      np.ascontiguousarray(link.transpose(2, 0, 1)).astype(float))
            )

    # ---------------------------------------------------------------- aggregations
    consumer = (in_stage == end_use) | (in_stage == magnet_stage)
    cons = np.flatnonzero(consumer)
    price_agg = _csr(in_commodity[cons], cons, np.ones(cons.size), (c, n_in))

    return Structure(
        compiled=cn,
        n_countries=k,
        n_commodities=c,
        out_node=out_node,
        out_commodity=out_commodity,
        out_stage=out_stage,
        out_country=out_country,
        out_range=out_range,
        base_cap=base_cap,
        base_out=base_out,
        util=util,
        stock_out0=stock_out0,
        target_out=target_out,
        in_node=in_node,
        in_commodity=in_commodity,
        in_stage=in_stage,
        in_sstage=in_sstage,
        in_country=in_country,
        in_owner=in_owner,
        in_coef=in_coef,
        in_range=in_range,
        base_in=base_in,
        base_demand=base_demand,
        stock_in0=stock_in0,
        target_in=target_in,
        consumer=consumer,
        edge_order=edge_order,
        edge_src=e_src,
        edge_tgt=e_tgt,
        edge_commodity=e_com,
        edge_base=e_base,
        edge_share=e_share,
        edge_range=edge_range,
        flow_to_in=tuple(flow_to_in),
        flow_to_out=tuple(flow_to_out),
        order_to_out=tuple(order_to_out),
        fill_to_in=tuple(fill_to_in),
        fed=tuple(fed),
        fed_runs=tuple(_runs(f) for f in fed),
        use=tuple(use),
        input_index=tuple(input_index),
        groups=tuple(tuple(g) for g in groups),
        price_agg=price_agg,
    )


def slots_of(structure: Structure, pairs: Sequence[tuple[int, int]], *, kind: str) -> np.ndarray:
    """Slot indices of (node, commodity) pairs (``kind`` ``"in"`` or ``"out"``); -1 if absent."""
    nodes = structure.in_node if kind == "in" else structure.out_node
    coms = structure.in_commodity if kind == "in" else structure.out_commodity
    c = structure.n_commodities
    keys = nodes * c + coms
    lookup = {int(key): i for i, key in enumerate(keys)}
    return np.array([lookup.get(int(nd) * c + int(cm), -1) for nd, cm in pairs], dtype=np.int64)
