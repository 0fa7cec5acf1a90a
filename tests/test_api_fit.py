"""Result accessors follow one rule (whole-run tables are properties, views are methods), and
an exposure score is a table too."""

from __future__ import annotations

import pandas as pd
import pytest

import rareearth as ree
from rareearth.network import SupplyNetwork
from tests.test_iamc import _embargo


def test_result_accessors_and_score_table(tiny: SupplyNetwork) -> None:
    res = ree.simulate(tiny, _embargo())
    assert isinstance(res.timeseries, pd.DataFrame)  # tables of the whole run: properties
    every = res.shortfall()  # every country, (country, commodity) columns
    pd.testing.assert_frame_equal(every["JP"], res.shortfall("JP"), check_names=False)
    assert set(every.columns.get_level_values("country")) == {"CN", "JP"}
    assert list(res.prices.columns) == res.commodities
    assert res.prices.loc[pd.Period("2024-01", freq="M")].max() == pytest.approx(1.0)
    score = ree.exposure(tiny, _embargo(), "JP")
    table = score.to_frame()
    assert table.points.sum() == pytest.approx(score.score)
    assert table.loc["shortfall_peak", "name"] == "Peak shortfall"
    materials = [c for c in table.columns if c not in ("name", "points", "max_points")]
    assert table[materials].sum(axis=1).to_numpy() == pytest.approx(table.points.to_numpy())
