"""MODEL.md §3 steps 6–7: the month's price index per commodity, and the demand response.

A commodity's price index comes from its consumers' served share of their base demand on two
markets: the export market, and the domestic market of each country restricting that
commodity's exports (its consumers are left out of the export market). End-use demand then
moves toward ``base × P^(−η)`` of its own market, at most ``substitution_max_per_year / 12``
of base per month.

Examples
--------
>>> import numpy as np
>>> from rareearth import examples
>>> from rareearth.engine.structure import build_structure
>>> from rareearth.engine.params import batch_parameters
>>> cn = examples.tiny().compile()
>>> prices = Prices(build_structure(cn), batch_parameters(cn.parameters, [None], 1))
>>> bool(prices.log_index(np.ones((prices.n_c, 1)), np.full((prices.n_c, 1), 2.0)).max() > 0)
True
"""

from __future__ import annotations

import numpy as np

from rareearth.engine import kernels
from rareearth.engine.params import BatchParameters
from rareearth.engine.state import MonthFlows, RunState
from rareearth.engine.structure import Structure

__all__ = ["Prices"]

_TINY = 1e-12
#: Relative rounding (see :data:`rareearth.engine.core.ROUNDING`).
ROUNDING = 1e-10
#: An index within this (in log, 0.01%) of its market-clearing level is at it.
SNAP = 1e-4


class Prices:
    """The price index and demand response of a batch (module docstring)."""

    def __init__(self, structure: Structure, params: BatchParameters) -> None:
        st = structure
        self.params = params
        #: every scenario's index is the month's clearing price (λ = 1): nothing to adjust
        self.clears = bool((params.price_adjustment_per_month >= 1.0).all())
        self.n_c = c = st.n_commodities
        n_s = params.elasticity_scale.shape[0]
        e0, e1 = st.in_range[st.end_use]
        self.elasticity = st.compiled.price_elasticity[:, None] * params.elasticity_scale[None, :]
        consumers = np.flatnonzero(st.consumer)
        self.consumer_start = int(consumers[0]) if consumers.size else st.n_in
        assert consumers.size == 0 or (consumers == np.arange(self.consumer_start, st.n_in)).all()
        self.level_from = e0 - self.consumer_start
        # the export market: commodity and country of each consumer, to leave out the consumers
        # of countries restricting exports of their commodity
        self.consumers = (st.in_commodity[self.consumer_start :],
                                           st.in_country[self.consumer_start :])
        self.ends = (st.in_commodity[e0:e1], st.in_country[e0:e1])
        self.markets = (np.zeros((c, n_s)), np.zeros((c, n_s)), np.zeros((c, n_s)),
                                       np.zeros((c, n_s)))

    def update(self, state: RunState, flows: MonthFlows, restricting: np.ndarray | None) -> None:
        """This month's price indices (``state.price``, ``state.price_dom``) and next month's
        demand level (``state.level``) from the month's receipts; ``restricting`` (C, S, K) the
        countries restricting a commodity's exports (None: none)."""
        c0 = self.consumer_start
        mk = self.markets
        # price index per commodity over consumers (magnet makers and end use: the last slots)
        # on the export market: without those of countries restricting that commodity's exports
        kernels.price_markets(flows.received[c0:], flows.need[c0:], self.consumers, restricting,
                              state.level, self.level_from, mk)
        supply, demand, supply_dom, demand_dom = mk
        clear = self.log_index(supply, demand)
        log_p = self.adjust(state.price, clear)
        np.exp(log_p, out=state.price)
        log_dom = log_p  # one market: China's consumers pay the export index
        if restricting is not None:
            clear_dom = np.where(demand_dom > _TINY, self.log_index(supply_dom, demand_dom), clear)
            log_dom = self.adjust(state.price_dom, clear_dom)
        np.exp(log_dom, out=state.price_dom)
        # demand moves toward base × P^(−η) of its own market, at most substitution_max/12 of
        # base per month
        if not log_p.any() and not log_dom.any() and not state.level_moved:
            return  # prices at reference and demand at base: nothing moves
        target = np.exp(-self.elasticity * log_p)  # (C, S)
        step = self.params.substitution_max_per_year / 12.0
        if restricting is not None:
            state.level_moved = kernels.demand_level_markets(
                target, np.exp(-self.elasticity * log_dom), self.ends, restricting, step,
                state.level)
        else:
            state.level_moved = kernels.demand_level(target, self.ends[0], step,
                                                     state.level)

    def adjust(self, prev: np.ndarray, log_clear: np.ndarray) -> np.ndarray:
        """The month's ``log(P/P0)``: last month's index ``prev`` moved
        ``price_adjustment_per_month`` (λ) of the way, in log, to the market-clearing
        ``log_clear`` (λ = 1: the clearing price itself; within :data:`SNAP` of it: at it, so a
        relaxed index returns to its reference exactly)."""
        if self.clears:  # λ = 1 in every scenario (a dataset silent on it)
            return log_clear
        lam = self.params.price_adjustment_per_month[None, :]
        log_prev = np.log(prev)
        log_p = np.where(lam >= 1.0, log_clear, log_prev + lam * (log_clear - log_prev))
        near = np.abs(log_p - log_clear) < SNAP
        log_p[near] = log_clear[near]
        return log_p

    def log_index(self, supply: np.ndarray, demand: np.ndarray) -> np.ndarray:
        """``log(P/P0) = −log(S/D) / η``, capped at ``price_cap`` (S/D within rounding of 1: 0)."""
        ratio = np.divide(supply, demand, out=np.ones_like(supply), where=demand > _TINY)
        ratio[ratio >= 1.0 - ROUNDING] = 1.0
        np.clip(ratio, 1e-300, 1.0, out=ratio)
        log_p: np.ndarray = -np.log(ratio) / self.elasticity
        np.minimum(log_p, np.log(self.params.price_cap)[None, :], out=log_p)
        return log_p
