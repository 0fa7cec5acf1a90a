"""Static indicators of a country's dependence, from the baseline network (MODEL.md §4).

Free functions ``f(net, country, material, ...)`` over a :class:`~rareearth.network.SupplyNetwork`.
Every quantity is counted in tonnes of the material (t REO/yr): a flow of the material counts its
tonnes, and a flow of magnets counts the material embedded in it, ``t magnet × recipe share`` of
the magnet node that made it (:meth:`SupplyNetwork.recipe`). The definitions, with formulas, are
in ``docs/model.md`` (section *Indicators*); in short:

consumption
    What a country consumes of a material: what its ``end_use`` nodes receive, directly or
    embedded in magnets (domestic or imported). Processing is not consumption: the oxide a
    Japanese metal plant turns into metal for export is consumed where the magnets end up.
apparent consumption, import reliance
    ``production + imports − exports`` at the country border, over all forms of the material
    (concentrate, oxide, metal, embedded in magnets), or those made at a chosen stage or later;
    ``production`` is what enters the country's processing (its mines' output at ``mining``).
    Every flow counts in raw-material equivalent (t of primary output it took, through the
    yields), so that processing losses cancel: with a balanced baseline the apparent
    consumption is the raw-material equivalent of consumption. Import reliance is
    ``(imports − exports) / apparent consumption``, clipped to [0, 1].
direct suppliers
    Each tonne consumed is traced back, through the country's own nodes, to the border it
    crossed: its supplier is the country that shipped it in, or the country itself if it never
    crossed a border (domestic mining).
ultimate origin
    Each tonne consumed is traced back through every stage, proportionally through each node (a
    node's output carries the mix of its inputs, a magnet the mix of its recipe material), to the
    first node at the chosen stage or later it passed: at ``mining``, the mine; at
    ``separation``, the separation plant. Metal bought from Vietnam but made from oxide separated
    in China counts as Chinese at ``separation``; oxide that Vietnam separated from Chinese
    concentrate counts as Chinese at ``mining``. A node with no upstream for the material is its
    own origin.
governance weight
    ``(2.5 − WGI) / 5``: the WGI score (−2.5 … 2.5) rescaled to 0 (best) … 1 (worst), the
    EU criticality assessment's scaling divided by 10.

Shares are :class:`pandas.Series` indexed by country code (name ``country``), largest first,
summing to 1; a country that consumes none of the material gets an empty Series and NaN
indicators, never an error. Unknown countries, materials or stages raise
:class:`~rareearth.errors.UnknownNameError` naming what exists.

Tracing is sparse linear algebra over the flow matrix of one material: the share matrix
``P[j, i]`` (share of node ``i``'s input coming from node ``j``) is applied stage by stage (at
most four times, flows always go to a later stage), so a call costs O(flows), with no path
enumeration, on networks of any size.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from rareearth.errors import UnknownNameError
from rareearth.network import SupplyNetwork
from rareearth.records import MAGNET, STAGES

__all__ = [
    "consumption",
    "dependence_table",
    "governance_hhi",
    "governance_weights",
    "hhi",
    "import_reliance",
    "origin_shares",
    "stage_shares",
    "supplier_shares",
    "supply_risk",
]

#: Bounds of the World Bank WGI scale.
WGI_RANGE: tuple[float, float] = (-2.5, 2.5)
#: The EU supply-risk indicator scales WGI to 0 … 10 (JRC 2017 methodology, Blengini et al.);
#: :func:`governance_hhi` works on 0 … 1, :func:`supply_risk` multiplies by this factor.
EU_WGI_SCALE = 10.0
#: Stages a tonne can be traced back to.
ORIGIN_STAGES: tuple[str, ...] = ("mining", "separation", "metal", "magnet")

_STAGE_INDEX = {s: i for i, s in enumerate(STAGES)}
_END_USE = _STAGE_INDEX["end_use"]


# --------------------------------------------------------------------------- arrays


@dataclass(eq=False)
class _Arrays:
    """Edge and node arrays of a network for tracing (built once per network, vectorised)."""

    countries: list[str]
    materials: list[str]
    node_country: np.ndarray  # (N,) index into countries
    node_stage: np.ndarray  # (N,) index into STAGES
    source: np.ndarray  # (E,) node index
    target: np.ndarray  # (E,)
    tonnes: np.ndarray  # (E,) t/yr of the flow's commodity
    commodity: np.ndarray  # (E,) commodity label
    embedded: np.ndarray  # (E, M) t of each material per t of magnet, magnet flows only
    node_yield: np.ndarray  # (N, M) t out per t in of each material (magnet nodes: magnet yield)
    _weights: dict[str, np.ndarray] = field(default_factory=dict)
    _raw: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        return int(self.node_country.shape[0])

    def weights(self, material: str) -> np.ndarray:
        """t/yr of ``material`` each flow carries: its tonnes, or embedded in magnets."""
        if material not in self._weights:
            k = self.materials.index(material)
            w = np.where(self.commodity == material, self.tonnes, 0.0)
            w = w + np.where(self.commodity == MAGNET, self.tonnes * self.embedded[:, k], 0.0)
            self._weights[material] = w
        return self._weights[material]

    def raw_weights(self, material: str) -> np.ndarray:
        """Each flow's material in raw-material equivalent: t of primary output it took.

        A node's output embodies ``ρ = (mix of its inputs' ρ) / yield`` t of primary output per
        t (ρ = 1 at mines and at nodes with no upstream); a flow carries ``w × ρ(source)``.
        """
        if material not in self._raw:
            w = self.weights(material)
            n = self.n_nodes
            inflow = np.bincount(self.target, weights=w, minlength=n)
            share = _input_shares(self, w, inflow)
            # transposed share matrix: row i holds the shares of node i's inputs
            pt = sparse.csr_matrix((share, (self.target, self.source)), shape=(n, n))
            has_input = inflow > 0
            node_yield = self.node_yield[:, self.materials.index(material)]
            rho = np.ones(n)
            for _ in range(len(STAGES) - 1):  # exact after one pass per stage
                rho = np.where(has_input, (pt @ rho) / node_yield, 1.0)
            self._raw[material] = w * rho[self.source]
        return self._raw[material]


def _input_shares(a: _Arrays, w: np.ndarray, inflow: np.ndarray) -> np.ndarray:
    """(E,) share of its target's input that each flow brings (0 into nodes with no input)."""
    into = inflow[a.target]
    return np.divide(w, into, out=np.zeros_like(w), where=into > 0)


# Derived arrays are cached per network object; a network's tables are never edited in place
# (SupplyNetwork.replace builds a new one), so a cached entry cannot go stale.
_CACHE: weakref.WeakKeyDictionary[SupplyNetwork, _Arrays] = weakref.WeakKeyDictionary()


def _recipe_matrix(net: SupplyNetwork, nodes: pd.Series) -> np.ndarray:
    """(len(nodes), M): t of each material per t of magnet made at each node (own rows, else default)."""
    materials = net.material_ids
    out = np.zeros((len(nodes), len(materials)))
    recipes = net.recipes
    if recipes.empty or len(nodes) == 0:
        return out
    is_default = recipes["node"] == "default"
    default = recipes[is_default].groupby("material")["tonnes_per_tonne"].sum().reindex(materials)
    out[:] = default.fillna(0.0).to_numpy(dtype=float)
    own_rows = recipes[~is_default]
    if not own_rows.empty:
        own = own_rows.pivot_table(
            index="node", columns="material", values="tonnes_per_tonne", aggfunc="sum"
        ).reindex(columns=materials)
        has_own = nodes.isin(own.index).to_numpy()
        if has_own.any():
            out[has_own] = own.reindex(nodes[has_own]).fillna(0.0).to_numpy(dtype=float)
    return out


def _arrays(net: SupplyNetwork) -> _Arrays:
    cached = _CACHE.get(net)
    if cached is not None:
        return cached
    countries = net.country_codes
    country_index = {c: i for i, c in enumerate(countries)}
    f = net.flows
    located = pd.concat(
        [
            net.nodes[["node", "country", "stage"]],
            f[["source", "source_country", "source_stage"]].set_axis(
                ["node", "country", "stage"], axis=1
            ),
            f[["target", "target_country", "target_stage"]].set_axis(
                ["node", "country", "stage"], axis=1
            ),
        ],
        ignore_index=True,
    ).drop_duplicates("node")
    index = pd.Index(located["node"])
    commodity = f["commodity"].astype(str).to_numpy(dtype=object)
    embedded = np.zeros((len(f), len(net.material_ids)))
    is_magnet = commodity == MAGNET
    if is_magnet.any():
        embedded[is_magnet] = _recipe_matrix(net, f["source"][is_magnet].reset_index(drop=True))
    materials = net.material_ids
    node_yield = np.ones((len(index), len(materials)))
    made = net.producers
    rows = index.get_indexer(made["node"])
    yields = made["yield"].to_numpy(dtype=float)
    for k, material in enumerate(materials):
        mine = (made["commodity"] == material).to_numpy()
        node_yield[rows[mine], k] = yields[mine]
    magnets = (made["commodity"] == MAGNET).to_numpy()
    node_yield[rows[magnets], :] = yields[magnets, None]  # a magnet's yield applies to its recipe
    arrays = _Arrays(
        countries=countries,
        materials=materials,
        node_country=located["country"].map(country_index).to_numpy(dtype=np.int64),
        node_stage=located["stage"].map(_STAGE_INDEX).to_numpy(dtype=np.int64),
        source=index.get_indexer(f["source"]).astype(np.int64),
        target=index.get_indexer(f["target"]).astype(np.int64),
        tonnes=f["tonnes_per_year"].to_numpy(dtype=float),
        commodity=commodity,
        embedded=embedded,
        node_yield=node_yield,
    )
    _CACHE[net] = arrays
    return arrays


# --------------------------------------------------------------------------- checks


def _check_country(net: SupplyNetwork, country: str) -> int:
    codes = net.country_codes
    if country not in codes:
        raise UnknownNameError(
            f"unknown country {country!r}: network {net.name!r} has {', '.join(codes)}"
        )
    return codes.index(country)


def _check_material(net: SupplyNetwork, material: str) -> None:
    if material not in net.material_ids:
        raise UnknownNameError(
            f"unknown material {material!r}: network {net.name!r} has {', '.join(net.material_ids)}"
        )


def _check_stage(stage: str, allowed: tuple[str, ...]) -> int:
    if stage not in allowed:
        raise UnknownNameError(f"unknown stage {stage!r}: use one of {', '.join(allowed)}")
    return _STAGE_INDEX[stage]


def _shares(per_country: np.ndarray, countries: list[str]) -> pd.Series:
    """Non-zero entries of a per-country vector as shares summing to 1, largest first."""
    total = float(per_country.sum())
    index = pd.Index([], dtype=object, name="country")
    if not total > 0:
        return pd.Series([], index=index, dtype=float, name="share")
    keep = per_country > total * 1e-12
    series = pd.Series(
        per_country[keep] / total,
        index=pd.Index([countries[i] for i in np.flatnonzero(keep)], dtype=object, name="country"),
        name="share",
    )
    # largest first; ties by code, so the order does not depend on the dataset's row order
    order = sorted(range(len(series)), key=lambda i: (-series.iloc[i], series.index[i]))
    return series.iloc[order]


# --------------------------------------------------------------------------- tracing


def _consumed(a: _Arrays, w: np.ndarray, k: int) -> np.ndarray:
    """(N,) t/yr of the material each end-use node of country ``k`` receives."""
    at = (a.node_stage[a.target] == _END_USE) & (a.node_country[a.target] == k)
    return np.bincount(a.target[at], weights=w[at], minlength=a.n_nodes)


def _trace(
    a: _Arrays, w: np.ndarray, start: np.ndarray, keep: np.ndarray, *, to_source: bool
) -> np.ndarray:
    """Trace tonnes back from the nodes in ``start`` and attribute them to countries.

    Tonnes at a node are split over its inputs in proportion to the inflows (``P[j, i]``: share
    of node ``i``'s input from node ``j``). Along ``keep`` edges they move upstream; on any other
    edge they stop and count for the country of the edge's source (``to_source``) or target.
    Tonnes at a node with no inflow count for the node's own country.
    """
    n = a.n_nodes
    inflow = np.bincount(a.target, weights=w, minlength=n)
    share = _input_shares(a, w, inflow)
    live = share > 0
    moves = keep & live
    p = sparse.csr_matrix((share[moves], (a.source[moves], a.target[moves])), shape=(n, n))
    visits = start.astype(float)
    current = visits
    for _ in range(len(STAGES) - 1):  # a path has at most one edge per later stage
        current = p @ current
        if not np.any(current > 0):
            break
        visits = visits + current
    stops = ~keep & live
    stop_nodes = a.source[stops] if to_source else a.target[stops]
    k = len(a.countries)
    per_country = np.zeros(k)
    per_country += np.bincount(
        a.node_country[stop_nodes], weights=visits[a.target[stops]] * share[stops], minlength=k
    )
    primary = inflow <= 0
    per_country += np.bincount(a.node_country[primary], weights=visits[primary], minlength=k)
    return per_country


# --------------------------------------------------------------------------- public


def consumption(net: SupplyNetwork, country: str, material: str) -> float:
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
    >>> import rareearth as ree
    >>> net = ree.load_network("world-2024")
    >>> consumption(net, "JP", "DyTb") > 0
    True
    """
    k = _check_country(net, country)
    _check_material(net, material)
    a = _arrays(net)
    return float(_consumed(a, a.weights(material), k).sum())


def import_reliance(
    net: SupplyNetwork,
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
    >>> import rareearth as ree
    >>> net = ree.load_network("world-2024")
    >>> import_reliance(net, "JP", "DyTb")
    1.0
    >>> import_reliance(net, "CN", "NdPr")
    0.0
    """
    k = _check_country(net, country)
    _check_material(net, material)
    s = _check_stage(stage, ORIGIN_STAGES)
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
    net: SupplyNetwork, country: str, material: str, stage: str | None = None
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
    >>> import rareearth as ree
    >>> net = ree.load_network("world-2024")
    >>> shares = supplier_shares(net, "JP", "DyTb")
    >>> round(float(shares.sum()), 9)
    1.0
    """
    k = _check_country(net, country)
    _check_material(net, material)
    a = _arrays(net)
    w = a.weights(material)
    if stage is None:
        src, tgt = a.node_country[a.source], a.node_country[a.target]
        domestic = (src == k) & (tgt == k)
        per_country = _trace(a, w, _consumed(a, w, k), domestic, to_source=True)
        return _shares(per_country, a.countries)
    s = _check_stage(stage, ORIGIN_STAGES)
    bought = (a.node_stage[a.source] == s) & (a.node_country[a.target] == k)
    per_country = np.bincount(
        a.node_country[a.source[bought]], weights=w[bought], minlength=len(a.countries)
    )
    return _shares(per_country, a.countries)


def origin_shares(
    net: SupplyNetwork, country: str, material: str, stage: str = "mining"
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
    >>> import rareearth as ree
    >>> net = ree.load_network("world-2024")
    >>> float(origin_shares(net, "JP", "DyTb", stage="separation")["CN"]) > 0.85
    True
    """
    k = _check_country(net, country)
    _check_material(net, material)
    s = _check_stage(stage, ORIGIN_STAGES)
    a = _arrays(net)
    w = a.weights(material)
    upstream_of_stage = a.node_stage[a.source] < s  # tonnes stop at the first node at >= stage
    per_country = _trace(a, w, _consumed(a, w, k), ~upstream_of_stage, to_source=False)
    return _shares(per_country, a.countries)


def _hhi(shares: pd.Series) -> float:
    return float((shares**2).sum()) if len(shares) else math.nan


def _mix(
    net: SupplyNetwork, country: str, material: str, origin: bool, stage: str | None
) -> pd.Series:
    if origin:
        return origin_shares(net, country, material, stage="mining" if stage is None else stage)
    return supplier_shares(net, country, material, stage=stage)


def hhi(
    net: SupplyNetwork,
    country: str,
    material: str,
    origin: bool = False,
    stage: str | None = None,
) -> float:
    """Herfindahl-Hirschman index of a country's suppliers of a material: ``Σ share²``.

    A fraction in [1/n, 1] for n suppliers (multiply by 10 000 for the antitrust scale): 1 is a
    single supplier.

    Parameters
    ----------
    net : SupplyNetwork
    country : str
        Country or region code.
    material : str
        Material id.
    origin : bool, default False
        False: direct suppliers (:func:`supplier_shares`); True: ultimate origin
        (:func:`origin_shares`).
    stage : str or None, default None
        Passed on: with ``origin=True``, the stage traced back to (None means ``"mining"``);
        with ``origin=False``, None means the suppliers of what the country consumes, a stage
        the sellers at that stage.

    Returns
    -------
    float
        NaN if the country consumes none of the material.

    Raises
    ------
    UnknownNameError
        If the country, the material or the stage is unknown.

    Examples
    --------
    >>> import rareearth as ree
    >>> net = ree.load_network("world-2024")
    >>> hhi(net, "JP", "DyTb") < 1.0  # some of Japan's DyTb metal comes from Vietnam
    True
    >>> round(hhi(net, "JP", "DyTb", origin=True, stage="separation"), 2)  # all separated in China
    1.0
    """
    return _hhi(_mix(net, country, material, origin, stage))


def governance_weights(net: SupplyNetwork) -> pd.Series:
    """Risk weight of each country's governance: ``(2.5 − WGI) / 5`` in [0, 1].

    The WGI score (World Bank, −2.5 … 2.5, higher is better) is rescaled so that the best
    possible governance weighs 0 and the worst 1, as the EU criticality assessment does on a
    0 … 10 scale (JRC 2017: ``WGI_scaled = 10 × (2.5 − WGI) / 5``). Scores outside the WGI
    range are clipped to it.

    Returns
    -------
    pandas.Series
        Weight per country code (index ``country``).

    Examples
    --------
    >>> import rareearth as ree
    >>> w = governance_weights(ree.load_network("world-2024"))
    >>> bool(w["CN"] > w["JP"])
    True
    """
    lo, hi = WGI_RANGE
    wgi = net.countries["governance"].astype(float).clip(lo, hi)
    weights = (hi - wgi) / (hi - lo)
    weights.index = pd.Index([str(c) for c in weights.index], name="country")
    return weights.rename("governance_weight")


def _governance_hhi(net: SupplyNetwork, shares: pd.Series) -> float:
    if shares.empty:
        return math.nan
    weights = governance_weights(net).reindex(shares.index)
    return float((shares**2 * weights).sum())


def governance_hhi(
    net: SupplyNetwork,
    country: str,
    material: str,
    origin: bool = True,
    stage: str | None = None,
) -> float:
    """Governance-weighted HHI: ``Σ share_i² × g_i``, ``g_i`` the supplier's governance weight.

    ``g_i = (2.5 − WGI_i) / 5`` (:func:`governance_weights`): 0 for the best governance, 1 for
    the worst. The result is in [0, 1]; it equals :func:`hhi` when every supplier has the worst
    governance, and falls with better-governed or more diverse supply. This is the EU's
    ``HHI_WGI`` divided by 10, without the trade-restriction factor ``t`` (taken as 1: export
    restrictions are modelled by the scenarios instead).

    Parameters
    ----------
    net : SupplyNetwork
    country : str
        Country or region code.
    material : str
        Material id.
    origin : bool, default True
        True: shares of ultimate origin (:func:`origin_shares`); False: direct suppliers.
    stage : str or None, default None
        As in :func:`hhi` (None with ``origin=True`` means ``"mining"``).

    Returns
    -------
    float
        NaN if the country consumes none of the material.

    Raises
    ------
    UnknownNameError
        If the country, the material or the stage is unknown.

    Examples
    --------
    >>> import rareearth as ree
    >>> net = ree.load_network("world-2024")
    >>> 0.0 <= governance_hhi(net, "JP", "NdPr") <= hhi(net, "JP", "NdPr", origin=True)
    True
    """
    return _governance_hhi(net, _mix(net, country, material, origin, stage))


def stage_shares(net: SupplyNetwork, stage: str, material: str | None = None) -> pd.Series:
    """Each country's share of world output at a stage.

    At ``mining``, ``separation`` and ``metal``: output of the material (t REO/yr), or of all
    materials summed if ``material`` is None. At ``magnet``: magnet output (t/yr) if
    ``material`` is None, else the material embedded in it (``t magnet × recipe share``). At
    ``end_use``: the consumption of the material (:func:`consumption`), or of all materials
    summed.

    Parameters
    ----------
    net : SupplyNetwork
    stage : str
        One of ``mining, separation, metal, magnet, end_use``.
    material : str or None, default None
        Material id, or None for all.

    Returns
    -------
    pandas.Series
        Share per country (index ``country``), largest first, summing to 1; empty if nothing
        is made at that stage.

    Raises
    ------
    UnknownNameError
        If the stage or the material is unknown.

    Examples
    --------
    >>> import rareearth as ree
    >>> net = ree.load_network("world-2024")
    >>> stage_shares(net, "separation", "DyTb").index[0]
    'CN'
    """
    s = _check_stage(stage, STAGES)
    materials = net.material_ids
    if material is not None:
        _check_material(net, material)
        materials = [material]
    countries = net.country_codes
    index = {c: i for i, c in enumerate(countries)}
    per_country = np.zeros(len(countries))
    if stage == "end_use":
        a = _arrays(net)
        at = a.node_stage[a.target] == _END_USE
        for m in materials:
            w = a.weights(m)
            per_country += np.bincount(
                a.node_country[a.target[at]], weights=w[at], minlength=len(countries)
            )
        return _shares(per_country, countries)
    nodes = net.nodes[net.nodes["stage"] == STAGES[s]]
    if stage == "magnet":
        nodes = nodes[nodes["commodity"] == MAGNET].reset_index(drop=True)
        tonnes = nodes["output_tonnes_per_year"].to_numpy(dtype=float)
        if material is not None:
            recipe = _recipe_matrix(net, nodes["node"])
            tonnes = tonnes * recipe[:, net.material_ids.index(material)]
    else:
        nodes = nodes[nodes["commodity"].isin(materials)]
        tonnes = nodes["output_tonnes_per_year"].to_numpy(dtype=float)
    rows = nodes["country"].map(index).to_numpy(dtype=np.int64)
    per_country += np.bincount(rows, weights=tonnes, minlength=len(countries))
    return _shares(per_country, countries)


def supply_risk(
    net: SupplyNetwork,
    country: str,
    material: str,
    *,
    stage: str = "mining",
    origin: bool = False,
    eol_rir: float | None = None,
    substitution_index: float = 1.0,
) -> float | None:
    """The EU Critical Raw Materials supply-risk indicator (JRC 2017 method), for any country.

    ::

        SR = [HHI_WGI(GS) × IR/2 + HHI_WGI(sourcing) × (1 − IR/2)] × (1 − EoL_RIR) × SI_SR

    - ``HHI_WGI(mix) = Σ s_i² × WGI_scaled,i`` with ``WGI_scaled = 10 × (2.5 − WGI) / 5``
      (0 best … 10 worst): ten times :func:`governance_hhi`; the trade factor ``t`` is 1;
    - GS, global supply: the world's output shares at ``stage`` (:func:`stage_shares`);
    - sourcing: the country's supplier mix, direct (:func:`supplier_shares`, as the EU uses its
      sourcing: domestic production plus imports) or, with ``origin=True``, the ultimate
      origin at ``stage`` (:func:`origin_shares`);
    - IR: :func:`import_reliance` at ``stage`` (clipped to [0, 1]);
    - EoL_RIR: the end-of-life recycling input rate, the dataset parameter ``recycling_rate``
      unless ``eol_rir`` is given;
    - SI_SR: the substitution index for supply risk, 1 (no substitute) unless given.

    On the EU's scale: 0 … 10; the EU lists a material as critical from SR ≥ 1 (with economic
    importance ≥ 2.8).

    Parameters
    ----------
    net : SupplyNetwork
    country : str
        Country or region code.
    material : str
        Material id.
    stage : str, default "mining"
        Stage of the global-supply shares and of the import reliance (and of the origin, with
        ``origin=True``), as the EU assesses a stage.
    origin : bool, default False
        Sourcing by ultimate origin instead of direct suppliers.
    eol_rir : float in [0, 1], optional
        End-of-life recycling input rate; default the dataset's ``recycling_rate``.
    substitution_index : float in [0, 1], default 1.0

    Returns
    -------
    float or None
        None where an input is missing: the country consumes none of the material (no import
        reliance and no sourcing mix), nothing is made at ``stage`` (no global supply), or the
        network has no ``recycling_rate`` and ``eol_rir`` is not given.

    Raises
    ------
    UnknownNameError
        If the country, the material or the stage is unknown.
    ValueError
        If ``eol_rir`` or ``substitution_index`` is outside [0, 1].

    Examples
    --------
    >>> import rareearth as ree
    >>> net = ree.load_network("world-2024")
    >>> 0.0 < supply_risk(net, "JP", "DyTb") <= 10.0
    True
    """
    _check_country(net, country)
    _check_material(net, material)
    _check_stage(stage, ORIGIN_STAGES)
    if not 0.0 <= substitution_index <= 1.0:
        raise ValueError(f"substitution_index must be in [0, 1], got {substitution_index}")
    if eol_rir is None:
        eol_rir = net.parameters.get("recycling_rate")
        if eol_rir is None:
            return None
    if not 0.0 <= eol_rir <= 1.0:
        raise ValueError(
            f"eol_rir (end-of-life recycling input rate) must be in [0, 1], got {eol_rir}"
        )
    reliance = import_reliance(net, country, material, stage)
    sourcing = _mix(net, country, material, origin, stage if origin else None)
    world = stage_shares(net, stage, material)
    if math.isnan(reliance) or sourcing.empty or world.empty:
        return None
    global_supply = EU_WGI_SCALE * _governance_hhi(net, world)
    own_sourcing = EU_WGI_SCALE * _governance_hhi(net, sourcing)
    mixed = global_supply * reliance / 2 + own_sourcing * (1 - reliance / 2)
    return float(mixed * (1 - eol_rir) * substitution_index)


def dependence_table(net: SupplyNetwork, country: str) -> pd.DataFrame:
    """A country's dependence on each material: one row per material, the indicators above.

    Columns: ``consumption_tonnes_per_year`` (:func:`consumption`), ``import_reliance``,
    ``top_mining_origin`` and ``top_mining_share`` (largest ultimate origin at mining and its
    share), ``top_separation_origin`` and ``top_separation_share`` (the same at separation),
    ``hhi_direct`` (direct suppliers), ``hhi_origin`` (origin at mining), ``governance_hhi``
    (origin at mining), ``supply_risk`` (EU method, defaults of :func:`supply_risk`). A material
    the country does not consume has NaN indicators and no top origin (None).

    Parameters
    ----------
    net : SupplyNetwork
    country : str
        Country or region code.

    Returns
    -------
    pandas.DataFrame
        Indexed by material id (index name ``material``).

    Raises
    ------
    UnknownNameError
        If the country is not in the network.

    Examples
    --------
    >>> import rareearth as ree
    >>> table = dependence_table(ree.load_network("world-2024"), "JP")
    >>> table.loc["DyTb", "top_separation_origin"]
    'CN'
    """
    _check_country(net, country)
    rows = []
    for material in net.material_ids:
        mining = origin_shares(net, country, material, stage="mining")
        separation = origin_shares(net, country, material, stage="separation")
        risk = supply_risk(net, country, material)
        rows.append(
            {
                "material": material,
                "consumption_tonnes_per_year": consumption(net, country, material),
                "import_reliance": import_reliance(net, country, material),
                "top_mining_origin": mining.index[0] if len(mining) else None,
                "top_mining_share": float(mining.iloc[0]) if len(mining) else math.nan,
                "top_separation_origin": separation.index[0] if len(separation) else None,
                "top_separation_share": float(separation.iloc[0]) if len(separation) else math.nan,
                "hhi_direct": hhi(net, country, material),
                "hhi_origin": _hhi(mining),
                "governance_hhi": _governance_hhi(net, mining),
                "supply_risk": math.nan if risk is None else risk,
            }
        )
    return pd.DataFrame(rows).set_index("material")
