"""Scenario events → the per-month arrays the engine multiplies in.

This is the one place that knows the event classes of :mod:`rareearth.scenario`. For a batch of
S scenarios over T months it gives, for month ``t``:

``cap_factor`` (O, S)
    capacity multiplier per out-slot: product over capacity shocks of
    ``1 − (1 − factor) × intensity``.
``keep`` (R, S), for the R edges ``edges`` that some trade event of the batch touches
    share of each edge's order that may ship: product over export restrictions of
    ``1 − severity × intensity``.
``allowance`` (R, S), t/month
    most each restricted edge may ship (inf where no quota applies): an export quota allows
    ``intensity × cap/12 + (1 − intensity) × baseline/12`` of the exporter's exports of the
    commodities, shared among its export edges in proportion to their baseline; an edge under
    several quotas gets the least. It caps actual shipments, whatever the orders.
``demand_factor`` (I_end, S)
    end-use demand multiplier: product over demand shocks of ``1 − (1 − factor) × intensity``.
``blocked`` (C, S, K, K) bool
    country pairs (exporter, importer) and commodities closed to *rerouting* this month: any
    active restriction (severity × intensity > 0) and, for quotas, every export of the exporter
    (a licensing or quota regime does not license new contracts).

Arrays are buffers updated in place, and only for the scenarios whose event intensities changed
since the previous month: callers must not write into them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rareearth.engine import kernels
from rareearth.engine.structure import Structure
from rareearth.errors import ScenarioError
from rareearth.records import sector_of
from rareearth.scenario_events import _Event, event_levels

if TYPE_CHECKING:
    from rareearth.protocols import NetworkLike
    from rareearth.scenario import Scenario

__all__ = ["EventSchedule", "MonthEvents"]


@dataclass(frozen=True, eq=False)
class MonthEvents:
    """Event arrays of one month (``None`` means "no effect": all ones / nothing blocked).

    ``keep`` has one row per edge in ``edges`` (structure edge indices, sorted): the edges that
    some restriction or quota of the batch touches; every other edge ships in full.
    """

    cap_factor: np.ndarray | None
    keep: np.ndarray | None
    demand_factor: np.ndarray | None
    blocked: np.ndarray | None
    edges: np.ndarray | None = None
    allowance: np.ndarray | None = None


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
    profile: bool = False  # a restriction with a monthly profile: an approval path
    #: level on each month's last day, (T,)
    month_end: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _selection_key(event: Any) -> tuple[Any, ...] | None:
    """The fields that choose an event's slots (not its strength or timing), or None for an
    event type the engine does not know (compiled each time, to raise)."""
    kind = getattr(event, "type", "")
    spec = getattr(event, "commodities", None)
    coms = spec if isinstance(spec, str) or spec is None else tuple(spec)
    if kind in ("export_restriction", "export_quota"):
        targets = getattr(event, "targets", "all")
        targets = targets if isinstance(targets, str) else tuple(targets)
        return (kind, event.exporter, targets, coms)
    if kind == "capacity_shock":
        return (kind, event.node, event.country, event.stage, coms)
    if kind == "demand_shock":
        return (kind, event.country, event.sector)
    return None


_Selections = tuple[dict[tuple[Any, ...], "_Compiled"], dict[Any, np.ndarray]]


def _selections(net: Any, structure: Structure) -> _Selections:
    """The event selections and resolved commodities kept with ``net`` for ``structure`` (fresh
    ones for a network without a cache)."""
    if not hasattr(net, "cached"):
        return {}, {}
    per: dict[int, tuple[Structure, _Selections]] = net.cached("engine.event-selections", None,
                                                               dict)
    entry = per.get(id(structure))
    if entry is None or entry[0] is not structure:
        entry = per[id(structure)] = (structure, ({}, {}))
    return entry[1]


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

    def __init__(self, structure: Structure, net: NetworkLike, scenarios: Sequence[Scenario],
                 months: int) -> None:
        self.structure = structure
        self.months = months
        self.n_scenarios = len(scenarios)
        self.events: list[_Compiled] = []
        self._sectors: np.ndarray | None = None
        # what events select (slots, commodities) is kept with the network, per structure:
        # a later batch on the same structure (the next call, the next Monte Carlo batch)
        # compiles the same selections without looking them up again
        self._selection_cache, self._commodity_cache = _selections(net, structure)
        # events of the scenarios that share a horizon get their intensities in one array
        # computation (Monte Carlo: thousands of scaled events over the same months)
        horizons: dict[tuple[str, int], list[tuple[Any, _Compiled]]] = {}
        for s, scenario in enumerate(scenarios):
            try:
                compiled = [self._compile(event, s, net, f"events[{i}]")
                            for i, event in enumerate(scenario.events)]
            except (KeyError, ScenarioError) as err:
                # let the scenario say what does not fit, in its own words
                scenario.validate_for(net)
                raise ScenarioError(f"scenario {scenario.name!r}: {err}") from err
            if any(e.slots.size == 0 for e in compiled):
                scenario.validate_for(net)  # raises if an event names something absent
            for event, comp in zip(scenario.events, compiled, strict=True):
                if type(event).intensity is _Event.intensity:
                    key = (str(scenario.start), int(scenario.months))
                    horizons.setdefault(key, []).append((event, comp))
                else:  # an event class with its own profile (its month-end level: the mean)
                    start = pd.Period(scenario.start, freq="M")
                    comp.intensity[: scenario.months] = event.intensity(start, scenario.months)[:months]
                    comp.month_end[:] = comp.intensity
                self.events.append(comp)
        for (start_text, n_months), members in horizons.items():
            levels, ends = event_levels([e for e, _ in members], start_text, n_months)
            for (_, comp), level, end in zip(members, levels, ends, strict=True):
                comp.intensity[:n_months] = level[:months]
                comp.month_end[:n_months] = end[:months]
        self.intensities = (
            np.vstack([e.intensity for e in self.events]) if self.events else np.zeros((0, months))
        )
        #: each event's level on the last day of each month (held orders lift by it)
        self.month_ends = (
            np.vstack([e.month_end for e in self.events]) if self.events else np.zeros((0, months))
        )
        self._last: MonthEvents = MonthEvents(None, None, None, None)
        self._prepare()

    # ------------------------------------------------------------------ compile

    def _commodities(self, event: Any, net: Any) -> np.ndarray:
        spec = event.commodities
        key = spec if isinstance(spec, str) else tuple(spec)
        if key not in self._commodity_cache:
            index = self.structure.compiled.commodity_index
            self._commodity_cache[key] = np.array(
                sorted(index[c] for c in event.resolve_commodities(net)), dtype=np.int64
            )
        return self._commodity_cache[key]

    def _sector_of_end_use(self) -> np.ndarray:
        if self._sectors is None:
            st = self.structure
            i0, i1 = st.in_range[st.end_use]
            ids = st.compiled.node_ids
            self._sectors = np.array(
                [sector_of(ids[n]) for n in st.in_node[i0:i1]], dtype=object
            )
        return self._sectors

    def _compile(self, event: Any, s: int, net: Any, where: str) -> _Compiled:
        """The event's slots, from the cache when an event of the batch selected the same ones
        (Monte Carlo draws differ only in severity and timing, which select nothing)."""
        key = _selection_key(event)
        hit = self._selection_cache.get(key) if key is not None else None
        if hit is None:
            hit = self._compile_new(event, s, net, where)
            if key is not None:
                self._selection_cache[key] = hit
        value = (float(event.severity) if hit.kind == "restriction"
                 else float(event.tonnes_per_year) / 12.0 if hit.kind == "quota"
                 else float(event.factor))
        return _Compiled(hit.kind, s, np.zeros(self.months), hit.slots, value, hit.exporter,
                         hit.importers, hit.commodities, hit.base,
                         profile=hit.kind == "restriction"
                         and getattr(event, "profile", None) is not None,
                         month_end=np.zeros(self.months))

    def _compile_new(self, event: Any, s: int, net: Any, where: str) -> _Compiled:
        st = self.structure
        cn = st.compiled
        level = np.zeros(self.months)
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
                                 importers, coms,
                                 profile=getattr(event, "profile", None) is not None)
            base = float(st.edge_base[edges].sum())
            return _Compiled("quota", s, level, edges, float(event.tonnes_per_year) / 12.0,
                             exporter, importers, coms, base)
        if kind == "capacity_shock":
            coms = self._commodities(event, net)
            if event.node is not None:
                node_mask = np.zeros(cn.n_nodes, dtype=bool)
                node_mask[cn.node_index[event.node]] = True
            else:
                country = cn.country_index[event.country]
                node_mask = cn.node_country == country
                if event.stage is not None:
                    node_mask &= cn.node_stage == cn.stages.index(event.stage)
            slots = np.flatnonzero(node_mask[st.out_node] & np.isin(st.out_commodity, coms))
            return _Compiled("capacity", s, level, slots, float(event.factor))
        if kind == "demand_shock":
            i0, i1 = st.in_range[st.end_use]
            country = cn.country_index[event.country]
            sectors = self._sector_of_end_use()
            mask = st.in_country[i0:i1] == country
            if event.sector != "all":
                mask &= sectors == event.sector
            return _Compiled("demand", s, level, np.flatnonzero(mask), float(event.factor))
        raise ScenarioError(f"{where}: the engine does not know events of type {kind!r}")

    # ------------------------------------------------------------------ per month

    def _prepare(self) -> None:
        """Buffers and per-scenario index sets for incremental monthly updates."""
        st = self.structure
        n_s = self.n_scenarios
        i0, i1 = st.in_range[st.end_use]
        kinds = {e.kind for e in self.events}
        trade = [e for e in self.events if e.kind in ("restriction", "quota")]
        self.edges = np.unique(np.concatenate([e.slots for e in trade])) if trade else np.zeros(0, np.int64)
        self._pos = [np.searchsorted(self.edges, e.slots) if e.kind in ("restriction", "quota")
                     else e.slots for e in self.events]
        self.cap = np.ones((st.n_out, n_s)) if "capacity" in kinds else None
        self.keep = np.ones((self.edges.size, n_s)) if trade else None
        self.allowance = (np.full((self.edges.size, n_s), np.inf)
                          if any(e.kind == "quota" for e in self.events) else None)
        self.demand = np.ones((i1 - i0, n_s)) if "demand" in kinds else None
        k = st.n_countries
        self.blocked = (np.zeros((st.n_commodities, n_s, k, k), dtype=bool) if trade else None)
        self._levels = np.full(len(self.events), -1.0)
        #: incremented whenever the month's arrays change (callers cache derived arrays on it)
        self.version = 0
        self._tables()

    def _tables(self) -> None:
        """The events as flat arrays for :func:`kernels.redo_events`: per event its kind,
        value, base, exporter, rows, quota shares, commodities and importers; per scenario its
        events in order and the rows they touch of each month array (sorted, distinct)."""
        st = self.structure
        n_s = self.n_scenarios
        codes = {"capacity": 0, "demand": 1, "restriction": 2, "quota": 3}
        ev = self.events
        scenario = self._scenario_of = np.array([e.scenario for e in ev], dtype=np.int64)
        kind = np.array([codes[e.kind] for e in ev], dtype=np.int64)
        self._rows: kernels.EventRows = (
            kind, np.array([e.value for e in ev], dtype=np.float64),
            np.array([e.base for e in ev], dtype=np.float64),
            np.array([e.exporter for e in ev], dtype=np.int64))
        share = [st.edge_base[e.slots] / e.base if e.kind == "quota" and e.base > 0
                 else np.zeros(e.slots.size) for e in ev]
        pos_ptr, pos = _csr(self._pos)
        self._event_pos: kernels.EventPos = (pos_ptr, pos, _flat(share, np.float64))
        none = np.zeros(0, np.int64)
        self._pairs: kernels.EventPairs = (
            *_csr([none if e.commodities is None else e.commodities for e in ev]),
            *_csr([none if e.importers is None else e.importers for e in ev]))
        order = np.argsort(scenario, kind="stable")  # each scenario's events in their order
        # every (scenario, row) an event touches, per array: capacity, demand, trade (0, 1, 2)
        of_pos = np.repeat(scenario, np.diff(pos_ptr))
        array_of = np.repeat(np.minimum(kind, 2), np.diff(pos_ptr))
        touched = []
        for a in range(3):
            mine = array_of == a
            width = int(pos[mine].max()) + 1 if mine.any() else 1
            cells = np.unique(of_pos[mine] * width + pos[mine])
            touched.append((_ptr(cells // width, n_s), cells % width))
        (cap_ptr, cap_rows), (demand_ptr, demand_rows), (trade_ptr, trade_rows) = touched
        self._by: kernels.EventScenarios = (_ptr(scenario, n_s), order, cap_ptr, cap_rows,
                                            demand_ptr, demand_rows, trade_ptr, trade_rows)

    def restriction_cells(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """One entry per (export restriction, edge it cuts): the event's index, the edge's row
        in ``edges`` and the event's scenario; and every event's value (a restriction's
        severity). What ``keep`` multiplies, for :class:`~rareearth.engine.transit.HeldOrders`'
        month-end keep."""
        kind, value = self._rows[0], self._rows[1]
        pos_ptr, pos = self._event_pos[0], self._event_pos[1]
        event = np.repeat(np.arange(kind.size), np.diff(pos_ptr))
        mine = kind[event] == 2  # restrictions (codes of _tables)
        return event[mine], pos[mine], self._scenario_of[event[mine]], value

    def at(self, t: int) -> MonthEvents:
        """Event arrays of month ``t`` (0-based); only scenarios whose events changed are redone."""
        if not self.events:
            return self._last
        levels = self.intensities[:, t]
        changed = np.flatnonzero(levels != self._levels)
        if changed.size == 0:
            return self._last
        self._levels = levels = np.ascontiguousarray(levels, dtype=np.float64)
        self.version += 1
        kernels.redo_events(np.unique(self._scenario_of[changed]), levels,
                            (self._rows, self._event_pos, self._pairs, self._by), self.cap,
                            self.demand, self.keep, self.allowance, self.blocked)
        self._last = MonthEvents(self.cap, self.keep, self.demand, self.blocked, self.edges,
                                 self.allowance)
        return self._last


def _csr(parts: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``(ptr, values)``: the int arrays ``parts`` end to end, part ``i`` at
    ``values[ptr[i]:ptr[i + 1]]``."""
    ptr = np.zeros(len(parts) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([p.size for p in parts])
    return ptr, _flat(parts, np.int64)


def _flat(parts: Sequence[np.ndarray], dtype: type) -> np.ndarray:
    return (np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype))


def _ptr(owner: np.ndarray, n: int) -> np.ndarray:
    """CSR pointers of values grouped by ``owner`` (sorted, in ``range(n)``)."""
    ptr = np.zeros(n + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(np.bincount(owner, minlength=n))
    return ptr
