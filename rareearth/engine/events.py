"""Scenario events → the per-month arrays the engine multiplies in.

This is the one place that knows the event classes of :mod:`rareearth.scenario`. For a batch of
S scenarios over T months it gives, for month ``t``:

``cap_factor`` (O, S)
    capacity multiplier per out-slot: product over capacity shocks of
    ``1 − (1 − factor) × intensity``.
``keep`` (E, S)
    share of each edge's order that may ship: product over export restrictions of
    ``1 − severity × intensity``, then export quotas, which scale the exporter's remaining exports
    of the commodities so that their baseline volume is at most
    ``intensity × cap/12 + (1 − intensity) × baseline/12`` (shared in proportion to baseline).
``demand_factor`` (I_end, S)
    end-use demand multiplier: product over demand shocks of ``1 − (1 − factor) × intensity``.
``blocked`` (K, K, C, S) bool
    country pairs (exporter, importer) and commodities closed to *rerouting* this month: any
    active restriction (severity × intensity > 0) and, for quotas, every export of the exporter
    (a licensing or quota regime does not license new contracts).

Arrays are recomputed only in months where some event's intensity changes, and are shared
read-only between months: callers must not write into them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rareearth.engine.structure import END_USE, Structure
from rareearth.errors import ScenarioError
from rareearth.records import STAGES, parse_node_id

__all__ = ["EventSchedule", "MonthEvents"]


@dataclass(frozen=True, eq=False)
class MonthEvents:
    """Event arrays of one month (``None`` means "no effect": all ones / nothing blocked)."""

    cap_factor: np.ndarray | None
    keep: np.ndarray | None
    demand_factor: np.ndarray | None
    blocked: np.ndarray | None


@dataclass(frozen=True, eq=False)
class _Compiled:
    kind: str  # "restriction", "quota", "capacity", "demand"
    scenario: int
    intensity: np.ndarray  # (T,)
    slots: np.ndarray  # edges, out-slots or end-use in-slot offsets
    value: float  # severity, cap t/month, or factor
    exporter: int = -1
    importers: np.ndarray | None = None
    commodities: np.ndarray | None = None
    base: float = 0.0  # quota: baseline exports t/month


class EventSchedule:
    """Per-month event arrays of a batch of scenarios (see module docstring).

    Parameters
    ----------
    structure : Structure
        The engine's index structure.
    net : SupplyNetwork
        Used to resolve commodity aliases and sectors.
    scenarios : sequence of Scenario
        One per batch column.
    months : int
        Horizon T of the batch (scenarios shorter than T have no events after their end).
    """

    def __init__(self, structure: Structure, net: Any, scenarios: Sequence[Any], months: int) -> None:
        self.structure = structure
        self.months = months
        self.n_scenarios = len(scenarios)
        self.events: list[_Compiled] = []
        for s, scenario in enumerate(scenarios):
            start = pd.Period(scenario.start, freq="M")
            for i, event in enumerate(scenario.events):
                level = np.zeros(months)
                level[: scenario.months] = event.intensity(start, scenario.months)[:months]
                self.events.append(self._compile(event, s, level, net, f"events[{i}]"))
        self.intensities = (
            np.vstack([e.intensity for e in self.events]) if self.events else np.zeros((0, months))
        )
        self._last_key: bytes | None = None
        self._last: MonthEvents = MonthEvents(None, None, None, None)

    # ------------------------------------------------------------------ compile

    def _commodities(self, event: Any, net: Any) -> np.ndarray:
        index = self.structure.compiled.commodity_index
        return np.array(sorted(index[c] for c in event.resolve_commodities(net)), dtype=np.int64)

    def _compile(self, event: Any, s: int, level: np.ndarray, net: Any, where: str) -> _Compiled:
        st = self.structure
        cn = st.compiled
        kind = getattr(event, "type", "")
        if kind in ("export_restriction", "export_quota"):
            exporter = cn.country_index[event.exporter]
            coms = self._commodities(event, net)
            src_country = st.out_country[st.edge_src]
            tgt_country = st.in_country[st.edge_tgt]
            targets = getattr(event, "targets", "all")
            if targets == "all":
                importers = np.array([j for j in range(st.n_countries) if j != exporter], dtype=np.int64)
            else:
                importers = np.array([cn.country_index[t] for t in targets], dtype=np.int64)
            match = (
                (src_country == exporter)
                & np.isin(tgt_country, importers)
                & np.isin(st.edge_commodity, coms)
            )
            edges = np.flatnonzero(match)
            if kind == "export_restriction":
                return _Compiled("restriction", s, level, edges, float(event.severity), exporter,
                                 importers, coms)
            base = float(st.edge_base[edges].sum())
            return _Compiled("quota", s, level, edges, float(event.tonnes_per_year) / 12.0,
                             exporter, importers, coms, base)
        if kind == "capacity_shock":
            coms = self._commodities(event, net)
            nodes = cn.node_ids
            if event.node is not None:
                node_mask = np.array([n == event.node for n in nodes])
            else:
                country = cn.country_index[event.country]
                node_mask = cn.node_country == country
                if event.stage is not None:
                    node_mask &= cn.node_stage == STAGES.index(event.stage)
            slots = np.flatnonzero(node_mask[st.out_node] & np.isin(st.out_commodity, coms))
            return _Compiled("capacity", s, level, slots, float(event.factor))
        if kind == "demand_shock":
            i0, i1 = st.in_range[END_USE]
            country = cn.country_index[event.country]
            sectors = np.array([parse_node_id(cn.node_ids[n]).facility for n in st.in_node[i0:i1]])
            mask = st.in_country[i0:i1] == country
            if event.sector != "all":
                mask &= sectors == event.sector
            return _Compiled("demand", s, level, np.flatnonzero(mask), float(event.factor))
        raise ScenarioError(f"{where}: the engine does not know events of type {kind!r}")

    # ------------------------------------------------------------------ per month

    @property
    def has_blocking(self) -> bool:
        """Whether any event can close country pairs to rerouting."""
        return any(e.kind in ("restriction", "quota") for e in self.events)

    def at(self, t: int) -> MonthEvents:
        """Event arrays of month ``t`` (0-based), cached while intensities do not change."""
        if not self.events:
            return self._last
        levels = self.intensities[:, t]
        key = levels.tobytes()
        if key == self._last_key:
            return self._last
        self._last_key = key
        self._last = self._build(levels)
        return self._last

    def _build(self, levels: np.ndarray) -> MonthEvents:
        st = self.structure
        n_s = self.n_scenarios
        cap: np.ndarray | None = None
        keep: np.ndarray | None = None
        demand: np.ndarray | None = None
        blocked: np.ndarray | None = None
        i0, i1 = st.in_range[END_USE]
        for event, level in zip(self.events, levels, strict=True):
            s = event.scenario
            if level <= 0:
                continue
            if event.kind == "capacity":
                if cap is None:
                    cap = np.ones((st.n_out, n_s))
                cap[event.slots, s] *= 1.0 - (1.0 - event.value) * level
            elif event.kind == "demand":
                if demand is None:
                    demand = np.ones((i1 - i0, n_s))
                demand[event.slots, s] *= 1.0 - (1.0 - event.value) * level
            elif event.kind == "restriction":
                cut = event.value * level
                if cut <= 0:
                    continue
                if keep is None:
                    keep = np.ones((st.n_edges, n_s))
                keep[event.slots, s] *= 1.0 - cut
                blocked = self._block(blocked, event)
        # quotas after every restriction: they cap what the restrictions leave
        for event, level in zip(self.events, levels, strict=True):
            if event.kind != "quota" or level <= 0:
                continue
            s = event.scenario
            if keep is None:
                keep = np.ones((st.n_edges, n_s))
            allowed = level * event.value + (1.0 - level) * event.base
            remaining = float(np.dot(keep[event.slots, s], st.edge_base[event.slots]))
            if remaining > allowed:
                keep[event.slots, s] *= allowed / remaining
            blocked = self._block(blocked, event)
        return MonthEvents(cap, keep, demand, blocked)

    def _block(self, blocked: np.ndarray | None, event: _Compiled) -> np.ndarray:
        st = self.structure
        if blocked is None:
            blocked = np.zeros((st.n_countries, st.n_countries, st.n_commodities, self.n_scenarios),
                               dtype=bool)
        assert event.importers is not None and event.commodities is not None
        blocked[event.exporter, event.importers[:, None], event.commodities[None, :], event.scenario] = True
        return blocked
