"""The index's partial adjustment (docs/model.md, "Price"): each month an index closes
``price_adjustment_per_month`` (λ) of its log gap to the month's market-clearing level
``(S/D)^(−1/η)``. Hand-computed on the tiny network (tests/factory.py), which is silent on λ
(1: the clearing price itself, as tests/test_price.py checks).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from rareearth.engine import simulate
from rareearth.engine.prices import SNAP
from rareearth.errors import ParameterError
from tests.test_price import FIXED, index_over, price, restriction, scenario


def adjusted(clear: np.ndarray, lam: float) -> np.ndarray:
    """The partial-adjustment recursion by hand: ``log P_t = log P_{t−1} + λ (log C_t − log
    P_{t−1})`` from ``P = 1``, at the clearing level once within ``SNAP`` of it."""
    out, log_p = [], 0.0
    for c in np.log(clear):
        log_p += lam * (c - log_p)
        if abs(log_p - c) < SNAP:
            log_p = c
        out.append(np.exp(log_p))
    return np.array(out)


def test_the_index_moves_a_share_of_the_way_to_the_clearing_price(tiny: Any) -> None:
    """CN stops magnet exports to JP in Feb–Apr: the clearing index over the non-CN consumers
    is (200/300)^(−1/η) in February (2.56); with λ = 0.25 the recorded index is a quarter of the
    way in log, 2.56^0.25, and each month follows the recursion on the recorded quantities, back
    to exactly 1 once the restriction is over and the market clears at 1."""
    lam = 0.25
    res = simulate(tiny, scenario(40, restriction()), record="all",
                   parameters={**FIXED, "price_adjustment_per_month": lam})
    eta = res.compiled.price_elasticity[res.compiled.commodity_index["magnet"]]
    clear = index_over(res, "magnet", ("CN",))
    clear[0] = 1.0  # January: no restriction (the index is over every consumer, all served)
    p = price(res, "magnet")
    assert p[1] == pytest.approx((200 / 300) ** (-0.25 / eta))
    np.testing.assert_allclose(p, adjusted(clear, lam), rtol=1e-9)
    assert p[1] < p[2] < p[3]  # it climbs while the clearing level stays high
    peak = int(np.argmax(p))
    assert p[peak] < 0.9 * clear[1:4].max()  # and never reaches it in three months
    assert clear[4] == 1.0 and p[4] > 1.2  # May: the market clears at 1, the index lags down
    assert p[-1] == 1.0  # and snaps back to exactly 1 (not 1 + 1e-12)


def test_a_full_adjustment_is_the_clearing_price(tiny: Any) -> None:
    """λ = 1 (what the tiny dataset implies by silence) is the month's clearing index, bit for
    bit, and a smaller λ gives a lower peak for the same shortage."""
    sc = scenario(6, restriction())
    silent = simulate(tiny, sc, record="all", parameters=FIXED)
    full = simulate(tiny, sc, record="all", parameters={**FIXED, "price_adjustment_per_month": 1.0})
    slow = simulate(tiny, sc, record="all", parameters={**FIXED, "price_adjustment_per_month": 0.2})
    np.testing.assert_array_equal(price(full, "magnet"), price(silent, "magnet"))
    assert price(slow, "magnet").max() < price(full, "magnet").max()


def test_the_domestic_index_adjusts_from_its_own_level(tiny: Any) -> None:
    """A restriction on CN's magnets to every importer: CN's consumers stay served, so the
    domestic index stays 1 whatever λ, while the export index climbs by the recursion."""
    res = simulate(tiny, scenario(4, restriction(targets="all")), record="all",
                   parameters={**FIXED, "price_adjustment_per_month": 0.5})
    m = res.compiled.commodity_index["magnet"]
    np.testing.assert_allclose(res.arrays["price_domestic"][:, m], 1.0)
    clear = index_over(res, "magnet", ("CN",))
    clear[0] = 1.0
    np.testing.assert_allclose(price(res, "magnet"), adjusted(clear, 0.5), rtol=1e-9)


def test_demand_responds_to_the_adjusted_index(tiny: Any) -> None:
    """The price response moves JP's demand toward base × P^(−η) of the index it pays: with a
    slow index, JP's magnet demand in March is at base × P_Feb^(−η) of the slow index (the step
    limit of 1/12 a month does not bind), above its level under the full index."""
    sc = scenario(4, restriction(targets="all"))
    prm = {"price_cap": 1e6, "substitution_max_per_year": 1.0}
    slow = simulate(tiny, sc, record="all", parameters={**prm, "price_adjustment_per_month": 0.2})
    full = simulate(tiny, sc, record="all", parameters=prm)
    eta = slow.compiled.price_elasticity[slow.compiled.commodity_index["magnet"]]

    def jp_demand(res: Any) -> np.ndarray:
        q = res.timeseries.query("node == 'JP:end_use:automotive' and commodity == 'magnet'")
        out: np.ndarray = q["demand"].to_numpy()
        return out

    base = jp_demand(slow)[0]
    target = price(slow, "magnet")[1] ** (-eta)
    assert 1.0 - target < 1 / 12  # the step limit does not bind
    assert jp_demand(slow)[2] == pytest.approx(base * target)
    assert jp_demand(slow)[2] > jp_demand(full)[2]


@pytest.mark.parametrize("value", [0.0, 0.005, 1.5])
def test_adjustment_outside_its_bounds_is_refused(tiny: Any, value: float) -> None:
    with pytest.raises(ParameterError, match="price_adjustment_per_month"):
        simulate(tiny, scenario(2), parameters={"price_adjustment_per_month": value})
