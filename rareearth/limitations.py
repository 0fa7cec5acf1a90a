"""The model's known limits that bear on one run, in sentences (the report's limitations section).

:func:`known_limits` does not keep a fixed disclaimer: each limit is a rule of the model that
the code or ``docs/model.md`` states, shown when the run is one it touches, and worded with the
run's own numbers (the dataset's reference year, how much of its flows are estimates, the
country's stockpile, the options' measures, the timing and the allocation mode used).

Examples
--------
>>> import rareearth as ree
>>> limits = known_limits(ree.examples.tiny(), ree.examples.embargo(), "JP")
>>> [limit.topic for limit in limits][:2]
['reference year', 'data']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rareearth.cooperation import Option
    from rareearth.protocols import NetworkLike
    from rareearth.scenario import Scenario

__all__ = ["Limit", "known_limits"]


@dataclass(frozen=True)
class Limit:
    """One known limit: a short ``topic`` and the ``text`` that says it for this run."""

    topic: str
    text: str


def _measures(options: Sequence[Any]) -> list[Any]:
    out: list[Any] = []
    for option in options:
        for opt in option.expand() if hasattr(option, "expand") else [option]:
            out.extend(getattr(opt, "measures", []))
    return out


def _confidence_shares(net: Any) -> dict[str, float]:
    """Share of the baseline flow tonnes by the rows' ``confidence``."""
    flows = net.flows
    total = float(flows["tonnes_per_year"].sum())
    if "confidence" not in flows.columns or total <= 0:
        return {}
    by = flows.groupby("confidence")["tonnes_per_year"].sum() / total
    return {str(k): float(v) for k, v in by.items()}


def known_limits(
    net: NetworkLike,
    scenario: Scenario,
    country: str,
    options: Sequence[Option] = (),
    *,
    allocation: str = "proportional",
    timing: str = "in_place",
    draws: int = 0,
) -> list[Limit]:
    """The known limits of the model that apply to this run, each in one or two sentences.

    Parameters
    ----------
    net, scenario, country
        The run (a network and scenario objects, not names).
    options : sequence of Option
        The options compared (their measure types select limits).
    allocation, timing : str
        As passed to the engine.
    draws : int
        Monte Carlo draws made (0: none).

    Returns
    -------
    list of Limit
    """
    from rareearth.cooperation import Stockpile, Substitution

    limits: list[Limit] = []
    year = getattr(net, "reference_year", None)
    months = int(getattr(scenario, "months", 0) or 0)
    limits.append(Limit(
        "reference year",
        f"The network is one reference year{f' ({year})' if year else ''}, run for {months} "
        "months: capacities, demand and trade partners change only through the scenario's "
        "events, the options, rerouting and the price response. Demand growth, new mines and "
        "plants announced but not in an option, and changes of policy during the run are not "
        "modelled.",
    ))
    shares = _confidence_shares(net)
    if shares:
        reported = shares.get("exact", 0.0) + shares.get("approximate", 0.0)
        limits.append(Limit(
            "data",
            f"Of the baseline flow tonnes of dataset {net.name}, {100 * reported:.0f}% are as "
            f"reported, {100 * shares.get('derived', 0.0):.0f}% derived from cited figures and "
            f"{100 * shares.get('estimate', 0.0):.0f}% our estimates (a split or a balance "
            "closure): trade statistics rarely split rare-earth oxides by element or follow "
            "them through separation. Each row names its sources and method.",
        ))
    piles = net.stockpiles
    mine = piles[piles.country == country] if "country" in piles.columns else piles.iloc[0:0]
    if len(mine) and "confidence" in mine.columns and (mine["confidence"] == "estimate").any():
        method = str(mine["method"].iloc[0]).split(":")[0] if "method" in mine.columns else ""
        limits.append(Limit(
            "stockpile",
            f"{country}'s national stockpile in the dataset "
            f"({mine['stock_tonnes'].sum():,.0f} t over {len(mine)} materials) is an estimate"
            + (f": {method}." if method else "."),
        ))
    limits.append(Limit(
        "prices",
        "One price index per commodity: the export-market price that importers pay; the "
        "restricting country's domestic price is not modelled, and the index never falls "
        "below the reference (no glut pricing). No numeric price elasticity of demand was "
        "found in the sources, so elasticities are wide assumptions (scaled "
        f"{_range(scenario, 'elasticity_scale')} under Monte Carlo).",
    ))
    limits.append(Limit(
        "losses",
        "Lost value is end-use demand not met × a downstream value per tonne (USD); units of "
        "products not built, value added and GDP effects are not modelled. Demand cut by high "
        "prices is not counted as shortfall, so a harsher scenario can leave a country less "
        "short in tonnes while it consumes less.",
    ))
    if allocation == "optimal":
        limits.append(Limit(
            "allocation",
            "Allocation 'optimal' is a linear program per month that minimises value-weighted "
            "shortfall: the best case, a lower bound on what a market would deliver.",
        ))
    else:
        limits.append(Limit(
            "allocation",
            "Rerouting is proportional (one round per month: a short buyer gets spare output "
            "of unrestricted suppliers in proportion to its unmet need, after a lead time); "
            "the 'optimal' mode gives the best case.",
        ))
    if options:
        if timing == "in_place":
            text = ("Options are assumed in place before the shock: every measure at full "
                    "effect from the first month (timing 'in_place'), whatever its lead time. "
                    "This ranks what would have helped; it does not say what can still be "
                    "done once the shock has begun (timing 'from_start').")
        else:
            text = ("Options are decided when the scenario starts: each measure acts after "
                    "its lead time and ramps in (timing 'from_start').")
        limits.append(Limit("timing", text))
        measures = _measures(options)
        if any(isinstance(m, Stockpile) for m in measures):
            limits.append(Limit(
                "stockpile options",
                "A stockpile is not bought through the market: in place it is full from the "
                "first month, and decided at the start its added tonnes arrive when its lead "
                "time ends; the purchases never raise demand or prices on the way.",
            ))
        if any(isinstance(m, Substitution) for m in measures):
            limits.append(Limit(
                "substitution in magnets",
                "A cut of a material inside magnets (e.g. DyTb in car motors) redesigns only the "
                "magnets the country's own makers ship to that sector: magnets bought from "
                "abroad keep the exporter's recipe (docs/option-format.md).",
            ))
        limits.append(Limit(
            "costs",
            "Costs are as each option's sources state them (capital committed); operating "
            "costs, financing and what the option earns back are not counted.",
        ))
    if draws > 0:
        limits.append(Limit(
            "uncertainty",
            f"The {draws} Monte Carlo draws vary the events' severity and duration, the price "
            "elasticity, the lead time of new trade and the dataset parameters with a declared "
            "range; flows, capacities, recipes and stocks stay at their point values, so the "
            "bands understate the data's own uncertainty.",
        ))
    limits.append(Limit(
        "score",
        "The score's weights are policy choices (docs/exposure.md): read the components and "
        "the tonnes and dollars behind them, not only the total.",
    ))
    return limits


def _range(scenario: Any, name: str) -> str:
    u = getattr(scenario, "uncertainty", None)
    low, high = getattr(u, name, (0.5, 1.5)) if u is not None else (0.5, 1.5)
    return f"{low:g}–{high:g}×"
