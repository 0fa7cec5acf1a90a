"""Figures of simulation runs: a country's shortfall over the months (:func:`shortfall`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from rareearth.errors import UnknownNameError
from rareearth.plot.style import _get, _plain, _run_source, _scenario_of, _source_line, _titles
from rareearth.records import MAGNET

if TYPE_CHECKING:
    from rareearth.engine.result import SimulationResult

__all__ = ["shortfall"]


def _event_windows(result: Any, months: pd.PeriodIndex) -> list[tuple[str, np.ndarray]]:
    """(label, intensity per month of ``months``) for each event of the run's scenario."""
    scenario = _scenario_of(result)
    events = _get(scenario, "events", None) if scenario is not None else None
    if not events or len(months) == 0:
        return []
    out: list[tuple[str, np.ndarray]] = []
    first = months.min()
    n = int((months.max() - first).n) + 1
    for event in events:
        kind = str(_get(event, "type", "event")).replace("_", " ")
        exporter = _get(event, "exporter") or _get(event, "country") or _get(event, "node")
        commodities = _get(event, "commodities")
        if isinstance(commodities, list | tuple):
            commodities = ", ".join(map(str, commodities))
        targets = _get(event, "targets")
        if targets and targets != "all":
            exporter = f"{exporter} → {', '.join(map(str, targets))}"
        who = ": ".join(str(x) for x in (exporter, commodities) if x)
        label = _plain(f"{kind} ({who})" if who else kind)
        intensity_fn = getattr(event, "intensity", None)
        if callable(intensity_fn):
            values = np.asarray(intensity_fn(first, n), dtype=float)
        else:  # a plain dict: a step from start to end
            start = pd.Period(str(_get(event, "start"))[:7], freq="M")
            end = pd.Period(str(_get(event, "end"))[:7], freq="M")
            idx = pd.period_range(first, periods=n, freq="M")
            values = ((idx >= start) & (idx <= end)).astype(float)
        out.append((label, values))
    return out


def _country_series(result: Any, country: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    ts = result.timeseries
    mine = ts[ts["country"] == country]
    if mine.empty:
        known = sorted(set(map(str, ts["country"].unique())))
        raise UnknownNameError(
            f"country {country!r} has no nodes in this run; countries: {', '.join(known)}"
        )
    grouped = mine.groupby(["month", "commodity"], sort=True)[
        ["demand", "shortfall", "stock"]
    ].sum()
    demand = grouped["demand"].unstack("commodity")
    short = grouped["shortfall"].unstack("commodity")
    pct = (100.0 * short / demand.where(demand > 0)).fillna(0.0)
    stock = grouped["stock"].unstack("commodity")
    price = ts.groupby(["month", "commodity"], sort=True)["price_index"].mean().unstack("commodity")
    price = price[[c for c in pct.columns if c in price.columns]]
    return pct, stock, price


def _commodity_colors(commodities: Iterable[str]) -> dict[str, str]:
    fixed = {
        "NdPr": "#1b9e77",
        "DyTb": "#d95f02",
        "LaCe": "#7570b3",
        MAGNET: "#222222",
        "Y": "#e7298a",
        "SmGd": "#66a61e",
        "Other": "#999999",
    }
    extra = ["#1f78b4", "#e6ab02", "#a6761d", "#b2df8a", "#fb9a99"]
    out: dict[str, str] = {}
    i = 0
    for c in commodities:
        if c in fixed:
            out[c] = fixed[c]
        else:
            out[c] = extra[i % len(extra)]
            i += 1
    return out


def _to_time(index: pd.Index) -> pd.DatetimeIndex:
    """Mid-month timestamps, so that a month's value sits inside its shaded month."""
    periods = index if isinstance(index, pd.PeriodIndex) else pd.PeriodIndex(index, freq="M")
    start = periods.to_timestamp(how="start")
    end = (periods + 1).to_timestamp(how="start")
    return pd.DatetimeIndex(start + (end - start) / 2)


_EVENT_COLORS: tuple[str, ...] = ("#777777", "#c0392b", "#2c7fb8", "#7b3294", "#b8860b")


def _shade(
    ax: Axes, windows: Sequence[tuple[str, np.ndarray]], start: pd.Period, label: bool
) -> None:
    for i, (name, values) in enumerate(windows):
        months = pd.period_range(start, periods=len(values), freq="M")
        hatch_color = _EVENT_COLORS[i % len(_EVENT_COLORS)]
        for m, v in zip(months, values, strict=True):
            if v > 0:
                ax.axvspan(
                    m.start_time,
                    (m + 1).start_time,
                    color=hatch_color,
                    alpha=0.05 + 0.12 * float(v),
                    linewidth=0,
                    zorder=0,
                )
        active = np.flatnonzero(values > 0)
        if label and active.size:
            ax.annotate(
                name,
                xy=(months[active[0]].start_time, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(2, -2 - 10 * i),
                textcoords="offset points",
                fontsize=7,
                color=hatch_color,
                fontweight="bold",
                va="top",
                ha="left",
            )


def shortfall(result: SimulationResult, country: str, ax: Axes | None = None) -> Axes:
    """Shortfall of a country over the months of a run, with stocks and prices.

    Shortfall is the sum over the country's nodes of unmet need divided by their demand, per
    commodity (%). Event windows of the run's scenario are shaded, darker where the event is
    stronger (its monthly intensity). With ``ax=None`` a figure of three panels is drawn:
    shortfall (%), price index (1 = baseline) and the country's stocks (t); the shortfall
    panel is returned (``ax.figure.axes`` holds all three). With an ``ax`` given, shortfall is
    drawn on it and the price index on a twin axis (dashed lines).

    Parameters
    ----------
    result : SimulationResult
        Needs ``timeseries`` (month, country, commodity, demand, shortfall, stock,
        price_index) and ``provenance`` (``dataset``, ``scenario``).
    country : str
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import rareearth as ree
    >>> res = ree.simulate(ree.examples.tiny(), ree.examples.embargo())
    >>> ree.plot.shortfall(res, "JP").get_title(loc="left")
    'Shortfall in JP: tiny-embargo'
    """
    pct, stock, price = _country_series(result, country)
    colors = _commodity_colors(pct.columns)
    times = _to_time(pct.index)
    months = (
        pct.index if isinstance(pct.index, pd.PeriodIndex) else pd.PeriodIndex(pct.index, freq="M")
    )
    windows = _event_windows(result, months)
    start = months.min()

    if ax is None:
        _, axes = plt.subplots(
            3,
            1,
            sharex=True,
            figsize=(10.0, 7.5),
            height_ratios=[2.2, 1.0, 1.0],
            layout="constrained",
        )
        main: Axes = axes[0]
        price_ax, stock_ax = axes[1], axes[2]
        twin = None
    else:
        main, price_ax, stock_ax = ax, None, None
        twin = ax.twinx()

    for c in pct.columns:
        main.plot(times, pct[c].to_numpy(), color=colors[c], linewidth=2.0, label=str(c))
    main.set_ylabel("shortfall (% of demand)")
    peak = float(np.nanmax(pct.to_numpy())) if pct.size else 0.0
    # head room above the lines for the event labels (about 7 % of the height each)
    room = 1.15 + 0.08 * len(windows)
    main.set_ylim(0, max(5.0, peak * room + 1.0))
    main.grid(color="#e5e5e5", linewidth=0.6)
    _shade(main, windows, start, label=True)
    main.legend(title="Commodity", loc="upper right", fontsize=8, title_fontsize=8, frameon=False)

    if twin is not None:
        for c in price.columns:
            twin.plot(times, price[c].to_numpy(), color=colors[c], linestyle="--", linewidth=1.0)
        twin.set_ylabel("price index (dashed, baseline = 1)")
        twin.set_ylim(bottom=0)
        main.set_xlabel("month")
    if price_ax is not None and stock_ax is not None:
        for c in price.columns:
            price_ax.plot(times, price[c].to_numpy(), color=colors[c], linewidth=1.4)
        price_ax.axhline(1.0, color="#999999", linewidth=0.8, linestyle=":")
        price_ax.set_ylabel("price index\n(baseline = 1)")
        price_ax.set_ylim(bottom=0)
        price_ax.grid(color="#e5e5e5", linewidth=0.6)
        _shade(price_ax, windows, start, label=False)
        for c in stock.columns:
            stock_ax.plot(times, stock[c].to_numpy(), color=colors[c], linewidth=1.4)
        stock_ax.set_ylabel(f"stock at {country}\nnodes (t)")
        stock_ax.set_ylim(bottom=0)
        stock_ax.grid(color="#e5e5e5", linewidth=0.6)
        stock_ax.set_xlabel("month")
        _shade(stock_ax, windows, start, label=False)
    bottom = stock_ax if stock_ax is not None else main
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)  # type: ignore[no-untyped-call]
    bottom.xaxis.set_major_locator(locator)
    bottom.xaxis.set_major_formatter(
        mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    if len(times):
        bottom.set_xlim(months.min().start_time, (months.max() + 1).start_time)

    scenario = _scenario_of(result)
    name = _get(scenario, "title", "") or _get(scenario, "name", "") if scenario is not None else ""
    if isinstance(scenario, str):
        name = scenario
    _titles(
        main,
        f"Shortfall in {country}" + (f": {name}" if name else ""),
        f"Unmet need of {country}'s nodes as % of their demand, per commodity and month. "
        "Shaded: scenario events (darker = stronger).",
    )
    _source_line(bottom, _run_source(result))
    return main
