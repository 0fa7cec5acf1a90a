"""Field types of scenario and option documents, and the model base that reports bad fields.

Codes, dates, months, commodity lists and destination lists validate with readable messages;
:class:`FrozenModel` (frozen, unknown fields rejected, numbers finite) turns a direct call
with bad fields into the model's :class:`~rareearth.errors.RareEarthError`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic._internal._model_construction import ModelMetaclass

from rareearth.catalog.messages import FieldError, describe_error
from rareearth.errors import RareEarthError
from rareearth.limits import FIRST_YEAR, LAST_YEAR

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
    "ProducingStage",
    "Targets",
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

