"""Sankey diagrams: the flows they draw (hand-checked on the tiny network) and their layout."""

from __future__ import annotations

from collections.abc import Iterator

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.patches import PathPatch, Rectangle

import rareearth as ree
from rareearth.network import SupplyNetwork
from rareearth.plot.sankey import sankey_flows
from rareearth.scenario import Scenario

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _embargo() -> Scenario:
    return Scenario(
        name="cn-jp-embargo", start="2024-01", months=3,
        events=[{"type": "export_restriction", "exporter": "CN", "targets": ["JP"],
                 "commodities": "all", "severity": 1, "start": "2024-01", "end": "2024-03"}],
    )


def _row(flows: pd.DataFrame, src: tuple[str, str], tgt: tuple[str, str]) -> float:
    sel = (
        (flows.source_stage == src[0]) & (flows.source_country == src[1])
        & (flows.target_stage == tgt[0]) & (flows.target_country == tgt[1])
    )
    return float(flows.loc[sel, "tonnes_per_year"].sum())


def test_one_element_with_magnets_in_material_equivalent(tiny: SupplyNetwork) -> None:
    f = sankey_flows(tiny, "DyTb")
    assert _row(f, ("mining", "CN"), ("separation", "CN")) == pytest.approx(9)
    assert _row(f, ("separation", "CN"), ("metal", "JP")) == pytest.approx(4)
    # magnets × recipe share of DyTb (0.02 t/t): CN makers ship 100 t of magnet to JP
    assert _row(f, ("magnet", "CN"), ("end_use", "JP")) == pytest.approx(100 * 0.02)
    # JP's two sectors merge into one country box: 150 + 50 t of magnet
    assert _row(f, ("magnet", "JP"), ("end_use", "JP")) == pytest.approx(200 * 0.02)
    assert "NdPr" not in set(f.source_country)  # sanity: only countries as boxes
    nd = sankey_flows(tiny, "NdPr")
    assert _row(nd, ("separation", "CN"), ("end_use", "CN")) == pytest.approx(5)  # direct use


def test_magnet_chain_counts_every_recipe_material(tiny: SupplyNetwork) -> None:
    f = sankey_flows(tiny, "magnet")
    assert _row(f, ("magnet", "CN"), ("end_use", "JP")) == pytest.approx(100 * 0.32)
    assert _row(f, ("metal", "JP"), ("magnet", "JP")) == pytest.approx(60 + 4)
    with pytest.raises(ValueError, match="unknown element 'Fe'"):
        sankey_flows(tiny, "Fe")
    with pytest.raises(ValueError, match="month needs a simulation result"):
        sankey_flows(tiny, "DyTb", month="2024-01")


def test_a_scenario_month_shows_the_cut(tiny: SupplyNetwork) -> None:
    res = ree.simulate(tiny, _embargo())
    month = sankey_flows(res, "DyTb", month="2024-02")
    assert _row(month, ("separation", "CN"), ("metal", "JP")) == 0.0  # embargoed
    assert _row(month, ("magnet", "CN"), ("end_use", "JP")) == 0.0
    # the month's flows as an annual rate: × 12 of what the engine moved that month
    f = res.flows
    moved = f[(f.month == pd.Period("2024-02", freq="M")) & (f.source == "CN:mining")
              & (f.commodity == "DyTb")]["tonnes"].sum()
    assert _row(month, ("mining", "CN"), ("separation", "CN")) == pytest.approx(12 * moved)
    assert moved > 0
    with pytest.raises(ValueError, match="outside the run"):
        sankey_flows(res, "DyTb", month="2030-01")


def test_box_heights_are_throughput(tiny: SupplyNetwork) -> None:
    ax = ree.plot.sankey(tiny, element="NdPr")
    boxes = {t.get_text().split(" ")[0]: None for t in ax.texts}
    assert {"CN", "AU", "JP"} <= set(boxes)
    rects = [p for p in ax.patches if isinstance(p, Rectangle)]
    bands = [p for p in ax.patches if isinstance(p, PathPatch)]
    # mining column: CN 100 t, AU 40 t; the two boxes at the left share x
    xs = min(r.get_x() for r in rects)
    mining = sorted(r.get_height() for r in rects if r.get_x() == xs)
    assert mining[1] / mining[0] == pytest.approx(100 / 40)
    assert len(bands) == len(sankey_flows(tiny, "NdPr"))
    assert ax.get_title(loc="left") == "NdPr flows by stage and country"
    assert any(t.get_text().startswith("Source: rareearth dataset") for t in ax.texts)


def test_run_beside_its_baseline_on_one_scale(tiny: SupplyNetwork) -> None:
    res = ree.simulate(tiny, _embargo())
    ax = ree.plot.sankey(res, element="DyTb", month="2024-02")
    axes = ax.figure.axes
    assert len(axes) == 2 and axes[1] is ax
    assert axes[0].get_title(loc="left").endswith("baseline")
    assert ax.get_title(loc="left").endswith("2024-02")

    def mining_height(a: object) -> float:
        rects = [p for p in a.patches if isinstance(p, Rectangle)]  # type: ignore[attr-defined]
        x0 = min(r.get_x() for r in rects)
        return sum(r.get_height() for r in rects if r.get_x() == x0)

    # one scale: the mining box shrinks by exactly what the month's flows say
    month = sankey_flows(res, "DyTb", month="2024-02")
    mined = float(month.loc[month.source_stage == "mining", "tonnes_per_year"].sum())
    assert mined < 9
    assert mining_height(ax) / mining_height(axes[0]) == pytest.approx(mined / 9)
    one = ree.plot.sankey(res, element="DyTb", month="2024-02", ax=plt.subplots()[1])
    assert len(one.figure.axes) == 1
