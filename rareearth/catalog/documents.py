"""Reading and writing one scenario or option document.

Reading is bounded (size, depth, YAML aliases counted once per use), refuses a key given twice,
and turns pydantic's errors into one line per problem naming the file and the field
(:mod:`rareearth.catalog.messages`). Writing is atomic and reads back equal.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from rareearth.atomic import write_text
from rareearth.catalog.fields import FrozenModel
from rareearth.catalog.messages import _short, describe_error
from rareearth.data import _no_duplicate_keys
from rareearth.errors import RareEarthError
from rareearth.limits import MAX_DEPTH, MAX_DOCUMENT_BYTES, MAX_NODES

__all__ = ["Document", "dump_yaml", "parse_document", "read_document", "save_document",
           "validate_document"]

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
            key = self.construct_object(key_node, deep=True)
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


def parse_document(text: str, source: str, suffix: str, error: type[RareEarthError]) -> Any:
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


def read_document(path: Path, error: type[RareEarthError]) -> str:
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
