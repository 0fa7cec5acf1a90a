"""The built-in catalog: documents shipped in this folder, listed, loaded, shown and checked.

``scenarios/<name>.yaml`` and ``options/<name>.yaml`` are read through one :class:`Catalog`
each (``rareearth.scenario.SCENARIOS``, ``rareearth.cooperation.OPTIONS``); both load a
built-in by name or any ``.yaml``/``.yml``/``.json`` file by path. A built-in name never reaches
outside this folder: names are lower-case letters, digits and ``-`` only.

To add a built-in scenario or option, put its YAML file in ``catalog/scenarios/`` or
``catalog/options/`` (the file name is its ``name``); nothing else is registered.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel

from rareearth.catalog.documents import parse_document, read_document, validate_document
from rareearth.catalog.fields import _NAME_RE
from rareearth.catalog.messages import _short
from rareearth.errors import RareEarthError, UnknownNameError

if TYPE_CHECKING:
    from rareearth.protocols import NetworkLike

__all__ = ["Catalog", "catalog_names", "load_document"]

M = TypeVar("M", bound=BaseModel)


def _catalog(kind: str) -> Traversable:
    return resources.files("rareearth.catalog").joinpath(kind)


def catalog_names(kind: str) -> list[str]:
    """Names of the built-in documents of ``kind`` (``scenarios`` or ``options``), sorted."""
    folder = _catalog(kind)
    if not folder.is_dir():
        return []
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_document(
    name_or_path: str | os.PathLike[str],
    *,
    kind: str,
    what: str,
    model: type[M],
    error: type[RareEarthError],
    tags: Mapping[str, type[BaseModel]],
) -> M:
    """Load a built-in by name (``catalog/<kind>/<name>.yaml``) or a .yaml/.yml/.json path."""
    if not isinstance(name_or_path, str | os.PathLike):
        raise error(
            f"a {what} is a built-in name or a path to a .yaml, .yml or .json file "
            f"(got {type(name_or_path).__name__})"
        )
    text_arg = os.fspath(name_or_path)
    if not isinstance(text_arg, str) or "\x00" in text_arg:
        raise error(f"{_short(text_arg)} is not a {what} name or a file path")
    suffix = Path(text_arg).suffix.lower()
    if isinstance(name_or_path, os.PathLike) or suffix in (".yaml", ".yml", ".json"):
        path = Path(name_or_path)
        if suffix not in (".yaml", ".yml", ".json"):
            raise error(f"{path}: unknown file type {suffix!r}; use .yaml, .yml or .json")
        text = read_document(path, error)
        source = str(path)
        expected_name = None
    else:
        if not _NAME_RE.match(text_arg):
            raise error(
                f"{text_arg!r} is neither a built-in {what} name (lower-case letters, digits "
                "and '-') nor a path to a .yaml, .yml or .json file"
            )
        known = catalog_names(kind)
        if text_arg not in known:
            close = difflib.get_close_matches(text_arg, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UnknownNameError(
                f"unknown built-in {what} {text_arg!r}{hint} (built-in: {', '.join(known)}; "
                "or give a path to a .yaml/.json file)"
            )
        text = _catalog(kind).joinpath(f"{text_arg}.yaml").read_text(encoding="utf-8")
        source, suffix, expected_name = f"catalog/{kind}/{text_arg}.yaml", ".yaml", text_arg
    loaded = validate_document(model, parse_document(text, source, suffix, error), source, error, tags)
    if expected_name is not None and getattr(loaded, "name", None) != expected_name:
        raise error(f"{source}: name: must equal the file name {expected_name!r}")
    return loaded


class _Shown(Protocol):
    def to_yaml(self) -> str: ...

    def to_json(self) -> str: ...


class _Checkable(Protocol):
    def validate_for(self, net: Any) -> None: ...


D = TypeVar("D", bound=BaseModel)


@dataclass
class Catalog(Generic[D]):
    """One kind of built-in document: its folder, model, error and how a listing shows it.

    Parameters
    ----------
    kind : str
        The folder under ``rareearth/catalog`` (``"scenarios"``, ``"options"``).
    what : str
        The document's name in messages (``"scenario"``).
    model : type
        The pydantic model a document validates to.
    error : type
        The :class:`~rareearth.errors.RareEarthError` its problems raise.
    tags : mapping
        The event or measure types its messages name.
    columns : tuple of str
        Columns of :meth:`listing`.
    row : callable
        One document's row of :meth:`listing` (column -> value).

    Built-ins are read from the package once; each :meth:`load` returns its own copy.

    Examples
    --------
    >>> from rareearth.scenario import SCENARIOS
    >>> "china-2010" in SCENARIOS.names()
    True
    >>> SCENARIOS.load("china-2010").months
    24
    >>> SCENARIOS.listing()[0]["dataset"]
    'world-2009'
    >>> print(SCENARIOS.show(SCENARIOS.load("china-2010")).splitlines()[0])
    name: china-2010
    """

    kind: str
    what: str
    model: type[D]
    error: type[RareEarthError]
    tags: Mapping[str, type[BaseModel]]
    columns: tuple[str, ...] = ("name",)
    row: Callable[[D], dict[str, Any]] | None = None
    _cache: dict[str, D] = field(default_factory=dict, repr=False, compare=False)

    def names(self) -> list[str]:
        """Names of the built-ins, sorted."""
        return catalog_names(self.kind)

    def is_builtin(self, name: object) -> bool:
        """Whether ``name`` is the name of a built-in (a path never is)."""
        return isinstance(name, str) and name in self.names()

    def load(self, name_or_path: str | os.PathLike[str]) -> D:
        """A built-in by name, or a ``.yaml``/``.yml``/``.json`` file by path."""
        if isinstance(name_or_path, str) and name_or_path in self._cache:
            return self._cache[name_or_path].model_copy(deep=True)
        loaded = load_document(name_or_path, kind=self.kind, what=self.what, model=self.model,
                               error=self.error, tags=self.tags)
        if self.is_builtin(name_or_path):
            self._cache[str(name_or_path)] = loaded.model_copy(deep=True)
        return loaded

    def listing(self) -> list[dict[str, Any]]:
        """One row per built-in (the :attr:`columns`), in name order."""
        rows = []
        for name in self.names():
            document = self.load(name)
            row = self.row(document) if self.row is not None else {"name": name}
            rows.append({column: row.get(column) for column in self.columns})
        return rows

    def template(self) -> str:
        """A commented template of a document: every type and field."""
        from rareearth.templates import document_template

        return document_template(self.what)

    @staticmethod
    def show(document: _Shown, fmt: Literal["yaml", "json"] = "yaml") -> str:
        """The document as YAML or JSON text that reads back equal."""
        return document.to_json() if fmt == "json" else document.to_yaml()

    @staticmethod
    def validate(document: _Checkable, net: NetworkLike) -> None:
        """Check ``document`` against a network (its ``validate_for``)."""
        document.validate_for(net)
