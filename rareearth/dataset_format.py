"""What a dataset holds: its tables (record, required or not, units) and the engine parameters
it may set, with their defaults and bounds (``docs/dataset-format.md``). Read by
:mod:`rareearth.data` (which re-exports these names) and :mod:`rareearth.dataset_checks`."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from rareearth.limits import MAX_MONTHS
from rareearth.product_records import (
    Economy,
    Product,
    ProductInput,
    ProductProduction,
    ProductTrade,
    Tariff,
)
from rareearth.records import (
    Country,
    Demand,
    Flow,
    Material,
    NodeOutput,
    Parameter,
    RecipeRow,
    Stock,
    Stockpile,
)

__all__ = ["PARAMETERS", "PARAMETER_BOUNDS", "PRODUCT_TABLES", "TABLES", "TableSpec"]


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
    # share of the gap to the month's market-clearing price an index closes each month; 1 (the
    # price clears the month it is short) where a dataset is silent
    "price_adjustment_per_month": ("1/month", 1.0),
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
    "price_adjustment_per_month": (0.01, 1.0),  # a share of the gap; > 0: the index can move
    "recycling_rate": (0.0, 1.0),  # a share of consumption
    "substitution_max_per_year": (0.0, 1.0),  # a share of demand
    "balance_tolerance": (0.0, 0.5),  # above 50% the balance check checks nothing
    "transit_months": (0.0, 24.0),  # sea freight takes weeks; two years is no transit
    "held_order_cancellation": (0.0, 1.0),  # a share of the held orders, per month
}
