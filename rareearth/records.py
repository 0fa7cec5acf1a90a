"""Validated records: one pydantic model per row of a dataset table.

Models validate, functions compute: these classes only check a row (types, bounds, the shape of
ids, that estimates say how they were made). Cross-references between tables (a flow's nodes
exist, a row's source id is declared) are checked by :mod:`rareearth.data`, which sees the whole
dataset. Units live in field names (``tonnes_per_year``, ``stock_tonnes``); quantities of
materials are tonnes of rare-earth oxide equivalent (t REO), magnets tonnes of magnet.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from rareearth.limits import MAX_FACTOR, MAX_TONNES, MAX_USD_PER_TONNE

__all__ = [
    "END_USE_SECTORS",
    "MAGNET",
    "STAGES",
    "Country",
    "Demand",
    "Flow",
    "Material",
    "NodeId",
    "NodeOutput",
    "Parameter",
    "RecipeRow",
    "Source",
    "Stock",
    "Stockpile",
    "parse_node_id",
    "sector_of",
    "sectors_of",
    "stages_of",
]

#: Stages in order (MODEL.md §1); a flow always goes to a later stage. A dataset may declare
#: its own (``datapackage.json`` ``stages``: these five in this order, and processing stages
#: between mining and magnet); this is the default.
STAGES: tuple[str, ...] = ("mining", "separation", "metal", "magnet", "end_use")
#: The one commodity that is not a material.
MAGNET = "magnet"
#: Sectors an end-use node may name, unless the dataset declares its own (``sectors``).
END_USE_SECTORS: tuple[str, ...] = (
    "automotive",
    "electronics",
    "wind",
    "industrial",
    "catalysts",
    "glass_polishing",
    "other",
)

Confidence = Literal["exact", "approximate", "derived", "estimate"]

_NODE_RE = re.compile(r"^(?P<country>[A-Z]{2,4}):(?P<stage>[a-z_]+)(?::(?P<facility>[a-z0-9][a-z0-9_-]*))?$")
_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
#: Control characters no cell may hold (NUL and the like; tab, newline and return are text).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class NodeId(BaseModel):
    """A parsed node id ``CC:stage[:facility]``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    country: str
    stage: str
    facility: str = ""

    def __str__(self) -> str:
        base = f"{self.country}:{self.stage}"
        return f"{base}:{self.facility}" if self.facility else base


def parse_node_id(node: str, stages: Sequence[str] | None = None) -> NodeId:
    """Split a node id into country, stage and facility.

    ``stages`` are the stages allowed (a network's ``stages``); None checks only the form of
    the id (a network's own node ids were checked when it was loaded).

    Examples
    --------
    >>> parse_node_id("AU:mining:mt-weld")
    NodeId(country='AU', stage='mining', facility='mt-weld')
    >>> parse_node_id("JP:alloy", STAGES)
    Traceback (most recent call last):
    ...
    ValueError: node id 'JP:alloy' has stage 'alloy'; allowed: mining, separation, metal, magnet, end_use

    Raises
    ------
    ValueError
        If the id is not ``CC:stage[:facility]`` with a stage of ``stages``.
    """
    match = _NODE_RE.match(node)
    if match is None:
        raise ValueError(
            f"node id {node!r} is not CC:stage[:facility] (CC upper-case country or region code, "
            "facility lower-case letters, digits, - and _)"
        )
    stage = match["stage"]
    if stages is not None and stage not in stages:
        raise ValueError(f"node id {node!r} has stage {stage!r}; allowed: {', '.join(stages)}")
    return NodeId(country=match["country"], stage=stage, facility=match["facility"] or "")


def stages_of(info: ValidationInfo | None) -> tuple[str, ...]:
    """The stages a row is validated against: the dataset's (validation context ``stages``),
    else :data:`STAGES`."""
    context = info.context if info is not None else None
    if isinstance(context, dict) and context.get("stages"):
        return tuple(context["stages"])
    return STAGES


def sectors_of(info: ValidationInfo | None) -> tuple[str, ...]:
    """The end-use sectors a row is validated against (context ``sectors``, else the default)."""
    context = info.context if info is not None else None
    if isinstance(context, dict) and context.get("sectors"):
        return tuple(context["sectors"])
    return END_USE_SECTORS


def sector_of(node: str) -> str:
    """The end-use sector of an end-use node: its facility up to the first ``-``
    (``JP:end_use:automotive`` and ``JP:end_use:automotive-toyota`` are both ``automotive``).

    Examples
    --------
    >>> sector_of("JP:end_use:automotive-2")
    'automotive'
    """
    return parse_node_id(node).facility.split("-", 1)[0]


class _Row(BaseModel):
    """Common provenance columns of every table."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, allow_inf_nan=False
    )

    ref: str = Field(min_length=1, description="source ids joined by ';'")
    confidence: Confidence
    method: str = ""

    @model_validator(mode="before")
    @classmethod
    def _no_control_characters(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, value in data.items():
                if isinstance(value, str) and _CONTROL_RE.search(value):
                    raise ValueError(
                        f"{key}: holds a control character such as NUL "
                        "(only printable text, tabs and line breaks are allowed)"
                    )
        return data

    @field_validator("ref")
    @classmethod
    def _names_a_source(cls, value: str) -> str:
        if not any(part.strip() for part in value.split(";")):
            raise ValueError("must name at least one source id (ids joined by ';')")
        return value

    @model_validator(mode="after")
    def _estimates_say_how(self) -> _Row:
        if self.confidence in ("derived", "estimate") and not self.method:
            raise ValueError(
                f"method: a row with confidence {self.confidence!r} must say how it was made "
                "(the figures and the arithmetic)"
            )
        return self

    @property
    def refs(self) -> list[str]:
        """The cited source ids."""
        return [part.strip() for part in self.ref.split(";") if part.strip()]


class Country(_Row):
    code: str = Field(pattern=r"^[A-Z]{2,4}$")
    name: str = Field(min_length=1)
    kind: Literal["country", "region"]
    governance: float = Field(ge=-2.5, le=2.5, description="WGI scale")

    @model_validator(mode="after")
    def _iso_or_region(self) -> Country:
        if self.kind == "country" and len(self.code) != 2:
            raise ValueError(f"code: a country code is ISO 3166-1 alpha-2 (got {self.code!r})")
        return self


class Material(_Row):
    id: str = Field(pattern=_ID_RE.pattern)
    name: str = Field(min_length=1)
    elements: str = Field(min_length=1)
    group: Literal["light", "heavy"]
    price_usd_per_tonne: float = Field(gt=0, le=MAX_USD_PER_TONNE)
    price_elasticity: float = Field(gt=0, le=MAX_FACTOR)

    @field_validator("id")
    @classmethod
    def _not_magnet(cls, value: str) -> str:
        if value == MAGNET:
            raise ValueError("'magnet' is reserved for the magnet commodity")
        return value


class NodeOutput(_Row):
    node: str
    commodity: str = Field(min_length=1)
    capacity_tonnes_per_year: float = Field(ge=0, le=MAX_TONNES)
    output_tonnes_per_year: float = Field(ge=0, le=MAX_TONNES)
    yield_: float = Field(default=1.0, gt=0, le=1.5, alias="yield")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @field_validator("node")
    @classmethod
    def _node_id(cls, value: str, info: ValidationInfo) -> str:
        stage = parse_node_id(value, stages_of(info)).stage
        if stage == "end_use":
            raise ValueError("end_use nodes are declared in demand.csv, not nodes.csv")
        return value

    @model_validator(mode="after")
    def _capacity_covers_output(self) -> NodeOutput:
        if self.output_tonnes_per_year > self.capacity_tonnes_per_year * (1 + 1e-9):
            raise ValueError(
                f"output_tonnes_per_year ({self.output_tonnes_per_year:g}) exceeds "
                f"capacity_tonnes_per_year ({self.capacity_tonnes_per_year:g})"
            )
        stage = parse_node_id(self.node).stage
        if (self.commodity == MAGNET) != (stage == "magnet"):
            raise ValueError("commodity: 'magnet' is made at magnet nodes, and only magnets are")
        if stage == "mining" and self.yield_ != 1:
            raise ValueError(
                f"yield: must be 1 at a mining node (its output is what it mines; got {self.yield_:g})"
            )
        return self


class Flow(_Row):
    source: str
    target: str
    commodity: str = Field(min_length=1)
    tonnes_per_year: float = Field(ge=0, le=MAX_TONNES)

    @field_validator("source", "target")
    @classmethod
    def _node_id(cls, value: str, info: ValidationInfo) -> str:
        parse_node_id(value, stages_of(info))
        return value

    @model_validator(mode="after")
    def _downstream(self, info: ValidationInfo) -> Flow:
        stages = stages_of(info)
        s = stages.index(parse_node_id(self.source).stage)
        t = stages.index(parse_node_id(self.target).stage)
        if t <= s:
            raise ValueError(
                f"target: a flow goes to a later stage ({self.source} -> {self.target} does not)"
            )
        return self


class RecipeRow(_Row):
    node: str
    material: str = Field(min_length=1)
    tonnes_per_tonne: float = Field(ge=0, le=1)

    @field_validator("node")
    @classmethod
    def _magnet_node(cls, value: str, info: ValidationInfo) -> str:
        if value != "default" and parse_node_id(value, stages_of(info)).stage != "magnet":
            raise ValueError(f"node: a recipe belongs to a magnet node or 'default' (got {value!r})")
        return value


class Demand(_Row):
    node: str
    commodity: str = Field(min_length=1)
    demand_tonnes_per_year: float = Field(ge=0, le=MAX_TONNES)
    value_usd_per_tonne: float = Field(ge=0, le=MAX_USD_PER_TONNE)

    @field_validator("node")
    @classmethod
    def _end_use(cls, value: str, info: ValidationInfo) -> str:
        parsed = parse_node_id(value, stages_of(info))
        if parsed.stage != "end_use":
            raise ValueError(f"node: demand belongs to an end_use node (got {value!r})")
        sector = sector_of(value)
        sectors = sectors_of(info)
        if sector not in sectors:
            raise ValueError(
                f"node: sector {sector!r} is not one of {', '.join(sectors)} "
                "(a named end user is sector-name, e.g. automotive-toyota)"
            )
        return value


class Stock(_Row):
    node: str
    commodity: str = Field(min_length=1)
    stock_tonnes: float = Field(ge=0, le=MAX_TONNES)
    target_tonnes: float = Field(ge=0, le=MAX_TONNES)

    @field_validator("node")
    @classmethod
    def _node_id(cls, value: str, info: ValidationInfo) -> str:
        parse_node_id(value, stages_of(info))
        return value


class Stockpile(_Row):
    country: str = Field(pattern=r"^[A-Z]{2,4}$")
    material: str = Field(min_length=1)
    stock_tonnes: float = Field(ge=0, le=MAX_TONNES)
    release_threshold: float = Field(ge=0, le=1)
    release_tonnes_per_month: float = Field(ge=0, le=MAX_TONNES)


class Parameter(_Row):
    name: str
    value: float
    unit: str
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _range(self) -> Parameter:
        if self.low is not None and self.high is not None and not (
            self.low <= self.value <= self.high
        ):
            raise ValueError(f"value {self.value:g} is outside [low, high] = [{self.low:g}, {self.high:g}]")
        return self


class Source(BaseModel):
    """One cited source of ``datapackage.json``."""

    model_config = ConfigDict(frozen=True, extra="allow")

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    path: str = ""
