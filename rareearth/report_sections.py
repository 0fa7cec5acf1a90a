"""The sections of the HTML report, each from one library result: dependence, origins,
the score, the option rankings, the frontier, the summary, the Sankey figure, the
sensitivity, what each option does, the known limits.

Each ``_add_*`` or ``_*_section`` function turns one result into plain values of the
:class:`~rareearth.report_parts._Context` that the template shows. To add a section: write its
function here, call it from :func:`rareearth.reporting.report`, add a field to ``_Context``
and its block to ``templates/report.html.j2``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from rareearth import __version__, indicators, plot
from rareearth._format import usd
from rareearth.errors import UnknownNameError
from rareearth.network import SupplyNetwork
from rareearth.report_parts import (
    MAX_ORIGIN_FIGURES,
    _component_label,
    _Context,
    _dataset_info,
    _Figure,
    _get,
    _num,
    _pct,
    _scenario_info,
    _signed,
    _sources,
    _svg,
)

__all__: list[str] = []


_DEPENDENCE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("consumption_tonnes_per_year", "Consumption (t REO/yr)", "num0"),
    ("import_reliance", "Import reliance", "pct"),
    ("top_mining", "Main mining origin", "origin"),
    ("top_separation", "Main separation origin", "origin"),
    ("hhi_direct", "HHI direct suppliers", "num2"),
    ("hhi_origin", "HHI mining origin", "num2"),
    ("governance_hhi", "Governance-weighted HHI", "num2"),
    ("supply_risk", "EU supply risk", "num2"),
)


def _format_cell(row: pd.Series, column: str, kind: str) -> str:
    if kind == "origin":
        origin = row.get(f"{column}_origin")
        if origin is None or (isinstance(origin, float) and math.isnan(origin)):
            return "–"
        return f"{origin} {_pct(row.get(f'{column}_share'))}"
    value = row.get(column)
    if kind == "pct":
        return _pct(value)
    if kind == "num0":
        return _num(value, 0)
    return _num(value, 2)


def _dependence(net: SupplyNetwork, country: str) -> dict[str, Any]:
    table = indicators.dependence_table(net, country)
    have = set(table.columns)
    columns = [
        (c, label, kind)
        for c, label, kind in _DEPENDENCE_COLUMNS
        if c in have or f"{c}_origin" in have
    ]
    rows = [
        {
            "material": str(material),
            "cells": [_format_cell(row, c, kind) for c, _, kind in columns],
        }
        for material, row in table.iterrows()
    ]
    return {"headers": [label for _, label, _ in columns], "rows": rows, "table": table}


def _origin_materials(net: SupplyNetwork, country: str, dependence: pd.DataFrame | None,
                      score: Any) -> list[str]:
    """Materials to draw origins for: by the score's points per material, else consumption."""
    consumed = [str(m) for m in net.material_ids]
    if dependence is not None and "consumption_tonnes_per_year" in dependence.columns:
        use = dependence["consumption_tonnes_per_year"].astype(float)
        consumed = [str(m) for m in use[use > 0].sort_values(ascending=False).index]
    if score is not None:
        points = score.material_points()
        consumed.sort(key=lambda m: -float(points.get(m, 0.0)))
    return consumed[:MAX_ORIGIN_FIGURES]


def _static_context(
    net: SupplyNetwork, scenario: Any, country: str, *, seed: int = 0, draws: int = 0
) -> _Context:
    """The parts of the report that need only the network: data, dependence, figures."""
    if country not in net.country_codes:
        raise UnknownNameError(
            f"country {country!r} is not in dataset {net.name!r}; "
            f"choose one of {', '.join(net.country_codes)}"
        )
    name = str(net.countries.loc[country, "name"]) if "name" in net.countries.columns else country
    info = _scenario_info(scenario)
    ctx = _Context(
        title=f"Rare-earth exposure of {name} ({country}): {info['title']}",
        country=country,
        country_name=name,
        dataset=_dataset_info(net),
        scenario=info,
        version=__version__,
        seed=seed,
        draws=draws,
        sources=_sources(net),
        scenario_sources=[str(s) for s in (_get(scenario, "sources", None) or [])],
    )
    ctx.dependence = _dependence(net, country)
    ctx.figures["network"] = _Figure(
        "network",
        "The supply network",
        _svg(plot.network(net), "network", "supply network"),
        "Every node of the dataset in its stage column; area ∝ throughput, edges ∝ flow "
        "(t REO/yr; magnets t/yr), colour = country.",
    )
    return ctx


def _add_origins(ctx: _Context, net: SupplyNetwork, country: str, materials: Sequence[str]) -> None:
    for material in materials:
        key = f"origins-{re.sub(r'[^A-Za-z0-9]+', '-', material)}"
        ctx.origin_figures.append(
            _Figure(
                key,
                f"Where {country}'s {material} comes from",
                _svg(plot.origins(net, country, material), key, f"origins of {material}"),
            )
        )


def _score_section(score: Any, band: tuple[float, float] | None = None) -> dict[str, Any]:
    from rareearth.scoring import KINDS, WEIGHTS

    sentences: dict[str, str] = {}
    for sentence in score.explain():
        head, _, rest = sentence.partition(":")
        sentences[head.split(" ")[0]] = rest.strip()
    components = []
    for name, points in score.components.items():
        top = float(WEIGHTS.get(name, 0.0))
        components.append(
            {
                "name": name,
                "kind": KINDS.get(name, ""),
                "label": _component_label(name),
                "points": _num(points),
                "max": _num(top, 0),
                "width": 0.0 if top <= 0 else round(100.0 * min(1.0, float(points) / top), 1),
                "sentence": sentences.get(name, ""),
            }
        )
    materials = [
        {"material": m, "points": _num(p)} for m, p in score.material_points().items() if p > 0
    ]
    return {
        "value": _num(score.score),
        "band": f"{_num(band[0])}–{_num(band[1])}" if band else "",
        "width": round(min(100.0, max(0.0, float(score.score))), 1),
        "components": components,
        "materials": materials,
    }


#: The two questions an option ranking answers, by timing.
_TIMINGS = {
    "in_place": ("Had it been done: options in place when the shock begins",
                 "Every measure at full effect from the first month."),
    "from_start": ("Decided when the shock starts: options built over their lead times",
                   "Each measure acts only after its lead time and ramp; options that take years "
                   "avoid nothing in a shorter shock."),
}


def _ranking_rows(table: pd.DataFrame, mc: bool) -> list[dict[str, Any]]:
    rows = []
    for option, row in table.iterrows():
        rows.append(
            {
                "option": str(option),
                "rank": _num(row.get("rank"), 0),
                "title": str(row.get("title", "") or ""),
                "harm": usd(row.get("harm_avoided_usd")),
                "harm_per_busd": usd(row.get("harm_avoided_per_busd")),
                "score": _num(row["score"]),
                "delta": _signed(row["delta"]),
                "harm_delta": _signed(row.get("harm_delta")),
                "resilience_delta": _signed(row.get("resilience_delta")),
                "cost": usd(row.get("cost_usd")),
                "lead": _num(row.get("lead_time_months"), 0),
                "harm_interval": (f"{usd(row['harm_avoided_p05'])}–{usd(row['harm_avoided_p95'])}"
                                  if mc else ""),
                "p_beats_none": _pct(row["p_beats_none"]) if mc else "",
                "is_none": str(option) == "none",
            }
        )
    return rows


def _ranking_section(tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    first = next(iter(tables.values()))
    mc = {"p_beats_none", "harm_avoided_p05", "harm_avoided_p95"} <= set(first.columns)
    timings = [
        {"label": _TIMINGS[name][0], "note": _TIMINGS[name][1], "rows": _ranking_rows(t, mc)}
        for name, t in tables.items()
    ]
    skipped = [{"name": k, "why": v.splitlines()[0]}
               for k, v in first.attrs.get("skipped", {}).items()]
    return {"timings": timings, "monte_carlo": mc, "skipped": skipped}


def _frontier_section(table: pd.DataFrame) -> dict[str, Any]:
    mc = "p_beats_none" in table.columns
    rows = [
        {
            "budget": usd(row.budget_usd), "options": str(row.options), "cost": usd(row.cost_usd),
            "harm": usd(row.harm_avoided_usd), "score": _num(row.score),
            "interval": f"{_num(row.score_p05)}–{_num(row.score_p95)}" if mc else "",
            "p_beats_none": _pct(row.p_beats_none) if mc else "",
        }
        for row in table.itertuples(index=False)
    ]
    portfolios = table.attrs.get("portfolios")
    return {"rows": rows, "monte_carlo": mc, "method": table.attrs.get("method", ""),
            "n_portfolios": 0 if portfolios is None else len(portfolios)}


def _summary(ctx: _Context, score: Any, table: pd.DataFrame | None) -> list[str]:
    out = []
    if score is not None:
        comps = sorted(score.components.items(), key=lambda kv: -kv[1])
        top = ", ".join(
            f"{_component_label(name).lower()} ({points:.1f} points)"
            for name, points in comps[:2] if points > 0
        )
        out.append(
            f"Under “{ctx.scenario['title']}”, the exposure score of {ctx.country_name} is "
            f"{score.score:.1f} out of 100" + (f"; the largest parts are {top}." if top else ".")
        )
        peak = score.metrics.get("peak_shortfall_pct")
        unmet = score.metrics.get("unmet_demand_months")
        if peak is not None and unmet is not None:
            out.append(
                f"At worst {float(peak):.1f}% of its end-use demand (by value) goes unmet in a "
                f"month, and {float(unmet):.2f} months of consumption are lost over the "
                f"{ctx.scenario['months']} months simulated."
            )
        points = score.material_points()
        if points:
            material, value = next(iter(points.items()))
            if value > 0:
                out.append(f"The material that contributes most is {material} ({value:.1f} points).")
    if table is not None and len(table) > 1:
        options = table.drop(index="none", errors="ignore")
        avoiders = options[options["avoids_harm"].astype(bool)] if "avoids_harm" in options else options
        if len(avoiders):
            best = str(avoiders.index[0])  # ranked by harm avoided per dollar
            head = (f"Of the {len(options)} options compared, {best} avoids most harm per dollar"
                    if len(options) > 1 else f"The one option compared, {best}, avoids harm")
            out.append(
                f"{head}: "
                f"{usd(avoiders.loc[best, 'harm_avoided_usd'])} of lost end-use value avoided for "
                f"{usd(avoiders.loc[best, 'cost_usd'])} (score {float(avoiders.loc[best, 'delta']):+.1f} "
                "points)."
            )
        else:
            out.append(f"None of the {len(options)} options compared avoids harm in this scenario."
                       if len(options) > 1 else
                       "The option compared avoids no harm in this scenario.")
    return out


def _business_answer(score: Any, table: pd.DataFrame | None, scenario: Any, net: Any,
                     options: Sequence[Any]) -> list[str]:
    """The summary's opening: vehicles not built, output and GDP lost, the option that avoids
    most of the lost output per dollar, and the tariff a relocation saves
    (``rareearth.economics``); empty without products."""
    from rareearth.cooperation import load_option
    from rareearth.economics import headline, relocation_net_cost_usd

    line = headline(score.metrics, start=_get(scenario, "start")) if score is not None else None
    if line is None:
        return []
    out = [line]
    if table is not None and "output_lost_usd" in table.columns and "none" in table.index:
        lost = table["output_lost_usd"].astype(float)
        cost = table["cost_usd"].astype(float)
        avoided = (lost["none"] - lost).drop(index="none")
        per = (avoided / cost.drop(index="none").where(cost > 0)).dropna()
        per = per[avoided.reindex(per.index) > 0]
        if len(per):
            best = str(per.idxmax())
            out.append(f"Per dollar, {best} avoids most of it: {usd(avoided[best])} of output "
                       f"for {usd(cost[best])} ({per[best]:,.1f} USD of output per USD).")
    for option in options:
        option = load_option(option) if isinstance(option, str) else option
        cost = relocation_net_cost_usd(net, option, scenario)  # 0 saved without a relocation
        if cost["tariff_saving_usd"] > 0:
            out.append(f"{option.name} costs {usd(cost['cost_usd'])}, and the production it moves "
                       f"saves {usd(cost['tariff_saving_usd'])} of tariff on the exports it replaces "
                       f"over the {scenario.months} months: a net cost of {usd(cost['net_cost_usd'])}.")
    return out


def _sankey_element(net: SupplyNetwork, score: Any) -> str:
    """The element of the Sankey figure: the material with most points, or the magnet chain."""
    points = score.material_points() if score is not None else {}
    for material, value in points.items():
        if value > 0 and material in net.material_ids:
            return str(material)
        if value > 0:
            break
    return "magnet"


def _add_sankey(ctx: _Context, net: SupplyNetwork, result: Any, score: Any) -> None:
    from rareearth.plot.sankey import MAGNET_CHAIN, _pick_month

    element = _sankey_element(net, score)
    what = "the magnet chain" if element == MAGNET_CHAIN else element
    month = _pick_month(result)
    ax = plot.sankey(result, element=element)
    ctx.figures["sankey"] = _Figure(
        "sankey",
        f"Flows of {what}: baseline and {month}",
        _svg(ax, "sankey", f"Sankey diagram of {what}"),
        f"Left, the baseline flows of {what} from mining to end use; right, the flows in "
        f"{month}, the month with the largest end-use shortfall, on the same scale (a month's "
        "flows × 12). Boxes are countries (height = throughput), bands t REO/yr; magnets are "
        "counted as their rare-earth content (recipe × t of magnet). Without options.",
    )


def _add_sensitivity(ctx: _Context, net: SupplyNetwork, scenario: Any, country: str, n: int,
                     seed: int) -> None:
    from rareearth.sensitivity_analysis import sensitivity

    table = sensitivity(net, scenario, country, n=n, seed=seed)
    ctx.figures["tornado"] = _Figure(
        "tornado",
        "What drives the answer",
        _svg(plot.tornado(table), "tornado", "tornado plot of the uncertain inputs"),
        f"{n} Monte Carlo draws without options. Each bar: the mean score with the input in "
        "the lowest fifth of its range (blue end) and in the highest fifth (orange end); ρ is "
        "Spearman's rank correlation of the input with the score.",
    )
    ctx.sensitivity = [
        {
            "label": str(row["label"]),
            "range": f"{_num(row['low'], 3)}–{_num(row['high'], 3)}",
            "rho_score": _signed(row["rho_score"], 2),
            "rho_lost": _signed(row["rho_lost_value"], 2),
            "lost": f"{usd(row['lost_value_low_usd'])} – {usd(row['lost_value_high_usd'])}",
        }
        for _, row in table.iterrows()
    ]


def _add_option_effects(ctx: _Context, net: SupplyNetwork, options: Sequence[Any]) -> None:
    from rareearth.cooperation import load_option
    from rareearth.errors import OptionError
    from rareearth.option_effects import option_effects

    for option in options:
        opt = load_option(option) if isinstance(option, (str, Path)) else option
        try:
            table = option_effects(net, opt)
        except OptionError:
            continue  # an option that does not fit the network is not ranked either
        digits = {"months": 1}
        ctx.option_effects.append({
            "option": str(opt.name),
            "rows": [
                {
                    "measure": f"{r.type.replace('_', ' ')}" + (
                        f" (from {r.option})" if r.option != opt.name else ""),
                    "where": f"{r.country} {r.commodity}",
                    "what": str(r.what),
                    "baseline": _num(r.baseline, digits.get(r.unit, 0)),
                    "added": f"{r.added:+,.{digits.get(r.unit, 0)}f}",
                    "total": _num(r.total, digits.get(r.unit, 0)),
                    "unit": str(r.unit),
                }
                for r in table.itertuples(index=False)
            ],
        })


def _add_limits(ctx: _Context, net: SupplyNetwork, scenario: Any, country: str,
                options: Sequence[Any], draws: int) -> None:
    from rareearth.cooperation import load_option
    from rareearth.limitations import known_limits

    opts = [load_option(o) if isinstance(o, (str, Path)) else o for o in options]
    ctx.limits = [
        {"topic": limit.topic, "text": limit.text}
        for limit in known_limits(net, scenario, country, opts, timing=ctx.timing, draws=draws)
    ]


