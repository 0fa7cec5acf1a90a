"""Scenario and option documents: field types, files, the built-in catalog, network checks.

The built-in catalog is this folder: ``scenarios/<name>.yaml`` and ``options/<name>.yaml``.
This package holds what :mod:`rareearth.scenario` and :mod:`rareearth.cooperation` share, one
job per module:

* :mod:`~rareearth.catalog.fields`: field types that validate codes, dates and commodity lists
  with readable messages, and the frozen model base;
* :mod:`~rareearth.catalog.messages`: pydantic's errors as one line per problem,
  ``file: events[0].severity: must be ≤ 1 (got 1.5)``;
* :mod:`~rareearth.catalog.documents`: reading a ``.yaml``/``.yml``/``.json`` document
  (bounded, no duplicate keys) and writing one back (atomically) so that it reads back equal;
* :mod:`~rareearth.catalog.builtins`: the built-in documents, one :class:`Catalog` per kind
  (list, load by name or path, show, validate);
* here, :func:`resolve_commodities` and :class:`NetworkIndex`, which check names against a
  network by duck typing (``country_codes``, ``commodities``, ``node_ids``, ``demand``,
  ``materials``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from rareearth.catalog.builtins import Catalog, catalog_names, load_document
from rareearth.catalog.documents import Document, dump_yaml, save_document, validate_document
from rareearth.catalog.fields import (
    COMMODITY_ALIASES,
    NAME_PATTERN,
    PRODUCING_STAGES,
    Commodities,
    CountryCode,
    DateText,
    FrozenModel,
    MonthText,
    ProducingStage,
    Targets,
)
from rareearth.catalog.messages import FieldError, describe_error
from rareearth.errors import RareEarthError, ScenarioError
from rareearth.protocols import NetworkLike
from rareearth.records import MAGNET, parse_node_id, sector_of

__all__ = [
    "COMMODITY_ALIASES",
    "NAME_PATTERN",
    "PRODUCING_STAGES",
    "Catalog",
    "Commodities",
    "CountryCode",
    "DateText",
    "Document",
    "FieldError",
    "FrozenModel",
    "MonthText",
    "NetworkIndex",
    "ProducingStage",
    "Targets",
    "catalog_names",
    "describe_error",
    "dump_yaml",
    "load_document",
    "resolve_commodities",
    "save_document",
    "validate_document",
]


# ---------------------------------------------------------------------------- network look-ups


def _known(values: Iterable[str], limit: int = 20) -> str:
    items = sorted(set(values))
    shown = ", ".join(items[:limit])
    return shown + (f", … ({len(items)} in all)" if len(items) > limit else "") if items else "none"


def _material_groups(net: Any) -> dict[str, str]:
    """Material id -> group ('light'/'heavy') from ``net.materials`` (id as column or index)."""
    materials = getattr(net, "materials", None)
    if materials is None or "group" not in getattr(materials, "columns", ()):
        return {}
    ids = materials["id"] if "id" in materials.columns else materials.index
    return {str(i): str(g) for i, g in zip(ids, materials["group"], strict=True)}


def resolve_commodities(
    spec: Literal["all"] | Sequence[str],
    net: NetworkLike,
    *,
    where: str = "commodities",
    error: type[RareEarthError] = ScenarioError,
) -> list[str]:
    """Commodity ids of ``net`` named by ``spec`` ("all", or ids and aliases), in network order.

    Parameters
    ----------
    spec : "all" or list of str
        Commodity ids, or the aliases ``heavy``, ``light``, ``materials``.
    net : SupplyNetwork-like
        Needs ``commodities`` (list of str) and, for aliases, ``materials`` (a DataFrame with
        ``group`` and ``id`` as column or index).
    where : str
        Field named in error messages.
    error : type
        Exception class raised (``ScenarioError`` or ``OptionError``).

    Raises
    ------
    ScenarioError
        An id that the network lacks, or an alias that matches no material.

    Examples
    --------
    >>> import pandas as pd
    >>> class Net:
    ...     commodities = ["NdPr", "DyTb", "LaCe", "magnet"]
    ...     materials = pd.DataFrame({"id": ["NdPr", "DyTb", "LaCe"],
    ...                               "group": ["light", "heavy", "light"]})
    >>> resolve_commodities(["magnet", "heavy"], Net())
    ['DyTb', 'magnet']
    """
    known = [str(c) for c in net.commodities]
    if spec == "all":
        return known
    groups = _material_groups(net)
    wanted: set[str] = set()
    for name in spec:
        if name in ("heavy", "light"):
            members = {m for m, g in groups.items() if g == name}
            if not members:
                raise error(
                    f"{where}: alias {name!r} matches no material of this network "
                    f"(materials and groups: {_known(f'{m}={g}' for m, g in groups.items())})"
                )
            wanted |= members
        elif name == "materials":
            wanted |= {c for c in known if c != MAGNET}
        elif name in known:
            wanted.add(name)
        else:
            raise error(
                f"{where}: unknown commodity {name!r}; this network has {_known(known)} "
                f"(aliases: {', '.join(COMMODITY_ALIASES)})"
            )
    return [c for c in known if c in wanted]


class NetworkIndex:
    """Sets of names a network declares, built once per validation."""

    def __init__(self, net: NetworkLike) -> None:
        self.net = net
        self.countries = {str(c) for c in net.country_codes}
        self.nodes = {str(n) for n in net.node_ids}
        self.stages: dict[str, set[str]] = {}
        for node in self.nodes:
            parsed = parse_node_id(node)
            self.stages.setdefault(parsed.country, set()).add(parsed.stage)
        self.sectors: dict[str, set[str]] = {}
        for node in net.demand["node"]:
            parsed = parse_node_id(str(node))
            self.sectors.setdefault(parsed.country, set()).add(sector_of(str(node)))
        # (node, commodity) pairs that produce something
        producers = net.producers
        self.made: set[tuple[str, str]] | None = {
            (str(n), str(c)) for n, c in zip(producers["node"], producers["commodity"], strict=True)
        }

    def country(self, code: str, where: str) -> str | None:
        if code in self.countries:
            return None
        close = difflib.get_close_matches(code, sorted(self.countries), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"{where}: unknown country {code!r}{hint} (this network has {_known(self.countries)})"

    def node(self, node: str, where: str) -> str | None:
        if node in self.nodes:
            return None
        close = difflib.get_close_matches(node, sorted(self.nodes), n=3)
        hint = f"; close: {', '.join(close)}" if close else ""
        return f"{where}: unknown node {node!r}{hint}"

    def stage(self, country: str, stage: str, where: str) -> str | None:
        if country not in self.countries:
            return self.country(country, where)
        have = self.stages.get(country, set())
        if stage in have:
            return None
        return (
            f"{where}: {country} has no {stage} node in this network "
            f"(its nodes: {_known(n for n in self.nodes if n.startswith(country + ':'))})"
        )

    def sector(self, country: str, sector: str, where: str) -> str | None:
        if country not in self.countries:
            return self.country(country, where)
        have = self.sectors.get(country, set())
        if (sector == "all" and have) or sector in have:
            return None
        return f"{where}: {country} has no end-use sector {sector!r} (its sectors: {_known(have)})"

    def makes(self, nodes: Iterable[str], commodity: str, where: str) -> str | None:
        nodes = list(nodes)
        if self.made is None or any((n, commodity) in self.made for n in nodes):
            return None
        return f"{where}: {', '.join(nodes)} makes no {commodity} in this network"

    def nodes_of(self, country: str, stage: str) -> list[str]:
        return sorted(
            n for n in self.nodes if parse_node_id(n).country == country
            and parse_node_id(n).stage == stage
        )

    def commodities(
        self, spec: Literal["all"] | Sequence[str], where: str, error: type[RareEarthError]
    ) -> str | None:
        try:
            resolve_commodities(spec, self.net, where=where, error=error)
        except error as err:
            return str(err)
        return None
