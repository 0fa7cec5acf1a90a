"""The structure of supply with cooperation options' contracts in force.

The structural component of the exposure score and the static indicators of an option's row
(``compare``) describe *where a country's supply comes from*. An option changes that when it
contracts supply: an :class:`~rareearth.cooperation.Offtake` reserves a share (or a tonnage) of
a supplier's output for a partner, from the supplier's existing output and from any capacity
the same options add there (:class:`~rareearth.cooperation.AddCapacity`). With the contract in
force, the partner buys that much from the supplier instead of from its other suppliers of the
same stage and commodity.

:func:`contracted_network` writes that into the baseline flows, keeping every node's totals
where it can:

1. the contracted tonnes ``X = share × (output + added capacity)`` (or the contracted volume,
   at most that) minus what the partner already buys from the supplier is the **swap**, at most
   the partner's purchases of the commodity from other suppliers of that stage;
2. the part the supplier can divert from its existing output (``e``, at most what it sells to
   others) moves from its other buyers to the partner, and those buyers take over, in
   proportion, what the partner bought elsewhere: every node's inflow and outflow stay as they
   were;
3. the part beyond existing output (``q``, from new capacity) is new supply to the partner that
   replaces as much of its other purchases; the suppliers it replaces sell that much less (the
   new output traces back to the supplier's own inputs, as its existing output does).

Only offtakes change flows here: new capacity without a contract, stockpiles, recycling and
substitution do not change where a tonne comes from (they act in the engine), and a relocation
moves demand, not sourcing.

Examples
--------
JP reserves half of CN:separation's 100 t/yr NdPr; it buys 20 t there and 40 t from
AU:separation, so 30 t/yr swap: JP takes 50 t from CN, 10 t from AU, and AU's other 30 t go to
CN's former buyers (CN:metal and CN:end_use:other, in proportion 75 : 5):

>>> from rareearth import examples
>>> net = examples.tiny()
>>> g = contracted_network(net, [examples.offtake(share=0.5)]).flows
>>> into_jp = g[(g.target == "JP:metal") & (g.commodity == "NdPr")]
>>> into_jp.set_index("source").tonnes_per_year.to_dict()
{'AU:separation': 10.0, 'CN:separation': 50.0}
>>> from_au = g[(g.source == "AU:separation")]
>>> from_au.set_index("target").tonnes_per_year.to_dict()
{'JP:metal': 10.0, 'CN:end_use:other': 1.875, 'CN:metal': 28.125}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import pandas as pd

from rareearth.protocols import NetworkLike

if TYPE_CHECKING:
    from rareearth.cooperation import AddCapacity, Offtake, Option

__all__ = ["contracted_network"]

Measure: TypeAlias = "AddCapacity | Offtake"


def _measures(options: Sequence[Option]) -> list[Measure]:
    from rareearth.cooperation import AddCapacity, Offtake, combine

    return [m for m in combine(list(options), in_place=True) if isinstance(m, AddCapacity | Offtake)]


def _key(measures: Sequence[Measure]) -> tuple[str, ...]:
    return tuple(sorted(m.model_dump_json(exclude={"note", "starts_after_months"}) for m in measures))


def contracted_network(net: NetworkLike, options: Sequence[Option]) -> NetworkLike:
    """``net`` with the flows its ``options``' offtakes contract (see the module docstring).

    Parameters
    ----------
    net : SupplyNetwork
    options : sequence of rareearth.cooperation.Option
        Includes are expanded; options without offtakes leave the network as it is.

    Returns
    -------
    SupplyNetwork
        ``net`` itself when nothing is contracted, else a new network whose flows table has
        the swaps (new rows cite ``option:<measure>`` with confidence ``estimate``).
    """
    from rareearth.cooperation import Offtake

    measures = _measures(options)
    # a portfolio is a set: contracts are written in one canonical order, whatever the order
    # the options came in (a later contract sees the flows of earlier ones)
    offtakes = sorted((m for m in measures if isinstance(m, Offtake)),
                      key=lambda m: m.model_dump_json(exclude={"note", "starts_after_months"}))
    if not offtakes:
        return net
    return net.cached("contracts.network", _key(measures),
                      lambda: _contract(net, measures, offtakes))


def _contract(net: NetworkLike, measures: Sequence[Measure],
              offtakes: Sequence[Offtake]) -> NetworkLike:
    from rareearth.cooperation import AddCapacity

    added: dict[tuple[str, str], float] = {}
    producers = net.producers
    for m in measures:
        if not isinstance(m, AddCapacity):
            continue
        nodes = m.nodes(net)
        if not nodes:
            continue
        caps = np.array([
            float(producers[(producers.node == n) & (producers.commodity == m.commodity)]
                  ["capacity_tonnes_per_year"].sum()) for n in nodes])
        weights = caps / caps.sum() if caps.sum() > 0 else np.full(len(nodes), 1 / len(nodes))
        for node, w in zip(nodes, weights, strict=True):
            added[(node, m.commodity)] = added.get((node, m.commodity), 0.0) + float(m.tonnes_per_year * w)

    flows = net.flows[["source", "target", "commodity", "tonnes_per_year", "source_country",
                       "target_country", "source_stage", "ref", "confidence", "method"]].copy()
    for m in offtakes:  # one after another: a later contract sees the flows of earlier ones
        nodes = m.supplier_nodes(net)
        for node in nodes:
            flows, rows = _swap(flows, node, m, added.get((node, m.commodity), 0.0), len(nodes))
            if rows:
                flows = pd.concat([flows, pd.DataFrame(rows)], ignore_index=True)
    table = flows[flows.tonnes_per_year > 1e-12]
    table = (table.groupby(["source", "target", "commodity"], sort=False, as_index=False)
             .agg(tonnes_per_year=("tonnes_per_year", "sum"), ref=("ref", "first"),
                  confidence=("confidence", "first"), method=("method", "first")))
    return net.replace(flows=table)


def _swap(flows: pd.DataFrame, node: str, m: Offtake, added: float,
          n_nodes: int) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """One supplier node's contract: the flows after the swap, and the new flow rows."""
    c, partner = m.commodity, m.partner
    out_rows = (flows.source == node) & (flows.commodity == c)
    output = float(flows.loc[out_rows, "tonnes_per_year"].sum())
    if m.share is not None:
        contracted = float(m.share) * (output + added)
    else:  # an offtake gives a share or a volume (cooperation.Offtake checks)
        assert m.tonnes_per_year is not None
        contracted = min(float(m.tonnes_per_year) / n_nodes, output + added)
    to_partner = out_rows & (flows.target_country == partner)
    already = float(flows.loc[to_partner, "tonnes_per_year"].sum())
    stage = str(flows.loc[out_rows, "source_stage"].iloc[0]) if out_rows.any() else node.split(":")[1]
    elsewhere = ((flows.target_country == partner) & (flows.commodity == c)
                 & (flows.source_stage == stage) & (flows.source != node)
                 & (flows.source_country != partner))
    other_total = float(flows.loc[elsewhere, "tonnes_per_year"].sum())
    swap = min(max(contracted - already, 0.0), other_total)
    if swap <= 0:
        return flows, []
    others = out_rows & ~to_partner
    divertible = float(flows.loc[others, "tonnes_per_year"].sum())
    e = min(swap, divertible)
    q = min(swap - e, added)
    moved = e + q
    if moved <= 0:
        return flows, []
    flows = flows.copy()
    cut_partner = flows.loc[elsewhere, "tonnes_per_year"] * (moved / other_total)  # per P-inflow
    cut_others = (flows.loc[others, "tonnes_per_year"] * (e / divertible)) if e > 0 else None
    method = (f"option offtake: {m.partner} takes {contracted:.1f} t/yr of {node}'s {c} under "
              "contract, in place of its other purchases (rareearth.contracts)")
    rows: list[dict[str, Any]] = []

    def row(source: str, target: str, tonnes: float) -> dict[str, Any]:
        return {"source": source, "target": target, "commodity": c, "tonnes_per_year": tonnes,
                "source_country": source.split(":")[0], "target_country": target.split(":")[0],
                "source_stage": source.split(":")[1], "ref": "option", "confidence": "estimate",
                "method": method}

    # partner's buyer nodes get the contracted tonnes in proportion to what they stop buying
    by_buyer = cut_partner.groupby(flows.loc[elsewhere, "target"]).sum()
    for buyer, tonnes in by_buyer.items():
        rows.append(row(node, str(buyer), float(tonnes)))
    # the supplier's other buyers take over the partner's other purchases (the diverted part)
    if cut_others is not None:
        by_source = cut_partner.groupby(flows.loc[elsewhere, "source"]).sum() * (e / moved)
        buyers = cut_others.groupby(flows.loc[others, "target"]).sum()
        for source, s_t in by_source.items():
            for buyer, b_t in buyers.items():
                rows.append(row(str(source), str(buyer), float(s_t * b_t / e)))
        flows.loc[others, "tonnes_per_year"] -= cut_others
    flows.loc[elsewhere, "tonnes_per_year"] -= cut_partner
    return flows, rows
