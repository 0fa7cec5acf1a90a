"""Cooperation options: named packages of measures that edit the network, as data.

An :class:`Option` (MODEL.md §5) has a beneficiary ``country``, a ``cost_usd``, a
``lead_time_months`` and a list of measures, each a small typed class told by its ``type``:

=================  =====================================================================
``add_capacity``   :class:`AddCapacity`: new capacity at a node (or a country's stage)
``offtake``        :class:`Offtake`: a share (or tonnage) of a supplier's output reserved
                   for a partner, honoured first under scarcity
``stockpile``      :class:`Stockpile`: a national stockpile of some days of consumption
                   (or tonnes), added to the country's existing one
``recycling``      :class:`Recycling`: end-of-life recycling raised to a rate
``substitution``   :class:`Substitution`: a sector's use of a commodity cut
``trade_link``     :class:`TradeLink`: a shorter lead time for new trade between two
                   countries
``relocate``       :class:`Relocate`: a share of a sector's demand moved to another country
=================  =====================================================================

**Timing.** Months count from the first month of the scenario the option is run with. A
measure begins to act after ``starts_after_months`` (default: its option's
``lead_time_months``; 0 = in place from the start) and reaches full effect after its ramp
(``ramp_months`` or ``adoption_months``; 0 = at once). :func:`measure_profile` gives that
0…1 profile per month. :func:`combine` fills ``starts_after_months`` in, so the measures it
returns carry their own timing.

**Cost.** ``cost_usd`` is the capital or budget the option commits, by whoever pays
(loans and equity included at face value); each built-in option says how it was estimated.

Examples
--------
>>> from rareearth.cooperation import combine, load_option
>>> opt = load_option("stockpile-180d")
>>> opt.country, opt.measures[0].days
('JP', 120.0)
>>> [m.type for m in combine([load_option("combined")])][:3]
['relocate', 'add_capacity', 'add_capacity']
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import Field, field_validator, model_validator

from rareearth.catalog import (
    NAME_PATTERN,
    Catalog,
    CountryCode,
    Document,
    FieldError,
    catalog_names,
    validate_document,
)
from rareearth.errors import OptionError, RareEarthError, UnknownNameError
from rareearth.limits import MAX_MONTHS, MAX_USD
from rareearth.option_measures import (
    _MEASURE_TYPES,
    MEASURE_ORDER,
    AddCapacity,
    Measure,
    Offtake,
    Recycling,
    Relocate,
    Stockpile,
    Substitution,
    TradeLink,
    _Measure,
    measure_profile,
)

if TYPE_CHECKING:
    from rareearth.protocols import NetworkLike

__all__ = [
    "MEASURE_ORDER",
    "AddCapacity",
    "Measure",
    "Offtake",
    "Option",
    "Recycling",
    "Relocate",
    "Stockpile",
    "Substitution",
    "TradeLink",
    "combine",
    "load_option",
    "measure_profile",
    "options",
]


class Option(Document):
    """A named package of measures that a ``country`` could take, with its cost and lead time.

    Parameters
    ----------
    name : str
        Short id (lower-case letters, digits, ``-``); a built-in's file name.
    title, description : str
        Human text; ``description`` gives the sources and how cost and lead time were found.
    country : str
        The beneficiary.
    cost_usd : float
        Capital or budget committed, USD (≥ 0).
    lead_time_months : float
        Default start of the measures, in months after the scenario start.
    measures : list of Measure
        The edits of the network.
    includes : list of str
        Names of built-in options whose measures this one also takes (a package). Its own
        ``cost_usd`` and ``lead_time_months`` are stated, not summed: the built-in
        ``combined`` states the sum of its parts' costs, and a test checks it.
    sources : list of str
        Citations.

    Examples
    --------
    >>> opt = Option(name="jp-stock", country="JP", cost_usd=1e8, lead_time_months=12,
    ...              measures=[{"type": "stockpile", "country": "JP", "days": 60}])
    >>> float(measure_profile(combine([opt])[0], 14)[11:13].sum())
    1.0
    """

    error: ClassVar[type[RareEarthError]] = OptionError
    name: str = Field(pattern=NAME_PATTERN)
    title: str = ""
    description: str = ""
    country: CountryCode
    cost_usd: float = Field(ge=0, le=MAX_USD)
    lead_time_months: float = Field(ge=0, le=MAX_MONTHS)
    measures: list[Measure] = Field(default_factory=list)
    includes: list[Annotated[str, Field(pattern=NAME_PATTERN)]] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)

    @field_validator("includes")
    @classmethod
    def _built_in(cls, includes: list[str]) -> list[str]:
        known = catalog_names("options")
        unknown = [name for name in includes if name not in known]
        if unknown:
            raise ValueError(
                f"unknown built-in option(s) {', '.join(map(repr, unknown))}; "
                f"built-in: {', '.join(known)}"
            )
        return includes

    @model_validator(mode="after")
    def _has_content(self) -> Option:
        if not self.measures and not self.includes:
            raise FieldError("measures", "an option needs measures, or includes of other options")
        if self.name in self.includes:
            raise FieldError("includes", f"an option cannot include itself ({self.name!r})")
        return self

    def expand(self) -> list[Option]:
        """This option and every built-in option it includes (recursively), each once.

        Raises
        ------
        OptionError
            An include that is not a built-in option, or a cycle of includes.
        """
        seen: dict[str, Option] = {}
        _expand(self, seen, stack=())
        return list(seen.values())

    def validate_for(self, net: NetworkLike) -> None:
        """Check every measure (and included option) against ``net``.

        ``net`` needs ``country_codes``, ``commodities``, ``node_ids`` and ``demand`` (with a
        ``node`` column); ``materials`` resolves aliases and ``producers`` (``node``,
        ``commodity``), when present, tells whether a supplier makes what is reserved (or will,
        through an ``AddCapacity`` of the same package).

        Raises
        ------
        OptionError
            Listing every problem: ``measures[1].stage: MY has no separation node in this
            network (its nodes: ...)``.
        """
        from rareearth.scenario import network_index

        look = copy.copy(network_index(net))  # shared: ``made`` is copied before it grows
        expanded = self.expand()
        if look.made is not None:  # what new capacity will make counts as made
            look.made = set(look.made)
            for option in expanded:
                for m in option.measures:
                    if isinstance(m, AddCapacity):
                        nodes = [m.node] if m.node else look.nodes_of(str(m.country), str(m.stage))
                        look.made |= {(n, m.commodity) for n in nodes}
        problems: list[str] = []
        for option in expanded:
            prefix = "" if option is self else f"includes {option.name!r}: "
            for i, measure in enumerate(option.measures):
                problems += [prefix + p for p in measure._check(look, f"measures[{i}]") if p]
        if problems:
            name = getattr(net, "name", "the network")
            raise OptionError(
                f"option {self.name!r} does not fit {name!r}:\n  " + "\n  ".join(problems)
            )

    def retarget(self, country: str) -> Option:
        """This option as a template for another beneficiary ``country``.

        Built-in options are written for Japan; the same measures taken by another country
        name it where they named the beneficiary: a stockpile's or recycling's ``country``, a
        substitution's ``country``, an offtake's ``partner``, a relocation's ``from_country``,
        one side of a trade link. Where new capacity is built and whose output is reserved stay
        as they are (an Australian offtake for the US still reserves Lynas output). Included
        options stay included (so a package and its parts still count once in a portfolio)
        and act for the package's beneficiary: :meth:`expand` retargets each to it. Costs and
        lead times are the template's (estimated for Japan): the title says so.

        Raises
        ------
        OptionError
            Where a measure cannot apply to ``country``: e.g. an offtake of ``country``'s own
            output (``us-japan-partnership`` for the US reserves US magnets for the US), or a
            relocation to the country itself.

        Examples
        --------
        >>> opt = load_option("stockpile-180d").retarget("US")
        >>> opt.country, opt.measures[0].country
        ('US', 'US')
        """
        old = self.country
        if country == old:
            return self
        measures: list[Any] = []
        problems: list[str] = []
        for i, measure in enumerate(self.measures):
            data = {**measure.model_dump(), **_retargeted(measure, old, country)}
            try:
                measures.append(_MEASURE_TYPES[measure.type].model_validate(data))
            except (ValueError, RareEarthError) as err:
                problems.append(f"measures[{i}]: {_first_error(err)}")
        title = self.title or self.name
        option = self.model_copy(update={
            "country": country, "measures": measures,
            "title": f"{title} [template for {country}; cost and lead time as estimated for {old}]",
        })
        if not problems:  # included options are retargeted as they are expanded (_expand)
            try:
                option.expand()
            except OptionError as err:
                problems.append(str(err).split(": ", 1)[-1] if "includes[" in str(err) else str(err))
        if problems:
            raise OptionError(
                f"option {self.name!r} cannot be retargeted from {old} to {country}:\n  "
                + "\n  ".join(problems)
            )
        return option

    @classmethod
    def from_dict(cls, data: Any, source: str = "<data>") -> Option:
        """Validate plain data; errors become :class:`OptionError` naming ``source``."""
        return validate_document(cls, data, source, OptionError, _MEASURE_TYPES)


def _retargeted(measure: _Measure, old: str, new: str) -> dict[str, Any]:
    """The fields of ``measure`` that name the beneficiary ``old``, naming ``new`` instead."""
    if isinstance(measure, Stockpile | Recycling | Substitution):
        return {"country": new} if measure.country == old else {}
    if isinstance(measure, Offtake):
        return {"partner": new} if measure.partner == old else {}
    if isinstance(measure, Relocate):
        return {"from_country": new} if measure.from_country == old else {}
    if isinstance(measure, TradeLink):
        return {"countries": tuple(new if c == old else c for c in measure.countries)}
    return {}


def _first_error(err: Exception) -> str:
    errors = getattr(err, "errors", None)
    if callable(errors):
        first = errors()[0]
        loc = [str(x) for x in first.get("loc", ())]
        cause = (first.get("ctx") or {}).get("error")
        if isinstance(cause, FieldError):
            loc.append(cause.field)
        message = str(cause) if cause is not None else str(first.get("msg", err))
        return f"{'.'.join(loc)}: {message}" if loc else message
    return str(err)


def _expand(option: Option, seen: dict[str, Option], stack: tuple[str, ...]) -> None:
    if option.name in stack:
        raise OptionError(f"option {option.name!r}: includes form a cycle: "
                          + " -> ".join([*stack, option.name]))
    if option.name in seen:
        if seen[option.name] != option:
            raise OptionError(f"two different options are named {option.name!r}")
        return
    seen[option.name] = option
    for i, name in enumerate(option.includes):
        try:
            included = load_option(name)
        except UnknownNameError as err:
            raise OptionError(f"option {option.name!r}: includes[{i}]: {err}") from err
        if included.country != option.country:  # a package's parts act for its beneficiary
            try:
                included = included.retarget(option.country)
            except OptionError as err:
                raise OptionError(f"option {option.name!r}: includes[{i}]: {err}") from err
        _expand(included, seen, (*stack, option.name))


def combine(options: Iterable[Option], *, in_place: bool = False) -> list[Any]:
    """All measures of ``options`` (includes expanded, each option once) in :data:`MEASURE_ORDER`.

    The order is stable within a type (options in the order given, measures in the order
    listed). Each returned measure has ``starts_after_months`` filled in from its option's
    ``lead_time_months`` when it did not set its own.

    Parameters
    ----------
    options : iterable of Option
    in_place : bool
        If true, every measure starts at month 0 (its ramp still applies): the question "what
        if this had been done before the scenario began", rather than "what if it is decided
        at the scenario's start" (the default).

    Examples
    --------
    >>> from rareearth.cooperation import load_option
    >>> measures = combine([load_option("recycling"), load_option("stockpile-180d")])
    >>> [m.type for m in measures]
    ['stockpile', 'recycling']
    >>> measures[0].starts_after_months
    12.0
    """
    seen: dict[str, Option] = {}
    for option in options:
        _expand(option, seen, stack=())
    timed: list[_Measure] = []
    for option in seen.values():
        for measure in option.measures:
            if in_place:
                measure = measure.model_copy(update={"starts_after_months": 0.0})
            elif measure.starts_after_months is None:
                measure = measure.model_copy(
                    update={"starts_after_months": float(option.lead_time_months)}
                )
            timed.append(measure)
    rank = {cls: i for i, cls in enumerate(MEASURE_ORDER)}
    return sorted(timed, key=lambda m: rank[type(m)])


def options() -> list[str]:
    """Names of the built-in cooperation options.

    Examples
    --------
    >>> "stockpile-180d" in options()
    True
    """
    return OPTIONS.names()


def load_option(name_or_path: str | os.PathLike[str], country: str | None = None) -> Option:
    """A built-in option by name, or an option file (``.yaml``, ``.yml``, ``.json``).

    With ``country``, the option retargeted to that beneficiary (:meth:`Option.retarget`):
    built-in options are templates for any country.

    Raises
    ------
    UnknownNameError
        A name that is not built in.
    OptionError
        A missing or malformed file, or a field out of bounds; the message names the file and
        the field, e.g. ``my.yaml: measures[0].share: must be ≤ 1 (got 1.5)``.

    Examples
    --------
    >>> load_option("australia-offtake").measures[-1].share
    0.65
    >>> load_option("australia-offtake", country="US").measures[-1].partner
    'US'
    """
    option = OPTIONS.load(name_or_path)  # built-ins are read once; each caller gets a copy
    if country is not None:
        option = option.retarget(country)
    return option


Option.error_tags = _MEASURE_TYPES


def _listing_row(option: Option) -> dict[str, Any]:
    return {"name": option.name, "title": option.title, "country": option.country,
            "cost_usd": option.cost_usd, "lead_time_months": option.lead_time_months,
            "measures": len(option.measures), "includes": ", ".join(option.includes)}


#: The built-in cooperation options (``catalog/options/*.yaml``): list, load, show, validate.
OPTIONS: Catalog[Option] = Catalog(
    "options", "option", Option, OptionError, _MEASURE_TYPES,
    columns=("name", "title", "country", "cost_usd", "lead_time_months", "measures", "includes"),
    row=_listing_row,
)
