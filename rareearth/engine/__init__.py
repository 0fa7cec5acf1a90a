"""The simulation engine: a supply network month by month under scenarios and options.

Public entry points are :func:`simulate` and :func:`simulate_many`; results are
:class:`SimulationResult`. Options enter as :class:`Levers` (or objects with ``to_levers``).

Modules, one job each:

``structure``  slots, stage ranges and sparse incidence matrices of a compiled network
``events``     scenario events → per-month arrays (the only module that knows event classes)
``levers``     cooperation options in engine form
``params``     per-scenario engine parameters
``core``       the month step over a batch (``Engine``) and the proportional allocator
``result``     ``SimulationResult``
``run``        ``simulate``, ``simulate_many``, allocation-mode registry

Examples
--------
>>> from rareearth.engine import simulate, Levers
>>> callable(simulate), Levers().empty
(True, True)
"""

from __future__ import annotations

from rareearth.engine.core import Allocator, Engine, ProportionalAllocator
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
    "Offtake",
    "ProportionalAllocator",
    "RecyclingIncrease",
    "SimulationResult",
    "StockpileOverride",
    "register_allocation",
    "simulate",
    "simulate_many",
]
