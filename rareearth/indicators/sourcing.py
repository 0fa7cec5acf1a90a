"""Where a country's material comes from: consumption, import reliance, supplier and origin shares.

Each tonne a country consumes is traced back through the network (:mod:`.tracing`): to the
border it crossed (:func:`supplier_shares`) or to the first node at a stage it passed
(:func:`origin_shares`). The definitions are in :mod:`rareearth.indicators` and
``docs/model.md``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from rareearth.indicators.checks import _check_query
from rareearth.indicators.tracing import _arrays, _consumed, _per_country, _shares, _trace
from rareearth.protocols import NetworkLike

__all__ = ["consumption", "import_reliance", "origin_shares", "supplier_shares"]


def consumption(net: NetworkLike, country: str, material: str) -> float:
    """What a country consumes of a material: what its end-use nodes receive (t REO/yr).

    Counts the material delivered to the country's ``end_use`` nodes, directly and embedded in
    magnets (``t magnet × recipe share`` of the magnet node that made them), from domestic and
    foreign suppliers alike. This is the quantity that :func:`supplier_shares` (with
    ``stage=None``) and :func:`origin_shares` split by country.

    Parameters
    ----------
    net : SupplyNetwork
    country : str
        Country or region code.
    material : str
        Material id (``NdPr``, ``DyTb``, ...).

    Returns
    -------
    float
        t REO/yr; 0 if the country's end uses take none of the material.

    Raises
    ------
    UnknownNameError
        If the country or the material is not in the network.

    Examples
    --------
    >>> from rareearth import examples
    >>> net = examples.tiny()  # JP uses 300 t of magnets a year, 0.02 t DyTb each
    >>> consumption(net, "JP", "DyTb")
    6.0
    """
    k, _ = _check_query(net, country, material)
    a = _arrays(net)
    return float(_consumed(a, a.weights(material), k).sum())


def import_reliance(
    net: NetworkLike,
    country: str,
    material: str,
    stage: str = "mining",
    *,
    clip: bool = True,
) -> float:
    """Net import reliance: net imports / apparent consumption, in raw-material equivalent.

    ``IR = (I − E) / (P + I − E)`` at the country border, over the forms of the material made
    at ``stage`` or later (at ``"mining"``, the default: every form: concentrate, oxide,
    metal, and embedded in magnets, ``t magnet × recipe share``), where

    - ``I`` (imports) sums the flows of those forms into the country's nodes from another
      country's nodes, and ``E`` (exports) the same flows out of the country;
    - ``P`` (production) is what enters the country's processing at ``stage``: at ``mining``
      its mines' output (and that of any node with no upstream); at a later stage, what its
      nodes at that stage or later take from earlier stages (domestic or imported ore at
      ``separation``), plus the output of its nodes there with no upstream.

    Every flow is counted in **raw-material equivalent** (t REO/yr of primary output it took):
    a node's output embodies ``(its inputs' mix) / yield`` t per t, so 1 t of magnet-grade
    NdPr with separation, metal and magnet yields of 0.95, 0.94 and 0.8 counts 1.4 t. Processing
    losses then cancel: with a balanced baseline ``P + I − E`` is exactly the raw-material
    equivalent of what the country consumes (:func:`consumption`), and a country that only
    processes and passes material on has none, whatever its yields.

    Counting all forms makes a country that imports magnets reliant on the materials in them.
    A later ``stage`` gives the reliance for refined material, as the USGS reports it for
    compounds and metals: a country that mines and exports concentrate but imports its magnets
    is a net exporter at ``mining`` and fully reliant at ``separation``.

    Parameters
    ----------
    net : SupplyNetwork
    country : str
        Country or region code.
    material : str
        Material id.
    stage : {"mining", "separation", "metal", "magnet"}, default "mining"
        Count the forms made at this stage or later.
    clip : bool, default True
        Clip to [0, 1]. A net exporter has a negative raw value (exports exceed imports); the
        EU criticality method (JRC 2017) sets it to 0, no import dependence, and the
        supply-risk formula needs IR in [0, 1]. ``P ≥ 0`` keeps the raw value ≤ 1.

    Returns
    -------
    float
        Import reliance (share, 1 = all consumption imported); NaN if the country consumes
        none of the material (:func:`consumption` is 0) or the apparent consumption is not
        positive.

    Raises
    ------
    UnknownNameError
        If the country, the material or the stage is unknown.

    Examples
    --------
    >>> from rareearth import examples
    >>> net = examples.tiny()
    >>> import_reliance(net, "JP", "DyTb")
    1.0
    >>> import_reliance(net, "CN", "NdPr")
    0.0
    """
    k, s = _check_query(net, country, material, stage)
    a = _arrays(net)
    if not _consumed(a, a.weights(material), k).sum() > 0:
        return math.nan
    raw = a.raw_weights(material)
    src, tgt = a.node_country[a.source], a.node_country[a.target]
    later = a.node_stage[a.source] >= s  # flows of the forms made at stage or later
    imports = float(raw[later & (tgt == k) & (src != k)].sum())
    exports = float(raw[later & (src == k) & (tgt != k)].sum())
    entering = ~later & (a.node_stage[a.target] >= s) & (tgt == k)
    inflow = np.bincount(a.target, weights=raw, minlength=a.n_nodes)
    outflow = np.bincount(a.source, weights=raw, minlength=a.n_nodes)
    primary = (a.node_country == k) & (a.node_stage >= s) & (inflow <= 0)
    production = float(raw[entering].sum() + outflow[primary].sum())
    apparent = production + imports - exports
    if not apparent > 1e-9 * max(1.0, production + imports):
        return math.nan
    reliance = (imports - exports) / apparent
    return min(max(reliance, 0.0), 1.0) if clip else reliance


def supplier_shares(
    net: NetworkLike, country: str, material: str, stage: str | None = None
) -> pd.Series:
    """Direct suppliers of a country's material, by supplying country (shares summing to 1).

    ``stage=None``: each tonne the country consumes (:func:`consumption`) is traced back through
    the country's own nodes (its magnet and metal plants, proportionally to their inputs) to the
    border it crossed; its supplier is the country that shipped it in, or the country itself if
    it never crossed a border (domestic mining, or a domestic node with no upstream). This is
    the *sourcing* mix of the EU method (domestic production plus imports), restricted to what
    the country ends up using.

    ``stage="mining" | "separation" | "metal" | "magnet"``: what the country's nodes buy from
    nodes at that stage, domestic or foreign, by the seller's country (magnets by the material
    embedded in them). A country that buys nothing at that stage gets an empty Series.

    Parameters
    ----------
    net : SupplyNetwork
    country : str
        Country or region code.
    material : str
        Material id.
    stage : str or None, default None
        See above.

    Returns
    -------
    pandas.Series
        Share per supplying country (index ``country``), largest first; empty if the country
        consumes (or, at a stage, buys) none of the material.

    Raises
    ------
    UnknownNameError
        If the country, the material or the stage is unknown.

    Examples
    --------
    >>> from rareearth import examples
    >>> net = examples.tiny()  # JP's 90 t NdPr: 50 t from CN (oxide and magnets), 40 t from AU
    >>> supplier_shares(net, "JP", "NdPr").round(4).to_dict()
    {'CN': 0.5556, 'AU': 0.4444}
    """
    k, s = _check_query(net, country, material, "mining" if stage is None else stage)
    a = _arrays(net)
    w = a.weights(material)
    if stage is None:
        src, tgt = a.node_country[a.source], a.node_country[a.target]
        domestic = (src == k) & (tgt == k)
        per_country = _trace(a, w, _consumed(a, w, k), domestic, to_source=True)
        return _shares(per_country, a.countries)
    bought = (a.node_stage[a.source] == s) & (a.node_country[a.target] == k)
    return _shares(_per_country(a, a.source[bought], w[bought]), a.countries)


def origin_shares(
    net: NetworkLike, country: str, material: str, stage: str = "mining"
) -> pd.Series:
    """Ultimate origin of a country's material: where what it consumes was mined (or separated).

    Each tonne the country consumes (:func:`consumption`) is traced back through every stage,
    proportionally through each node: a node's output carries the origin mix of its inputs of
    the material, and a magnet the mix of its recipe material. The tonne's origin is the
    country of the first node *at ``stage`` or later* it passed through: at ``"mining"`` the
    mine, at ``"separation"`` the separation plant, so oxide or metal bought from Vietnam but
    separated in China from Chinese concentrate counts as Chinese at both stages. A tonne
    that skipped ``stage`` counts for the next node it entered (that node did the work). A node
    with no upstream for the material (a metal plant fed by nothing in the data) is its own
    origin.

    Computed with the sparse share matrix of the material's flows, applied stage by stage
    (no path enumeration): O(flows) per call.

    Parameters
    ----------
    net : SupplyNetwork
    country : str
        Country or region code.
    material : str
        Material id.
    stage : {"mining", "separation", "metal", "magnet"}, default "mining"

    Returns
    -------
    pandas.Series
        Share per origin country (index ``country``), largest first, summing to 1; empty if
        the country consumes none of the material.

    Raises
    ------
    UnknownNameError
        If the country, the material or the stage is unknown.

    Examples
    --------
    >>> from rareearth import examples
    >>> net = examples.tiny()
    >>> origin_shares(net, "JP", "DyTb", stage="separation").to_dict()
    {'CN': 1.0}
    """
    k, s = _check_query(net, country, material, stage)
    a = _arrays(net)
    w = a.weights(material)
    upstream_of_stage = a.node_stage[a.source] < s  # tonnes stop at the first node at >= stage
    per_country = _trace(a, w, _consumed(a, w, k), ~upstream_of_stage, to_source=False)
    return _shares(per_country, a.countries)
