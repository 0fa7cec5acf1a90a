"""What the engine, the indicators and the options need of a network, a scenario and an option.

:class:`NetworkLike` is the network's contract: :class:`~rareearth.network.SupplyNetwork`
satisfies it, and so does any object with the same read-only tables, labels, cache and
``compile()``/``replace()`` (typing only: nothing here is checked at run time). The argument
aliases name what the public calls (``ree.simulate``, ...) accept.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeVar

if TYPE_CHECKING:
    import pandas as pd

    from rareearth.compiled import CompiledNetwork
    from rareearth.cooperation import Option
    from rareearth.engine.levers import Levers
    from rareearth.scenario import Scenario

__all__ = [
    "ExecutorLike",
    "FutureLike",
    "LeverSource",
    "NetworkArg",
    "NetworkLike",
    "OptionItem",
    "OptionsArg",
    "ScenarioArg",
    "ScenarioLike",
]

_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)


class NetworkLike(Protocol):
    """A supply network as the engine and the indicators read it (see the module docstring).

    Tables are pandas DataFrames as described on :class:`~rareearth.network.SupplyNetwork`;
    every one is a read-only view.
    """

    @property
    def name(self) -> str: ...
    @property
    def digest(self) -> str: ...
    @property
    def path(self) -> Path | None: ...
    @property
    def stages(self) -> tuple[str, ...]: ...
    @property
    def sectors(self) -> tuple[str, ...]: ...
    @property
    def country_codes(self) -> list[str]: ...
    @property
    def material_ids(self) -> list[str]: ...
    @property
    def commodities(self) -> list[str]: ...
    @property
    def node_ids(self) -> list[str]: ...
    @property
    def parameters(self) -> dict[str, float]: ...
    @property
    def countries(self) -> pd.DataFrame: ...
    @property
    def materials(self) -> pd.DataFrame: ...
    @property
    def producers(self) -> pd.DataFrame: ...
    @property
    def flows(self) -> pd.DataFrame: ...
    @property
    def recipes(self) -> pd.DataFrame: ...
    @property
    def demand(self) -> pd.DataFrame: ...
    @property
    def stocks(self) -> pd.DataFrame: ...
    @property
    def stockpiles(self) -> pd.DataFrame: ...
    @property
    def nodes(self) -> pd.DataFrame: ...
    @property
    def products(self) -> pd.DataFrame: ...
    @property
    def product_inputs(self) -> pd.DataFrame: ...
    @property
    def product_production(self) -> pd.DataFrame: ...
    @property
    def economy(self) -> pd.DataFrame: ...
    @property
    def product_trade(self) -> pd.DataFrame: ...
    @property
    def tariffs(self) -> pd.DataFrame: ...

    def recipe(self, node: str) -> dict[str, float]: ...
    def compile(self) -> CompiledNetwork: ...
    def cached(self, purpose: str, key: Hashable, make: Callable[[], _T]) -> _T: ...
    def replace(self, **changes: object) -> NetworkLike: ...


class ScenarioLike(Protocol):
    """What the engine reads of a scenario (:class:`~rareearth.scenario.Scenario` has it)."""

    @property
    def name(self) -> str: ...
    @property
    def start(self) -> str: ...
    @property
    def months(self) -> int: ...


class LeverSource(Protocol):
    """An object the engine turns into levers for each scenario (``to_levers``)."""

    def to_levers(self, net: NetworkLike, compiled: CompiledNetwork,
                  scenario: Scenario) -> Levers: ...


#: A network argument: the network, or a built-in dataset name or a dataset folder.
NetworkArg: TypeAlias = "NetworkLike | str | os.PathLike[str]"
#: A scenario argument: a Scenario, its dict form, a built-in name or a .yaml/.json file.
ScenarioArg: TypeAlias = "Scenario | Mapping[str, object] | str | os.PathLike[str]"
#: One option: an Option, Levers, a lever source, a built-in name or a .yaml/.json file.
OptionItem: TypeAlias = "Option | Levers | LeverSource | str | os.PathLike[str]"
_OptionItem: TypeAlias = OptionItem
#: Options: one option or a list of them.
OptionsArg: TypeAlias = "_OptionItem | Sequence[_OptionItem | Sequence[_OptionItem]] | None"


class FutureLike(Protocol[_T_co]):
    """A future's result (``concurrent.futures.Future``, ``dask.distributed.Future``)."""

    def result(self) -> _T_co: ...


class ExecutorLike(Protocol):
    """What Monte Carlo and the frontier need of an executor: ``submit(fn, *args)`` returning
    a future (``concurrent.futures`` executors, a ``dask.distributed.Client``, which may also
    ``scatter`` the network to its workers once)."""

    def submit(self, func: Callable[..., _T], /, *args: Any,
               **kwargs: Any) -> FutureLike[_T]: ...

