"""Flows of the supply chain as a Sankey diagram: stages as columns, countries as boxes.

:func:`sankey` draws the flows of one material (or of the magnet chain) from mining to end use
with its own layout, in plain matplotlib (no extra package; the report inlines it as SVG).
Band widths are tonnes per year. Magnets are converted to **material equivalent**: a tonne of
magnet from a maker counts as its recipe share of the material drawn (t REO per t of magnet,
``net.recipe(node)``), so that 148 kt of magnets do not dwarf 3 kt of DyTb in the same figure.

Given a simulation result, a month of the scenario is drawn next to the baseline on the same
scale (flows of the month × 12, an annual rate), so that what a restriction cuts and what the
rerouting brings in are seen as bands that shrink, vanish or appear.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path

from rareearth.plot.style import _dataset_source, _run_source, _source_line, _titles, country_color
from rareearth.records import MAGNET, STAGES, parse_node_id

if TYPE_CHECKING:
    from rareearth.engine.result import SimulationResult
    from rareearth.protocols import NetworkLike

__all__ = ["MAGNET_CHAIN", "sankey", "sankey_flows"]

#: ``element`` value for the whole magnet chain: every recipe material, magnets as the sum of
#: their recipe shares (t REO in the magnets).
MAGNET_CHAIN = "magnet"
#: Countries below this share of a stage's throughput are drawn as one box "other".
MIN_SHARE = 0.02
_OTHER = "other"
_BOX_WIDTH = 0.09
_GAP = 0.02  # vertical gap between boxes, share of the tallest column
_STAGE_LABELS = {
    "mining": "Mining",
    "separation": "Separation",
    "metal": "Metal",
    "magnet": "Magnet",
    "end_use": "End use",
}


def _network_of(net_or_result: Any) -> Any:
    return getattr(net_or_result, "net", None) if hasattr(net_or_result, "flows") and hasattr(
        net_or_result, "provenance"
    ) else net_or_result


def _content(net: Any, element: str) -> dict[str, float]:
    """t of ``element`` (or of every recipe material) per t of magnet, per magnet node."""
    makers = sorted(
        {str(n) for n in net.flows.loc[net.flows.commodity == MAGNET, "source"]}
    )
    out: dict[str, float] = {}
    for node in makers:
        recipe = net.recipe(node)
        out[node] = sum(recipe.values()) if element == MAGNET_CHAIN else recipe.get(element, 0.0)
    return out


def _chain_commodities(net: Any, element: str) -> list[str]:
    if element == MAGNET_CHAIN:
        recipe = net.recipes.loc[net.recipes.tonnes_per_tonne > 0, "material"]
        return sorted({str(m) for m in recipe})
    if element not in net.material_ids:
        choices = ", ".join([*net.material_ids, MAGNET_CHAIN])
        raise ValueError(f"unknown element {element!r}; choose one of {choices}")
    return [element]


def sankey_flows(net_or_result: NetworkLike | SimulationResult, element: str = MAGNET_CHAIN,
                 month: str | pd.Period | None = None) -> pd.DataFrame:
    """The flows a Sankey diagram draws: one row per (source, target) country and stage.

    Parameters
    ----------
    net_or_result : SupplyNetwork or SimulationResult
        A network (its baseline flows) or a run (its flows in ``month``).
    element : str
        A material id (``"DyTb"``), or ``"magnet"``: the magnet chain, every recipe material.
        Magnet flows are counted in material equivalent (t magnet × recipe share).
    month : str or pandas.Period, optional
        Month of a run (default: the month with the largest end-use shortfall). Not allowed
        with a network.

    Returns
    -------
    pandas.DataFrame
        Columns ``source_stage, source_country, target_stage, target_country,
        tonnes_per_year`` (for a run: the month's flows × 12), largest first.

    Examples
    --------
    >>> import rareearth as ree
    >>> f = sankey_flows(ree.examples.tiny(), "DyTb")
    >>> sorted(set(f.source_stage))
    ['magnet', 'metal', 'mining', 'separation']
    """
    net = _network_of(net_or_result)
    is_run = net is not net_or_result
    commodities = _chain_commodities(net, element)
    if is_run:
        run = cast("SimulationResult", net_or_result)
        flows = run.flows
        if flows.empty:
            raise ValueError("the run recorded no flows; simulate with record='auto' or 'all'")
        when = _pick_month(run) if month is None else pd.Period(month, freq="M")
        flows = flows[flows.month == when]
        if flows.empty:
            raise ValueError(
                f"month {when} is outside the run ({run.periods[0]}…{run.periods[-1]})"
            )
        table = pd.DataFrame({
            "source": flows.source.to_numpy(), "target": flows.target.to_numpy(),
            "commodity": flows.commodity.to_numpy(),
            "tonnes_per_year": 12.0 * flows.tonnes.to_numpy(dtype=float),
        })
    else:
        if month is not None:
            raise ValueError("month needs a simulation result; a network has baseline flows only")
        table = net.flows[["source", "target", "commodity", "tonnes_per_year"]].copy()
    content = _content(net, element)
    magnet = table.commodity == MAGNET
    factor = np.where(magnet, table.source.map(content).fillna(0.0), 1.0)
    keep = table.commodity.isin(commodities) | magnet
    table = table[keep].assign(tonnes_per_year=table.tonnes_per_year[keep] * factor[keep])
    parsed = {n: parse_node_id(n) for n in pd.unique(pd.concat([table.source, table.target]))}
    table = table.assign(
        source_stage=table.source.map(lambda n: parsed[n].stage),
        source_country=table.source.map(lambda n: parsed[n].country),
        target_stage=table.target.map(lambda n: parsed[n].stage),
        target_country=table.target.map(lambda n: parsed[n].country),
    )
    keys = ["source_stage", "source_country", "target_stage", "target_country"]
    grouped = table.groupby(keys, as_index=False)["tonnes_per_year"].sum()
    grouped = grouped[grouped.tonnes_per_year > 0]
    return grouped.sort_values("tonnes_per_year", ascending=False, kind="stable").reset_index(
        drop=True
    )


def _pick_month(result: Any) -> pd.Period:
    """The month with the largest end-use shortfall of the run (the first if none)."""
    a = result.arrays
    if "country_shortfall_value" in a:
        total = np.nansum(a["country_shortfall_value"], axis=(1, 2))
    else:
        total = np.nansum(a["shortfall"], axis=(1, 2))
    return pd.Period(result.periods[int(np.argmax(total))], freq="M")


# ---------------------------------------------------------------------------- layout


def _lump(flows: pd.DataFrame, min_share: float) -> pd.DataFrame:
    """Countries below ``min_share`` of a stage's throughput become ``other``."""
    out = flows.copy()
    through = _throughput(out)
    small = set()
    for stage, group in through.groupby(level=0):
        total = float(group.sum())
        small |= {(stage, c) for (_, c), v in group.items() if total > 0 and v < min_share * total}
    for side in ("source", "target"):
        pairs = list(zip(out[f"{side}_stage"], out[f"{side}_country"], strict=True))
        out[f"{side}_country"] = [_OTHER if p in small else p[1] for p in pairs]
    keys = ["source_stage", "source_country", "target_stage", "target_country"]
    return out.groupby(keys, as_index=False)["tonnes_per_year"].sum()


def _throughput(flows: pd.DataFrame) -> pd.Series:
    out = flows.groupby(["source_stage", "source_country"])["tonnes_per_year"].sum()
    inn = flows.groupby(["target_stage", "target_country"])["tonnes_per_year"].sum()
    both = pd.concat([out, inn], axis=1).fillna(0.0)
    both.index.names = ["stage", "country"]
    return both.max(axis=1)


def _layout(
    through: pd.Series, stages: list[str], scale: float, order: Mapping[str, list[str]] | None
) -> dict[tuple[str, str], tuple[float, float]]:
    """(stage, country) -> (bottom, height) of each box; boxes top-down, largest first."""
    boxes: dict[tuple[str, str], tuple[float, float]] = {}
    for stage in stages:
        if stage not in through.index.get_level_values(0):
            continue
        column = through.loc[stage]
        names = sorted(column.index, key=lambda c: (c == _OTHER, -float(column[c]), c))
        if order and stage in order:  # the other panel's order first, then any new country
            names = [c for c in order[stage] if c in column.index] + [
                c for c in names if c not in order[stage]
            ]
        top = 1.0
        for country in names:
            height = float(column.get(country, 0.0)) * scale
            boxes[(stage, country)] = (top - height, height)
            top -= height + _GAP
    return boxes


def _band(ax: Axes, x0: float, y0: tuple[float, float], x1: float, y1: tuple[float, float],
          color: str, alpha: float) -> None:
    """A band from the right edge of a box (bottom, top) to the left edge of another."""
    mid = (x0 + x1) / 2.0
    vertices = [
        (x0, y0[1]), (mid, y0[1]), (mid, y1[1]), (x1, y1[1]),
        (x1, y1[0]), (mid, y1[0]), (mid, y0[0]), (x0, y0[0]), (x0, y0[1]),
    ]
    codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.LINETO,
             Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.CLOSEPOLY]
    ax.add_patch(PathPatch(Path(vertices, codes), facecolor=color, edgecolor="none", alpha=alpha,
                           linewidth=0))


def _color(country: str) -> str:
    return "#bdbdbd" if country == _OTHER else country_color(country)


def _draw(ax: Axes, flows: pd.DataFrame, scale: float, stages: list[str], unit: str,
          order: Mapping[str, list[str]] | None = None) -> dict[str, list[str]]:
    through = _throughput(flows)
    boxes = _layout(through, stages, scale, order)
    x = {stage: float(i) for i, stage in enumerate(stages)}
    # bands: stacked in each box in the order of the other end's position (top first)
    out_used = {k: 0.0 for k in boxes}
    in_used = {k: 0.0 for k in boxes}
    flows = flows.assign(
        _src_top=[-sum(boxes[(s, c)]) for s, c in zip(flows.source_stage, flows.source_country,
                                                       strict=True)],
        _tgt_top=[-sum(boxes[(s, c)]) for s, c in zip(flows.target_stage, flows.target_country,
                                                       strict=True)],
    )
    for row in flows.sort_values(["_src_top", "_tgt_top"]).itertuples(index=False):
        src, tgt = (row.source_stage, row.source_country), (row.target_stage, row.target_country)
        h = float(row.tonnes_per_year) * scale
        s_bottom, s_height = boxes[src]
        t_bottom, t_height = boxes[tgt]
        s_top = s_bottom + s_height - out_used[src]
        out_used[src] += h
        # a box's incoming bands are stacked apart from its outgoing ones (each ≤ its height)
        t_top = t_bottom + t_height - in_used[tgt]
        in_used[tgt] += h
        _band(ax, x[src[0]] + _BOX_WIDTH / 2, (s_top - h, s_top), x[tgt[0]] - _BOX_WIDTH / 2,
              (t_top - h, t_top), _color(src[1]), 0.45)
    tallest = max((b + h for b, h in boxes.values()), default=1.0)
    for (stage, country), (bottom, height) in boxes.items():
        ax.add_patch(Rectangle((x[stage] - _BOX_WIDTH / 2, bottom), _BOX_WIDTH, height,
                               facecolor=_color(country), edgecolor="white", linewidth=0.5))
        if height >= 0.012 * tallest:
            value = float(through.loc[(stage, country)])
            last = stage == stages[-1]
            ax.text(x[stage] + (-1 if last else 1) * (_BOX_WIDTH / 2 + 0.02), bottom + height / 2,
                    f"{country} {_tonnes(value)}", ha="right" if last else "left", va="center",
                    fontsize=8, color="#222222")
    for stage in stages:
        ax.text(x[stage], 1.0 + 0.035, _STAGE_LABELS.get(stage, stage), ha="center", va="bottom",
                fontsize=9.5, fontweight="bold", color="#333333")
    ax.set_xlim(-0.35, len(stages) - 1 + 0.35)
    lowest = min((b for b, _ in boxes.values()), default=0.0)
    ax.set_ylim(min(0.0, lowest) - 0.02, 1.09)
    ax.set_axis_off()
    ax.text(0.0, 0.0, unit, transform=ax.transAxes, fontsize=7.5, color="#555555", va="top")
    ordering: dict[str, list[str]] = {}
    for stage, country in sorted(boxes, key=lambda k: -(boxes[k][0] + boxes[k][1])):
        ordering.setdefault(stage, []).append(country)
    return ordering


def _tonnes(value: float) -> str:
    if value >= 10_000:
        return f"{value / 1000:,.0f} kt"
    if value >= 1000:
        return f"{value / 1000:,.1f} kt"
    return f"{value:,.0f} t"


def _stages(*tables: pd.DataFrame) -> list[str]:
    present = set()
    for t in tables:
        present |= set(t.source_stage) | set(t.target_stage)
    return [s for s in STAGES if s in present]


def _scale(flows: pd.DataFrame, stages: list[str]) -> float:
    """Height per t/yr so that the tallest column (boxes and gaps) fills the height 1."""
    through = _throughput(flows)
    tallest = 0.0
    gaps = 0
    for stage in stages:
        if stage in through.index.get_level_values(0):
            tallest = max(tallest, float(through.loc[stage].sum()))
            gaps = max(gaps, len(through.loc[stage]) - 1)
    usable = max(0.2, 1.0 - _GAP * gaps)
    return usable / tallest if tallest > 0 else 1.0


def _what(element: str) -> str:
    return "the magnet chain (NdPr, DyTb and magnets as their REO content)" \
        if element == MAGNET_CHAIN else element


def sankey(
    net_or_result: NetworkLike | SimulationResult,
    element: str = MAGNET_CHAIN,
    month: str | pd.Period | None = None,
    ax: Axes | None = None,
    *,
    baseline: bool = True,
    min_share: float = MIN_SHARE,
) -> Axes:
    """Sankey diagram of one material's flows (or the magnet chain's) by stage and country.

    Stages are columns (mining → separation → metal → magnet → end use), each country a box
    whose height is its throughput (the larger of what it receives and what it ships), and
    each band a flow between two countries' stages, its width in t REO/yr. Magnet flows are
    converted to material equivalent with each maker's recipe. Countries below ``min_share``
    of a stage are merged into one grey box ``other``.

    Parameters
    ----------
    net_or_result : SupplyNetwork or SimulationResult
        A network: its baseline flows. A run: the flows of ``month``; when ``ax`` is None and
        ``baseline`` is true, the figure has two panels on the same scale, the baseline on the
        left and the month on the right (the returned Axes).
    element : str
        Material id (``"DyTb"``, ``"NdPr"``, ``"LaCe"``…) or ``"magnet"`` (default) for the
        magnet chain: every recipe material, magnets as their total REO content.
    month : str or pandas.Period, optional
        Month of a run (default: the month with the largest end-use shortfall).
    ax : matplotlib Axes, optional
    baseline : bool
        With a run and no ``ax``: draw the baseline panel beside the month.
    min_share : float
        Share of a stage's throughput under which a country is merged into ``other``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import rareearth as ree
    >>> ax = sankey(ree.examples.tiny(), element="DyTb")
    >>> ax.get_title(loc="left")
    'DyTb flows by stage and country'
    """
    net = _network_of(net_or_result)
    is_run = net is not net_or_result
    flows = _lump(sankey_flows(net_or_result, element, month), min_share)
    title = f"{'Magnet chain' if element == MAGNET_CHAIN else element} flows by stage and country"
    unit = "band width: t REO/yr" + (" (a month's flows × 12)" if is_run else "")
    if not is_run:
        stages = _stages(flows)
        ax = _axes_for(ax, (11.0, 6.2))
        _draw(ax, flows, _scale(flows, stages), stages, unit)
        _titles(ax, title, f"Baseline flows of {_what(element)}; colour = the shipping country.")
        _source_line(ax, _dataset_source(net), below_labels=False)
        return ax
    when = _pick_month(net_or_result) if month is None else pd.Period(month, freq="M")
    base = _lump(sankey_flows(net, element), min_share)
    stages = _stages(base, flows)
    scale = _scale(base, stages)  # both panels on the baseline's scale
    subtitle = (f"{_what(element)} in {when}, under scenario "
                f"{getattr(getattr(net_or_result, 'scenario', None), 'name', '')}; same scale as "
                "the baseline.")
    if ax is None and baseline:
        _, (left, ax) = plt.subplots(1, 2, figsize=(16.0, 6.4), layout="constrained")
        order = _draw(left, base, scale, stages, "band width: t REO/yr")
        _titles(left, f"{title}: baseline", f"Baseline flows of {_what(element)}.")
        _draw(ax, flows, scale, stages, unit, order)
    else:
        ax = _axes_for(ax, (11.0, 6.2))
        _draw(ax, flows, scale, stages, unit)
    _titles(ax, f"{title}: {when}", subtitle)
    _source_line(ax, _run_source(net_or_result), below_labels=False)
    return ax


def _axes_for(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    from rareearth.plot.style import _axes

    return _axes(ax, figsize)
