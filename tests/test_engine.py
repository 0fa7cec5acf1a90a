"""Engine: hand-computed cases on the tiny network and small chains (tests/factory.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import rareearth as ree
from rareearth.engine import (
    CapacityAddition,
    DemandAddition,
    DemandFactor,
    EngineError,
    LeadTime,
    Levers,
    Offtake,
    RecyclingIncrease,
    StockpileOverride,
    simulate,
    simulate_many,
)
from tests.engine_helpers import EPS, check_invariants, embargo, node_value, scenario
from tests.factory import PROV, tiny_tables, write_dataset


@pytest.fixture
def chain(tmp_path: Path) -> Any:
    """AU:mining → AU:separation → JP:end_use:other, 120 t/yr NdPr; a CN mine with spare capacity."""
    tables = tiny_tables()
    tables["materials"] = tables["materials"][:1]
    tables["nodes"] = [
        {"node": "AU:mining", "commodity": "NdPr", "capacity_tonnes_per_year": 120,
         "output_tonnes_per_year": 120, "yield": 1, **PROV},
        {"node": "CN:mining", "commodity": "NdPr", "capacity_tonnes_per_year": 240,
         "output_tonnes_per_year": 120, "yield": 1, **PROV},
        {"node": "AU:separation", "commodity": "NdPr", "capacity_tonnes_per_year": 120,
         "output_tonnes_per_year": 120, "yield": 1, **PROV},
        {"node": "CN:separation", "commodity": "NdPr", "capacity_tonnes_per_year": 120,
         "output_tonnes_per_year": 120, "yield": 1, **PROV},
    ]
    tables["flows"] = [
        {"source": "AU:mining", "target": "AU:separation", "commodity": "NdPr", "tonnes_per_year": 120, **PROV},
        {"source": "CN:mining", "target": "CN:separation", "commodity": "NdPr", "tonnes_per_year": 120, **PROV},
        {"source": "AU:separation", "target": "JP:end_use:other", "commodity": "NdPr", "tonnes_per_year": 120, **PROV},
        {"source": "CN:separation", "target": "CN:end_use:other", "commodity": "NdPr", "tonnes_per_year": 120, **PROV},
    ]
    for optional in ("recipes", "stocks", "stockpiles"):
        del tables[optional]
    tables["demand"] = [
        {"node": "JP:end_use:other", "commodity": "NdPr", "demand_tonnes_per_year": 120,
         "value_usd_per_tonne": 1000, **PROV},
        {"node": "CN:end_use:other", "commodity": "NdPr", "demand_tonnes_per_year": 120,
         "value_usd_per_tonne": 1000, **PROV},
    ]
    return ree.load_network(write_dataset(tmp_path / "chain", tables))


# ---------------------------------------------------------------------------- baseline


def test_empty_scenario_reproduces_the_baseline(tiny: Any) -> None:
    res = simulate(tiny, scenario(12))
    ts = res.timeseries
    assert ts["shortfall"].abs().max() == 0.0
    assert (ts["price_index"] == 1.0).all()
    flows = res.flows
    assert not flows["rerouted"].any()
    base = tiny.flows.set_index(["source", "target", "commodity"])["tonnes_per_year"] / 12
    for _, month in flows.groupby("month"):
        got = month.set_index(["source", "target", "commodity"])["tonnes"]
        pd.testing.assert_series_equal(got.sort_index(), base.sort_index(), check_names=False,
                                       rtol=1e-12, atol=1e-12)
    # production equals baseline output, demand equals baseline demand
    np.testing.assert_allclose(node_value(res, "produced", "CN:magnet", "magnet"), 250 / 12)
    np.testing.assert_allclose(node_value(res, "demand", "JP:end_use:automotive", "magnet"), 250 / 12)
    np.testing.assert_allclose(node_value(res, "stock", "JP:magnet", "DyTb"), 1.0)
    check_invariants(res)


def test_timeseries_columns_and_month_period(tiny: Any) -> None:
    ts = simulate(tiny, scenario(2)).timeseries
    assert list(ts.columns) == ["month", "node", "country", "stage", "commodity", "demand",
                                "received", "produced", "shortfall", "stock", "price_index"]
    assert isinstance(ts["month"].dtype, pd.PeriodDtype)
    assert str(ts["month"].iloc[0]) == "2025-01"


# ---------------------------------------------------------------------------- restriction


def test_embargo_on_japan_cuts_japan_only(tiny: Any) -> None:
    res = simulate(tiny, scenario(6, embargo()))
    jp = res.shortfall("JP")
    cn = res.shortfall("CN")
    assert jp.loc["2025-01"].sum() == 0
    assert (jp.loc["2025-02":"2025-04", "magnet"] > 1).all()
    assert cn.to_numpy().max() < EPS
    # CN:magnet's 100 t/yr to Japan is cut entirely; the freed output stays in China
    flows = res.flows
    cut = flows[(flows.source == "CN:magnet") & (flows.target == "JP:end_use:automotive")
                & ~flows.rerouted]
    assert cut.set_index("month").loc["2025-02":"2025-04", "tonnes"].max() == 0.0
    assert node_value(res, "stock_out", "CN:magnet", "magnet")[1] == pytest.approx(100 / 12)
    check_invariants(res)


def test_embargo_first_month_hand_computed(tiny: Any) -> None:
    """Month 2 (first embargo month), before ramps and new links can help.

    JP:metal loses CN's 20 NdPr and 4 DyTb per year; JP:magnet has no DyTb but its stock of 1 t
    (and the national stockpile of 0.5 t, released at 0.25 t/month): magnets from DyTb =
    (1 + 0.25) / 0.02 = 62.5 t > its 200/12 need, so JP:magnet is limited by NdPr:
    AU's 40/12 t → 40/12/0.3 = 11.11 t of magnets. JP end use also loses CN:magnet's 100/12.
    """
    res = simulate(tiny, scenario(3, embargo()))
    made = node_value(res, "produced", "JP:magnet", "magnet")[1]
    assert made == pytest.approx(40 / 12 / 0.3)
    jp = res.shortfall("JP").loc["2025-02", "magnet"]
    assert jp == pytest.approx(300 / 12 - made)
    # DyTb: JP:metal (no stock) is short of all its need (1/3 t), so the national stockpile
    # releases what exceeds the 10 % threshold, 0.3 t, capped at its monthly rate: 0.25 t
    assert res.arrays["stockpile"][1, 2, 1] == pytest.approx(0.25)
    assert node_value(res, "released", "JP:metal", "DyTb")[1] == pytest.approx(0.25)
    check_invariants(res)


def test_partial_restriction_cuts_flows_by_severity(tiny: Any) -> None:
    res = simulate(tiny, scenario(3, embargo(severity=0.25, commodities=["magnet"])))
    flows = res.flows
    sel = flows[(flows.source == "CN:magnet") & (flows.target == "JP:end_use:automotive")
                & ~flows.rerouted].set_index("month")["tonnes"]
    assert sel.loc["2025-02"] == pytest.approx(0.75 * 100 / 12)
    check_invariants(res)


def test_rerouting_through_the_chain(chain: Any) -> None:
    """JP's only supplier (AU) loses its mine; CN's spare mine capacity reaches AU:separation
    after the lead time (2 months, tiny parameters) and a ramp at 5 %/month."""
    sc = scenario(12, {"type": "capacity_shock", "node": "AU:mining", "factor": 0.0,
                       "start": "2025-01", "end": "2025-12"})
    res = simulate(chain, sc)
    jp = res.shortfall("JP")["NdPr"].to_numpy()
    assert jp[0] == pytest.approx(10.0)  # nothing arrives in the first month
    assert jp[-1] < jp[3] < jp[0]  # rerouting grows month by month
    flows = res.flows
    rer = flows[flows.rerouted & (flows.source == "CN:mining")].set_index("month")["tonnes"]
    assert str(rer.index.min()) == "2025-02"  # asked in January; lead time 2: 0, 1/2, full
    check_invariants(res)


def test_quota_caps_exports_in_baseline_proportion(tiny: Any) -> None:
    """CN exports 100 t/yr of magnets (all to JP): a 50 t/yr quota halves them."""
    quota = {"type": "export_quota", "exporter": "CN", "commodities": ["magnet"],
             "tonnes_per_year": 50, "start": "2025-02", "end": "2025-03"}
    res = simulate(tiny, scenario(3, quota))
    flows = res.flows
    to_jp = flows[(flows.source == "CN:magnet") & (flows.target == "JP:end_use:automotive")
                  & ~flows.rerouted].set_index("month")["tonnes"]
    assert to_jp.loc["2025-02"] == pytest.approx(50 / 12)
    assert to_jp.loc["2025-01"] == pytest.approx(100 / 12)
    check_invariants(res)


def test_quota_caps_actual_shipments_not_only_baseline(tiny: Any) -> None:
    """A quota caps what ships even when orders rise above baseline (here JP's automotive
    demand doubles): CN's exports stay at the quota."""
    quota = {"type": "export_quota", "exporter": "CN", "commodities": ["magnet"],
             "tonnes_per_year": 100, "start": "2025-01", "end": "2025-03"}
    surge = {"type": "demand_shock", "country": "JP", "sector": "automotive", "factor": 2.0,
             "start": "2025-01", "end": "2025-03"}
    res = simulate(tiny, scenario(3, quota, surge))
    flows = res.flows
    to_jp = flows[(flows.source == "CN:magnet") & (flows.target == "JP:end_use:automotive")]
    assert to_jp.groupby("month")["tonnes"].sum().max() == pytest.approx(100 / 12)
    free = simulate(tiny, scenario(3, surge)).flows
    free_jp = free[(free.source == "CN:magnet") & (free.target == "JP:end_use:automotive")]
    assert free_jp.groupby("month")["tonnes"].sum().iloc[0] > 100 / 12 + 1


# ---------------------------------------------------------------------------- API


def test_unknown_allocation_is_a_clear_error(tiny: Any) -> None:
    with pytest.raises(EngineError, match="unknown allocation 'fastest'"):
        simulate(tiny, scenario(2), allocation="fastest")
    assert issubclass(EngineError, ree.RareEarthError)
    assert issubclass(EngineError, ValueError)


def test_unknown_record_key(tiny: Any) -> None:
    with pytest.raises(EngineError, match="record"):
        simulate(tiny, scenario(2), record=("shortfal",))


def test_unknown_parameter(tiny: Any) -> None:
    with pytest.raises(ree.RareEarthError, match="unknown parameter 'lead_time'"):
        simulate(tiny, scenario(2), parameters={"lead_time": 3})


def test_provenance(tiny: Any) -> None:
    res = simulate(tiny, scenario(2), seed=7, parameters={"price_cap": 5})
    p = res.provenance
    assert p["dataset"] == "tiny" and p["digest"] == tiny.digest
    assert p["seed"] == 7 and p["allocation"] == "proportional"
    assert p["parameters"]["price_cap"] == 5 and p["parameters"]["lead_time_months"] == 2
    assert p["scenario"]["months"] == 2
    assert p["version"] == ree.__version__


def test_batch_equals_single_runs(tiny: Any) -> None:
    scs = [scenario(6, embargo(severity=s)) for s in (0.0, 0.5, 1.0)]
    scs.append(scenario(4, start="2024-06"))
    many = simulate_many(tiny, scs, parameters=[None, {"ramp_rate_per_month": 0.2}, None, None])
    singles = [simulate(tiny, scs[0]), simulate(tiny, scs[1], parameters={"ramp_rate_per_month": 0.2}),
               simulate(tiny, scs[2]), simulate(tiny, scs[3])]
    for a, b in zip(many, singles, strict=True):
        assert a.months == b.months
        for key in b.arrays:
            np.testing.assert_array_equal(a.arrays[key], b.arrays[key], err_msg=key)
        pd.testing.assert_frame_equal(a.flows, b.flows)


def test_same_seed_same_result(tiny: Any) -> None:
    a = simulate(tiny, scenario(6, embargo()), seed=3)
    b = simulate(tiny, scenario(6, embargo()), seed=3)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)


def test_record_subset_and_end_use_only(tiny: Any) -> None:
    (res,) = simulate_many(tiny, [scenario(3, embargo())], record=("demand", "shortfall"),
                           record_nodes="end_use")
    assert set(res.arrays) == {"demand", "shortfall", "price", "price_domestic", "stockpile"}
    cn = res._batch.structure.compiled
    assert np.isnan(res.arrays["shortfall"][:, cn.node_index["JP:magnet"]]).all()
    full = simulate(tiny, scenario(3, embargo()))
    pd.testing.assert_frame_equal(res.shortfall("JP"), full.shortfall("JP"))


def test_shortfall_unknown_country(tiny: Any) -> None:
    res = simulate(tiny, scenario(2))
    with pytest.raises(ree.UnknownNameError, match="unknown country 'XX'"):
        res.shortfall("XX")


def test_scenario_checked_against_network(tiny: Any) -> None:
    with pytest.raises(ree.ScenarioError, match="unknown country 'XX'"):
        simulate(tiny, scenario(3, embargo(exporter="XX")))


# ---------------------------------------------------------------------------- levers


def test_capacity_addition_ramps_in_and_runs_at_full(tiny: Any) -> None:
    lev = Levers(capacity=(CapacityAddition("AU:mining", "NdPr", 24, start_month=1, ramp_months=2),))
    res = simulate(tiny, scenario(3), options=lev)
    np.testing.assert_allclose(node_value(res, "capacity", "AU:mining", "NdPr") * 12, [60, 72, 84])
    np.testing.assert_allclose(node_value(res, "produced", "AU:mining", "NdPr") * 12, [40, 52, 64])
    # nobody needs the extra concentrate in a calm month: it is stocked at the mine
    np.testing.assert_allclose(node_value(res, "stock_out", "AU:mining", "NdPr"), [0, 1, 3])
    check_invariants(res)


def test_capacity_addition_reduces_embargo_shortfall(tiny: Any) -> None:
    # NdPr only: with DyTb cut too, JP:magnet would stop for lack of DyTb whatever AU makes
    sc = scenario(12, embargo(commodities=["NdPr"], end="2025-12"))
    lev = Levers(capacity=(CapacityAddition("AU:mining", "NdPr", 60),
                           CapacityAddition("AU:separation", "NdPr", 60)))
    base = simulate(tiny, sc).shortfall("JP").to_numpy().sum()
    helped = simulate(tiny, sc, options=lev)
    assert helped.shortfall("JP").to_numpy().sum() < base
    check_invariants(helped)


def test_demand_factor_cuts_orders_upstream(tiny: Any) -> None:
    """JP automotive demand halves (250 → 125 t/yr); it buys 60 % from JP:magnet and 40 % from
    CN:magnet, so JP:magnet makes 75 + 50 (electronics) and CN:magnet 150 + 50 t/yr."""
    lev = Levers(demand_factors=(DemandFactor("JP:end_use:automotive", "magnet", 0.5),))
    res = simulate(tiny, scenario(3), options=lev)
    np.testing.assert_allclose(node_value(res, "demand", "JP:end_use:automotive", "magnet") * 12, 125)
    np.testing.assert_allclose(node_value(res, "produced", "JP:magnet", "magnet") * 12, 125)
    np.testing.assert_allclose(node_value(res, "produced", "CN:magnet", "magnet") * 12, 200)
    assert res.timeseries["shortfall"].max() < EPS
    check_invariants(res)


def test_demand_factor_over_time(tiny: Any) -> None:
    lev = Levers(demand_factors=(DemandFactor("JP:end_use:electronics", "magnet", [1.0, 0.5, 0.0]),))
    res = simulate(tiny, scenario(3), options=lev)
    np.testing.assert_allclose(node_value(res, "demand", "JP:end_use:electronics", "magnet") * 12,
                               [50, 25, 0])


def test_demand_addition(tiny: Any) -> None:
    lev = Levers(demand_additions=(DemandAddition("JP:end_use:electronics", "magnet", 12),))
    res = simulate(tiny, scenario(3), options=lev)
    demand = node_value(res, "demand", "JP:end_use:electronics", "magnet") * 12
    assert demand[0] == pytest.approx(62)
    # JP:magnet has 20 t/yr of spare capacity but its inputs come a month later: short at first
    short = node_value(res, "shortfall", "JP:end_use:electronics", "magnet")
    assert short[0] > 0 and short[-1] < short[0]
    check_invariants(res)


def test_recycling_increase_adds_secondary_supply(tiny: Any) -> None:
    """10 % more recycling in JP: 10 % of last month's consumption comes back (25 t/yr at JP
    automotive), so JP automotive orders 10 % less: CN:magnet makes 150 + 90 t/yr."""
    lev = Levers(recycling=(RecyclingIncrease("JP", 0.1),))
    res = simulate(tiny, scenario(3), options=lev)
    np.testing.assert_allclose(node_value(res, "produced", "CN:magnet", "magnet") * 12, 240)
    np.testing.assert_allclose(node_value(res, "received", "JP:end_use:automotive", "magnet") * 12, 250)
    check_invariants(res)


def test_recycling_parameter_above_dataset_rate(tiny: Any) -> None:
    # dataset: 0.01; the increase applies to every country: CN automotive orders 135, JP 90
    res = simulate(tiny, scenario(2), parameters={"recycling_rate": 0.11})
    np.testing.assert_allclose(node_value(res, "produced", "CN:magnet", "magnet") * 12, 225)


def test_offtake_served_first_under_scarcity(tiny: Any) -> None:
    """CN:magnet at half capacity (12.5 t/month) for orders of 12.5 (CN) + 8.33 (JP).
    Pro rata: CN 7.5, JP 5. With half its output reserved for JP: JP gets 6.25 first, then the
    other 6.25 is shared pro rata over the remaining orders 12.5 (CN) and 2.083 (JP)."""
    shock = {"type": "capacity_shock", "node": "CN:magnet", "factor": 0.5,
             "start": "2025-01", "end": "2025-03"}

    def first_month(res: Any) -> pd.Series:
        f = res.flows
        sel = f[(f.source == "CN:magnet") & (f.month == f.month.min()) & ~f.rerouted]
        return sel.set_index("target")["tonnes"]

    plain = first_month(simulate(tiny, scenario(2, shock)))
    assert plain["JP:end_use:automotive"] == pytest.approx(5.0)
    res = simulate(tiny, scenario(2, shock),
                   options=Levers(offtakes=(Offtake("CN:magnet", "JP", "magnet", 0.5),)))
    got = first_month(res)
    rest = 6.25 / (12.5 + 100 / 12 - 6.25)
    assert got["JP:end_use:automotive"] == pytest.approx(6.25 + (100 / 12 - 6.25) * rest)
    assert got["CN:end_use:automotive"] == pytest.approx(12.5 * rest)
    check_invariants(res)


def test_stockpile_override(tiny: Any) -> None:
    lev = Levers(stockpiles=(StockpileOverride("JP", "DyTb", 10, release_tonnes_per_month=2),))
    res = simulate(tiny, scenario(3, embargo()), options=lev)
    pile = res.arrays["stockpile"][:, 2, 1]
    assert pile[0] == pytest.approx(10)
    # JP:metal needs 4/12 t DyTb a month and gets none: the stockpile gives what exceeds the
    # 10 % threshold, 90 % of the need
    assert pile[1] == pytest.approx(10 - 0.9 * 4 / 12)
    assert node_value(res, "released", "JP:metal", "DyTb")[1] == pytest.approx(0.9 * 4 / 12)
    check_invariants(res)


def test_new_stockpile_gets_a_default_release_rule(tiny: Any) -> None:
    lev = Levers(stockpiles=(StockpileOverride("JP", "magnet", 60),))
    res = simulate(tiny, scenario(3, embargo()), options=lev)
    released = node_value(res, "released", "JP:end_use:automotive", "magnet")[1]
    assert 0 < released <= 60 / 6 + EPS


def test_lead_time_lever_shortens_new_links(chain: Any) -> None:
    """CN:mining → AU:separation is a new link: with the dataset's 2 months it carries half of
    what is offered in February; with a trade link of 0 months, all of it (0.5 t: 5 % of the
    mine's 10 t/month spare capacity ramped in February)."""
    sc = scenario(3, {"type": "capacity_shock", "node": "AU:mining", "factor": 0.0,
                      "start": "2025-01", "end": "2025-12"})

    def feb(res: Any) -> float:
        f = res.flows
        sel = f[f.rerouted & (f.source == "CN:mining") & (f.month == pd.Period("2025-02", "M"))]
        return float(sel["tonnes"].sum())

    frozen = {"substitution_max_per_year": 0.0}  # no demand response: CN's own use stays put
    assert feb(simulate(chain, sc, parameters=frozen)) == pytest.approx(0.25)
    fast = simulate(chain, sc, options=Levers(lead_times=(LeadTime("CN", "AU", 0),)),
                    parameters=frozen)
    assert feb(fast) == pytest.approx(0.5)
    cn = chain.compile()
    matrix = np.full((len(cn.countries), len(cn.countries)), np.nan)
    matrix[cn.country_index["CN"], cn.country_index["AU"]] = 0.0
    same = simulate(chain, sc, options=Levers(lead_time_matrix=matrix), parameters=frozen)
    assert feb(same) == pytest.approx(0.5)
    check_invariants(fast)


def test_options_by_duck_typing_and_per_scenario(tiny: Any) -> None:
    class HalfJapan:
        def to_levers(self, net: Any, compiled: Any, scenario: Any) -> Levers:
            return Levers(demand_factors=(DemandFactor("JP:end_use:automotive", "magnet", 0.5),))

    a = simulate(tiny, scenario(2), options=[HalfJapan()])
    np.testing.assert_allclose(node_value(a, "demand", "JP:end_use:automotive", "magnet") * 12, 125)
    plain, halved = simulate_many(tiny, [scenario(2), scenario(2)], options=[[], [HalfJapan()]])
    np.testing.assert_allclose(node_value(plain, "demand", "JP:end_use:automotive", "magnet") * 12, 250)
    np.testing.assert_allclose(node_value(halved, "demand", "JP:end_use:automotive", "magnet") * 12, 125)


def test_bad_lever_is_an_option_error(tiny: Any) -> None:
    with pytest.raises(ree.OptionError, match=r"capacity\[0\]: unknown node 'XX:mining'"):
        simulate(tiny, scenario(2), options=Levers(capacity=(CapacityAddition("XX:mining", "NdPr", 1),)))
    with pytest.raises(ree.OptionError, match="share must be within"):
        simulate(tiny, scenario(2), options=Levers(offtakes=(Offtake("CN:magnet", "JP", "magnet", 2),)))


# ---------------------------------------------------------------------------- built-in data


def _builtin_cases() -> list[tuple[str, str]]:
    cases = []
    for ds in ree.datasets():
        for name in ree.scenarios():
            cases.append((ds, name))
    return cases


#: Per-country exceptions to MODEL.md's "more severe is never better" in proportional mode on the
#: built-in data (severity grid of 20 steps). Both come from the price response: a more severe
#: scenario raises the world price index more, which destroys more demand (not counted as
#: shortfall) and weakens other buyers' pull on the country's suppliers. With the response off
#: (``substitution_max_per_year = 0``) every country is monotone (tested below).
PER_COUNTRY_EXCEPTIONS = {
    # The price channel: a harsher scenario raises the (export-market) price more, which cuts
    # more demand, and demand cut by price is not shortfall. Without the price response every
    # country is monotone (the test above). Numbers at the export-market price index.
    # (dataset, scenario) -> (the one country allowed to dip, why)
    ("world-2024", "china-2010"): ("EU", "EU: severity 0.50 → 0.55 lowers the EU's shortfall "
                                   "from 141.2 t to 132.0 t (its magnet shortfall falls as "
                                   "higher prices cut magnet demand)"),
    ("world-2009", "china-2025-heavy"): ("IN", "IN: severity 0.05 → 0.10 lowers India's "
                                         "shortfall from 0.011 t to 0.005 t (higher prices cut "
                                         "the demand that was short)"),
}
SCALES = np.linspace(0.05, 1.0, 20)


def _severity_totals(dataset: str, name: str, **parameters: float) -> tuple[np.ndarray, list[str]]:
    net = ree.load_network(dataset)
    sc = ree.load_scenario(name)
    try:
        sc.validate_for(net)
    except ree.ScenarioError:
        pytest.skip(f"{name} is not written for {dataset}")
    runs = simulate_many(net, [sc.scaled(severity=float(s)) for s in SCALES], record=("country",),
                         parameters=parameters or None)
    totals = np.array([np.nansum(r.arrays["country_shortfall"], axis=(0, 2)) for r in runs])
    return totals, list(runs[0].compiled.countries)


@pytest.mark.parametrize(("dataset", "name"), _builtin_cases())
def test_builtin_more_severe_is_never_better_in_total(dataset: str, name: str) -> None:
    """MODEL.md §3 on the built-in data: raising the severity of a scenario (every event
    scaled) never lowers the total end-use shortfall."""
    totals, _ = _severity_totals(dataset, name)
    tol = 1e-6 * (1 + totals.max())
    assert np.diff(totals.sum(axis=1)).min() >= -tol


@pytest.mark.parametrize(("dataset", "name"), _builtin_cases())
def test_builtin_more_severe_is_never_better_for_any_country_without_price_response(
    dataset: str, name: str
) -> None:
    totals, countries = _severity_totals(dataset, name, substitution_max_per_year=0.0)
    steps = np.diff(totals, axis=0)
    worst = dict(zip(countries, steps.min(axis=0).round(3), strict=True))
    assert steps.min() >= -1e-6 * (1 + totals.max()), f"a country's shortfall fell: {worst}"


@pytest.mark.parametrize(("dataset", "name"), _builtin_cases())
def test_builtin_more_severe_is_never_better_for_any_country(dataset: str, name: str) -> None:
    """Per country, with the price response on: documented exceptions only."""
    totals, countries = _severity_totals(dataset, name)
    steps = np.diff(totals, axis=0)
    tolerance = -1e-6 * (1 + totals.max())
    if steps.min() < tolerance:
        worst = dict(zip(countries, steps.min(axis=0).round(3), strict=True))
        dipped = {c for c, step in zip(countries, steps.min(axis=0), strict=True) if step < tolerance}
        if (dataset, name) in PER_COUNTRY_EXCEPTIONS:
            country, why = PER_COUNTRY_EXCEPTIONS[(dataset, name)]
            if dipped == {country}:  # only the documented country, nothing new
                pytest.xfail(why)
        pytest.fail(f"a country's shortfall fell with severity: {worst}")


@pytest.mark.parametrize("dataset", ree.datasets())
def test_builtin_empty_scenario_is_the_baseline(dataset: str) -> None:
    net = ree.load_network(dataset)
    res = simulate(net, scenario(12), record="all")
    assert np.nanmax(res.arrays["shortfall"]) == 0.0
    assert (res.arrays["price"] == 1.0).all()
    flows = res.flows
    base = net.flows.groupby(["source", "target", "commodity"])["tonnes_per_year"].sum() / 12
    last = flows[flows.month == flows.month.max()].groupby(["source", "target", "commodity"])["tonnes"].sum()
    np.testing.assert_allclose(last.reindex(base.index), base, rtol=1e-9, atol=1e-9)
    check_invariants(res)


@pytest.mark.parametrize(("dataset", "name"), _builtin_cases())
def test_builtin_scenarios_keep_the_invariants(dataset: str, name: str) -> None:
    net = ree.load_network(dataset)
    sc = ree.load_scenario(name)
    try:
        sc.validate_for(net)
    except ree.ScenarioError:
        pytest.skip(f"{name} is not written for {dataset}")
    check_invariants(simulate(net, sc, record="all"))


def test_check_balance_names_the_cell_that_breaks_conservation(tiny: Any) -> None:
    res = simulate(tiny, scenario(6, embargo()), record="all")
    report = res.check_balance()
    assert report.ok and not report.skipped
    # one tonne created at one node and month: the stock change no longer matches the flows
    st = res._batch.structure
    slot = int(np.flatnonzero(st.in_stage == 4)[0])
    res._batch.raw.slots_in["received"][2, slot, 0] += 1.0
    with pytest.raises(ree.BalanceError) as err:
        res.check_balance()
    bad = err.value.report.violations  # type: ignore[attr-defined]
    node = res.compiled.node_ids[st.in_node[slot]]
    rows = bad[(bad["check"] == "stock_in") & (bad["node"] == node)]
    assert len(rows) == 1 and str(rows["month"].iloc[0]) == "2025-03"
    assert rows["excess"].iloc[0] == pytest.approx(1.0)
    assert node in str(err.value)
    # without raising, the same report; a smaller record skips what it cannot check
    assert not res.check_balance(raise_on_error=False).ok
    part = simulate(tiny, scenario(3), record=("demand", "shortfall"))
    assert part.check_balance().skipped == ["stock_in", "stock_out", "capacity", "inputs",
                                            "shortfall", "received", "shipped"]
