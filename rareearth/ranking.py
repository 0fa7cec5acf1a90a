"""Rank cooperation options, and Monte Carlo over the uncertain parameters.

``compare`` runs the same scenario without options (row ``none``) and with each option, and
ranks them by the harm each avoids per dollar (the score change, split into harm and
resilience, is shown beside it). ``monte_carlo`` samples the scenario's severity
and duration and the dataset's response parameters within declared ranges and scores every draw.
Draws are made up front from one ``numpy.random.default_rng(seed)`` and sent through the array
engine in batches, so the results are identical whatever runs the batches: the calling process,
any ``concurrent.futures.Executor``, or a ``dask.distributed.Client``.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from rareearth.economics import ECONOMY_DRAWS
from rareearth.limits import MAX_DRAWS, check_count
from rareearth.scoring import (
    ExposureScore,
    RunSpec,
    _check_spec,
    resolve_options,
    score_result,
    structural_indicators,
)

__all__ = ["compare", "default_options", "draw_parameters", "monte_carlo", "options_for",
           "rank_options"]

#: Draws per task: large tasks (≥ 1 s of work) keep scheduling overhead small on Dask.
BATCH_SIZE = 250

_METRICS = [
    "peak_shortfall_pct",
    "unmet_demand_months",
    "time_to_recover_months",
    "value_at_risk_usd",
    "price_peak_index",
    "stock_cover_months",
    "structural_index",
    "units_lost",
    "output_lost_usd",
    "gdp_loss_usd",
    "gdp_loss_pct",
]


def _split_uniform(rng: np.random.Generator, low: float, central: float, high: float,
                   n: int) -> np.ndarray:
    """``n`` draws within ``[low, high]`` whose median is ``central``: half uniform below it,
    half above (a two-piece uniform). Ranges are sourced bounds and the central value is the
    dataset's (or 1 for a scenario multiplier), so the central case sits at the centre of the
    draws even when the range is lopsided (price cap 10 in 6-38.1)."""
    central = min(max(central, low), high)
    u = rng.uniform(0.0, 1.0, size=n)
    below = low + (central - low) * 2.0 * u
    above = central + (high - central) * (2.0 * u - 1.0)
    return np.where(u < 0.5, below, above)


def draw_parameters(net: Any, scenario: Any, n: int, seed: int = 0) -> pd.DataFrame:
    """The ``n`` parameter draws Monte Carlo runs: one row per draw.

    Columns ``severity_scale``, ``duration_scale``, ``elasticity_scale``, ``lead_time_scale``
    (within ``scenario.uncertainty``, median 1: the scenario as written) and, for each dataset
    parameter that declares a ``low``/``high`` range other than the lead time, its sampled
    value (median: the dataset's central value). Each is drawn from a two-piece uniform, half
    the draws on each side of the central value, so the central run is the median draw.

    Examples
    --------
    >>> import rareearth as ree
    >>> net, sc = ree.examples.tiny(), ree.examples.embargo()
    >>> d = draw_parameters(net, sc, 3, seed=1)
    >>> list(d.columns[:2]), len(d)
    (['severity_scale', 'duration_scale'], 3)
    """
    n = check_count(n, "n", low=1, high=MAX_DRAWS)
    seed = check_count(seed, "seed", low=0, high=2**64 - 1)
    rng = np.random.default_rng(seed)
    u = scenario.uncertainty
    columns: dict[str, np.ndarray] = {}
    for name in ("severity_scale", "duration_scale", "elasticity_scale", "lead_time_scale"):
        low, high = getattr(u, name)
        columns[name] = _split_uniform(rng, float(low), 1.0, float(high), n)
    central = getattr(net, "parameters", {})
    for name, (low, high) in sorted(getattr(net, "parameter_ranges", {}).items()):
        if name in ("lead_time_months", "balance_tolerance"):
            continue
        mid = float(central.get(name, (low + high) / 2.0))
        columns[name] = _split_uniform(rng, float(low), mid, float(high), n)
    if len(getattr(net, "product_production", ())):  # the product tier's ranges (docs/economics.md)
        for name in ECONOMY_DRAWS:  # quantiles of each range: median 0.5, the central value
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


def score_record(net: Any) -> dict[str, Any]:
    """What a run must record to be scored: the per-country aggregates and prices, and, where
    the dataset has a product tier, the end uses' demand and shortfall it is computed from."""
    if len(getattr(net, "product_production", ())) > 0:
        return {"record": ("country", "demand", "shortfall"), "record_nodes": "end_use"}
    return {"record": ("country",)}


def _score_batch(
    net: Any,
    scenarios: list[Any],
    parameters: list[dict[str, float]],
    options: list[Any],
    countries: list[str],
    structural: dict[str, dict[str, dict[str, float]]],
    spec: RunSpec,
) -> list[dict[str, dict[str, Any]]]:
    """Run one batch through the engine and score each run for every country.

    ``structural`` holds each country's static indicators with ``options``' contracts in force.
    A module-level function of plain inputs, so executors can pickle it.
    """
    from rareearth.engine import simulate_many

    economy = [{k: p[k] for k in ECONOMY_DRAWS if k in p} for p in parameters]
    engine_parameters = [{k: v for k, v in p.items() if k not in ECONOMY_DRAWS} for p in parameters]
    results = simulate_many(
        net, scenarios, options=options, parameters=engine_parameters,
        **score_record(net), **spec.simulate_kwargs(countries[0]),
    )
    out = []
    for result, draws in zip(results, economy, strict=True):
        out.append({c: _flat(score_result(net, result, c, structural=structural[c],
                                          economy=draws or None)) for c in countries})
    return out


def _flat(score: ExposureScore) -> dict[str, Any]:
    flat: dict[str, Any] = {"score": score.score, "harm_points": score.harm,
                            "resilience_points": score.resilience}
    # the product tier's metrics are NaN on a dataset without one: left out, not NaN columns
    flat.update({m: score.metrics[m] for m in _METRICS
                 if m in score.metrics and not math.isnan(score.metrics[m])})
    flat.update({f"points_{k}": v for k, v in score.components.items()})
    return flat


def _run(
    executor: Any,
    net: Any,
    batches: list[tuple[list[Any], list[dict[str, float]]]],
    options: list[Any],
    countries: list[str],
    structural: dict[str, dict[str, dict[str, float]]],
    spec: RunSpec,
    progress: Callable[[int], None] | None,
) -> list[dict[str, dict[str, Any]]]:
    args = (options, countries, structural, spec)
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


def _fits(option: Any, net: Any) -> str | None:
    """Why ``option`` does not fit ``net`` (None: it fits)."""
    from rareearth.errors import OptionError

    try:
        option.validate_for(net)
    except OptionError as err:
        return str(err).split("\n", 1)[-1].strip()
    return None


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


def default_options(net: Any, country: str) -> tuple[list[Any], dict[str, str]]:
    """The built-in options as templates for ``country``, and why the others were left out.

    Each built-in option is retargeted to ``country`` (:meth:`rareearth.cooperation.Option.
    retarget`) and kept if it then fits ``net``.

    Returns
    -------
    (list of Option, dict)
        The options, and option name -> reason for each one left out.

    Examples
    --------
    >>> import rareearth as ree
    >>> opts, skipped = default_options(ree.examples.tiny(), "JP")  # the tiny network has no US
    >>> sorted(o.name for o in opts), "us-japan-partnership" in skipped
    (['dy-free-magnets', 'recycling', 'stockpile-180d'], True)
    """
    from rareearth.cooperation import load_option, options
    from rareearth.errors import OptionError

    chosen, skipped = [], {}
    for name in options():
        try:
            option = load_option(name, country=country)
        except OptionError as err:
            skipped[name] = str(err).split("\n", 1)[-1].strip()
            continue
        why = _fits(option, net) or _acts(option, net)
        if why is None:
            chosen.append(option)
        else:
            skipped[name] = why
    return chosen, skipped


def _acts(option: Any, net: Any) -> str | None:
    """Why ``option`` cannot act in ``net`` (None: it can), e.g. a substitution inside magnets
    for a country that makes none of the magnets its sector uses."""
    from rareearth.engine.measures import apply_options
    from rareearth.errors import OptionError

    try:
        apply_options(net, [option], 1)
    except OptionError as err:
        return str(err).split("\n", 1)[0]
    return None


def options_for(net: Any, scenario: Any, country: str,
                options: Sequence[Any] | None) -> tuple[Any, Any, list[Any], dict[str, str]]:
    """Network and scenario resolved, and the options a ranking runs: the built-in templates
    for ``country`` that fit and act (``None``), or the options given, checked against the
    network (misfits name what is missing before anything runs); with the reasons the
    built-ins left out were left out."""
    from rareearth.scoring import _resolve

    net, scenario, _ = _resolve(net, scenario, ())
    if options is None:
        opts, skipped = default_options(net, country)
        return net, scenario, opts, skipped
    opts = resolve_options(net, country, options)
    for opt in opts:
        opt.validate_for(net)
    return net, scenario, opts, {}


def _structure_for(net: Any, options: Sequence[Any], countries: Sequence[str]) -> dict[str, dict[str, dict[str, float]]]:
    from rareearth.contracts import contracted_network

    edited = contracted_network(net, options)
    return {c: structural_indicators(edited, c) for c in countries}


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
    timing: str = "in_place",
    objective: str = "world",
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
    allocation, timing, objective
        As for :func:`compare`.
    batch_size : int
        Draws per task (each task is one batch through the array engine).
    progress : callable, optional
        Called after each batch with the number of draws that batch finished (an increment).

    Returns
    -------
    pandas.DataFrame
        One row per draw (index ``draw``): the sampled parameters, ``score``, its harm and
        resilience points, the metrics and the points of each component.

    Examples
    --------
    >>> import rareearth as ree
    >>> draws = ree.monte_carlo(ree.examples.tiny(), ree.examples.embargo(), "JP", n=20, seed=0)
    >>> len(draws), bool(draws.score.between(0, 100).all())
    (20, True)
    """

    n = check_count(n, "n", low=1, high=MAX_DRAWS)
    batch_size = check_count(batch_size, "batch_size", low=1, high=MAX_DRAWS)
    spec = RunSpec(allocation, objective, timing, seed)
    _check_spec(spec)
    net, scenario, opts, _ = options_for(net, scenario, country, options)
    table = _monte_carlo_configs(
        net, scenario, country, {"options": opts}, n, spec, executor, batch_size, progress,
    )
    return table.drop(columns="option")


#: Draws a network's Monte Carlo cache keeps (oldest runs dropped first): a report scores the
#: same draws without options in its sensitivity, both rankings and the frontier.
CACHE_DRAWS = 100_000


def _cache_key(scenario: Any, opts: Sequence[Any], n: int, spec: RunSpec,
               everyone: Sequence[str]) -> tuple[Any, ...] | None:
    """What a configuration's rows depend on, or None when it cannot be told (objects that
    are not documents). Without options the timing changes nothing and is left out."""
    from pydantic import BaseModel

    if not isinstance(scenario, BaseModel) or not all(isinstance(o, BaseModel) for o in opts):
        return None
    options = tuple(f"{type(o).__name__}:{o.model_dump_json()}" for o in opts)
    return (scenario.model_dump_json(), options, n, spec.allocation, spec.objective,
            spec.timing if opts else None, spec.seed, tuple(everyone))


def _cached_rows(net: Any, key: tuple[Any, ...] | None,
                 run: Callable[[], list[dict[str, dict[str, Any]]]],
                 progress: Callable[[int], None] | None) -> list[dict[str, dict[str, Any]]]:
    """``run()``'s rows, from the network's cache when ``key`` was run before (a copy:
    callers may edit theirs); ``progress`` hears of the draws a cache hit finished."""
    if key is None:
        return run()
    per: OrderedDict[tuple[Any, ...], list[dict[str, dict[str, Any]]]] = net.cached(
        "monte-carlo-rows", None, OrderedDict)
    rows = per.get(key)
    if rows is None:
        rows = run()
        per[key] = rows
        while sum(len(r) for r in per.values()) > CACHE_DRAWS and len(per) > 1:
            per.popitem(last=False)
    else:
        per.move_to_end(key)
        if progress:
            progress(len(rows))
    return [{c: dict(v) for c, v in row.items()} for row in rows]


def _monte_carlo_configs(
    net: Any,
    scenario: Any,
    country: str,
    configs: dict[str, list[Any]],
    n: int,
    spec: RunSpec,
    executor: Any,
    batch_size: int,
    progress: Callable[[int], None] | None,
    countries: Sequence[str] = (),
) -> pd.DataFrame:
    draws = draw_parameters(net, scenario, n, spec.seed)
    scenarios, parameters = _draw_inputs(net, scenario, draws)
    everyone = [country, *[c for c in countries if c != country]]
    batches = [
        (scenarios[i : i + batch_size], parameters[i : i + batch_size])
        for i in range(0, n, batch_size)
    ]
    frames = []
    for name, opts in configs.items():
        def run(opts: list[Any] = opts) -> list[dict[str, dict[str, Any]]]:
            structural = _structure_for(net, opts, everyone)
            return _run(executor, net, batches, opts, everyone, structural, spec, progress)

        # runs in the calling process are kept and shared (the same draws of the same
        # configuration give the same rows); an executor's runs are always made
        key = _cache_key(scenario, opts, n, spec, everyone) if executor is None else None
        rows = _cached_rows(net, key, run, progress)
        frame = draws.copy()
        frame.insert(0, "option", name)
        main = pd.DataFrame([r[country] for r in rows], index=draws.index)
        frame = pd.concat([frame, main], axis=1)
        for other in everyone[1:]:
            frame[f"score_{other}"] = [r[other]["score"] for r in rows]
        frames.append(frame)
    return pd.concat(frames).reset_index()


def _tariff_saving(net: Any, option: Any, scenario: Any, timing: str) -> float:
    """The tariff an option's relocations save over the scenario (0 without; docs/economics.md)."""
    if option is None or not len(getattr(net, "tariffs", ())):
        return 0.0
    from rareearth.economics import relocation_net_cost_usd

    return float(relocation_net_cost_usd(net, option, scenario, timing=timing)["tariff_saving_usd"])


def expanded(option: Any) -> list[Any]:
    """``option`` and every option it includes (``Option.expand``); other objects alone.

    Kept per option object (options are immutable; expanding loads the included built-ins,
    and the frontier asks for every portfolio's parts many times)."""
    if not hasattr(option, "expand"):
        return [option]
    hit = _EXPANDED.get(id(option))
    if hit is None or hit[0] is not option:
        if len(_EXPANDED) >= 4096:
            _EXPANDED.clear()
        hit = _EXPANDED[id(option)] = (option, tuple(option.expand()))
    return list(hit[1])


#: id(option) -> (option, its expansion): the option is kept, so its id is not reused.
_EXPANDED: dict[int, tuple[Any, tuple[Any, ...]]] = {}


def harm_tolerance(lost_value_usd: float) -> float:
    """Harm avoided below this (USD over the run) is rounding, not harm avoided: a millionth
    of the lost value without options, and at least one dollar."""
    return max(1.0, 1e-6 * abs(lost_value_usd))


def rank_options(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` in the default order: options that avoid harm first, by harm avoided per
    dollar (free ones first), then the rest (``none`` among them) by score and cost.

    An option that changes no flow, shortfall or price avoids no harm, so it can never rank
    above one that does, whatever it does to the resilience components.
    """
    avoids = table["harm_avoided_usd"] > harm_tolerance(float(table.loc["none", "value_at_risk_usd"]))
    per = table["harm_avoided_per_busd"].where(table["cost_usd"] > 0, math.inf)
    first = table[avoids].assign(_k=-per[avoids]).sort_values(["_k", "score"], kind="stable")
    rest = table[~avoids].sort_values(["score", "cost_usd"], kind="stable")
    ranked = pd.concat([first.drop(columns="_k"), rest])
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    ranked["avoids_harm"] = avoids.reindex(ranked.index).to_numpy()
    return ranked


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
    timing: str = "in_place",
    objective: str = "world",
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Rank cooperation options by the harm they avoid ``country`` per dollar.

    Each option is run alone on the same scenario; the row ``none`` is the scenario without
    options. **Harm avoided** (``harm_avoided_usd``) is the end-use value ``country`` loses
    without the option minus what it loses with it, over the run (the exposure metric
    ``value_at_risk_usd``). The default order (:func:`rank_options`) puts the options that
    avoid harm first, by harm avoided per dollar, then the rest by score: a stockpile that is
    never drawn, or a measure that changes nothing physical, cannot outrank one that keeps
    production running. The score change is split into its harm and resilience parts
    (``harm_delta``, ``resilience_delta``); the structural (resilience) component of each row
    is computed on the network with the option's contracts in force
    (:mod:`rareearth.contracts`). Relocation options move exposure between countries, so the
    partner countries of any ``Relocate`` measure get a ``score_CC`` column too.

    Parameters
    ----------
    options : sequence of Option or str, optional
        Default: every built-in option as a template for ``country``
        (:func:`default_options`: retargeted, and kept where it fits the network and can act
        in it; the table's ``attrs["skipped"]`` says why the others were left out). Options
        given explicitly must fit, or :class:`OptionError` names what is missing; a built-in
        name given as a string is taken as the template for ``country``.
    n : int
        With ``n > 0``, also run ``n`` Monte Carlo draws per option (the same draws for every
        option) and add ``p_beats_none`` (share of draws in which the option scores below
        ``none``), ``p_avoids_harm`` (share in which it avoids harm), ``p_top`` (share in which
        it scores lowest of all), the 5th, 50th and 95th percentiles of the score, the paired
        5-95% range of the score change (``delta_p05``, ``delta_p95``) and of the harm avoided
        (``harm_avoided_p05``, ``harm_avoided_p95``), each draw with the option against the
        same draw without.
    timing : {"in_place", "from_start"}
        ``in_place``: every option already built when the scenario begins ("had it been
        done"); ``from_start``: decided when the shock starts, each measure acting after its
        lead time and ramp.
    allocation : {"proportional", "optimal"}
    objective : {"world", "country"}
        For ``allocation="optimal"``: minimise the world's lost value, or ``country``'s first
        (its best case, a bound). The table's ``objective`` column says which.

    Returns
    -------
    pandas.DataFrame
        Indexed by option name, in the default order, with ``rank``, ``score``, ``delta``
        (score − none's), ``harm_delta``, ``resilience_delta``, ``harm_avoided_usd``,
        ``harm_avoided_per_busd`` (USD avoided per billion USD spent), ``cost_usd``,
        ``delta_per_busd``, ``lead_time_months``, ``avoids_harm``, ``timing``, ``objective``
        and the main metrics.

    Examples
    --------
    >>> import rareearth as ree
    >>> t = ree.compare(ree.examples.tiny(), ree.examples.embargo(), "JP",
    ...                 ["stockpile-180d", "recycling"])
    >>> t.index.tolist(), float(t.harm_avoided_usd["none"])
    (['stockpile-180d', 'recycling', 'none'], 0.0)
    """
    from rareearth.engine import simulate_many

    n = check_count(n, "n", low=0, high=MAX_DRAWS)
    spec = RunSpec(allocation, objective, timing, seed)
    _check_spec(spec)
    net, scenario, opts, skipped = options_for(net, scenario, country, options)
    partners = [c for c in _relocation_partners(opts, country) if c in net.country_codes]
    everyone = [country, *partners]
    configs: dict[str, list[Any]] = {"none": []}
    for opt in opts:
        configs[_option_name(opt)] = [opt]
    structures = [_structure_for(net, config, everyone) for config in configs.values()]
    results = simulate_many(
        net, [scenario] * len(configs), options=list(configs.values()), **score_record(net),
        **spec.simulate_kwargs(country),
    )
    rows = []
    for (name, config), result, struct in zip(configs.items(), results, structures, strict=True):
        row: dict[str, Any] = {"option": name}
        row.update(_flat(score_result(net, result, country, structural=struct[country])))
        for other in partners:
            row[f"score_{other}"] = score_result(net, result, other, structural=struct[other]).score
        option = config[0] if config else None
        row["cost_usd"] = float(getattr(option, "cost_usd", 0.0)) if option else 0.0
        row["tariff_saving_usd"] = _tariff_saving(net, option, scenario, timing)
        row["lead_time_months"] = float(getattr(option, "lead_time_months", 0.0)) if option else 0.0
        row["title"] = str(getattr(option, "title", "")) if option else "no option"
        rows.append(row)
    table = pd.DataFrame(rows).set_index("option")
    none = table.loc["none"]
    table["delta"] = table["score"] - none["score"]
    table["harm_delta"] = table["harm_points"] - none["harm_points"]
    table["resilience_delta"] = table["resilience_points"] - none["resilience_points"]
    table["harm_avoided_usd"] = none["value_at_risk_usd"] - table["value_at_risk_usd"]
    table["net_cost_usd"] = table["cost_usd"] - table["tariff_saving_usd"]
    if "output_lost_usd" in table.columns:  # the product tier: vehicles' output not lost
        table["output_avoided_usd"] = none["output_lost_usd"] - table["output_lost_usd"]
    for other in partners:
        table[f"delta_{other}"] = table[f"score_{other}"] - none[f"score_{other}"]
    cost_busd = table["cost_usd"] / 1e9
    positive = cost_busd.where(cost_busd > 0, 1.0)
    table["delta_per_busd"] = np.where(cost_busd > 0, table["delta"] / positive, math.nan)
    table["harm_avoided_per_busd"] = np.where(cost_busd > 0, table["harm_avoided_usd"] / positive,
                                              math.nan)
    table["timing"] = timing
    table["objective"] = spec.label
    if n > 0:
        draws = _monte_carlo_configs(
            net, scenario, country, configs, n, spec, executor, BATCH_SIZE, progress,
            countries=partners,
        )
        wide = draws.pivot(index="draw", columns="option", values="score")
        lost = draws.pivot(index="draw", columns="option", values="value_at_risk_usd")
        best = wide.min(axis=1)
        table["p_beats_none"] = [float((wide[o] < wide["none"] - 1e-9).mean()) for o in table.index]
        table["p_top"] = [float((wide[o] <= best + 1e-9).mean()) for o in table.index]
        avoided = lost.rsub(lost["none"], axis=0)
        tol = lost["none"].abs().mul(1e-6).clip(lower=1.0)
        table["p_avoids_harm"] = [float((avoided[o] > tol).mean()) for o in table.index]
        for q in (5, 50, 95):
            table[f"score_p{q:02d}"] = [float(np.percentile(wide[o], q)) for o in table.index]
        for q in (5, 95):  # paired: the same draw with and without the option
            table[f"delta_p{q:02d}"] = [
                float(np.percentile(wide[o] - wide["none"], q)) for o in table.index
            ]
            table[f"harm_avoided_p{q:02d}"] = [
                float(np.percentile(avoided[o], q)) for o in table.index
            ]
    order = ["score", "delta", "harm_delta", "resilience_delta", "harm_avoided_usd",
             "harm_avoided_per_busd", "cost_usd", "net_cost_usd", "delta_per_busd",
             "lead_time_months"]
    rest = [c for c in table.columns if c not in order and c != "title"]
    table = rank_options(table[[*order, *rest, "title"]])
    table.attrs["skipped"] = skipped
    table.attrs["timing"] = timing
    table.attrs["objective"] = spec.label
    return table
