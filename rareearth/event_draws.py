"""Monte Carlo's scaled events as arrays over the draws: ``event.with_severity(s).with_duration(d)``
for every draw of a batch, equal field for field (:func:`rareearth.montecarlo._draw_inputs`).

Examples
--------
>>> import numpy as np
>>> from rareearth.scenario_events import DemandShock
>>> ev = DemandShock(country="JP", sector="automotive", factor=0.5,
...                  start="2025-01", end="2025-03")
>>> [[e.end, e.factor] for (e,) in scaled_events_many([ev], np.array([1.0, 2.0]),
...                                                  np.array([2.0, 1.0]))]
[['2025-06-30', 0.5], ['2025-03-31', 0.0]]
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np

from rareearth.scenario_events import (
    _LAST_END_INDEX,
    CapacityShock,
    DemandShock,
    ExportQuota,
    ExportRestriction,
    _Event,
    _first_date,
    _last_date,
    _time_of,
)

__all__ = ["scaled_events_many"]


def scaled_events_many(events: Sequence[_Event], severity: np.ndarray,
                       duration: np.ndarray) -> list[list[_Event]]:
    """``[e.with_severity(s).with_duration(d) for e in events]`` for every draw ``(s, d)`` of
    the arrays ``severity`` and ``duration``: the same events (equal field for field), with the
    date arithmetic of the new ends done as arrays over the draws (Monte Carlo scales every
    event of thousands of draws). One copy per event and draw instead of two.
    """
    severity = np.asarray(severity, dtype=float)
    duration = np.asarray(duration, dtype=float)
    if severity.shape != duration.shape or severity.ndim != 1:
        raise ValueError("severity and duration: one value per draw, arrays of the same length")
    if not (np.isfinite(duration).all() and (duration > 0).all()):
        bad = duration[~(np.isfinite(duration) & (duration > 0))][0]
        raise ValueError(f"duration scale must be > 0 (got {bad})")
    n = severity.size
    columns = [_scaled_column(event, severity, duration) for event in events]
    return [[column[k] for column in columns] for k in range(n)]


def _scaled_column(event: _Event, severity: np.ndarray, duration: np.ndarray) -> list[_Event]:
    """One event scaled by every draw (see :func:`scaled_events_many`)."""
    ends, ramps_in, ramps_out = _scaled_ends(event, duration)
    updates: list[dict[str, Any]] = [
        {"end": end, "ramp_in_months": float(r_in), "ramp_out_months": float(r_out)}
        for end, r_in, r_out in zip(ends, ramps_in, ramps_out, strict=True)]
    if isinstance(event, ExportRestriction):
        if event.profile is not None and event.severity > 0:
            old = event._profile_values()
            assert old is not None
            first = _first_date(event.start)
            base = first.year * 12 + first.month - 1
            stretch: dict[str, tuple[list[str], list[int]]] = {}
            for update, scale in zip(updates, severity.tolist(), strict=True):
                # with_severity: each month's cut, capped at 1 and rounded like the one-event path
                cut = [round(float(min(1.0, v * event.severity * scale)), 12) for v in old.tolist()]
                months, at = stretch.get(update["end"]) or stretch.setdefault(
                    update["end"], _stretch(base, _last_date(update["end"]), old.size))
                update["severity"] = 1.0
                update["profile"] = {m: float(cut[i]) for m, i in zip(months, at, strict=True)}
        else:
            values = np.minimum(1.0, event.severity * severity)
            profile = event._profile_values()
            for update, value in zip(updates, values.tolist(), strict=True):
                update["severity"] = float(value)
                if profile is not None:  # severity 0 with a profile: stretched as it is
                    months, at = _stretch(_first_date(event.start).year * 12
                                          + _first_date(event.start).month - 1,
                                          _last_date(update["end"]), profile.size)
                    update["profile"] = {m: float(profile[i])
                                         for m, i in zip(months, at, strict=True)}
    elif isinstance(event, ExportQuota):
        if not (severity > 0).all():
            raise ValueError(f"severity scale must be > 0 (got {severity[severity <= 0][0]})")
        for update, value in zip(updates, (event.tonnes_per_year / severity).tolist(), strict=True):
            update["tonnes_per_year"] = value
    elif isinstance(event, CapacityShock | DemandShock):
        factors = np.maximum(0.0, 1.0 - (1.0 - event.factor) * severity)
        for update, value in zip(updates, factors.tolist(), strict=True):
            update["factor"] = float(value)
    else:  # an event class of its own: its own methods, one draw at a time
        return [event.with_severity(float(s)).with_duration(float(d))
                for s, d in zip(severity.tolist(), duration.tolist(), strict=True)]
    return [event.model_copy(update=update) for update in updates]


def _stretch(base: int, last: dt.date, size: int) -> tuple[list[str], list[int]]:
    """The months from month index ``base`` to ``last``'s and, for each, the index of the old
    profile's value it takes (:meth:`ExportRestriction.with_duration`)."""
    months = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(base, last.year * 12 + last.month)]
    n_new = len(months)
    return months, [min(size - 1, int((k + 0.5) * size / n_new)) for k in range(n_new)]


def _scaled_ends(event: _Event, duration: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
    """:meth:`_Event.with_duration`'s end (``YYYY-MM-DD``) and ramps for every scale in
    ``duration``: the same month-time arithmetic, as arrays."""
    first = _first_date(event.start)
    base = first.year * 12 + first.month - 1
    t0 = _time_of(first, first.year, first.month)
    t1 = _time_of(_last_date(event.end) + dt.timedelta(days=1), first.year, first.month)
    t_end = np.minimum(t0 + (t1 - t0) * duration, float(_LAST_END_INDEX - base))
    whole = np.floor(t_end)
    month = base + whole.astype(np.int64)  # month index of the end
    unique, inverse = np.unique(month, return_inverse=True)
    firsts = [dt.date(int(m) // 12, int(m) % 12 + 1, 1) for m in unique]
    length = np.array([calendar.monthrange(d.year, d.month)[1] for d in firsts], dtype=float)
    ordinal = np.array([d.toordinal() for d in firsts], dtype=np.int64)
    day = np.rint((t_end - whole) * length[inverse]).astype(np.int64)  # round half to even
    end = np.maximum(ordinal[inverse] + day - 1, first.toordinal())
    texts, back = np.unique(end, return_inverse=True)
    names = [dt.date.fromordinal(int(o)).isoformat() for o in texts]
    return ([names[i] for i in back.tolist()], event.ramp_in_months * duration,
            event.ramp_out_months * duration)
