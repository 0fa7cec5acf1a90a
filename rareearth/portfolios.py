"""The budget frontier: for each budget, the portfolio of cooperation options that avoids most harm.

A **portfolio** is a set of options taken together (their measures combined, each option once:
``combined`` with ``stockpile-180d`` is ``combined``). Its cost is the sum of its options'
costs, each counted once (a package's own cost beyond the parts it includes is added; the
built-in ``combined`` states the sum of its parts, so it adds nothing). Every portfolio is run
on the same scenario and scored like a row of :func:`rareearth.compare`: harm avoided (end-use
value the country does not lose, USD over the run) and the exposure score with the portfolio's
contracts in force.

Search. Up to :data:`MAX_EXHAUSTIVE` options every subset is evaluated (2^k runs, as batches of
:func:`rareearth.simulate_many`, each run with its own option set). Beyond that a greedy forward
selection: starting from no option, each step adds the option with the largest marginal harm
avoided per marginal dollar among those evaluated in that step (one batch of at most k runs),
until every option is in; the frontier is then read off the portfolios evaluated. The greedy
path is a heuristic (it can miss a pair that only pays together); the exhaustive search is exact
for the options given.

Reading the frontier. For each budget, the portfolio within it that avoids most harm (``by=
"harm"``, the default: harm avoided never falls as the budget grows) or that has the lowest score
(``by="score"``: the score never rises as the budget grows). The two differ where an option buys
resilience (stocks, structure) rather than harm avoided in this scenario.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rareearth.errors import OptionError
from rareearth.ranking import expanded

if TYPE_CHECKING:
    from rareearth.cooperation import Option
    from rareearth.protocols import ExecutorLike, NetworkArg, OptionItem, ScenarioArg

__all__ = ["MAX_EXHAUSTIVE", "frontier", "portfolio_cost"]

#: Options beyond which the search is greedy instead of exhaustive (2^12 = 4,096 runs).
MAX_EXHAUSTIVE = 12


def portfolio_cost(options: Sequence[Option]) -> float:
    """Cost of options taken together, USD: each option (includes expanded) counted once.

    A package's stated cost covers the options it includes (an option's cost is stated, not
    summed: the built-in ``combined`` states exactly the sum of its parts, a user's package may
    state less or more), so a part taken with its package adds nothing.

    Examples
    --------
    >>> from rareearth.cooperation import load_option
    >>> portfolio_cost([load_option("combined"), load_option("stockpile-180d")]) == \\
    ...     load_option("combined").cost_usd
    True
    """
    seen: dict[str, Any] = {}
    for option in options:
        for o in expanded(option):
            seen.setdefault(str(getattr(o, "name", id(o))), o)
    covered: set[str] = set()  # parts of a package in the set: the package's stated cost covers them
    for o in seen.values():
        for inner in expanded(o)[1:]:
            covered.add(str(getattr(inner, "name", id(inner))))
    return float(sum(float(getattr(o, "cost_usd", 0.0)) for name, o in seen.items()
                     if name not in covered))


def _label(options: Sequence[Any]) -> str:
    return "+".join(sorted(str(getattr(o, "name", o)) for o in options)) or "none"


def _key(options: Sequence[Any]) -> frozenset[str]:
    return frozenset(str(getattr(o, "name", id(o))) for option in options for o in expanded(option))


def _evaluate(
    net: Any, scenario: Any, country: str, portfolios: list[list[Any]], spec: Any,
    cache: dict[frozenset[str], dict[str, Any]],
) -> list[dict[str, Any]]:
    """Score portfolios not yet in ``cache`` in one simulate_many call; rows for all."""
    from rareearth.contracts import contracted_network
    from rareearth.engine import simulate_many
    from rareearth.montecarlo import score_record
    from rareearth.scoring import score_result, structural_indicators

    todo: dict[frozenset[str], list[Any]] = {}
    for p in portfolios:
        key = _key(p)
        if key not in cache and key not in todo:
            todo[key] = p
    if todo:
        results = simulate_many(net, [scenario] * len(todo), options=[list(p) for p in todo.values()],
                                **score_record(net), **spec.simulate_kwargs(country))
        structures: dict[int, dict[str, dict[str, float]]] = {}
        for (key, p), result in zip(todo.items(), results, strict=True):
            edited = contracted_network(net, p)
            if id(edited) not in structures:
                structures[id(edited)] = structural_indicators(edited, country)
            s = score_result(net, result, country, structural=structures[id(edited)])
            cache[key] = {
                "options": _label(p), "n_options": len(p), "cost_usd": portfolio_cost(p),
                "score": s.score, "harm_points": s.harm, "resilience_points": s.resilience,
                "value_at_risk_usd": s.metrics["value_at_risk_usd"], "members": list(p),
            }
    return [cache[_key(p)] for p in portfolios]


def _merit(base: dict[str, Any], row: dict[str, Any]) -> float:
    """Marginal harm avoided per marginal dollar of ``row`` over ``base``."""
    gain = base["value_at_risk_usd"] - row["value_at_risk_usd"]
    extra = row["cost_usd"] - base["cost_usd"]
    return float(gain / extra) if extra > 0 else (math.inf if gain > 0 else 0.0)


def _greedy(net: Any, scenario: Any, country: str, opts: list[Any], spec: Any,
            cache: dict[frozenset[str], dict[str, Any]]) -> list[list[Any]]:
    chosen: list[Any] = []
    evaluated: list[list[Any]] = [[]]
    remaining = list(opts)
    while remaining:
        candidates = [[*chosen, o] for o in remaining]
        evaluated += candidates
        rows = _evaluate(net, scenario, country, candidates, spec, cache)
        base = _evaluate(net, scenario, country, [chosen], spec, cache)[0]

        best = max(range(len(rows)), key=lambda i: (_merit(base, rows[i]), -rows[i]["cost_usd"]))
        chosen = candidates[best]
        remaining.pop(best)
    return evaluated


def frontier(
    net: NetworkArg,
    scenario: ScenarioArg,
    country: str,
    options: Sequence[OptionItem] | None = None,
    budgets: Sequence[float] | None = None,
    n: int = 0,
    seed: int = 0,
    timing: str = "in_place",
    executor: ExecutorLike | None = None,
    *,
    allocation: str = "proportional",
    objective: str = "world",
    by: str = "harm",
    min_step: float = 0.01,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """The best portfolio of options for each budget (see the module docstring).

    Parameters
    ----------
    net, scenario, country
        As for :func:`rareearth.compare` (names are resolved).
    options : sequence of Option or str, optional
        Default: the built-in options as templates for ``country``
        (:func:`rareearth.ranking.default_options`).
    budgets : sequence of float, optional
        USD. Default: the cost of each portfolio on the cost–harm Pareto front that avoids
        more than the previous step by at least ``min_step`` of the harm without options
        (the steps of the frontier a reader can tell apart).
    n : int
        With ``n > 0``, Monte Carlo draws (the same for every chosen portfolio and for no
        option) give ``p_beats_none``, ``score_p05``/``score_p95`` and the paired
        ``harm_avoided_p05``/``harm_avoided_p95``.
    timing, executor, allocation, objective
        As for :func:`rareearth.compare`.
    min_step : float
        For the default budgets: the least gain, as a share of the harm without options
        (``by="harm"``) or in score points × 100 (``by="score"``: 0.01 = 1 point), that makes
        a new step; 0 lists every Pareto step.
    by : {"harm", "score"}
        Choose, within each budget, the portfolio that avoids most harm (ties: lower score,
        then lower cost) or the one with the lowest score (ties: more harm avoided).

    Returns
    -------
    pandas.DataFrame
        One row per budget: ``budget_usd``, ``options`` (``"a+b"``, ``"none"``),
        ``n_options``, ``cost_usd``, ``score``, ``harm_avoided_usd``, ``harm_points``,
        ``resilience_points``; with ``n > 0`` the uncertainty columns. ``attrs``:
        ``portfolios`` (every portfolio evaluated), ``method`` (``exhaustive`` or
        ``greedy``), ``by``, ``timing``, ``skipped`` (built-in options left out, and why).

    Examples
    --------
    >>> import rareearth as ree
    >>> f = ree.frontier(ree.examples.tiny(), ree.examples.embargo(), "JP",
    ...                  options=["stockpile-180d", "recycling"], budgets=[0, 1e8, 1e9])
    >>> list(f.options)
    ['none', 'stockpile-180d', 'recycling+stockpile-180d']
    >>> bool(f.harm_avoided_usd.is_monotonic_increasing)
    True
    """
    from rareearth.limits import MAX_DRAWS, check_count
    from rareearth.montecarlo import BATCH_SIZE, _monte_carlo_configs
    from rareearth.ranking import harm_tolerance, options_for
    from rareearth.scoring import RunSpec, _check_spec

    n = check_count(n, "n", low=0, high=MAX_DRAWS)
    spec = RunSpec(allocation, objective, timing, seed)
    _check_spec(spec)
    if by not in ("harm", "score"):
        raise OptionError(f"by must be 'harm' or 'score' (got {by!r})")
    net, scenario, opts, skipped = options_for(net, scenario, country, options)
    if budgets is not None and len(budgets) == 0:
        raise OptionError("budgets: give at least one budget in USD, or None for every step "
                          "of the frontier")
    if budgets is not None and any(not (isinstance(b, int | float) and b >= 0 and math.isfinite(b))
                                   for b in budgets):
        raise OptionError("budgets must be finite amounts of USD ≥ 0")

    cache: dict[frozenset[str], dict[str, Any]] = {}
    none_row = _evaluate(net, scenario, country, [[]], spec, cache)[0]
    if len(opts) <= MAX_EXHAUSTIVE:
        method = "exhaustive"
        portfolios = [list(c) for r in range(len(opts) + 1) for c in itertools.combinations(opts, r)]
    else:
        method = "greedy"
        portfolios = _greedy(net, scenario, country, opts, spec, cache)
    rows = _evaluate(net, scenario, country, portfolios, spec, cache)
    if progress:
        progress(len(portfolios))
    table = pd.DataFrame([{k: v for k, v in r.items() if k != "members"} for r in rows])
    table = table.drop_duplicates("options").reset_index(drop=True)
    members = {r["options"]: r["members"] for r in rows}
    table["harm_avoided_usd"] = none_row["value_at_risk_usd"] - table["value_at_risk_usd"]
    tol = harm_tolerance(none_row["value_at_risk_usd"])
    table.loc[table["harm_avoided_usd"].abs() <= tol, "harm_avoided_usd"] = 0.0
    table = table.sort_values(["cost_usd", "options"], kind="stable").reset_index(drop=True)

    def pick(budget: float) -> pd.Series:
        within = table[table["cost_usd"] <= budget * (1 + 1e-12) + 1e-6]
        if by == "harm":
            ranked = within.assign(_h=-within["harm_avoided_usd"]).sort_values(
                ["_h", "score", "cost_usd"], kind="stable")
        else:
            ranked = within.assign(_h=-within["harm_avoided_usd"]).sort_values(
                ["score", "_h", "cost_usd"], kind="stable")
        return ranked.iloc[0].drop("_h")

    if not (isinstance(min_step, int | float) and 0 <= min_step <= 1):
        raise OptionError(f"min_step must be a share within 0…1 (got {min_step!r})")
    if budgets is None:
        best: float = -math.inf
        points: list[float] = []
        step = (max(tol, min_step * none_row["value_at_risk_usd"]) if by == "harm"
                else max(1e-9, 100 * min_step))
        for row in table.itertuples(index=False):  # sorted by cost: the Pareto steps
            value = row.harm_avoided_usd if by == "harm" else -row.score
            if value > best + step or not points:
                best = value
                points.append(float(row.cost_usd))
        budgets = points
    out = []
    for budget in sorted(float(b) for b in budgets):
        chosen = pick(budget)
        out.append({"budget_usd": budget, **chosen.to_dict()})
    result = pd.DataFrame(out)
    columns = ["budget_usd", "options", "n_options", "cost_usd", "score", "harm_avoided_usd",
               "harm_points", "resilience_points", "value_at_risk_usd"]
    result = result[columns]
    if n > 0:
        configs: dict[str, list[Any]] = {"none": []}
        for label in dict.fromkeys(result["options"]):
            if label != "none":
                configs[label] = members[label]
        draws = _monte_carlo_configs(net, scenario, country, configs, n, spec, executor,
                                     BATCH_SIZE, progress)
        wide = draws.pivot(index="draw", columns="option", values="score")
        lost = draws.pivot(index="draw", columns="option", values="value_at_risk_usd")
        avoided = lost.rsub(lost["none"], axis=0)
        per = {
            label: {
                "p_beats_none": float((wide[label] < wide["none"] - 1e-9).mean()),
                "score_p05": float(np.percentile(wide[label], 5)),
                "score_p95": float(np.percentile(wide[label], 95)),
                "harm_avoided_p05": float(np.percentile(avoided[label], 5)),
                "harm_avoided_p95": float(np.percentile(avoided[label], 95)),
            }
            for label in configs
        }
        for column in ("p_beats_none", "score_p05", "score_p95", "harm_avoided_p05",
                       "harm_avoided_p95"):
            result[column] = [per[label][column] for label in result["options"]]
    result.attrs.update({
        "portfolios": table, "method": method, "by": by, "timing": timing,
        "objective": spec.label, "skipped": skipped, "country": country,
        "dataset": str(getattr(net, "name", "")), "scenario": str(getattr(scenario, "name", "")),
    })
    return result
