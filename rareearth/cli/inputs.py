"""Loading what a verb names: the dataset, the scenario, the options, the country.

Each file or folder read is noted in :data:`~rareearth.cli.base.INPUTS`, so that no output
lands on or inside an input. Country codes are case-insensitive (``jp`` is ``JP``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from rareearth.cli.base import INPUTS, UsageError
from rareearth.errors import UnknownNameError

if TYPE_CHECKING:
    from dask.distributed import Client

    from rareearth.cooperation import Option
    from rareearth.network import SupplyNetwork
    from rareearth.protocols import NetworkLike
    from rareearth.scenario import Scenario

__all__ = ["check_country", "executor", "input_file", "network", "options", "scenario"]


def network(dataset: str | None, scenario: Scenario | None = None) -> SupplyNetwork:
    """Load ``--dataset``, or the dataset the scenario names."""
    from rareearth.data import dataset_path
    from rareearth.network import load_network

    name = dataset or getattr(scenario, "dataset", None)
    if not name:
        raise UsageError(
            "missing --dataset (the scenario names none): give a built-in name or a folder"
        )
    INPUTS.append(dataset_path(name))
    return load_network(name)


def input_file(name: str) -> str:
    """Note ``name`` as an input when it is a file (a scenario or option given by path)."""
    if os.path.lexists(name):
        INPUTS.append(Path(name))
    return name


def scenario(name: str) -> Scenario:
    """A built-in scenario or a scenario file."""
    from rareearth.scenario import load_scenario

    return load_scenario(input_file(name))


def options(names: Sequence[str] | None, country: str | None = None) -> list[Option]:
    """Options by name or file; with ``country``, a built-in name is taken as the template for
    that country (``--country US --option stockpile-180d`` is the US's stockpile)."""
    from rareearth.cooperation import OPTIONS, load_option

    builtins = set(OPTIONS.names()) if country else set()
    return [load_option(name, country=country) if name in builtins
            else load_option(input_file(name)) for name in names or ()]


def check_country(net: NetworkLike, country: str) -> str:
    """The network's code for ``country``, matched without regard to case (``jp`` -> ``JP``)."""
    codes = {str(c).upper(): str(c) for c in net.country_codes}
    if country.upper() not in codes:
        raise UnknownNameError(
            f"unknown country {country!r} in dataset {net.name!r}: "
            f"use one of {', '.join(net.country_codes)}"
        )
    return codes[country.upper()]


def executor(scheduler: str | None) -> Client | None:
    """A ``dask.distributed.Client`` for ``--scheduler``, or None (run here)."""
    if scheduler is None:
        return None
    try:
        from dask.distributed import Client
    except ImportError as err:
        raise typer.BadParameter(
            "needs dask: pip install 'rareearth[distributed]'", param_hint="--scheduler"
        ) from err
    try:
        return Client(scheduler, timeout="10s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as err:
        raise typer.BadParameter(
            f"cannot connect to the scheduler at {scheduler!r} ({err})", param_hint="--scheduler"
        ) from err
