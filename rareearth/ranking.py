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
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rareearth.limits import MAX_DRAWS, check_count
from rareearth.montecarlo import (  # noqa: F401  (kept importable from here)
    BATCH_SIZE,
    CACHE_DRAWS,
    _cache_key,
    _cached_rows,
    _draw_inputs,
    _flat,
    _monte_carlo_configs,
    _run,
    _score_batch,
    _split_uniform,
    _structure_for,
    draw_parameters,
    score_record,
)
from rareearth.scoring import (
    RunSpec,
    _check_spec,
    resolve_options,
    score_result,
)

if TYPE_CHECKING:
    from rareearth.cooperation import Option
    from rareearth.protocols import ExecutorLike, NetworkArg, NetworkLike, OptionItem, ScenarioArg
    from rareearth.scenario import Scenario

__all__ = ["compare", "default_options", "draw_parameters", "monte_carlo", "options_for",
           "rank_options"]

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


def default_options(net: NetworkLike, country: str) -> tuple[list[Option], dict[str, str]]:
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


def options_for(net: NetworkArg, scenario: ScenarioArg, country: str,
                options: Sequence[OptionItem] | None
                ) -> tuple[NetworkLike, Scenario, list[Any], dict[str, str]]:
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


def monte_carlo(
    net: NetworkArg,
    scenario: ScenarioArg,
    country: str,
    n: int = 1000,
    seed: int = 0,
    options: Sequence[OptionItem] = (),
    executor: ExecutorLike | None = None,
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
    net: NetworkArg,
    scenario: ScenarioArg,
    country: str,
    options: Sequence[OptionItem] | None = None,
    *,
    n: int = 0,
    seed: int = 0,
    executor: ExecutorLike | None = None,
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
