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
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from rareearth.errors import DataError, UnknownNameError
from rareearth.records import (
    MAGNET,
    Country,
    Demand,
    Flow,
    Material,
    NodeOutput,
    Parameter,
    RecipeRow,
    Source,
    Stock,
    Stockpile,
    parse_node_id,
)

__all__ = ["PARAMETERS", "TABLES", "Dataset", "dataset_path", "datasets", "read_dataset"]


@dataclass(frozen=True)
class TableSpec:
    """How one table is read: its record, whether it must exist, and its quantity units."""

    name: str
    record: type[BaseModel]
    required: bool
    units: dict[str, str]


TABLES: tuple[TableSpec, ...] = (
    TableSpec("countries", Country, True, {"governance": "WGI"}),
    TableSpec(
        "materials", Material, True, {"price_usd_per_tonne": "USD/t", "price_elasticity": "1"}
    ),
    TableSpec(
        "nodes",
        NodeOutput,
        True,
        {"capacity_tonnes_per_year": "t/yr", "output_tonnes_per_year": "t/yr", "yield": "1"},
    ),
    TableSpec("flows", Flow, True, {"tonnes_per_year": "t/yr"}),
    TableSpec("recipes", RecipeRow, False, {"tonnes_per_tonne": "t/t"}),
    TableSpec(
        "demand", Demand, True, {"demand_tonnes_per_year": "t/yr", "value_usd_per_tonne": "USD/t"}
    ),
    TableSpec("stocks", Stock, False, {"stock_tonnes": "t", "target_tonnes": "t"}),
    TableSpec(
        "stockpiles",
        Stockpile,
        False,
        {"stock_tonnes": "t", "release_threshold": "1", "release_tonnes_per_month": "t/month"},
    ),
    TableSpec("parameters", Parameter, False, {}),
)

#: Engine parameters a dataset may set: name -> (unit, default). The defaults are stated
#: assumptions, used only where a dataset is silent; the built-in datasets set every one.
PARAMETERS: dict[str, tuple[str, float]] = {
    # months for a new trade link to reach full volume: assumption (shipping + qualification)
    "lead_time_months": ("months", 3.0),
    # Sprecher et al. 2017: non-Chinese output ramped ~4% of market volume per year after 2010
    "ramp_rate_per_month": ("1/month", 0.05),
    # IEEJ/WEF: prices rose ~10x within a year of the 2010 embargo
    "price_cap": ("1", 10.0),
    # ZMT/Nature 2024: ~1% of rare earths recycled at end of life
    "recycling_rate": ("1", 0.01),
    # Sprecher et al. 2017: substitution peaked at 10% of demand per year
    "substitution_max_per_year": ("1/yr", 0.10),
    # months from shipment to arrival on cross-border flows; 0 (arrive in the month shipped)
    # where a dataset is silent: the built-in datasets state one month
    "transit_months": ("months", 0.0),
    # share of orders held by an export restriction that is cancelled each month; 1 (nothing
    # held: blocked orders are lost) where a dataset is silent
    "held_order_cancellation": ("1/month", 1.0),
    # relative tolerance of the baseline balance check
    "balance_tolerance": ("1", 0.01),
}

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Dataset:
    """A validated dataset: package metadata and one list of records per table."""

    name: str
    path: Path
    package: dict[str, Any]
    sources: list[Source]
    tables: dict[str, list[Any]]
    parameters: dict[str, float]
    digest: str


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


# --------------------------------------------------------------------------- reading


def _format_validation(file: str, line: int, err: ValidationError) -> list[str]:
    out = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) if e["loc"] else ""
        loc = "yield" if loc == "yield_" else loc
        msg = e["msg"].removeprefix("Value error, ")
        got = e.get("input")
        shown = f" (got {got!r})" if loc and not isinstance(got, dict) else ""
        out.append(f"{file}:{line}:{loc}: {msg}{shown}" if loc else f"{file}:{line}: {msg}")
    return out


def _read_table(path: Path, spec: TableSpec, problems: list[str]) -> list[Any]:
    file = path.name
    try:
        with path.open(newline="", encoding="utf-8") as fh:
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
                problems.append(
                    f"{file}:1: unknown column(s) {', '.join(unknown)}; "
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
                    record = spec.record.model_validate(values)
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


def _check_package(folder: Path, package: Any, problems: list[str]) -> dict[str, Path]:
    """Check datapackage.json's own fields and units; return table name -> file path."""
    where = "datapackage.json"
    if not isinstance(package, dict):
        problems.append(f"{where}: must be a JSON object")
        return {}
    for key in ("name", "title", "version", "licenses", "sources", "resources"):
        if key not in package:
            problems.append(f"{where}: missing field {key!r}")
    paths: dict[str, Path] = {}
    specs = {spec.name: spec for spec in TABLES}
    for i, resource in enumerate(package.get("resources", []) or []):
        here = f"{where}: resources[{i}]"
        if not isinstance(resource, dict) or "name" not in resource or "path" not in resource:
            problems.append(f"{here}: needs 'name' and 'path'")
            continue
        name = resource["name"]
        if name not in specs:
            problems.append(f"{here}: unknown table {name!r}; allowed: {', '.join(specs)}")
            continue
        rel = Path(str(resource["path"]))
        if rel.is_absolute() or ".." in rel.parts:
            problems.append(f"{here}.path: {resource['path']!r} must be a file inside the dataset")
            continue
        paths[name] = folder / rel
        fields = (resource.get("schema") or {}).get("fields") or []
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
        if spec.required and spec.name not in paths:
            problems.append(f"{where}: missing resource {spec.name!r} ({spec.name}.csv)")
    return paths


def _sources(package: dict[str, Any], problems: list[str]) -> list[Source]:
    out: list[Source] = []
    seen: set[str] = set()
    for i, raw in enumerate(package.get("sources", []) or []):
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


# --------------------------------------------------------------------------- checking


def _check_references(tables: dict[str, list[Any]], sources: list[Source], problems: list[str]) -> None:
    source_ids = {s.id for s in sources}
    countries = {c.code for _, c in tables["countries"]}
    materials = {m.id for _, m in tables["materials"]}
    commodities = materials | {MAGNET}
    makes: dict[str, set[str]] = defaultdict(set)
    for _, row in tables["nodes"]:
        makes[row.node].add(row.commodity)
    end_uses: dict[str, set[str]] = defaultdict(set)
    for _, row in tables["demand"]:
        end_uses[row.node].add(row.commodity)
    recipe_nodes: dict[str, set[str]] = defaultdict(set)
    for _, row in tables.get("recipes", []):
        recipe_nodes[row.node].add(row.material)

    def recipe(node: str) -> set[str]:
        return recipe_nodes.get(node) or recipe_nodes.get("default", set())

    known_nodes = set(makes) | set(end_uses)

    for name, rows in tables.items():
        file = f"{name}.csv"
        seen: set[tuple[str, ...]] = set()
        for line, row in rows:
            for ref in row.refs:
                if ref not in source_ids:
                    problems.append(
                        f"{file}:{line}:ref: unknown source id {ref!r}; "
                        "declare it in datapackage.json sources"
                    )
            data = row.model_dump()
            for column in ("commodity", "material"):
                if column in data and data[column] not in commodities:
                    problems.append(
                        f"{file}:{line}:{column}: unknown commodity {data[column]!r}; "
                        f"allowed: {', '.join(sorted(commodities))}"
                    )
            for column in ("node", "source", "target"):
                value = data.get(column)
                if value is None or value == "default":
                    continue
                country = parse_node_id(value).country
                if country not in countries:
                    problems.append(
                        f"{file}:{line}:{column}: unknown country {country!r} in node {value!r}; "
                        "declare it in countries.csv"
                    )
            if name == "stockpiles" and row.country not in countries:
                problems.append(f"{file}:{line}:country: unknown country {row.country!r}")
            key: tuple[str, ...]
            if name == "nodes" or name == "demand" or name == "stocks":
                key = (row.node, row.commodity)
            elif name == "flows":
                key = (row.source, row.target, row.commodity)
            elif name == "recipes":
                key = (row.node, row.material)
            elif name == "countries":
                key = (row.code,)
            elif name == "materials":
                key = (row.id,)
            elif name == "parameters":
                key = (row.name,)
            else:
                key = (row.country, row.material)
            if key in seen:
                problems.append(f"{file}:{line}: duplicate row for {', '.join(key)}")
            seen.add(key)

    for line, flow in tables["flows"]:
        c = flow.commodity
        if c not in makes.get(flow.source, set()):
            problems.append(
                f"flows.csv:{line}:source: node {flow.source!r} does not make {c!r} "
                "(add it to nodes.csv)"
            )
        target_stage = parse_node_id(flow.target).stage
        if flow.target not in known_nodes:
            problems.append(f"flows.csv:{line}:target: unknown node {flow.target!r}")
        elif target_stage == "end_use":
            if c not in end_uses[flow.target]:
                problems.append(
                    f"flows.csv:{line}:commodity: end-use node {flow.target!r} has no demand for {c!r}"
                )
        elif target_stage == "magnet":
            if c not in recipe(flow.target):
                problems.append(
                    f"flows.csv:{line}:commodity: magnet node {flow.target!r} has no recipe for {c!r}"
                )
        elif c not in makes[flow.target]:
            problems.append(
                f"flows.csv:{line}:commodity: node {flow.target!r} does not process {c!r}"
            )
    for line, row in tables["nodes"]:
        if row.commodity == MAGNET and not recipe(row.node):
            problems.append(
                f"nodes.csv:{line}:node: magnet node {row.node!r} has no recipe "
                "(recipes.csv rows for it or for 'default')"
            )
    for line, row in tables.get("stocks", []):
        if row.node not in known_nodes:
            problems.append(f"stocks.csv:{line}:node: unknown node {row.node!r}")
    for line, row in tables.get("parameters", []):
        if row.name not in PARAMETERS:
            problems.append(
                f"parameters.csv:{line}:name: unknown parameter {row.name!r}; "
                f"allowed: {', '.join(PARAMETERS)}"
            )
        elif row.unit != PARAMETERS[row.name][0]:
            problems.append(
                f"parameters.csv:{line}:unit: {row.name} is in {PARAMETERS[row.name][0]!r} "
                f"(got {row.unit!r})"
            )


def check_balance(tables: dict[str, list[Any]], tolerance: float) -> list[str]:
    """Baseline balance of every node and commodity (MODEL.md §1); one message per imbalance."""
    inflow: dict[tuple[str, str], float] = defaultdict(float)
    outflow: dict[tuple[str, str], float] = defaultdict(float)
    for _, flow in tables["flows"]:
        inflow[(flow.target, flow.commodity)] += flow.tonnes_per_year
        outflow[(flow.source, flow.commodity)] += flow.tonnes_per_year
    recipes: dict[str, dict[str, float]] = defaultdict(dict)
    for _, row in tables.get("recipes", []):
        recipes[row.node][row.material] = row.tonnes_per_tonne
    problems: list[str] = []

    def check(node: str, commodity: str, what: str, left: float, right: float, rhs: str) -> None:
        if abs(left - right) > max(1.0, tolerance * max(abs(left), abs(right))):
            problems.append(
                f"balance: node {node}, {commodity}: {what} {left:,.1f} t/yr but {rhs} "
                f"{right:,.1f} t/yr (gap {left - right:+,.1f}; tolerance {tolerance:.0%} or 1 t)"
            )

    for _, row in tables["nodes"]:
        node, c, out = row.node, row.commodity, row.output_tonnes_per_year
        stage = parse_node_id(node).stage
        check(node, c, "output", out, outflow[(node, c)], "outgoing flows sum to")
        if stage in ("separation", "metal"):
            check(node, c, "incoming flows × yield", inflow[(node, c)] * row.yield_, out, "output is")
        elif stage == "magnet":
            recipe = recipes.get(node) or recipes.get("default", {})
            for material, share in recipe.items():
                check(
                    node,
                    material,
                    "incoming flows × yield",
                    inflow[(node, material)] * row.yield_,
                    share * out,
                    "recipe × magnet output is",
                )
    for _, row in tables["demand"]:
        check(
            row.node,
            row.commodity,
            "incoming flows",
            inflow[(row.node, row.commodity)],
            row.demand_tonnes_per_year,
            "demand is",
        )
    return problems


# --------------------------------------------------------------------------- entry points


def read_dataset(name_or_path: str | Path) -> Dataset:
    """Read and validate a dataset; raise one :class:`DataError` listing every problem."""
    folder = dataset_path(name_or_path)
    try:
        package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise DataError(
            f"{folder / 'datapackage.json'}:{err.lineno}:{err.colno}: not valid JSON ({err.msg})"
        ) from err
    problems: list[str] = []
    paths = _check_package(folder, package, problems)
    sources = _sources(package if isinstance(package, dict) else {}, problems)
    tables: dict[str, list[Any]] = {}
    for spec in TABLES:
        path = paths.get(spec.name)
        if path is None:
            tables[spec.name] = []
            continue
        if not path.is_file():
            problems.append(f"{path.name}: file listed in datapackage.json does not exist")
            tables[spec.name] = []
            continue
        tables[spec.name] = _read_table(path, spec, problems)
    if not problems:
        _check_references(tables, sources, problems)
    parameters = {name: default for name, (_, default) in PARAMETERS.items()}
    parameters.update({row.name: row.value for _, row in tables.get("parameters", [])})
    if not problems:
        problems.extend(check_balance(tables, parameters["balance_tolerance"]))
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
    )
