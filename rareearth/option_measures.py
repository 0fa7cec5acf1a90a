"""The measures a cooperation option is made of (:mod:`rareearth.cooperation`), one typed class
per ``type``: what each edits, its fields and their bounds, and :func:`measure_profile`, the
0…1 share of a measure's full effect in each month.

Examples
--------
>>> from rareearth.option_measures import AddCapacity, measure_profile
>>> m = AddCapacity(node="US:magnet", commodity="magnet", tonnes_per_year=1000, ramp_months=2)
>>> measure_profile(m, 3).tolist()
[0.25, 0.75, 1.0]
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from rareearth.catalog import (
    Commodities,
    CountryCode,
    FieldError,
    FrozenModel,
    NetworkIndex,
    ProducingStage,
    resolve_commodities,
)
from rareearth.errors import OptionError, RareEarthError
from rareearth.limits import MAX_MONTHS, MAX_TONNES
from rareearth.records import MAGNET, parse_node_id

if TYPE_CHECKING:
    from rareearth.protocols import NetworkLike

__all__ = ["MEASURE_ORDER", "AddCapacity", "Measure", "Offtake", "Recycling", "Relocate",
           "Stockpile", "Substitution", "TradeLink", "measure_profile"]

_SECTOR = r"^[a-z][a-z0-9_]*$"


class _Measure(FrozenModel):
    """Fields every measure shares."""

    error: ClassVar[type[RareEarthError]] = OptionError

    starts_after_months: float | None = Field(
        None, ge=0, le=MAX_MONTHS, description="months after the scenario start; default: the option's lead time"
    )
    note: str | None = Field(None, description="source or reasoning of this measure")

    @property
    def ramp(self) -> float:
        """Months from first effect to full effect (0 = at once)."""
        return 0.0

    def _check(self, look: NetworkIndex, where: str) -> list[str | None]:
        """Problems of this measure in a network (``None`` = fine)."""
        raise NotImplementedError


def _node_or_stage(node: str | None, country: str | None, stage: str | None) -> None:
    if node is not None and (country is not None or stage is not None):
        raise FieldError("node", "give either node, or country and stage, not both")
    if node is None and (country is None or stage is None):
        missing = "stage" if country is not None else "country"
        raise FieldError(missing, "give a node id, or both country and stage")


class AddCapacity(_Measure):
    """New capacity of ``commodity`` at a node, or at a country's stage, ramping in linearly.

    Give ``node`` (``US:magnet``, ``MY:separation:lynas``), or ``country`` and ``stage`` (the
    engine spreads the capacity over that country's nodes of the stage in proportion to their
    capacity). The node must exist; its inputs come through the engine's rerouting.

    Examples
    --------
    >>> AddCapacity(country="US", stage="magnet", commodity="magnet",
    ...             tonnes_per_year=9000, ramp_months=24).tonnes_per_year
    9000.0
    """

    type: Literal["add_capacity"] = "add_capacity"
    node: str | None = None
    country: CountryCode | None = None
    stage: ProducingStage | None = None
    commodity: str = Field(min_length=1)
    tonnes_per_year: float = Field(gt=0, le=MAX_TONNES, description="added capacity, t/yr")
    ramp_months: float = Field(
        0.0, ge=0, le=MAX_MONTHS, description="linear ramp to full capacity"
    )

    @field_validator("node")
    @classmethod
    def _producing_node(cls, node: str | None) -> str | None:
        if node is not None and parse_node_id(node).stage == "end_use":
            raise ValueError("is an end-use node; capacity is added to producing nodes")
        return node

    @model_validator(mode="after")
    def _where_and_what(self) -> AddCapacity:
        _node_or_stage(self.node, self.country, self.stage)
        stage = parse_node_id(self.node).stage if self.node else self.stage
        if (stage == "magnet") != (self.commodity == MAGNET):
            raise FieldError(
                "commodity",
                f"a {stage} node makes {'magnet' if stage == 'magnet' else 'materials'}, "
                f"not {self.commodity!r}",
            )
        return self

    @property
    def ramp(self) -> float:
        """``ramp_months``."""
        return self.ramp_months

    def nodes(self, net: NetworkLike) -> list[str]:
        """Node ids of ``net`` that get the capacity (the node, or the country's stage)."""
        if self.node is not None:
            return [self.node]
        return NetworkIndex(net).nodes_of(str(self.country), str(self.stage))

    def _check(self, look: NetworkIndex, where: str) -> list[str | None]:
        if self.node is not None:
            place = look.node(self.node, f"{where}.node")
        else:
            place = look.stage(str(self.country), str(self.stage), f"{where}.stage")
        return [place, look.commodities([self.commodity], f"{where}.commodity", OptionError)]


class Offtake(_Measure):
    """Part of a supplier's output of ``commodity`` reserved for ``partner``.

    ``supplier`` is a node id (``MY:separation:lynas``) or a country code with ``stage``
    (every node of that country and stage). Give ``share`` (of the supplier's output each
    month) or ``tonnes_per_year`` (a contracted volume, at most the output). The reserved
    part goes to the partner first when output falls short; the rest is allocated as usual.

    Examples
    --------
    >>> Offtake(supplier="MY", stage="separation", partner="JP", commodity="DyTb",
    ...         share=0.65).share
    0.65
    """

    type: Literal["offtake"] = "offtake"
    supplier: str = Field(description="node id, or a country code with stage")
    stage: ProducingStage | None = None
    partner: CountryCode
    commodity: str = Field(min_length=1)
    share: float | None = Field(None, ge=0, le=1, description="share of the supplier's output")
    tonnes_per_year: float | None = Field(
        None, ge=0, le=MAX_TONNES, description="contracted volume, t/yr"
    )

    @field_validator("supplier")
    @classmethod
    def _supplier(cls, supplier: str) -> str:
        if ":" in supplier:
            if parse_node_id(supplier).stage == "end_use":
                raise ValueError("is an end-use node; a supplier produces")
        elif not re.match(r"^[A-Z][A-Z0-9]{1,3}$", supplier):
            raise ValueError("must be a node id (CC:stage[:facility]) or a country code ('AU')")
        return supplier

    @model_validator(mode="after")
    def _consistent(self) -> Offtake:
        if ":" in self.supplier and self.stage is not None:
            raise FieldError("stage", "the supplier is a node id, which already names its stage")
        if ":" not in self.supplier and self.stage is None:
            raise FieldError("stage", f"required when the supplier is a country ({self.supplier})")
        if self.supplier.split(":")[0] == self.partner:
            raise FieldError("partner", "is the supplier's own country; an offtake is a trade")
        if (self.share is None) == (self.tonnes_per_year is None):
            raise FieldError("share", "give exactly one of share and tonnes_per_year")
        return self

    def supplier_nodes(self, net: NetworkLike) -> list[str]:
        """Node ids of ``net`` whose output is reserved (the node, or the country's stage)."""
        if ":" in self.supplier:
            return [self.supplier]
        return NetworkIndex(net).nodes_of(self.supplier, str(self.stage))

    def _check(self, look: NetworkIndex, where: str) -> list[str | None]:
        if ":" in self.supplier:
            place = look.node(self.supplier, f"{where}.supplier")
            nodes = [self.supplier]
        else:
            place = look.stage(self.supplier, str(self.stage), f"{where}.stage")
            nodes = look.nodes_of(self.supplier, str(self.stage))
        problems = [place, look.country(self.partner, f"{where}.partner"),
                    look.commodities([self.commodity], f"{where}.commodity", OptionError)]
        if not any(problems):
            problems.append(look.makes(nodes, self.commodity, f"{where}.commodity"))
        return problems


class Stockpile(_Measure):
    """A national stockpile of ``commodities`` for ``country``, added to any it already has.

    Give ``days`` (of the country's baseline consumption of each commodity) or ``tonnes``
    (per commodity). It is filled before it is first needed and released under the dataset's
    (or the engine's default) release rule.

    Examples
    --------
    >>> Stockpile(country="JP", commodities=["NdPr", "heavy"], days=120).tonnes is None
    True
    """

    type: Literal["stockpile"] = "stockpile"
    country: CountryCode
    commodities: Commodities = "all"
    days: float | None = Field(
        None, gt=0, le=MAX_MONTHS * 31, description="days of baseline consumption"
    )
    tonnes: float | None = Field(None, gt=0, le=MAX_TONNES, description="t of each commodity")

    @model_validator(mode="after")
    def _days_or_tonnes(self) -> Stockpile:
        if (self.days is None) == (self.tonnes is None):
            raise FieldError("days", "give exactly one of days and tonnes")
        return self

    def resolve_commodities(self, net: NetworkLike) -> list[str]:
        """Commodity ids of ``net`` this stockpile holds (aliases resolved)."""
        return resolve_commodities(self.commodities, net, error=OptionError)

    def _check(self, look: NetworkIndex, where: str) -> list[str | None]:
        return [look.country(self.country, f"{where}.country"),
                look.commodities(self.commodities, f"{where}.commodities", OptionError)]


class Recycling(_Measure):
    """End-of-life recycling in ``country`` raised to ``rate`` of consumption.

    Secondary supply = ``rate × consumption`` of each commodity; it rises linearly from the
    dataset's ``recycling_rate`` over ``ramp_months`` and never lowers it.

    Examples
    --------
    >>> Recycling(country="JP", rate=0.1, ramp_months=60).rate
    0.1
    """

    type: Literal["recycling"] = "recycling"
    country: CountryCode
    rate: float = Field(ge=0, le=1, description="secondary supply / consumption")
    ramp_months: float = Field(0.0, ge=0, le=MAX_MONTHS)
    commodities: Commodities = "all"

    @property
    def ramp(self) -> float:
        """``ramp_months``."""
        return self.ramp_months

    def resolve_commodities(self, net: NetworkLike) -> list[str]:
        """Commodity ids of ``net`` that are recycled (aliases resolved)."""
        return resolve_commodities(self.commodities, net, error=OptionError)

    def _check(self, look: NetworkIndex, where: str) -> list[str | None]:
        return [look.country(self.country, f"{where}.country"),
                look.commodities(self.commodities, f"{where}.commodities", OptionError)]


class Substitution(_Measure):
    """A sector's use of ``commodity`` cut by ``intensity_cut`` over ``adoption_months``.

    The use may be direct (LaCe in catalysts) or embodied in what the sector buys (DyTb in the
    magnets of automotive motors): either way the sector needs ``1 − intensity_cut`` of it
    per unit of output once adopted.

    Examples
    --------
    >>> Substitution(country="JP", sector="automotive", commodity="DyTb",
    ...              intensity_cut=0.5, adoption_months=36).intensity_cut
    0.5
    """

    type: Literal["substitution"] = "substitution"
    country: CountryCode
    sector: str = Field(pattern=_SECTOR)
    commodity: str = Field(min_length=1)
    intensity_cut: float = Field(ge=0, le=1)
    adoption_months: float = Field(0.0, ge=0, le=MAX_MONTHS)

    @property
    def ramp(self) -> float:
        """``adoption_months``."""
        return self.adoption_months

    def _check(self, look: NetworkIndex, where: str) -> list[str | None]:
        return [look.sector(self.country, self.sector, f"{where}.sector"),
                look.commodities([self.commodity], f"{where}.commodity", OptionError)]


class TradeLink(_Measure):
    """New trade between two countries (both directions) reaches full volume in
    ``lead_time_months`` instead of the dataset's default ``lead_time_months``.

    Examples
    --------
    >>> TradeLink(countries=["US", "JP"], lead_time_months=1).countries
    ('US', 'JP')
    """

    type: Literal["trade_link"] = "trade_link"
    countries: tuple[CountryCode, CountryCode]
    lead_time_months: float = Field(
        ge=0, le=MAX_MONTHS, description="months to full volume on this link"
    )

    @field_validator("countries")
    @classmethod
    def _two_countries(cls, pair: tuple[str, str]) -> tuple[str, str]:
        if pair[0] == pair[1]:
            raise ValueError("must name two different countries")
        return pair

    def _check(self, look: NetworkIndex, where: str) -> list[str | None]:
        return [look.country(c, f"{where}.countries[{i}]") for i, c in enumerate(self.countries)]


class Relocate(_Measure):
    """A ``share`` of ``sector`` demand moves from one country to another over ``ramp_months``.

    The moved demand (every commodity of the sector) is served in ``to_country``; with
    ``supplier_country`` it buys first from that country's producers, else from the suppliers
    of ``to_country``'s existing demand (the engine creates the end-use node if needed).

    Examples
    --------
    >>> Relocate(from_country="JP", to_country="US", sector="automotive", share=0.1,
    ...          ramp_months=36, supplier_country="US").share
    0.1
    """

    type: Literal["relocate"] = "relocate"
    from_country: CountryCode
    to_country: CountryCode
    sector: str = Field(pattern=_SECTOR)
    share: float = Field(ge=0, le=1, description="share of the sector's demand moved")
    ramp_months: float = Field(0.0, ge=0, le=MAX_MONTHS)
    supplier_country: CountryCode | None = None

    @model_validator(mode="after")
    def _two_countries(self) -> Relocate:
        if self.from_country == self.to_country:
            raise FieldError("to_country", "must differ from from_country")
        return self

    @property
    def ramp(self) -> float:
        """``ramp_months``."""
        return self.ramp_months

    def _check(self, look: NetworkIndex, where: str) -> list[str | None]:
        problems = [look.sector(self.from_country, self.sector, f"{where}.sector"),
                    look.country(self.to_country, f"{where}.to_country")]
        if self.supplier_country is not None:
            problems.append(look.country(self.supplier_country, f"{where}.supplier_country"))
        return problems


Measure = Annotated[
    AddCapacity | Offtake | Stockpile | Recycling | Substitution | TradeLink | Relocate,
    Field(discriminator="type"),
]
#: The order in which measures are applied when options are combined, and why:
#: ``Relocate`` first, since it moves demand, the base that later measures are sized on;
#: ``AddCapacity`` before ``Offtake``, so that a reserved share applies to output that
#: includes new capacity; ``TradeLink`` before ``Offtake``, so reserved flows on a new link
#: use its lead time; ``Stockpile`` then, sized on consumption after relocation; ``Recycling``
#: and ``Substitution`` last, since they act on consumption itself.
MEASURE_ORDER: tuple[type[_Measure], ...] = (
    Relocate, AddCapacity, TradeLink, Offtake, Stockpile, Recycling, Substitution,
)
_MEASURE_TYPES: dict[str, type[_Measure]] = {
    str(cls.model_fields["type"].default): cls for cls in MEASURE_ORDER
}


def measure_profile(measure: _Measure, months: int) -> np.ndarray:
    """Share of a measure's full effect in each month, 0…1.

    The effect starts at ``starts_after_months`` (0 when unset) and rises linearly to 1 over
    the measure's ramp; each month gets the mean over the month (months of length 1).

    Examples
    --------
    >>> m = AddCapacity(node="US:magnet", commodity="magnet", tonnes_per_year=1000,
    ...                 ramp_months=2, starts_after_months=1)
    >>> measure_profile(m, 4).tolist()
    [0.0, 0.25, 0.75, 1.0]
    """
    start = float(measure.starts_after_months or 0.0)
    ramp = float(measure.ramp)
    edges = np.arange(months + 1, dtype=float) - start
    if ramp > 0:
        inside = np.clip(edges, 0.0, ramp)
        integral = inside**2 / (2 * ramp) + np.clip(edges - ramp, 0.0, None)
    else:
        integral = np.clip(edges, 0.0, None)
    return np.asarray(np.diff(integral), dtype=float)
