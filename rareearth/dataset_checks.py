"""Checks of a dataset as a whole (rows are checked one by one by :mod:`rareearth.records`):
cross references between tables, the product tier's references, and the baseline balance of
every node (MODEL.md §1). Each appends ``file:row:column: what is wrong (what is allowed)``
messages to a list; :func:`rareearth.data.read_dataset` reports them all at once."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from rareearth.dataset_format import PARAMETER_BOUNDS, PARAMETERS, PRODUCT_TABLES
from rareearth.product_records import OTHER_OWNER
from rareearth.records import MAGNET, Source, parse_node_id

__all__ = ["check_balance", "check_products", "check_references"]


def check_references(tables: dict[str, list[Any]], sources: list[Source], problems: list[str]) -> None:
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


def check_products(tables: dict[str, list[Any]], sources: list[Source], problems: list[str]) -> None:
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


def check_balance(tables: dict[str, list[tuple[int, Any]]], tolerance: float) -> list[str]:
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
        if stage not in ("mining", "magnet"):  # a processing stage (separation, metal, ...)
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
