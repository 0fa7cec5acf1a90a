"""Rank cooperation options, and Monte Carlo over the uncertain parameters.

``compare`` runs the same scenario without options (row ``none``) and with each option, and
ranks them by the change in the exposure score. ``monte_carlo`` samples the scenario's severity
and duration and the dataset's response parameters within declared ranges and scores every draw.
Draws are made up front from one ``numpy.random.default_rng(seed)`` and sent through the array
engine in batches, so the results are identical whatever runs the batches: the calling process,
any ``concurrent.futures.Executor``, or a ``dask.distributed.Client``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from rareearth.economics import ECONOMY_DRAWS
from rareearth.scoring import ExposureScore, score_result, structural_indicators

__all__ = ["compare", "draw_parameters", "monte_carlo"]

#: Draws per task: large tasks (≥ 1 s of work) keep scheduling overhead small on Dask.
BATCH_SIZE = 250

_METRICS = [
    "peak_shortfall_pct",
    "unmet_demand_months",
    "time_to_recover_months",
    "value_at_risk_usd",
    "price_peak_index",
    "units_lost",
    "output_lost_usd",
    "gdp_loss_usd",
    "gdp_loss_pct",
]


def draw_parameters(net: Any, scenario: Any, n: int, seed: int = 0) -> pd.DataFrame:
    """The ``n`` parameter draws Monte Carlo runs: one row per draw.

    Columns ``severity_scale``, ``duration_scale``, ``elasticity_scale``, ``lead_time_scale``
    (uniform within ``scenario.uncertainty``) and, for each dataset parameter that declares a
    ``low``/``high`` range other than the lead time, its sampled value.

    Examples
    --------
    >>> import rareearth as ree
    >>> net, sc = ree.load_network("world-2024"), ree.load_scenario("japan-embargo")
    >>> d = draw_parameters(net, sc, 3, seed=1)
    >>> list(d.columns[:2]), len(d)
    (['severity_scale', 'duration_scale'], 3)
    """
    if n < 1:
        raise ValueError(f"n must be ≥ 1 draws (got {n})")
    rng = np.random.default_rng(seed)
    u = scenario.uncertainty
    columns: dict[str, np.ndarray] = {}
    for name in ("severity_scale", "duration_scale", "elasticity_scale", "lead_time_scale"):
        low, high = getattr(u, name)
        columns[name] = rng.uniform(low, high, size=n)
    for name, (low, high) in sorted(getattr(net, "parameter_ranges", {}).items()):
        if name in ("lead_time_months", "balance_tolerance"):
            continue
        columns[name] = rng.uniform(low, high, size=n)
    if len(getattr(net, "product_production", ())):  # the product tier's ranges (docs/economics.md)
        for name in ECONOMY_DRAWS:
            columns[name] = rng.uniform(0.0, 1.0, size=n)
    return pd.DataFrame(columns).rename_axis("draw")


def _draw_inputs(net: Any, scenario: Any, draws: pd.DataFrame) -> tuple[list[Any], list[dict[str, float]]]:
    lead = float(net.parameters.get("lead_time_months", 3.0))
    scenarios, parameters = [], []
    for row in draws.itertuples(index=False):
        d = row._asdict()
        scenarios.append(scenario.scaled(severity=d["severity_scale"], duration=d["duration_scale"]))
        p = {k: float(v) for k, v in d.items() if not k.endswith("_scale")}
        p["elasticity_scale"] = float(d["elasticity_scale"])
        p["lead_time_months"] = lead * float(d["lead_time_scale"])
        parameters.append(p)
    return scenarios, parameters


def _score_batch(
    net: Any,
    scenarios: list[Any],
    parameters: list[dict[str, float]],
    options: list[Any],
    countries: list[str],
    structural: dict[str, dict[str, dict[str, float]]],
    allocation: str,
    seed: int,
) -> list[dict[str, dict[str, Any]]]:
    """Run one batch of draws through the engine and score each for every country.

    A module-level function of plain inputs, so that executors can pickle it.
    """
    from rareearth.engine import simulate_many

    products = len(getattr(net, "product_production", ())) > 0
    economy = [{k: p[k] for k in ECONOMY_DRAWS if k in p} for p in parameters]
    engine_parameters = [{k: v for k, v in p.items() if k not in ECONOMY_DRAWS} for p in parameters]
    results = simulate_many(  # the score needs the per-country aggregates and prices, and the
        net, scenarios, options=options, allocation=allocation, seed=seed,  # product tier the
        parameters=engine_parameters,  # end uses' demand and shortfall
        record=("country", "demand", "shortfall") if products else ("country",),
        record_nodes="end_use",
    )
    out = []
    for result, draws in zip(results, economy, strict=True):
        row = {}
        for country in countries:
            s = score_result(net, result, country, structural=structural[country],
                             economy=draws or None)
            row[country] = _flat(s)
        out.append(row)
    return out


def _flat(score: ExposureScore) -> dict[str, Any]:
    flat: dict[str, Any] = {"score": score.score}
    flat.update({m: score.metrics[m] for m in _METRICS})
    flat.update({f"points_{k}": v for k, v in score.components.items()})
    return flat


def _run(
    executor: Any,
    net: Any,
    batches: list[tuple[list[Any], list[dict[str, float]]]],
    options: list[Any],
    countries: list[str],
    structural: dict[str, dict[str, dict[str, float]]],
    allocation: str,
    seed: int,
    progress: Callable[[int], None] | None,
) -> list[dict[str, dict[str, Any]]]:
    args = (options, countries, structural, allocation, seed)
    if executor is None:
        rows: list[dict[str, dict[str, Any]]] = []
        for scenarios, params in batches:
            rows += _score_batch(net, scenarios, params, *args)
            if progress:
                progress(len(scenarios))
        return rows
    payload = net
    extra: dict[str, Any] = {}
    if hasattr(executor, "scatter"):  # a dask.distributed.Client: ship the network once, and
        payload = executor.scatter(net, broadcast=True)
        extra = {"pure": False}  # skip hashing thousands of scenarios into task keys
    futures = [executor.submit(_score_batch, payload, s, p, *args, **extra) for s, p in batches]
    rows = []
    for future, (scenarios, _) in zip(futures, batches, strict=True):
        rows += future.result()
        if progress:
            progress(len(scenarios))
    return rows


def _fits(option: Any, net: Any) -> bool:
    from rareearth.errors import OptionError

    try:
        option.validate_for(net)
    except OptionError:
        return False
    return True


def _option_name(option: Any) -> str:
    return str(getattr(option, "name", option))


def _relocation_partners(options: Sequence[Any], country: str) -> list[str]:
    partners: list[str] = []
    for option in options:
        for measure in getattr(option, "measures", []):
            to = getattr(measure, "to_country", None)
            if to and to != country and to not in partners:
                partners.append(str(to))
    return partners


def monte_carlo(
    net: Any,
    scenario: Any,
    country: str,
    n: int = 1000,
    seed: int = 0,
    options: Sequence[Any] = (),
    executor: Any = None,
    *,
    allocation: str = "proportional",
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Exposure under uncertainty: ``n`` draws of the scenario and parameters, each scored.

    Parameters
    ----------
    net, scenario, country
        As for :func:`rareearth.exposure` (names are resolved).
    n : int
        Number of draws.
    seed : int
        Seeds the draws; the same seed gives the same table on any executor.
    options : sequence
        Options applied together in every draw.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Runs the batches; default: the calling process.
    batch_size : int
        Draws per task (each task is one batch through the array engine).
    progress : callable, optional
        Called after each batch with the number of draws that batch finished (an increment).

    Returns
    -------
    pandas.DataFrame
        One row per draw (index ``draw``): the sampled parameters, ``score``, the metrics
        and the points of each component.

    Examples
    --------
    >>> import rareearth as ree
    >>> draws = ree.monte_carlo("world-2024", "japan-embargo", "JP", n=20, seed=0)
    >>> len(draws), bool(draws.score.between(0, 100).all())
    (20, True)
    """
    from rareearth.scoring import _resolve

    net, scenario, opts = _resolve(net, scenario, options)
    table = _monte_carlo_configs(
        net, scenario, country, {"options": opts}, n, seed, executor, allocation, batch_size,
        progress,
    )
    return table.drop(columns="option")


def _monte_carlo_configs(
    net: Any,
    scenario: Any,
    country: str,
    configs: dict[str, list[Any]],
    n: int,
    seed: int,
    executor: Any,
    allocation: str,
    batch_size: int,
    progress: Callable[[int], None] | None,
    countries: Sequence[str] = (),
) -> pd.DataFrame:
    draws = draw_parameters(net, scenario, n, seed)
    scenarios, parameters = _draw_inputs(net, scenario, draws)
    everyone = [country, *[c for c in countries if c != country]]
    structural = {c: structural_indicators(net, c) for c in everyone}
    batches = [
        (scenarios[i : i + batch_size], parameters[i : i + batch_size])
        for i in range(0, n, batch_size)
    ]
    frames = []
    for name, opts in configs.items():
        rows = _run(executor, net, batches, opts, everyone, structural, allocation, seed, progress)
        frame = draws.copy()
        frame.insert(0, "option", name)
        main = pd.DataFrame([r[country] for r in rows], index=draws.index)
        frame = pd.concat([frame, main], axis=1)
        for other in everyone[1:]:
            frame[f"score_{other}"] = [r[other]["score"] for r in rows]
        frames.append(frame)
    return pd.concat(frames).reset_index()


def compare(
    net: Any,
    scenario: Any,
    country: str,
    options: Sequence[Any] | None = None,
    *,
    n: int = 0,
    seed: int = 0,
    executor: Any = None,
    allocation: str = "proportional",
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Rank cooperation options by how much they lower ``country``'s exposure score.

    Each option is run alone on the same scenario; the row ``none`` is the scenario without
    options. Relocation options move exposure between countries, so the partner countries of
    any ``Relocate`` measure get a ``score_CC`` column too.

    Parameters
    ----------
    options : sequence of Option or str, optional
        Default: every built-in option that fits the network (the built-ins name real
        facilities and countries; on a user's dataset those that do not fit are left out).
        Options given explicitly must fit, or :class:`OptionError` names what is missing.
    n : int
        With ``n > 0``, also run ``n`` Monte Carlo draws per option (the same draws for every
        option) and add ``p_beats_none`` (share of draws in which the option scores below
        ``none``), ``p_top`` (share in which it scores lowest of all) and the 5th, 50th and 95th
        percentiles of the score, and the 5th and 95th percentiles of the paired change
        ``delta_p05``, ``delta_p95`` (each draw with the option minus the same draw without).

    Returns
    -------
    pandas.DataFrame
        Indexed by option name, sorted best first (lowest score), with ``score``, ``delta``
        (score − none's), ``cost_usd``, ``delta_per_busd`` (delta per billion USD; negative is
        better), ``lead_time_months`` and the main metrics.

    Examples
    --------
    >>> import rareearth as ree
    >>> t = ree.compare("world-2024", "japan-embargo", "JP", ["stockpile-180d"])
    >>> list(t.index) == sorted(t.index, key=lambda i: t.score[i]) and "none" in t.index
    True
    """
    from rareearth.cooperation import options as builtin_options
    from rareearth.engine import simulate
    from rareearth.scoring import _resolve

    defaults = options is None
    chosen: Sequence[Any] = builtin_options() if options is None else options
    net, scenario, opts = _resolve(net, scenario, chosen)
    if defaults:  # built-in options name real facilities: keep those that fit this network
        opts = [o for o in opts if _fits(o, net)]
    partners = [c for c in _relocation_partners(opts, country) if c in net.country_codes]
    everyone = [country, *partners]
    structural = {c: structural_indicators(net, c) for c in everyone}
    rows = []
    configs: dict[str, list[Any]] = {"none": []}
    for opt in opts:
        configs[_option_name(opt)] = [opt]
    for name, config in configs.items():
        result = simulate(net, scenario, options=config, allocation=allocation, seed=seed)
        row: dict[str, Any] = {"option": name}
        main = score_result(net, result, country, structural=structural[country])
        row.update(_flat(main))
        for other in partners:
            row[f"score_{other}"] = score_result(
                net, result, other, structural=structural[other]
            ).score
        option = config[0] if config else None
        row["cost_usd"] = float(getattr(option, "cost_usd", 0.0)) if option else 0.0
        row["lead_time_months"] = float(getattr(option, "lead_time_months", 0.0)) if option else 0.0
        row["title"] = str(getattr(option, "title", "")) if option else "no option"
        rows.append(row)
    table = pd.DataFrame(rows).set_index("option")
    table["delta"] = table["score"] - table.loc["none", "score"]
    for other in partners:
        table[f"delta_{other}"] = table[f"score_{other}"] - table.loc["none", f"score_{other}"]
    cost_busd = table["cost_usd"] / 1e9
    table["delta_per_busd"] = np.where(cost_busd > 0, table["delta"] / cost_busd.where(cost_busd > 0, 1.0), math.nan)
    if n > 0:
        draws = _monte_carlo_configs(
            net, scenario, country, configs, n, seed, executor, allocation, BATCH_SIZE,
            progress, countries=partners,
        )
        wide = draws.pivot(index="draw", columns="option", values="score")
        best = wide.min(axis=1)
        table["p_beats_none"] = [float((wide[o] < wide["none"] - 1e-9).mean()) for o in table.index]
        table["p_top"] = [float((wide[o] <= best + 1e-9).mean()) for o in table.index]
        for q in (5, 50, 95):
            table[f"score_p{q:02d}"] = [float(np.percentile(wide[o], q)) for o in table.index]
        for q in (5, 95):  # paired: the same draw with and without the option
            table[f"delta_p{q:02d}"] = [
                float(np.percentile(wide[o] - wide["none"], q)) for o in table.index
            ]
    order = ["score", "delta", "cost_usd", "delta_per_busd", "lead_time_months"]
    rest = [c for c in table.columns if c not in order and c != "title"]
    table = table[[*order, *rest, "title"]]
    return table.sort_values(["score", "cost_usd"], kind="stable")
