"""``simulate`` and ``simulate_many``: scenarios and options in, :class:`SimulationResult` out."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import numpy as np

from rareearth.engine.core import IN_KEYS, OUT_KEYS, Allocator, Engine, ProportionalAllocator
from rareearth.engine.events import EventSchedule
from rareearth.engine.levers import Levers, compile_levers, lever_slots
from rareearth.engine.params import batch_parameters
from rareearth.engine.result import Batch, SimulationResult
from rareearth.engine.structure import END_USE, Structure, build_structure
from rareearth.errors import OptionError, RareEarthError

__all__ = ["ALLOCATIONS", "RECORD_ALL", "EngineError", "register_allocation", "simulate", "simulate_many"]

#: Everything :func:`simulate_many` can record (``record="all"``).
RECORD_ALL: frozenset[str] = frozenset({*IN_KEYS, *OUT_KEYS, "flows"})


class EngineError(RareEarthError, ValueError):
    """A bad argument to the engine: unknown allocation mode, record key, options."""


#: Allocation modes: name -> factory of an :class:`~rareearth.engine.core.Allocator`.
#: ``optimal`` registers itself here when its module is imported.
ALLOCATIONS: dict[str, Callable[[], Allocator]] = {"proportional": ProportionalAllocator}
_OPTIONAL_MODES = {"optimal": "rareearth.engine.optimal"}


def register_allocation(name: str, factory: Callable[[], Allocator]) -> None:
    """Make ``allocation=name`` available (used by the optimal-mode module)."""
    ALLOCATIONS[name] = factory


def _allocator(name: str) -> Allocator:
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
    return ALLOCATIONS[name]()


# ---------------------------------------------------------------------------- caching

_COMPILED: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
_STRUCTURES: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], Structure]] = (
    weakref.WeakKeyDictionary()
)


def _compiled(net: Any) -> Any:
    try:
        cached = _COMPILED.get(net)
    except TypeError:
        return net.compile()
    if cached is None:
        cached = net.compile()
        _COMPILED[net] = cached
    return cached


def _structure(net: Any, compiled: Any, extra_out: list[tuple[int, int]],
               extra_in: list[tuple[int, int]]) -> Structure:
    key = (tuple(sorted(set(extra_out))), tuple(sorted(set(extra_in))))
    try:
        per_net = _STRUCTURES.setdefault(net, {})
    except TypeError:
        return build_structure(compiled, extra_out=extra_out, extra_in=extra_in)
    if key not in per_net:
        per_net[key] = build_structure(compiled, extra_out=extra_out, extra_in=extra_in)
    return per_net[key]


# ---------------------------------------------------------------------------- options


def _to_levers(options: Any, net: Any, compiled: Any, scenario: Any) -> Levers:
    if options is None:
        return Levers()
    if isinstance(options, Levers):
        return options
    if hasattr(options, "to_levers"):
        lev = options.to_levers(net, compiled, scenario)
        if not isinstance(lev, Levers):
            raise OptionError(f"{options!r}.to_levers() returned {type(lev).__name__}, not Levers")
        return lev
    if isinstance(options, Sequence) and not isinstance(options, str | bytes):
        total = Levers()
        for item in options:
            total = total + _to_levers(item, net, compiled, scenario)
        return total
    raise OptionError(
        f"options: expected Levers or objects with to_levers(net, compiled, scenario); got "
        f"{type(options).__name__}"
    )


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
    net: Any,
    scenario: Any,
    options: Any = (),
    allocation: str = "proportional",
    seed: int = 0,
    parameters: Mapping[str, float] | None = None,
    *,
    record: str | Collection[str] = "all",
) -> SimulationResult:
    """Simulate one scenario month by month (MODEL.md §3).

    Parameters
    ----------
    net : SupplyNetwork
        The network (``ree.load_network``).
    scenario : Scenario
        Horizon and events.
    options : Levers, option objects with ``to_levers(net, compiled, scenario)``, or a list
        Cooperation options applied during the run; ``()`` for none.
    allocation : {"proportional", "optimal"}
        How output is shared among buyers (``optimal`` when its module is installed).
    seed : int
        Recorded in provenance; the engine itself draws no random numbers.
    parameters : dict, optional
        Overrides of engine parameters (``lead_time_months, ramp_rate_per_month, price_cap,
        recycling_rate, substitution_max_per_year``) and ``elasticity_scale``.
    record : "all" or collection of str
        What to record (see :func:`simulate_many`).

    Returns
    -------
    SimulationResult

    Raises
    ------
    ScenarioError
        The scenario names a country, node, sector or commodity the network lacks.
    EngineError
        Unknown allocation mode or record key.

    Examples
    --------
    >>> import rareearth as ree
    >>> from rareearth.scenario import Scenario
    >>> net = ree.load_network("world-2024")  # doctest: +SKIP
    >>> res = simulate(net, Scenario(name="calm", start="2025-01", months=3))  # doctest: +SKIP
    >>> float(res.timeseries["shortfall"].sum())  # doctest: +SKIP
    0.0
    """
    return simulate_many(
        net, [scenario], options=options, allocation=allocation, seed=seed,
        parameters=parameters, record=record,
    )[0]


def simulate_many(
    net: Any,
    scenarios: Sequence[Any],
    options: Any = (),
    allocation: str = "proportional",
    seed: int = 0,
    parameters: Mapping[str, float] | Sequence[Mapping[str, float] | None] | None = None,
    *,
    record: str | Collection[str] = "all",
    record_nodes: str = "all",
) -> list[SimulationResult]:
    """Simulate a batch of scenarios in one pass through the array core.

    Every month runs once for all scenarios together (arrays with a scenario axis), so a batch
    costs far less than the same runs one by one; the results are identical.

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
    record : "all" or collection of str
        Per-node arrays to keep: any of ``demand, received, used, shortfall, stock_in,
        rerouted_in, released, produced, shipped, stock_out, capacity, rerouted_out`` and
        ``flows`` (edge and rerouted flows, needed by ``result.flows``). Prices and national
        stockpiles are always kept. Memory is 8 bytes × T × slots × S per key; for large
        batches keep what you need, e.g. ``("demand", "shortfall")``.
    record_nodes : {"all", "end_use"}
        Record every node, or only end-use nodes (other cells of ``arrays`` are NaN).

    Returns
    -------
    list of SimulationResult
        One per scenario, in order.

    Examples
    --------
    >>> import rareearth as ree
    >>> net = ree.load_network("world-2024")  # doctest: +SKIP
    >>> sc = ree.load_scenario("china-2010")  # doctest: +SKIP
    >>> runs = simulate_many(net, [sc, sc.scaled(severity=0.5)],
    ...                      record=("demand", "shortfall"))  # doctest: +SKIP
    >>> len(runs)  # doctest: +SKIP
    2
    """
    from rareearth import __version__

    scenarios = list(scenarios)
    if not scenarios:
        return []
    allocator = _allocator(allocation)
    keys = set(RECORD_ALL) if record == "all" else set(record)
    unknown = keys - RECORD_ALL
    if unknown or (isinstance(record, str) and record != "all"):
        raise EngineError(
            f"record: unknown key(s) {', '.join(sorted(unknown)) or record!r}; allowed: 'all' or "
            f"any of {', '.join(sorted(RECORD_ALL))}"
        )
    if record_nodes not in ("all", "end_use"):
        raise EngineError(f"record_nodes: must be 'all' or 'end_use' (got {record_nodes!r})")
    for scenario in scenarios:
        scenario.validate_for(net)
    compiled = _compiled(net)
    option_rows = _per_scenario_options(options, len(scenarios))
    levers = [_to_levers(o, net, compiled, sc) for o, sc in zip(option_rows, scenarios, strict=True)]
    extra_out, extra_in = lever_slots(compiled, levers)
    structure = _structure(net, compiled, extra_out, extra_in)
    months = max(int(sc.months) for sc in scenarios)
    params = batch_parameters(compiled.parameters, parameters, len(scenarios))
    schedule = EventSchedule(structure, net, scenarios, months)
    lever_arrays = compile_levers(structure, levers, months)
    record_in = record_out = None
    if record_nodes == "end_use":
        record_in = np.arange(*structure.in_range[END_USE])
        record_out = np.zeros(0, dtype=np.int64)
        keys.discard("flows")
    engine = Engine(structure, schedule, lever_arrays, params, months, keys, allocator,
                    record_in=record_in, record_out=record_out)
    raw = engine.run()
    batch = Batch(net=net, structure=structure, raw=raw, record_in=record_in, record_out=record_out)
    _ = np.random.default_rng(seed)  # the engine draws nothing; the seed is kept for provenance
    results = []
    for s, (scenario, opts) in enumerate(zip(scenarios, option_rows, strict=True)):
        provenance = {
            "package": "rareearth",
            "version": __version__,
            "dataset": getattr(net, "name", ""),
            "digest": getattr(net, "digest", ""),
            "scenario": scenario.to_dict() if hasattr(scenario, "to_dict") else repr(scenario),
            "options": _describe_options(opts),
            "allocation": allocation,
            "seed": int(seed),
            "parameters": params.row(s),
        }
        results.append(SimulationResult(batch, s, scenario, provenance))
    return results
