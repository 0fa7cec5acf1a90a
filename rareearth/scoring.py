"""The exposure score: one number from 0 to 100 for a country under a scenario, with components.

The formula is documented in one place, ``docs/exposure.md``; this module implements it.
In short, six components add up to the score, each a monotone function of one metric:

=================  ======  ==========================================================
component          points  metric (and how it maps to points)
=================  ======  ==========================================================
shortfall_peak     25      peak monthly end-use shortfall, share of demand value: 25 × s
unmet_demand       20      unmet demand in months of consumption u: 20 × (1 − e^(−u))
recovery_time      10      months from first to last month with shortfall > 1%: 10 × min(1, r/24)
stock_used          5      largest share of initial stocks drawn, by value: 5 × f
price_peak         10      value-weighted peak price index P: 10 × min(1, ln P / ln cap)
structural         30      Σ_m share_m × import reliance_m × governance-weighted origin HHI_m
=================  ======  ==========================================================

Each component is also split by material (``ExposureScore.by_material``) so that the sum over
materials equals the component: shortfall-based components by each material's share of the lost
value (a magnet not delivered is charged to the recipe materials that were scarce that month, in
proportion to their scarcity; to ``magnet`` itself when none was), the price component by each
material's share of the price term, the structural component by each material's term.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from rareearth.errors import UnknownNameError
from rareearth.records import MAGNET, STAGES

__all__ = ["WEIGHTS", "ExposureScore", "exposure", "score_result"]

#: Points of each component (they sum to 100). Why these weights: docs/exposure.md.
WEIGHTS: dict[str, float] = {
    "shortfall_peak": 25.0,
    "unmet_demand": 20.0,
    "recovery_time": 10.0,
    "stock_used": 5.0,
    "price_peak": 10.0,
    "structural": 30.0,
}
#: A month counts as disrupted when the value-weighted shortfall exceeds this share.
DISRUPTED_SHARE = 0.01
#: Recovery time at which the recovery component saturates (Sprecher et al. 2017: the market
#: took about two years to recover from the 2010 shock).
RECOVERY_SATURATION_MONTHS = 24.0
#: Unmet demand scale: one month of consumption lost gives 1 − 1/e ≈ 63% of the component.
UNMET_SCALE_MONTHS = 1.0

_END_USE = STAGES.index("end_use")
_MAGNET_STAGE = STAGES.index("magnet")


class ExposureScore(BaseModel):
    """A country's exposure under a scenario: ``score`` = sum of ``components`` (0–100).

    Attributes
    ----------
    country, scenario, dataset : str
    score : float
        0 (no exposure) to 100.
    components : dict
        Component name -> points; the values add up to ``score``.
    by_material : dict
        Material (or ``magnet``) -> component -> points; summed over materials gives
        ``components``.
    metrics : dict
        The metrics behind the components (overall), with units in their names.
    material_metrics : dict
        Material -> metric -> value (peak shortfall, unmet months, price peak, import
        reliance, origin HHI, governance-weighted HHI).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    country: str
    scenario: str
    dataset: str
    score: float = Field(ge=0, le=100)
    components: dict[str, float]
    by_material: dict[str, dict[str, float]]
    metrics: dict[str, float]
    material_metrics: dict[str, dict[str, float]]
    options: list[str] = Field(default_factory=list)

    def material_points(self) -> dict[str, float]:
        """Points per material (the sum of its components), largest first."""
        totals = {m: sum(c.values()) for m, c in self.by_material.items()}
        return dict(sorted(totals.items(), key=lambda kv: -kv[1]))

    def explain(self) -> list[str]:
        """One sentence per component."""
        m = self.metrics
        return [
            f"shortfall_peak {self.components['shortfall_peak']:.1f}: at worst "
            f"{m['peak_shortfall_pct']:.1f}% of end-use demand (by value) went unmet in a month.",
            f"unmet_demand {self.components['unmet_demand']:.1f}: "
            f"{m['unmet_demand_months']:.2f} months of consumption were lost over the run.",
            f"recovery_time {self.components['recovery_time']:.1f}: supply was short for "
            f"{m['time_to_recover_months']:.0f} months.",
            f"stock_used {self.components['stock_used']:.1f}: "
            f"{m['stock_cover_used_pct']:.0f}% of initial stocks were drawn.",
            f"price_peak {self.components['price_peak']:.1f}: prices peaked at "
            f"{m['price_peak_index']:.2f}× the reference.",
            f"structural {self.components['structural']:.1f}: import reliance × governance-"
            f"weighted origin concentration is {m['structural_index']:.2f} (0–1).",
        ]


# --------------------------------------------------------------------------- computation


def _country_arrays(result: Any, country: str) -> dict[str, Any]:
    compiled = result.compiled
    if country not in compiled.country_index:
        raise UnknownNameError(
            f"unknown country {country!r}; the network has {', '.join(compiled.countries)}"
        )
    k = compiled.country_index[country]
    arrays = result.arrays
    mine = compiled.node_country == k
    end_use = mine & (compiled.node_stage == _END_USE)
    magnet_nodes = mine & (compiled.node_stage == _MAGNET_STAGE)
    return {"compiled": compiled, "arrays": arrays, "mine": mine, "end_use": end_use,
            "magnet_nodes": magnet_nodes, "k": k}


def _material_shares(compiled: Any, end_use: np.ndarray) -> np.ndarray:
    """Value share of each commodity column in the country's end-use demand, by material.

    Magnet demand is shared among its recipe materials by their value in the recipe.
    Returns (C,) weights summing to 1 (zero if the country has no end use).
    """
    c_magnet = compiled.commodity_index[MAGNET]
    value = (compiled.demand[end_use] * compiled.value[end_use]).sum(axis=0)
    shares = value.copy()
    shares[c_magnet] = 0.0
    recipe = compiled.recipe[compiled.node_stage == _MAGNET_STAGE]
    recipe = recipe.mean(axis=0) if len(recipe) else np.zeros(len(compiled.commodities))
    recipe_value = recipe * compiled.price_usd_per_tonne
    recipe_value[c_magnet] = 0.0
    if recipe_value.sum() > 0:
        shares += value[c_magnet] * recipe_value / recipe_value.sum()
    else:
        shares[c_magnet] = value[c_magnet]
    total = shares.sum()
    return shares / total if total > 0 else shares


def _stock_used(compiled: Any, arrays: dict[str, Any], mine: np.ndarray, k: int) -> float:
    """Largest share of the country's initial stocks drawn down, per commodity, weighted by the
    value of those stocks (node stocks plus the national stockpile; a stockpile an option adds
    counts from its first recorded level)."""
    if "country_stock" in arrays:
        stock = arrays["country_stock"][:, k, :].copy()  # (T, C)
    else:
        stock = arrays["stock"][:, mine, :].sum(axis=1)
    stock0 = compiled.stock[mine].sum(axis=0)
    if "stockpile" in arrays:
        pile = arrays["stockpile"][:, k, :]
        stock += pile
        stock0 = stock0 + np.maximum(compiled.stockpile[k], pile[0])
    drawn = np.divide(stock0 - stock.min(axis=0), stock0, out=np.zeros_like(stock0),
                      where=stock0 > 0)
    weight = stock0 * compiled.price_usd_per_tonne
    if weight.sum() <= 0:
        return 0.0
    return float(np.clip(np.dot(weight / weight.sum(), np.clip(drawn, 0.0, 1.0)), 0.0, 1.0))


def score_result(
    net: Any, result: Any, country: str, *, structural: dict[str, dict[str, float]] | None = None
) -> ExposureScore:
    """Score one simulation result for one country (see the module docstring for the formula).

    Parameters
    ----------
    net : SupplyNetwork
        The network the result was run on (for static indicators).
    result : SimulationResult
    country : str
    structural : dict, optional
        Precomputed static indicators per material (``import_reliance``, ``hhi_origin``,
        ``governance_hhi``); computed from ``net`` when omitted. Monte Carlo passes them so
        that thousands of draws do not recompute them.
    """
    ca = _country_arrays(result, country)
    compiled, arrays, end_use = ca["compiled"], ca["arrays"], ca["end_use"]
    commodities: list[str] = list(compiled.commodities)
    c_magnet = compiled.commodity_index[MAGNET]
    n_c = len(commodities)

    k = ca["k"]
    value = compiled.value[end_use]  # (n, C) USD/t
    base_value = (compiled.demand[end_use] * value).sum() / 12.0  # USD/month
    # (T, C) price index P/P0 of the country's own market (domestic while it restricts exports)
    price = result.market_price(country) if hasattr(result, "market_price") else arrays["price"]
    if "country_shortfall_value" in arrays:  # the engine's per-country aggregates (always kept)
        lost_value = arrays["country_shortfall_value"][:, k, :]  # (T, C) USD/month
        demand_value = arrays["country_demand_value"][:, k, :]
        need_m = arrays["country_magnet_demand"][:, k, :]
        short_m = arrays["country_magnet_shortfall"][:, k, :]
    else:  # node-level arrays only (results built by hand, e.g. in tests)
        lost_value = (arrays["shortfall"][:, end_use, :] * value).sum(axis=1)
        demand_value = (arrays["demand"][:, end_use, :] * value).sum(axis=1)
        need_m = arrays["demand"][:, ca["magnet_nodes"], :].sum(axis=1)
        short_m = arrays["shortfall"][:, ca["magnet_nodes"], :].sum(axis=1)

    # attribution of magnet shortfall to scarce recipe materials
    local = np.divide(short_m, need_m, out=np.zeros_like(short_m), where=need_m > 0)
    world = 1.0 - 1.0 / np.maximum(price, 1.0)
    scarcity = np.maximum(local, world)
    recipe_any = (compiled.recipe[compiled.node_stage == _MAGNET_STAGE] > 0).any(axis=0)
    scarcity = scarcity * recipe_any
    scarcity[:, c_magnet] = 0.0
    weight_sum = scarcity.sum(axis=1, keepdims=True)
    attribution = np.zeros((price.shape[0], n_c))
    has = weight_sum[:, 0] > 0
    attribution[has] = scarcity[has] / weight_sum[has]
    attribution[~has, c_magnet] = 1.0
    lost_by_material = lost_value.copy()
    lost_by_material[:, c_magnet] = 0.0
    lost_by_material += lost_value[:, [c_magnet]] * attribution

    # metrics
    total_demand_value = demand_value.sum(axis=1)
    share_t = np.divide(
        lost_value.sum(axis=1), total_demand_value,
        out=np.zeros(len(total_demand_value)), where=total_demand_value > 0,
    )
    peak = float(share_t.max()) if share_t.size else 0.0
    unmet_months = float(lost_value.sum() / base_value) if base_value > 0 else 0.0
    disrupted = np.flatnonzero(share_t > DISRUPTED_SHARE)
    recover = float(disrupted[-1] - disrupted[0] + 1) if disrupted.size else 0.0
    used = _stock_used(compiled, arrays, ca["mine"], k)
    shares = _material_shares(compiled, end_use)
    peak_price = price.max(axis=0)  # (C,)
    p_weighted = float(np.dot(shares, peak_price)) if shares.sum() > 0 else 1.0
    cap = float(compiled.parameters.get("price_cap", 10.0))
    value_at_risk = float(lost_value.sum())

    if structural is None:
        structural = structural_indicators(net, country)
    struct_terms = np.zeros(n_c)
    for i, c in enumerate(commodities):
        s = structural.get(c)
        if s is not None:
            struct_terms[i] = shares[i] * s["import_reliance"] * s["governance_hhi"]
    struct_index = float(np.clip(struct_terms.sum(), 0.0, 1.0))

    points = {
        "shortfall_peak": WEIGHTS["shortfall_peak"] * float(np.clip(peak, 0.0, 1.0)),
        "unmet_demand": WEIGHTS["unmet_demand"] * (1.0 - math.exp(-unmet_months / UNMET_SCALE_MONTHS)),
        "recovery_time": WEIGHTS["recovery_time"] * min(1.0, recover / RECOVERY_SATURATION_MONTHS),
        "stock_used": WEIGHTS["stock_used"] * used,
        "price_peak": WEIGHTS["price_peak"]
        * (min(1.0, math.log(max(p_weighted, 1.0)) / math.log(cap)) if cap > 1 else 0.0),
        "structural": WEIGHTS["structural"] * struct_index,
    }

    # split by material
    lost_share = lost_by_material.sum(axis=0)
    lost_share = lost_share / lost_share.sum() if lost_share.sum() > 0 else shares
    price_terms = shares * np.log(np.maximum(peak_price, 1.0))
    price_share = price_terms / price_terms.sum() if price_terms.sum() > 0 else shares
    struct_share = struct_terms / struct_terms.sum() if struct_terms.sum() > 0 else shares
    by_material: dict[str, dict[str, float]] = {}
    for i, c in enumerate(commodities):
        parts = {
            "shortfall_peak": points["shortfall_peak"] * lost_share[i],
            "unmet_demand": points["unmet_demand"] * lost_share[i],
            "recovery_time": points["recovery_time"] * lost_share[i],
            "stock_used": points["stock_used"] * lost_share[i],
            "price_peak": points["price_peak"] * price_share[i],
            "structural": points["structural"] * struct_share[i],
        }
        if sum(parts.values()) > 0 or c != MAGNET:
            by_material[c] = {k: float(v) for k, v in parts.items()}

    material_metrics: dict[str, dict[str, float]] = {}
    for i, c in enumerate(commodities):
        dv = demand_value[:, i]
        s_t = np.divide(lost_value[:, i], dv, out=np.zeros(len(dv)), where=dv > 0)
        entry = {
            "peak_shortfall_pct": 100.0 * float(s_t.max()) if s_t.size else 0.0,
            "lost_value_usd": float(lost_by_material[:, i].sum()),
            "price_peak_index": float(peak_price[i]),
            "value_share": float(shares[i]),
        }
        if c in structural:
            entry.update({k: float(v) for k, v in structural[c].items()})
        material_metrics[c] = entry

    score = float(sum(points.values()))
    provenance = getattr(result, "provenance", {}) or {}
    scenario = provenance.get("scenario", {})
    return ExposureScore(
        country=country,
        scenario=str(scenario.get("name", "") if isinstance(scenario, dict) else scenario),
        dataset=str(provenance.get("dataset", getattr(net, "name", ""))),
        score=min(100.0, max(0.0, score)),
        components={k: float(v) for k, v in points.items()},
        by_material=by_material,
        metrics={
            "peak_shortfall_pct": 100.0 * peak,
            "unmet_demand_months": unmet_months,
            "time_to_recover_months": recover,
            "stock_cover_used_pct": 100.0 * used,
            "value_at_risk_usd": value_at_risk,
            "price_peak_index": p_weighted,
            "structural_index": struct_index,
        },
        material_metrics=material_metrics,
        options=[str(o) for o in provenance.get("options", [])],
    )


def structural_indicators(net: Any, country: str) -> dict[str, dict[str, float]]:
    """Import reliance, origin HHI and governance-weighted HHI per material (static)."""
    from rareearth import indicators

    out: dict[str, dict[str, float]] = {}
    for material in net.material_ids:
        ir = indicators.import_reliance(net, country, material)
        if ir is None or (isinstance(ir, float) and math.isnan(ir)):
            continue
        hhi_o = indicators.hhi(net, country, material, origin=True, stage="separation")
        g = indicators.governance_hhi(net, country, material, origin=True, stage="separation")
        out[material] = {
            "import_reliance": float(ir),
            "hhi_origin": 0.0 if math.isnan(hhi_o) else float(hhi_o),
            "governance_hhi": 0.0 if math.isnan(g) else float(g),
        }
    return out


def exposure(
    net: Any,
    scenario: Any,
    country: str,
    options: Sequence[Any] = (),
    *,
    allocation: str = "proportional",
    seed: int = 0,
) -> ExposureScore:
    """The exposure score of ``country`` under ``scenario`` (with ``options`` in place).

    Parameters
    ----------
    net : SupplyNetwork or str
        A network, or a built-in dataset name.
    scenario : Scenario or str
        A scenario, or a built-in name / path.
    country : str
        Any country or region code of the network.
    options : sequence of Option or str
        Cooperation options (objects, built-in names or paths), applied together.

    Returns
    -------
    ExposureScore
        ``score`` 0–100 and ``components`` that add up to it (docs/exposure.md).

    Examples
    --------
    >>> import rareearth as ree
    >>> s = ree.exposure("world-2024", "china-2025-heavy", "JP")
    >>> round(sum(s.components.values()), 6) == round(s.score, 6)
    True
    """
    from rareearth.engine import simulate

    net, scenario, options = _resolve(net, scenario, options)
    result = simulate(net, scenario, options=options, allocation=allocation, seed=seed)
    return score_result(net, result, country)


def _resolve(net: Any, scenario: Any, options: Sequence[Any]) -> tuple[Any, Any, list[Any]]:
    from rareearth.cooperation import load_option
    from rareearth.network import load_network
    from rareearth.scenario import load_scenario

    if isinstance(net, str):
        net = load_network(net)
    if isinstance(scenario, str):
        scenario = load_scenario(scenario)
    return net, scenario, [load_option(o) if isinstance(o, str) else o for o in options]
