"""A self-contained HTML report of a country's exposure under a scenario.

:func:`report` runs the scenario, scores the country, ranks the cooperation options and writes
one HTML file: figures are inline SVG, styles are inline, nothing is fetched from the network
and no script runs. The page is rendered by jinja2 from ``rareearth/templates/report.html.j2``
with autoescaping on, so names and titles from datasets, scenarios and options are shown as
text, never interpreted as HTML. The file is written atomically.

Examples
--------
>>> import rareearth as ree, tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "jp.html"
>>> path = ree.report("world-2024", "japan-embargo", "JP", options=["stockpile-180d"], path=out)
>>> path.stat().st_size < 2_000_000
True
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
from markupsafe import Markup, escape

from rareearth import __version__, indicators, plot
from rareearth._format import finite, usd
from rareearth.atomic import write_text
from rareearth.errors import UnknownNameError
from rareearth.network import SupplyNetwork

__all__ = ["MAX_BYTES", "report"]

#: The report must stay small enough to mail and to open instantly.
MAX_BYTES = 2_000_000
#: The documents the method section points to (in the rareearth source tree).
DOCS: dict[str, str] = {
    "model": "docs/model.md",
    "exposure": "docs/exposure.md",
    "dataset format": "docs/dataset-format.md",
    "scenario format": "docs/scenario-format.md",
    "option format": "docs/option-format.md",
}
#: Monte Carlo draws needed for the sensitivity (tornado) section.
MIN_SENSITIVITY_DRAWS = 10
#: At most this many materials get an origins figure (the ones the country depends on most).
MAX_ORIGIN_FIGURES = 3

_TEMPLATE = "report.html.j2"
_URL = re.compile(r"^https?://", re.IGNORECASE)


# ---------------------------------------------------------------------------- figures


def _svg(ax: Any, key: str, label: str) -> Markup:
    """The Axes' figure as an inline ``<svg>`` element; ids made unique with ``key``.

    Text stays text (``svg.fonttype: none``: small, selectable, escaped by matplotlib's XML
    writer); the hash salt makes ids reproducible from run to run.
    """
    fig = ax.figure.figure  # the root Figure (a SubFigure's .figure is its root)
    buffer = io.StringIO()
    try:
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": key}):
            fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    finally:
        plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    # several figures share one page: prefix every id and every reference to one
    text = re.sub(r'\bid="', f'id="{key}-', text)
    text = text.replace("url(#", f"url(#{key}-").replace('href="#', f'href="#{key}-')
    text = text.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    # safe to mark: matplotlib's SVG writer escapes every text and attribute it writes
    return Markup(text)


@dataclass
class _Figure:
    key: str
    title: str
    svg: Markup
    caption: str = ""


# ---------------------------------------------------------------------------- formatting


def _num(value: Any, digits: int = 1) -> str:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "–" if value is None else str(value)
    if not math.isfinite(x):
        return "–"
    return f"{x:,.{digits}f}"


def _pct(value: Any, digits: int = 0) -> str:
    x = finite(value)
    return "–" if x is None else f"{100 * x:.{digits}f}%"


def _signed(value: Any, digits: int = 1) -> str:
    x = finite(value)
    return "–" if x is None else f"{x:+.{digits}f}"


# ---------------------------------------------------------------------------- sections


@dataclass
class _Context:
    """Everything the template shows (plain values; the template escapes them)."""

    title: str
    country: str
    country_name: str
    dataset: dict[str, Any]
    scenario: dict[str, Any]
    version: str
    seed: int
    draws: int
    options: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    score: dict[str, Any] | None = None
    dependence: dict[str, Any] | None = None
    figures: dict[str, _Figure] = field(default_factory=dict)
    origin_figures: list[_Figure] = field(default_factory=list)
    ranking: dict[str, Any] | None = None
    frontier: dict[str, Any] | None = None
    sources: list[dict[str, Any]] = field(default_factory=list)
    scenario_sources: list[str] = field(default_factory=list)
    option_sources: list[dict[str, Any]] = field(default_factory=list)
    docs: dict[str, str] = field(default_factory=lambda: dict(DOCS))
    timing: str = "in_place"
    limits: list[dict[str, str]] = field(default_factory=list)
    option_effects: list[dict[str, Any]] = field(default_factory=list)
    sensitivity: list[dict[str, str]] = field(default_factory=list)


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _event_summary(event: Any) -> str:
    """One line per event: ``export restriction · CN → all · magnet · severity 0.74``."""
    parts = [str(_get(event, "type", "event")).replace("_", " ")]
    who = _get(event, "exporter") or _get(event, "node") or _get(event, "country")
    stage = _get(event, "stage")
    if who:
        parts.append(f"{who} {stage}" if stage else str(who))
    targets = _get(event, "targets")
    if targets:
        parts[-1] += " → " + (targets if isinstance(targets, str) else ", ".join(targets))
    sector = _get(event, "sector")
    if sector:
        parts.append(str(sector))
    commodities = _get(event, "commodities")
    if commodities:
        parts.append(commodities if isinstance(commodities, str) else ", ".join(commodities))
    for name in ("severity", "factor"):
        value = _get(event, name)
        if value is not None:
            parts.append(f"{name} {float(value):g}")
    quota = _get(event, "tonnes_per_year")
    if quota is not None:
        parts.append(f"cap {float(quota):,.0f} t/yr")
    return " · ".join(parts)


_CODE = re.compile(r"`([^`]+)`")


def _rich_text(text: str) -> Markup:
    r"""Plain text as HTML: blank lines make paragraphs, `backticks` make code; all escaped.

    Examples
    --------
    >>> str(_rich_text("One `a<b`.\n\nTwo\nlines."))
    '<p>One <code>a&lt;b</code>.</p>\n<p>Two lines.</p>'
    """
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    out = []
    for paragraph in paragraphs:
        parts = _CODE.split(" ".join(line.strip() for line in paragraph.splitlines()))
        html = "".join(
            str(Markup("<code>{}</code>").format(part)) if i % 2 else str(escape(part))
            for i, part in enumerate(parts)
        )
        out.append(f"<p>{html}</p>")
    return Markup("\n".join(out))  # every piece escaped above


def _component_label(name: str) -> str:
    from rareearth.scoring import COMPONENT_NAMES

    return COMPONENT_NAMES.get(name, name.replace("_", " ").capitalize())


def _scenario_info(scenario: Any) -> dict[str, Any]:
    periods = getattr(scenario, "periods", None)
    return {
        "name": str(_get(scenario, "name", "")),
        "title": str(_get(scenario, "title", "") or _get(scenario, "name", "")),
        "description": str(_get(scenario, "description", "") or ""),
        "description_html": _rich_text(str(_get(scenario, "description", "") or "")),
        "start": str(_get(scenario, "start", "")),
        "months": int(_get(scenario, "months", 0) or 0),
        "end": str(periods[-1]) if periods is not None and len(periods) else "",
        "events": [
            {
                "summary": _event_summary(e),
                "start": str(_get(e, "start", "")),
                "end": str(_get(e, "end", "")),
                "note": str(_get(e, "note", "") or ""),
            }
            for e in (_get(scenario, "events", None) or [])
        ],
    }


def _dataset_info(net: SupplyNetwork) -> dict[str, Any]:
    title = str(net.title or net.name)
    year = net.reference_year
    return {
        "name": str(net.name),
        "title": title,
        # shown only when the title does not already say it
        "reference_year": year if year and str(year) not in title else None,
        "digest": str(net.digest or "")[:12],
        "nodes": len(net.node_ids),
        "flows": len(net.flows),
        "countries": len(net.countries),
        "commodities": ", ".join(net.commodities),
    }


def _sources(net: SupplyNetwork) -> list[dict[str, Any]]:
    rows = []
    for source_id, row in net.sources.iterrows():
        path = str(row.get("path", "") or "")
        rows.append(
            {
                "id": str(source_id),
                "title": str(row.get("title", "") or source_id),
                "path": path,
                # only web addresses become links (never javascript: or file paths)
                "url": path if _URL.match(path) else "",
            }
        )
    return rows


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


# ---------------------------------------------------------------------------- rendering


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("rareearth", "templates"),
        # the template is .html.j2: select_autoescape would not match it, so always escape
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _render(ctx: _Context) -> str:
    return _environment().get_template(_TEMPLATE).render(r=ctx)


def _resolve(net: Any, scenario: Any) -> tuple[SupplyNetwork, Any]:
    from rareearth.network import load_network
    from rareearth.scenario import load_scenario

    if isinstance(net, (str, Path)):
        net = load_network(net)
    if isinstance(scenario, (str, Path)):
        scenario = load_scenario(scenario)
    return net, scenario


def report(
    net: SupplyNetwork | str,
    scenario: Any,
    country: str,
    options: Sequence[Any] = (),
    path: str | Path = "report.html",
    n: int = 0,
    seed: int = 0,
    *,
    frontier: bool = True,
) -> Path:
    """Write a self-contained HTML report of ``country``'s exposure under ``scenario``.

    The report holds: a summary and the exposure score with its components
    (:func:`rareearth.exposure`), the country's dependence table
    (:func:`rareearth.indicators.dependence_table`), the network figure, where the country's
    main materials come from, its shortfall month by month (:func:`rareearth.simulate`), the
    ranking of ``options`` (:func:`rareearth.compare`, with ``n`` Monte Carlo draws when
    ``n > 0``), what each option does in tonnes (:mod:`rareearth.option_effects`), the flows
    of the material that weighs most as a Sankey diagram of the worst month beside the
    baseline, with ``n ≥ 10`` draws the inputs that drive the score (a tornado,
    :func:`rareearth.sensitivity`), the method and assumptions (the option timing among them),
    the known limits that bear on this run (:mod:`rareearth.limitations`), and every data source
    cited. Figures are inline
    SVG; there is no script and nothing is loaded from the network. The page is escaped
    (jinja2 autoescaping), written atomically, and stays under :data:`MAX_BYTES`.

    Parameters
    ----------
    net : SupplyNetwork or str
        A network or a built-in dataset name / dataset folder.
    scenario : Scenario or str
        A scenario or a built-in name / YAML or JSON path.
    country : str
        Country or region code of the network.
    options : sequence of Option or str
        Cooperation options to rank (none: the ranking section is left out).
    path : str or Path
        The HTML file written.
    n : int
        Monte Carlo draws for the ranking (0: none); the headline score then carries its
        5–95 % band; when ``n ≥ 10``, also the sensitivity.
    seed : int
        Seed of the simulation and of the draws.
    frontier : bool
        Include the budget frontier of ``options`` (:func:`rareearth.frontier`), when there
        are at most 12 of them.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    UnknownNameError
        If the country is not in the network.
    """
    from rareearth.engine import simulate
    from rareearth.portfolios import MAX_EXHAUSTIVE
    from rareearth.ranking import compare
    from rareearth.scoring import exposure, resolve_options

    net, scenario = _resolve(net, scenario)
    # once, for every section: a built-in name is the template for the report's country
    options = resolve_options(net, country, list(options))
    ctx = _static_context(net, scenario, country, seed=seed, draws=n)
    score = exposure(net, scenario, country, seed=seed)
    ctx.score = _score_section(score)
    dependence = ctx.dependence["table"] if ctx.dependence else None
    _add_origins(ctx, net, country, _origin_materials(net, country, dependence, score))

    result = simulate(net, scenario, seed=seed)
    ctx.figures["shortfall"] = _Figure(
        "shortfall",
        f"Shortfall in {country}, month by month",
        _svg(plot.shortfall(result, country), "shortfall", "shortfall by month"),
    )
    _add_sankey(ctx, net, result, score)
    if n >= MIN_SENSITIVITY_DRAWS:
        _add_sensitivity(ctx, net, scenario, country, n, seed)

    table: pd.DataFrame | None = None
    if options:
        tables = {}
        for timing in ("in_place", "from_start"):
            tables[timing] = compare(net, scenario, country, list(options), n=n, seed=seed,
                                     timing=timing)
            tables[timing].attrs.update({"dataset": net.name, "scenario": ctx.scenario["name"],
                                         "country": country})
        table = tables["in_place"]
        ctx.ranking = _ranking_section(tables)
        if "score_p05" in table.columns:
            ctx.score = _score_section(score, (float(table.loc["none", "score_p05"]),
                                               float(table.loc["none", "score_p95"])))
        ctx.options = [str(o) for o in table.index if str(o) != "none"]
        ctx.figures["compare"] = _Figure(
            "compare", "Options ranked", _svg(plot.compare(table), "compare", "options ranked")
        )
        ctx.option_sources = _option_sources(options)
        if frontier and len(options) <= MAX_EXHAUSTIVE:
            from rareearth.portfolios import frontier as budget_frontier

            front = budget_frontier(net, scenario, country, list(options), seed=seed)
            ctx.frontier = _frontier_section(front)
            ctx.figures["frontier"] = _Figure(
                "frontier", "Budget frontier",
                _svg(plot.frontier(front), "frontier", "budget frontier"),
            )
        _add_option_effects(ctx, net, options)
    _add_limits(ctx, net, scenario, country, options, n)
    ctx.summary = [*_business_answer(score, table, scenario, net, options),
                   *_summary(ctx, score, table)]
    return write_text(path, _render(ctx))


def _option_sources(options: Sequence[Any]) -> list[dict[str, Any]]:
    from rareearth.cooperation import load_option

    out = []
    for option in options:
        opt = load_option(option) if isinstance(option, (str, Path)) else option
        sources = [str(s) for s in (_get(opt, "sources", None) or [])]
        if sources:
            out.append({"option": str(_get(opt, "name", opt)), "sources": sources})
    return out
