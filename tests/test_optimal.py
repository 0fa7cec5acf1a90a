"""``allocation="optimal"``: hand-computed cases, invariants, and the comparison with proportional.

Hand-computed cases use the tiny network (tests/factory.py) and a 2-supplier fork; properties
use the random layered networks of tests/engine_helpers.py and ``rareearth.synthetic``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import rareearth as ree
from rareearth import synthetic
from rareearth.engine import simulate, simulate_many
from rareearth.engine.optimal import OptimalAllocator
from rareearth.engine.run import ALLOCATIONS
from rareearth.engine.structure import END_USE
from tests.engine_helpers import (
    check_invariants,
    embargo,
    node_value,
    random_events,
    random_network,
    scenario,
)
from tests.factory import PROV, tiny_tables, write_dataset

SETTINGS = settings(max_examples=10, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(min_value=0, max_value=10_000)
#: Demand that does not respond to price, for hand-computed multi-month cases.
FIXED_DEMAND = {"substitution_max_per_year": 0.0}


# ---------------------------------------------------------------------------- helpers


def pile(res: Any, country: str, commodity: str) -> np.ndarray:
    cn = res.compiled
    return res.arrays["stockpile"][:, cn.country_index[country], cn.commodity_index[commodity]]


def end_use_shortfall(res: Any) -> tuple[float, float]:
    """Total end-use shortfall of a run: (tonnes, USD at the downstream values)."""
    st_ = res._batch.structure
    e0, e1 = st_.in_range[END_USE]
    nodes, coms = st_.in_node[e0:e1], st_.in_commodity[e0:e1]
    sf = res.arrays["shortfall"][:, nodes, coms]
    value = st_.compiled.value[nodes, coms]
    return float(sf.sum()), float((sf * value).sum())


def country_totals(res: Any) -> dict[str, float]:
    return {c: float(res.shortfall(c).to_numpy().sum()) for c in res.compiled.countries}


@pytest.fixture
def fork(tmp_path: Path) -> Any:
    """CN:mining feeds JP:separation and KR:separation (120 t/yr NdPr each); AU:mining
    (capacity 180, output 120) feeds AU:separation → AU end use. JP's and AU's end uses are
    worth 10× KR's.
    """
    tables = tiny_tables()
    tables["countries"] = [
        *tables["countries"],
        {"code": "KR", "name": "Korea", "kind": "country", "governance": 0.9, **PROV},
    ]
    tables["materials"] = tables["materials"][:1]

    def node(n: str, cap: float, out: float) -> dict[str, Any]:
        return {"node": n, "commodity": "NdPr", "capacity_tonnes_per_year": cap,
                "output_tonnes_per_year": out, "yield": 1, **PROV}

    def flow(s: str, t: str, v: float) -> dict[str, Any]:
        return {"source": s, "target": t, "commodity": "NdPr", "tonnes_per_year": v, **PROV}

    tables["nodes"] = [node("CN:mining", 240, 240), node("AU:mining", 180, 120),
                       node("JP:separation", 120, 120), node("KR:separation", 120, 120),
                       node("AU:separation", 120, 120)]
    tables["flows"] = [flow("CN:mining", "JP:separation", 120),
                       flow("CN:mining", "KR:separation", 120),
                       flow("AU:mining", "AU:separation", 120),
                       flow("JP:separation", "JP:end_use:other", 120),
                       flow("KR:separation", "KR:end_use:other", 120),
                       flow("AU:separation", "AU:end_use:other", 120)]
    for optional in ("recipes", "stocks", "stockpiles"):
        del tables[optional]
    tables["demand"] = [
        {"node": f"{c}:end_use:other", "commodity": "NdPr", "demand_tonnes_per_year": 120,
         "value_usd_per_tonne": v, **PROV}
        for c, v in (("JP", 10_000), ("KR", 1_000), ("AU", 10_000))
    ]
    return ree.load_network(write_dataset(tmp_path / "fork", tables))


# ---------------------------------------------------------------------------- registration


def test_registered_and_recorded_like_proportional(tiny: Any) -> None:
    assert ALLOCATIONS["optimal"] is OptimalAllocator
    sc = scenario(3, embargo())
    opt = simulate(tiny, sc, allocation="optimal", record="all")
    prop = simulate(tiny, sc, allocation="proportional", record="all")
    assert opt.provenance["allocation"] == "optimal"
    assert set(opt.arrays) == set(prop.arrays)
    assert list(opt.timeseries.columns) == list(prop.timeseries.columns)
    assert list(opt.flows.columns) == list(prop.flows.columns)
    (many,) = simulate_many(tiny, [sc], allocation="optimal", record="all")
    for key, value in opt.arrays.items():
        np.testing.assert_array_equal(many.arrays[key], value, err_msg=key)


# ---------------------------------------------------------------------------- baseline


def test_empty_scenario_reproduces_the_baseline(tiny: Any) -> None:
    res = simulate(tiny, scenario(12), allocation="optimal", record="all")
    assert res.timeseries["shortfall"].abs().max() == 0.0
    assert (res.arrays["price"] == 1.0).all()
    flows = res.flows
    assert not flows["rerouted"].any()
    base = tiny.flows.set_index(["source", "target", "commodity"])["tonnes_per_year"] / 12
    for _, month in flows.groupby("month"):
        got = month.set_index(["source", "target", "commodity"])["tonnes"]
        pd.testing.assert_series_equal(got.sort_index(), base.sort_index(), check_names=False,
                                       rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(node_value(res, "produced", "CN:magnet", "magnet"), 250 / 12)
    np.testing.assert_allclose(node_value(res, "stock", "JP:magnet", "DyTb"), 1.0)
    np.testing.assert_allclose(pile(res, "JP", "DyTb"), 0.5)  # nothing released
    check_invariants(res)


@pytest.mark.parametrize("dataset", ["world-2024", "world-2009"])
def test_empty_scenario_reproduces_the_world_baseline(dataset: str) -> None:
    net = ree.load_network(dataset)
    res = simulate(net, scenario(3), allocation="optimal", record="all")
    prop = simulate(net, scenario(3), record="all")
    assert end_use_shortfall(res) == (0.0, 0.0)
    for key in ("received", "produced", "shipped", "stock"):
        np.testing.assert_allclose(res.arrays[key], prop.arrays[key], rtol=1e-9, atol=1e-9,
                                   err_msg=key)
    check_invariants(res)


@SETTINGS
@given(seed=seeds)
def test_empty_scenario_is_the_baseline_on_random_networks(seed: int) -> None:
    net = random_network(seed)
    res = simulate(net, scenario(4), allocation="optimal", record="all")
    scale = float(net.flows["tonnes_per_year"].max())
    assert np.nanmax(res.arrays["shortfall"]) <= 1e-12 * scale
    base = net.flows.set_index(["source", "target", "commodity"])["tonnes_per_year"] / 12
    got = res.flows.groupby(["source", "target", "commodity"])["tonnes"].agg(["min", "max"])
    for col in ("min", "max"):
        np.testing.assert_allclose(got[col].reindex(base.index), base, rtol=1e-9,
                                   atol=1e-12 * scale)


# ---------------------------------------------------------------------------- hand-computed


def test_embargo_first_month_hand_computed(tiny: Any) -> None:
    """Month 2, the first of a CN → JP embargo on everything (see test_engine's version).

    Nothing can reach Japan from China (the pair is closed to rerouting too) and AU's spare
    mine capacity has no ramp yet, so the best case equals the proportional one: JP:metal gets
    AU's 40/12 t NdPr, JP:magnet makes 40/12 / 0.3 = 11.11 t (its DyTb stock of 1 t allows 50 t),
    and Japan lacks 300/12 − 11.11 t of magnets. The LP does not release the national DyTb
    stockpile: it would not cut any end-use shortfall.
    """
    res = simulate(tiny, scenario(3, embargo()), allocation="optimal", record="all")
    made = node_value(res, "produced", "JP:magnet", "magnet")[1]
    assert made == pytest.approx(40 / 12 / 0.3, rel=1e-9)
    assert res.shortfall("JP").loc["2025-02", "magnet"] == pytest.approx(300 / 12 - made, rel=1e-9)
    assert res.shortfall("CN").to_numpy().max() == 0.0
    assert pile(res, "JP", "DyTb")[1] == pytest.approx(0.5)
    # CN:magnet's 100 t/yr for Japan stays in China as inventory
    assert node_value(res, "stock_out", "CN:magnet", "magnet")[1] == pytest.approx(100 / 12)
    check_invariants(res)


def test_no_dytb_no_magnets(tiny: Any, tmp_path: Path) -> None:
    """Leontief: a DyTb embargo on Japan, with no Japanese DyTb stock, stops JP:magnet
    although its NdPr keeps arriving (the NdPr piles up as input stock)."""
    tables = tiny_tables()
    del tables["stocks"], tables["stockpiles"]
    net = ree.load_network(write_dataset(tmp_path / "no-dytb", tables))
    sc = scenario(3, embargo(commodities=["DyTb"], start="2025-01", end="2025-03"))
    res = simulate(net, sc, allocation="optimal", record="all")
    np.testing.assert_allclose(node_value(res, "produced", "JP:magnet", "magnet"), 0.0, atol=1e-12)
    np.testing.assert_allclose(node_value(res, "received", "JP:magnet", "NdPr")[0], 60 / 12)
    assert node_value(res, "stock", "JP:magnet", "NdPr")[0] == pytest.approx(60 / 12)
    # month 1: CN:magnet cannot ramp yet, and China's own users are worth as much as Japan's
    # automotive: Japan lacks JP:magnet's whole output
    assert res.shortfall("JP").loc["2025-01", "magnet"] == pytest.approx(200 / 12)
    assert res.shortfall("CN").to_numpy().max() == 0.0
    check_invariants(res)


def test_fork_reroutes_to_the_unrestricted_supplier_up_to_its_spare(fork: Any) -> None:
    """CN stops all exports. AU:mining has 60 t/yr (5 t/month) of spare capacity.

    With lead time 0 and ramp rate 1/month: month 1 nothing can move (AU's ramp is 0; JP and KR
    ask, so it is 1 from month 2). From month 2 the LP sends AU's whole spare, 5 t/month, to
    JP (worth 10× KR); proportional mode splits it pro rata to unmet orders, 2.5 t each.
    """
    sc = scenario(4, embargo(targets="all", start="2025-01", end="2025-04"))
    params = {"lead_time_months": 0.0, "ramp_rate_per_month": 1.0, **FIXED_DEMAND}
    opt = simulate(fork, sc, allocation="optimal", parameters=params, record="all")
    prop = simulate(fork, sc, allocation="proportional", parameters=params, record="all")
    jp, kr = opt.shortfall("JP")["NdPr"].to_numpy(), opt.shortfall("KR")["NdPr"].to_numpy()
    np.testing.assert_allclose(jp, [10, 5, 5, 5], rtol=1e-9)
    np.testing.assert_allclose(kr, [10, 10, 10, 10], rtol=1e-9)
    assert opt.shortfall("AU").to_numpy().max() == 0.0
    np.testing.assert_allclose(node_value(opt, "rerouted_out", "AU:mining", "NdPr"), [0, 5, 5, 5],
                               atol=1e-9)
    flows = opt.flows
    rer = flows[flows.rerouted].groupby(["source", "target"])["tonnes"].sum()
    assert rer.to_dict() == pytest.approx({("AU:mining", "JP:separation"): 15.0})
    # proportional: same tonnes, shared pro rata
    np.testing.assert_allclose(prop.shortfall("JP")["NdPr"].to_numpy()[:2], [10, 7.5], rtol=1e-9)
    np.testing.assert_allclose(prop.shortfall("KR")["NdPr"].to_numpy()[:2], [10, 7.5], rtol=1e-9)
    assert end_use_shortfall(opt)[1] < end_use_shortfall(prop)[1]
    check_invariants(opt)


def test_lead_time_ramps_new_links(fork: Any) -> None:
    """Lead time 2: the new AU → JP link carries 0, 1/2, then all of what it could."""
    sc = scenario(5, embargo(targets="all", start="2025-01", end="2025-05"))
    params = {"lead_time_months": 2.0, "ramp_rate_per_month": 1.0, **FIXED_DEMAND}
    res = simulate(fork, sc, allocation="optimal", parameters=params, record="all")
    # asked in month 1 (t = 0): link 1/2 in month 2 (of AU's potential 15 t), 1 from month 3;
    # AU:mining's spare (5 t/month from month 2) is the binding limit throughout
    np.testing.assert_allclose(res.shortfall("JP")["NdPr"].to_numpy(), [10, 5, 5, 5, 5], rtol=1e-9)
    tight = {"lead_time_months": 12.0, "ramp_rate_per_month": 1.0, **FIXED_DEMAND}
    slow = simulate(fork, sc, allocation="optimal", parameters=tight, record="all")
    # Lead time 12: in month 1+n every new link carries n/12 of its pool's potential (AU:mining
    # 15 t, KR:separation 10 t). Japan gets n/12 × 15 from AU:mining through JP:separation, and
    # also n/12 × 10 through a detour, AU:mining → KR:separation → JP's end use (Korea's own use
    # is worth less). Month 4: AU's 5 t spare binds (3.75 t via JP:separation, 1.25 t via KR).
    np.testing.assert_allclose(slow.shortfall("JP")["NdPr"].to_numpy(),
                               [10, 10 - 25 / 12, 10 - 50 / 12, 5, 5], rtol=1e-9)
    flows = slow.flows
    detour = flows[flows.rerouted & (flows.source == "KR:separation")].set_index("month")["tonnes"]
    np.testing.assert_allclose(detour.to_numpy(), [10 / 12, 20 / 12, 1.25], rtol=1e-9)
    check_invariants(slow)


# ---------------------------------------------------------------------------- invariants


@SETTINGS
@given(seed=seeds, n_events=st.integers(1, 3))
def test_nothing_created_on_random_networks(seed: int, n_events: int) -> None:
    net = random_network(seed)
    res = simulate(net, scenario(10, *random_events(seed, net, n_events)), allocation="optimal",
                   record="all")
    check_invariants(res)


def value_shortfall_by_month(res: Any) -> np.ndarray:
    """Value-weighted end-use shortfall of each month (USD/month)."""
    st_ = res._batch.structure
    e0, e1 = st_.in_range[END_USE]
    nodes, coms = st_.in_node[e0:e1], st_.in_commodity[e0:e1]
    return (res.arrays["shortfall"][:, nodes, coms] * st_.compiled.value[nodes, coms]).sum(axis=1)


def from_the_start(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events, all starting in the scenario's first month (whose state both modes share)."""
    return [{**e, "start": "2025-01", "ramp_in_months": 0.0} for e in events]


@SETTINGS
@given(seed=seeds, n_events=st.integers(1, 3))
def test_optimal_never_worse_than_proportional_from_the_same_state(seed: int,
                                                                   n_events: int) -> None:
    # the LP's guarantee: from the state a month starts in, its optimum is at most the
    # proportional mode's shortfall; both runs start from the baseline state
    net = random_network(seed)
    sc = scenario(3, *from_the_start(random_events(seed, net, n_events)))
    opt = value_shortfall_by_month(simulate(net, sc, allocation="optimal", record="all"))
    prop = value_shortfall_by_month(simulate(net, sc, record="all"))
    assert opt[0] <= prop[0] * (1 + 1e-9) + 1e-6


@SETTINGS
@given(seed=seeds, nodes=st.integers(20, 45))
def test_optimal_never_worse_than_proportional_on_synthetic_networks(seed: int, nodes: int) -> None:
    net = synthetic.network(nodes=nodes, seed=seed)
    sc = synthetic.scenario(net, months=12, seed=seed, n_events=2)
    opt = simulate(net, sc, allocation="optimal", record="all")
    prop = simulate(net, sc, record="all")
    first = int(np.argmax(sc.intensity().sum(axis=0) > 0))  # both runs share the state so far
    assert (value_shortfall_by_month(opt)[: first + 1].sum()
            <= value_shortfall_by_month(prop)[: first + 1].sum() * (1 + 1e-9) + 1e-6)
    check_invariants(opt)


def myopic_case() -> tuple[Any, Any]:
    """Random network 1022 with three events: a month-by-month optimum that costs later."""
    net = random_network(1022)
    sc = scenario(10, *random_events(1022, net, 3))
    return (simulate(net, sc, allocation="optimal", record="all"),
            simulate(net, sc, record="all"))


def test_month_by_month_optimum_can_cost_later_months() -> None:
    # the LP spends stocks to avoid the shortfall proportional takes in the first months, and
    # has less left when the restriction and the mine shock bite hardest (docs/model.md)
    opt, prop = (value_shortfall_by_month(r) for r in myopic_case())
    assert (opt[:3] < prop[:3]).all()
    assert (opt[3:6] > prop[3:6]).all()


@pytest.mark.xfail(strict=True, reason="issue 3 asks that optimal never give more total final "
                   "shortfall than proportional; a month-by-month LP cannot promise it over a "
                   "horizon: here it is 0.14% worse over 10 months (docs/model.md)")
def test_optimal_never_worse_than_proportional_over_a_run() -> None:
    opt, prop = myopic_case()
    assert end_use_shortfall(opt)[1] <= end_use_shortfall(prop)[1] * (1 + 1e-9) + 1e-6


BUILT_IN = [("world-2024", "china-2025-heavy"), ("world-2024", "japan-embargo"),
            pytest.param("world-2024", "myanmar-outage", marks=pytest.mark.xfail(
                strict=True, raises=AssertionError,
                reason="with stocks at every consumer (issue 10) the month LP spends them early "
                "and ends myanmar-outage with 2.0 t of end-use shortfall where proportional has "
                "none (the myopic case of docs/model.md)")),
            ("world-2024", "china-2010"),
            ("world-2009", "china-2010"), ("world-2009", "china-2025-heavy"),
            ("world-2009", "japan-embargo")]


@pytest.mark.slow
@pytest.mark.parametrize(("dataset", "name"), BUILT_IN)
def test_optimal_never_worse_than_proportional_on_built_in_scenarios(dataset: str, name: str) -> None:
    """Without transit: the month LP plans cross-border shipments as if they arrived in the
    month they ship, so with the datasets' one-month transit it is no longer a lower bound
    (world-2024 china-2025-heavy: 5.59e9 against 4.90e9 value-weighted; docs/model.md)."""
    net = ree.load_network(dataset)
    sc = ree.load_scenario(name)
    opt = simulate(net, sc, allocation="optimal", record="all", parameters={"transit_months": 0})
    prop = simulate(net, sc, record="all", parameters={"transit_months": 0})
    o, p = end_use_shortfall(opt), end_use_shortfall(prop)
    assert o[1] <= p[1] * (1 + 1e-9)
    assert o[0] <= p[0] * (1 + 1e-9)  # tonnes too, on the built-in data
    check_invariants(opt)


# ---------------------------------------------------------------------------- monotone severity


def test_restricting_a_short_exporter_lowers_its_own_shortfall(fork: Any) -> None:
    """Counterexample to MODEL.md §3 "raising any severity never lowers any country's total
    shortfall", in both modes (see docs/model.md, Optimal allocation).

    CN:mining (360 t/yr: 120 each for JP's, KR's and China's own separation) runs at half
    capacity. Cutting its exports to Japan harder (20 % → 80 %) frees ore that stays in China
    ("what a cut frees stays with the exporter"), so China's shortfall *falls* as the severity
    rises.
    """
    sc_lo, sc_hi = (
        scenario(3, {"type": "capacity_shock", "node": "CN:mining", "factor": 0.5,
                     "start": "2025-01", "end": "2025-03"},
                 embargo(targets=["JP"], severity=sev, start="2025-01", end="2025-03"))
        for sev in (0.2, 0.8)
    )
    net = _fork_with_chinese_users(fork)
    for allocation in ("optimal", "proportional"):
        lo = country_totals(simulate(net, sc_lo, allocation=allocation, record="all"))
        hi = country_totals(simulate(net, sc_hi, allocation=allocation, record="all"))
        assert hi["JP"] >= lo["JP"]
        assert hi["CN"] < lo["CN"] - 1.0, allocation


def _fork_with_chinese_users(fork: Any) -> Any:
    """The fork plus CN:separation (from CN:mining, 120 t/yr) → CN:end_use:other (value as JP)."""
    producers = pd.concat([fork.producers, pd.DataFrame([
        {"node": "CN:separation", "commodity": "NdPr", "capacity_tonnes_per_year": 120.0,
         "output_tonnes_per_year": 120.0, "yield": 1.0, **PROV}])], ignore_index=True)
    producers.loc[producers["node"] == "CN:mining", ["capacity_tonnes_per_year",
                                                     "output_tonnes_per_year"]] = 360.0
    cols = ["source", "target", "commodity", "tonnes_per_year", *PROV]
    flows = pd.concat([fork.flows[cols], pd.DataFrame([
        {"source": "CN:mining", "target": "CN:separation", "commodity": "NdPr",
         "tonnes_per_year": 120.0, **PROV},
        {"source": "CN:separation", "target": "CN:end_use:other", "commodity": "NdPr",
         "tonnes_per_year": 120.0, **PROV}])], ignore_index=True)
    demand = pd.concat([fork.demand.drop(columns=["country", "sector"]), pd.DataFrame([
        {"node": "CN:end_use:other", "commodity": "NdPr", "demand_tonnes_per_year": 120.0,
         "value_usd_per_tonne": 10_000.0, **PROV}])], ignore_index=True)
    return fork.replace(producers=producers, flows=flows, demand=demand)


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "MODEL.md §3 per-country monotonicity does not hold in optimal mode: see "
    "test_restricting_a_short_exporter_lowers_its_own_shortfall and docs/model.md"))
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=seeds, low=st.floats(0.0, 1.0), high=st.floats(0.0, 1.0))
@example(seed=311, low=0.0, high=1.0)  # AA, the only magnet maker, 41.8 t short → 4.97 t
def test_more_severe_is_never_better_for_any_country(seed: int, low: float, high: float) -> None:
    """MODEL.md §3 as written: raising any severity never lowers any country's total shortfall."""
    low, high = min(low, high), max(low, high)
    net = random_network(seed)
    events = random_events(seed, net, 2)
    restrictions = [i for i, e in enumerate(events) if e["type"] == "export_restriction"]
    if not restrictions:
        events.append({"type": "export_restriction", "exporter": net.country_codes[0],
                       "targets": "all", "commodities": "all", "severity": 1.0,
                       "start": "2025-02", "end": "2025-07"})
        restrictions = [len(events) - 1]
    i = restrictions[0]
    runs = [simulate(net, scenario(10, *[{**e, "severity": sev} if j == i else e
                                         for j, e in enumerate(events)]),
                     allocation="optimal", record="all") for sev in (low, high)]
    a, b = (country_totals(r) for r in runs)
    for country in a:
        assert b[country] >= a[country] - 1e-9 * (1 + a[country]), country


# ---------------------------------------------------------------------------- export quotas


@pytest.mark.parametrize("surge", [False, True])
def test_quota_binds_in_both_modes(tiny: Any, surge: bool) -> None:
    """A 50 t/yr quota on CN's magnet exports (100 t/yr, all to JP) caps what ships to JP in
    optimal mode as in proportional (the LP's edge bounds are ``engine.shippable``), also when
    JP's automotive demand doubles; optimal never leaves more end-use shortfall."""
    quota = {"type": "export_quota", "exporter": "CN", "commodities": ["magnet"],
             "tonnes_per_year": 50, "start": "2025-02", "end": "2025-05"}
    events: list[dict[str, Any]] = [quota]
    if surge:
        events.append({"type": "demand_shock", "country": "JP", "sector": "automotive",
                       "factor": 2.0, "start": "2025-01", "end": "2025-06"})
    sc = scenario(6, *events)
    runs = {mode: simulate(tiny, sc, allocation=mode, record="all")
            for mode in ("proportional", "optimal")}
    for mode, res in runs.items():
        flows = res.flows
        to_jp = flows[(flows.source == "CN:magnet") & (flows.target == "JP:end_use:automotive")]
        per_month = to_jp.groupby("month")["tonnes"].sum()
        quota_months = per_month.loc["2025-02":"2025-05"]
        assert quota_months.max() == pytest.approx(50 / 12), mode  # binds, never exceeded
        assert per_month.loc["2025-01"] >= 100 / 12 - 1e-9, mode  # before the quota: in full
        check_invariants(res)
    opt, prop = end_use_shortfall(runs["optimal"]), end_use_shortfall(runs["proportional"])
    assert opt[1] <= prop[1] * (1 + 1e-9) + 1e-6
    assert opt[0] <= prop[0] * (1 + 1e-9) + 1e-6
    assert prop[0] > 1.0  # the quota leaves JP short
