"""The budget frontier (:func:`frontier`): cost against harm avoided for every portfolio."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from rareearth.plot.style import _axes, _despine, _plain, _source_line, _table_source, _titles

__all__ = ["frontier"]


def frontier(table: pd.DataFrame, ax: Axes | None = None, *, source: str | None = None) -> Axes:
    """Cost (USD) against harm avoided (USD) of option portfolios, with the frontier.

    Every portfolio evaluated (``table.attrs["portfolios"]``) is a grey dot, the single options
    are labelled points, and the frontier (the best portfolio per budget, ``table`` itself) is
    a step line through its portfolios.

    Parameters
    ----------
    table : DataFrame
        From :func:`rareearth.portfolios`: ``budget_usd``, ``options``, ``cost_usd``,
        ``harm_avoided_usd``.
    ax : matplotlib Axes, optional
    source : str, optional
        Source line (default: from ``table.attrs``).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import rareearth as ree
    >>> f = ree.frontier(ree.examples.tiny(), ree.examples.embargo(), "JP",
    ...                  options=["stockpile-180d"])
    >>> ree.plot.frontier(f).get_xlabel()
    'cost of the portfolio (USD bn)'
    """
    missing = {"options", "cost_usd", "harm_avoided_usd"} - set(table.columns)
    if missing:
        raise ValueError(f"frontier table lacks column(s) {', '.join(sorted(missing))}; "
                         "expected the output of rareearth.portfolios")
    ax = _axes(ax, (9.5, 5.5))
    portfolios = table.attrs.get("portfolios")
    every = portfolios if isinstance(portfolios, pd.DataFrame) and len(portfolios) else table
    top = float(np.nanmax(np.abs(every["harm_avoided_usd"].to_numpy(dtype=float)), initial=0.0))
    scale, unit = (1e9, "bn") if top >= 1e9 else (1e6, "m")
    if isinstance(portfolios, pd.DataFrame) and len(portfolios):
        ax.scatter(portfolios["cost_usd"] / 1e9, portfolios["harm_avoided_usd"] / scale, s=14,
                   color="#bbbbbb", zorder=2, label="every portfolio")
        singles = portfolios[portfolios["n_options"] == 1]
        ax.scatter(singles["cost_usd"] / 1e9, singles["harm_avoided_usd"] / scale, s=36,
                   color="#2b8cbe", zorder=3, label="single options")
        for row in singles.itertuples(index=False):
            ax.annotate(_plain(str(row.options)), (row.cost_usd / 1e9, row.harm_avoided_usd / scale),
                        xytext=(4, 4), textcoords="offset points", fontsize=8, color="#2b8cbe")
    front = table.sort_values("budget_usd")
    x = front["cost_usd"].to_numpy(dtype=float) / 1e9
    y = front["harm_avoided_usd"].to_numpy(dtype=float) / scale
    ax.step(np.append(x, x[-1:] if len(x) else []), np.append(y, y[-1:] if len(y) else []),
            where="post", color="#e34a33", linewidth=1.6, zorder=4, label="frontier")
    ax.scatter(x, y, s=40, color="#e34a33", zorder=5)
    ax.set_xlabel("cost of the portfolio (USD bn)")
    ax.set_ylabel(f"harm avoided over the run (USD {unit} of end-use value)")
    ax.grid(color="#e5e5e5", linewidth=0.6, zorder=0)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    _despine(ax)
    by = table.attrs.get("by", "harm")
    _titles(ax, "Budget frontier: the best portfolio of options per budget",
            f"Each budget's portfolio {'avoids most harm' if by == 'harm' else 'has the lowest score'}; "
            f"{table.attrs.get('method', 'exhaustive')} search, timing {table.attrs.get('timing', 'in_place')}.")
    _source_line(ax, _table_source(table, source))
    return ax
