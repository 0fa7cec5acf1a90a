"""A straightforward networkx implementation of one month of the engine, as a speed reference.

This is how one would write the month step without arrays: a ``networkx.DiGraph`` whose nodes
and edges carry the model's quantities as attributes, and Python loops over the nodes in stage
order and over each node's outgoing edges. It does, for **one scenario**:

1. production: mining makes capacity × baseline utilisation (its baseline output) × capacity
   shocks; separation and metal make
   ``min(capacity, input received / input coefficient)``; magnet makers take the minimum over
   their recipe materials (Leontief);
2. allocation: each out-edge asks for its baseline flow times ``keep = Π (1 − severity ×
   intensity)`` over the export restrictions that match it; a supplier fills these asks in
   proportion when its output falls short (``fill = min(1, output / Σ asks)``), so what a cut
   frees goes to its other buyers up to their baseline and the rest stays with the exporter;
3. receiving: the target adds what arrives.

No rerouting, stocks, stockpiles, demand response or prices: on a network without spare
capacity, stocks or stockpiles, these do not change the first month's shipments, which is the
case ``tests/test_synthetic.py`` checks against the engine. Calibration is the engine's
(``rareearth.engine.structure``): a node's baseline output is the sum of its outgoing flows and
an input coefficient is baseline input / baseline output, so an empty scenario reproduces the
baseline flows exactly. Rates are t/month.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx

from rareearth.records import STAGES

__all__ = ["build_graph", "capacity_factors", "restriction_keep", "step"]


def build_graph(net: Any) -> nx.DiGraph:
    """The network as a DiGraph with what :func:`step` needs as plain attributes.

    Node attributes: ``stage`` (name), ``country``, ``capacity`` and ``base_out`` (dicts
    commodity → t/month) and ``coef`` (dict output commodity → dict input commodity → t of
    input per t of output). Edge attribute ``base``: dict commodity → baseline flow along the edge (t/month).
    """
    g = nx.DiGraph()
    nodes = net.nodes
    for node, country, stage in zip(nodes["node"], nodes["country"], nodes["stage"], strict=True):
        if node not in g:
            g.add_node(node, country=country, stage=stage, capacity={}, base_out={}, coef={})
    for row in net.producers.itertuples(index=False):
        g.nodes[row.node]["capacity"][row.commodity] = row.capacity_tonnes_per_year / 12.0
    base_out: dict[tuple[str, str], float] = defaultdict(float)
    base_in: dict[tuple[str, str], float] = defaultdict(float)
    flows = list(zip(net.flows["source"], net.flows["target"], net.flows["commodity"],
                     net.flows["tonnes_per_year"] / 12.0, strict=True))
    for source, target, commodity, tonnes in flows:
        base_out[(source, commodity)] += tonnes
        base_in[(target, commodity)] += tonnes
    for (node, commodity), tonnes in base_out.items():
        data = g.nodes[node]
        data["base_out"][commodity] = tonnes
        data["capacity"][commodity] = max(data["capacity"].get(commodity, 0.0), tonnes)
        if data["stage"] == "magnet":
            recipe = net.recipe(node)
            data["coef"][commodity] = {m: base_in[(node, m)] / tonnes for m in recipe}
        elif data["stage"] != "mining":
            data["coef"][commodity] = {commodity: base_in[(node, commodity)] / tonnes}
    for source, target, commodity, tonnes in flows:
        if not g.has_edge(source, target):
            g.add_edge(source, target, base={})
        g.edges[source, target]["base"][commodity] = tonnes
    g.graph["order"] = sorted(g.nodes, key=lambda n: STAGES.index(g.nodes[n]["stage"]))
    return g


def restriction_keep(net: Any, scenario: Any, month: int) -> dict[tuple[str, str, str], float]:
    """(exporter, importer, commodity) → share that may ship in ``month`` (absent: 1)."""
    keep: dict[tuple[str, str, str], float] = {}
    intensity = scenario.intensity()[:, month] if scenario.events else []
    for event, level in zip(scenario.events, intensity, strict=True):
        if getattr(event, "type", "") != "export_restriction" or level <= 0:
            continue
        targets = net.country_codes if event.targets == "all" else event.targets
        for target in targets:
            if target == event.exporter:
                continue
            for commodity in event.resolve_commodities(net):
                key = (event.exporter, target, commodity)
                keep[key] = keep.get(key, 1.0) * (1.0 - event.severity * float(level))
    return keep


def capacity_factors(g: nx.DiGraph, net: Any, scenario: Any, month: int) -> dict[tuple[str, str], float]:
    """(node, commodity) → capacity multiplier in ``month`` from capacity shocks (absent: 1)."""
    factors: dict[tuple[str, str], float] = {}
    intensity = scenario.intensity()[:, month] if scenario.events else []
    for event, level in zip(scenario.events, intensity, strict=True):
        if getattr(event, "type", "") != "capacity_shock" or level <= 0:
            continue
        commodities = set(event.resolve_commodities(net))
        for node, data in g.nodes(data=True):
            hit = node == event.node if event.node else (
                data["country"] == event.country and event.stage in (None, data["stage"]))
            if not hit:
                continue
            for commodity in data["base_out"]:
                if commodity in commodities:
                    key = (node, commodity)
                    factors[key] = factors.get(key, 1.0) * (1 - (1 - event.factor) * float(level))
    return factors


def step(
    g: nx.DiGraph,
    keep: dict[tuple[str, str, str], float],
    factors: dict[tuple[str, str], float] | None = None,
) -> dict[tuple[str, str, str], float]:
    """One month for one scenario: (source, target, commodity) → tonnes shipped (t/month)."""
    factors = factors or {}
    received: dict[str, dict[str, float]] = {n: defaultdict(float) for n in g.nodes}
    shipped: dict[tuple[str, str, str], float] = {}
    for node in g.graph["order"]:
        data = g.nodes[node]
        stage = data["stage"]
        if stage == "end_use":
            continue
        produced: dict[str, float] = {}
        for commodity, base in data["base_out"].items():
            factor = factors.get((node, commodity), 1.0)
            capacity = data["capacity"][commodity] * factor
            if stage == "mining":  # capacity × baseline utilisation
                made = base * factor
            else:
                inputs = received[node]
                made = capacity
                for material, coef in data["coef"][commodity].items():
                    if coef > 0:
                        made = min(made, inputs[material] / coef)
            produced[commodity] = made
        country = data["country"]
        asks: list[tuple[str, str, float]] = []
        total: dict[str, float] = defaultdict(float)
        for _, target, edge in g.out_edges(node, data=True):
            importer = g.nodes[target]["country"]
            for commodity, base in edge["base"].items():
                ask = base
                if importer != country:
                    ask *= keep.get((country, importer, commodity), 1.0)
                asks.append((target, commodity, ask))
                total[commodity] += ask
        for target, commodity, ask in asks:
            fill = min(1.0, produced[commodity] / total[commodity]) if total[commodity] > 0 else 1.0
            received[target][commodity] += ask * fill
            shipped[(node, target, commodity)] = ask * fill
    return shipped
