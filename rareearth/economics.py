"""Economic loss of a run, trade policy and the relocation of production.

**Loss** (``loss_metrics``): from the product tier (:mod:`rareearth.products`), for a country

* ``units_lost`` and ``units_lost_<product>``: units not built over the run;
* ``output_lost_usd``: gross output lost, units lost × value per unit;
* ``value_added_lost_usd``: the makers' own value added lost, output × ``value_added_share``;
* ``gdp_loss_usd``: the economy-wide GDP effect, output lost × the country's
  ``gdp_per_output`` (``economy.csv``: GDP lost per USD of output not built, from sourced
  input–output estimates), with ``gdp_loss_usd_low``/``_high`` from its range;
* ``gdp_loss_pct``: ``gdp_loss_usd`` over one year's GDP, in percent (the way the published
  estimates state a shock's cost; a three-month stop is a share of annual GDP too).

On two bases: **territory** (what is built in the country; GDP is territorial) and **owner**
(what the country's makers build anywhere: ``units_lost_owner``, ``output_lost_owner_usd``).
Only sectors with declared products count; the end uses without products stay in the score's
``value_at_risk_usd``.

**Tariffs** (``tariff_rate``, ``tariff_bill_usd``): ``tariffs.csv`` gives all-in rates by
importer, exporter and sector from a date on; a month's rate is the mean over its days; the bill is the rate × the baseline trade of ``product_trade.csv``.

**Relocation** (``relocate_production``, ``relocation_tariff_saving_usd``,
``relocation_net_cost_usd``): a share of one owner's production of a sector moves from one
country's plants to another's; the exports it replaces (up to the baseline trade from the
first country to the second) no longer pay the importer's tariff.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rareearth.products import (
    Plan,
    lost_units,
    lost_units_many,
    plan,
    product_rows,
    relocate_production,
)
from rareearth.protocols import NetworkLike

if TYPE_CHECKING:
    from rareearth.cooperation import Option
    from rareearth.engine.result import SimulationResult
    from rareearth.scenario import Scenario

__all__ = [
    "BASES",
    "ECONOMY_DRAWS",
    "headline",
    "loss_metrics",
    "relocate_production",
    "relocation_net_cost_usd",
    "relocation_tariff_saving_usd",
    "tariff_bill_usd",
    "tariff_rate",
]

#: The two bases of exposure: where things are built, and whose makers build them.
BASES = ("territory", "owner")
#: Monte Carlo columns of the product tier (uniform 0…1 quantiles of each range):
#: ``gdp_per_output_quantile`` places every country's GDP-per-output within its
#: ``[low, high]``, ``inventory_weeks_quantile`` every product's component inventory.
ECONOMY_DRAWS = ("gdp_per_output_quantile", "inventory_weeks_quantile")


def _between(low: float, high: float, q: float) -> float:
    return float(low) + float(q) * (float(high) - float(low))


def loss_metrics(result: SimulationResult, country: str, *,
                 draws: Mapping[str, float] | None = None) -> dict[str, float]:
    """Units, output and GDP lost by ``country`` over a run (see the module docstring).

    Parameters
    ----------
    result : SimulationResult
    country : str
    draws : mapping, optional
        Monte Carlo quantiles (``ECONOMY_DRAWS``); without them the central values are used.

    Returns
    -------
    dict of str to float
        Empty when the dataset has no product tier.

    Examples
    --------
    >>> import rareearth as ree
    >>> from rareearth import examples
    >>> res = ree.simulate(examples.tiny(), examples.embargo())  # CN stops exports to JP
    >>> m = loss_metrics(res, "JP")
    >>> round(m["units_lost"])  # cars not built for want of magnets, over six months
    21007
    >>> m["output_lost_usd"] / m["units_lost"], m["gdp_loss_usd"] / m["output_lost_usd"]
    (30000.0, 0.7)
    """
    draws = draws or {}
    p = plan(result.net, result.compiled)
    if p.rows.empty:
        return {}
    p, lost = lost_units(result, inventory_weeks=_weeks(p, draws))  # (T, R) units/month
    return _from_lost(p, lost, country, draws)


def loss_metrics_many(results: Sequence[SimulationResult], countries: Sequence[str],
                      draws: Sequence[Mapping[str, float] | None]) -> list[dict[str, dict[str, float]]]:
    """:func:`loss_metrics` of each run for each of ``countries`` (one dict per run: country ->
    metrics), the product tier of runs on the same network and horizon computed together."""
    out: list[dict[str, dict[str, float]]] = [{} for _ in results]
    groups: dict[tuple[int, int, int], list[int]] = {}
    for i, result in enumerate(results):
        groups.setdefault((id(result.net), id(result.compiled), result.months), []).append(i)
    for members in groups.values():
        first = results[members[0]]
        p = plan(first.net, first.compiled)
        if p.rows.empty:
            for i in members:
                out[i] = {c: {} for c in countries}
            continue
        weeks = [_weeks(p, draws[i] or {}) for i in members]
        p, lost = lost_units_many([results[i] for i in members], weeks)  # (T, B, R)
        masks = {c: _country_masks(p, c) for c in countries}  # the same for every run
        for b, i in enumerate(members):
            mine = np.ascontiguousarray(lost[:, b, :])
            out[i] = {c: _from_lost(p, mine, c, draws[i] or {}, masks[c]) for c in countries}
    return out


#: A country's rows of a plan: its own (``here``), those it owns, its rows of each product (in
#: product order) and the scale of "a loss" (its largest demand, at least 1).
_Masks = tuple[np.ndarray, np.ndarray, list[tuple[str, np.ndarray]], float]


def _country_masks(p: Plan, country: str) -> _Masks:
    here = p.labels["country"] == country
    owned = p.labels["owner"] == country
    products = p.labels["product"]
    by_product = [(product, here & (products == product)) for product in sorted(set(products))]
    scale = max(float(p.demand[here].max()) if here.any() else 0.0, 1.0)
    return here, owned, by_product, scale


def _weeks(p: Plan, draws: Mapping[str, float]) -> float | None:
    if "inventory_weeks_quantile" in draws:
        return _between(*p.weeks_range, draws["inventory_weeks_quantile"])
    return None


def _from_lost(p: Plan, lost: np.ndarray, country: str, draws: Mapping[str, float],
               masks: _Masks | None = None) -> dict[str, float]:
    here, owned, by_product, scale = masks if masks is not None else _country_masks(p, country)
    units = lost.sum(axis=0)
    output = units * p.value
    out: dict[str, float] = {"units_lost": float(units[here].sum())}
    for product, rows in by_product:
        out[f"units_lost_{product}"] = float(units[rows].sum())
    total = float(output[here].sum())
    out["output_lost_usd"] = total
    out["value_added_lost_usd"] = float((output * p.value_added)[here].sum())
    if country in p.economy:
        central, low, high, gdp = p.economy[country]
        q = draws.get("gdp_per_output_quantile")
        per = central if q is None else _between(low, high, q)
        out["gdp_loss_usd"] = total * per
        out["gdp_loss_usd_low"] = total * low
        out["gdp_loss_usd_high"] = total * high
        out["gdp_loss_pct"] = 100.0 * out["gdp_loss_usd"] / gdp if math.isfinite(gdp) else math.nan
    else:
        out.update(gdp_loss_usd=math.nan, gdp_loss_usd_low=math.nan, gdp_loss_usd_high=math.nan,
                   gdp_loss_pct=math.nan)
    out["units_lost_owner"] = float(units[owned].sum())
    out["output_lost_owner_usd"] = float(output[owned].sum())
    monthly = lost[:, here].sum(axis=1)
    first = np.flatnonzero(monthly > 1e-6 * scale)
    out["months_to_first_loss"] = float(first[0]) if first.size else math.nan
    return out


def headline(metrics: Mapping[str, float], *, unit: str = "vehicles",
             start: str | pd.Period | None = None) -> str | None:
    """The business answer in one sentence, from a score's metrics; None without a product tier.

    "The first line runs short in 2025-05; 1,450,372 vehicles are not built: $48.88 bn of
    output and $34.02 bn of GDP (range $6.50 bn–$58.26 bn, 0.823% of GDP)." (Japan under
    ``japan-embargo`` on world-2024; docs/economics.md; tests/test_docs_figures.py.)

    Examples
    --------
    >>> headline({"units_lost": 0.0, "output_lost_usd": 0.0, "gdp_loss_usd": 0.0,
    ...           "months_to_first_loss": float("nan")})
    'No production line runs short: no vehicles are lost.'
    """
    from rareearth._format import finite, usd

    units = finite(metrics.get("units_lost"))
    if units is None:
        return None
    if units <= 0.5:
        return f"No production line runs short: no {unit} are lost."
    first = finite(metrics.get("months_to_first_loss"))
    when = ""
    if first is not None:
        when = (f"The first line runs short in {pd.Period(start, freq='M') + int(first)}; "
                if start is not None else f"The first line runs short in month {int(first) + 1}; ")
    text = f"{when}{units:,.0f} {unit} are not built: {usd(metrics.get('output_lost_usd'))} of output"
    gdp = finite(metrics.get("gdp_loss_usd"))
    if gdp is not None:
        low, high = finite(metrics.get("gdp_loss_usd_low")), finite(metrics.get("gdp_loss_usd_high"))
        rng = f"range {usd(low)}–{usd(high)}" if low is not None and high is not None else ""
        pct = finite(metrics.get("gdp_loss_pct"))
        share = f"{pct:.3f}% of GDP" if pct is not None else ""
        detail = ", ".join(x for x in (rng, share) if x)
        text += f" and {usd(gdp)} of GDP" + (f" ({detail})" if detail else "")
    text = text[0].upper() + text[1:]
    return text + "."


# --------------------------------------------------------------------------- tariffs


def tariff_rate(net: NetworkLike, importer: str, exporter: str, sector: str,
                periods: pd.PeriodIndex) -> np.ndarray:
    """All-in tariff rate (share) per month: the mean of the rates in force on its days.

    Months before the first dated rate get 0 (no rate in the data).

    Examples
    --------
    >>> from rareearth import examples
    >>> net = examples.tiny()  # CN: 10% on JP's cars, 25% from 1 June 2025
    >>> months = pd.period_range("2025-04", periods=4, freq="M")
    >>> tariff_rate(net, "CN", "JP", "automotive", months).round(3).tolist()
    [0.1, 0.1, 0.25, 0.25]
    """
    t = net.tariffs
    rows = t[(t["importer"] == importer) & (t["exporter"] == exporter) & (t["sector"] == sector)]
    out = np.zeros(len(periods))
    if rows.empty:
        return out
    starts = pd.to_datetime(rows["start"].astype(str)).to_numpy()
    order = np.argsort(starts)
    starts, rates = starts[order], rows["rate"].to_numpy(dtype=float)[order]
    for m, period in enumerate(periods):
        days = pd.date_range(period.start_time.normalize(), period.end_time.normalize(), freq="D")
        idx = np.searchsorted(starts, days.to_numpy(), side="right") - 1
        day_rates = np.where(idx >= 0, rates[np.clip(idx, 0, None)], 0.0)
        out[m] = float(day_rates.mean())
    return out


def _trade(net: NetworkLike, exporter: str, importer: str, sector: str) -> float:
    t = net.product_trade
    rows = t[(t["exporter"] == exporter) & (t["importer"] == importer) & (t["sector"] == sector)]
    return float(rows["value_usd_per_year"].sum())


def tariff_bill_usd(net: NetworkLike, importer: str, exporter: str, sector: str,
                    periods: pd.PeriodIndex, *, share: float | np.ndarray = 1.0) -> float:
    """Tariff paid on ``share`` of the baseline exports over ``periods`` (USD)."""
    monthly = _trade(net, exporter, importer, sector) / 12.0
    return float(np.sum(monthly * np.asarray(share) * tariff_rate(net, importer, exporter, sector,
                                                                   periods)))


# --------------------------------------------------------------------------- relocation


def relocation_tariff_saving_usd(net: NetworkLike, from_country: str, to_country: str, sector: str,
                                 share: float, periods: pd.PeriodIndex, *,
                                 profile: Sequence[float] | np.ndarray | None = None,
                                 owner: str | None = None) -> float:
    """Tariff no longer paid because relocated production replaces exports (USD over ``periods``).

    The relocated output (``share`` × the owner's output value of the sector in
    ``from_country``, times ``profile`` per month: 0…1, default 1) replaces exports to
    ``to_country`` first, up to the baseline trade (``product_trade.csv``); each replaced dollar
    saves the importer's rate of that month (``tariffs.csv``).

    Examples
    --------
    >>> from rareearth import examples
    >>> net = examples.tiny()
    >>> months = pd.period_range("2025-03", periods=6, freq="M")
    >>> saved = relocation_tariff_saving_usd(net, "JP", "CN", "automotive", 0.1, months)
    >>> round(saved / 1e6, 2)  # 10% of 3 bn USD/yr: 25 M a month at 10% (3 months), 25% (3)
    26.25
    """
    owner = owner or from_country
    rows = product_rows(net)
    mine = rows[(rows["country"] == from_country) & (rows["owner"] == owner)
                & (rows["sector"] == sector)]
    output = float((mine["units_per_year"] * mine["value_usd_per_unit"]).sum())
    replaced = min(share * output, _trade(net, from_country, to_country, sector))
    shape = np.ones(len(periods)) if profile is None else np.asarray(profile, dtype=float)
    rate = tariff_rate(net, to_country, from_country, sector, periods)
    return float(np.sum(replaced / 12.0 * shape * rate))


def relocation_net_cost_usd(net: NetworkLike, option: Option, scenario: Scenario, *,
                            timing: str = "in_place") -> dict[str, float]:
    """An option's cost net of the tariff its ``Relocate`` measures save over the scenario.

    Returns ``cost_usd`` (the option's), ``tariff_saving_usd`` (summed over its relocate
    measures and those of the options it includes, months of the scenario, each measure's profile: full from month 0 with
    ``timing="in_place"``) and ``net_cost_usd`` = cost − saving.
    """
    from rareearth.cooperation import Relocate, combine, measure_profile

    periods = pd.period_range(start=scenario.start, periods=int(scenario.months), freq="M")
    saving = 0.0
    # combine() expands included options and fills each measure's start, as the engine sees them
    for measure in combine([option], in_place=timing == "in_place"):
        if not isinstance(measure, Relocate):
            continue
        profile = (np.ones(len(periods)) if timing == "in_place"
                   else measure_profile(measure, len(periods)))
        saving += relocation_tariff_saving_usd(net, measure.from_country, measure.to_country,
                                               measure.sector, measure.share, periods,
                                               profile=profile)
    cost = float(getattr(option, "cost_usd", 0.0))
    return {"cost_usd": cost, "tariff_saving_usd": saving, "net_cost_usd": cost - saving}
