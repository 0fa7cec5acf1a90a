"""``simulate`` and ``simulate_many``: scenarios and options in, :class:`SimulationResult` out."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np

from rareearth.compiled import CompiledNetwork
from rareearth.engine.allocation import Allocator
from rareearth.engine.core import Engine
from rareearth.engine.events import EventSchedule
from rareearth.engine.levers import Levers, compile_levers, input_factor_key, lever_slots
from rareearth.engine.params import batch_parameters
from rareearth.engine.proportional import ProportionalAllocator
from rareearth.engine.record import IN_KEYS, OUT_KEYS, RECORD_ALL
from rareearth.engine.result import Batch, SimulationResult
from rareearth.engine.structure import Structure, build_structure
from rareearth.errors import ArgumentError, EngineError, OptionError
from rareearth.limits import check_count
from rareearth.protocols import NetworkArg, NetworkLike, OptionsArg, ScenarioArg

__all__ = ["ALLOCATIONS", "RECORD_ALL", "EngineError", "register_allocation", "simulate", "simulate_many"]

# RECORD_ALL: everything :func:`simulate_many` can record (``record="all"``), from
# :data:`rareearth.engine.record.REGISTRY`; ``country`` is the set of per-country aggregates.
#: ``record="auto"`` records everything while the record of a batch stays below this size, and
#: only the per-country aggregates above it (a 10^4-node network, 100 scenarios and 120 months
#: would need about 10 GB for every node-level array).
AUTO_RECORD_BYTES = 1 << 30


#: Allocation modes: name -> factory of an :class:`~rareearth.engine.allocation.Allocator`.
#: ``optimal`` registers itself here when its module is imported.
ALLOCATIONS: dict[str, Callable[[], Allocator]] = {"proportional": ProportionalAllocator}
_OPTIONAL_MODES = {"optimal": "rareearth.engine.optimal"}


def register_allocation(name: str, factory: Callable[[], Allocator]) -> None:
    """Make ``allocation=name`` available (used by the optimal-mode module)."""
    ALLOCATIONS[name] = factory


def _allocator(name: str, priority: str | None = None) -> Allocator:
    if priority is not None and name != "optimal":
        raise EngineError(
            f"priority: only allocation='optimal' can put one country's lost value first "
            f"(got allocation={name!r}, priority={priority!r}); the proportional mode has no "
            "objective")
    if name not in ALLOCATIONS and name in _OPTIONAL_MODES:
        try:
            __import__(_OPTIONAL_MODES[name])
        except ImportError as err:
            raise EngineError(
                f"allocation {name!r} is not available in this installation ({err})"
            ) from err
    if name not in ALLOCATIONS:
        known = sorted({*ALLOCATIONS, *_OPTIONAL_MODES})
        raise EngineError(f"unknown allocation {name!r}; allowed: {', '.join(known)}")
    if priority is not None:
        return ALLOCATIONS[name](priority=priority)  # type: ignore[call-arg]
    return ALLOCATIONS[name]()


# ---------------------------------------------------------------------------- caching

def _compiled(net: NetworkLike) -> CompiledNetwork:
    return net.compile()  # built once, kept with the network


def _structure(net: NetworkLike, compiled: CompiledNetwork, extra_out: list[tuple[int, int]],
               extra_in: list[tuple[int, int]]) -> Structure:
    key = (tuple(sorted(set(extra_out))), tuple(sorted(set(extra_in))))
    return net.cached("engine.structure", key, lambda: build_structure(
        compiled, extra_out=extra_out, extra_in=extra_in))


# ---------------------------------------------------------------------------- options


def _is_option(item: Any) -> bool:
    """A cooperation option (``rareearth.cooperation.Option``): measures, no ``to_levers``."""
    return hasattr(item, "measures") and not hasattr(item, "to_levers")


def _flatten(options: Any) -> list[Any]:
    if options is None:
        return []
    if isinstance(options, Levers) or hasattr(options, "to_levers") or _is_option(options):
        return [options]
    if isinstance(options, Sequence) and not isinstance(options, str | bytes):
        return [x for item in options for x in _flatten(item)]
    raise OptionError(
        "options: expected Levers, cooperation options, or objects with "
        f"to_levers(net, compiled, scenario); got {type(options).__name__}"
    )


def _resolve_options(
    net: Any, options: Any, months: int, timing: str
) -> tuple[Any, Levers, list[Any]]:
    """The network to run (edited by options that change it), the Levers of the options that
    are the same for every scenario, and the objects whose levers depend on the scenario.

    Cooperation options go through :func:`rareearth.engine.measures.apply_options` (which may
    edit the network: new end-use nodes); ``Levers`` are used as they are; any other object
    must have ``to_levers(net, compiled, scenario)`` (see :func:`_scenario_levers`).
    """
    items = _flatten(options)
    coop = [x for x in items if _is_option(x)]
    run_net = net
    shared = Levers()
    if coop:
        from rareearth.engine.measures import apply_options

        run_net, shared = apply_options(
            net, coop, months, timing="from_start" if timing == "from_start" else "in_place"
        )
    for item in items:
        if isinstance(item, Levers):
            shared = shared + item
    dynamic = [x for x in items if not isinstance(x, Levers) and not _is_option(x)]
    return run_net, shared, dynamic


def _scenario_levers(run_net: Any, shared: Levers, dynamic: list[Any], scenario: Any) -> Levers:
    """``shared`` plus the levers of the scenario-dependent option objects."""
    if not dynamic:
        return shared
    compiled = _compiled(run_net)
    lev = shared
    for item in dynamic:
        got = item.to_levers(run_net, compiled, scenario)
        if not isinstance(got, Levers):
            raise OptionError(f"{item!r}.to_levers() returned {type(got).__name__}, not Levers")
        lev = lev + got
    return lev


def _network_key(net: Any, run_net: Any) -> Any:
    """Identifies the network a scenario runs on: the given one, or an edited copy (options
    edit only the demand table, new end-use nodes, and a relocation the product tier's
    production); equal edits share one network."""
    if run_net is net:
        return None
    # kept with the edited network (apply_options reuses one edited network for every
    # portfolio that makes the same edit, so the hash is computed once)
    return run_net.cached("table-hash", None, partial(_hash_tables, run_net))


def _hash_tables(run_net: Any) -> tuple[bytes, ...]:
    import pandas as pd

    tables = [run_net.demand.drop(columns=["country", "sector"], errors="ignore"),
              run_net.recipes]
    production = getattr(run_net, "product_production", None)
    if isinstance(production, pd.DataFrame) and len(production):
        tables.append(production)
    return tuple(pd.util.hash_pandas_object(t, index=False).to_numpy().tobytes() for t in tables)


def _batches(
    net: Any, option_rows: list[Any], scenarios: list[Any], months: int, timing: str
) -> list[tuple[Any, list[int], list[Levers]]]:
    """Scenarios grouped into batches: (network, members, one Levers per member).

    A batch needs one network and one set of Leontief coefficients (input factors); everything
    else (capacity, demand factors, offtakes, stockpiles, recycling, lead times) is a lever per
    scenario, so scenarios with different options share a batch.
    """
    # (options, network key, network, shared levers, scenario-dependent objects)
    resolved: list[tuple[Any, Any, Any, Levers, list[Any]]] = []
    groups: dict[Any, tuple[Any, list[int], list[Levers]]] = {}
    nets: dict[Any, Any] = {}
    for s, row in enumerate(option_rows):
        match = next((r for r in resolved if r[0] is row or _same(r[0], row)), None)
        if match is None:
            run_net, shared, dynamic = _resolve_options(net, row, months, timing)
            net_key = _network_key(net, run_net)
            run_net = nets.setdefault(net_key, run_net)
            match = (row, net_key, run_net, shared, dynamic)
            resolved.append(match)
        _, net_key, run_net, shared, dynamic = match
        lev = _scenario_levers(run_net, shared, dynamic, scenarios[s])
        key = (net_key, input_factor_key(lev, months))
        group = groups.setdefault(key, (run_net, [], []))
        group[1].append(s)
        group[2].append(lev)
    return list(groups.values())


def _per_scenario_options(options: Any, n: int) -> list[Any]:
    """``options`` for all scenarios, or a list of per-scenario option lists."""
    if (
        isinstance(options, Sequence)
        and not isinstance(options, str | bytes)
        and len(options) > 0
        and all(isinstance(o, list | tuple) for o in options)
    ):
        if len(options) != n:
            raise EngineError(
                f"options: got {len(options)} per-scenario option lists for {n} scenarios"
            )
        return list(options)
    return [options] * n


def _record_bytes(structure: Structure, keys: set[str], months: int, n_scenarios: int) -> int:
    """Bytes that recording ``keys`` for a batch would take."""
    slots = sum(structure.n_in for k in keys if k in IN_KEYS)
    slots += sum(structure.n_out for k in keys if k in OUT_KEYS)
    if "flows" in keys:
        slots += structure.n_edges
    return 8 * months * n_scenarios * slots


def _param_rows(parameters: Any, n: int) -> list[Mapping[str, float] | None]:
    if parameters is None or isinstance(parameters, Mapping):
        return [parameters] * n
    if isinstance(parameters, str | bytes) or not isinstance(parameters, Sequence):
        raise EngineError(
            "parameters: give one dict of overrides, or a list of dicts (or None) per scenario "
            f"(got {type(parameters).__name__})"
        )
    rows = list(parameters)
    for s, row in enumerate(rows):
        if row is not None and not isinstance(row, Mapping):
            raise EngineError(f"parameters[{s}]: must be a dict of overrides or None")
    if len(rows) != n:
        raise EngineError(
            f"parameters: got {len(rows)} override dicts for {n} scenarios; give one dict for "
            "all, or one per scenario"
        )
    return rows


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (ValueError, TypeError):  # arrays inside Levers compare elementwise: treat as different
        return False


def _describe_options(options: Any) -> Any:
    if options is None or isinstance(options, Levers):
        return repr(options) if options is not None and not options.empty else []
    if hasattr(options, "to_dict"):
        return options.to_dict()
    if hasattr(options, "name"):
        return str(options.name)
    if isinstance(options, Sequence) and not isinstance(options, str | bytes):
        return [_describe_options(o) for o in options]
    return repr(options)


# ---------------------------------------------------------------------------- public


def simulate(
    net: NetworkArg,
    scenario: ScenarioArg,
    options: OptionsArg = (),
    allocation: str = "proportional",
    seed: int = 0,
    parameters: Mapping[str, float] | None = None,
    *,
    record: str | Collection[str] = "auto",
    timing: str = "in_place",
    priority: str | None = None,
) -> SimulationResult:
    """Simulate one scenario month by month (MODEL.md §3).

    Parameters
    ----------
    net : SupplyNetwork or str
        The network (``ree.load_network``), or a dataset name or folder.
    scenario : Scenario or str
        Horizon and events, or a built-in scenario name or a .yaml/.json file.
    options : Levers, option objects with ``to_levers(net, compiled, scenario)``, or a list
        Cooperation options applied during the run; ``()`` for none.
    allocation : {"proportional", "optimal"}
        How output is shared among buyers (``optimal`` when its module is installed).
    seed : int
        Recorded in provenance; the engine itself draws no random numbers.
    parameters : dict, optional
        Overrides of engine parameters (``lead_time_months, ramp_rate_per_month, price_cap,
        recycling_rate, substitution_max_per_year``) and ``elasticity_scale``.
    record : "auto", "all" or collection of str
        What to record (see :func:`simulate_many`).
    timing : {"in_place", "from_start"}
        When cooperation options take effect (see :func:`simulate_many`).
    priority : str, optional
        With ``allocation="optimal"``: a country whose lost value comes first (see
        :func:`simulate_many`).

    Returns
    -------
    SimulationResult

    Raises
    ------
    ScenarioError
        The scenario names a country, node, sector or commodity the network lacks.
    EngineError
        Unknown allocation mode or record key; ``priority`` without ``allocation="optimal"``.

    Examples
    --------
    >>> from rareearth import examples
    >>> from rareearth.scenario import Scenario
    >>> net = examples.tiny()
    >>> res = simulate(net, Scenario(name="calm", start="2025-01", months=3))
    >>> float(res.timeseries["shortfall"].sum())
    0.0
    """
    return simulate_many(
        net, [scenario], options=options, allocation=allocation, seed=seed,
        parameters=parameters, record=record, timing=timing, priority=priority,
    )[0]


def simulate_many(
    net: NetworkArg,
    scenarios: Sequence[ScenarioArg],
    options: OptionsArg = (),
    allocation: str = "proportional",
    seed: int = 0,
    parameters: Mapping[str, float] | Sequence[Mapping[str, float] | None] | None = None,
    *,
    record: str | Collection[str] = "auto",
    record_nodes: str = "all",
    timing: str = "in_place",
    priority: str | None = None,
) -> list[SimulationResult]:
    """Simulate a batch of scenarios in one pass through the array core.

    Every month runs once for all scenarios together (arrays with a scenario axis), so a batch
    costs far less than the same runs one by one; the results are identical. Scenarios with
    different options share a batch too: only options that edit the network (a relocation
    that creates an end-use node) or change the Leontief coefficients (substitution inside
    magnets) need batches of their own, one per distinct edit.

    Parameters
    ----------
    net : SupplyNetwork
    scenarios : sequence of Scenario
        May differ in start and length; the batch runs for the longest.
    options : Levers, option objects, a list of them, or a list of per-scenario lists
        A list whose items are all lists/tuples gives each scenario its own options.
    allocation : {"proportional", "optimal"}
    seed : int
        Recorded in provenance.
    parameters : dict or list of dict, optional
        Overrides for every scenario, or one dict (or None) per scenario.
    record : "auto", "all" or collection of str
        What to keep: per-node arrays ``demand, received, used, shortfall, stock_in,
        rerouted_in, released, produced, shipped, stock_out, capacity, rerouted_out``,
        ``flows`` (edge and rerouted flows, needed by ``result.flows``) and ``country``
        (per-country aggregates, see :data:`~rareearth.engine.result.ARRAY_KEYS`). Prices and
        national stockpiles are always kept. A per-node key costs 8 bytes × months × slots ×
        scenarios, and writing it costs time too; ``"auto"`` (default) is ``"all"`` when that
        stays under 1 GB for the batch, else ``("country",)``.
    record_nodes : {"all", "end_use"}
        Record every node, or only end-use nodes (other cells of ``arrays`` are NaN).
    timing : {"in_place", "from_start"}
        For cooperation options: already in place when the scenario begins, or decided at its
        start and built over their lead times (see :mod:`rareearth.engine.measures`).
    priority : str, optional
        A country code. With ``allocation="optimal"`` the LP puts that country's end-use lost
        value first and the world's second: its shortfall weights are multiplied by
        :data:`rareearth.engine.optimal.PRIORITY_MULTIPLIER` × the largest weight over its
        smallest, so one tonne of its shortfall costs more than a thousand tonnes of anyone
        else's (a lexicographic objective through a large multiplier). Provenance records
        ``objective``: ``"world"`` or ``"country:JP"``. Any other allocation raises
        EngineError.

    Returns
    -------
    list of SimulationResult
        One per scenario, in order.

    Examples
    --------
    >>> from rareearth import examples
    >>> net = examples.tiny()
    >>> sc = examples.embargo(6)
    >>> runs = simulate_many(net, [sc, sc.scaled(severity=0.5)],
    ...                      record=("demand", "shortfall"))
    >>> len(runs), sorted(runs[0].arrays)[:3]
    (2, ['demand', 'price', 'price_domestic'])
    """
    from rareearth import __version__, _arguments

    net = _arguments.network(net)
    seed = check_count(seed, "seed", low=0, high=2**64 - 1)
    if isinstance(scenarios, str | bytes) or not isinstance(scenarios, Sequence):
        raise ArgumentError(
            f"scenarios: must be a list of scenarios (got {type(scenarios).__name__})"
        )
    scenarios = loaded = [_arguments.scenario(sc) for sc in scenarios]
    if not scenarios:
        return []
    allocator = _allocator(allocation, priority)
    keys = set(RECORD_ALL) if record in ("all", "auto") else set(record)
    unknown = keys - RECORD_ALL
    if unknown or (isinstance(record, str) and record not in ("all", "auto")):
        raise EngineError(
            f"record: unknown key(s) {', '.join(sorted(unknown)) or record!r}; allowed: 'auto', 'all' or "
            f"any of {', '.join(sorted(RECORD_ALL))}"
        )
    if timing not in ("in_place", "from_start"):
        raise EngineError(f"timing: must be 'in_place' or 'from_start' (got {timing!r})")
    if record_nodes not in ("all", "end_use"):
        raise EngineError(f"record_nodes: must be 'all' or 'end_use' (got {record_nodes!r})")
    # scenarios are checked against the network while their events are compiled
    # (EventSchedule), which calls scenario.validate_for(net) for its message on a misfit
    n = len(scenarios)
    option_rows = _per_scenario_options(options, n)
    param_rows = _param_rows(parameters, n)
    months = max(int(sc.months) for sc in loaded)
    if priority is not None:
        _check_priority(net, priority)
    results: list[SimulationResult | None] = [None] * n
    for run_net, members, levers in _batches(net, option_rows, scenarios, months, timing):
        compiled = _compiled(run_net)
        extra_out, extra_in = lever_slots(compiled, levers)
        structure = _structure(run_net, compiled, extra_out, extra_in)
        params = batch_parameters(compiled.parameters, [param_rows[s] for s in members], len(members))
        schedule = EventSchedule(structure, run_net, [scenarios[s] for s in members], months)
        lever_arrays = compile_levers(structure, levers, months)
        record_in = record_out = None
        keys_b = set(keys)
        if record == "auto" and _record_bytes(structure, keys_b, months, len(members)) > AUTO_RECORD_BYTES:
            keys_b = {"country"}
        if record_nodes == "end_use":
            record_in = np.arange(*structure.in_range[structure.end_use])
            record_out = np.zeros(0, dtype=np.int64)
            keys_b.discard("flows")
        engine = Engine(structure, schedule, lever_arrays, params, months, keys_b, allocator,
                        record_in=record_in, record_out=record_out)
        raw = engine.run()
        batch = Batch(net=run_net, structure=structure, raw=raw, record_in=record_in,
                      record_out=record_out)
        for b, s in enumerate(members):
            scenario = scenarios[s]
            provenance = {
                "package": "rareearth",
                "version": __version__,
                "dataset": getattr(net, "name", ""),
                "digest": getattr(net, "digest", ""),
                "scenario": scenario.to_dict() if hasattr(scenario, "to_dict") else repr(scenario),
                "options": _describe_options(option_rows[s]),
                "timing": timing,
                "allocation": allocation,
                "objective": (None if allocation != "optimal" else
                              "world" if priority is None else f"country:{priority}"),
                "seed": int(seed),
                "parameters": params.row(b),
            }
            results[s] = SimulationResult(batch, b, scenario, provenance)
    return [r for r in results if r is not None]


def _check_priority(net: Any, priority: str) -> None:
    countries = list(getattr(net, "country_codes", []))
    if priority not in countries:
        raise EngineError(
            f"priority: unknown country {priority!r} in {getattr(net, 'name', 'the network')!r}; "
            f"its countries: {', '.join(countries)}")
