"""What an option does to a dataset, in the units users count: tonnes, tonnes per year, months.

An option's measures are written in relative terms (a stockpile of ``days`` of consumption, an
offtake ``share``, a recycling ``rate``); :func:`option_effects` turns each into quantities of
the dataset, computed the way the engine applies them (:mod:`rareearth.engine.measures`): a
stockpile of days is ``days / 365 ×`` the country's baseline use of each commodity and is
**added to the stockpile the dataset already holds** (``net.stockpiles``), an added capacity is
shown next to the capacity the nodes already have, and so on. Shown by ``rareearth options
show`` and in the report.

Examples
--------
>>> import rareearth as ree
>>> e = option_effects(ree.examples.tiny(), ree.load_option("stockpile-180d"))
>>> row = e[e.commodity == "DyTb"].iloc[0]
>>> row.unit, bool(row.total == row.baseline + row.added)
('t', True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from rareearth.engine.measures import _maker_shares, _recycled

if TYPE_CHECKING:
    from rareearth.cooperation import Option
    from rareearth.protocols import NetworkLike

__all__ = ["EFFECT_COLUMNS", "option_effects"]

#: Columns of :func:`option_effects`.
EFFECT_COLUMNS = [
    "option", "measure", "type", "country", "commodity", "what", "unit", "baseline", "added",
    "total",
]


def _row(option: str, i: int, measure: Any, country: str, commodity: str, what: str, unit: str,
         baseline: float, added: float, total: float | None = None) -> dict[str, Any]:
    return {
        "option": option, "measure": i, "type": str(measure.type), "country": country,
        "commodity": commodity, "what": what, "unit": unit, "baseline": float(baseline),
        "added": float(added), "total": float(baseline + added if total is None else total),
    }



def _end_use(net: Any, country: str, sector: str | None = None) -> pd.DataFrame:
    d = net.demand
    rows = d[d.country == country]
    if sector is not None and sector != "all":
        rows = rows[rows.sector == sector]
    return rows.groupby("commodity")["demand_tonnes_per_year"].sum()


def option_effects(net: NetworkLike, option: Option) -> pd.DataFrame:
    """Each measure of ``option`` (includes expanded) in quantities of ``net``.

    Parameters
    ----------
    net : SupplyNetwork
    option : Option
        Checked against ``net`` first (:meth:`Option.validate_for`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`EFFECT_COLUMNS`, one row per measure and commodity (or node):
        ``what`` says in words what the row counts, ``unit`` is ``t``, ``t/yr`` or
        ``months``; ``baseline`` is the dataset's value before the option (its stockpile, the
        nodes' capacity, the recycled supply, the use, the lead time; 0 for an offtake:
        nothing was reserved), ``added`` what the option adds (negative: a cut), ``total``
        the value with the option.

    Raises
    ------
    OptionError
        The option does not fit ``net``.
    """
    from rareearth.cooperation import (
        AddCapacity,
        Offtake,
        Recycling,
        Relocate,
        Stockpile,
        Substitution,
        TradeLink,
    )
    from rareearth.engine.measures import baseline_use

    option.validate_for(net)
    rows: list[dict[str, Any]] = []
    producers = net.producers
    piles = net.stockpiles
    base_rate = float(net.parameters.get("recycling_rate", 0.0))
    for opt in option.expand():
        for i, m in enumerate(opt.measures):
            name = str(opt.name)
            if isinstance(m, Stockpile):
                for c in m.resolve_commodities(net):
                    held = piles[(piles.country == m.country) & (piles.material == c)]
                    base = float(held["stock_tonnes"].sum())
                    if m.tonnes is not None:
                        added, what = float(m.tonnes), f"stockpile: {m.tonnes:g} t added"
                    else:
                        use = baseline_use(net, m.country, c)
                        added = float(m.days or 0.0) / 365.0 * use
                        what = (f"stockpile: {m.days:g} days × {use:,.0f} t/yr baseline use, "
                                "added to the national stockpile")
                    rows.append(_row(name, i, m, m.country, c, what, "t", base, added))
            elif isinstance(m, AddCapacity):
                for node in m.nodes(net):
                    sel = producers[(producers.node == node) & (producers.commodity == m.commodity)]
                    rows.append(_row(name, i, m, node.split(":")[0], m.commodity,
                                     f"capacity at {node}", "t/yr",
                                     float(sel["capacity_tonnes_per_year"].sum()),
                                     float(m.tonnes_per_year) if m.node else float("nan")))
                if m.node is None and rows:  # spread over the stage by capacity: as the engine
                    mine = [r for r in rows if r["option"] == name and r["measure"] == i]
                    total = sum(r["baseline"] for r in mine)
                    for r in mine:
                        share = r["baseline"] / total if total > 0 else 1.0 / len(mine)
                        r["added"] = float(m.tonnes_per_year) * share
                        r["total"] = r["baseline"] + r["added"]
            elif isinstance(m, Offtake):
                nodes = m.supplier_nodes(net)
                for node in nodes:
                    sel = producers[(producers.node == node) & (producers.commodity == m.commodity)]
                    out = float(sel["output_tonnes_per_year"].sum())
                    # a reserved share applies to output that includes new capacity of the
                    # same package (MEASURE_ORDER): at most baseline output + that capacity
                    new = sum(r["added"] for r in rows if r["type"] == "add_capacity"
                              and r["what"] == f"capacity at {node}"
                              and r["commodity"] == m.commodity)
                    reserved = (out + new) * float(m.share) if m.share is not None else min(
                        out + new, float(m.tonnes_per_year or 0.0) / len(nodes))
                    what = f"reserved for {m.partner} of {node}'s {out:,.0f} t/yr output"
                    if new > 0:
                        what += f" + {new:,.0f} t/yr of new capacity"
                    rows.append(_row(name, i, m, m.partner, m.commodity, what, "t/yr",
                                     0.0, reserved))
            elif isinstance(m, Recycling):
                extra = max(0.0, float(m.rate) - base_rate)
                served = set(_recycled(net, m))  # the engine's rule: its commodities only
                for c, use in _end_use(net, m.country).items():
                    if c not in served:
                        continue
                    rows.append(_row(name, i, m, m.country, str(c),
                                     f"secondary supply at {m.rate:.0%} of end use", "t/yr",
                                     base_rate * float(use), extra * float(use)))
            elif isinstance(m, Substitution):
                direct = _end_use(net, m.country, m.sector)
                if m.commodity in direct.index:
                    use = float(direct[m.commodity])
                    what = f"direct use in {m.sector}"
                    rows.append(_row(name, i, m, m.country, m.commodity, what, "t/yr", use,
                                     -float(m.intensity_cut) * use))
                else:  # inside magnets: what the engine changes, the makers' draw (measures)
                    f = net.flows
                    for maker, share in _maker_shares(net, m.country, m.sector, m.commodity):
                        use = float(f[(f.target == maker) & (f.commodity == m.commodity)]
                                    .tonnes_per_year.sum())
                        what = (f"{maker}'s use, {share:.0%} of its magnets going to "
                                f"{m.sector}")
                        rows.append(_row(name, i, m, m.country, m.commodity, what, "t/yr", use,
                                         -float(m.intensity_cut) * share * use))
            elif isinstance(m, TradeLink):
                lead = float(net.parameters.get("lead_time_months", 3.0))
                a, b = m.countries
                rows.append(_row(name, i, m, f"{a}-{b}", "all", "lead time of new trade",
                                 "months", lead, float(m.lead_time_months) - lead))
            elif isinstance(m, Relocate):
                for c, use in _end_use(net, m.from_country, m.sector).items():
                    moved = float(m.share) * float(use)
                    rows.append(_row(name, i, m, m.from_country, str(c),
                                     f"{m.sector} demand moved to {m.to_country}", "t/yr",
                                     float(use), -moved))
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)
