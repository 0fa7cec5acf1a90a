"""Scenario and option documents: field types, files, the built-in catalog, network checks.

The built-in catalog is this folder: ``scenarios/<name>.yaml`` and ``options/<name>.yaml``.
This module holds what :mod:`rareearth.scenario` and :mod:`rareearth.cooperation` share:

* field types that validate codes, dates and commodity lists with readable messages;
* reading a document (a built-in name or a ``.yaml``/``.yml``/``.json`` path) and turning
  pydantic's errors into one line per problem, ``file: events[0].severity: must be ≤ 1 (got
  1.5)``; writing a document back (atomically) so that it reads back equal;
* :func:`resolve_commodities` and :class:`NetworkIndex`, which check names against a network
  by duck typing (``country_codes``, ``commodities``, ``node_ids``, ``demand``, ``materials``).

A built-in name never reaches outside this folder: names are lower-case letters, digits and
``-`` only.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import re
import reprlib
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Protocol, TypeVar, get_args

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic._internal._model_construction import ModelMetaclass

from rareearth.atomic import write_text
from rareearth.data import _no_duplicate_keys
from rareearth.errors import RareEarthError, ScenarioError, UnknownNameError
from rareearth.limits import FIRST_YEAR, LAST_YEAR, MAX_DEPTH, MAX_DOCUMENT_BYTES, MAX_NODES
from rareearth.protocols import NetworkLike
from rareearth.records import MAGNET, parse_node_id, sector_of

__all__ = [
    "COMMODITY_ALIASES",
    "NAME_PATTERN",
    "PRODUCING_STAGES",
    "Commodities",
    "CountryCode",
    "DateText",
    "FieldError",
    "FrozenModel",
    "MonthText",
    "NetworkIndex",
    "ProducingStage",
    "Targets",
    "catalog_names",
    "dump_yaml",
    "load_document",
    "resolve_commodities",
    "save_document",
    "validate_document",
]

#: Aliases a commodity list may hold, resolved against ``net.materials`` (column ``group``).
COMMODITY_ALIASES: dict[str, str] = {
    "heavy": "every material whose group is 'heavy'",
    "light": "every material whose group is 'light'",
    "materials": "every material (no magnets)",
}
#: Stages whose capacity a shock or a new plant can change (``end_use`` has demand instead).
ProducingStage = Literal["mining", "separation", "metal", "magnet"]
PRODUCING_STAGES: tuple[str, ...] = get_args(ProducingStage)
#: A built-in name or a document's ``name``.
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]*$"

_COUNTRY_RE = re.compile(r"^[A-Z][A-Z0-9]{1,3}$")
_NAME_RE = re.compile(NAME_PATTERN)
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


class _Checked(ModelMetaclass):
    """Calling a model class (``Scenario(months=10**9)``) raises the model's ``error``, a
    :class:`RareEarthError` naming the field, instead of pydantic's ``ValidationError``.

    Only a direct call goes through here: validation of plain data (``model_validate``, nested
    models) does not, so :func:`validate_document` still sees every problem with its place.
    """

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except ValidationError as err:
            error: type[RareEarthError] = getattr(cls, "error", RareEarthError)
            tags: Mapping[str, type[BaseModel]] = getattr(cls, "error_tags", {})
            lines = [describe_error(e, cls, tags) for e in err.errors()]  # type: ignore[arg-type]
            raise error("\n".join(f"{cls.__name__}: {line}" for line in lines)) from None


class FrozenModel(BaseModel, metaclass=_Checked):
    """Base of every document model: frozen, unknown fields rejected, numbers finite.

    ``error`` is the :class:`RareEarthError` that a direct call with bad fields raises, and
    ``error_tags`` the event or measure types its messages name.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    error: ClassVar[type[RareEarthError]] = RareEarthError
    error_tags: ClassVar[Mapping[str, type[BaseModel]]] = {}


class Document(FrozenModel):
    """A scenario or an option: written to and read from YAML or JSON unchanged.

    Subclasses set ``error`` (the :class:`RareEarthError` their problems raise).
    """

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible data (``model_dump(mode="json")``)."""
        return self.model_dump(mode="json")

    def to_yaml(self) -> str:
        """YAML text that reads back to an equal document."""
        return dump_yaml(self.to_dict())

    def to_json(self) -> str:
        """JSON text that reads back to an equal document."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write to ``.yaml``/``.yml`` or ``.json`` (by suffix), atomically."""
        return save_document(self, Path(path), self.error)

# ---------------------------------------------------------------------------- field types


class FieldError(ValueError):
    """A model-level check that blames one field (so the message can name it)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def _country(code: str) -> str:
    if not _COUNTRY_RE.match(code):
        raise ValueError("must be an upper-case country or region code such as 'JP' or 'ROW'")
    return code


def _date(value: Any) -> Any:
    # YAML reads an unquoted 2010-09-21 as a date: keep the text the user wrote.
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _check_date(text: str) -> str:
    match = _DATE_RE.match(text)
    if match is None:
        raise ValueError("must be a date 'YYYY-MM' or 'YYYY-MM-DD'")
    year, month, day = (int(g) if g else 1 for g in match.groups())
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"must be a date from {FIRST_YEAR} to {LAST_YEAR}")
    try:
        dt.date(year, month, day)
    except ValueError as err:
        raise ValueError(f"is not a calendar date ({err})") from None
    return text


def _check_month(text: str) -> str:
    if not _MONTH_RE.match(text):
        raise ValueError("must be a month 'YYYY-MM'")
    return _check_date(text)


def _check_commodities(value: Any) -> Any:
    if isinstance(value, str) and value != "all":
        raise ValueError(
            "must be 'all' or a list of commodity ids (aliases in a list: "
            f"{', '.join(COMMODITY_ALIASES)})"
        )
    if isinstance(value, list):
        if not value:
            raise ValueError("must not be empty (use 'all' for every commodity)")
        dupes = sorted({c for c in value if value.count(c) > 1})
        if dupes:
            raise ValueError(f"lists {', '.join(map(str, dupes))} more than once")
    return value


def _check_targets(value: Any) -> Any:
    if isinstance(value, str) and value != "all":
        raise ValueError("must be 'all' or a list of country codes")
    if isinstance(value, list):
        if not value:
            raise ValueError("must not be empty (use 'all' for every destination)")
        dupes = sorted({c for c in value if value.count(c) > 1})
        if dupes:
            raise ValueError(f"lists {', '.join(map(str, dupes))} more than once")
    return value


CountryCode = Annotated[str, AfterValidator(_country)]
DateText = Annotated[str, BeforeValidator(_date), AfterValidator(_check_date)]
MonthText = Annotated[str, AfterValidator(_check_month)]
Commodities = Annotated[Literal["all"] | list[str], BeforeValidator(_check_commodities)]
Targets = Annotated[Literal["all"] | list[CountryCode], BeforeValidator(_check_targets)]


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
    net: Any,
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



# ---------------------------------------------------------------------------- files and catalog

M = TypeVar("M", bound=BaseModel)


class _SaveModel(Protocol):
    def to_yaml(self) -> str: ...

    def to_json(self) -> str: ...


class _LiteralDumper(yaml.SafeDumper):
    """Safe YAML that writes multi-line text as ``|`` blocks (readable descriptions)."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_LiteralDumper.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_LiteralDumper, sort_keys=False, allow_unicode=True, width=100)


def save_document(model: _SaveModel, path: Path, error: type[RareEarthError]) -> Path:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        text = model.to_yaml()
    elif suffix == ".json":
        text = model.to_json()
    else:
        raise error(f"{path}: unknown file type {suffix!r}; use .yaml, .yml or .json")
    return write_text(path, text)


def _format_loc(loc: Sequence[int | str], tags: Mapping[str, type[BaseModel]]) -> str:
    out = ""
    previous: int | str | None = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(previous, int) and part in tags:
            pass  # pydantic names the tag of a discriminated union; the index says enough
        else:
            out += f".{part}" if out else str(part)
        previous = part
    return out


def _model_at(root: type[BaseModel], loc: Sequence[int | str], tags: Mapping[str, type[BaseModel]]
              ) -> type[BaseModel]:
    model = root
    for part in loc:
        if isinstance(part, str) and part in tags:
            model = tags[part]
        elif isinstance(part, str) and part in model.model_fields:
            annotation = model.model_fields[part].annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                model = annotation
    return model


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist, _REPR.maxtuple = 2, 4, 4, 4
_REPR.maxstring = _REPR.maxother = 50


def _short(value: Any) -> str:
    """A short repr of a value (never the whole of a large or deeply nested one)."""
    text = _REPR.repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def describe_error(err: Any, root: type[BaseModel], tags: Mapping[str, type[BaseModel]]) -> str:
    """One readable line for one pydantic error: ``field: what is wrong (got value)``."""
    loc = list(err["loc"])
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got: Any = err.get("input")
    show_got = True
    if kind in ("less_than_equal", "less_than", "greater_than_equal", "greater_than"):
        sign = {"less_than_equal": "≤", "less_than": "<", "greater_than_equal": "≥",
                "greater_than": ">"}[kind]
        bound = next(iter(ctx.values()))
        if isinstance(bound, float) and bound.is_integer():
            bound = int(bound)
        message = f"must be {sign} {bound}"
    elif kind == "missing":
        message, show_got = "is required", False
    elif kind == "extra_forbidden":
        allowed = [f for f in _model_at(root, loc[:-1], tags).model_fields if f != "type"]
        message = f"unknown field; allowed: {', '.join(allowed)}"
    elif kind == "union_tag_invalid":
        message = f"unknown type {ctx.get('tag')!r}; allowed: {', '.join(tags)}"
        show_got = False
        loc.append("type")
    elif kind == "union_tag_not_found":
        message, show_got = f"'type' is missing; one of: {', '.join(tags)}", False
        loc.append("type")
    elif kind == "literal_error":
        message = f"must be one of {ctx.get('expected')}"
    elif kind == "value_error":
        cause = ctx.get("error")
        message = str(cause)
        if isinstance(cause, FieldError):
            loc.append(cause.field)
            show_got = False
    elif kind == "string_pattern_mismatch":
        message = f"must match {ctx.get('pattern')}"
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        message, got = "must be a mapping of fields", type(got).__name__
    else:
        message = err["msg"][:1].lower() + err["msg"][1:]
    where = _format_loc(loc, tags) or "(top level)"
    return f"{where}: {message}" + (f" (got {_short(got)})" if show_got else "")


def validate_document(
    model: type[M],
    data: Any,
    source: str,
    error: type[RareEarthError],
    tags: Mapping[str, type[BaseModel]],
) -> M:
    if not isinstance(data, dict):
        raise error(f"{source}: must hold a mapping of fields (got {type(data).__name__})")
    _check_shape(data, _python_children, source, error)
    try:
        return model.model_validate(data)
    except ValidationError as err:
        lines = [describe_error(e, model, tags) for e in err.errors()]
        raise error("\n".join(f"{source}: {line}" for line in lines)) from err


def _python_children(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [*value.keys(), *value.values()]
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return []


def _yaml_children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_shape(root: Any, children: Any, source: str, error: type[RareEarthError]) -> None:
    """Bound a document's depth and its size *as expanded*: a YAML alias (or a shared Python
    object) counts once per place it is used, so an alias bomb is refused before anything
    walks it. Iterative, and linear in the number of distinct values."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        item, finished = stack.pop()
        key = id(item)
        if finished:
            kids = children(item)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            open_.discard(key)
            if size[key] > MAX_NODES:
                raise error(
                    f"{source}: expands to more than {MAX_NODES:,} values (YAML aliases count "
                    "once per use); a scenario or option is far smaller"
                )
            if depth[key] > MAX_DEPTH:
                raise error(f"{source}: nested more than {MAX_DEPTH} levels deep")
            continue
        if key in size:
            continue
        if key in open_:
            raise error(f"{source}: a value contains itself (a recursive YAML alias)")
        open_.add(key)
        stack.append((item, True))
        stack.extend((kid, False) for kid in children(item) if id(kid) not in size)


class _Loader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice in one mapping (the second would win silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # unhashable: the base class says so
                continue
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {_short(key)} appears twice in one mapping", key_node.start_mark
                )
        return super().construct_mapping(node, deep=deep)


def _parse(text: str, source: str, suffix: str, error: type[RareEarthError]) -> Any:
    try:
        if suffix == ".json":
            try:
                return json.loads(text, object_pairs_hook=_no_duplicate_keys)
            except json.JSONDecodeError as err:
                raise error(
                    f"{source}:{err.lineno}:{err.colno}: malformed JSON: {err.msg}"
                ) from None
            except ValueError as err:
                raise error(f"{source}: malformed JSON: {err}") from None
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_shape(node, _yaml_children, source, error)
            return loader.construct_document(node)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            place = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
            problem = getattr(err, "problem", None) or str(err)
            raise error(f"{source}{place}: malformed YAML: {problem}") from None
        finally:
            loader.dispose()
    except RecursionError:
        raise error(f"{source}: nested more than {MAX_DEPTH} levels deep") from None


def _read_document(path: Path, error: type[RareEarthError]) -> str:
    """The text of a scenario or option file: a regular file, bounded, UTF-8 (BOM allowed)."""
    try:
        if not path.is_file():
            if not path.exists():
                raise error(f"{path}: file not found")
            raise error(f"{path}: not a regular file")
        with path.open("rb") as fh:
            data = fh.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as err:
        raise error(f"{path}: cannot read ({err.strerror or err})") from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise error(f"{path}: larger than {MAX_DOCUMENT_BYTES:,} bytes; a scenario or option is far smaller")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise error(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    if "\x00" in text:
        raise error(f"{path}: holds a NUL character; a scenario or option is text")
    return text


def _catalog(kind: str) -> Traversable:
    return resources.files("rareearth.catalog").joinpath(kind)


def catalog_names(kind: str) -> list[str]:
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
        text = _read_document(path, error)
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
    loaded = validate_document(model, _parse(text, source, suffix, error), source, error, tags)
    if expected_name is not None and getattr(loaded, "name", None) != expected_name:
        raise error(f"{source}: name: must equal the file name {expected_name!r}")
    return loaded

