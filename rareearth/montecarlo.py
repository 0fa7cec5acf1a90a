"""Monte Carlo's draws, batches and their scores (:func:`rareearth.ranking.monte_carlo` and the
draws of :func:`rareearth.ranking.compare` and the frontier).

Draws are made up front from one ``numpy.random.default_rng(seed)`` and sent through the array
engine in batches, so the results are identical whatever runs the batches: the calling process,
any ``concurrent.futures.Executor``, or a ``dask.distributed.Client``. Runs in the calling
process are kept per network (:data:`CACHE_DRAWS`), so a report's rankings share their draws.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pydantic import PrivateAttr

from rareearth.economics import ECONOMY_DRAWS, loss_metrics_many
from rareearth.limits import MAX_DRAWS, check_count
from rareearth.scenario import Scenario, check_scales
from rareearth.scoring import (
    ExposureScore,
    RunSpec,
    _score_parts,
    headline_points,
    structural_indicators,
)

if TYPE_CHECKING:
    from rareearth.protocols import NetworkLike

__all__ = ["BATCH_SIZE", "CACHE_DRAWS", "draw_parameters", "score_record"]

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


def draw_parameters(net: NetworkLike, scenario: Scenario, n: int, seed: int = 0) -> pd.DataFrame:
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


class _Draw(Scenario):
    """One Monte Carlo draw of a scenario: ``scenario.scaled(severity, duration)``, field for
    field, built without validation (the scaled events are valid by construction). Its
    :meth:`to_dict`, which each run's provenance records, is the scenario it was drawn from
    plus the two scales (``"draw"``), so thousands of draws are not each dumped."""

    _described: dict[str, Any] = PrivateAttr(default_factory=dict)

    @classmethod
    def of(cls, scenario: Any, events: list[Any], described: dict[str, Any], severity: float,
           duration: float) -> _Draw:
        fields = {name: getattr(scenario, name) for name in type(scenario).model_fields}
        fields["events"] = events
        draw = cls.model_construct(_fields_set={*scenario.model_fields_set, "events"}, **fields)
        draw._described = {**described, "draw": {"severity_scale": severity,
                                                  "duration_scale": duration}}
        return draw

    def to_dict(self) -> dict[str, Any]:
        """The scenario drawn from (a shallow copy of its document) and the draw's scales."""
        return dict(self._described)


def _draw_inputs(net: Any, scenario: Any, draws: pd.DataFrame) -> tuple[list[Any], list[dict[str, float]]]:
    """Each draw's scenario (``scenario.scaled`` by its severity and duration scales, the events
    scaled as arrays over the draws) and its parameter overrides."""
    from rareearth.event_draws import scaled_events_many

    lead = float(net.parameters.get("lead_time_months", 3.0))
    severity = draws["severity_scale"].to_numpy(dtype=float)
    duration = draws["duration_scale"].to_numpy(dtype=float)
    check_scales("severity", severity)
    check_scales("duration", duration)
    described = scenario.to_dict() if hasattr(scenario, "to_dict") else {"name": scenario.name}
    scenarios = []
    events = scaled_events_many(scenario.events, severity, duration)
    for evs, s, d in zip(events, severity.tolist(), duration.tolist(), strict=True):
        scenarios.append(_Draw.of(scenario, evs, described, s, d))
    names = [k for k in draws.columns if not k.endswith("_scale")]
    values = draws[names].to_numpy(dtype=float).tolist() if names else [[]] * len(draws)
    elasticity = draws["elasticity_scale"].to_numpy(dtype=float).tolist()
    lead_scale = draws["lead_time_scale"].to_numpy(dtype=float).tolist()
    parameters = []
    for row, e, lt in zip(values, elasticity, lead_scale, strict=True):
        p = dict(zip(names, row, strict=True))
        p["elasticity_scale"] = e
        p["lead_time_months"] = lead * lt
        parameters.append(p)
    return scenarios, parameters


def score_record(net: NetworkLike) -> dict[str, Any]:
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
    # the product tier of the whole batch at once (one build_units call over the draws)
    losses = loss_metrics_many(results, countries, [d or None for d in economy])
    out = []
    for result, draws, loss in zip(results, economy, losses, strict=True):
        row = {}
        for c in countries:  # the table's columns only: no ExposureScore, no split by material
            points, metrics, _ = _score_parts(net, result, c, structural=structural[c],
                                              economy=draws or None, economic=loss[c])
            row[c] = _flat_parts(points, metrics)
        out.append(row)
    return out


def _flat_parts(points: dict[str, float], metrics: dict[str, float]) -> dict[str, Any]:
    """:func:`_flat` of the score these parts make (``scoring._score_parts``), the same values."""
    flat: dict[str, Any] = headline_points(points)
    flat.update({m: float(metrics[m]) for m in _METRICS
                 if m in metrics and not math.isnan(metrics[m])})
    flat.update({f"points_{k}": float(v) for k, v in points.items()})
    return flat


def _flat(score: ExposureScore) -> dict[str, Any]:
    flat: dict[str, Any] = {"score": score.score, "harm_points": score.harm,
                            "resilience_points": score.resilience}
    # the product tier's metrics are NaN on a dataset without one: left out, not NaN columns
    flat.update({m: score.metrics[m] for m in _METRICS
                 if m in score.metrics and not math.isnan(score.metrics[m])})
    flat.update({f"points_{k}": v for k, v in score.components.items()})
    return flat


def _score_draws(
    net: Any,
    scenario: Any,
    draws: pd.DataFrame,
    options: list[Any],
    countries: list[str],
    structural: dict[str, dict[str, dict[str, float]]],
    spec: RunSpec,
) -> list[dict[str, dict[str, Any]]]:
    """:func:`_score_batch` of the runs that ``draws`` (rows of :func:`draw_parameters`) make
    of ``scenario``: an executor's task, sent the draws as arrays and building their scenarios
    where it runs (in parallel, and a fraction of the bytes of the scaled scenarios)."""
    scenarios, parameters = _draw_inputs(net, scenario, draws)
    return _score_batch(net, scenarios, parameters, options, countries, structural, spec)


def _run(
    executor: Any,
    net: Any,
    scenario: Any,
    draws: list[pd.DataFrame],
    inputs: Callable[[], list[tuple[list[Any], list[dict[str, float]]]]],
    options: list[Any],
    countries: list[str],
    structural: dict[str, dict[str, dict[str, float]]],
    spec: RunSpec,
    progress: Callable[[int], None] | None,
) -> list[dict[str, dict[str, Any]]]:
    """The rows of every batch: ``draws`` are the batches' rows of :func:`draw_parameters`,
    ``inputs()`` their scenarios and parameters built in this process (once for all the
    configurations a call runs); an executor is sent the draws instead."""
    args = (options, countries, structural, spec)
    if executor is None:
        rows: list[dict[str, dict[str, Any]]] = []
        for scenarios, params in inputs():
            rows += _score_batch(net, scenarios, params, *args)
            if progress:
                progress(len(scenarios))
        return rows
    payload = net
    extra: dict[str, Any] = {}
    if hasattr(executor, "scatter"):  # a dask.distributed.Client: ship the network once, and
        # under a key of its own: the content-hash key is shared by the frontier's successive
        # runs, and re-scattering it while the last run's copy is being released loses it
        # ("lost dependencies": dask/distributed#8576; stumpy-dev/stumpy#289)
        payload = executor.scatter(net, broadcast=True, hash=False)
        extra = {"pure": False}  # skip hashing the draws into task keys
    futures = [executor.submit(_score_draws, payload, scenario, d, *args, **extra) for d in draws]
    rows = []
    for future, batch in zip(futures, draws, strict=True):
        rows += future.result()
        if progress:
            progress(len(batch))
    return rows


def _structure_for(net: Any, options: Sequence[Any], countries: Sequence[str]) -> dict[str, dict[str, dict[str, float]]]:
    from rareearth.contracts import contracted_network

    edited = contracted_network(net, options)
    return {c: structural_indicators(edited, c) for c in countries}


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
    everyone = [country, *[c for c in countries if c != country]]
    slices = [draws.iloc[i : i + batch_size] for i in range(0, n, batch_size)]
    built: list[tuple[list[Any], list[dict[str, float]]]] = []

    def inputs() -> list[tuple[list[Any], list[dict[str, float]]]]:
        if not built:  # once, and only if some configuration is not in the cache
            scenarios, parameters = _draw_inputs(net, scenario, draws)
            built.extend((scenarios[i : i + batch_size], parameters[i : i + batch_size])
                         for i in range(0, n, batch_size))
        return built

    frames = []
    for name, opts in configs.items():
        def run(opts: list[Any] = opts) -> list[dict[str, dict[str, Any]]]:
            structural = _structure_for(net, opts, everyone)
            return _run(executor, net, scenario, slices, inputs, opts, everyone, structural,
                        spec, progress)

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
