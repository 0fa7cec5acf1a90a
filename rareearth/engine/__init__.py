"""The simulation engine: a supply network month by month under scenarios and options.

Public entry points are :func:`simulate` and :func:`simulate_many`; results are
:class:`SimulationResult`. Options enter as :class:`Levers` (or objects with ``to_levers``).

Modules, one job each:

``structure``     slots, stage ranges and sparse incidence matrices of a compiled network
``events``        scenario events → per-month arrays (the only module that knows event classes)
``levers``        cooperation options in engine form (``measures``: options → levers)
``params``        per-scenario engine parameters
``state``         what a month reads and writes: ``RunState``, ``MonthFlows``, ``Rerouted``
``core``          the month step over a batch (``Engine``)
``allocation``    the allocator contract: ``Allocator``, ``MonthContext``
``proportional``  the proportional allocator (``optimal``, ``optimal_program``: the LP one)
``cuts``          restriction and quota cuts on baseline edges
``transit``       held orders and cross-border transit
``prices``        price index and demand response
``record``        the recording registry and ``Recorder``
``kernels``       compiled passes (``kernels_flow``, ``kernels_month``, ``kernel_base``,
                  ``bundles``: their named-tuple arguments)
``result``        ``SimulationResult``
``run``           ``simulate``, ``simulate_many``, allocation-mode registry

Examples
--------
>>> from rareearth.engine import simulate, Levers
>>> callable(simulate), Levers().empty
(True, True)
"""

from __future__ import annotations

from rareearth.engine.allocation import Allocator, MonthContext
from rareearth.engine.core import Engine
from rareearth.engine.levers import (
    CapacityAddition,
    DemandAddition,
    DemandFactor,
    LeadTime,
    Levers,
    Offtake,
    RecyclingIncrease,
    StockpileOverride,
)
from rareearth.engine.proportional import ProportionalAllocator
from rareearth.engine.result import ARRAY_KEYS, SimulationResult
from rareearth.engine.run import EngineError, register_allocation, simulate, simulate_many

__all__ = [
    "ARRAY_KEYS",
    "Allocator",
    "CapacityAddition",
    "DemandAddition",
    "DemandFactor",
    "Engine",
    "EngineError",
    "LeadTime",
    "Levers",
    "MonthContext",
    "Offtake",
    "ProportionalAllocator",
    "RecyclingIncrease",
    "SimulationResult",
    "StockpileOverride",
    "register_allocation",
    "simulate",
    "simulate_many",
]
