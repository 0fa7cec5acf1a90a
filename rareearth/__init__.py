"""rareearth: the rare-earth supply chain as a directed graph, disruptions month by month,
exposure scores and cooperation options.

>>> import rareearth as ree
>>> "world-2024" in ree.datasets()
True
>>> net = ree.examples.tiny()  # a small illustrative network, computable by hand
>>> res = ree.simulate(net, ree.examples.embargo())  # CN stops every export to JP
>>> round(float(res.shortfall("JP")["magnet"].sum()), 1)  # t of magnets JP's end uses lack
77.4

Public names are loaded lazily so that ``import rareearth`` stays fast and the command line
starts quickly; each lives in the module named in ``_PUBLIC``. Module names never collide with
public function names (``ree.options()`` is a function, its module is ``rareearth.cooperation``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from rareearth.errors import (
    ArgumentError,
    BalanceError,
    DataError,
    EngineError,
    OptimalError,
    OptionError,
    OutputError,
    ParameterError,
    RareEarthError,
    ScenarioError,
    UnknownNameError,
)

__version__ = "0.1.0"

# public name -> (module, attribute); attribute None means the module itself
_PUBLIC: dict[str, tuple[str, str | None]] = {
    "datasets": ("rareearth.data", "datasets"),
    "load_network": ("rareearth.network", "load_network"),
    "SupplyNetwork": ("rareearth.network", "SupplyNetwork"),
    "CompiledNetwork": ("rareearth.network", "CompiledNetwork"),
    "scenarios": ("rareearth.scenario", "scenarios"),
    "load_scenario": ("rareearth.scenario", "load_scenario"),
    "Scenario": ("rareearth.scenario", "Scenario"),
    "options": ("rareearth.cooperation", "options"),
    "load_option": ("rareearth.cooperation", "load_option"),
    "Option": ("rareearth.cooperation", "Option"),
    "simulate": ("rareearth.engine", "simulate"),
    "simulate_many": ("rareearth.engine", "simulate_many"),
    "SimulationResult": ("rareearth.engine", "SimulationResult"),
    "exposure": ("rareearth.scoring", "exposure"),
    "ExposureScore": ("rareearth.scoring", "ExposureScore"),
    "compare": ("rareearth.ranking", "compare"),
    "monte_carlo": ("rareearth.ranking", "monte_carlo"),
    "frontier": ("rareearth.portfolios", "frontier"),
    "sensitivity": ("rareearth.sensitivity_analysis", "sensitivity"),
    "report": ("rareearth.reporting", "report"),
    "indicators": ("rareearth.indicators", None),
    "plot": ("rareearth.plot", None),
    "synthetic": ("rareearth.synthetic", None),
    "examples": ("rareearth.examples", None),
}

__all__ = [
    "ArgumentError",
    "BalanceError",
    "DataError",
    "EngineError",
    "OptimalError",
    "OptionError",
    "OutputError",
    "ParameterError",
    "RareEarthError",
    "ScenarioError",
    "UnknownNameError",
    "__version__",
    *_PUBLIC,
]


def __getattr__(name: str) -> object:
    try:
        module_name, attribute = _PUBLIC[name]
    except KeyError:
        raise AttributeError(f"module 'rareearth' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # give type checkers and IDEs the real names
    # ruff: noqa: F401
    from rareearth import examples, indicators, plot, synthetic
    from rareearth.cooperation import Option, load_option, options
    from rareearth.data import datasets
    from rareearth.engine import SimulationResult, simulate, simulate_many
    from rareearth.network import CompiledNetwork, SupplyNetwork, load_network
    from rareearth.portfolios import frontier
    from rareearth.ranking import compare, monte_carlo
    from rareearth.reporting import report
    from rareearth.scenario import Scenario, load_scenario, scenarios
    from rareearth.scoring import ExposureScore, exposure
    from rareearth.sensitivity_analysis import sensitivity
