"""Restriction and quota cuts on baseline edges: which edges, and this month's cuts on them.

An export restriction or quota of the batch touches some baseline edges (the schedule's
``edges``, sorted); :class:`EdgeCuts` knows, per stage, which of them are the stage's, where
each stored entry of the stage's ``order_to_out`` (transposed) and ``fill_to_in`` sits among
them, and lists each month the (edge, scenario) entries that cut anything
(:class:`~rareearth.engine.bundles.Cuts`, for the kernels). Held orders
(:class:`~rareearth.engine.transit.HeldOrders`) raise an edge's ``keep`` above 1.

Examples
--------
>>> from rareearth.engine.bundles import NO_CUTS
>>> NO_CUTS[0]
False
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from rareearth.engine import kernels
from rareearth.engine.bundles import NO_CUTS, Cuts
from rareearth.engine.events import EventSchedule, MonthEvents
from rareearth.engine.structure import Structure

if TYPE_CHECKING:
    from rareearth.engine.transit import HeldOrders

__all__ = ["EdgeCuts"]


class EdgeCuts:
    """The restricted edges of a batch and the month's cuts on them (module docstring).

    Parameters
    ----------
    structure : Structure
    schedule : EventSchedule
    order_by_buyer : list of scipy CSR
        Per stage, ``order_to_out`` transposed with sorted rows (the plan kernel's operand).

    Attributes
    ----------
    restricted : list of (r0, r1) or None
        Per stage, the slice of the schedule's ``edges`` that are the stage's.
    plan_rows, receive_rows : list of int arrays
        Per stage, the row in ``keep``/``allowance`` of each stored entry of ``order_by_buyer``
        and of ``fill_to_in`` (−1: never restricted).
    held : HeldOrders or None
        Set by the engine when blocked orders wait.
    """

    def __init__(self, structure: Structure, schedule: EventSchedule,
                 order_by_buyer: list[sp.csr_matrix]) -> None:
        self.st = structure
        self.schedule = schedule
        self.order_by_buyer = order_by_buyer
        self.restricted = self._restricted_operators()
        self.plan_rows, self.receive_rows = self._cut_rows()
        n_r = schedule.edges.size
        self._active = (np.zeros(n_r + 1, np.int64), np.empty(0, np.int64), np.empty(0),
                        np.empty(0))
        self._active_at: tuple[int, int] | int = -1
        self._cuts = NO_CUTS
        self.held: HeldOrders | None = None
        self.ev = MonthEvents(None, None, None, None)

    def _restricted_operators(self) -> list[tuple[int, int] | None]:
        """Per stage: the slice (r0, r1) of the schedule's restricted edges, or None."""
        st = self.st
        edges = self.schedule.edges
        out: list[tuple[int, int] | None] = []
        for stage in st.producing:
            e0, e1 = st.edge_range[stage]
            r0, r1 = (int(x) for x in np.searchsorted(edges, [e0, e1]))
            out.append((r0, r1) if r1 > r0 else None)
        return out

    def _cut_rows(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per stage, for each stored entry of ``order_to_out`` and of ``fill_to_in``: the row
        of its edge in the schedule's ``keep``/``allowance`` (−1: never restricted)."""
        st = self.st
        edges = self.schedule.edges
        plan_rows, receive_rows = [], []
        for stage in st.producing:
            e0, e1 = st.edge_range[stage]
            o0 = st.out_range[stage][0]
            # an edge is its (source out-slot, target in-slot) pair, unique within a stage
            key = st.edge_src[e0:e1].astype(np.int64) * st.n_in + st.edge_tgt[e0:e1]
            assert np.all(np.diff(key) > 0), "edges must be sorted and unique per slot pair"

            def rows_of(src: np.ndarray, tgt: np.ndarray, key: np.ndarray = key,
                        e0: int = e0) -> np.ndarray:
                k = src.astype(np.int64) * st.n_in + tgt
                e = np.searchsorted(key, k)
                assert np.all(key[np.minimum(e, key.size - 1)] == k)
                if edges.size == 0:
                    return np.full(k.size, -1, dtype=np.int64)
                r = np.searchsorted(edges, e + e0)
                found = (r < edges.size) & (edges[np.minimum(r, edges.size - 1)] == e + e0)
                return np.where(found, r, -1).astype(np.int64)

            m = self.order_by_buyer[stage].tocoo()
            plan_rows.append(rows_of(m.col + o0, m.row) if m.nnz else np.zeros(0, np.int64))
            m = st.fill_to_in[stage].tocoo()
            receive_rows.append(rows_of(m.col + o0, st.fed[stage][m.row]) if m.nnz
                                else np.zeros(0, np.int64))
        return plan_rows, receive_rows

    @property
    def keep_now(self) -> np.ndarray | None:
        """Share of each restricted edge's order that may ship this month (R, S): the events'
        ``keep``, raised above 1 where held orders are released (:class:`HeldOrders`)."""
        if self.held is not None and self.held.active:
            return self.held.keep
        return self.ev.keep

    def cuts(self) -> Cuts:
        """This month's restriction and quota cuts for the kernels (:class:`Cuts`): the entries
        of the schedule's restricted edges that cut anything (:func:`kernels.active_entries`),
        listed again when the events change.
        """
        ev = self.ev
        keep = self.keep_now
        if keep is None:
            return NO_CUTS
        version = (self.schedule.version, self.held.version if self.held is not None else 0)
        if self._active_at != version:
            while True:
                ptr, scenario, keep_of, allow_of = self._active
                n = kernels.active_entries(keep, ev.allowance, ptr, scenario, keep_of, allow_of)
                if n >= 0:
                    break
                size = max(2 * scenario.size, keep.size // 8, 1024)
                self._active = (ptr, np.empty(size, np.int64), np.empty(size), np.empty(size))
            self._active_at = version
            self._cuts = (True, *self._active, ev.allowance is not None)
        return self._cuts

    def shippable(self, stage: int, order: np.ndarray) -> np.ndarray:
        """Most each edge of ``stage`` may carry this month, (E_stage, S) t/month.

        ``share × buyer's order``, cut by restrictions and capped by export-quota allowances as
        the proportional allocation does (``keep × min(share × order, allowance)``); a buyer
        gets no more than it ordered. For other allocators (the optimal LP's upper bounds).
        """
        st = self.st
        e0, e1 = st.edge_range[stage]
        cap: np.ndarray = order[st.edge_tgt[e0:e1]] * st.edge_share[e0:e1, None]
        restricted = self.restricted[stage]
        keep = self.keep_now
        if restricted is not None and keep is not None:
            r0, r1 = restricted[0], restricted[1]
            local = self.schedule.edges[r0:r1] - e0
            capped = cap[local]
            if self.ev.allowance is not None:
                np.minimum(capped, self.ev.allowance[r0:r1], out=capped)
            capped *= keep[r0:r1]
            cap[local] = capped
        return cap
