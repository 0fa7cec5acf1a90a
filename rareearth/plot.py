"""Figures of networks, runs and option rankings (matplotlib).

Every function takes ``ax=None`` (a new figure of a readable default size is made when it is
``None``), draws on it and returns the Axes; nothing here calls ``plt.show()`` or prints. Every
figure carries a title, the units of what it shows and a source line naming the dataset.
Countries have the same colour in every figure: :func:`country_color`.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import rareearth as ree
>>> ax = ree.plot.network(ree.load_network("world-2024"), material="NdPr")
>>> ax.get_title(loc="left")
'Rare-earth supply network: NdPr'
"""

from __future__ import annotations

import math
import textwrap
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from pydantic import ValidationError

from rareearth import indicators
from rareearth.errors import UnknownNameError
from rareearth.network import SupplyNetwork
from rareearth.records import MAGNET, STAGES, parse_node_id
from rareearth.scenario import Scenario

__all__ = [
    "COUNTRY_COLORS",
    "compare",
    "country_color",
    "distribution",
    "network",
    "origins",
    "shortfall",
]

#: Fixed colours of the main countries and regions (colour-blind-aware where possible: the
#: two largest actors, CN and the rest of the world, are red and grey; neighbours in the
#: supply chain get distinct hues).
COUNTRY_COLORS: dict[str, str] = {
    "CN": "#d62728",  # red
    "AU": "#ff7f0e",  # orange
    "US": "#1f77b4",  # blue
    "MM": "#8c564b",  # brown
    "MY": "#17becf",  # cyan
    "VN": "#2ca02c",  # green
    "IN": "#e7ba52",  # mustard
    "TH": "#9467bd",  # purple
    "RU": "#393b79",  # indigo
    "BR": "#637939",  # olive
    "JP": "#e377c2",  # pink
    "KR": "#6b6ecf",  # periwinkle
    "DE": "#525252",  # dark grey
    "EU": "#bcbd22",  # yellow-green
    "ROW": "#a6a6a6",  # light grey
}

# Fallback colours for other codes: picked by a stable hash of the code (crc32, not Python's
# salted hash), so a code keeps its colour across runs and machines.
_FALLBACK_COLORS: tuple[str, ...] = (
    "#7f3b08", "#b35806", "#542788", "#8073ac", "#01665e", "#35978f", "#8e0152", "#c51b7d",
    "#276419", "#4d9221", "#053061", "#4393c3", "#67001f", "#d6604d", "#3f007d", "#807dba",
)

_STAGE_LABELS: dict[str, str] = {
    "mining": "Mining",
    "separation": "Separation",
    "metal": "Metal",
    "magnet": "Magnet",
    "end_use": "End use",
}
_SOURCE_COLOR = "#555555"
_NONE = "none"


def country_color(code: str) -> str:
    """The colour of a country or region in every figure (hex string).

    The main rare-earth countries have fixed colours (:data:`COUNTRY_COLORS`); any other code
    gets a colour from a fallback palette chosen by a stable hash, the same on every run.

    Examples
    --------
    >>> country_color("CN")
    '#d62728'
    >>> country_color("ZA") == country_color("ZA")
    True
    """
    if code in COUNTRY_COLORS:
        return COUNTRY_COLORS[code]
    return _FALLBACK_COLORS[zlib.crc32(code.encode("utf-8")) % len(_FALLBACK_COLORS)]


# ---------------------------------------------------------------------------- shared helpers


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    # pyplot, so that notebooks show the figure; callers that make many figures close them
    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def _source_line(ax: Axes, text: str, *, below_labels: bool = True) -> None:
    """A small grey source line under the Axes, right-aligned, below tick labels and xlabel."""
    offset = 4.0
    if below_labels:
        if ax.xaxis.get_visible() and ax.axison:
            offset += 16.0  # tick labels
        if ax.get_xlabel():
            offset += 14.0
    ax.annotate(
        text,
        xy=(1.0, 0.0),
        xycoords="axes fraction",
        xytext=(0.0, -offset),
        textcoords="offset points",
        ha="right",
        va="top",
        fontsize=7,
        color=_SOURCE_COLOR,
        annotation_clip=False,
    )


def _plain(text: str) -> str:
    """Text shown as written: ``$`` would otherwise start matplotlib's math mode."""
    return text.replace("$", r"\$")


def _dataset_source(net: SupplyNetwork) -> str:
    title = str(net.title or "")
    name = str(net.name)
    if title and title != name:
        return _plain(f"Source: rareearth dataset {name} ({title})")
    return _plain(f"Source: rareearth dataset {name}")


def _titles(ax: Axes, title: str, subtitle: str) -> None:
    """Bold title on the left, and a smaller subtitle under it wrapped to the Axes' width."""
    lines: list[str] = []
    if subtitle:
        width_in = ax.get_window_extent().width / float(ax.figure.dpi)
        chars = max(40, int(width_in * 72.0 / (8.5 * 0.52)))
        lines = textwrap.wrap(_plain(subtitle), width=chars)
    ax.set_title(_plain(title), loc="left", fontsize=12, fontweight="bold", pad=8 + 11.5 * len(lines))
    if lines:
        ax.annotate(
            "\n".join(lines),
            xy=(0.0, 1.0),
            xycoords="axes fraction",
            xytext=(0.0, 5.0),
            textcoords="offset points",
            ha="left",
            va="bottom",
            fontsize=8.5,
            color="#444444",
            annotation_clip=False,
        )


def _fmt_tonnes(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:,.1f} kt"
    return f"{value:,.0f} t"


def _node_label(node: str) -> str:
    parsed = parse_node_id(node)
    return _plain(f"{parsed.country} {parsed.facility.replace('_', ' ')}".strip())


def _magnet_materials(net: SupplyNetwork) -> set[str]:
    recipes = net.recipes
    if recipes.empty or "material" not in recipes.columns:
        return set()
    used = recipes[recipes["tonnes_per_tonne"].astype(float) > 0]
    return {str(m) for m in used["material"]}


def _network_flows(net: SupplyNetwork, material: str | None) -> pd.DataFrame:
    """Flows drawn for ``material``: its own flows and, if it goes into magnets, the magnets."""
    flows = net.flows
    if material is None:
        return flows
    if material not in net.commodities:
        raise UnknownNameError(
            f"material {material!r} is not in dataset {net.name!r}; "
            f"choose one of {', '.join(net.commodities)}"
        )
    keep = flows["commodity"] == material
    if material != MAGNET and material in _magnet_materials(net):
        magnet_makers = set(flows.loc[keep & (flows["target_stage"] == "magnet"), "target"])
        keep |= (flows["commodity"] == MAGNET) & flows["source"].isin(magnet_makers)
    return flows[keep]


# ---------------------------------------------------------------------------- network


def _column_order(
    columns: dict[int, list[str]], edges: pd.DataFrame, throughput: Mapping[str, float]
) -> dict[str, float]:
    """y position (0 top … 1 bottom) per node: barycentre sweeps to keep edges short."""
    country_rank: dict[str, float] = {}
    totals: dict[str, float] = {}
    for node, value in throughput.items():
        c = parse_node_id(node).country
        totals[c] = totals.get(c, 0.0) + value
    for i, (c, _) in enumerate(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))):
        country_rank[c] = float(i)
    order = {
        k: sorted(v, key=lambda n: (country_rank[parse_node_id(n).country], -throughput[n], n))
        for k, v in columns.items()
    }

    def positions() -> dict[str, float]:
        pos: dict[str, float] = {}
        for nodes in order.values():
            for i, n in enumerate(nodes):
                pos[n] = (i + 0.5) / len(nodes)
        return pos

    src = edges["source"].to_numpy()
    tgt = edges["target"].to_numpy()
    w = edges["tonnes_per_year"].to_numpy(dtype=float)
    stages = sorted(order)
    for _ in range(3):
        for forward, sweep in ((True, stages[1:]), (False, stages[-2::-1])):
            for k in sweep:
                pos = positions()
                key: dict[str, float] = {}
                for n in order[k]:
                    mask = (tgt == n) if forward else (src == n)
                    others = src[mask] if forward else tgt[mask]
                    ws = w[mask]
                    if ws.sum() > 0:
                        key[n] = float(np.dot(ws, [pos[o] for o in others]) / ws.sum())
                    else:
                        key[n] = pos[n]
                order[k] = sorted(order[k], key=lambda n: (key[n], pos[n]))
    return positions()


def network(
    net: SupplyNetwork,
    material: str | None = None,
    ax: Axes | None = None,
    *,
    max_labels_per_stage: int | None = None,
) -> Axes:
    """Draw the supply network in stage columns: mining → separation → metal → magnet → end use.

    Nodes are placed in one column per stage and ordered to keep flows short; a node's area is
    proportional to its throughput (the larger of what it receives and what it ships, t/yr),
    its colour is its country's (:func:`country_color`). Edges are curves whose width and
    opacity grow with the flow (t/yr), coloured by the supplying country. When a column is
    crowded only its larger nodes are labelled.

    Parameters
    ----------
    net : SupplyNetwork
    material : str, optional
        Show only this commodity's flows (t REO/yr); for a magnet material (one with a recipe
        share) the magnet flows out of the magnet plants that use it are shown too (t/yr of
        magnet). ``None`` shows every flow, summing commodities per pair of nodes.
    ax : matplotlib Axes, optional
    max_labels_per_stage : int, optional
        Cap on labels per column (default: as many as fit without overlap).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import rareearth as ree
    >>> ax = ree.plot.network(ree.load_network("world-2024"))
    """
    flows = _network_flows(net, material)
    ax = _axes(ax, (13.0, 8.5))
    edges = (
        flows.groupby(["source", "target"], as_index=False, sort=True)["tonnes_per_year"].sum()
        if len(flows)
        else pd.DataFrame(columns=["source", "target", "tonnes_per_year"])
    )
    edges = edges[edges["tonnes_per_year"] > 0]
    inflow = edges.groupby("target")["tonnes_per_year"].sum()
    outflow = edges.groupby("source")["tonnes_per_year"].sum()
    nodes = sorted(
        set(edges["source"]) | set(edges["target"]),
        key=lambda n: (STAGES.index(parse_node_id(n).stage), n),
    )
    throughput = {
        n: float(max(inflow.get(n, 0.0), outflow.get(n, 0.0))) for n in nodes
    }
    used_stages = [s for s in STAGES if any(parse_node_id(n).stage == s for n in nodes)]
    col_of = {s: i for i, s in enumerate(used_stages)}
    columns: dict[int, list[str]] = {}
    for n in nodes:
        columns.setdefault(col_of[parse_node_id(n).stage], []).append(n)
    ypos = _column_order(columns, edges, throughput) if nodes else {}
    xpos = {n: float(col_of[parse_node_id(n).stage]) for n in nodes}

    # y grows downwards so that the first (largest) nodes sit at the top
    ax.set_xlim(-0.25, max(len(used_stages) - 1, 1) + 0.75)
    ax.set_ylim(1.02, -0.07)
    ax.set_axis_off()

    vmax = float(edges["tonnes_per_year"].max()) if len(edges) else 1.0
    for row in edges.sort_values("tonnes_per_year").itertuples(index=False):
        s, t, v = str(row.source), str(row.target), float(row.tonnes_per_year)
        rel = math.sqrt(v / vmax)
        x0, y0, x1, y1 = xpos[s], ypos[s], xpos[t], ypos[t]
        dx = (x1 - x0) * 0.5
        path = MplPath(
            [(x0, y0), (x0 + dx, y0), (x1 - dx, y1), (x1, y1)],
            [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4],
        )
        ax.add_patch(
            PathPatch(
                path,
                facecolor="none",
                edgecolor=country_color(parse_node_id(s).country),
                linewidth=0.4 + 7.0 * rel,
                alpha=0.12 + 0.5 * rel,
                capstyle="butt",
                zorder=1,
                gid=f"{s}->{t}",
            )
        )

    tmax = max(throughput.values()) if throughput else 1.0
    if nodes:
        sizes = [15.0 + 650.0 * throughput[n] / tmax for n in nodes]
        ax.scatter(
            [xpos[n] for n in nodes],
            [ypos[n] for n in nodes],
            s=sizes,
            c=[country_color(parse_node_id(n).country) for n in nodes],
            edgecolors="white",
            linewidths=0.6,
            zorder=3,
        )

    for stage, k in col_of.items():
        ax.text(
            float(k), -0.045, _STAGE_LABELS[stage], ha="center", va="center", fontsize=10,
            fontweight="bold", color="#333333",
        )

    countries: dict[str, float] = {}
    for n in nodes:
        c = parse_node_id(n).country
        countries[c] = countries.get(c, 0.0) + throughput[n]
    ranked_countries = sorted(countries, key=lambda c: (-countries[c], c))
    handles = [
        Line2D([], [], marker="o", linestyle="", markersize=7, color=country_color(c), label=c)
        for c in ranked_countries
    ]
    if handles:
        ax.legend(
            handles=handles,
            title="Country",
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            frameon=False,
            fontsize=8,
            title_fontsize=9,
            ncols=1 if len(handles) <= 24 else 2,
        )
    what = material if material is not None else "all materials"
    unit = "t/yr of magnet" if material == MAGNET else "t REO/yr (magnets: t/yr)"
    _titles(
        ax,
        f"Rare-earth supply network: {what}",
        f"Node area ∝ throughput, edge width ∝ flow ({unit}); colour = country. "
        f"{len(nodes)} nodes, {len(edges)} links.",
    )
    _source_line(ax, _dataset_source(net), below_labels=False)
    # labels: the largest nodes of each column first, skipping any that would overlap. The
    # layout is computed first so that the gap is measured on the Axes' final height.
    ax.figure.figure.draw_without_rendering()
    height_in = ax.get_window_extent().height / float(ax.figure.figure.dpi)
    label_pt = 7.0
    y_low, y_high = ax.get_ylim()
    min_gap = (label_pt * 1.3 / 72.0) / max(height_in, 0.5) * abs(y_low - y_high)  # data units
    for k, col_nodes in columns.items():
        taken: list[float] = []
        ranked = sorted(col_nodes, key=lambda n: (-throughput[n], n))
        for n in ranked:
            if max_labels_per_stage is not None and len(taken) >= max_labels_per_stage:
                break
            y = ypos[n]
            if any(abs(y - other) < min_gap for other in taken):
                continue
            taken.append(y)
            radius_pt = math.sqrt((15.0 + 650.0 * throughput[n] / tmax) / math.pi)
            ax.annotate(
                f"{_node_label(n)}  {_fmt_tonnes(throughput[n])}",
                xy=(float(k), y),
                xytext=(radius_pt + 4.0, 0.0),
                textcoords="offset points",
                ha="left",
                va="center",
                fontsize=label_pt,
                zorder=4,
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7},
            )
    return ax


# ---------------------------------------------------------------------------- origins

_ORIGIN_STAGES: tuple[str, ...] = ("mining", "separation", "metal", "magnet")


def origins(net: SupplyNetwork, country: str, material: str, ax: Axes | None = None) -> Axes:
    """Where a country's supply of a material comes from, stage by stage (stacked bars, %).

    One horizontal bar per stage (mining, separation, metal, magnet), split by the country
    where that stage was done, from
    :func:`rareearth.indicators.origin_shares` (ultimate origin: oxide separated in Vietnam
    from Chinese concentrate counts as Chinese at the mining stage). Shares under 4 % are not
    labelled.

    Parameters
    ----------
    net : SupplyNetwork
    country : str
        Country or region code, e.g. ``"JP"``.
    material : str
        Material id, e.g. ``"NdPr"``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import rareearth as ree
    >>> ax = ree.plot.origins(ree.load_network("world-2024"), "JP", "DyTb")
    """
    if country not in net.country_codes:
        raise UnknownNameError(
            f"country {country!r} is not in dataset {net.name!r}; "
            f"choose one of {', '.join(net.country_codes)}"
        )
    if material not in net.material_ids:
        raise UnknownNameError(
            f"material {material!r} is not in dataset {net.name!r}; "
            f"choose one of {', '.join(net.material_ids)}"
        )
    ax = _axes(ax, (9.0, 4.2))
    shares = {
        stage: indicators.origin_shares(net, country, material, stage=stage)
        for stage in _ORIGIN_STAGES
    }
    totals: dict[str, float] = {}
    for s in shares.values():
        for c, v in s.items():
            totals[str(c)] = totals.get(str(c), 0.0) + float(v)
    order = sorted(totals, key=lambda c: (-totals[c], c))
    labels = [_STAGE_LABELS[s] for s in _ORIGIN_STAGES]
    y = np.arange(len(_ORIGIN_STAGES))[::-1]
    left = np.zeros(len(_ORIGIN_STAGES))
    for c in order:
        values = np.array([100.0 * float(shares[s].get(c, 0.0)) for s in _ORIGIN_STAGES])
        bars = ax.barh(
            y, values, left=left, color=country_color(c), edgecolor="white", linewidth=0.6,
            height=0.62, label=c,
        )
        for bar, v, x0 in zip(bars, values, left, strict=True):
            if v >= 4.0:
                ax.text(
                    x0 + v / 2, bar.get_y() + bar.get_height() / 2,
                    f"{c}\n{v:.0f}%" if v >= 9.0 else c,
                    ha="center", va="center", fontsize=7.5,
                    color=_text_on(country_color(c)),
                )
        left += values
    for yi, total in zip(y, left, strict=True):
        if total <= 0:
            ax.text(1.0, float(yi), f"{country} consumes no {material} from this stage",
                    va="center", ha="left", fontsize=8, color="#777777", style="italic")
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of supply (%)")
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if order:
        ax.legend(
            title="Country", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
            fontsize=8, title_fontsize=9,
        )
    _titles(
        ax,
        f"Where {country}'s {material} comes from",
        "Ultimate origin of the material the country consumes (also inside magnets): share of "
        "t REO/yr done in each country at each stage.",
    )
    _source_line(ax, _dataset_source(net))
    return ax


def _text_on(color: str) -> str:
    r, g, b = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.6 else "white"


# ---------------------------------------------------------------------------- shortfall


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _scenario_of(result: Any) -> Any:
    """The run's scenario: a Scenario, rebuilt from its dict when possible, else as stored."""
    provenance = getattr(result, "provenance", None) or {}
    scenario = _get(provenance, "scenario")
    if isinstance(scenario, Mapping):
        try:
            return Scenario.model_validate(dict(scenario))
        except ValidationError:  # a partial record: use its fields as they are
            return scenario
    return scenario


def _run_source(result: Any) -> str:
    provenance = getattr(result, "provenance", None) or {}
    dataset = _get(provenance, "dataset")
    scenario = _scenario_of(result)
    parts = []
    if dataset is not None:
        if isinstance(dataset, str):
            parts.append(f"dataset {dataset}")
        else:
            name = _get(dataset, "name", "")
            title = _get(dataset, "title", "")
            parts.append(f"dataset {name}" + (f" ({title})" if title and title != name else ""))
    if scenario is not None:
        if isinstance(scenario, str):
            parts.append(f"scenario {scenario}")
        else:
            parts.append(f"scenario {_get(scenario, 'name', '')}")
    return _plain("Source: rareearth simulation" + (", " + ", ".join(parts) if parts else ""))


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
    grouped = mine.groupby(["month", "commodity"], sort=True)[["demand", "shortfall", "stock"]].sum()
    demand = grouped["demand"].unstack("commodity")
    short = grouped["shortfall"].unstack("commodity")
    pct = (100.0 * short / demand.where(demand > 0)).fillna(0.0)
    stock = grouped["stock"].unstack("commodity")
    price = ts.groupby(["month", "commodity"], sort=True)["price_index"].mean().unstack("commodity")
    price = price[[c for c in pct.columns if c in price.columns]]
    return pct, stock, price


def _commodity_colors(commodities: Iterable[str]) -> dict[str, str]:
    fixed = {"NdPr": "#1b9e77", "DyTb": "#d95f02", "LaCe": "#7570b3", MAGNET: "#222222",
             "Y": "#e7298a", "SmGd": "#66a61e", "Other": "#999999"}
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


def _shade(ax: Axes, windows: Sequence[tuple[str, np.ndarray]], start: pd.Period, label: bool) -> None:
    for i, (name, values) in enumerate(windows):
        months = pd.period_range(start, periods=len(values), freq="M")
        hatch_color = _EVENT_COLORS[i % len(_EVENT_COLORS)]
        for m, v in zip(months, values, strict=True):
            if v > 0:
                ax.axvspan(
                    m.start_time, (m + 1).start_time, color=hatch_color,
                    alpha=0.05 + 0.12 * float(v), linewidth=0, zorder=0,
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


def shortfall(result: Any, country: str, ax: Axes | None = None) -> Axes:
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
    >>> net = ree.load_network("world-2024")
    >>> res = ree.simulate(net, ree.load_scenario("china-2010"))
    >>> ax = ree.plot.shortfall(res, "JP")
    """
    pct, stock, price = _country_series(result, country)
    colors = _commodity_colors(pct.columns)
    times = _to_time(pct.index)
    months = pct.index if isinstance(pct.index, pd.PeriodIndex) else pd.PeriodIndex(pct.index, freq="M")
    windows = _event_windows(result, months)
    start = months.min()

    if ax is None:
        _, axes = plt.subplots(
            3, 1, sharex=True, figsize=(10.0, 7.5), height_ratios=[2.2, 1.0, 1.0],
            layout="constrained",
        )
        main, price_ax, stock_ax = axes[0], axes[1], axes[2]
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
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    bottom.xaxis.set_major_locator(locator)
    bottom.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
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


# ---------------------------------------------------------------------------- compare


def _table_source(table: pd.DataFrame, source: str | None) -> str:
    if source:
        return _plain(source)
    attrs = table.attrs
    parts = []
    for key in ("dataset", "scenario", "country"):
        value = attrs.get(key)
        if value:
            parts.append(f"{key} {_get(value, 'name', value) if not isinstance(value, str) else value}")
    return _plain("Source: rareearth option ranking" + (", " + ", ".join(parts) if parts else ""))


def _fmt_usd(value: float) -> str:
    if not np.isfinite(value):
        return "cost n/a"
    if abs(value) >= 1e9:
        return rf"\${value / 1e9:,.1f} bn"
    if abs(value) >= 1e6:
        return rf"\${value / 1e6:,.0f} m"
    return rf"\${value:,.0f}"


def compare(table: pd.DataFrame, ax: Axes | None = None, *, source: str | None = None) -> Axes:
    """Options ranked by how much they change the exposure score (horizontal bars).

    Bars show ``delta`` (option score − score with no option; negative = less exposed), the
    best option on top; each bar is annotated with its cost (USD) and points per billion USD.
    With Monte Carlo columns the whiskers show a 5–95 % range: of the paired change
    (``delta_p05``/``delta_p95``: option minus none in the same draw) when the table has them,
    else of the option's own score (``score_p05``/``score_p95``) placed around its bar, which
    also carries the uncertainty common to all options and so overstates the overlap with
    zero; the subtitle says which. ``p_beats_none`` (paired) is printed.

    Parameters
    ----------
    table : DataFrame
        From :func:`rareearth.ranking.compare`: indexed by option name with a row ``none``;
        columns ``score``, ``delta``, ``cost_usd``, ``delta_per_busd`` and optionally
        ``delta_p05``, ``delta_p95``, ``score_p05``, ``score_p95``, ``p_beats_none``.
    ax : matplotlib Axes, optional
    source : str, optional
        Source line (default: from ``table.attrs`` ``dataset``/``scenario``/``country``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    missing = {"score", "delta", "cost_usd"} - set(table.columns)
    if missing:
        raise ValueError(
            f"compare table lacks column(s) {', '.join(sorted(missing))}; "
            "expected the output of rareearth.ranking.compare"
        )
    options = table[table.index.astype(str) != _NONE].sort_values("delta", ascending=False)
    base = (
        float(table.loc[_NONE, "score"])
        if _NONE in table.index
        else float((table["score"] - table["delta"]).iloc[0]) if len(table) else float("nan")
    )
    height = max(3.0, 1.2 + 0.42 * len(options))
    ax = _axes(ax, (9.5, height))
    y = np.arange(len(options))
    deltas = options["delta"].to_numpy(dtype=float)
    colors = ["#2b8cbe" if d < 0 else "#e34a33" if d > 0 else "#999999" for d in deltas]
    ax.barh(y, deltas, color=colors, height=0.6, zorder=2)
    paired = {"delta_p05", "delta_p95"} <= set(options.columns)
    has_mc = paired or {"score_p05", "score_p95"} <= set(options.columns)
    if has_mc and len(options):
        if paired:
            lo = options["delta_p05"].to_numpy(dtype=float)
            hi = options["delta_p95"].to_numpy(dtype=float)
        else:
            scores = options["score"].to_numpy(dtype=float)
            lo = deltas - (scores - options["score_p05"].to_numpy(dtype=float))
            hi = deltas + (options["score_p95"].to_numpy(dtype=float) - scores)
        err = np.vstack([np.clip(deltas - lo, 0, None), np.clip(hi - deltas, 0, None)])
        ax.errorbar(deltas, y, xerr=err, fmt="none", ecolor="#333333", elinewidth=1.0,
                    capsize=3, zorder=3)
    ax.set_yticks(y, [_plain(str(i)) for i in options.index])
    ax.axvline(0, color="#333333", linewidth=0.8)
    lowest = min([0.0, *deltas.tolist()]) if len(deltas) else 0.0
    highest = max([0.0, *deltas.tolist()]) if len(deltas) else 0.0
    if has_mc and len(options):
        lowest = min(lowest, float(np.nanmin(lo)))
        highest = max(highest, float(np.nanmax(hi)))
    span = max(highest - lowest, 1.0)
    # room on the right for the annotations
    ax.set_xlim(lowest - 0.05 * span, highest + 0.05 * span + 0.55 * span)
    ax.set_ylim(-0.6, max(len(options) - 0.4, 0.6))
    text_x = highest + 0.08 * span
    for yi, (_, row) in zip(y, options.iterrows(), strict=True):
        parts = [_fmt_usd(float(row["cost_usd"]))]
        if "delta_per_busd" in row.index and np.isfinite(float(row["delta_per_busd"])):
            parts.append(f"{float(row['delta_per_busd']):+.1f} pts/\\$bn")
        if "p_beats_none" in row.index and np.isfinite(float(row["p_beats_none"])):
            parts.append(f"P(beats none) {100 * float(row['p_beats_none']):.0f}%")
        ax.text(text_x, float(yi), " · ".join(parts), va="center", ha="left", fontsize=8, color="#333333")
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.6, zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(f"change in exposure score (points; negative = less exposed; no option = {base:.1f})")
    subtitle = "Score with the option minus score without it (0–100 scale); cost in USD."
    if paired:
        subtitle += " Whiskers: 5–95 % of the paired change over Monte Carlo draws."
    elif has_mc:
        subtitle += (
            " Whiskers: 5–95 % of the option's score over Monte Carlo draws (unpaired: includes"
            " uncertainty common to all options)."
        )
    _titles(ax, "Cooperation options ranked by exposure reduction", subtitle)
    _source_line(ax, _table_source(table, source))
    return ax


# ---------------------------------------------------------------------------- distribution


def distribution(draws: pd.DataFrame, ax: Axes | None = None, *, source: str | None = None) -> Axes:
    """Monte Carlo distribution of the exposure score per option (box plots).

    Options are sorted by median score, the lowest (least exposed) on top; ``none`` (no
    option) is drawn in grey with a dotted line at its median. Boxes span the quartiles,
    whiskers 5–95 %, the white dot is the mean.

    Parameters
    ----------
    draws : DataFrame
        From :func:`rareearth.ranking.monte_carlo`: one row per draw, columns ``option``
        (``none`` for no option), ``draw``, ``score``.
    ax : matplotlib Axes, optional
    source : str, optional
        Source line (default: from ``draws.attrs``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    missing = {"score"} - set(draws.columns)
    if missing:
        raise ValueError("draws lack column 'score'; expected the output of ranking.monte_carlo")
    if "option" in draws.columns:
        option = draws["option"].fillna(_NONE).astype(str)
    else:  # monte_carlo() of one set of options: one box
        option = pd.Series("all draws", index=draws.index)
    groups = {str(k): g.to_numpy(dtype=float) for k, g in draws["score"].groupby(option)}
    names = sorted(groups, key=lambda k: (float(np.median(groups[k])), k))
    height = max(3.0, 1.2 + 0.42 * len(names))
    ax = _axes(ax, (9.0, height))
    y = np.arange(len(names))[::-1]
    box = ax.boxplot(
        [groups[n] for n in names],
        positions=y,
        orientation="horizontal",
        widths=0.55,
        whis=(5, 95),
        patch_artist=True,
        showfliers=False,
        showmeans=True,
        meanprops={"marker": "o", "markerfacecolor": "white", "markeredgecolor": "#333333",
                   "markersize": 4},
        medianprops={"color": "#222222", "linewidth": 1.4},
    )
    for name, patch in zip(names, box["boxes"], strict=True):
        patch.set_facecolor("#bbbbbb" if name == _NONE else "#9ecae1")
        patch.set_edgecolor("#333333")
    if _NONE in groups:
        ax.axvline(float(np.median(groups[_NONE])), color="#777777", linestyle=":", linewidth=1.0)
    ax.set_yticks(y, [_plain(f"{n}  (n={len(groups[n])})") for n in names])
    ax.set_xlabel("exposure score (0 = none, 100 = most exposed)")
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _titles(
        ax,
        "Exposure score under uncertainty, per option",
        "Monte Carlo draws: box = quartiles, whiskers = 5–95 %, line = median, dot = mean.",
    )
    _source_line(ax, _table_source(draws, source).replace("option ranking", "Monte Carlo"))
    return ax
