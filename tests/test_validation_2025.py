"""The 2025 episode: ``china-2025-heavy`` on ``world-2024`` against the record.

The record (shared/reference/facts_2025_stocks.csv, rare_earth_facts.csv): China's magnet
exports fell to 2,627 t in April 2025, 1,238 t in May (-74% y/y, the trough) and 3,188 t in June,
and were back above their year-earlier level in July (5,577 t, +6%); exports to the US fell to
46 t in May (from ~600 t/month), a deeper cut than the total; European suppliers' plants shut by
4 June (CLEPA); Suzuki stopped its Swift line in Japan from 26 May to 16 June; the European Dy
oxide price was 3.6x the 2025 FOB China average in May and 3.3x in July while Chinese domestic
prices held (Argus's 6 May range 700-1,000 USD/kg: up to 4.18x). docs/validation-2025.md sets the model's numbers against each and says what was
calibrated on what (the magnet cut of April-June and the US cut are read off the same export
series, so the first and third tests check the mechanics, not an independent fit).
"""

from __future__ import annotations

import pandas as pd
import pytest

import rareearth as ree
from examples.replay_2025 import MEAN_2024, magnet_exports, magnet_shortfall, prices


@pytest.fixture(scope="module")
def result() -> ree.SimulationResult:
    return ree.simulate(ree.load_network("world-2024"), ree.load_scenario("china-2025-heavy"))


@pytest.fixture(scope="module")
def exports(result: ree.SimulationResult) -> pd.DataFrame:
    table = magnet_exports(result)
    table.index = table.index.astype(str)
    return table


def test_may_is_the_trough(exports: pd.DataFrame) -> None:
    year = exports.loc["2025-01":"2025-12", "total"]
    assert year.idxmin() == "2025-05", year.round(0).to_dict()
    assert year["2025-05"] < 0.3 * MEAN_2024  # recorded 1,238 t, -74% y/y


def test_exports_back_near_the_year_earlier_level_by_july(exports: pd.DataFrame) -> None:
    """July at least 90% of 2024's mean month (recorded +15% over it; +6% y/y)."""
    assert exports.loc["2025-07", "total"] >= 0.9 * MEAN_2024


def test_us_and_europe_cut_deeper_than_japan(result: ree.SimulationResult) -> None:
    """End users' magnet shortfall at its worst (Apr-Aug 2025): the US and the EU above Japan."""
    peak = magnet_shortfall(result).loc["2025-04":"2025-08"].max()
    assert peak["US"] > peak["JP"] + 0.1, peak.round(3).to_dict()
    assert peak["EU"] > peak["JP"] + 0.1, peak.round(3).to_dict()


def test_some_japanese_automotive_magnet_shortfall_late_may_june(result: ree.SimulationResult) -> None:
    """Suzuki's Swift line stopped 26 May - 16 Jun 2025. Japan's automotive users are split by
    supplier (world-2024): the users of Chinese magnets run out of their own 11.4 days of stock in
    late May and are short through June, while the users of Japanese makers' magnets, whose
    supply holds, are never short and keep their stock."""
    auto = magnet_shortfall(result, "automotive")
    assert auto.loc["2025-05":"2025-06", "JP"].max() > 0.01
    ts = result.timeseries
    users = ts[(ts["commodity"] == "magnet") & ts["node"].str.startswith("JP:end_use:automotive-")]
    short = (users.groupby(["month", "node"])["shortfall"].sum()
             / users.groupby(["month", "node"])["demand"].sum()).unstack()
    short.index = short.index.astype(str)
    assert short.loc["2025-01":"2025-04"].max().max() < 1e-6  # nobody short before May
    assert short.loc["2025-06", "JP:end_use:automotive-cn"] > 0.3  # the Swift's users: most of June
    assert short["JP:end_use:automotive-jp"].max() < 1e-6
    stock = users[users["node"] == "JP:end_use:automotive-jp"].set_index("month")["stock"]
    assert stock.min() > 0.9 * stock.iloc[0]  # the users of Japanese magnets keep their stock


def test_dy_outside_china_above_inside_and_inside_flat(result: ree.SimulationResult) -> None:
    p = prices(result).loc["2025-04":"2025-12"]
    assert (p[("DyTb", "inside China")] < 1.05).all()  # China's domestic prices held
    assert p[("DyTb", "outside China")].max() > 2.0


#: the record's top for the European Dy oxide premium: Argus's 6 May 2025 range tops at
#: 1,000 USD/kg, over the 2025 FOB China average of 239 USD/kg (USGS)
DY_PREMIUM_TOP = 1000 / 239


def test_dy_outside_china_two_to_four_times_inside_at_peak(result: ree.SimulationResult) -> None:
    """The outside-China DyTb index at its peak 2-4x the inside one (the issue's 2-4x; the top
    is the record's own, Argus's 1,000 USD/kg on 6 May over 239: 4.18). The export-market
    index closes 0.18 of its log gap to clearing each month (price_adjustment_per_month,
    calibrated on 2010's NdPr rise), so the premium builds over months: model peak 4.03 in
    August (docs/validation-2025.md)."""
    p = prices(result).loc["2025-04":"2025-12"]
    ratio = (p[("DyTb", "outside China")] / p[("DyTb", "inside China")]).max()
    assert 2.0 <= ratio <= DY_PREMIUM_TOP, ratio


def test_dy_outside_china_premium_in_july_near_the_record(result: ree.SimulationResult) -> None:
    """July 2025: Benchmark's CIF Europe Dy oxide 800 USD/kg, 3.3x the 2025 FOB China average;
    the model within 25% of it."""
    p = prices(result)
    july = p.loc["2025-07", ("DyTb", "outside China")] / p.loc["2025-07", ("DyTb", "inside China")]
    assert july == pytest.approx(3.3, rel=0.25), july


@pytest.mark.xfail(
    strict=True, raises=AssertionError,
    reason="the premium builds at the calibrated price speed (0.18 of the log gap a month): "
    "1.84x in May, 3.05x in June, peak 4.03x in August, where the record has 3.6x already on "
    "6 May (Argus); a speed of 1 (the clearing price) puts it at the cap of 30 in May-June 2025 "
    "and the 2010 replay's NdPr at 21.6x in November 2010 (recorded: more than 3x by December) "
    "(docs/validation-2025.md)",
)
def test_dy_outside_china_premium_peaks_by_june(result: ree.SimulationResult) -> None:
    p = prices(result).loc["2025-04":"2025-12"]
    ratio = p[("DyTb", "outside China")] / p[("DyTb", "inside China")]
    assert str(ratio.idxmax()) <= "2025-06", ratio.round(2).to_dict()
