"""The month LP of ``allocation="optimal"``: variables, constant matrix and cost of a structure.

Built once per :class:`~rareearth.engine.structure.Structure` and cached with it; the allocator
(:mod:`rareearth.engine.optimal`, whose docstring describes the variables and constraints) only
changes bounds and right-hand sides month to month.

Examples
--------
>>> from rareearth import examples
>>> from rareearth.engine.structure import build_structure
>>> prog = program(build_structure(examples.tiny().compile()))
>>> prog.n_var == prog.cost.size == prog.a_ub.shape[1]
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from rareearth.engine.structure import Structure

__all__ = ["FILL_REWARD", "PLAN_REWARD", "PRIORITY_MULTIPLIER", "RAMP_COST", "RELEASE_COST",
           "REROUTE_COST", "Program", "csr_of", "program"]

# Objective weights besides Σ w × shortfall, where w ≥ 1 per tonne of end-use commodity. They are
# small enough that the shortfall term dominates (a chain of rewards on one tonne, even through
# a recipe of 0.02 t DyTb per t of magnet, stays well below 1) and large enough to stay above
# HiGHS's optimality tolerance (1e-7), so ties are broken the same way every time.
#: Reward per tonne of an in-slot's order filled (orders include stock refill, as in
#: proportional mode).
FILL_REWARD = 1e-3
#: Reward per tonne produced up to the engine's plan (plans include output-inventory refill).
PLAN_REWARD = 1e-3
#: Cost per tonne rerouted (a new or extra contract is used only when it helps).
REROUTE_COST = 2e-4
#: Cost per tonne made in ramped spare capacity beyond the plan.
RAMP_COST = 2e-4
#: Cost per tonne released from a national stockpile: released only to cut end-use shortfall.
RELEASE_COST = 0.5
#: With a priority country, one tonne of its end-use shortfall weighs this many times the
#: world's heaviest tonne: 10^3 (lexicographic in practice: the world's shortfall in a month is
#: far below a thousand times any one country's; large enough, and small enough for HiGHS'
#: tolerances with weights ≤ 10^3 · max/min value).
PRIORITY_MULTIPLIER = 1e3

_TINY = 1e-12


@dataclass(frozen=True, eq=False)
class Program:
    """The month LP of one structure: variable blocks, constant matrix and cost, index maps.

    Rerouting is indexed by *pools* (rerouting group, supplier country k, commodity c: the
    supplier stage's out-slots of k making c), *link rows* (pool, buyer country j) and *buyer
    cells* (group, j, c); the groups (buyer stage, supplier stage, in-slot range) are the
    structure's, every other index is built here from the slots and edges.
    """

    n_var: int
    x0: int
    r0: int
    q0: int
    pa0: int
    pb0: int
    f0: int
    s0: int
    l0: int
    cost: np.ndarray
    a_ub: sp.csr_matrix
    a_eq: sp.csr_matrix
    # pools
    pool_k: np.ndarray
    pool_c: np.ndarray
    pool_stage: np.ndarray  # buyer stage of the pool's group
    pool_sstage: np.ndarray  # supplier stage
    pool_out: sp.csr_matrix  # (pools, O): 1 where the out-slot belongs to the pool
    # reroute variables r (pool → buyer in-slot) and sales variables q (out-slot → pool)
    r_in: np.ndarray
    r_pool: np.ndarray
    q_out: np.ndarray
    q_pool: np.ndarray
    # link rows (pool, buyer country) and buyer cells (group, country, commodity)
    link_pool: np.ndarray
    link_j: np.ndarray
    link_exists: np.ndarray
    link_in: sp.csr_matrix  # (links, I): the buyer in-slots a link row serves
    link_cell: sp.csr_matrix  # (cells, links)
    cell_in: sp.csr_matrix  # (cells, I)
    # rows with a monthly right-hand side
    input_slots: np.ndarray
    input_row0: int  # first row of the input rows in a_ub
    release_keys: np.ndarray  # country * C + commodity of each release row
    # operators for applying the solution
    inflow_x: sp.csr_matrix  # (I, E)
    inflow_r: sp.csr_matrix  # (I, n_r)
    q_to_out: sp.csr_matrix  # (O, n_q)
    q_to_pool: sp.csr_matrix  # (pools, n_q)
    weight: np.ndarray  # (I_end,) shortfall weights
    scale: float  # t/month per LP unit


def csr_of(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    m = sp.csr_matrix((vals, (rows, cols)), shape=shape)
    m.sum_duplicates()
    return m


def _weights(st: Structure) -> np.ndarray:
    """Shortfall weight per end-use in-slot: downstream value / the smallest positive one.

    An end use without a value (no demand row) takes the median value of its commodity's other
    end uses, or the smallest value of the network, or 1 when the network has no values.
    """
    e0, e1 = st.in_range[st.end_use]
    value = st.compiled.value[st.in_node[e0:e1], st.in_commodity[e0:e1]].astype(float)
    positive = value > 0
    if not positive.any():
        return np.ones(e1 - e0)
    ref = float(value[positive].min())
    com = st.in_commodity[e0:e1]
    for i in np.flatnonzero(~positive):
        same = positive & (com == com[i])
        value[i] = float(np.median(value[same])) if same.any() else ref
    weights: np.ndarray = value / ref
    return weights


def program(st: Structure) -> Program:
    """The month LP of ``st`` (built on first use, then cached with the structure)."""
    prog = st.extra.get("optimal.program")  # kept with the structure, itself with its network
    if not isinstance(prog, Program):
        prog = st.extra["optimal.program"] = _build(st)
    return prog


def _build(st: Structure) -> Program:
    n_in, n_out, n_e = st.n_in, st.n_out, st.n_edges
    n_c = st.n_commodities
    e0_end, e1_end = st.in_range[st.end_use]
    n_end = e1_end - e0_end
    e_stage = st.out_stage[st.edge_src]
    linked = set(zip(e_stage.tolist(), st.in_stage[st.edge_tgt].tolist(),
                     st.out_country[st.edge_src].tolist(), st.in_country[st.edge_tgt].tolist(),
                     st.edge_commodity.tolist(), strict=True))

    # ---------------------------------------------------------------- pools, r, q, links
    pool_k: list[int] = []
    pool_c: list[int] = []
    pool_stage: list[int] = []
    pool_sstage: list[int] = []
    q_out: list[np.ndarray] = []
    q_pool: list[np.ndarray] = []
    r_in: list[int] = []
    r_pool: list[int] = []
    r_link: list[int] = []
    links: dict[tuple[int, int], int] = {}  # (pool, buyer country) -> link row
    link_exists: list[bool] = []
    cells: dict[tuple[int, int, int], int] = {}  # (group, buyer country, commodity) -> cell
    cell_of_link: list[int] = []
    cell_of_in: list[tuple[int, int]] = []
    groups = [g for stage_groups in st.groups for g in stage_groups]
    for gid, g in enumerate(groups):
        stage, sstage = int(g.stage), int(g.sstage)
        o0, o1 = st.out_range[sstage]
        pools: dict[tuple[int, int], int] = {}
        for c in np.unique(st.in_commodity[g.start:g.stop]).tolist():
            made = np.flatnonzero(st.out_commodity[o0:o1] == c) + o0
            for k in np.unique(st.out_country[made]).tolist():
                pools[(k, c)] = len(pool_k)
                outs = made[st.out_country[made] == k]
                q_out.append(outs)
                q_pool.append(np.full(outs.size, len(pool_k)))
                pool_k.append(k)
                pool_c.append(c)
                pool_stage.append(stage)
                pool_sstage.append(sstage)
        for i in range(g.start, g.stop):
            c, j = int(st.in_commodity[i]), int(st.in_country[i])
            cell = cells.setdefault((gid, j, c), len(cells))
            cell_of_in.append((cell, i))
            for (k, c2), p in pools.items():
                if c2 != c:
                    continue
                row = links.setdefault((p, j), len(links))
                if row == len(link_exists):
                    link_exists.append((sstage, stage, k, j, c) in linked)
                    cell_of_link.append(cell)
                r_in.append(i)
                r_pool.append(p)
                r_link.append(row)
    n_pool = len(pool_k)
    q_out_a = np.concatenate(q_out) if q_out else np.zeros(0, np.int64)
    q_pool_a = np.concatenate(q_pool) if q_pool else np.zeros(0, np.int64)
    r_in_a = np.array(r_in, dtype=np.int64)
    r_pool_a = np.array(r_pool, dtype=np.int64)
    r_link_a = np.array(r_link, dtype=np.int64)
    link_pool_a = np.array([p for p, _ in links], dtype=np.int64)
    link_j_a = np.array([j for _, j in links], dtype=np.int64)
    n_r, n_q, n_link, n_cell = r_in_a.size, q_out_a.size, len(links), len(cells)
    cell_in_a = np.array(cell_of_in, dtype=np.int64).reshape(-1, 2)

    # ---------------------------------------------------------------- variable blocks
    x0 = 0
    r0 = x0 + n_e
    q0 = r0 + n_r
    pa0 = q0 + n_q
    pb0 = pa0 + n_out
    f0 = pb0 + n_out
    s0 = f0 + n_in
    l0 = s0 + n_end
    n_var = l0 + n_in

    weight = _weights(st)
    cost = np.zeros(n_var)
    cost[r0:q0] = REROUTE_COST
    cost[pa0:pb0] = -PLAN_REWARD
    cost[pb0:f0] = RAMP_COST
    cost[f0:s0] = -FILL_REWARD
    cost[s0:l0] = weight
    cost[l0:] = RELEASE_COST

    # inflow of each in-slot: baseline edges + reroutes + releases
    inflow_x = csr_of(st.edge_tgt, np.arange(n_e), np.ones(n_e), (n_in, n_e))
    inflow_r = csr_of(r_in_a, np.arange(n_r), np.ones(n_r), (n_in, n_r))
    inflow = sp.hstack([
        inflow_x, inflow_r, sp.csr_matrix((n_in, n_q + 2 * n_out + n_in + n_end)),
        sp.identity(n_in, format="csr"),
    ], format="csr")

    def block(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n_rows: int) -> sp.csr_matrix:
        return csr_of(rows, cols, vals, (n_rows, n_var))

    # 1. out-slots: Σ x + Σ q − pa − pb ≤ inventory
    out_rows = block(
        np.concatenate([st.edge_src, q_out_a, np.arange(n_out), np.arange(n_out)]),
        np.concatenate([np.arange(n_e), q0 + np.arange(n_q), pa0 + np.arange(n_out),
                        pb0 + np.arange(n_out)]),
        np.concatenate([np.ones(n_e + n_q), -np.ones(2 * n_out)]),
        n_out,
    )
    # 2. links: Σ r over a buyer country ≤ link × potential
    link_mat = block(r_link_a, r0 + np.arange(n_r), np.ones(n_r), n_link)
    # 3. inputs (Leontief): coef × (pa + pb) − inflow ≤ own stock
    owned = (st.in_owner >= 0) & (st.in_coef > 0) & (st.in_stage < st.end_use)
    input_slots = np.flatnonzero(owned)
    n_inp = input_slots.size
    owner = st.in_owner[input_slots]
    coef = st.in_coef[input_slots]
    prod_part = block(np.concatenate([np.arange(n_inp)] * 2),
                      np.concatenate([pa0 + owner, pb0 + owner]), np.concatenate([coef, coef]), n_inp)
    input_mat = prod_part - inflow[input_slots]
    # 4. filled orders: f − inflow ≤ 0
    fill_mat = block(np.arange(n_in), f0 + np.arange(n_in), np.ones(n_in), n_in) - inflow
    # 5. end-use shortfall: −inflow − s ≤ −(need − recycled − stock)
    end_slots = np.arange(e0_end, e1_end)
    short_mat = -inflow[end_slots] - block(np.arange(n_end), s0 + np.arange(n_end), np.ones(n_end), n_end)
    # 6. national stockpiles: Σ l ≤ min(stockpile, rate) per country and commodity
    key = st.in_country * n_c + st.in_commodity
    release_keys, release_row = np.unique(key, return_inverse=True)
    rel_mat = block(release_row, l0 + np.arange(n_in), np.ones(n_in), release_keys.size)

    a_ub = sp.vstack([out_rows, link_mat, input_mat, fill_mat, short_mat, rel_mat], format="csr")
    # pools: Σ q − Σ r = 0
    a_eq = block(np.concatenate([q_pool_a, r_pool_a]),
                 np.concatenate([q0 + np.arange(n_q), r0 + np.arange(n_r)]),
                 np.concatenate([np.ones(n_q), -np.ones(n_r)]), n_pool)

    positive = st.edge_base[st.edge_base > 0]
    scale = float(np.mean(positive)) if positive.size else 1.0
    ones_r = np.ones(n_r)
    link_in = csr_of(r_link_a, r_in_a, ones_r, (n_link, n_in))
    link_in.data[:] = 1.0
    return Program(
        n_var=n_var, x0=x0, r0=r0, q0=q0, pa0=pa0, pb0=pb0, f0=f0, s0=s0, l0=l0,
        cost=cost, a_ub=a_ub, a_eq=a_eq,
        pool_k=np.array(pool_k, dtype=np.int64), pool_c=np.array(pool_c, dtype=np.int64),
        pool_stage=np.array(pool_stage, dtype=np.int64),
        pool_sstage=np.array(pool_sstage, dtype=np.int64),
        pool_out=csr_of(q_pool_a, q_out_a, np.ones(n_q), (n_pool, n_out)),
        r_in=r_in_a, r_pool=r_pool_a, q_out=q_out_a, q_pool=q_pool_a,
        link_pool=link_pool_a, link_j=link_j_a, link_exists=np.array(link_exists, dtype=bool),
        link_in=link_in,
        link_cell=csr_of(np.array(cell_of_link, dtype=np.int64), np.arange(n_link),
                       np.ones(n_link), (n_cell, n_link)),
        cell_in=csr_of(cell_in_a[:, 0], cell_in_a[:, 1], np.ones(len(cell_in_a)), (n_cell, n_in)),
        input_slots=input_slots, input_row0=n_out + n_link, release_keys=release_keys,
        inflow_x=inflow_x, inflow_r=inflow_r,
        q_to_out=csr_of(q_out_a, np.arange(n_q), np.ones(n_q), (n_out, n_q)),
        q_to_pool=csr_of(q_pool_a, np.arange(n_q), np.ones(n_q), (n_pool, n_q)),
        weight=weight, scale=scale,
    )
