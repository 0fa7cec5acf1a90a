"""Scenarios: a horizon of months and a list of disruption events, as data.

A :class:`Scenario` is a pydantic model read from YAML or JSON (a built-in name or a path) and
written back unchanged. Its events are small typed classes told apart by their ``type`` field:

========================  =====================================================================
``export_restriction``    :class:`ExportRestriction`: flows from an exporter to targets cut by
                          ``severity`` (an embargo is ``severity: 1``)
``export_quota``          :class:`ExportQuota`: an exporter's total exports of some commodities
                          capped at ``tonnes_per_year``
``capacity_shock``        :class:`CapacityShock`: capacity of a node, or of a country's stage,
                          multiplied by ``factor``
``demand_shock``          :class:`DemandShock`: demand of a country's sector multiplied by
                          ``factor``
========================  =====================================================================

Every event has ``start`` and ``end`` (``YYYY-MM`` or ``YYYY-MM-DD``, end inclusive) and linear
ramps ``ramp_in_months`` / ``ramp_out_months`` that take place *inside* that window. Its time
profile is :meth:`intensity`: per month of a horizon, the mean over the month's days of a
trapezoid that rises from 0 at ``start`` to 1 after ``ramp_in_months``, and falls back to 0 at
the end of ``end`` over the last ``ramp_out_months`` (0 = a step). The engine applies it as

* restriction: flow cut = ``severity × intensity``; a restriction may carry an approval path,
  ``profile`` (month → share cut, one value per month from ``start`` to ``end``), which
  multiplies its intensity month by month (licensing read off a monthly record);
* capacity and demand shocks: ``factor_eff = 1 − (1 − factor) × intensity``;
* quota: the cap applies in proportion to ``intensity`` (see :class:`ExportQuota`).

Commodities are a list of commodity ids (materials of the network, or ``magnet``) or the word
``"all"``; a list may also hold the aliases ``heavy``, ``light`` (every material of that
``group`` in ``net.materials``) and ``materials`` (every material, no magnets). Aliases are
resolved against a network with ``event.resolve_commodities(net)``.

Examples
--------
>>> from rareearth.scenario import load_scenario
>>> sc = load_scenario("china-2010")
>>> sc.months, str(sc.periods[0])
(24, '2010-01')
>>> embargo = sc.events[1]
>>> [round(float(x), 2) for x in embargo.intensity(sc.periods[0], 12)[8:11]]
[0.33, 1.0, 0.67]
"""

from __future__ import annotations

import functools
import numbers
import os
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import numpy as np
from pydantic import (
    AfterValidator,
    Field,
    model_validator,
)

from rareearth.catalog import (
    NAME_PATTERN,
    Catalog,
    Document,
    FieldError,
    FrozenModel,
    MonthText,
    NetworkIndex,
    validate_document,
)
from rareearth.errors import RareEarthError, ScenarioError
from rareearth.limits import LAST_YEAR, MAX_FACTOR, MAX_MONTHS
from rareearth.scenario_events import (
    _EVENT_TYPES,
    CapacityShock,
    DemandShock,
    Event,
    ExportQuota,
    ExportRestriction,
    _first_date,
    _last_date,
    event_intensities,
)

if TYPE_CHECKING:
    import pandas as pd

    from rareearth.protocols import NetworkLike
else:  # pandas on first use (see scenario_events)
    from rareearth.scenario_events import pd

__all__ = [
    "CapacityShock",
    "DemandShock",
    "Event",
    "ExportQuota",
    "ExportRestriction",
    "Scenario",
    "Uncertainty",
    "event_intensities",
    "load_scenario",
    "scenarios",
]


def _check_range(pair: tuple[float, float]) -> tuple[float, float]:
    low, high = pair
    if low <= 0:
        # a zero scale removes the event (or divides a quota by zero); a range starts above 0
        raise ValueError("low must be > 0 (a multiplier; 1 leaves the event as it is)")
    if low > high:
        raise ValueError("low must be ≤ high")
    if high > MAX_FACTOR:
        raise ValueError(f"high must be ≤ {MAX_FACTOR:g}")
    return pair


Range = Annotated[tuple[float, float], AfterValidator(_check_range)]


class Uncertainty(FrozenModel):
    """(low, high) ranges of multipliers that Monte Carlo samples uniformly.

    Defaults: ``severity_scale`` (0.8, 1.2), how hard an event bites; ``duration_scale``
    (0.75, 1.25), how long it lasts (the 2010 hold on Japan lasted about 60 days but was never
    announced, SOURCES.md §2); ``elasticity_scale`` (0.5, 1.5), wide because no numeric price
    elasticity was found (SOURCES.md §16, §19); ``lead_time_scale`` (0.5, 1.5), new capacity
    takes 2–5 years for a pilot oxide-to-metal plant and 7–15 for a mine (GAO 2010, §16).

    Examples
    --------
    >>> Uncertainty(severity_scale=(0.9, 1.1)).severity_scale
    (0.9, 1.1)
    """

    error: ClassVar[type[RareEarthError]] = ScenarioError

    severity_scale: Range = (0.8, 1.2)
    duration_scale: Range = (0.75, 1.25)
    elasticity_scale: Range = (0.5, 1.5)
    lead_time_scale: Range = (0.5, 1.5)


def network_index(net: NetworkLike) -> NetworkIndex:
    """The name index of ``net`` (:class:`~rareearth.catalog.NetworkIndex`), built once per
    network: validating a batch of scenarios against a 10^4-node network costs one index, not
    one per scenario. Callers must not change it (copy a set before adding to it)."""
    try:
        cached = net.cached
    except AttributeError:  # a partial stand-in (tests' namespaces): no cache
        return NetworkIndex(net)
    index: NetworkIndex = cached("name-index", None, functools.partial(NetworkIndex, net))
    return index


def check_scales(name: str, scales: np.ndarray) -> None:
    """Severity or duration scales (one per draw): each > 0 and ≤ ``MAX_FACTOR``, else a
    :class:`ScenarioError` naming the first that is not (:meth:`Scenario.scaled`, Monte Carlo)."""
    bad = ~((scales > 0) & (scales <= MAX_FACTOR))
    if bad.any():
        raise ScenarioError(
            f"scaled: {name} must be a number > 0 and ≤ {MAX_FACTOR:g} (got {float(scales[bad][0])!r})"
        )


class Scenario(Document):
    """A horizon of ``months`` from ``start`` and the events that happen in it.

    Parameters
    ----------
    name : str
        Short id (lower-case letters, digits, ``-``); a built-in's file name.
    title, description : str
        Human text; ``description`` gives the sources and the reasoning behind each number.
    dataset : str or None
        Built-in dataset the scenario was written for (a hint; any network may be used).
    start : str
        First month, ``YYYY-MM``.
    months : int
        Number of months simulated, ≥ 1.
    events : list of Event
        :class:`ExportRestriction`, :class:`ExportQuota`, :class:`CapacityShock`,
        :class:`DemandShock`, each told by its ``type``.
    sources : list of str
        Citations.
    uncertainty : Uncertainty
        Ranges that Monte Carlo samples.

    Examples
    --------
    >>> sc = Scenario(name="jp-hold", start="2010-09", months=6, events=[
    ...     {"type": "export_restriction", "exporter": "CN", "targets": ["JP"],
    ...      "severity": 1, "start": "2010-09-21", "end": "2010-11-20"}])
    >>> sc.periods[-1]
    Period('2011-02', 'M')
    >>> sc.intensity().shape
    (1, 6)
    """

    error: ClassVar[type[RareEarthError]] = ScenarioError
    name: str = Field(pattern=NAME_PATTERN)
    title: str = ""
    description: str = ""
    dataset: str | None = None
    start: MonthText
    months: int = Field(ge=1, le=MAX_MONTHS)
    events: list[Event] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    uncertainty: Uncertainty = Field(default_factory=Uncertainty)

    @model_validator(mode="after")
    def _events_in_horizon(self) -> Scenario:
        # dates with the standard library: loading a scenario needs no pandas
        index = int(self.start[:4]) * 12 + int(self.start[5:7]) - 1 + self.months - 1
        last_month = f"{index // 12:04d}-{index % 12 + 1:02d}"
        if index // 12 > LAST_YEAR:
            raise FieldError(
                "months", f"the horizon {self.start}…{last_month} ends after {LAST_YEAR}-12"
            )
        first = _first_date(self.start)
        last = _last_date(last_month)
        for i, event in enumerate(self.events):
            if _last_date(event.end) < first or _first_date(event.start) > last:
                raise FieldError(
                    f"events[{i}]",
                    f"{event.start}…{event.end} lies outside the horizon "
                    f"{self.start}…{last_month} ({self.months} months)",
                )
        return self

    @property
    def periods(self) -> pd.PeriodIndex:
        """The months of the horizon (``freq='M'``)."""
        return pd.period_range(start=self.start, periods=self.months, freq="M")

    def intensity(self) -> np.ndarray:
        """Each event's intensity over the horizon, shape ``(len(events), months)``."""
        return event_intensities(self.events, self.start, self.months)

    def scaled(self, severity: float = 1.0, duration: float = 1.0) -> Scenario:
        """A copy with every event's severity and duration scaled (for Monte Carlo).

        Examples
        --------
        >>> from rareearth.scenario import load_scenario
        >>> load_scenario("japan-embargo").scaled(severity=0.5).events[0].severity
        0.5
        """
        for name, scale in (("severity", severity), ("duration", duration)):
            if not isinstance(scale, numbers.Real):
                raise ScenarioError(f"scaled: {name} must be a number > 0 and ≤ "
                                    f"{MAX_FACTOR:g} (got {scale!r})")
            check_scales(name, np.array([scale], dtype=float))
        events = [e.with_severity(severity).with_duration(duration) for e in self.events]
        return self.model_copy(update={"events": events})

    def validate_for(self, net: NetworkLike) -> None:
        """Check that every country, node, sector and commodity exists in ``net``.

        ``net`` needs ``country_codes``, ``commodities`` and ``node_ids`` (lists of str) and
        ``demand`` (a DataFrame with a ``node`` column); ``materials`` is used for aliases and
        ``producers`` (``node``, ``commodity``), when present, for what nodes make.

        Raises
        ------
        ScenarioError
            Listing every problem, each with the event index and field, e.g.
            ``events[1].targets[0]: unknown country 'XX'``.
        """
        look = network_index(net)
        problems: list[str] = []
        for i, event in enumerate(self.events):
            problems += [p for p in event._check(look, f"events[{i}]") if p]
        if problems:
            name = getattr(net, "name", "the network")
            raise ScenarioError(
                f"scenario {self.name!r} does not fit {name!r}:\n  " + "\n  ".join(problems)
            )

    @classmethod
    def from_dict(cls, data: Any, source: str = "<data>") -> Scenario:
        """Validate plain data; errors become :class:`ScenarioError` naming ``source``."""
        return validate_document(cls, data, source, ScenarioError, _EVENT_TYPES)


def scenarios() -> list[str]:
    """Names of the built-in scenarios.

    Examples
    --------
    >>> "china-2010" in scenarios()
    True
    """
    return SCENARIOS.names()


def load_scenario(name_or_path: str | os.PathLike[str]) -> Scenario:
    """A built-in scenario by name, or a scenario file (``.yaml``, ``.yml``, ``.json``).

    Raises
    ------
    UnknownNameError
        A name that is not built in.
    ScenarioError
        A missing or malformed file, or a field out of bounds; the message names the file and
        the field, e.g. ``my.yaml: events[0].severity: must be ≤ 1 (got 1.5)``.

    Examples
    --------
    >>> load_scenario("myanmar-outage").events[0].factor
    0.5
    """
    return SCENARIOS.load(name_or_path)


Scenario.error_tags = _EVENT_TYPES


def _listing_row(sc: Scenario) -> dict[str, Any]:
    return {"name": sc.name, "title": sc.title, "start": sc.start, "months": sc.months,
            "events": len(sc.events), "dataset": sc.dataset or ""}


#: The built-in scenarios (``catalog/scenarios/*.yaml``): list, load, show, validate.
SCENARIOS: Catalog[Scenario] = Catalog(
    "scenarios", "scenario", Scenario, ScenarioError, _EVENT_TYPES,
    columns=("name", "title", "start", "months", "events", "dataset"), row=_listing_row,
)
