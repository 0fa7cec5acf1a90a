"""A Monte Carlo run summarised: mean, spread and quantiles of each outcome over the draws.

:func:`summarize_draws` turns the table of :func:`rareearth.monte_carlo` (one row per draw)
into one row per numeric outcome; the command line's ``montecarlo`` prints it on a terminal.

Examples
--------
>>> import pandas as pd
>>> draws = pd.DataFrame({"draw": [0, 1, 2, 3], "score": [10.0, 20.0, 30.0, 40.0]})
>>> summarize_draws(draws).loc["score", ["mean", "50%"]].tolist()
[25.0, 25.0]
"""

from __future__ import annotations

import pandas as pd

__all__ = ["QUANTILES", "summarize_draws"]

#: The quantiles a summary shows (5 %, median, 95 %).
QUANTILES = (0.05, 0.5, 0.95)


def summarize_draws(draws: pd.DataFrame) -> pd.DataFrame:
    """One row per numeric column of ``draws`` (the ``draw`` index left out): ``mean``,
    ``std``, ``min``, ``5%``, ``50%``, ``95%``, ``max``; the index is named ``metric``."""
    numbers = draws.drop(columns="draw", errors="ignore").select_dtypes("number")
    summary = numbers.describe(percentiles=list(QUANTILES)).T.drop(columns="count")
    summary.index.name = "metric"
    return summary
