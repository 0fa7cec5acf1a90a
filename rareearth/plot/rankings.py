"""Figures of option rankings: options ranked by exposure change (:func:`compare`) and their
Monte Carlo distributions (:func:`distribution`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from rareearth._format import usd
from rareearth.plot.style import _axes, _despine, _plain, _source_line, _table_source, _titles

__all__ = ["compare", "distribution"]

_NONE = "none"


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
    options = table[table.index.astype(str) != _NONE]
    # the table's own order (harm avoided per dollar) when it has one, best on top
    options = (options.sort_values("rank", ascending=False) if "rank" in options.columns
               else options.sort_values("delta", ascending=False))
    base = (
        float(table.loc[_NONE, "score"])
        if _NONE in table.index
        else float((table["score"] - table["delta"]).iloc[0])
        if len(table)
        else float("nan")
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
        ax.errorbar(
            deltas, y, xerr=err, fmt="none", ecolor="#333333", elinewidth=1.0, capsize=3, zorder=3
        )
    ax.set_yticks(y, [_plain(str(i)) for i in options.index])
    ax.axvline(0, color="#333333", linewidth=0.8)
    lowest = min([0.0, *deltas.tolist()])
    highest = max([0.0, *deltas.tolist()])
    if has_mc and len(options):
        lowest = min(lowest, float(np.nanmin(lo)))
        highest = max(highest, float(np.nanmax(hi)))
    span = max(highest - lowest, 1.0)
    # room on the right for the annotations
    ax.set_xlim(lowest - 0.05 * span, highest + 0.05 * span + 0.55 * span)
    ax.set_ylim(-0.6, max(len(options) - 0.4, 0.6))
    text_x = highest + 0.08 * span
    for yi, (_, row) in zip(y, options.iterrows(), strict=True):
        parts = [usd(row["cost_usd"], bn_digits=1, missing="cost n/a", dollar=r"\$")]
        if "harm_avoided_usd" in row.index and np.isfinite(float(row["harm_avoided_usd"])):
            avoided = usd(row["harm_avoided_usd"], bn_digits=1, dollar=r"\$")
            parts.append(f"avoids {avoided}")
        if "delta_per_busd" in row.index and np.isfinite(float(row["delta_per_busd"])):
            parts.append(f"{float(row['delta_per_busd']):+.1f} pts/\\$bn")
        if "p_beats_none" in row.index and np.isfinite(float(row["p_beats_none"])):
            parts.append(f"P(beats none) {100 * float(row['p_beats_none']):.0f}%")
        ax.text(
            text_x,
            float(yi),
            " · ".join(parts),
            va="center",
            ha="left",
            fontsize=8,
            color="#333333",
        )
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.6, zorder=0)
    _despine(ax)
    ax.set_xlabel(
        f"change in exposure score (points; negative = less exposed; no option = {base:.1f})"
    )
    subtitle = "Score with the option minus score without it (0–100 scale); cost in USD."
    if paired:
        subtitle += " Whiskers: 5–95 % of the paired change over Monte Carlo draws."
    elif has_mc:
        subtitle += (
            " Whiskers: 5–95 % of the option's score over Monte Carlo draws (unpaired: includes"
            " uncertainty common to all options)."
        )
    ranked = "rank" in options.columns
    _titles(ax, "Cooperation options ranked by harm avoided per dollar" if ranked
            else "Cooperation options ranked by exposure reduction", subtitle)
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
        meanprops={
            "marker": "o",
            "markerfacecolor": "white",
            "markeredgecolor": "#333333",
            "markersize": 4,
        },
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
    _despine(ax)
    _titles(
        ax,
        "Exposure score under uncertainty, per option",
        "Monte Carlo draws: box = quartiles, whiskers = 5–95 %, line = median, dot = mean.",
    )
    _source_line(ax, _table_source(draws, source).replace("option ranking", "Monte Carlo"))
    return ax
