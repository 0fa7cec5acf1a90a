"""The arguments every public entry point takes, resolved and checked in one place.

``simulate``, ``exposure``, ``monte_carlo`` and ``compare`` take a network, a scenario and
options either as objects or as names (a built-in name or a path), like the command line. A
value of the wrong kind is an :class:`~rareearth.errors.ArgumentError` that says what is
allowed, never an ``AttributeError`` from deep inside the engine.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rareearth.errors import ArgumentError

if TYPE_CHECKING:
    from rareearth.protocols import NetworkLike
    from rareearth.scenario import Scenario

__all__ = ["network", "option", "scenario"]


def _kind(value: Any) -> str:
    return type(value).__name__


def network(net: object) -> NetworkLike:
    """A network: a ``SupplyNetwork`` as it is, or a dataset name or folder loaded."""
    if isinstance(net, str | os.PathLike):
        from rareearth.network import load_network

        return load_network(net if isinstance(net, str) else Path(net))
    if not callable(getattr(net, "compile", None)):
        raise ArgumentError(
            "net: must be a SupplyNetwork (rareearth.load_network), a built-in dataset name "
            f"or a dataset folder (got {_kind(net)})"
        )
    return cast("NetworkLike", net)


def scenario(sc: object) -> Scenario:
    """A scenario: a ``Scenario`` as it is, a name or file loaded, a mapping validated."""
    if isinstance(sc, str | os.PathLike):
        from rareearth.scenario import load_scenario

        return load_scenario(sc)
    if isinstance(sc, Mapping):
        from rareearth.scenario import Scenario

        return Scenario.from_dict(dict(sc))
    if not all(hasattr(sc, name) for name in ("start", "months", "events")):
        raise ArgumentError(
            "scenario: must be a Scenario (rareearth.load_scenario), a built-in scenario name "
            f"or a .yaml/.json file (got {_kind(sc)})"
        )
    return cast("Scenario", sc)


def option(opt: Any) -> Any:
    """An option: a name or file loaded, anything else as it is (the engine checks its kind)."""
    if isinstance(opt, str | os.PathLike):
        from rareearth.cooperation import load_option

        return load_option(opt)
    if opt is None:
        raise ArgumentError(
            "options: an item is None; give Option objects, built-in option names or files"
        )
    return opt
