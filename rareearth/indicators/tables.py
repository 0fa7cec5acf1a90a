"""A country's dependence on every material in one table (:func:`dependence_table`)."""

from __future__ import annotations

import math

import pandas as pd

from rareearth.indicators.checks import _check_country
from rareearth.indicators.concentration import _governance_hhi, _hhi, hhi, supply_risk
from rareearth.indicators.sourcing import consumption, import_reliance, origin_shares
from rareearth.protocols import NetworkLike

__all__ = ["dependence_table"]


def _top(shares: pd.Series) -> tuple[str | None, float]:
    """The largest share's country and value; (None, NaN) for an empty mix."""
    if not len(shares):
        return None, math.nan
    return str(shares.index[0]), float(shares.iloc[0])


def dependence_table(net: NetworkLike, country: str) -> pd.DataFrame:
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
    >>> from rareearth import examples
    >>> table = dependence_table(examples.tiny(), "JP")
    >>> table.loc["DyTb", "top_separation_origin"]
    'CN'
    """
    _check_country(net, country)
    rows = []
    for material in net.material_ids:
        mining = origin_shares(net, country, material, stage="mining")
        separation = origin_shares(net, country, material, stage="separation")
        risk = supply_risk(net, country, material)
        top_mining, top_mining_share = _top(mining)
        top_separation, top_separation_share = _top(separation)
        rows.append(
            {
                "material": material,
                "consumption_tonnes_per_year": consumption(net, country, material),
                "import_reliance": import_reliance(net, country, material),
                "top_mining_origin": top_mining,
                "top_mining_share": top_mining_share,
                "top_separation_origin": top_separation,
                "top_separation_share": top_separation_share,
                "hhi_direct": hhi(net, country, material),
                "hhi_origin": _hhi(mining),
                "governance_hhi": _governance_hhi(net, mining),
                "supply_risk": math.nan if risk is None else risk,
            }
        )
    return pd.DataFrame(rows).set_index("material")
