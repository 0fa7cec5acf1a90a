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
        kc, n_s = st.n_countries * st.n_commodities, levers.stockpile.shape[2]
        #: release threshold per (country, commodity) row, and the release's work arrays
        self.threshold = np.ascontiguousarray(levers.release_threshold.reshape(kc, n_s))
        self.work = (np.empty((kc, n_s)), np.empty((kc, n_s)), np.empty((kc, n_s)),
                     np.empty((kc, n_s)))

    def release(self, stage: int, state: RunState, flows: MonthFlows, recycling: bool,
                released: np.ndarray | None) -> None:
        """Release to ``stage``'s nodes into ``flows.received`` (and ``released``, when given,
        the tracked part of receipts), drawing on ``state.pile`` and ``flows.rate_left``
        (:func:`kernels.release_pile`)."""
        st = self.st
        pile = self.rows[stage]
        if pile[0].size == 0:
            return
        short = self.scratch("release_short", pile[0].size)
        # the threshold caps the shortfall: releasing all of it once triggered would make a
        # larger shortfall end smaller than a mild one below the threshold
        if kernels.release_pile(pile, (flows.need, flows.received, state.inv_in),
                                flows.recycled if stage == st.end_use and recycling else None,
                                st.in_range[st.end_use][0], self.threshold,
                                (state.pile, flows.rate_left), (short, *self.work), released) \
                and released is not None:
            flows.released_dirty = True
