"""Read and validate datasets: a folder of CSV tables plus ``datapackage.json``.

``read_dataset(name_or_path)`` is the one entry point (``rareearth.load_network`` builds a
``SupplyNetwork`` from what it returns). It reads every table, validates each row
with the records of :mod:`rareearth.records`, checks cross-references (countries, commodities,
nodes, cited sources), the units declared in ``datapackage.json`` and the baseline balance of
every node (MODEL.md §1), and reports *all* problems found at once in one :class:`DataError`,
each as ``file:row:column: what is wrong (what is allowed)``. It never rescales.

The format is documented in ``docs/dataset-format.md``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from rareearth.dataset_checks import check_balance, check_products, check_references
from rareearth.dataset_format import PARAMETER_BOUNDS as PARAMETER_BOUNDS
from rareearth.dataset_format import PARAMETERS as PARAMETERS
from rareearth.dataset_format import PRODUCT_TABLES as PRODUCT_TABLES
from rareearth.dataset_format import TABLES as TABLES
from rareearth.dataset_format import TableSpec
from rareearth.errors import DataError, UnknownNameError
from rareearth.limits import MAX_DEPTH, MAX_PACKAGE_BYTES, MAX_TABLE_BYTES
from rareearth.records import END_USE_SECTORS, STAGES, Source

__all__ = ["PARAMETERS", "TABLES", "Dataset", "check_balance", "dataset_path", "datasets",
           "describe_datasets",
           "read_dataset"]


_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Dataset:
    """A validated dataset: package metadata and one list of records per table."""

    name: str
    path: Path
    package: dict[str, object]
    sources: list[Source]
    tables: dict[str, list[BaseModel]]
    parameters: dict[str, float]
    digest: str
    stages: tuple[str, ...] = STAGES
    sectors: tuple[str, ...] = END_USE_SECTORS


# --------------------------------------------------------------------------- locating


def _builtin_roots() -> list[Path]:
    roots: list[Path] = []
    packaged = Path(str(resources.files("rareearth"))) / "_datasets"
    if packaged.is_dir():
        roots.append(packaged)
    repo = Path(__file__).resolve().parents[1] / "datasets"
    if repo.is_dir():
        roots.append(repo)
    return roots


def datasets() -> list[str]:
    """Names of the built-in datasets.

    Examples
    --------
    >>> import rareearth as ree
    >>> ree.datasets()
    ['world-2009', 'world-2024']
    """
    names: set[str] = set()
    for root in _builtin_roots():
        names.update(p.parent.name for p in root.glob("*/datapackage.json"))
    return sorted(names)


def dataset_path(name_or_path: str | Path) -> Path:
    """Resolve a built-in dataset name or a folder path to a folder holding ``datapackage.json``.

    A built-in *name* never reaches outside the datasets folder: it must be one of
    :func:`datasets`. Anything else must be an existing folder given as a path.
    """
    if isinstance(name_or_path, Path) or "/" in str(name_or_path) or "\\" in str(name_or_path):
        path = Path(name_or_path)
        if not path.is_dir():
            raise DataError(f"{path}: no such dataset folder")
        if not (path / "datapackage.json").is_file():
            raise DataError(f"{path}: not a dataset (no datapackage.json in it)")
        return path
    name = str(name_or_path)
    if not _NAME_RE.match(name) or ".." in name:
        raise UnknownNameError(
            f"{name!r} is not a dataset name: use one of {', '.join(datasets())} "
            "or a path to a dataset folder"
        )
    for root in _builtin_roots():
        candidate = root / name
        if (candidate / "datapackage.json").is_file() and candidate.resolve().parent == root.resolve():
            return candidate
    if Path(name).is_dir() and (Path(name) / "datapackage.json").is_file():
        return Path(name)
    raise UnknownNameError(
        f"unknown dataset {name!r}: built-in datasets are {', '.join(datasets())}; "
        "or give a path to a dataset folder"
    )


def describe_datasets() -> list[dict[str, str]]:
    """Name, title, version and reference year of each built-in dataset (its datapackage.json),
    without reading its tables.

    Examples
    --------
    >>> [d["reference_year"] for d in describe_datasets()]
    ['2009', '2024']
    """
    rows = []
    for name in datasets():
        package = _read_package(dataset_path(name) / "datapackage.json")
        rows.append({"name": name, **{key: str(package.get(key, ""))
                                      for key in ("title", "version", "reference_year")}})
    return rows


# --------------------------------------------------------------------------- reading


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _format_validation(file: str, line: int, err: ValidationError) -> list[str]:
    out = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) if e["loc"] else ""
        loc = "yield" if loc == "yield_" else loc
        msg = e["msg"].removeprefix("Value error, ")
        got = e.get("input")
        shown = f" (got {_short(got)})" if loc and not isinstance(got, dict) else ""
        out.append(f"{file}:{line}:{loc}: {msg}{shown}" if loc else f"{file}:{line}: {msg}")
    return out


def _read_table(path: Path, spec: TableSpec, problems: list[str],
                context: dict[str, tuple[str, ...]] | None = None) -> list[Any]:
    file = path.name
    size = path.stat().st_size
    if size > MAX_TABLE_BYTES:
        problems.append(f"{file}: {size:,} bytes; a table may hold at most {MAX_TABLE_BYTES:,}")
        return []
    try:
        # utf-8-sig: a byte-order mark (as spreadsheets write) is not part of the first column
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            fields = spec.record.model_fields
            allowed = {f.alias or n for n, f in fields.items()}
            required = {f.alias or n for n, f in fields.items() if f.is_required()}
            missing = sorted(required - set(header))
            unknown = sorted(set(header) - allowed)
            if missing:
                problems.append(
                    f"{file}:1: missing column(s) {', '.join(missing)}; "
                    f"the table needs {', '.join(sorted(required))}"
                )
            if unknown:
                shown = ", ".join(c if len(c) <= 40 else c[:37] + "..." for c in unknown[:10])
                more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
                problems.append(
                    f"{file}:1: unknown column(s) {shown}{more}; "
                    f"allowed: {', '.join(sorted(allowed))}"
                )
            if missing or unknown:
                return []
            rows = []
            for line, raw in enumerate(reader, start=2):
                if None in raw:
                    problems.append(f"{file}:{line}: more cells than columns")
                    continue
                values = {k: v for k, v in raw.items() if v is not None and v.strip() != ""}
                try:
                    record = spec.record.model_validate(values, context=context)
                except ValidationError as err:
                    problems.extend(_format_validation(file, line, err))
                    continue
                rows.append((line, record))
            return rows
    except UnicodeDecodeError as err:
        problems.append(f"{file}: not UTF-8 text ({err.reason})")
    except csv.Error as err:
        problems.append(f"{file}: not a CSV table ({err})")
    return []


#: Fields of datapackage.json: name -> (JSON type, its name in messages).
_PACKAGE_FIELDS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "name": (str, "a string"),
    "title": (str, "a string"),
    "version": (str, "a string"),
    "licenses": (list, "a list"),
    "sources": (list, "a list of objects with 'id' and 'title'"),
    "resources": (list, "a list of objects with 'name' and 'path'"),
}


def _inside(folder: Path, rel: str, here: str, problems: list[str]) -> Path | None:
    """``folder / rel`` if it is a regular file whose real path (links followed) stays in
    ``folder``; else a problem that names the path given, never what it points to."""
    path = Path(rel)
    if not rel or "\x00" in rel or path.is_absolute() or ".." in path.parts:
        problems.append(f"{here}.path: {_short(rel)} must be a relative path inside the dataset")
        return None
    target = folder / path
    try:
        real = target.resolve(strict=False)
        root = folder.resolve(strict=True)
    except (OSError, RuntimeError):  # a link loop
        problems.append(f"{here}.path: {_short(rel)} cannot be resolved (a loop of links?)")
        return None
    if not real.is_relative_to(root):
        problems.append(
            f"{here}.path: {_short(rel)} leads outside the dataset folder (through a link); "
            "tables must be files inside it"
        )
        return None
    return target


def _check_package(folder: Path, package: Any, problems: list[str]) -> dict[str, Path]:
    """Check datapackage.json's own fields and units; return table name -> file path."""
    where = "datapackage.json"
    if not isinstance(package, dict):
        problems.append(f"{where}: must be a JSON object (got {type(package).__name__})")
        return {}
    for key, (kind, what) in _PACKAGE_FIELDS.items():
        if key not in package:
            problems.append(f"{where}: missing field {key!r}")
        elif not isinstance(package[key], kind) or isinstance(package[key], bool):
            problems.append(
                f"{where}: {key}: must be {what} (got {type(package[key]).__name__})"
            )
    paths: dict[str, Path] = {}
    named: set[str] = set()  # tables listed, with a usable path or not
    specs = {spec.name: spec for spec in TABLES}
    resources = package.get("resources")
    for i, resource in enumerate(resources if isinstance(resources, list) else []):
        here = f"{where}: resources[{i}]"
        if not isinstance(resource, dict) or "name" not in resource or "path" not in resource:
            problems.append(f"{here}: needs 'name' and 'path'")
            continue
        name, rel = resource["name"], resource["path"]
        if not isinstance(name, str) or not isinstance(rel, str):
            problems.append(f"{here}: 'name' and 'path' must be strings")
            continue
        if name not in specs:
            problems.append(
                f"{here}: unknown table {_short(name)}; allowed: {', '.join(specs)}"
            )
            continue
        if name in named:
            problems.append(f"{here}: table {name!r} is listed more than once")
            continue
        named.add(name)
        target = _inside(folder, rel, here, problems)
        if target is None:
            continue
        paths[name] = target
        schema = resource.get("schema", {})
        fields = schema.get("fields", []) if isinstance(schema, dict) else None
        if not isinstance(fields, list):
            problems.append(f"{here}.schema: must be an object with a list 'fields'")
            continue
        declared = {f.get("name"): f.get("unit") for f in fields if isinstance(f, dict)}
        for column, unit in specs[name].units.items():
            if column not in declared:
                problems.append(f"{here}.schema: field {column!r} is not declared (unit {unit!r})")
            elif declared[column] != unit:
                problems.append(
                    f"{here}.schema: field {column!r} has unit {declared[column]!r}; "
                    f"this table is read in {unit!r}"
                )
    for spec in TABLES:
        if spec.required and spec.name not in named and isinstance(resources, list):
            problems.append(f"{where}: missing resource {spec.name!r} ({spec.name}.csv)")
    return paths


_STAGE_RE = re.compile(r"^[a-z][a-z_]*$")
_SECTOR_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def _names(package: Mapping[str, object], key: str, pattern: re.Pattern[str], what: str,
           problems: list[str]) -> list[str] | None:
    """``package[key]`` as a list of distinct names matching ``pattern``, or None (a problem)."""
    raw = package[key]
    where = f"datapackage.json: {key}"
    if not isinstance(raw, list) or not raw or not all(isinstance(x, str) for x in raw):
        problems.append(f"{where}: must be a non-empty list of {what} names "
                        f"(got {_short(raw)})")
        return None
    bad = [x for x in raw if not pattern.match(x)]
    if bad:
        problems.append(f"{where}: {_short(bad[0])} is not a {what} name "
                        f"({pattern.pattern}: lower-case letters{', digits' if 'a-z0-9' in pattern.pattern else ''} and _)")
        return None
    twice = sorted({x for x in raw if raw.count(x) > 1})
    if twice:
        problems.append(f"{where}: {', '.join(twice)} listed more than once")
        return None
    return list(raw)


def declared_stages(package: Mapping[str, object], problems: list[str]) -> tuple[str, ...]:
    """The stages ``datapackage.json`` declares (``stages``), checked; :data:`STAGES` when it
    declares none. A dataset may add processing stages (a material in, the same material out,
    with a yield, as separation and metal) between ``mining`` and ``magnet``; the five
    built-in stages keep their order and ``magnet``, ``end_use`` stay last."""
    if "stages" not in package:
        return STAGES
    names = _names(package, "stages", _STAGE_RE, "stage", problems)
    if names is None:
        return STAGES
    where = "datapackage.json: stages"
    missing = [s for s in STAGES if s not in names]
    if missing:
        problems.append(f"{where}: missing {', '.join(missing)}; the stages must include "
                        f"{', '.join(STAGES)} (in that order)")
        return STAGES
    if [s for s in names if s in STAGES] != list(STAGES):
        problems.append(f"{where}: {', '.join(STAGES)} must come in that order "
                        f"(got {', '.join(names)})")
        return STAGES
    if names[0] != "mining" or names[-2:] != ["magnet", "end_use"]:
        problems.append(f"{where}: an added stage must lie between mining and magnet "
                        f"(got {', '.join(names)}); mining comes first, magnet and end_use last")
        return STAGES
    return tuple(names)


def declared_sectors(package: Mapping[str, object], problems: list[str]) -> tuple[str, ...]:
    """The end-use sectors ``datapackage.json`` declares (``sectors``), checked;
    :data:`~rareearth.records.END_USE_SECTORS` when it declares none."""
    if "sectors" not in package:
        return END_USE_SECTORS
    names = _names(package, "sectors", _SECTOR_RE, "sector", problems)
    return END_USE_SECTORS if names is None else tuple(names)


def _sources(package: dict[str, Any], problems: list[str]) -> list[Source]:
    out: list[Source] = []
    seen: set[str] = set()
    raws = package.get("sources")
    for i, raw in enumerate(raws if isinstance(raws, list) else []):
        if not isinstance(raw, dict):
            problems.append(
                f"datapackage.json: sources[{i}]: must be an object with 'id' and 'title' "
                f"(got {type(raw).__name__})"
            )
            continue
        try:
            source = Source.model_validate(raw)
        except ValidationError as err:
            for e in err.errors():
                problems.append(f"datapackage.json: sources[{i}].{'.'.join(map(str, e['loc']))}: {e['msg']}")
            continue
        if source.id in seen:
            problems.append(f"datapackage.json: sources[{i}].id: duplicate source id {source.id!r}")
        seen.add(source.id)
        out.append(source)
    return out


def _digest(folder: Path, paths: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for path in sorted({folder / "datapackage.json", *paths}):
        if path.is_file():
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key {_short(key)} appears twice in one object")
        out[key] = value
    return out


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in parsed JSON (iteratively: no recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _read_package(path: Path) -> Any:
    """Parse ``datapackage.json``: a regular file, bounded in size and depth, UTF-8 (a
    byte-order mark allowed), every key once per object."""
    if not path.is_file():
        raise DataError(f"{path}: not a regular file")
    if not path.resolve().is_relative_to(path.parent.resolve()):
        raise DataError(f"{path}: a link that leads outside the dataset folder")
    size = path.stat().st_size
    if size > MAX_PACKAGE_BYTES:
        raise DataError(f"{path}: {size:,} bytes; datapackage.json may hold at most {MAX_PACKAGE_BYTES:,}")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    try:
        package = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as err:
        raise DataError(f"{path}:{err.lineno}:{err.colno}: not valid JSON ({err.msg})") from None
    except ValueError as err:
        raise DataError(f"{path}: not valid JSON ({err})") from None
    except RecursionError:
        raise DataError(f"{path}: nested more than {MAX_DEPTH} levels deep") from None
    if _depth(package) > MAX_DEPTH:
        raise DataError(f"{path}: nested more than {MAX_DEPTH} levels deep")
    return package


# --------------------------------------------------------------------------- entry points


def read_dataset(name_or_path: str | Path) -> Dataset:
    """Read and validate a dataset; raise one :class:`DataError` listing every problem."""
    folder = dataset_path(name_or_path)
    package = _read_package(folder / "datapackage.json")
    problems: list[str] = []
    paths = _check_package(folder, package, problems)
    declared = package if isinstance(package, dict) else {}
    sources = _sources(declared, problems)
    stages = declared_stages(declared, problems)
    sectors = declared_sectors(declared, problems)
    context = {"stages": stages, "sectors": sectors}
    tables: dict[str, list[Any]] = {}
    for spec in TABLES:
        path = paths.get(spec.name)
        if path is None:
            tables[spec.name] = []
            continue
        if not path.exists():
            problems.append(f"{path.name}: file listed in datapackage.json does not exist")
            tables[spec.name] = []
            continue
        if not path.is_file():
            problems.append(f"{path.name}: listed in datapackage.json but not a regular file")
            tables[spec.name] = []
            continue
        tables[spec.name] = _read_table(path, spec, problems, context)
    if not problems:
        check_references(tables, sources, problems)
        check_products(tables, sources, problems)
    parameters = {name: default for name, (_, default) in PARAMETERS.items()}
    parameters.update({row.name: row.value for _, row in tables.get("parameters", [])})
    if not problems:
        problems.extend(check_balance(tables, parameters["balance_tolerance"]))
    if len(problems) == 1:  # one problem, one line
        raise DataError(f"dataset {folder}: {problems[0]}", problems=problems)
    if problems:
        shown = "\n  ".join(problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise DataError(
            f"dataset {folder}: {len(problems)} problem(s):\n  {shown}{more}", problems=problems
        )
    return Dataset(
        name=str(package.get("name", folder.name)),
        path=folder,
        package=package,
        sources=sources,
        tables={name: [record for _, record in rows] for name, rows in tables.items()},
        parameters=parameters,
        digest=_digest(folder, paths.values()),
        stages=stages,
        sectors=sectors,
    )
