"""The exposure score: one number from 0 to 100 for a country under a scenario, with components.

The formula is documented in one place, ``docs/exposure.md``; this module implements it.
In short, six components add up to the score, each a monotone function of one metric. They
fall in two kinds (MODEL.md §4): **harm** in the scenario (65 points) and **resilience** left for
the next shock (35 points):

=================  ======  ==========  ==============================================================
component          points  kind        metric (and how it maps to points)
=================  ======  ==========  ==============================================================
shortfall_peak     25      harm        peak monthly end-use shortfall, share of demand value: 25 × s
unmet_demand       20      harm        unmet demand in months of consumption u: 20 × (1 − e^(−u))
recovery_time      10      harm        months from first to last month with shortfall > 1%:
                                       10 × min(1, r/24)
price_peak         10      harm        value-weighted peak price index P: 10 × min(1, ln P / ln cap)
stock_cover         5      resilience  months of the country's use its stocks still cover at their
                                       lowest point, m: 5 × e^(−m/2)
structural         30      resilience  Σ_m share_m × import reliance_m × governance-weighted origin
                                       HHI_m, on the network with the options' contracts in force
=================  ======  ==========  ==============================================================

No component has a denominator that an option can enlarge: the stock component measures what is
left in months of the country's fixed baseline use (not a share of the stocks held, which a
bigger, never-drawn stockpile would shrink), so an option that changes no physical series and no
structure changes no component.

Each component is also split by material (``ExposureScore.by_material``) so that the sum over
materials equals the component: shortfall-based components by each material's share of the lost
value (a magnet not delivered is charged to the recipe materials that were scarce that month, in
proportion to their scarcity; to ``magnet`` itself when none was), the price component by each
material's share of the price term, the structural component by each material's term.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from rareearth.errors import ArgumentError
from rareearth.records import MAGNET
from rareearth.score_inputs import (  # noqa: F401  (kept importable from here)
    COVER_REFERENCE_MONTHS,
    _base_compiled,
    _material_shares,
    _Static,
    _static,
    _stock_cover,
    _use_per_month,
)

if TYPE_CHECKING:
    from rareearth.engine.result import SimulationResult
    from rareearth.protocols import NetworkArg, NetworkLike, OptionItem, ScenarioArg
    from rareearth.scenario import Scenario

__all__ = [
    "COMPONENT_NAMES", "KINDS", "WEIGHTS", "ExposureScore", "RunSpec", "exposure",
    "resolve_options", "score_result", "structural_indicators",
]

#: Points of each component (they sum to 100). Why these weights: docs/exposure.md.
WEIGHTS: dict[str, float] = {
    "shortfall_peak": 25.0,
    "unmet_demand": 20.0,
    "recovery_time": 10.0,
    "stock_cover": 5.0,
    "price_peak": 10.0,
    "structural": 30.0,
}
#: The kind of each component: ``harm`` in the scenario, or ``resilience`` left for the next
#: shock (MODEL.md §4). Harm components move only with shortfall and prices; resilience ones
#: with stocks at their trough and the structure of supply.
KINDS: dict[str, str] = {
    "shortfall_peak": "harm",
    "unmet_demand": "harm",
    "recovery_time": "harm",
    "price_peak": "harm",
    "stock_cover": "resilience",
    "structural": "resilience",
}
#: Human names of the components, for tables, figures and the report.
COMPONENT_NAMES: dict[str, str] = {
    "shortfall_peak": "Peak shortfall",
    "unmet_demand": "Unmet demand",
    "recovery_time": "Time to recover",
    "stock_cover": "Stock cover left",
    "price_peak": "Price peak",
    "structural": "Structural dependence",
}
#: A month counts as disrupted when the value-weighted shortfall exceeds this share.
DISRUPTED_SHARE = 0.01
#: Recovery time at which the recovery component saturates (Sprecher et al. 2017: the market
#: took about two years to recover from the 2010 shock).
RECOVERY_SATURATION_MONTHS = 24.0
#: Metrics of the product tier every score carries (NaN without one; docs/economics.md).
ECONOMIC_METRICS = ("units_lost", "output_lost_usd", "value_added_lost_usd", "gdp_loss_usd",
                    "gdp_loss_usd_low", "gdp_loss_usd_high", "gdp_loss_pct", "units_lost_owner",
                    "output_lost_owner_usd", "months_to_first_loss")
#: Unmet demand scale: one month of consumption lost gives 1 − 1/e ≈ 63% of the component.
UNMET_SCALE_MONTHS = 1.0



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

    @property
    def harm(self) -> float:
        """Points of the harm components (shortfall, unmet demand, recovery, price)."""
        return float(sum(v for k, v in self.components.items() if KINDS.get(k) == "harm"))

    @property
    def resilience(self) -> float:
        """Points of the resilience components (stock cover at the trough, structure)."""
        return float(sum(v for k, v in self.components.items() if KINDS.get(k) == "resilience"))

    def material_points(self) -> dict[str, float]:
        """Points per material (the sum of its components), largest first."""
        totals = {m: sum(c.values()) for m, c in self.by_material.items()}
        return dict(sorted(totals.items(), key=lambda kv: -kv[1]))

    def to_frame(self) -> Any:
        """The components as a table: one row per component, in the order of ``components``.

        Columns ``name`` (human name), ``points``, ``max_points`` (its weight) and one column
        of points per material (``by_material``; they add up to ``points``).

        Examples
        --------
        >>> import rareearth as ree
        >>> t = ree.exposure(ree.examples.tiny(), ree.examples.embargo(), "JP").to_frame()
        >>> list(t.columns[:3]), t.index.name
        (['name', 'points', 'max_points'], 'component')
        """
        import pandas as pd

        rows = []
        for key, points in self.components.items():
            row: dict[str, Any] = {
                "component": key,
                "name": COMPONENT_NAMES.get(key, key.replace("_", " ").capitalize()),
                "points": float(points),
                "max_points": float(WEIGHTS.get(key, float("nan"))),
            }
            for material, parts in self.by_material.items():
                row[material] = float(parts.get(key, 0.0))
            rows.append(row)
        return pd.DataFrame(rows).set_index("component")

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
            f"stock_cover {self.components['stock_cover']:.1f}: at their lowest, the country's "
            f"stocks still covered {m['stock_cover_months']:.1f} months of its use.",
            f"price_peak {self.components['price_peak']:.1f}: prices peaked at "
            f"{m['price_peak_index']:.2f}× the reference.",
            f"structural {self.components['structural']:.1f}: import reliance × governance-"
            f"weighted origin concentration is {m['structural_index']:.2f} (0–1).",
        ]


# --------------------------------------------------------------------------- computation


def score_result(
    net: NetworkLike, result: SimulationResult, country: str, *, structural: dict[str, dict[str, float]] | None = None,
    economy: Mapping[str, float] | None = None, economic: Mapping[str, float] | None = None,
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
    economy : mapping, optional
        Monte Carlo quantiles of the product tier's ranges (``rareearth.economics.ECONOMY_DRAWS``).
    economic : mapping, optional
        The run's loss metrics for ``country`` when already computed
        (``rareearth.economics.loss_metrics_many``: Monte Carlo scores a batch's product tier
        at once); computed from ``result`` and ``economy`` when omitted.
    """
    return _score_parts(net, result, country, structural=structural, economy=economy,
                        economic=economic)[2]()


def _score_parts(
    net: NetworkLike, result: SimulationResult, country: str, *, structural: dict[str, dict[str, float]] | None = None,
    economy: Mapping[str, float] | None = None, economic: Mapping[str, float] | None = None,
) -> tuple[dict[str, float], dict[str, float], Callable[[], ExposureScore]]:
    """:func:`score_result`'s points and metrics, and a function that builds the whole
    :class:`ExposureScore` (its split by material): Monte Carlo tables need only the first
    two (:func:`headline_points`)."""
    compiled = result.compiled
    st = _static(net, compiled, country)
    arrays = result.arrays
    end_use = st.end_use
    commodities: list[str] = list(compiled.commodities)
    c_magnet = compiled.commodity_index[MAGNET]
    n_c = len(commodities)

    k = st.k
    value = st.value  # (n, C) USD/t
    base_value = st.base_value  # USD/month
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
        need_m = arrays["demand"][:, st.magnet_nodes, :].sum(axis=1)
        short_m = arrays["shortfall"][:, st.magnet_nodes, :].sum(axis=1)

    # attribution of magnet shortfall to scarce recipe materials
    local = np.divide(short_m, need_m, out=np.zeros_like(short_m), where=need_m > 0)
    world = 1.0 - 1.0 / np.maximum(price, 1.0)
    scarcity = np.maximum(local, world)
    scarcity = scarcity * st.recipe_any
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
    cover, cover_share = _stock_cover(compiled, st.base, arrays, st.mine, k, st.use)
    shares = st.shares
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
        "stock_cover": WEIGHTS["stock_cover"] * math.exp(-cover / COVER_REFERENCE_MONTHS),
        "price_peak": WEIGHTS["price_peak"]
        * (min(1.0, math.log(max(p_weighted, 1.0)) / math.log(cap)) if cap > 1 else 0.0),
        "structural": WEIGHTS["structural"] * struct_index,
    }

    metrics = {
        "peak_shortfall_pct": 100.0 * peak,
        "unmet_demand_months": unmet_months,
        "time_to_recover_months": recover,
        "stock_cover_months": cover,
        "value_at_risk_usd": value_at_risk,
        "price_peak_index": p_weighted,
        "structural_index": struct_index,
        **_economic_metrics(result, country, economy, economic),
    }

    def full() -> ExposureScore:
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
                "stock_cover": points["stock_cover"] * cover_share[i],
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
            metrics=metrics,
            material_metrics=material_metrics,
            options=[str(o) for o in provenance.get("options", [])],
        )

    return points, metrics, full


def headline_points(points: Mapping[str, float]) -> dict[str, float]:
    """``score``, ``harm_points`` and ``resilience_points`` of a score's component points, as
    :class:`ExposureScore` gives them (``score``, ``harm``, ``resilience``) without building it."""
    components = {k: float(v) for k, v in points.items()}
    return {
        "score": min(100.0, max(0.0, float(sum(points.values())))),
        "harm_points": float(sum(v for k, v in components.items() if KINDS.get(k) == "harm")),
        "resilience_points": float(sum(v for k, v in components.items()
                                       if KINDS.get(k) == "resilience")),
    }


def _economic_metrics(result: Any, country: str, economy: Mapping[str, float] | None,
                      economic: Mapping[str, float] | None = None) -> dict[str, float]:
    """Units, output and GDP lost (``rareearth.economics.loss_metrics``); NaN where the
    dataset has no product tier."""
    from rareearth.economics import loss_metrics

    # results built by hand (tests) carry arrays only, and no product tier
    if economic is not None:
        found = dict(economic)
    else:
        found = loss_metrics(result, country, draws=economy) if hasattr(result, "net") else {}
    if not found:
        return {k: math.nan for k in ECONOMIC_METRICS}
    return found


def structural_indicators(net: NetworkLike, country: str) -> dict[str, dict[str, float]]:
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


@dataclass(frozen=True)
class RunSpec:
    """How every run of a ranking is made: allocation, objective, timing and seed.

    ``objective`` ``"country"`` with ``allocation="optimal"`` puts the studied country's lost
    value first in the month LP (its best case); ``"world"`` minimises the world's.
    """

    allocation: str = "proportional"
    objective: str = "world"
    timing: str = "in_place"
    seed: int = 0

    def simulate_kwargs(self, country: str) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"allocation": self.allocation, "seed": self.seed,
                                  "timing": self.timing}
        if self.objective == "country":
            kwargs["priority"] = country
        return kwargs

    @property
    def label(self) -> str:
        return self.objective if self.allocation == "optimal" else "proportional"


def _check_spec(spec: RunSpec) -> None:
    from rareearth.errors import OptionError

    if spec.timing not in ("in_place", "from_start"):
        raise OptionError(f"timing must be 'in_place' or 'from_start' (got {spec.timing!r})")
    if spec.objective not in ("world", "country"):
        raise OptionError(f"objective must be 'world' or 'country' (got {spec.objective!r})")
    if spec.objective == "country" and spec.allocation != "optimal":
        raise OptionError("objective='country' needs allocation='optimal' (the proportional "
                          "rule has no objective)")


def resolve_options(net: Any, country: str, options: Sequence[Any]) -> list[Any]:
    """``options`` as objects, a built-in name taken as the template for ``country``
    (:meth:`rareearth.cooperation.Option.retarget`); paths and objects as they are."""
    from rareearth import _arguments
    from rareearth.cooperation import load_option
    from rareearth.cooperation import options as builtins
    from rareearth.errors import ArgumentError

    if isinstance(options, str | bytes) or not isinstance(options, Sequence):
        raise ArgumentError(
            f"options: must be a list of options or names (got {type(options).__name__})")
    names = set(builtins())
    return [load_option(o, country=country) if isinstance(o, str) and o in names
            else _arguments.option(o) for o in options]


def exposure(
    net: NetworkArg,
    scenario: ScenarioArg,
    country: str,
    options: Sequence[OptionItem] = (),
    *,
    allocation: str = "proportional",
    seed: int = 0,
    timing: str = "in_place",
    objective: str = "world",
) -> ExposureScore:
    """The exposure score of ``country`` under ``scenario`` (with ``options``).

    Parameters
    ----------
    net : SupplyNetwork or str
        A network, or a built-in dataset name.
    scenario : Scenario or str
        A scenario, or a built-in name / path.
    country : str
        Any country or region code of the network.
    options : sequence of Option or str
        Cooperation options (objects, built-in names or paths), applied together; a built-in
        name is the template for ``country`` (:meth:`rareearth.cooperation.Option.retarget`). The
        structural component is computed with their contracts in force
        (:mod:`rareearth.contracts`).
    allocation : {"proportional", "optimal"}
    timing : {"in_place", "from_start"}
        Options already built when the scenario begins, or decided at its start (each
        measure after its lead time and ramp).
    objective : {"world", "country"}
        With ``allocation="optimal"``: minimise the world's lost value, or ``country``'s first.

    Returns
    -------
    ExposureScore
        ``score`` 0–100 and ``components`` that add up to it (docs/exposure.md).

    Examples
    --------
    >>> import rareearth as ree
    >>> s = ree.exposure(ree.examples.tiny(), ree.examples.embargo(), "JP")  # CN stops exports
    >>> round(s.score, 1), round(sum(s.components.values()), 6) == round(s.score, 6)
    (57.9, True)
    """
    from rareearth.contracts import contracted_network
    from rareearth.engine import simulate

    spec = RunSpec(allocation, objective, timing, seed)
    _check_spec(spec)
    net, scenario, _ = _resolve(net, scenario, ())
    options = resolve_options(net, country, options)
    result = simulate(net, scenario, options=options, **spec.simulate_kwargs(country))
    structural = (structural_indicators(contracted_network(net, options), country)
                  if options else None)
    return score_result(net, result, country, structural=structural)


def _resolve(net: object, scenario: object,
             options: Sequence[Any]) -> tuple[NetworkLike, Scenario, list[Any]]:
    from rareearth import _arguments

    if isinstance(options, str | bytes) or not isinstance(options, Sequence):
        raise ArgumentError(
            f"options: must be a list of options or names (got {type(options).__name__})"
        )
    return (
        _arguments.network(net),
        _arguments.scenario(scenario),
        [_arguments.option(o) for o in options],
    )
