"""The events of a scenario (:mod:`rareearth.scenario`): export restrictions (with approval
paths), quotas, capacity shocks and demand shocks, their validation against a network, their
month-by-month intensity and how Monte Carlo scales them.

Examples
--------
>>> from rareearth.scenario_events import ExportRestriction, event_intensities
>>> ev = ExportRestriction(exporter="CN", severity=0.5, start="2025-02", end="2025-03")
>>> event_intensities([ev], "2025-01", 4).round(3).tolist()
[[0.0, 1.0, 1.0, 0.0]]
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import importlib
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import (
    BaseModel,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from rareearth.catalog import (
    PRODUCING_STAGES,
    Commodities,
    CountryCode,
    DateText,
    FieldError,
    FrozenModel,
    MonthText,
    NetworkIndex,
    ProducingStage,
    Targets,
    resolve_commodities,
)
from rareearth.errors import RareEarthError, ScenarioError
from rareearth.limits import MAX_FACTOR, MAX_MONTHS, MAX_TONNES
from rareearth.records import parse_node_id

if TYPE_CHECKING:
    import pandas as pd

    from rareearth.protocols import NetworkLike
else:

    class _Pandas:
        """pandas, imported on first use: loading and listing scenarios validates dates with
        the standard library, so that ``rareearth scenarios`` starts without pandas."""

        def __getattr__(self, name: str) -> Any:
            return getattr(importlib.import_module("pandas"), name)

    pd = _Pandas()

__all__ = ["CapacityShock", "DemandShock", "Event", "ExportQuota", "ExportRestriction", "event_intensities",
           "event_levels", "event_month_ends"]


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

    def nodes(self, net: NetworkLike) -> list[str]:
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


@functools.lru_cache(maxsize=4096)
def _span(start: str, end: str, year: int, month: int) -> tuple[float, float]:
    """Start of an event's first day and end of its last, in months since ``year-month``
    (kept: Monte Carlo's draws share their starts and a few hundred ends)."""
    return (_time_of(_first_date(start), year, month),
            _time_of(_last_date(end) + dt.timedelta(days=1), year, month))


def _month_offset(start: str, year: int, month: int) -> int:
    """Months from ``year-month`` to the month of ``start``."""
    first = _first_date(start)
    return (first.year - year) * 12 + (first.month - month)


def _horizon_month(start: Any) -> tuple[int, int]:
    """Year and month of a horizon's first month (``"YYYY-MM"`` or anything ``pd.Period``
    takes)."""
    if isinstance(start, str) and len(start) == 7 and start[4] == "-":
        return int(start[:4]), int(start[5:7])
    period = pd.Period(start, freq="M")
    return int(period.year), int(period.month)


def event_intensities(events: Sequence[_Event], start: str | pd.Period, months: int) -> np.ndarray:
    """:meth:`_Event.intensity` of several events over one horizon at once, shape
    ``(len(events), months)``: the same numbers, computed as arrays (Monte Carlo compiles
    thousands of scaled events over the same horizon)."""
    return event_levels(events, start, months)[0]


def event_month_ends(events: Sequence[_Event], start: str | pd.Period, months: int) -> np.ndarray:
    """Each event's level on the last day of every month of a horizon, shape
    ``(len(events), months)``: where a restriction stands when the month closes (held orders
    ship once it has lifted, whatever the month's mean; MODEL.md §3.3).

    >>> hold = ExportRestriction(exporter="CN", targets=["JP"], severity=1, start="2010-09-21",
    ...                          end="2010-11-20")
    >>> event_month_ends([hold], "2010-09", 3).tolist()
    [[1.0, 1.0, 0.0]]
    """
    return event_levels(events, start, months)[1]


def event_levels(events: Sequence[_Event], start: str | pd.Period,
                 months: int) -> tuple[np.ndarray, np.ndarray]:
    """Both :func:`event_intensities` (each month's mean level) and :func:`event_month_ends`
    (its level on the month's last day), from one pass over the horizon's days."""
    if months < 0:
        raise ValueError(f"months must be ≥ 0 (got {months})")
    n = len(events)
    if months == 0 or n == 0:
        return np.zeros((n, months)), np.zeros((n, months))
    index, level = _day_levels(events, start, months)
    # one bincount over all rows: each month's days are added in the same order as per row
    flat = (index[None, :] + months * np.arange(n)[:, None]).ravel()
    total = np.bincount(flat, weights=level.ravel(), minlength=n * months).reshape(n, months)
    count = np.bincount(index, minlength=months)
    last = np.flatnonzero(np.diff(index, append=months))  # each month's last day
    return np.asarray(total / count, dtype=float), np.asarray(level[:, last], dtype=float)


def _day_levels(events: Sequence[_Event], start: str | pd.Period,
                months: int) -> tuple[np.ndarray, np.ndarray]:
    """Month index of every day of the horizon and each event's level on that day,
    ``(days,)`` and ``(len(events), days)``."""
    n = len(events)
    year, month = _horizon_month(start)
    index, tau = _day_grid(f"{year:04d}-{month:02d}", months)
    spans = np.array([(*_span(event.start, event.end, year, month), event.ramp_in_months,
                        event.ramp_out_months) for event in events], dtype=float)
    t0, t1, ramp_in, ramp_out = (spans[:, k : k + 1] for k in range(4))
    level = np.ones((n, tau.size))
    with np.errstate(over="ignore"):  # a ramp of 1e-300 months is a step: inf, then 1
        rows = ramp_in[:, 0] > 0
        if rows.any():
            level[rows] = np.minimum(level[rows], (tau - t0[rows]) / ramp_in[rows])
        rows = ramp_out[:, 0] > 0
        if rows.any():
            level[rows] = np.minimum(level[rows], (t1[rows] - tau) / ramp_out[rows])
    level = np.where((tau > t0) & (tau < t1), np.clip(level, 0.0, 1.0), 0.0)
    profiles = [(i, values) for i, event in enumerate(events)
                if (values := event._profile_values()) is not None]
    if profiles:
        # each day takes its calendar month's value (the profile covers start…end): the
        # profiles padded into one matrix, each row indexed by its own months
        rows = np.array([i for i, _ in profiles])
        size = np.array([v.size for _, v in profiles])
        table = np.zeros((rows.size, int(size.max())))
        for k, (_, values) in enumerate(profiles):
            table[k, : values.size] = values
        offset = np.array([_month_offset(events[i].start, year, month) for i in rows.tolist()])
        at = np.clip(index[None, :] - offset[:, None], 0, (size - 1)[:, None])
        level[rows] = level[rows] * table[np.arange(rows.size)[:, None], at]
    return index, level


# ---------------------------------------------------------------------------- scenario


#: The latest month an event scaled by Monte Carlo may end in (pandas' timestamps end in 2262-04).
_LAST_END = "2261-12"
_LAST_END_INDEX = 2261 * 12 + 11
