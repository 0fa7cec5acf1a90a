"""The ``RareEarthError`` family.

Every error a user can cause (a bad dataset, scenario or option, an unknown name) is one of these.
A message says what was wrong, where (file:row:column or field) and what is allowed. Each class
also subclasses the builtin it refines (``ValueError`` or ``KeyError``-like lookups as
``LookupError``), so generic ``except ValueError`` code keeps working.
"""

from __future__ import annotations

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
]


class RareEarthError(Exception):
    """Base class of every error that ``rareearth`` raises on purpose."""


class DataError(RareEarthError, ValueError):
    """A dataset is malformed: bad row, unknown reference, imbalance, wrong unit.

    ``problems`` holds every problem found (a file's problems are reported together).
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems) if problems else [message]
        super().__init__(message)


class ScenarioError(RareEarthError, ValueError):
    """A scenario is malformed or does not fit the network it is run on."""


class OptionError(RareEarthError, ValueError):
    """A cooperation option is malformed or does not fit the network."""


class UnknownNameError(RareEarthError, LookupError):
    """A built-in name (dataset, scenario, option, country) that does not exist."""

    def __str__(self) -> str:  # LookupError would quote the message like a KeyError
        return str(self.args[0]) if self.args else ""


class ArgumentError(RareEarthError, TypeError, ValueError):
    """A library call got an argument of the wrong kind or out of bounds (``n=-5``, ``None``
    for a network). Both a ``TypeError`` and a ``ValueError``, so either ``except`` catches it."""


class OutputError(RareEarthError, ValueError):
    """An output path that ``rareearth`` refuses to write: a directory, a device, a symbolic
    link, or one of the inputs of the same command."""


class BalanceError(RareEarthError, ArithmeticError):
    """A simulation result breaks conservation (``SimulationResult.check_balance``): a node
    received, made or shipped more or less than its stocks account for. ``report`` holds the
    :class:`~rareearth.engine.balance.BalanceReport` with every violation."""

    def __init__(self, message: str, report: object = None) -> None:
        self.report = report
        super().__init__(message)


class EngineError(RareEarthError, ValueError):
    """A bad argument to the engine: unknown allocation mode, record key, options."""


class ParameterError(RareEarthError, ValueError):
    """An unknown or out-of-range engine parameter override."""


class OptimalError(RareEarthError, RuntimeError):
    """The month's linear program could not be solved (a numerical failure of HiGHS)."""
