"""What an exposure score needs from the network alone, and the stock-cover metric.

The masks, values and weights of a country's score depend on the compiled network only, so they
are computed once per (compiled network, country) and shared by thousands of Monte Carlo draws
(:func:`_static`). The formula that uses them is :mod:`rareearth.scoring`.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from rareearth.errors import UnknownNameError
from rareearth.records import MAGNET

#: Months of cover at which the stock component has fallen to 1/e of its points: Japan's
#: national stockpiling target of 60 days of consumption (JOGMEC; Argus Media, 3 Jul 2020),
#: i.e. 2 months. A country with no stock left at the trough gets the full 5 points.
COVER_REFERENCE_MONTHS = 2.0



def _stage(compiled: Any, name: str) -> int:
    """Index of stage ``name`` in the network's own stages (a dataset may declare more)."""
    return tuple(compiled.stages).index(name)


def _material_shares(compiled: Any, end_use: np.ndarray) -> np.ndarray:
    """Value share of each commodity column in the country's end-use demand, by material.

    Magnet demand is shared among its recipe materials by their value in the recipe.
    Returns (C,) weights summing to 1 (zero if the country has no end use).
    """
    c_magnet = compiled.commodity_index[MAGNET]
    value = (compiled.demand[end_use] * compiled.value[end_use]).sum(axis=0)
    shares: np.ndarray = value.copy()
    shares[c_magnet] = 0.0
    recipe = compiled.recipe[compiled.node_stage == _stage(compiled, "magnet")]
    recipe = recipe.mean(axis=0) if len(recipe) else np.zeros(len(compiled.commodities))
    recipe_value = recipe * compiled.price_usd_per_tonne
    recipe_value[c_magnet] = 0.0
    if recipe_value.sum() > 0:
        shares += value[c_magnet] * recipe_value / recipe_value.sum()
    else:
        shares[c_magnet] = value[c_magnet]
    total = shares.sum()
    return shares / total if total > 0 else shares


def _base_compiled(net: Any, compiled: Any) -> Any:
    """The compiled form of ``net`` (cached by the engine), or ``compiled`` for stand-ins."""
    if not hasattr(net, "compile"):
        return compiled
    from rareearth.engine.run import _compiled

    base = _compiled(net)
    return base if list(base.countries) == list(compiled.countries) else compiled


# What a score needs from the network alone (masks, values, weights), per compiled network,
# network it is weighted on and country: computed once, so that thousands of Monte Carlo
# draws on the same network share it. Networks are immutable once compiled.
_STATIC: weakref.WeakKeyDictionary[Any, dict[tuple[str, int], _Static]] = (
    weakref.WeakKeyDictionary())


@dataclass(frozen=True, eq=False)
class _Static:
    base: Any  # the compiled network the weights come from (kept: its id is in the key)
    k: int
    mine: np.ndarray
    end_use: np.ndarray
    magnet_nodes: np.ndarray
    value: np.ndarray  # (n, C) USD/t of the country's end uses
    base_value: float  # USD/month
    recipe_any: np.ndarray  # (C,) bool: in some magnet recipe
    use: np.ndarray  # (C,) baseline use t/month (stock cover)
    shares: np.ndarray  # (C,) value shares of the country's end-use demand


def _static(net: Any, compiled: Any, country: str) -> _Static:
    if country not in compiled.country_index:
        raise UnknownNameError(
            f"unknown country {country!r}; the network has {', '.join(compiled.countries)}"
        )
    # weights come from the network as it is, not as options edit it: a lower recipe or a
    # moved demand must act through the physical series, not by reweighting the materials
    base = _base_compiled(net, compiled)
    try:
        per = _STATIC.setdefault(compiled, {})
    except TypeError:  # not weak-referenceable: no cache
        per = {}
    key = (country, id(base))
    hit = per.get(key)
    if hit is not None and hit.base is base:
        return hit
    k = compiled.country_index[country]
    mine = compiled.node_country == k
    end_use = mine & (compiled.node_stage == _stage(compiled, "end_use"))
    magnet = compiled.node_stage == _stage(compiled, "magnet")
    value = compiled.value[end_use]
    hit = _Static(
        base=base, k=k, mine=mine, end_use=end_use,
        magnet_nodes=mine & magnet,
        value=value,
        base_value=(compiled.demand[end_use] * value).sum() / 12.0,
        recipe_any=(compiled.recipe[magnet] > 0).any(axis=0),
        use=_use_per_month(base, base.node_country == k),
        shares=_material_shares(
            base, (base.node_country == k) & (base.node_stage == _stage(base, "end_use"))),
    )
    per[key] = hit
    return hit


def _use_per_month(compiled: Any, mine: np.ndarray) -> np.ndarray:
    """(C,) the country's baseline use of each commodity, t/month: what flows into its nodes
    (from abroad or from its own upstream stages), the quantity its stocks are held against."""
    into = mine[compiled.edge_target]
    use = np.zeros(len(compiled.commodities))
    np.add.at(use, compiled.edge_commodity[into], compiled.edge_tonnes[into])
    return use / 12.0


def _stock_cover(
    compiled: Any, base: Any, arrays: dict[str, Any], mine: np.ndarray, k: int,
    use: np.ndarray | None = None,
) -> tuple[float, np.ndarray]:
    """Months of the country's baseline use that its stocks (node stocks plus the national
    stockpile) still cover at their lowest point of the run, per commodity, weighted by the
    value of that use. The reference is the fixed baseline use, so a stockpile that is never
    drawn raises the cover by what it holds and nothing else moves.

    Returns the cover (months) and each commodity's share of the uncovered term (weights that
    split the component by material)."""
    if "country_stock" in arrays:
        stock = arrays["country_stock"][:, k, :].copy()  # (T, C)
    else:
        stock = arrays["stock"][:, mine, :].sum(axis=1)
    if "stockpile" in arrays:
        stock = stock + arrays["stockpile"][:, k, :]
    if use is None:
        use = _use_per_month(base, base.node_country == k)
    trough = stock.min(axis=0) if stock.shape[0] else np.zeros(use.shape)
    cover = np.divide(np.maximum(trough, 0.0), use, out=np.zeros_like(use), where=use > 0)
    weight = use * compiled.price_usd_per_tonne
    if weight.sum() <= 0:
        return 0.0, np.zeros_like(use)
    weight = weight / weight.sum()
    uncovered = weight * np.exp(-cover / COVER_REFERENCE_MONTHS)
    split = uncovered / uncovered.sum() if uncovered.sum() > 0 else weight
    return float(np.dot(weight, cover)), split
