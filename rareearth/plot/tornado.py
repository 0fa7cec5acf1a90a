"""Tornado plot of a sensitivity table: which uncertain inputs move the answer most."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from rareearth._format import usd
from rareearth.plot.style import _axes, _despine, _plain, _source_line, _titles

__all__ = ["tornado"]

_LOW = "#6baed6"  # input in the lowest fifth of its range
_HIGH = "#e6550d"  # input in the highest fifth
_METRICS = {
    "score": ("score_low", "score_high", "rho_score", "exposure score (0 = none, 100 = most exposed)"),
    "lost_value": ("lost_value_low_usd", "lost_value_high_usd", "rho_lost_value",
                   "lost value (USD: end-use demand not met × its value)"),
}


def tornado(
    table: pd.DataFrame, ax: Axes | None = None, *, metric: str = "score", top: int = 10
) -> Axes:
    """Horizontal bars, one per uncertain input, largest effect on top.

    Each bar runs from the mean ``metric`` over the draws with the input in the lowest fifth
    of its range (blue end) to the mean with it in the highest fifth (orange end), around the
    mean over all draws (the vertical line); the label on the right is Spearman's rho.

    Parameters
    ----------
    table : DataFrame
        From :func:`rareearth.sensitivity`.
    ax : matplotlib Axes, optional
    metric : {"score", "lost_value"}
    top : int
        At most this many inputs (the largest rank correlations).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {', '.join(_METRICS)} (got {metric!r})")
    low_col, high_col, rho_col, xlabel = _METRICS[metric]
    missing = {low_col, high_col, rho_col} - set(table.columns)
    if missing:
        raise ValueError(
            f"table lacks column(s) {', '.join(sorted(missing))}; expected rareearth.sensitivity"
        )
    rows = table.reindex(table[rho_col].abs().sort_values(ascending=False, kind="stable").index)
    rows = rows.head(top)
    attrs = table.attrs
    centre = float(attrs.get("score" if metric == "score" else "lost_value_usd", np.nan))
    if not np.isfinite(centre) and len(rows):
        centre = float((rows[low_col] + rows[high_col]).mean() / 2)
    height = max(4.0, 1.4 + 0.5 * len(rows))
    ax = _axes(ax, (10.0, height))
    y = np.arange(len(rows))[::-1]
    scale = 1e6 if metric == "lost_value" else 1.0
    for yi, (_, row) in zip(y, rows.iterrows(), strict=True):
        lo, hi = float(row[low_col]) / scale, float(row[high_col]) / scale
        c = centre / scale
        ax.barh(yi, lo - c, left=c, color=_LOW, height=0.6)
        ax.barh(yi, hi - c, left=c, color=_HIGH, height=0.6)
        ax.annotate(f"ρ = {float(row[rho_col]):+.2f}", xy=(1.0, yi), xycoords=("axes fraction", "data"),
                    xytext=(4, 0), textcoords="offset points", va="center", fontsize=8.5,
                    color="#333333", annotation_clip=False)
    ax.axvline(centre / scale, color="#333333", linewidth=1.0)
    labels = [_plain(str(row.get("label", name))) for name, row in rows.iterrows()]
    ax.set_yticks(y, labels)
    ax.set_xlabel(xlabel.replace("(USD", "(million USD") if metric == "lost_value" else xlabel)
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.6)
    _despine(ax)
    ax.legend(handles=[Patch(color=_LOW, label="input in its lowest fifth"),
                       Patch(color=_HIGH, label="input in its highest fifth")],
              loc="best", fontsize=8, frameon=False)
    what = "exposure score" if metric == "score" else "lost value"
    mean = f"{centre:.1f}" if metric == "score" else usd(centre)
    _titles(
        ax,
        f"What moves the {what}" + (f" of {attrs['country']}" if attrs.get("country") else ""),
        f"Mean {what} when each uncertain input is in the lowest or highest fifth of its range, "
        f"over {attrs.get('n', '?')} Monte Carlo draws; line: mean of all draws ({mean}); "
        "ρ: Spearman rank correlation.",
    )
    parts = [f"{k} {attrs[k]}" for k in ("dataset", "scenario") if attrs.get(k)]
    _source_line(ax, _plain("Source: rareearth sensitivity" + (", " + ", ".join(parts) if parts else "")))
    return ax
