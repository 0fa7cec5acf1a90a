"""Figures of a network's structure: the supply network (:func:`network`) and a country's
origins stage by stage (:func:`origins`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from rareearth import indicators
from rareearth.errors import UnknownNameError
from rareearth.indicators.checks import ORIGIN_STAGES
from rareearth.network import SupplyNetwork
from rareearth.plot.style import (
    _axes,
    _dataset_source,
    _despine,
    _plain,
    _source_line,
    _text_on,
    _titles,
    country_color,
)
from rareearth.records import MAGNET, STAGES, parse_node_id

__all__ = ["network", "origins"]

_STAGE_LABELS: dict[str, str] = {
    "mining": "Mining",
    "separation": "Separation",
    "metal": "Metal",
    "magnet": "Magnet",
    "end_use": "End use",
}


def _require(net: SupplyNetwork, kind: str, name: str, known: Sequence[str]) -> None:
    """Raise :class:`UnknownNameError` if ``name`` (a ``kind``: country, material) is unknown."""
    if name not in known:
        raise UnknownNameError(
            f"{kind} {name!r} is not in dataset {net.name!r}; choose one of {', '.join(known)}"
        )


def _country_legend(ax: Axes, anchor_x: float, handles: list[Line2D] | None = None) -> None:
    """The legend of country colours, outside the Axes to the right (at ``anchor_x``).

    Without ``handles`` it lists the Axes' labelled artists; with them, in two columns when
    there are more than 24.
    """
    extra: dict[str, Any] = {}
    if handles is not None:
        extra = {"handles": handles, "ncols": 1 if len(handles) <= 24 else 2}
    ax.legend(
        title="Country",
        loc="upper left",
        bbox_to_anchor=(anchor_x, 1.0),
        frameon=False,
        fontsize=8,
        title_fontsize=9,
        **extra,
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
    _require(net, "material", material, net.commodities)
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
    >>> ree.plot.network(ree.examples.tiny()).get_title(loc="left")
    'Rare-earth supply network: all materials'
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
    throughput = {n: float(max(inflow.get(n, 0.0), outflow.get(n, 0.0))) for n in nodes}
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
            float(k),
            -0.045,
            _STAGE_LABELS[stage],
            ha="center",
            va="center",
            fontsize=10,
            fontweight="bold",
            color="#333333",
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
        _country_legend(ax, 1.0, handles)
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
    >>> ree.plot.origins(ree.examples.tiny(), "JP", "DyTb").get_title(loc="left")
    "Where JP's DyTb comes from"
    """
    _require(net, "country", country, net.country_codes)
    _require(net, "material", material, net.material_ids)
    ax = _axes(ax, (9.0, 4.2))
    shares = {
        stage: indicators.origin_shares(net, country, material, stage=stage)
        for stage in ORIGIN_STAGES
    }
    totals: dict[str, float] = {}
    for s in shares.values():
        for c, v in s.items():
            totals[str(c)] = totals.get(str(c), 0.0) + float(v)
    order = sorted(totals, key=lambda c: (-totals[c], c))
    labels = [_STAGE_LABELS[s] for s in ORIGIN_STAGES]
    y = np.arange(len(ORIGIN_STAGES))[::-1]
    left = np.zeros(len(ORIGIN_STAGES))
    for c in order:
        values = np.array([100.0 * float(shares[s].get(c, 0.0)) for s in ORIGIN_STAGES])
        bars = ax.barh(
            y,
            values,
            left=left,
            color=country_color(c),
            edgecolor="white",
            linewidth=0.6,
            height=0.62,
            label=c,
        )
        for bar, v, x0 in zip(bars, values, left, strict=True):
            if v >= 4.0:
                ax.text(
                    x0 + v / 2,
                    bar.get_y() + bar.get_height() / 2,
                    f"{c}\n{v:.0f}%" if v >= 9.0 else c,
                    ha="center",
                    va="center",
                    fontsize=7.5,
                    color=_text_on(country_color(c)),
                )
        left += values
    for yi, total in zip(y, left, strict=True):
        if total <= 0:
            ax.text(
                1.0,
                float(yi),
                f"{country} consumes no {material} from this stage",
                va="center",
                ha="left",
                fontsize=8,
                color="#777777",
                style="italic",
            )
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of supply (%)")
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    _despine(ax)
    if order:
        _country_legend(ax, 1.01)
    _titles(
        ax,
        f"Where {country}'s {material} comes from",
        "Ultimate origin of the material the country consumes (also inside magnets): share of "
        "t REO/yr done in each country at each stage.",
    )
    _source_line(ax, _dataset_source(net))
    return ax
