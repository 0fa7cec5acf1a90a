"""The exposure score: components add up, stay in range, and move the right way.

These tests feed the scorer hand-made result arrays on the tiny network, so they pin the
formula of docs/exposure.md independently of the engine.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rareearth as ree
from rareearth.scoring import KINDS, WEIGHTS, score_result

NO_STRUCTURE: dict[str, dict[str, float]] = {}


def _result(net: ree.SupplyNetwork, months: int = 12, cut: float = 0.0,
            price: float = 1.0, stock_drop: float = 0.0, window: tuple[int, int] = (2, 5)):  # type: ignore[no-untyped-def]
    """A fake result: JP end-use demand short by ``cut`` during ``window`` (months)."""
    c = net.compile()
    t, n, k = months, c.n_nodes, len(c.commodities)
    need = np.zeros((t, n, k))
    inputs = np.zeros((n, k))
    np.add.at(inputs, (c.edge_target, c.edge_commodity), c.edge_tonnes / 12)
    need[:] = np.where(c.demand > 0, c.demand / 12, inputs)
    short = np.zeros_like(need)
    jp_end = (c.node_country == c.country_index["JP"]) & (c.node_stage == 4)
    a, b = window
    short[a:b, jp_end, :] = cut * need[a:b, jp_end, :]
    stock = np.broadcast_to(c.stock, (t, n, k)).copy()
    stock[a:, :, :] *= 1 - stock_drop
    prices = np.ones((t, k))
    prices[a:b] = price
    arrays = {"demand": need, "received": need - short, "shortfall": short, "stock": stock,
              "produced": need, "price": prices}
    return SimpleNamespace(compiled=c, arrays=arrays,
                           provenance={"dataset": net.name, "scenario": {"name": "fake"}})


def test_no_disruption_scores_only_resilience(tiny: ree.SupplyNetwork) -> None:
    s = score_result(tiny, _result(tiny), "JP", structural=NO_STRUCTURE)
    assert set(s.components) == set(WEIGHTS)
    assert s.harm == 0
    assert s.score == pytest.approx(s.components["stock_cover"])


def test_stock_cover_hand_computed(tiny: ree.SupplyNetwork) -> None:
    """stock_cover: months of baseline use the country's stocks still cover at their lowest,
    weighted by the value of that use, 5 × e^(−m/2); a drop of stocks in month 2 lowers the
    trough and raises the points, and stocks no run draws count in full."""
    c = tiny.compile()
    k = c.country_index["JP"]
    mine = c.node_country == k
    into = mine[c.edge_target]
    use = np.zeros(len(c.commodities))
    np.add.at(use, c.edge_commodity[into], c.edge_tonnes[into] / 12)
    held = c.stock[mine].sum(axis=0)
    weight = use * c.price_usd_per_tonne / (use * c.price_usd_per_tonne).sum()
    for drop in (0.0, 0.5):
        cover = float(np.dot(weight, np.divide(held * (1 - drop), use, out=np.zeros_like(use),
                                               where=use > 0)))
        s = score_result(tiny, _result(tiny, stock_drop=drop), "JP", structural=NO_STRUCTURE)
        assert s.metrics["stock_cover_months"] == pytest.approx(cover)
        assert s.components["stock_cover"] == pytest.approx(5 * math.exp(-cover / 2))
    assert cover > 0


def test_hand_computed_components(tiny: ree.SupplyNetwork) -> None:
    # JP end use: 250 t/yr automotive magnets at 500k USD/t, 50 t/yr electronics at 300k USD/t
    # -> 140M USD/yr of demand value, 11.67M USD/month. A 50% cut for 3 months loses
    # 0.5 × 3 = 1.5 months of consumption; the peak share is 50%; disrupted for 3 months.
    s = score_result(tiny, _result(tiny, cut=0.5, price=2.0), "JP", structural=NO_STRUCTURE)
    assert s.metrics["peak_shortfall_pct"] == pytest.approx(50.0)
    assert s.metrics["unmet_demand_months"] == pytest.approx(1.5)
    assert s.metrics["time_to_recover_months"] == 3
    assert s.metrics["value_at_risk_usd"] == pytest.approx(1.5 * 140e6 / 12)
    assert s.components["shortfall_peak"] == pytest.approx(25 * 0.5)
    assert s.components["unmet_demand"] == pytest.approx(20 * (1 - math.exp(-1.5)))
    assert s.components["recovery_time"] == pytest.approx(10 * 3 / 24)
    assert s.components["price_peak"] == pytest.approx(10 * math.log(2) / math.log(10))
    assert s.score == pytest.approx(sum(s.components.values()))


def test_magnet_shortfall_is_charged_to_the_scarce_material(tiny: ree.SupplyNetwork) -> None:
    r = _result(tiny, cut=0.5)
    dytb = tiny.compile().commodity_index["DyTb"]
    r.arrays["price"][2:5, dytb] = 4.0  # only DyTb is scarce
    s = score_result(tiny, r, "JP", structural=NO_STRUCTURE)
    harm = {m: sum(v for k, v in parts.items() if KINDS[k] == "harm")
            for m, parts in s.by_material.items()}
    assert max(harm, key=harm.__getitem__) == "DyTb"
    assert harm.get("NdPr", 0.0) < 0.5


def test_structural_component(tiny: ree.SupplyNetwork) -> None:
    structure = {"NdPr": {"import_reliance": 1.0, "hhi_origin": 1.0, "governance_hhi": 0.5},
                 "DyTb": {"import_reliance": 1.0, "hhi_origin": 1.0, "governance_hhi": 1.0}}
    s = score_result(tiny, _result(tiny), "JP", structural=structure)
    assert 0 < s.components["structural"] <= WEIGHTS["structural"]
    assert s.score == pytest.approx(s.components["structural"] + s.components["stock_cover"])
    assert s.harm == 0


def test_unknown_country(tiny: ree.SupplyNetwork) -> None:
    with pytest.raises(ree.UnknownNameError, match="unknown country 'XX'"):
        score_result(tiny, _result(tiny), "XX", structural=NO_STRUCTURE)


@settings(max_examples=40, deadline=None)
@given(
    cut=st.floats(0, 1), price=st.floats(1, 50), drop=st.floats(0, 1),
    a=st.integers(0, 11), length=st.integers(0, 12),
    ir=st.floats(0, 1), g=st.floats(0, 1),
)
def test_components_sum_and_range(cut: float, price: float, drop: float, a: int, length: int,
                                  ir: float, g: float) -> None:
    from pathlib import Path
    from tempfile import mkdtemp

    from tests.factory import write_dataset

    net = _tiny_cached(write_dataset, Path(mkdtemp()))
    structure = {"NdPr": {"import_reliance": ir, "hhi_origin": g, "governance_hhi": g}}
    s = score_result(net, _result(net, cut=cut, price=price, stock_drop=drop,
                                  window=(a, min(12, a + length))), "JP", structural=structure)
    assert 0 <= s.score <= 100
    assert sum(s.components.values()) == pytest.approx(s.score)
    by_material = {k: sum(m[k] for m in s.by_material.values()) for k in s.components}
    for k, v in s.components.items():
        assert by_material[k] == pytest.approx(v, abs=1e-9)
        assert 0 <= v <= WEIGHTS[k] + 1e-9


def test_more_shortfall_never_scores_lower(tiny: ree.SupplyNetwork) -> None:
    scores = [score_result(tiny, _result(tiny, cut=c), "JP", structural=NO_STRUCTURE).score
              for c in (0.0, 0.2, 0.5, 1.0)]
    assert scores == sorted(scores)


_CACHE: dict[str, ree.SupplyNetwork] = {}


def _tiny_cached(write, folder):  # type: ignore[no-untyped-def]
    if "tiny" not in _CACHE:
        _CACHE["tiny"] = ree.load_network(write(folder / "tiny"))
    return _CACHE["tiny"]
