"""Which uncertain inputs move the answer: global sensitivity from the Monte Carlo draws.

(The module is not named ``sensitivity``: a submodule of that name would shadow the public
function ``rareearth.sensitivity`` once imported.)

:func:`sensitivity` runs :func:`rareearth.monte_carlo` (the inputs it samples are those of
:func:`rareearth.ranking.draw_parameters`: the scenario's severity, duration, price elasticity
and lead time scales, and every dataset parameter that declares a range) and ranks the inputs
by **Spearman's rank correlation** between each input and two outputs: the exposure score and
the lost value (``value_at_risk_usd``, end-use demand not met × its downstream value, USD).
Inputs are drawn independently and uniformly, so a rank correlation measures how much of the
output's ordering an input explains on its own, with no assumption of linearity; it misses
interactions (an input that matters only together with another), which Sobol indices would
show at many times the cost. For each input the table also gives the mean output over the
draws in the input's lowest and highest fifth (the bars of a tornado plot,
:func:`rareearth.plot.tornado`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

if TYPE_CHECKING:
    from rareearth.protocols import ExecutorLike, NetworkArg, OptionItem, ScenarioArg

__all__ = ["INPUT_LABELS", "sensitivity"]

#: Human names of the sampled inputs (others are shown by their id).
INPUT_LABELS: dict[str, str] = {
    "severity_scale": "severity of the events (× scenario)",
    "duration_scale": "duration of the events (× scenario)",
    "elasticity_scale": "price elasticity of demand (× dataset)",
    "lead_time_scale": "lead time of new trade links (× dataset)",
    "ramp_rate_per_month": "capacity ramp-up rate (per month)",
    "price_cap": "price cap (× reference price)",
    "recycling_rate": "recycling rate (share of use)",
    "substitution_max_per_year": "substitution limit (share per year)",
}
#: The outputs ranked against, and their column in the Monte Carlo table.
OUTPUTS: dict[str, str] = {"score": "score", "lost_value": "value_at_risk_usd"}
#: Share of the draws at each end of an input's range whose mean output a tornado bar shows.
TAIL = 0.2


def _rank_correlation(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Spearman's rho and its p-value; (0, 1) when either side does not vary."""
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return 0.0, 1.0
    result = stats.spearmanr(x, y)
    return float(result.statistic), float(result.pvalue)


def _tails(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Mean of ``y`` over the draws in the lowest and highest :data:`TAIL` of ``x``."""
    order = np.argsort(x, kind="stable")
    k = max(1, round(TAIL * len(x)))
    return float(y[order[:k]].mean()), float(y[order[-k:]].mean())


def sensitivity(
    net: NetworkArg,
    scenario: ScenarioArg,
    country: str,
    n: int = 200,
    seed: int = 0,
    options: Sequence[OptionItem] = (),
    *,
    executor: ExecutorLike | None = None,
    allocation: str = "proportional",
    draws: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Rank the uncertain inputs by their effect on ``country``'s score and lost value.

    Parameters
    ----------
    net, scenario, country, options
        As for :func:`rareearth.monte_carlo` (names are resolved).
    n : int
        Monte Carlo draws (≥ 10; 200 give rank correlations to about ±0.07).
    seed : int
        Seeds the draws: the same seed, the same table.
    executor : optional
        Runs the draws (see :func:`rareearth.monte_carlo`).
    draws : DataFrame, optional
        Draws already made by :func:`rareearth.monte_carlo` for this scenario and country
        (then ``n``, ``seed``, ``options`` and ``executor`` are not used).

    Returns
    -------
    pandas.DataFrame
        One row per input that varies (index ``input``), sorted by the size of its rank
        correlation with the score: ``label``, ``low``, ``high`` (range drawn),
        ``rho_score``, ``p_score``, ``rho_lost_value``, ``p_lost_value`` (Spearman), and the
        mean outputs in the input's lowest and highest fifth of draws: ``score_low``,
        ``score_high``, ``lost_value_low_usd``, ``lost_value_high_usd``. ``attrs`` holds
        ``n``, ``seed``, ``country``, ``scenario``, ``dataset``, the mean ``score`` and
        ``lost_value_usd`` over the draws, and ``constant`` (inputs left out: they do not vary).

    Examples
    --------
    >>> import rareearth as ree
    >>> s = ree.sensitivity(ree.examples.tiny(), ree.examples.embargo(), "JP", n=20, seed=0)
    >>> "severity_scale" in s.index and bool(s.rho_score.abs().between(0, 1).all())
    True
    """
    from rareearth.ranking import draw_parameters, monte_carlo
    from rareearth.scoring import _resolve

    net, scenario, opts = _resolve(net, scenario, options)
    if draws is None:
        if n < 10:
            raise ValueError(f"sensitivity needs n ≥ 10 draws to rank inputs (got {n})")
        draws = monte_carlo(net, scenario, country, n=n, seed=seed, options=opts,
                            executor=executor, allocation=allocation)
    inputs = [c for c in draw_parameters(net, scenario, 1, seed).columns if c in draws.columns]
    missing = [c for c in OUTPUTS.values() if c not in draws.columns]
    if missing:
        raise ValueError(f"draws lack column(s) {', '.join(missing)}; expected monte_carlo output")
    score = draws["score"].to_numpy(dtype=float)
    lost = draws["value_at_risk_usd"].to_numpy(dtype=float)
    rows, constant = [], []
    for name in inputs:
        x = draws[name].to_numpy(dtype=float)
        if np.ptp(x) == 0:
            constant.append(name)
            continue
        rho_s, p_s = _rank_correlation(x, score)
        rho_l, p_l = _rank_correlation(x, lost)
        s_low, s_high = _tails(x, score)
        l_low, l_high = _tails(x, lost)
        rows.append({
            "input": name, "label": INPUT_LABELS.get(name, name.replace("_", " ")),
            "low": float(x.min()), "high": float(x.max()),
            "rho_score": rho_s, "p_score": p_s, "rho_lost_value": rho_l, "p_lost_value": p_l,
            "score_low": s_low, "score_high": s_high,
            "lost_value_low_usd": l_low, "lost_value_high_usd": l_high,
        })
    columns = ["input", "label", "low", "high", "rho_score", "p_score", "rho_lost_value",
               "p_lost_value", "score_low", "score_high", "lost_value_low_usd",
               "lost_value_high_usd"]
    table = pd.DataFrame(rows, columns=columns).set_index("input")
    order = np.argsort(-table["rho_score"].abs().to_numpy(), kind="stable")
    table = table.iloc[order]
    table.attrs.update({
        "n": len(draws), "seed": seed, "country": country,
        "scenario": str(getattr(scenario, "name", scenario)),
        "dataset": str(getattr(net, "name", "")),
        "score": float(score.mean()), "lost_value_usd": float(lost.mean()),
        "constant": constant,
    })
    return table
