"""Engine properties on random small layered networks (MODEL.md §3 invariants).

Networks are built top-down so that the baseline balances exactly: end-use demand is split over
magnet makers (or, for materials, over separation and metal nodes), a maker's recipe need over
metal nodes, and so on up to the mines. Scenarios are random restrictions, quotas and shocks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rareearth.engine import simulate, simulate_many
from rareearth.scenario import Scenario
from tests.engine_helpers import check_invariants, random_events, random_network

SETTINGS = settings(max_examples=12, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def scenario(events: list[dict[str, Any]], months: int = 10) -> Scenario:
    return Scenario(name="random", start="2025-01", months=months, events=events)


seeds = st.integers(min_value=0, max_value=10_000)


# ---------------------------------------------------------------------------- properties


@SETTINGS
@given(seed=seeds, n_events=st.integers(1, 3))
def test_nothing_created_and_balances_hold(seed: int, n_events: int) -> None:
    net = random_network(seed)
    res = simulate(net, scenario(random_events(seed, net, n_events)), record="all")
    check_invariants(res)


@SETTINGS
@given(seed=seeds)
def test_empty_scenario_is_the_baseline(seed: int) -> None:
    net = random_network(seed)
    res = simulate(net, scenario([], months=6), record="all")
    a = res.arrays
    scale = float(net.flows["tonnes_per_year"].max())
    assert np.nanmax(a["shortfall"]) <= 1e-12 * scale
    assert (a["price"] == 1.0).all()
    flows = res.flows
    base = net.flows.set_index(["source", "target", "commodity"])["tonnes_per_year"] / 12
    got = flows.groupby(["source", "target", "commodity"])["tonnes"].agg(["min", "max"])
    np.testing.assert_allclose(got["min"].reindex(base.index), base, rtol=1e-12, atol=1e-12 * scale)
    np.testing.assert_allclose(got["max"].reindex(base.index), base, rtol=1e-12, atol=1e-12 * scale)


def _total_shortfall(res: Any) -> float:
    return float(np.nansum(res.arrays["country_shortfall"]))


@SETTINGS
@given(seed=seeds, low=st.floats(0.0, 1.0), high=st.floats(0.0, 1.0))
def test_more_severe_restriction_is_never_better(seed: int, low: float, high: float) -> None:
    """Total end-use shortfall is non-decreasing in the severity of a restriction.

    Monotonicity is guaranteed in ``optimal`` mode (fewer options can only raise the LP's
    minimum); for the proportional rule it is a property of the rule, checked here.
    """
    low, high = min(low, high), max(low, high)
    net = random_network(seed)
    rng = np.random.default_rng(seed)
    exporter = str(rng.choice(net.country_codes))
    event = {"type": "export_restriction", "exporter": exporter, "targets": "all",
             "commodities": "all", "start": "2025-02", "end": "2025-07"}
    runs = simulate_many(net, [scenario([{**event, "severity": s}]) for s in (low, high)],
                         record=("country",))
    a, b = (_total_shortfall(r) for r in runs)
    assert b >= a - 1e-9 * (1 + abs(a))


@SETTINGS
@given(seed=seeds)
def test_independent_of_table_order(seed: int) -> None:
    net = random_network(seed)
    sc = scenario(random_events(seed, net, 2))
    rng = np.random.default_rng(seed)

    def shuffled(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)

    other = net.replace(producers=shuffled(net.producers), flows=shuffled(
        net.flows[["source", "target", "commodity", "tonnes_per_year", "ref", "confidence", "method"]]),
        demand=shuffled(net.demand.drop(columns=["country", "sector"])),
        countries=net.countries.iloc[::-1])
    a = simulate(net, sc, record="all")
    b = simulate(other, sc, record="all")
    # countries reversed: the country axis is permuted; node order is fixed by id
    order = [b.compiled.country_index[c] for c in a.compiled.countries]
    for key in ("demand", "received", "shortfall", "produced", "stock"):
        np.testing.assert_allclose(a.arrays[key], b.arrays[key], rtol=1e-9, atol=1e-9, err_msg=key)
    np.testing.assert_allclose(a.arrays["stockpile"], b.arrays["stockpile"][:, order], atol=1e-12)
    np.testing.assert_allclose(a.arrays["price"], b.arrays["price"], rtol=1e-9)


@SETTINGS
@given(seed=seeds)
def test_same_seed_same_result_and_batch_equals_single(seed: int) -> None:
    net = random_network(seed)
    scs = [scenario(random_events(seed + i, net, 2)) for i in range(3)]
    batch = simulate_many(net, scs, seed=5, record="all")
    for sc, res in zip(scs, batch, strict=True):
        single = simulate(net, sc, seed=5, record="all")
        for key, value in single.arrays.items():
            np.testing.assert_array_equal(res.arrays[key], value, err_msg=key)
    again = simulate_many(net, scs, seed=5, record="all")
    for x, y in zip(batch, again, strict=True):
        pd.testing.assert_frame_equal(x.timeseries, y.timeseries)


def test_random_network_is_balanced() -> None:
    """The generator itself: every node balances (the loader's rule, tolerance 0)."""
    net = random_network(3)
    f = net.flows
    inflow = f.groupby(["target", "commodity"])["tonnes_per_year"].sum()
    outflow = f.groupby(["source", "commodity"])["tonnes_per_year"].sum()
    for row in net.producers.itertuples():
        assert outflow.get((row.node, row.commodity), 0.0) == pytest.approx(row.output_tonnes_per_year)
    for row in net.demand.itertuples():
        assert inflow.get((row.node, row.commodity), 0.0) == pytest.approx(row.demand_tonnes_per_year)
