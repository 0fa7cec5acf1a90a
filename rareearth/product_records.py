"""Validated records of the product tier: products, their rare-earth bill, where and by whom
they are made, economies and trade policy.

These are optional tables of a dataset (``docs/dataset-format.md``, "Product tier"); like
:mod:`rareearth.records` they only check a row, and :mod:`rareearth.data` checks the cross
references (a product's sector is an end-use sector, a bill names a known commodity, a
country is declared).
"""

from __future__ import annotations

import datetime as _dt
import re

from pydantic import Field, ValidationInfo, field_validator, model_validator

from rareearth.records import _Row, sectors_of

__all__ = [
    "OTHER_OWNER",
    "Economy",
    "Product",
    "ProductInput",
    "ProductProduction",
    "ProductTrade",
    "Tariff",
]

#: Owner code of production by makers the data does not attribute to a country.
OTHER_OWNER = "other"

_PRODUCT = r"^[a-z][a-z0-9_]*$"
_CODE = r"^[A-Z]{2,4}$"


def _sector(value: str, info: ValidationInfo) -> str:
    sectors = sectors_of(info)
    if value not in sectors:
        raise ValueError(f"sector {value!r} is not one of {', '.join(sectors)}")
    return value


class Product(_Row):
    """A good made from an end-use sector's rare earths (a BEV, a hybrid car, ...)."""

    product: str = Field(pattern=_PRODUCT)
    name: str = Field(min_length=1)
    sector: str
    value_usd_per_unit: float = Field(gt=0)
    value_added_share: float = Field(gt=0, le=1)
    inventory_weeks: float = Field(ge=0)
    inventory_weeks_low: float | None = Field(None, ge=0)
    inventory_weeks_high: float | None = Field(None, ge=0)

    @field_validator("sector")
    @classmethod
    def _known_sector(cls, value: str, info: ValidationInfo) -> str:
        return _sector(value, info)

    @model_validator(mode="after")
    def _range(self) -> Product:
        lo, hi = self.inventory_weeks_low, self.inventory_weeks_high
        if (lo is None) != (hi is None):
            raise ValueError("inventory_weeks_low and inventory_weeks_high: give both or neither")
        if lo is not None and hi is not None and not lo <= self.inventory_weeks <= hi:
            raise ValueError(
                f"inventory_weeks {self.inventory_weeks:g} is outside [low, high] = [{lo:g}, {hi:g}]"
            )
        return self


class ProductInput(_Row):
    """One line of a product's rare-earth bill: kg of a commodity per unit built."""

    product: str = Field(pattern=_PRODUCT)
    commodity: str = Field(min_length=1)
    kg_per_unit: float = Field(gt=0)


class ProductProduction(_Row):
    """Units of a product built per year in ``country`` (territory) by makers of ``owner``."""

    country: str = Field(pattern=_CODE)
    owner: str = Field(min_length=1)
    product: str = Field(pattern=_PRODUCT)
    units_per_year: float = Field(ge=0)

    @field_validator("owner")
    @classmethod
    def _owner(cls, value: str) -> str:
        if value != OTHER_OWNER and not re.match(_CODE, value):
            raise ValueError(f"owner must be a country code or {OTHER_OWNER!r} (got {value!r})")
        return value


class Economy(_Row):
    """A country's GDP and the GDP effect of a lost unit of gross output (with its range)."""

    country: str = Field(pattern=_CODE)
    gdp_usd_per_year: float | None = Field(None, gt=0, description="empty when not known")
    gdp_per_output: float = Field(ge=0)
    gdp_per_output_low: float = Field(ge=0)
    gdp_per_output_high: float = Field(ge=0)

    @model_validator(mode="after")
    def _range(self) -> Economy:
        if not self.gdp_per_output_low <= self.gdp_per_output <= self.gdp_per_output_high:
            raise ValueError(
                f"gdp_per_output {self.gdp_per_output:g} is outside [low, high] = "
                f"[{self.gdp_per_output_low:g}, {self.gdp_per_output_high:g}]"
            )
        return self


class ProductTrade(_Row):
    """Baseline exports of a sector's products from one country to another, by value."""

    exporter: str = Field(pattern=_CODE)
    importer: str = Field(pattern=_CODE)
    sector: str
    value_usd_per_year: float = Field(ge=0)

    @field_validator("sector")
    @classmethod
    def _known_sector(cls, value: str, info: ValidationInfo) -> str:
        return _sector(value, info)


class Tariff(_Row):
    """An import tariff (all-in ad valorem rate) on a sector's products, from a date on."""

    importer: str = Field(pattern=_CODE)
    exporter: str = Field(pattern=_CODE)
    sector: str
    start: _dt.date
    rate: float = Field(ge=0, le=5)

    @field_validator("sector")
    @classmethod
    def _known_sector(cls, value: str, info: ValidationInfo) -> str:
        return _sector(value, info)
