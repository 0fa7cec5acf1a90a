"""Compiled passes of the month outside allocation: orders, production, close, record, stocks.

See :mod:`rareearth.engine.kernels` for the rules every kernel follows (same arithmetic as the
numpy it replaces, in the same order). Inputs that travel together come as named tuples; an
optional input is ``None``.

Examples
--------
>>> import numpy as np
>>> out = np.empty((2, 1))
>>> scaled_rows(np.array([1.0, 2.0]), None, out)
>>> out.ravel().tolist()
[1.0, 2.0]
"""

from __future__ import annotations

import numpy as np

from rareearth.engine.bundles import CSR, Cuts, Leontief
from rareearth.engine.kernel_base import (
    _cut,
    _inline,
    _jit,
    _leontief,
    _max,
    _min,
    _row_product,
    _shortfall,
)

__all__ = [
    "Consumers", "CountryOut", "CountryRows", "EventPairs", "EventPos", "EventRows",
    "EventScenarios", "EventTable", "Markets", "PileRows", "PlanOut", "PlanSlots",
    "active_entries", "consume", "country_sums", "demand_level", "demand_level_markets",
    "fill_column", "need_order", "order_from_need", "pairs_of", "pipe_reroute", "pipe_send", "plan", "price_markets",
    "produce_in", "produce_out", "ramp_step", "redo_events", "release_apply", "release_sums",
    "scale_column",
    "scaled_rows", "ship_cross", "shortfall",
]


#: A stage's out-slot arrays its plan reads: capacity, ramp, last month's extra, added capacity,
#: output-stock target (O,) and inventory. Fields: ``(cap, ramp, extra, added, target, inv)``.
PlanSlots = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


#: What :func:`plan` writes: ``cuts`` (scratch), ``ordered``, ``total``, ``plan``. Fields:
#: ``(cuts, ordered, total, plan)``.
PlanOut = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


#: Commodity and country of each consumer (or end-use) row. Fields: ``(commodity, country)``.
Consumers = tuple[np.ndarray, np.ndarray]


#: Per (commodity, scenario): served and base demand on the export and domestic markets. Fields:
#: ``(supply, demand, supply_dom, demand_dom)``.
Markets = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


#: Row (country × C + commodity) of each in-slot, its stage and value (USD/t), row of each
#: out-slot, the end-use and magnet stages, and a (K*C, S) scratch for out-slot stock. Fields:
#: ``(row_in, stage_in, value, row_out, end, magnet, stock_out)``.
CountryRows = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int, np.ndarray]


#: The month's per-country aggregates, (K*C, S) each (``record.COUNTRY_KEYS``). Fields:
#: ``(demand, short, demand_value, short_value, magnet_demand, magnet_short, stock)``.
CountryOut = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


#: In-slots a national stockpile can release to, and each one's (country, commodity) row.
#: Fields: ``(rows, kc)``.
PileRows = tuple[np.ndarray, np.ndarray]


# ====================================================================== orders, production


@_jit
def order_from_need(target: np.ndarray, inv: np.ndarray, need: np.ndarray,
                    recycled: np.ndarray | None, per_month: float, order: np.ndarray) -> None:
    """``order = max((target − inv) × per_month + need − recycled, 0)`` per in-slot."""
    for i in range(order.shape[0]):
        tg = target[i]
        for s in range(order.shape[1]):
            market = need[i, s] - recycled[i, s] if recycled is not None else need[i, s]
            order[i, s] = _max((tg - inv[i, s]) * per_month + market, 0.0)


@_jit
def active_entries(keep: np.ndarray, allow: np.ndarray | None, ptr: np.ndarray,
                   scenario: np.ndarray, keep_of: np.ndarray, allow_of: np.ndarray) -> int:
    """List the (restricted edge, scenario) entries that cut anything this month.

    Entry (r, s) cuts when ``keep[r, s] ≠ 1`` (above 1: held orders released, a negative cut)
    or its quota allowance (``allow``, None without quotas) is finite; the others cut exactly
    0. Row r's entries are ``ptr[r]:ptr[r + 1]`` of ``scenario``, ``keep_of`` and ``allow_of``
    (inf without a quota), in scenario order. Returns the number of entries, or −1 when the
    buffers are too small (nothing else is then valid).
    """
    n = 0
    cap = scenario.size
    for r in range(keep.shape[0]):
        ptr[r] = n
        for s in range(keep.shape[1]):
            k = keep[r, s]
            q = allow[r, s] if allow is not None else np.inf
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
def plan(by_buyer: CSR, order: np.ndarray, slots: PlanSlots, per_month: float,
         cut_row: np.ndarray, cuts: Cuts, out: PlanOut) -> None:
    """Producers' orders received (``order_to_out @ order``), what may ship, and plans.

    The product runs over the *transpose* (``by_buyer``: in-slot rows → the stage's
    out-slots): every buyer's order row is read once, in order, and added into the stage's
    out-slot rows, which stay in cache; an out-slot still gets its buyers' terms in in-slot
    order, as ``order_to_out @ order`` adds them.
    ``plan = min(max(ordered + min(max(cap − ordered, 0) × ramp, extra) + added
    + (target − inv) × per_month, 0), cap)``. ``total`` is what the allocation may ship:
    ``ordered`` less the cuts of restricted edges (``cut_row[jj]``: the edge's row of the
    schedule's ``keep`` and ``allowance``, −1 when unrestricted; its entries that cut anything
    listed by :func:`active_entries`; summed in ``out.cuts``), at least 0, when the cuts are on;
    else ``ordered``. Entries that cut 0 add exactly 0, so skipping them changes no sum.
    """
    indptr, indices, data = by_buyer
    cap, ramp, extra, added, target, inv = slots
    cut_sum, ordered, total, plan_out = out
    has_cut, ptr, scenario, keep_of, allow_of, has_allow = cuts
    n_s = order.shape[1]
    ordered[:] = 0.0
    if has_cut:
        cut_sum[:] = 0.0
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
                c_row = cut_sum[indices[jj]]
                for q in range(ptr[r], ptr[r + 1]):
                    s = scenario[q]
                    c_row[s] += _cut(order_row[s] * a, keep_of[q], allow_of[q], has_allow)
    for o in range(cap.shape[0]):
        tg = target[o]
        for s in range(n_s):
            c = cap[o, s]
            od = ordered[o, s]
            total[o, s] = _max(od - cut_sum[o, s], 0.0) if has_cut else od
            p = _max(c - od, 0.0) * ramp[o, s]
            p = _min(p, extra[o, s])
            p += od
            p += added[o, s]
            p += (tg - inv[o, s]) * per_month
            p = _max(p, 0.0)
            plan_out[o, s] = _min(p, c)


@_jit
def need_order(use: CSR, plan: np.ndarray, target: np.ndarray, inv: np.ndarray,
               per_month: float, need: np.ndarray, order: np.ndarray) -> None:
    """Inputs needed for the plans (``use @ plan``) and the orders they make."""
    indptr, indices, data = use
    n_s = plan.shape[1]
    for i in range(need.shape[0]):
        row = need[i]
        _row_product(indptr, indices, data, plan, i, row)
        tg = target[i]
        for s in range(n_s):
            order[i, s] = _max((tg - inv[i, s]) * per_month + row[s], 0.0)


@_jit
def produce_out(received: np.ndarray, inv_in: np.ndarray, recipe: Leontief, plan: np.ndarray,
                cap: np.ndarray, ordered: np.ndarray, prod: np.ndarray,
                beyond: np.ndarray) -> None:
    """``prod = min(min(plan, Leontief limit of received + stock), cap)``; ``beyond``."""
    coef, index, i0 = recipe
    for o in range(index.shape[0]):
        for s in range(received.shape[1]):
            m = _leontief(received, inv_in, True, coef, index, i0, o, s)
            p = _min(plan[o, s], m)
            p = _min(p, cap[o, s])
            prod[o, s] = p
            beyond[o, s] = _max(p - ordered[o, s], 0.0)


@_jit
def produce_in(use: CSR, prod: np.ndarray, received: np.ndarray, need: np.ndarray,
               rounding: float, inv_in: np.ndarray, used: np.ndarray,
               shortfall: np.ndarray) -> None:
    """Inputs used (``min(use @ prod, received + stock)``), stock left and shortfall."""
    indptr, indices, data = use
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
def consume(received: np.ndarray, recycled: np.ndarray | None, need: np.ndarray,
            rounding: float, inv_in: np.ndarray, used: np.ndarray, shortfall: np.ndarray,
            consumed_prev: np.ndarray) -> None:
    """End use: ``used = min(need, received (+ recycled) + stock)``; stock left; shortfall;
    ``consumed_prev`` (what recycling draws on next month) when anything is recycled."""
    for i in range(need.shape[0]):
        for s in range(need.shape[1]):
            rc = received[i, s]
            if recycled is not None:
                rc += recycled[i, s]
                received[i, s] = rc
            avail = rc + inv_in[i, s]
            nd = need[i, s]
            u = _min(nd, avail)
            used[i, s] = u
            inv_in[i, s] = avail - u
            shortfall[i, s] = _shortfall(nd, rc, u, rounding)
            if recycled is not None:
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
def price_markets(received: np.ndarray, need: np.ndarray, consumers: Consumers,
                  restricting: np.ndarray | None, level: np.ndarray, level_from: int,
                  out: Markets) -> None:
    """Per commodity, the two markets' sums of consumers' served and base demand.

    A consumer's base demand is its need before the price response (``need / level``, ``level``
    of the consumers from row ``level_from`` on, the end uses; magnet makers' need has no price
    response); it is served by ``min(received, need)`` plus the demand the price has already cut
    (``base − need``), so that an index falls back as demand adapts. Consumers in a country
    restricting that commodity's exports (``restricting[c, s, k]``) count in the domestic
    market, the others in the export market.
    """
    commodity, country = consumers
    supply, demand, supply_dom, demand_dom = out
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
            inside = restricting[c, s, k] if restricting is not None else False
            if inside:
                supply_dom[c, s] += served
                demand_dom[c, s] += base
            else:
                supply[c, s] += served
                demand[c, s] += base


@_jit
def demand_level_markets(target: np.ndarray, target_dom: np.ndarray, ends: Consumers,
                         restricting: np.ndarray, step_max: np.ndarray,
                         level: np.ndarray) -> bool:
    """:func:`demand_level` with each end use moving toward its own market's target: the
    domestic one (``target_dom``) where its country restricts the commodity's exports."""
    commodity, country = ends
    off = 0
    for i in range(level.shape[0]):
        c = commodity[i]
        k = country[i]
        row = level[i]
        for s in range(level.shape[1]):
            tg = target[c, s]
            if restricting[c, s, k]:
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
def country_sums(rows: CountryRows, need: np.ndarray, shortfall: np.ndarray,
                 inv_in: np.ndarray, inv_out: np.ndarray, out: CountryOut) -> None:
    """Per (country, commodity) row: end-use demand and shortfall (t and value), magnet makers'
    need and shortfall, and stocks (in-slots, plus out-slots summed apart, then added)."""
    row_in, stage_in, value, row_out, end, magnet, stock_out = rows
    demand, short, demand_value, short_value, magnet_demand, magnet_short, stock = out
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
def release_sums(pile: PileRows, need: np.ndarray, received: np.ndarray, inv_in: np.ndarray,
                 recycled: np.ndarray | None, recycled_from: int, short: np.ndarray,
                 total_short: np.ndarray, total_need: np.ndarray) -> None:
    """Shortfall beyond own stock (and recycled supply, rows from ``recycled_from``, when
    given) of in-slots ``rows``, ≥ 0, and its sums and the need's per (country,
    commodity) row ``kc`` (``pile = (rows, kc)``, zeroed first)."""
    rows, kc = pile
    total_short[:] = 0.0
    total_need[:] = 0.0
    for j in range(rows.size):
        i = rows[j]
        r = kc[j]
        for s in range(need.shape[1]):
            nd = need[i, s]
            sh = nd - received[i, s] - inv_in[i, s]
            if recycled is not None:
                sh -= recycled[i - recycled_from, s]
            sh = _max(sh, 0.0)
            short[j, s] = sh
            total_short[r, s] += sh
            total_need[r, s] += nd


@_jit
def release_apply(pile: PileRows, short: np.ndarray, share: np.ndarray, received: np.ndarray,
                  released: np.ndarray | None) -> None:
    """``received[rows] += short × share[kc]`` (and ``released``, when given)."""
    rows, kc = pile
    for j in range(rows.size):
        i = rows[j]
        r = kc[j]
        for s in range(short.shape[1]):
            rel = short[j, s] * share[r, s]
            received[i, s] += rel
            if released is not None:
                released[i, s] += rel


@_jit
def scaled_rows(base: np.ndarray, factor: np.ndarray | None, out: np.ndarray) -> None:
    """``out = base[:, None] × factor`` (or ``base[:, None]`` without a factor)."""
    for i in range(out.shape[0]):
        b = base[i]
        row = out[i]
        if factor is not None:
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
def pipe_send(moving: np.ndarray, rows: np.ndarray | None, cols: np.ndarray, slot: np.ndarray,
              share: np.ndarray, pipe: np.ndarray) -> None:
    """``pipe[slot[j], rows[i], cols[j]] += moving[i, cols[j]] × share[j]`` (every row of
    ``pipe`` when ``rows`` is None; rows distinct): a month's cross-border shipments into the
    transit pipeline, one (slot, scenario) pair per scenario (:class:`~rareearth.engine.transit.Transit`)."""
    n = moving.shape[0]
    for i in range(n):
        r = i if rows is None else rows[i]
        src = moving[i]
        for j in range(cols.size):
            s = cols[j]
            pipe[slot[j], r, s] += src[s] * share[j]


@_jit
def pipe_reroute(rcv: np.ndarray, r0: int, stay: np.ndarray,
                 into: tuple[np.ndarray, np.ndarray], rerouted: np.ndarray | None) -> None:
    """Rerouted receipts ``rcv`` of in-slots ``r0:`` that all travel (``Transit.reroute``
    with ``cross`` None): ``later = rcv × stay`` and ``now = rcv − later`` added to the rows
    of ``into = (received, departed)``, ``now`` also to ``rerouted`` when given."""
    received, departed = into
    for i in range(rcv.shape[0]):
        r = r0 + i
        for s in range(rcv.shape[1]):
            m = rcv[i, s]
            later = m * stay[s]
            now = m - later
            received[r, s] += now
            departed[r, s] += later
            if rerouted is not None:
                rerouted[r, s] += now


@_jit
def pairs_of(blocked: np.ndarray, commodities: np.ndarray, suppliers: np.ndarray,
             buyers: np.ndarray, out: np.ndarray) -> bool:
    """``out = blocked[np.ix_(commodities, all scenarios, suppliers, buyers)]`` ((C, S, K, K)
    bool in, (Cg, S, Ks, Kb) out); whether any is set (a group's closed pairs,
    ``Engine.group_blocked``)."""
    some = False
    for a in range(commodities.size):
        src = blocked[commodities[a]]
        for s in range(src.shape[0]):
            for i in range(suppliers.size):
                row = src[s, suppliers[i]]
                dst = out[a, s, i]
                for j in range(buyers.size):
                    v = row[buyers[j]]
                    dst[j] = v
                    some |= v
    return some


@_jit
def ship_cross(cross: CSR, flow: np.ndarray, stay: np.ndarray, received: np.ndarray,
               departed: np.ndarray, moving: np.ndarray) -> None:
    """A stage's cross-border deliveries leave ``received`` for the transit pipeline:
    ``moving = cross @ flow`` (scipy's order), ``later = moving × stay`` (``stay`` (S,): the
    share that arrives in a later month), ``received = maximum(received − later, 0)``,
    ``departed += later`` (``Transit.ship``)."""
    indptr, indices, data = cross
    for i in range(moving.shape[0]):
        row = moving[i]
        _row_product(indptr, indices, data, flow, i, row)
        rc = received[i]
        dp = departed[i]
        for s in range(row.size):
            later = row[s] * stay[s]
            rc[s] = _max(rc[s] - later, 0.0)
            dp[s] += later


#: A batch's events for :func:`redo_events`, per event: kind (0 capacity, 1 demand,
#: 2 restriction, 3 quota), value, quota base (t/month), exporter. Fields:
#: ``(kind, value, base, exporter)``.
EventRows = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
#: Each event's rows in its month array (CSR: ``ptr`` by event, the rows) and, for a quota, each
#: edge's share of its baseline exports. Fields: ``(ptr, rows, share)``.
EventPos = tuple[np.ndarray, np.ndarray, np.ndarray]
#: Each event's commodities and importers (CSR by event). Fields:
#: ``(com_ptr, commodities, imp_ptr, importers)``.
EventPairs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
#: Per scenario, its events in order (CSR by scenario), and the rows its events touch in the
#: capacity, demand and trade arrays (CSR by scenario each). Fields:
#: ``(ptr, events, cap_ptr, cap_rows, demand_ptr, demand_rows, trade_ptr, trade_rows)``.
EventScenarios = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                       np.ndarray, np.ndarray]
#: The four together. Fields: ``(events, pos, pairs, by)``.
EventTable = tuple[EventRows, EventPos, EventPairs, EventScenarios]


@_inline
def _close_pairs(pairs: EventPairs, i: int, s: int, exporter: int, blocked: np.ndarray) -> None:
    com_ptr, coms, imp_ptr, imps = pairs
    for a in range(com_ptr[i], com_ptr[i + 1]):
        for b in range(imp_ptr[i], imp_ptr[i + 1]):
            blocked[coms[a], s, exporter, imps[b]] = True


@_jit
def redo_events(scenarios: np.ndarray, levels: np.ndarray, table: EventTable,
                cap: np.ndarray | None, demand: np.ndarray | None, keep: np.ndarray | None,
                allowance: np.ndarray | None, blocked: np.ndarray | None) -> None:
    """The month's event arrays of ``scenarios`` afresh at intensities ``levels`` (per event):
    the rows their events touch reset (1, the allowance ∞, no pair closed), then each event of
    the scenario in order scales its rows by ``1 − (1 − value) × level`` (capacity, demand) or
    the keep by ``1 − value × level`` (restriction, when > 0), closing its pairs; quotas last,
    in order: ``allowance = minimum(allowance, (level × value + (1 − level) × base) × share)``
    (when ``base > 0``), closing their pairs (``EventSchedule.at``)."""
    events, pos, pairs, by = table
    kind, value, base, exporter = events
    ptr, rows, share = pos
    sc_ptr, sc_events, cap_ptr, cap_rows, dem_ptr, dem_rows, trd_ptr, trd_rows = by
    for q in range(scenarios.size):
        s = scenarios[q]
        if cap is not None:
            for j in range(cap_ptr[s], cap_ptr[s + 1]):
                cap[cap_rows[j], s] = 1.0
        if demand is not None:
            for j in range(dem_ptr[s], dem_ptr[s + 1]):
                demand[dem_rows[j], s] = 1.0
        if keep is not None:
            for j in range(trd_ptr[s], trd_ptr[s + 1]):
                keep[trd_rows[j], s] = 1.0
        if allowance is not None:
            for j in range(trd_ptr[s], trd_ptr[s + 1]):
                allowance[trd_rows[j], s] = np.inf
        if blocked is not None:
            for c in range(blocked.shape[0]):
                for a in range(blocked.shape[2]):
                    for b in range(blocked.shape[3]):
                        blocked[c, s, a, b] = False
        for e in range(sc_ptr[s], sc_ptr[s + 1]):
            i = sc_events[e]
            level = levels[i]
            if level <= 0:
                continue
            k = kind[i]
            if k == 0 and cap is not None:
                factor = 1.0 - (1.0 - value[i]) * level
                for j in range(ptr[i], ptr[i + 1]):
                    cap[rows[j], s] *= factor
            elif k == 1 and demand is not None:
                factor = 1.0 - (1.0 - value[i]) * level
                for j in range(ptr[i], ptr[i + 1]):
                    demand[rows[j], s] *= factor
            elif k == 2 and keep is not None and blocked is not None:
                cut = value[i] * level
                if cut > 0:
                    factor = 1.0 - cut
                    for j in range(ptr[i], ptr[i + 1]):
                        keep[rows[j], s] *= factor
                    _close_pairs(pairs, i, s, exporter[i], blocked)
        for e in range(sc_ptr[s], sc_ptr[s + 1]):
            i = sc_events[e]
            level = levels[i]
            if level <= 0 or kind[i] != 3 or allowance is None or blocked is None:
                continue
            allowed = level * value[i] + (1.0 - level) * base[i]
            if base[i] > 0:
                for j in range(ptr[i], ptr[i + 1]):
                    r = rows[j]
                    allowance[r, s] = _min(allowance[r, s], allowed * share[j])
            _close_pairs(pairs, i, s, exporter[i], blocked)
