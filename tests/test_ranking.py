"""Option ranking and Monte Carlo: structure, determinism on any executor, Dask."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import rareearth as ree
from rareearth.ranking import draw_parameters


@pytest.fixture(scope="module")
def net() -> ree.SupplyNetwork:
    return ree.load_network("world-2024")


@pytest.fixture(scope="module")
def embargo() -> ree.Scenario:
    return ree.load_scenario("japan-embargo")


def test_compare_table(net: ree.SupplyNetwork, embargo: ree.Scenario) -> None:
    table = ree.compare(net, embargo, "JP", ["stockpile-180d", "recycling", "us-production-shift"])
    assert table.index.name == "option"
    assert {"none", "stockpile-180d", "recycling", "us-production-shift"} == set(table.index)
    for column in ("score", "delta", "cost_usd", "delta_per_busd", "peak_shortfall_pct",
                   "unmet_demand_months", "value_at_risk_usd"):
        assert column in table.columns
    assert list(table.score) == sorted(table.score)  # best first
    assert table.loc["none", "delta"] == 0 and table.loc["none", "cost_usd"] == 0
    row = table.loc["stockpile-180d"]
    assert row.delta == pytest.approx(row.score - table.loc["none", "score"])
    assert row.delta_per_busd == pytest.approx(row.delta / (row.cost_usd / 1e9))
    # relocation moves exposure to the US: the table shows both countries
    assert "score_US" in table.columns and "delta_US" in table.columns


def test_draws_are_seeded_and_within_ranges(net: ree.SupplyNetwork, embargo: ree.Scenario) -> None:
    a = draw_parameters(net, embargo, 50, seed=3)
    b = draw_parameters(net, embargo, 50, seed=3)
    pd.testing.assert_frame_equal(a, b)
    low, high = embargo.uncertainty.severity_scale
    assert a.severity_scale.between(low, high).all()
    sampled = set(net.parameter_ranges) & set(a.columns)
    assert sampled >= {"price_cap", "ramp_rate_per_month"}  # the dataset's ranges are drawn
    for name in sampled:
        lo, hi = net.parameter_ranges[name]
        assert a[name].between(lo, hi).all()
    assert not a.equals(draw_parameters(net, embargo, 50, seed=4))


def test_monte_carlo_same_on_any_executor(net: ree.SupplyNetwork, embargo: ree.Scenario) -> None:
    local = ree.monte_carlo(net, embargo, "JP", n=24, seed=7, batch_size=8)
    with ThreadPoolExecutor(max_workers=2) as pool:
        threaded = ree.monte_carlo(net, embargo, "JP", n=24, seed=7, executor=pool, batch_size=5)
    pd.testing.assert_frame_equal(local, threaded)
    assert local.score.between(0, 100).all()
    assert local.score.std() > 0  # the draws matter
    points = local[[c for c in local.columns if c.startswith("points_")]].sum(axis=1)
    np.testing.assert_allclose(points, local.score)


def test_compare_with_monte_carlo(net: ree.SupplyNetwork, embargo: ree.Scenario) -> None:
    table = ree.compare(net, embargo, "JP", ["stockpile-180d"], n=16, seed=1)
    assert table.loc["stockpile-180d", "p_beats_none"] > 0.9
    assert table.loc["none", "p_beats_none"] == 0
    assert table.p_top.sum() >= 1 - 1e-9
    assert (table.score_p05 <= table.score_p95).all()
    assert table.loc["stockpile-180d", "delta_p95"] < 0  # paired: better in nearly every draw
    assert table.loc["none", "delta_p05"] == table.loc["none", "delta_p95"] == 0


@pytest.mark.slow
def test_monte_carlo_on_dask(net: ree.SupplyNetwork, embargo: ree.Scenario) -> None:
    distributed = pytest.importorskip("distributed")
    import dask

    local = ree.monte_carlo(net, embargo, "JP", n=12, seed=11, batch_size=6)
    # Dask's worker default MALLOC_TRIM_THRESHOLD_=65536 slows numpy batches 3-5x
    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": 2**28}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     scheduler_port=0, dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        remote = ree.monte_carlo(net, embargo, "JP", n=12, seed=11, executor=client, batch_size=6)
    pd.testing.assert_frame_equal(local, remote)


def test_compare_defaults_keep_the_options_that_fit(tiny: ree.SupplyNetwork) -> None:
    sc = ree.Scenario(name="cut", start="2025-01", months=6, events=[
        {"type": "export_restriction", "exporter": "CN", "targets": ["JP"], "severity": 1,
         "start": "2025-02", "end": "2025-04"}])
    table = ree.compare(tiny, sc, "JP")  # most built-ins name nodes this network lacks
    assert "none" in table.index
    with pytest.raises(ree.OptionError, match="australia-offtake"):
        ree.compare(tiny, sc, "JP", ["australia-offtake"])


def test_written_files_follow_the_umask(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import stat

    from rareearth.atomic import write_text

    path = write_text(tmp_path / "a.txt", "x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
