"""How concentrated a country's supply is: HHI, governance weights, stage shares, supply risk.

The concentration indices of the EU criticality assessment (JRC 2017, Blengini et al.) over a
country's supplier or origin mix (:mod:`.sourcing`) or the world's output at a stage.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from rareearth.indicators.checks import _check_material, _check_query, _check_stage
from rareearth.indicators.sourcing import import_reliance, origin_shares, supplier_shares
from rareearth.indicators.tracing import _arrays, _per_country, _recipe_matrix, _shares
from rareearth.protocols import NetworkLike
from rareearth.records import MAGNET

__all__ = [
    "EU_WGI_SCALE",
    "WGI_RANGE",
    "governance_hhi",
    "governance_weights",
    "hhi",
    "stage_shares",
    "supply_risk",
]

#: Bounds of the World Bank WGI scale.
WGI_RANGE: tuple[float, float] = (-2.5, 2.5)
#: The EU supply-risk indicator scales WGI to 0 … 10 (JRC 2017 methodology, Blengini et al.);
#: :func:`governance_hhi` works on 0 … 1, :func:`supply_risk` multiplies by this factor.
EU_WGI_SCALE = 10.0


def _hhi(shares: pd.Series) -> float:
    return float((shares**2).sum()) if len(shares) else math.nan


def _mix(
    net: NetworkLike, country: str, material: str, origin: bool, stage: str | None
) -> pd.Series:
    """The supplier mix an index is taken over: ultimate origin, or direct suppliers."""
    if origin:
        return origin_shares(net, country, material, stage="mining" if stage is None else stage)
    return supplier_shares(net, country, material, stage=stage)


def hhi(
    net: NetworkLike,
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
    >>> from rareearth import examples
    >>> net = examples.tiny()
    >>> round(hhi(net, "JP", "NdPr"), 4)  # suppliers CN 50 t, AU 40 t of 90: (5/9)² + (4/9)²
    0.5062
    >>> round(hhi(net, "JP", "DyTb", origin=True, stage="separation"), 2)  # all separated in CN
    1.0
    """
    return _hhi(_mix(net, country, material, origin, stage))


def governance_weights(net: NetworkLike) -> pd.Series:
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
    >>> from rareearth import examples
    >>> governance_weights(examples.tiny()).round(3).to_dict()  # (2.5 − WGI) / 5
    {'CN': 0.566, 'AU': 0.202, 'JP': 0.226}
    """
    lo, hi = WGI_RANGE
    wgi = net.countries["governance"].astype(float).clip(lo, hi)
    weights = (hi - wgi) / (hi - lo)
    weights.index = pd.Index([str(c) for c in weights.index], name="country")
    return weights.rename("governance_weight")


def _governance_hhi(net: NetworkLike, shares: pd.Series) -> float:
    if shares.empty:
        return math.nan
    weights = governance_weights(net).reindex(shares.index)
    return float((shares**2 * weights).sum())


def governance_hhi(
    net: NetworkLike,
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
    >>> from rareearth import examples
    >>> net = examples.tiny()  # JP's NdPr is mined in CN (5/9) and AU (4/9)
    >>> round(governance_hhi(net, "JP", "NdPr"), 4)  # 0.566 × (5/9)² + 0.202 × (4/9)²
    0.2146
    """
    return _governance_hhi(net, _mix(net, country, material, origin, stage))


def stage_shares(net: NetworkLike, stage: str, material: str | None = None) -> pd.Series:
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
    >>> from rareearth import examples
    >>> stage_shares(examples.tiny(), "separation", "NdPr").round(4).to_dict()  # 100 t and 40 t
    {'CN': 0.7143, 'AU': 0.2857}
    """
    s = _check_stage(net, stage, net.stages)
    materials = net.material_ids
    if material is not None:
        _check_material(net, material)
        materials = [material]
    countries = net.country_codes
    index = {c: i for i, c in enumerate(countries)}
    per_country = np.zeros(len(countries))
    if stage == "end_use":
        a = _arrays(net)
        at = a.node_stage[a.target] == a.end_use
        for m in materials:
            w = a.weights(m)
            per_country += _per_country(a, a.target[at], w[at])
        return _shares(per_country, countries)
    nodes = net.nodes[net.nodes["stage"] == net.stages[s]]
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
    net: NetworkLike,
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
    >>> from rareearth import examples
    >>> net = examples.tiny()
    >>> round(supply_risk(net, "JP", "DyTb"), 4)
    5.6034
    """
    _check_query(net, country, material, stage)
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
