"""MODEL.md §3 step 5: national stockpiles released to nodes short beyond a threshold.

Per country and commodity, over a stage's nodes: the shortfall beyond own stock (and recycled
supply at end use) minus ``release_threshold × need``, at most the stockpile and what is left
of this month's release rate, shared pro rata to the nodes' shortfalls. Only in-slots whose
(country, commodity) holds a stockpile (now, or added later by a lever) are looked at.

Examples
--------
>>> import rareearth as ree
>>> from rareearth import examples
>>> net = examples.tiny()
>>> res = ree.simulate(net, examples.embargo(3))
>>> bool((res.arrays["stockpile"] >= 0).all())
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rareearth.engine import kernels
from rareearth.engine.levers import LeverArrays
from rareearth.engine.state import MonthFlows, RunState
from rareearth.engine.structure import Structure

__all__ = ["Stockpiles"]

_TINY = 1e-12


class Stockpiles:
    """Which in-slots national stockpiles serve, and the month's release (module docstring).

    Parameters
    ----------
    structure : Structure
    levers : LeverArrays
        Stockpiles (K, C, S), those added later, thresholds and release rates.
    scratch : callable
        The engine's ``scratch(name, rows)`` (reusable work arrays).
    """

    def __init__(self, structure: Structure, levers: LeverArrays,
                 scratch: Callable[[str, int], np.ndarray]) -> None:
        st = self.st = structure
        self.levers = levers
        self.scratch = scratch
        held: np.ndarray = np.asarray((levers.stockpile > 0).any(axis=2))  # (K, C)
        if levers.pile_add.shape[0]:  # stockpiles added later count from the start
            held.reshape(-1)[levers.pile_add[:, 1].astype(np.int64)] = True
        rows = [np.flatnonzero(held[st.in_country[i0:i1], st.in_commodity[i0:i1]]) + i0
                for i0, i1 in st.in_range]
        #: per stage, the in-slots a stockpile can release to and their (country, commodity)
        self.rows = [(r, st.in_country[r] * st.n_commodities
                                      + st.in_commodity[r]) for r in rows]

    def release(self, stage: int, state: RunState, flows: MonthFlows, recycling: bool,
                released: np.ndarray | None) -> None:
        """Release to ``stage``'s nodes into ``flows.received`` (and ``released``, when given,
        the tracked part of receipts), drawing on ``state.pile`` and ``flows.rate_left``."""
        st = self.st
        pile = self.rows[stage]
        if pile[0].size == 0:
            return
        short = self.scratch("release_short", pile[0].size)
        total_short = np.empty_like(state.pile)
        total_need = np.empty_like(state.pile)
        kernels.release_sums(pile, flows.need, flows.received, state.inv_in,
                             flows.recycled if stage == st.end_use and recycling else None,
                             st.in_range[st.end_use][0], short, total_short, total_need)
        # release what exceeds the threshold share of need: the stockpile caps the shortfall at
        # the threshold (releasing all of it once triggered would make a larger shortfall end
        # smaller than a mild one below the threshold)
        thr = self.levers.release_threshold.reshape(total_short.shape)
        excess = total_short - thr * total_need
        excess *= excess > _TINY
        amount = np.minimum(np.minimum(state.pile, flows.rate_left), excess)
        if not amount.any():
            return
        state.pile -= amount
        flows.rate_left -= amount
        share = np.divide(amount, total_short, out=np.zeros_like(amount), where=total_short > 0)
        kernels.release_apply(pile, short, share, flows.received, released)
        if released is not None:
            flows.released_dirty = True
