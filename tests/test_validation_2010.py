"""The 2010 backtest: ``china-2010`` on ``world-2009`` against the recorded history.

The history (Japan's Ministry of Finance via Reuters/SMM; shared/reference/rare_earth_facts.csv,
topics ``validation_2010``, ``embargo_2010``, ``prices``): Japan's imports of rare earths from
China were 2,246 t (Sep 2010), 1,278 t (Oct), 634 t (Nov, -72% vs Sep) and 4,080 t (Dec,
rebound) while Japan-bound shipments were held at Chinese ports 21 Sep - 20 Nov 2010; Japanese
users drew on stocks of "several months"; prices rose several-fold in 2010 H2 (Nd metal ~100
USD/kg by Dec 2010, more than 3x a year earlier; Ce oxide more than 10x).

The model's counterparts: flows of materials (t REO, magnets excluded as in the MOF series)
from Chinese nodes into Japanese nodes per month of arrival (MOF books imports when they clear
Japanese customs; the datasets' ``transit_months`` is 1); end-of-month stocks of materials at Japanese
nodes; the engine's price index per material. Each criterion is a function applied to the
model and, where the data exist, to the history itself (``test_history_meets_the_criteria``),
so the tolerances are the history's, not the model's. See docs/validation.md.

Tolerances:

- "well below September": at most two thirds of September (history: Oct 0.57, Nov 0.28);
- "November the lowest or near it": November at most the lowest of Sep-Dec plus 15% of
  September (history: November is the lowest);
- "December recovers": December at least 1.5x November (history: 6.4x);
- "the rebound comes in December": December the highest of Sep 2010 - Jan 2011 (history:
  4,080 t against at most 2,246 t), since the held orders ship when the hold lifts on 20
  November and arrive a month later;
- "the held orders come back": December + January above two months at 2010's mean rate
  (history: 5,863 t against 2 × 1,942 t), the held orders shipping on top of the flow (a
  consistency check: world-2009's ``held_order_cancellation`` 0 was read off the same
  comparison);
- "stocks drawn": end-November stocks at most 90% of end-August stocks;
- "prices rise": the price index of each of NdPr, DyTb, LaCe peaks above 1.5 in Jul-Dec 2010
  (history: Nd >3x, Ce >10x by December).
"""

from __future__ import annotations

import pandas as pd
import pytest

import rareearth as ree
from examples.replay_2025 import prices as prices_2025
from rareearth.data import dataset_path

HISTORY = pd.Series(
    {"2010-09": 2246.0, "2010-10": 1278.0, "2010-11": 634.0, "2010-12": 4080.0, "2011-01": 1783.0}
)
#: Japan's imports from China in 2010, t (MOF via Reuters: 23,310 t)
HISTORY_2010 = 23310.0
MAIN_MATERIALS = ("NdPr", "DyTb", "LaCe")

WELL_BELOW = 2 / 3
NEAR_LOWEST = 0.15
RECOVERY = 1.5
STOCK_DRAWN = 0.9
PRICE_PEAK = 1.5


def well_below_september(series: pd.Series, month: str) -> bool:
    # to rounding: with a one-month transit the model's October is September's shipments,
    # two thirds of a month by construction (the hold began on the 21st)
    return bool(series[month] <= WELL_BELOW * series["2010-09"] * (1 + 1e-9))


def november_lowest_or_near(series: pd.Series) -> bool:
    window = series[["2010-09", "2010-10", "2010-11", "2010-12"]]
    return bool(series["2010-11"] <= window.min() + NEAR_LOWEST * series["2010-09"])


def december_recovers(series: pd.Series) -> bool:
    return bool(series["2010-12"] >= RECOVERY * series["2010-11"])


@pytest.fixture(scope="module")
def result() -> ree.SimulationResult:
    return ree.simulate(ree.load_network("world-2009"), ree.load_scenario("china-2010"))


@pytest.fixture(scope="module")
def from_china(result: ree.SimulationResult) -> pd.Series:
    """Materials from Chinese to Japanese nodes by month of arrival, t REO, indexed 'YYYY-MM'."""
    flows = result.flows
    source = flows["source"].str.split(":").str[0]
    target = flows["target"].str.split(":").str[0]
    keep = (source == "CN") & (target == "JP") & (flows["commodity"] != "magnet")
    monthly = flows[keep].groupby("arrives")["tonnes"].sum().reindex(result.periods, fill_value=0.0)
    monthly.index = monthly.index.astype(str)
    return monthly


def rebound_in_december(series: pd.Series) -> bool:
    window = series[["2010-09", "2010-10", "2010-11", "2010-12", "2011-01"]]
    return bool(series["2010-12"] >= window.max())


def held_orders_come_back(series: pd.Series, year_total: float) -> bool:
    return bool(series["2010-12"] + series["2011-01"] > 2 * year_total / 12)


def _context(series: pd.Series) -> str:
    return ", ".join(f"{m}: {series[m]:,.0f} t" for m in HISTORY.index)


def test_history_meets_the_criteria() -> None:
    assert well_below_september(HISTORY, "2010-10")
    assert well_below_september(HISTORY, "2010-11")
    assert november_lowest_or_near(HISTORY)
    assert december_recovers(HISTORY)
    assert rebound_in_december(HISTORY)
    assert held_orders_come_back(HISTORY, HISTORY_2010)


def test_imports_from_china_are_baseline_before_the_restrictions(from_china: pd.Series) -> None:
    # world-2009 carries 24,917 t/yr from China (official + unofficial 2009 imports)
    assert from_china["2010-01"] == pytest.approx(24917 / 12, rel=0.02)


def test_october_imports_well_below_september(from_china: pd.Series) -> None:
    assert well_below_september(from_china, "2010-10"), _context(from_china)


def test_november_imports_well_below_september(from_china: pd.Series) -> None:
    assert well_below_september(from_china, "2010-11"), _context(from_china)


def test_november_imports_lowest_or_near(from_china: pd.Series) -> None:
    assert november_lowest_or_near(from_china), _context(from_china)


def test_december_imports_recover(from_china: pd.Series) -> None:
    assert december_recovers(from_china), _context(from_china)


def test_the_rebound_comes_in_december(from_china: pd.Series) -> None:
    assert rebound_in_december(from_china), _context(from_china)


def test_the_held_orders_come_back(from_china: pd.Series) -> None:
    year = float(from_china["2010-01":"2010-12"].sum())
    assert held_orders_come_back(from_china, year), f"{_context(from_china)}; 2010 {year:,.0f} t"


def test_december_and_january_near_the_record(from_china: pd.Series) -> None:
    """The model's Dec + Jan reach at least 60% of the record's 5,863 t (the rest: the 2010
    quota shared pro rata over China's export edges puts Japan at 1,255 t/month from July,
    against 2,246 t recorded in September; docs/validation.md)."""
    model = from_china["2010-12"] + from_china["2011-01"]
    record = HISTORY["2010-12"] + HISTORY["2011-01"]
    assert model >= 0.6 * record, _context(from_china)


def test_japanese_stocks_drawn_during_the_hold(result: ree.SimulationResult) -> None:
    ts = result.timeseries
    jp = ts[(ts["country"] == "JP") & (ts["commodity"] != "magnet")]
    stock = jp.groupby("month")["stock"].sum()
    aug, nov = stock[pd.Period("2010-08", "M")], stock[pd.Period("2010-11", "M")]
    assert nov <= STOCK_DRAWN * aug, f"JP stocks end-Aug {aug:,.0f} t, end-Nov {nov:,.0f} t"


@pytest.mark.parametrize("material", MAIN_MATERIALS)
def test_price_index_rises_in_2010_h2(result: ree.SimulationResult, material: str) -> None:
    price = pd.DataFrame(result.arrays["price"], index=result.periods, columns=result.commodities)
    assert price.loc[pd.Period("2010-06", "M"), material] == pytest.approx(1.0)
    peak = price.loc["2010-07":"2010-12", material].max()
    assert peak > PRICE_PEAK, f"{material} price index peaks at {peak:.2f} in 2010 H2"


def test_price_speed_is_the_calibrated_one() -> None:
    """world-2009's ``price_adjustment_per_month`` is the speed at which the replay's NdPr peak
    in Jul-Dec 2010 comes nearest the recorded "more than triple" (Nd metal ~100 USD/kg in Dec
    2010), against its neighbours ±0.01; the runs its method states are the model's."""
    net = ree.load_network("world-2009")
    table = pd.read_csv(dataset_path("world-2009") / "parameters.csv")
    row = table.set_index("name").loc["price_adjustment_per_month"]
    speed = float(row["value"])
    peaks = {}
    for lam in (round(speed - 0.01, 2), speed, round(speed + 0.01, 2)):
        res = ree.simulate(net, ree.load_scenario("china-2010"),
                           parameters={"price_adjustment_per_month": lam})
        price = pd.DataFrame(res.arrays["price"], index=res.periods, columns=res.commodities)
        peaks[lam] = float(price.loc["2010-07":"2010-12", "NdPr"].max())
        assert f"{lam:g} -> {peaks[lam]:.2f}" in row["method"], (lam, peaks[lam], row["method"])
    assert min(peaks, key=lambda lam: abs(peaks[lam] - 3.0)) == speed, peaks
    # the method's other runs: December 2010 reaches 3 only at 0.23, where 2025's DyTb premium
    # outside China peaks at 5.1x (above the record's top)
    dec = {}
    for lam in (0.22, 0.23):
        res = ree.simulate(net, ree.load_scenario("china-2010"),
                           parameters={"price_adjustment_per_month": lam})
        price = pd.DataFrame(res.arrays["price"], index=res.periods, columns=res.commodities)
        dec[lam] = float(price.loc["2010-12", "NdPr"])
    assert dec[0.22] < 3.0 <= dec[0.23], dec
    assert f"reaches 3 only at 0.23 ({dec[0.23]:.2f})" in row["method"]
    res = ree.simulate(ree.load_network("world-2024"), ree.load_scenario("china-2025-heavy"),
                       parameters={"price_adjustment_per_month": 0.23})
    p = prices_2025(res).loc["2025-04":"2025-12"]
    premium = float((p[("DyTb", "outside China")] / p[("DyTb", "inside China")]).max())
    assert f"premium outside China at {premium:.1f}x" in row["method"], premium
