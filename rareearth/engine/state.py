"""What a month reads and writes: the run's state, the month's flows, rerouted-flow records.

Every array is ``(rows, S)``: slot-major, one column per scenario of the batch, float64 (t or
t/month) unless said otherwise. ``I`` in-slots, ``O`` out-slots, ``E`` edges, ``K`` countries,
``C`` commodities, ``E_end`` end-use in-slots (see :mod:`rareearth.engine.structure`).

:class:`RunState` is carried from one month to the next (a month starts from it and leaves it
for the next); :class:`MonthFlows` is rewritten every month (the month's quantities, which the
record copies). An allocator (:mod:`rareearth.engine.allocation`) reads both and writes only the
fields its contract names. :class:`Rerouted` is one record of rerouted deliveries.

Examples
--------
>>> import numpy as np
>>> r = Rerouted(month=0, stage=4, sstage=3, pairs=np.zeros((4, 0), np.int64),
...              tonnes=np.zeros(0), sales=np.zeros((2, 1)), receipts=np.zeros((3, 1)))
>>> r.stage, r.sstage, r.pairs.shape
(4, 3, (4, 0))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

__all__ = ["MonthFlows", "Rerouted", "RunState"]


@dataclass(eq=False)
class RunState:
    """The state a month starts from and leaves for the next.

    Attributes
    ----------
    inv_in : (I, S)
        Stock of each in-slot (inputs; at end use, of the consumed commodity), t.
    inv_out : (O, S)
        Inventory of each out-slot's own output, t.
    pile : (K*C, S)
        National stockpile per (country, commodity) row ``k × C + c``, t.
    ramp : (O, S)
        Ramp state in [0, 1]: the share of spare capacity an out-slot can use if asked.
    extra : (O, S)
        Extra output planned for last month's rerouted buyers (and offtake partners).
    level : (E_end, S)
        End-use demand level (price response): demand = base × level × shocks.
    consumed_prev : (E_end, S)
        Last month's end-use consumption (recycling draws on it).
    price, price_dom : (C, S)
        Price index P/P0 on the export market, and inside the countries restricting exports.
    in_coef : (I,)
        This run's Leontief coefficients (the structure's × the levers' input factors).
    lead : (S, K, K)
        Lead time of a new (exporter, importer) link, months.
    level_moved : bool
        Whether demand is off its base level (the price response has something to move).
    """

    inv_in: np.ndarray
    inv_out: np.ndarray
    pile: np.ndarray
    ramp: np.ndarray
    extra: np.ndarray
    level: np.ndarray
    consumed_prev: np.ndarray
    price: np.ndarray
    price_dom: np.ndarray
    in_coef: np.ndarray
    lead: np.ndarray
    level_moved: bool = False


@dataclass(eq=False)
class MonthFlows:
    """This month's quantities, rewritten every month (what the record copies).

    In-slots (I, S): ``need`` (end-use demand, or the inputs the plans need), ``order`` (need
    plus stock refill), ``received``, ``used``, ``shortfall``, ``rerouted_in`` and ``released``
    (the parts of ``received`` that came by rerouting and from national stockpiles).
    Out-slots (O, S): ``cap``, ``added`` (capacity added by levers), ``plan``, ``prod``,
    ``left`` (unsold output, next month's inventory), ``shipped``, ``rerouted_out`` (the
    rerouted part of ``shipped``), ``ordered`` (orders received), ``total`` (what may ship:
    orders less cuts), ``beyond`` (output made beyond orders), ``extra_next`` (next month's
    :attr:`RunState.extra`), ``asked`` (bool: the out-slot's pool was asked to reroute).
    ``edge_flow`` (E, S): shipments per baseline edge (written only where edges are explicit).
    ``recycled`` (E_end, S): secondary supply; ``rate_left`` (K*C, S): what national stockpiles
    may still release this month; ``demand_now`` is the end-use rows of ``need``.

    ``rerouted_dirty``/``released_dirty``: ``rerouted_in``/``released`` were written although
    not tracked, so the engine clears them next month.
    """

    need: np.ndarray
    order: np.ndarray
    received: np.ndarray
    used: np.ndarray
    shortfall: np.ndarray
    rerouted_in: np.ndarray
    released: np.ndarray
    cap: np.ndarray
    added: np.ndarray
    plan: np.ndarray
    prod: np.ndarray
    left: np.ndarray
    shipped: np.ndarray
    rerouted_out: np.ndarray
    ordered: np.ndarray
    total: np.ndarray
    beyond: np.ndarray
    extra_next: np.ndarray
    asked: np.ndarray
    edge_flow: np.ndarray
    recycled: np.ndarray
    rate_left: np.ndarray
    demand_now: np.ndarray
    rerouted_dirty: bool = False
    released_dirty: bool = False


class Rerouted(NamedTuple):
    """Rerouted deliveries of one month from one supplier stage to one buyer stage.

    Attributes
    ----------
    month : int
    stage, sstage : int
        Buyer stage and supplier stage (the rerouting group, ``Structure.groups``).
    pairs : (4, n) int64
        Per delivery: supplier country, buyer country, commodity, scenario.
    tonnes : (n,)
        What each delivery carries, t/month.
    sales : (O_sstage, S)
        What each out-slot of the supplier stage sold to rerouted buyers.
    receipts : (stop − start, S)
        What each in-slot of the group received by rerouting.
    """

    month: int
    stage: int
    sstage: int
    pairs: np.ndarray
    tonnes: np.ndarray
    sales: np.ndarray
    receipts: np.ndarray
