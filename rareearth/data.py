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
from rareearth.limits import MAX_DEPTH, MAX_MONTHS, MAX_PACKAGE_BYTES, MAX_TABLE_BYTES
from rareearth.product_records import (
    OTHER_OWNER,
    Economy,
    Product,
    ProductInput,
    ProductProduction,
    ProductTrade,
    Tariff,
)
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

__all__ = ["PARAMETERS", "TABLES", "Dataset", "dataset_path", "datasets", "describe_datasets",
           "read_dataset"]


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
    # the product tier (docs/dataset-format.md, "Product tier"); all optional
    TableSpec(
        "products",
        Product,
        False,
        {"value_usd_per_unit": "USD", "value_added_share": "1", "inventory_weeks": "weeks",
         "inventory_weeks_low": "weeks", "inventory_weeks_high": "weeks"},
    ),
    TableSpec("product_inputs", ProductInput, False, {"kg_per_unit": "kg"}),
    TableSpec("product_production", ProductProduction, False, {"units_per_year": "units/yr"}),
    TableSpec(
        "economy",
        Economy,
        False,
        {"gdp_usd_per_year": "USD/yr", "gdp_per_output": "1", "gdp_per_output_low": "1",
         "gdp_per_output_high": "1"},
    ),
    TableSpec("product_trade", ProductTrade, False, {"value_usd_per_year": "USD/yr"}),
    TableSpec("tariffs", Tariff, False, {"rate": "1"}),
)
#: The tables of the product tier (their references are checked by ``_check_products``).
PRODUCT_TABLES = ("products", "product_inputs", "product_production", "economy", "product_trade",
                  "tariffs")

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

#: Allowed range of each parameter (its value, ``low`` and ``high``), inclusive.
PARAMETER_BOUNDS: dict[str, tuple[float, float]] = {
    "lead_time_months": (0.0, float(MAX_MONTHS)),  # up to a century
    "ramp_rate_per_month": (0.0, 1.0),  # a share of spare capacity
    "price_cap": (1.0, 1000.0),  # P/P0; ≥ 1: the baseline price is reachable (2011 peak ~38)
    "recycling_rate": (0.0, 1.0),  # a share of consumption
    "substitution_max_per_year": (0.0, 1.0),  # a share of demand
    "balance_tolerance": (0.0, 0.5),  # above 50% the balance check checks nothing
    "transit_months": (0.0, 24.0),  # sea freight takes weeks; two years is no transit
    "held_order_cancellation": (0.0, 1.0),  # a share of the held orders, per month
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


def _read_table(path: Path, spec: TableSpec, problems: list[str]) -> list[Any]:
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
        if name in PRODUCT_TABLES:
            continue
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
    inputs: dict[str, set[str]] = defaultdict(set)
    for _, flow in tables["flows"]:
        inputs[flow.target].add(flow.commodity)
    for line, row in tables.get("stocks", []):
        if row.node not in known_nodes:
            problems.append(f"stocks.csv:{line}:node: unknown node {row.node!r}")
            continue
        handled = makes.get(row.node, set()) | inputs[row.node] | end_uses.get(row.node, set())
        if parse_node_id(row.node).stage == "magnet":
            handled |= recipe(row.node)
        if row.commodity not in handled:
            problems.append(
                f"stocks.csv:{line}:commodity: node {row.node!r} neither uses nor makes "
                f"{row.commodity!r} (it handles {', '.join(sorted(handled)) or 'nothing'})"
            )
    content: dict[str, tuple[int, float]] = {}
    for line, row in tables.get("recipes", []):
        first, total = content.get(row.node, (line, 0.0))
        content[row.node] = (first, total + row.tonnes_per_tonne)
    for node, (line, total) in content.items():
        if total > 1 + 1e-9:
            problems.append(
                f"recipes.csv:{line}:tonnes_per_tonne: the recipe of {node!r} holds {total:g} t "
                "REO per t of magnet; a magnet cannot hold more than its own mass (at most 1)"
            )
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
        else:
            low, high = PARAMETER_BOUNDS[row.name]
            for column in ("value", "low", "high"):
                number = getattr(row, column)
                if number is not None and not low <= number <= high:
                    problems.append(
                        f"parameters.csv:{line}:{column}: {row.name} must lie within "
                        f"[{low:g}, {high:g}] (got {number:g})"
                    )


def _check_products(tables: dict[str, list[Any]], sources: list[Source], problems: list[str]) -> None:
    """Cross references of the product tier: sources, countries, products, commodities,
    duplicates, and that every product has a bill and a sector its countries use."""
    source_ids = {s.id for s in sources}
    countries = {c.code for _, c in tables["countries"]}
    commodities = {m.id for _, m in tables["materials"]} | {MAGNET}
    products = {p.product: p for _, p in tables.get("products", [])}
    keys = {
        "products": ("product",),
        "product_inputs": ("product", "commodity"),
        "product_production": ("country", "owner", "product"),
        "economy": ("country",),
        "product_trade": ("exporter", "importer", "sector"),
        "tariffs": ("importer", "exporter", "sector", "start"),
    }
    for name in PRODUCT_TABLES:
        file = f"{name}.csv"
        seen: set[tuple[str, ...]] = set()
        for line, row in tables.get(name, []):
            for ref in row.refs:
                if ref not in source_ids:
                    problems.append(f"{file}:{line}:ref: unknown source id {ref!r}; "
                                    "declare it in datapackage.json sources")
            data = row.model_dump()
            for column in ("country", "exporter", "importer", "owner"):
                value = data.get(column)
                if value is None or (column == "owner" and value == OTHER_OWNER):
                    continue
                if value not in countries:
                    problems.append(f"{file}:{line}:{column}: unknown country {value!r}; "
                                    "declare it in countries.csv")
            if name != "products" and "product" in data and data["product"] not in products:
                problems.append(f"{file}:{line}:product: unknown product {data['product']!r}; "
                                f"products.csv has {', '.join(sorted(products)) or 'none'}")
            if name == "product_inputs" and row.commodity not in commodities:
                problems.append(f"{file}:{line}:commodity: unknown commodity {row.commodity!r}; "
                                f"allowed: {', '.join(sorted(commodities))}")
            key = tuple(str(data[k]) for k in keys[name])
            if key in seen:
                problems.append(f"{file}:{line}: duplicate row for {', '.join(key)}")
            seen.add(key)
    billed = {row.product for _, row in tables.get("product_inputs", [])}
    for line, row in tables.get("products", []):
        if row.product not in billed:
            problems.append(f"products.csv:{line}:product: product {row.product!r} has no bill "
                            "(add its rows to product_inputs.csv)")
    demand_sectors = {
        (parse_node_id(d.node).country, parse_node_id(d.node).facility.split("-", 1)[0])
        for _, d in tables["demand"]
    }
    for line, row in tables.get("product_production", []):
        product = products.get(row.product)
        if product is not None and (row.country, product.sector) not in demand_sectors:
            problems.append(
                f"product_production.csv:{line}:country: {row.country} has no end-use node of "
                f"sector {product.sector!r} to supply {row.product!r} (add it to demand.csv)"
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
    sources = _sources(package if isinstance(package, dict) else {}, problems)
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
        tables[spec.name] = _read_table(path, spec, problems)
    if not problems:
        _check_references(tables, sources, problems)
        _check_products(tables, sources, problems)
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
    )
