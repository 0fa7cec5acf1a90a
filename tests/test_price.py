"""The price index (MODEL.md step 7) on the export market: docs/model.md, "Price".

Per commodity, ``P/P0 = (S/D)^(−1/η)`` with S and D summed over the consumers (magnet makers and
end uses) outside the countries that restrict exports of that commodity that month; with no
restriction active, over every consumer. Hand-computed cases on the tiny network
(tests/factory.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from rareearth.engine import simulate, simulate_many
from rareearth.records import STAGES
from rareearth.scenario import Scenario

#: No price response of demand (hand-computed months stay at base demand), no cap in the way.
FIXED = {"substitution_max_per_year": 0.0, "price_cap": 1e6}
CONSUMER_STAGES = (STAGES.index("magnet"), STAGES.index("end_use"))


def scenario(months: int = 4, *events: dict[str, Any]) -> Scenario:
    return Scenario(name="test", start="2025-01", months=months, events=list(events))


def restriction(commodities: Any = ("magnet",), targets: Any = ("JP",),
                severity: float = 1.0) -> dict[str, Any]:
    return {"type": "export_restriction", "exporter": "CN",
            "targets": list(targets) if targets != "all" else "all", "severity": severity,
            "commodities": list(commodities) if commodities != "all" else "all",
            "start": "2025-02", "end": "2025-04"}


def index_over(res: Any, commodity: str, leave_out: tuple[str, ...] = ()) -> np.ndarray:
    """``(S/D)^(−1/η)`` per month from the recorded arrays (capped as in ``FIXED``), over the
    consumers of ``commodity`` outside the countries ``leave_out``."""
    cn = res.compiled
    c = cn.commodity_index[commodity]
    nodes = np.flatnonzero(np.isin(cn.node_stage, CONSUMER_STAGES)
                           & ~np.isin(cn.node_country, [cn.country_index[k] for k in leave_out]))
    need = res.arrays["demand"][:, nodes, c]
    got = np.minimum(res.arrays["received"][:, nodes, c], need)
    ratio = got.sum(axis=1) / need.sum(axis=1)
    with np.errstate(divide="ignore"):  # nothing supplied: the cap
        return np.minimum(ratio ** (-1.0 / cn.price_elasticity[c]), FIXED["price_cap"])


def price(res: Any, commodity: str) -> np.ndarray:
    return res.arrays["price"][:, res.compiled.commodity_index[commodity]]


def test_restriction_prices_the_export_market_hand_computed(tiny: Any) -> None:
    """CN stops magnet exports to JP (Feb–Apr). In February, before ramps and new links, JP's
    end uses get only JP:magnet's 200 t/yr of their 300 t/yr; CN's own automotive end use stays
    supplied (150 t/yr). The magnet index is over the non-CN consumers: (200/300)^(−1/η), not
    the world's (350/450)^(−1/η)."""
    res = simulate(tiny, scenario(4, restriction()), record="all", parameters=FIXED)
    cn = res.compiled
    eta = cn.price_elasticity[cn.commodity_index["magnet"]]
    auto = cn.node_index["CN:end_use:automotive"], cn.commodity_index["magnet"]
    assert res.arrays["shortfall"][1][auto] == 0.0
    assert res.arrays["received"][1][auto] == pytest.approx(150 / 12)
    assert price(res, "magnet")[1] == pytest.approx((200 / 300) ** (-1.0 / eta))
    assert (200 / 300) ** (-1.0 / eta) > 1.4 * (350 / 450) ** (-1.0 / eta)  # 2.56 vs 1.79
    # every month: the recorded quantities over non-CN consumers give the index
    np.testing.assert_allclose(price(res, "magnet")[1:], index_over(res, "magnet", ("CN",))[1:])
    assert price(res, "magnet")[0] == 1.0  # January: no restriction yet
    # materials are not restricted: their index counts every consumer (and they are not short)
    for material in ("NdPr", "DyTb"):
        np.testing.assert_allclose(price(res, material), index_over(res, material))


def test_restriction_leaves_out_only_the_restricted_commodity(tiny: Any) -> None:
    """A restriction on CN's NdPr and DyTb: CN's magnet makers (NdPr, DyTb consumers) leave the
    material indices, while the magnet index still counts CN's end use."""
    res = simulate(tiny, scenario(6, restriction(("NdPr", "DyTb"), "all")), record="all",
                   parameters=FIXED)
    for material in ("NdPr", "DyTb"):
        np.testing.assert_allclose(price(res, material)[1:4],
                                   index_over(res, material, ("CN",))[1:4])
    np.testing.assert_allclose(price(res, "magnet"), index_over(res, "magnet"))
    assert price(res, "NdPr")[1] > 1.5
    # after the restriction ends (May), every consumer counts again
    for material in ("NdPr", "DyTb", "magnet"):
        np.testing.assert_allclose(price(res, material)[4:], index_over(res, material)[4:])


def test_a_quota_also_moves_the_price_to_the_export_market(tiny: Any) -> None:
    """CN's magnet exports under a 50 t/yr quota: JP gets 200 + 50 of its 300 t/yr."""
    quota = {"type": "export_quota", "exporter": "CN", "commodities": ["magnet"],
             "tonnes_per_year": 50, "start": "2025-02", "end": "2025-03"}
    res = simulate(tiny, scenario(3, quota), record="all", parameters=FIXED)
    eta = res.compiled.price_elasticity[res.compiled.commodity_index["magnet"]]
    assert price(res, "magnet")[1] == pytest.approx((250 / 300) ** (-1.0 / eta))


def test_empty_scenario_prices_stay_at_one_even_beside_a_restriction(tiny: Any) -> None:
    """No event: 1 everywhere; in a batch next to a restricted scenario, still 1 (scenarios of a
    batch never interact)."""
    empty = scenario(6)
    alone = simulate(tiny, empty, record="all")
    assert (alone.arrays["price"] == 1.0).all()
    batch = simulate_many(tiny, [empty, scenario(6, restriction("all", "all"))], record="all")
    assert (batch[0].arrays["price"] == 1.0).all()
    assert (batch[1].arrays["price"][1] > 1.0).any()


def test_capacity_shock_alone_prices_over_every_consumer(tiny: Any) -> None:
    """No export restriction: a capacity shock at CN:separation is priced over every consumer
    of the world, CN's included (leaving CN out would give another number)."""
    shock = {"type": "capacity_shock", "country": "CN", "stage": "separation", "factor": 0.3,
             "commodities": "all", "start": "2025-02", "end": "2025-04"}
    res = simulate(tiny, scenario(4, shock), record="all", parameters=FIXED)
    for commodity in ("NdPr", "DyTb", "magnet"):
        np.testing.assert_allclose(price(res, commodity), index_over(res, commodity))
    assert price(res, "NdPr")[1:].max() > 1.0
    assert not np.allclose(price(res, "NdPr")[1:], index_over(res, "NdPr", ("CN",))[1:])


# ---------------------------------------------------------------------------- two markets


def test_the_restricting_country_has_its_own_market(tiny: Any) -> None:
    """CN stops magnet exports to JP: CN's consumers are supplied, so the domestic magnet index
    stays 1 (over CN's consumers only, hand-computed: 150/150), while importers pay the export
    index; each node's ``price_index`` is its own market's, and the score's price uses it."""
    res = simulate(tiny, scenario(4, restriction()), record="all", parameters=FIXED)
    m = res.compiled.commodity_index["magnet"]
    dom = res.arrays["price_domestic"][:, m]
    np.testing.assert_allclose(dom, 1.0)
    assert price(res, "magnet")[1] > 2.0
    ts = res.timeseries
    row = ts[(ts["month"] == ts["month"].unique()[1]) & (ts["commodity"] == "magnet")]
    own = row.set_index("node")["price_index"]
    assert own["CN:end_use:automotive"] == pytest.approx(1.0)
    assert own["JP:end_use:automotive"] == pytest.approx(price(res, "magnet")[1])
    np.testing.assert_allclose(res.market_price("CN")[:, m], dom)
    np.testing.assert_allclose(res.market_price("JP")[:, m], price(res, "magnet"))


def test_each_consumer_responds_to_its_own_market(tiny: Any) -> None:
    """With the price response on, JP's magnet demand falls with the export index while CN's,
    priced at home at 1, stays at base."""
    res = simulate(tiny, scenario(6, restriction(targets="all")), record="all",
                   parameters={"price_cap": 1e6})
    cn_auto = res.timeseries.query("node == 'CN:end_use:automotive' and commodity == 'magnet'")
    jp_auto = res.timeseries.query("node == 'JP:end_use:automotive' and commodity == 'magnet'")
    np.testing.assert_allclose(cn_auto["demand"].to_numpy(), 150 / 12)
    assert jp_auto["demand"].to_numpy()[3] < 0.99 * jp_auto["demand"].to_numpy()[0]


def test_the_index_relaxes_as_demand_falls(tiny: Any) -> None:
    """A steady cut: demand the price has already cut counts as served, so the export index
    falls back month by month as importers' demand adapts (with the response off it stays)."""
    sc = scenario(8, {**restriction(targets="all"), "severity": 0.5, "end": "2025-08"})
    on = simulate(tiny, sc, record="all", parameters={"price_cap": 1e6})
    off = simulate(tiny, sc, record="all", parameters=FIXED)
    p_on, p_off = price(on, "magnet"), price(off, "magnet")
    assert p_on[1] == pytest.approx(p_off[1])  # first month: demand still at base
    assert p_on[6] < p_on[2] < p_on[1]
    assert p_off[6] == pytest.approx(p_off[2], rel=0.05)
