"""The IAMC long format: its column contract, values that match the run, and round trips
through CSV and Parquet."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rareearth as ree
from rareearth.errors import RareEarthError
from rareearth.iamc import IAMC_COLUMNS, read_iamc
from rareearth.network import SupplyNetwork
from rareearth.scenario import Scenario


def _quiet() -> Scenario:
    return Scenario(name="quiet", start="2024-01", months=3)


def _embargo() -> Scenario:
    return Scenario(
        name="cn-jp-embargo", start="2024-01", months=4,
        events=[{"type": "export_restriction", "exporter": "CN", "targets": ["JP"],
                 "commodities": "all", "severity": 1, "start": "2024-02", "end": "2024-03"}],
    )


def _series(df: pd.DataFrame, region: str, variable: str) -> pd.Series:
    rows = df[(df.region == region) & (df.variable == variable)]
    return rows.set_index("time")["value"]


def test_columns_and_types(tiny: SupplyNetwork) -> None:
    df = ree.simulate(tiny, _embargo()).to_iamc()
    assert tuple(df.columns) == IAMC_COLUMNS
    assert set(df.model) == {"rareearth"} and set(df.scenario) == {"cn-jp-embargo"}
    assert pd.api.types.is_datetime64_any_dtype(df.time)
    assert (df.time.dt.day == 1).all()
    assert df.value.dtype == float
    # one value per region, variable and month: a valid IAMC index
    assert not df.duplicated(["model", "scenario", "region", "variable", "time"]).any()
    units = dict(zip(df.variable, df.unit, strict=True))
    assert units["Demand|magnet|End use"] == "t/month"
    assert units["Demand|NdPr|End use"] == "t REO/month"
    assert units["Stockpile|DyTb"] == "t REO"
    assert units["Lost Value|End use"] == "USD/month"
    assert set(df.loc[df.variable.str.startswith("Price Index"), "region"]) == {"World"}


def test_values_match_the_baseline(tiny: SupplyNetwork) -> None:
    df = ree.simulate(tiny, _quiet()).to_iamc()
    # JP's end use needs 250 + 50 t of magnet a year; its makers make 200 t; no event: no loss
    np.testing.assert_allclose(_series(df, "JP", "Demand|magnet|End use"), 300 / 12)
    np.testing.assert_allclose(_series(df, "JP", "Production|magnet|Magnet"), 200 / 12)
    np.testing.assert_allclose(_series(df, "AU", "Production|NdPr|Mining"), 40 / 12)
    np.testing.assert_allclose(_series(df, "World", "Price Index|NdPr"), 1.0)
    assert "Shortfall|magnet|End use" not in set(df.variable)  # all-zero series are left out
    np.testing.assert_allclose(_series(df, "JP", "Stockpile|DyTb"), 0.5)


def test_shortfall_matches_the_run(tiny: SupplyNetwork) -> None:
    res = ree.simulate(tiny, _embargo())
    df = res.to_iamc()
    got = _series(df, "JP", "Shortfall|magnet|End use")
    want = res.shortfall("JP")["magnet"]
    want = want[want.abs() > 0]
    np.testing.assert_allclose(got.loc[want.index.to_timestamp()].to_numpy(), want.to_numpy())
    assert (got > 0).any()


def test_csv_and_parquet_round_trips(tiny: SupplyNetwork, tmp_path: Path) -> None:
    df = ree.simulate(tiny, _embargo()).to_iamc()
    path = tmp_path / "run.csv"
    df.to_csv(path, index=False)
    pd.testing.assert_frame_equal(read_iamc(path), df, check_dtype=False)
    pytest.importorskip("pyarrow")
    pq = tmp_path / "run.parquet"
    df.to_parquet(pq, index=False)
    pd.testing.assert_frame_equal(read_iamc(pq), df, check_dtype=False)
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    with pytest.raises(RareEarthError, match="missing column"):
        read_iamc(tmp_path / "bad.csv")


def test_pyam_reads_it(tiny: SupplyNetwork) -> None:
    try:
        import pyam  # optional extra: pip install 'rareearth[iamc]'
    except (ImportError, TypeError) as err:  # not installed, or broken by its dependencies
        pytest.skip(f"pyam not usable here: {err}")
    df = ree.simulate(tiny, _embargo()).to_iamc()
    frame = pyam.IamDataFrame(df)
    assert "Shortfall|magnet|End use" in frame.variable

