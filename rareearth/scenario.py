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

import calendar
import datetime as dt
import functools
import importlib
import math
import numbers
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from rareearth.catalog import (
    NAME_PATTERN,
    PRODUCING_STAGES,
    Catalog,
    Commodities,
    CountryCode,
    DateText,
    Document,
    FieldError,
    FrozenModel,
    MonthText,
    NetworkIndex,
    ProducingStage,
    Targets,
    resolve_commodities,
    validate_document,
)
from rareearth.errors import RareEarthError, ScenarioError
from rareearth.limits import LAST_YEAR, MAX_FACTOR, MAX_MONTHS, MAX_TONNES
from rareearth.records import parse_node_id

if TYPE_CHECKING:
    import pandas as pd
else:

    class _Pandas:
        """pandas, imported on first use: loading and listing scenarios validates dates with
        the standard library, so that ``rareearth scenarios`` starts without pandas."""

        def __getattr__(self, name: str) -> Any:
            return getattr(importlib.import_module("pandas"), name)

    pd = _Pandas()

__all__ = [
    "CapacityShock",
    "DemandShock",
    "Event",
    "ExportQuota",
    "ExportRestriction",
    "Scenario",
    "Uncertainty",
    "load_scenario",
    "scenarios",
]


# ---------------------------------------------------------------------------- events


class _Event(FrozenModel):
    """Fields and the time profile that every event shares."""

    error: ClassVar[type[RareEarthError]] = ScenarioError

    start: DateText = Field(description="first day (YYYY-MM-DD) or month (YYYY-MM)")
    end: DateText = Field(description="last day or month, inclusive")
    ramp_in_months: float = Field(
        0.0, ge=0, le=MAX_MONTHS, description="linear ramp from 0 after start"
    )
    ramp_out_months: float = Field(
        0.0, ge=0, le=MAX_MONTHS, description="linear ramp to 0 before end"
    )
    note: str | None = Field(None, description="source or reasoning of this event")

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: str, info: ValidationInfo) -> str:
        start = info.data.get("start")
        if start is not None and _first_date(end) < _first_date(start):
            raise ValueError(f"is before start {start!r}")
        return end

    @property
    def start_date(self) -> pd.Timestamp:
        """First day the event is active."""
        return _first_day(self.start)

    @property
    def end_date(self) -> pd.Timestamp:
        """Last day the event is active (``YYYY-MM`` means the month's last day)."""
        return _last_day(self.end)

    def intensity(self, start: pd.Period | str, months: int) -> np.ndarray:
        """Strength of the event in each month of a horizon, 0…1.

        Each month gets the mean over its days of the event's profile: a trapezoid that is 0
        outside ``[start, end]``, rises linearly to 1 over ``ramp_in_months`` from ``start``
        and falls linearly to 0 over the last ``ramp_out_months`` before the end of ``end``.
        Time is measured in months, each month of length 1, so a month-aligned step event
        gives exactly 0 or 1 and a day-precise one the share of the month's days it covers.

        Parameters
        ----------
        start : pandas.Period or str
            First month of the horizon (``"2010-01"``).
        months : int
            Length of the horizon.

        Returns
        -------
        numpy.ndarray
            Shape ``(months,)``, float, within 0…1.

        Examples
        --------
        >>> ev = ExportRestriction(exporter="CN", targets=["JP"], severity=1,
        ...                        start="2010-09-21", end="2010-11-20")
        >>> [round(float(x), 2) for x in ev.intensity("2010-09", 4)]
        [0.33, 1.0, 0.67, 0.0]
        >>> ramp = DemandShock(country="JP", sector="automotive", factor=0.5,
        ...                    start="2025-01", end="2025-06", ramp_in_months=2)
        >>> [round(float(x), 6) for x in ramp.intensity("2025-01", 4)]
        [0.25, 0.75, 1.0, 1.0]
        """
        row: np.ndarray = event_intensities([self], start, months)[0]
        return row

    def _profile_values(self) -> np.ndarray | None:
        """The monthly profile as an array in month order, or None (a trapezoid only)."""
        return None

    def with_duration(self, scale: float) -> _Event:
        """The same event lasting ``scale`` times as long (same start; ramps scaled too).

        The end becomes day-precise (``YYYY-MM-DD``). Used by Monte Carlo
        (:attr:`Uncertainty.duration_scale`).

        Examples
        --------
        >>> ev = DemandShock(country="JP", sector="automotive", factor=0.5,
        ...                  start="2025-01", end="2025-03")
        >>> ev.with_duration(2).end
        '2025-06-30'
        """
        if scale <= 0 or not math.isfinite(scale):
            raise ValueError(f"duration scale must be > 0 (got {scale})")
        # in month time (each month of length 1), like the ramps and intensity(); with the
        # standard library (Monte Carlo scales thousands of events)
        first = _first_date(self.start)
        base = first.year * 12 + first.month - 1
        t0 = _time_of(first, first.year, first.month)
        t1 = _time_of(_last_date(self.end) + dt.timedelta(days=1), first.year, first.month)
        # an end past pandas' last timestamp (2262) would not matter to any horizon: cap it
        t_end = min(t0 + (t1 - t0) * scale, _LAST_END_INDEX - base)
        year, month0 = divmod(base + math.floor(t_end), 12)
        day = round((t_end - math.floor(t_end)) * calendar.monthrange(year, month0 + 1)[1])
        end = dt.date(year, month0 + 1, 1) + dt.timedelta(days=day - 1)
        end = max(end, first)
        return self.model_copy(
            update={
                "end": end.isoformat(),
                "ramp_in_months": self.ramp_in_months * scale,
                "ramp_out_months": self.ramp_out_months * scale,
            }
        )

    def with_severity(self, scale: float) -> _Event:
        """The same event made ``scale`` times as severe (see subclasses)."""
        raise NotImplementedError

    def _check(self, look: NetworkIndex, where: str) -> list[str | None]:
        """Problems of this event in a network (``None`` = fine)."""
        raise NotImplementedError


class _WithCommodities(_Event):
    commodities: Commodities = Field("all", description="ids, aliases or 'all'")

    def resolve_commodities(self, net: Any) -> list[str]:
        """The commodity ids of ``net`` this event applies to (aliases resolved).

        Examples
        --------
        >>> import pandas as pd
        >>> class Net:
        ...     commodities = ["NdPr", "DyTb", "magnet"]
        ...     materials = pd.DataFrame({"group": ["light", "heavy"]}, index=["NdPr", "DyTb"])
        >>> ExportQuota(exporter="CN", commodities=["heavy"], tonnes_per_year=10,
        ...             start="2025-01", end="2025-12").resolve_commodities(Net())
        ['DyTb']
        """
        return resolve_commodities(self.commodities, net)

    def _commodity_problem(self, look: NetworkIndex, where: str) -> str | None:
        return look.commodities(self.commodities, f"{where}.commodities", ScenarioError)


class ExportRestriction(_WithCommodities):
    """Flows of ``commodities`` from ``exporter`` to ``targets`` cut by ``severity``.

    Cut = ``severity × intensity`` per month; ``severity=1`` is an embargo.

    Examples
    --------
    >>> ExportRestriction(exporter="CN", targets=["JP"], severity=1,
    ...                   start="2010-09-21", end="2010-11-20").targets
    ['JP']
    """

    type: Literal["export_restriction"] = "export_restriction"
    exporter: CountryCode
    targets: Targets = Field("all", description="destination countries or 'all'")
    severity: float = Field(ge=0, le=1, description="share of each matching flow cut")
    profile: dict[MonthText, float] | None = Field(
        None,
        description="approval path: month (YYYY-MM) -> share of the flow cut that month, one "
        "entry for every month from start to end; the cut is severity × profile × the share of "
        "the month's days inside [start, end] (and any ramps)",
    )

    @model_validator(mode="after")
    def _not_domestic(self) -> ExportRestriction:
        if self.targets != "all" and self.exporter in self.targets:
            raise FieldError(
                "targets", f"lists the exporter {self.exporter!r}; domestic flows are not exports"
            )
        return self

    @model_validator(mode="after")
    def _profile_months(self) -> ExportRestriction:
        if self.profile is None:
            return self
        want = _months_between(self.start, self.end)
        have = sorted(self.profile)
        if have != want:
            missing = sorted(set(want) - set(have))
            extra = sorted(set(have) - set(want))
            parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
                [f"outside start…end: {', '.join(extra)}"] if extra else [])
            raise FieldError(
                "profile", f"must give one value for each month {want[0]}…{want[-1]} "
                f"({'; '.join(parts)})")
        bad = {m: v for m, v in self.profile.items() if not (0.0 <= v <= 1.0)}
        if bad:
            month, value = sorted(bad.items())[0]
            raise FieldError("profile", f"{month}: must be within 0…1 (got {value})")
        return self

    def _profile_values(self) -> np.ndarray | None:
        if self.profile is None:
            return None
        return np.array([self.profile[m] for m in sorted(self.profile)], dtype=float)

    def with_duration(self, scale: float) -> ExportRestriction:
        """As :meth:`_Event.with_duration`; a profile is stretched over the new months (each new
        month takes the old profile's value at its middle, in stretched time)."""
        out = super().with_duration(scale)
        assert isinstance(out, ExportRestriction)
        if self.profile is None:
            return out
        old = self._profile_values()
        assert old is not None
        months = _month_texts(_first_date(out.start), _last_date(out.end))
        n_new = len(months)
        at = [min(old.size - 1, int((k + 0.5) * old.size / n_new)) for k in range(n_new)]
        return out.model_copy(update={"profile": {m: float(old[i]) for m, i in zip(months, at,
                                                                                    strict=True)}})

    def with_severity(self, scale: float) -> ExportRestriction:
        """Severity × ``scale``, capped at 1 (with a profile: each month's value × ``scale``,
        capped at 1, so that a severity of 1 can still be scaled up)."""
        if self.profile is not None and self.severity > 0:
            cut = {m: round(float(min(1.0, v * self.severity * scale)), 12)
                   for m, v in self.profile.items()}
            return self.model_copy(update={"severity": 1.0, "profile": cut})
        return self.model_copy(update={"severity": float(min(1.0, self.severity * scale))})

    def _check(self, look: NetworkIndex, where: str) -> list[str | None]:
        problems = [look.country(self.exporter, f"{where}.exporter")]
        if self.targets != "all":
            problems += [look.country(t, f"{where}.targets[{i}]") for i, t in enumerate(self.targets)]
        return [*problems, self._commodity_problem(look, where)]


class ExportQuota(_WithCommodities):
    """The exporter's total exports of ``commodities`` capped at ``tonnes_per_year``.

    The cap is shared among buyers in proportion to their baseline. When the event's intensity
    ``i`` is below 1 (a partial month, a ramp), the engine applies the cap to that share of the
    month: allowed = ``i × cap/12 + (1 − i) × baseline/12``.

    Examples
    --------
    >>> ExportQuota(exporter="CN", commodities=["NdPr", "LaCe"], tonnes_per_year=15952,
    ...             start="2010-07", end="2010-12").tonnes_per_year
    15952.0
    """

    type: Literal["export_quota"] = "export_quota"
    exporter: CountryCode
    tonnes_per_year: float = Field(
        ge=0, le=MAX_TONNES, description="annual rate of the cap, t/yr"
    )

    def with_severity(self, scale: float) -> ExportQuota:
        """A tighter cap: ``tonnes_per_year / scale``."""
        if scale <= 0:
            raise ValueError(f"severity scale must be > 0 (got {scale})")
        return self.model_copy(update={"tonnes_per_year": self.tonnes_per_year / scale})

    def _check(self, look: NetworkIndex, where: str) -> list[str | None]:
        return [look.country(self.exporter, f"{where}.exporter"),
                self._commodity_problem(look, where)]


def _scaled_factor(factor: float, scale: float) -> float:
    """Scale the cut ``1 − factor`` (never below a factor of 0; a boost > 1 is scaled too)."""
    return float(max(0.0, 1.0 - (1.0 - factor) * scale))


class CapacityShock(_WithCommodities):
    """Capacity × ``factor`` at one node, or at every node of a country (and stage).

    Give either ``node`` (a node id) or ``country`` with an optional ``stage`` (none = every
    producing stage of the country). ``factor`` 0 is a full outage, 0.5 halves capacity,
    above 1 adds capacity. Effective factor = ``1 − (1 − factor) × intensity``.

    Examples
    --------
    >>> CapacityShock(country="MM", stage="mining", factor=0.5,
    ...               start="2025-01", end="2025-12").stage
    'mining'
    """

    type: Literal["capacity_shock"] = "capacity_shock"
    node: str | None = None
    country: CountryCode | None = None
    stage: ProducingStage | None = None
    factor: float = Field(ge=0, le=MAX_FACTOR, description="capacity multiplier at full intensity")

    @field_validator("node")
    @classmethod
    def _node_id(cls, node: str | None) -> str | None:
        if node is not None:
            parsed = parse_node_id(node)
            if parsed.stage == "end_use":
                raise ValueError("is an end-use node; use a demand_shock for demand")
        return node

    @model_validator(mode="after")
    def _node_or_country(self) -> CapacityShock:
        if self.node is not None and (self.country is not None or self.stage is not None):
            raise FieldError("node", "give either node, or country (and stage), not both")
        if self.node is None and self.country is None:
            raise FieldError("country", "give a node id, or a country (and optionally a stage)")
        return self

    def nodes(self, net: Any) -> list[str]:
        """Node ids of ``net`` whose capacity is shocked."""
        if self.node is not None:
            return [self.node]
        look = NetworkIndex(net)
        stages = [self.stage] if self.stage else PRODUCING_STAGES
        return [n for stage in stages for n in look.nodes_of(str(self.country), stage)]

    def with_severity(self, scale: float) -> CapacityShock:
        """The cut ``1 − factor`` × ``scale``."""
        return self.model_copy(update={"factor": _scaled_factor(self.factor, scale)})

    def _check(self, look: NetworkIndex, where: str) -> list[str | None]:
        if self.node is not None:
            problem = look.node(self.node, f"{where}.node")
        elif self.stage is not None:
            problem = look.stage(str(self.country), self.stage, f"{where}.stage")
        else:
            problem = look.country(str(self.country), f"{where}.country")
        return [problem, self._commodity_problem(look, where)]


class DemandShock(_Event):
    """Demand of a country's end-use ``sector`` (or ``"all"`` sectors) × ``factor``.

    Effective factor = ``1 − (1 − factor) × intensity``.

    Examples
    --------
    >>> DemandShock(country="JP", sector="automotive", factor=0.8,
    ...             start="2025-01", end="2025-06").factor
    0.8
    """

    type: Literal["demand_shock"] = "demand_shock"
    country: CountryCode
    sector: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="end-use sector or 'all'")
    factor: float = Field(ge=0, le=MAX_FACTOR, description="demand multiplier at full intensity")

    def with_severity(self, scale: float) -> DemandShock:
        """The change ``1 − factor`` × ``scale``."""
        return self.model_copy(update={"factor": _scaled_factor(self.factor, scale)})

    def _check(self, look: NetworkIndex, where: str) -> list[str | None]:
        return [look.sector(self.country, self.sector, f"{where}.sector")]


Event = Annotated[
    ExportRestriction | ExportQuota | CapacityShock | DemandShock, Field(discriminator="type")
]
_EVENT_TYPES: dict[str, type[BaseModel]] = {
    "export_restriction": ExportRestriction,
    "export_quota": ExportQuota,
    "capacity_shock": CapacityShock,
    "demand_shock": DemandShock,
}


def _first_date(text: str) -> dt.date:
    """The first day of a ``YYYY-MM-DD`` or ``YYYY-MM`` text (as :func:`_first_day`)."""
    return dt.date.fromisoformat(text if len(text) > 7 else f"{text}-01")


def _last_date(text: str) -> dt.date:
    """The last day of a ``YYYY-MM-DD`` or ``YYYY-MM`` text (as :func:`_last_day`)."""
    if len(text) > 7:
        return dt.date.fromisoformat(text)
    year, month = int(text[:4]), int(text[5:7])
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _months_between(start: str, end: str) -> list[str]:
    """Every ``YYYY-MM`` from the month of ``start`` to that of ``end``, inclusive."""
    first = int(start[:4]) * 12 + int(start[5:7]) - 1
    last = int(end[:4]) * 12 + int(end[5:7]) - 1
    return [f"{k // 12:04d}-{k % 12 + 1:02d}" for k in range(first, last + 1)]


def _first_day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text if len(text) > 7 else f"{text}-01")


def _last_day(text: str) -> pd.Timestamp:
    if len(text) > 7:
        return pd.Timestamp(text)
    return pd.Timestamp(f"{text}-01") + pd.offsets.MonthEnd(0)


@functools.lru_cache(maxsize=64)
def _day_grid(horizon: str, months: int) -> tuple[np.ndarray, np.ndarray]:
    """Month index and mid-day time (in months) of every day of a horizon; cached because
    Monte Carlo evaluates thousands of scaled events over the same horizon."""
    start = pd.Period(horizon, freq="M")
    last = (start + months - 1).start_time + pd.offsets.MonthEnd(0)
    days = pd.date_range(start.start_time, last, freq="D")
    index = np.asarray((days.year - start.year) * 12 + (days.month - start.month))
    tau = index + (np.asarray(days.day) - 0.5) / np.asarray(days.days_in_month)
    index.setflags(write=False)
    tau.setflags(write=False)
    return index, tau


def _month_texts(first: pd.Timestamp, last: pd.Timestamp) -> list[str]:
    """``YYYY-MM`` of every month from ``first``'s to ``last``'s, as ``pd.period_range`` gives
    them (Monte Carlo stretches thousands of profiles: this is the arithmetic without pandas)."""
    start = first.year * 12 + first.month - 1
    return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(start, last.year * 12 + last.month)]


def _time_of(day: dt.date, year: int, month: int) -> float:
    """Start of ``day`` in months since the start of month ``year-month`` (each month of
    length 1)."""
    index = (day.year - year) * 12 + (day.month - month)
    return index + (day.day - 1) / calendar.monthrange(day.year, day.month)[1]


def _horizon_month(start: Any) -> tuple[int, int]:
    """Year and month of a horizon's first month (``"YYYY-MM"`` or anything ``pd.Period``
    takes)."""
    if isinstance(start, str) and len(start) == 7 and start[4] == "-":
        return int(start[:4]), int(start[5:7])
    period = pd.Period(start, freq="M")
    return int(period.year), int(period.month)


def event_intensities(events: Sequence[_Event], start: Any, months: int) -> np.ndarray:
    """:meth:`_Event.intensity` of several events over one horizon at once, shape
    ``(len(events), months)``: the same numbers, computed as arrays (Monte Carlo compiles
    thousands of scaled events over the same horizon)."""
    if months < 0:
        raise ValueError(f"months must be ≥ 0 (got {months})")
    n = len(events)
    if months == 0 or n == 0:
        return np.zeros((n, months))
    year, month = _horizon_month(start)
    index, tau = _day_grid(f"{year:04d}-{month:02d}", months)
    t0 = np.empty((n, 1))
    t1 = np.empty((n, 1))
    ramp_in = np.empty((n, 1))
    ramp_out = np.empty((n, 1))
    for i, event in enumerate(events):
        t0[i, 0] = _time_of(_first_date(event.start), year, month)
        t1[i, 0] = _time_of(_last_date(event.end) + dt.timedelta(days=1), year, month)
        ramp_in[i, 0] = event.ramp_in_months
        ramp_out[i, 0] = event.ramp_out_months
    level = np.ones((n, tau.size))
    with np.errstate(over="ignore"):  # a ramp of 1e-300 months is a step: inf, then 1
        rows = ramp_in[:, 0] > 0
        if rows.any():
            level[rows] = np.minimum(level[rows], (tau - t0[rows]) / ramp_in[rows])
        rows = ramp_out[:, 0] > 0
        if rows.any():
            level[rows] = np.minimum(level[rows], (t1[rows] - tau) / ramp_out[rows])
    level = np.where((tau > t0) & (tau < t1), np.clip(level, 0.0, 1.0), 0.0)
    for i, event in enumerate(events):
        profile = event._profile_values()
        if profile is not None:
            # each day takes its calendar month's value (the profile covers start…end)
            first = _first_date(event.start)
            at = index - ((first.year - year) * 12 + (first.month - month))
            level[i] = level[i] * profile[np.clip(at, 0, profile.size - 1)]
    # one bincount over all rows: each month's days are added in the same order as per row
    flat = (index[None, :] + months * np.arange(n)[:, None]).ravel()
    total = np.bincount(flat, weights=level.ravel(), minlength=n * months).reshape(n, months)
    count = np.bincount(index, minlength=months)
    return np.asarray(total / count, dtype=float)


# ---------------------------------------------------------------------------- scenario


#: The latest month an event scaled by Monte Carlo may end in (pandas' timestamps end in 2262-04).
_LAST_END = "2261-12"
_LAST_END_INDEX = 2261 * 12 + 11


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


def network_index(net: Any) -> NetworkIndex:
    """The name index of ``net`` (:class:`~rareearth.catalog.NetworkIndex`), built once per
    network: validating a batch of scenarios against a 10^4-node network costs one index, not
    one per scenario. Callers must not change it (copy a set before adding to it)."""
    try:
        cached = net.cached
    except AttributeError:  # a partial stand-in (tests' namespaces): no cache
        return NetworkIndex(net)
    index: NetworkIndex = cached("name-index", None, functools.partial(NetworkIndex, net))
    return index


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
            if not (isinstance(scale, numbers.Real) and 0 < scale <= MAX_FACTOR):
                raise ScenarioError(
                    f"scaled: {name} must be a number > 0 and ≤ {MAX_FACTOR:g} (got {scale!r})"
                )
        events = [e.with_severity(severity).with_duration(duration) for e in self.events]
        return self.model_copy(update={"events": events})

    def validate_for(self, net: Any) -> None:
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
