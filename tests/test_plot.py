"""Figures draw on Agg, carry titles, units and a source line, and save to PNG."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Polygon, Rectangle
from matplotlib.text import Annotation

from rareearth import plot
from rareearth.errors import UnknownNameError
from rareearth.network import SupplyNetwork
from rareearth.scenario import Scenario

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]  # annotations included


def _source_lines(ax: Axes) -> list[str]:
    return [t for t in _texts(ax) if t.startswith("Source:")]


def _top_down(ax: Axes) -> list[str]:
    """Y tick labels from the top of the Axes down."""
    ticks = zip(ax.get_yticks(), ax.get_yticklabels(), strict=True)
    return [label.get_text() for _, label in sorted(ticks, key=lambda t: -t[0])]


def _save(ax: Axes, path: Path) -> None:
    fig = ax.get_figure()
    assert isinstance(fig, Figure)
    fig.savefig(path, dpi=72)
    assert path.stat().st_size > 5_000


# ---------------------------------------------------------------------------- colours


def test_country_colors_fixed_and_deterministic() -> None:
    main = ["CN", "AU", "US", "MM", "MY", "VN", "IN", "TH", "RU", "BR", "JP", "KR", "DE", "EU", "ROW"]
    colours = [plot.country_color(c) for c in main]
    assert len(set(colours)) == len(main)  # every main country has its own colour
    assert plot.country_color("CN") == "#d62728"
    assert plot.country_color("ZA") == plot.country_color("ZA")
    assert plot.country_color("ZA").startswith("#")
    assert all(matplotlib.colors.is_color_like(plot.country_color(c)) for c in ["XX", "GL", "ABCD"])


# ---------------------------------------------------------------------------- network


def test_network_draws_every_flow_and_node(tiny: SupplyNetwork, tmp_path: Path) -> None:
    ax = plot.network(tiny)
    edges = [p for p in ax.patches if isinstance(p, PathPatch)]
    pairs = tiny.flows.groupby(["source", "target"]).ngroups
    assert len(edges) == pairs
    assert np.asarray(ax.collections[0].get_offsets()).shape[0] == len(tiny.node_ids)
    assert ax.get_title(loc="left") == "Rare-earth supply network: all materials"
    texts = _texts(ax)
    assert any("t REO/yr" in t for t in texts)  # units
    assert _source_lines(ax) == ["Source: rareearth dataset tiny (Tiny test network)"]
    for header in ("Mining", "Separation", "Metal", "Magnet", "End use"):
        assert header in texts
    legend = ax.get_legend()
    assert legend is not None
    assert sorted(t.get_text() for t in legend.get_texts()) == ["AU", "CN", "JP"]
    # every node of the tiny network is labelled, with its throughput
    assert any(t.startswith("JP automotive") and t.endswith("250 t") for t in texts)
    _save(ax, tmp_path / "network.png")


def test_network_edges_coloured_by_supplier_and_scaled(tiny: SupplyNetwork) -> None:
    ax = plot.network(tiny)
    edges = [p for p in ax.patches if isinstance(p, PathPatch)]
    widths = [p.get_linewidth() for p in edges]
    # drawn smallest first, so the largest flows sit on top
    assert widths == sorted(widths)
    for edge in edges:
        source = str(edge.get_gid()).split("->")[0]
        assert matplotlib.colors.to_hex(edge.get_edgecolor()) == plot.country_color(source[:2])
    gids = {e.get_gid(): e.get_linewidth() for e in edges}
    assert gids["CN:mining->CN:separation"] > gids["AU:mining->AU:separation"]


def test_network_filters_material(tiny: SupplyNetwork) -> None:
    ax = plot.network(tiny, material="DyTb")
    edges = [p for p in ax.patches if isinstance(p, PathPatch)]
    dytb = tiny.flows[tiny.flows["commodity"] == "DyTb"]
    magnets_from_dytb_users = tiny.flows[
        (tiny.flows["commodity"] == "magnet")
        & tiny.flows["source"].isin(set(dytb["target"]))
    ]
    assert len(edges) == len(dytb) + len(magnets_from_dytb_users)
    assert ax.get_title(loc="left").endswith("DyTb")
    ax = plot.network(tiny, material="magnet")
    assert len([p for p in ax.patches if isinstance(p, PathPatch)]) == 4


def test_network_unknown_material(tiny: SupplyNetwork) -> None:
    with pytest.raises(UnknownNameError, match="material 'Xx' is not in dataset 'tiny'"):
        plot.network(tiny, material="Xx")


def test_network_on_given_axes(tiny: SupplyNetwork) -> None:
    _, ax = plt.subplots(figsize=(6, 4))
    assert plot.network(tiny, ax=ax) is ax


def test_network_labels_do_not_overlap_when_crowded(tiny: SupplyNetwork) -> None:
    # 60 end-use nodes in one column: only some are labelled, and labels keep apart
    sectors = [f"JP:end_use:s{i:02d}" for i in range(60)]
    extra = pd.DataFrame(
        {
            "source": "JP:magnet",
            "target": sectors,
            "commodity": "magnet",
            "tonnes_per_year": np.linspace(1, 60, 60),
            "ref": "test",
            "confidence": "exact",
            "method": "",
        }
    )
    flows = pd.concat([tiny.flows[extra.columns], extra], ignore_index=True)
    demand = pd.concat(
        [
            tiny.demand.drop(columns=["country", "sector"]),
            pd.DataFrame({"node": sectors, "commodity": "magnet",
                          "demand_tonnes_per_year": np.linspace(1, 60, 60),
                          "value_usd_per_tonne": 1.0, "ref": "test", "confidence": "exact",
                          "method": ""}),
        ],
        ignore_index=True,
    )
    crowded = tiny.replace(flows=flows, demand=demand)
    ax = plot.network(crowded)
    fig = ax.get_figure()
    assert isinstance(fig, Figure)
    fig.canvas.draw()
    labels = [
        a for a in ax.get_children()
        if isinstance(a, Annotation) and a.xy[0] == 4.0 and a.get_text()[:2] in ("JP", "CN")
    ]
    assert 5 < len(labels) < 63
    boxes = sorted((a.get_window_extent() for a in labels), key=lambda b: b.y0)
    for lower, upper in itertools.pairwise(boxes):
        assert lower.y1 <= upper.y0 + 0.5


# ---------------------------------------------------------------------------- origins


def test_origins_stacked_bars_per_stage(tiny: SupplyNetwork, tmp_path: Path) -> None:
    ax = plot.origins(tiny, "JP", "NdPr")
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    # one bar per (stage, supplying country); zero-width bars are drawn too
    countries = {t.get_text() for t in ax.get_legend().get_texts()}  # type: ignore[union-attr]
    assert len(bars) == 4 * len(countries)
    assert {t.get_text() for t in ax.get_yticklabels()} == {"Mining", "Separation", "Metal", "Magnet"}
    assert ax.get_title(loc="left") == "Where JP's NdPr comes from"
    assert ax.get_xlabel() == "share of supply (%)"
    assert _source_lines(ax)
    # each stage with flows sums to 100 %
    per_row: dict[float, float] = {}
    for bar in bars:
        key = round(bar.get_y(), 6)
        per_row[key] = per_row.get(key, 0.0) + bar.get_width()
    assert all(abs(v - 100.0) < 1e-6 or v == 0.0 for v in per_row.values())
    assert sum(abs(v - 100.0) < 1e-6 for v in per_row.values()) >= 2  # not all bars empty
    colours = {matplotlib.colors.to_hex(b.get_facecolor()) for b in bars if b.get_width() > 0}
    assert plot.country_color("CN") in colours
    _save(ax, tmp_path / "origins.png")


def test_origins_bad_country(tiny: SupplyNetwork) -> None:
    with pytest.raises(UnknownNameError, match="country 'XX'"):
        plot.origins(tiny, "XX", "NdPr")
    with pytest.raises(UnknownNameError, match="material 'magnet'"):
        plot.origins(tiny, "JP", "magnet")


# ---------------------------------------------------------------------------- synthetic runs
# Inputs of the documented shapes (SimulationResult.timeseries, compare(), monte_carlo()), so
# that the figures are tested without running the engine.


def _scenario() -> Scenario:
    return Scenario(
        name="test-2010",
        title="Quota cut and a short embargo",
        start="2010-01",
        months=24,
        events=[
            {"type": "export_quota", "exporter": "CN", "commodities": ["NdPr", "DyTb"],
             "tonnes_per_year": 30000, "start": "2010-07", "end": "2011-06",
             "ramp_in_months": 2},
            {"type": "export_restriction", "exporter": "CN", "targets": ["JP"],
             "commodities": "all", "severity": 1, "start": "2010-09-21", "end": "2010-11-20"},
        ],
    )


@dataclass
class _Result:
    timeseries: pd.DataFrame
    provenance: dict[str, Any] = field(default_factory=dict)


def _result(scenario: Any = None) -> _Result:
    sc = _scenario()
    rows = []
    nodes = [("JP:metal", "JP", "metal"), ("JP:magnet", "JP", "magnet"),
             ("JP:end_use:automotive", "JP", "end_use"), ("CN:metal", "CN", "metal")]
    for node, country, stage in nodes:
        for c in ["magnet"] if stage == "end_use" else ["NdPr", "DyTb"]:
            for i, month in enumerate(sc.periods):
                bump = max(0.0, 1 - abs(i - 9) / 5)
                short = 100.0 * {"DyTb": 0.6, "NdPr": 0.3, "magnet": 0.2}[c] * bump
                rows.append({
                    "month": month, "node": node, "country": country, "stage": stage,
                    "commodity": c, "demand": 100.0, "received": 100.0 - short,
                    "produced": 100.0 - short, "shortfall": short, "stock": 50.0 - 20 * bump,
                    "price_index": 1 + 2 * bump,
                })
    provenance = {"dataset": "tiny", "scenario": sc if scenario is None else scenario, "seed": 0}
    return _Result(pd.DataFrame(rows), provenance)


def _table(monte_carlo: bool = True) -> pd.DataFrame:
    t = pd.DataFrame(
        {"score": [61.2, 48.0, 55.5, 63.0], "cost_usd": [0.0, 2.4e9, 6e8, 5e7]},
        index=pd.Index(["none", "us-japan", "stockpile-180d", "substitution"], name="option"),
    )
    t["delta"] = t["score"] - t.loc["none", "score"]
    t["delta_per_busd"] = [np.nan, *(t["delta"].iloc[1:] / (t["cost_usd"].iloc[1:] / 1e9))]
    if monte_carlo:
        t["p_beats_none"] = [0.0, 0.97, 0.8, 0.2]
        t["score_p05"] = t["score"] - 6
        t["score_p95"] = t["score"] + 8
    return t.sort_values("score")


def _draws(n: int = 50) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    t = _table()
    return pd.concat(
        [pd.DataFrame({"option": o, "draw": np.arange(n),
                       "score": rng.normal(t.loc[o, "score"], 4, n).clip(0, 100)})
         for o in t.index],
        ignore_index=True,
    )


# ---------------------------------------------------------------------------- shortfall


def test_shortfall_three_panels(tmp_path: Path) -> None:
    ax = plot.shortfall(_result(), "JP")
    fig = ax.get_figure()
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 3
    assert ax.get_title(loc="left") == "Shortfall in JP: Quota cut and a short embargo"
    assert ax.get_ylabel() == "shortfall (% of demand)"
    assert "price index" in fig.axes[1].get_ylabel()
    assert fig.axes[2].get_ylabel().endswith("(t)")
    assert _source_lines(fig.axes[2]) == ["Source: rareearth simulation, dataset tiny, scenario test-2010"]
    # one line per commodity of JP's nodes, at the right height: DyTb peaks at 60 %
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"NdPr", "DyTb", "magnet"}
    assert max(np.asarray(lines["DyTb"].get_ydata(), dtype=float)) == pytest.approx(60.0)
    # event windows shaded: quota Jul 2010–Jun 2011 (12 months), embargo Sep–Nov 2010 (3)
    shaded = [p for p in ax.patches if isinstance(p, Rectangle | Polygon)]
    assert len(shaded) == 12 + 3
    assert {"export quota (CN: NdPr, DyTb)", "export restriction (CN → JP: all)"} <= set(_texts(ax))
    _save(ax, tmp_path / "shortfall.png")


def test_shortfall_on_given_axes_uses_twin(tmp_path: Path) -> None:
    _, ax = plt.subplots(figsize=(8, 4))
    assert plot.shortfall(_result(), "JP", ax=ax) is ax
    fig = ax.get_figure()
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2  # the twin with the price index
    assert "price index" in fig.axes[1].get_ylabel()
    _save(ax, tmp_path / "shortfall-ax.png")


def test_shortfall_scenario_as_dict_or_name() -> None:
    as_dict = _result(_scenario().model_dump())
    ax = plot.shortfall(as_dict, "JP")
    assert len([p for p in ax.patches if isinstance(p, Rectangle | Polygon)]) == 12 + 3
    ax = plot.shortfall(_result("test-2010"), "JP")
    assert ax.get_title(loc="left") == "Shortfall in JP: test-2010"
    partial = {"name": "x", "events": [{"type": "export_restriction", "exporter": "CN",
                                        "start": "2010-03", "end": "2010-04"}]}
    ax = plot.shortfall(_result(partial), "JP")  # not a valid Scenario: drawn as steps
    assert len([p for p in ax.patches if isinstance(p, Rectangle | Polygon)]) == 2


def test_shortfall_unknown_country() -> None:
    with pytest.raises(UnknownNameError, match="country 'KR' has no nodes in this run"):
        plot.shortfall(_result(), "KR")


# ---------------------------------------------------------------------------- compare


def test_compare_bars_costs_and_intervals(tmp_path: Path) -> None:
    table = _table()
    ax = plot.compare(table)
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == len(table) - 1  # every option but none
    # best (most negative delta) on top
    labels = _top_down(ax)
    assert labels[0] == "us-japan" and labels[-1] == "substitution"
    widths = sorted(b.get_width() for b in bars)
    assert widths == pytest.approx(sorted(table["delta"].drop("none")))
    texts = _texts(ax)
    assert any(t.startswith(r"\$2.4 bn") and "P(beats none) 97%" in t for t in texts)
    assert len(ax.containers) == 2  # bars + error bars
    assert "no option = 61.2" in ax.get_xlabel()
    assert "unpaired" in "".join(_texts(ax))
    assert _source_lines(ax)
    _save(ax, tmp_path / "compare.png")


def test_compare_paired_intervals() -> None:
    table = _table()
    table["delta_p05"] = table["delta"] - 1.0
    table["delta_p95"] = table["delta"] + 0.5
    ax = plot.compare(table)
    bars = ax.containers[1]
    segments = bars.lines[2][0].get_segments()  # type: ignore[attr-defined]
    spans = sorted(float(seg[1][0] - seg[0][0]) for seg in segments)
    assert spans == pytest.approx([1.5, 1.5, 1.5])
    assert "paired change" in "".join(_texts(ax))


def test_compare_without_monte_carlo() -> None:
    ax = plot.compare(_table(monte_carlo=False), source="Source: test")
    assert len(ax.containers) == 1
    assert _source_lines(ax) == ["Source: test"]
    with pytest.raises(ValueError, match="lacks column"):
        plot.compare(pd.DataFrame({"score": [1.0]}))


# ---------------------------------------------------------------------------- distribution


def test_distribution_boxes_per_option(tmp_path: Path) -> None:
    draws = _draws()
    ax = plot.distribution(draws)
    labels = _top_down(ax)
    assert len(labels) == 4 and all(label.endswith("(n=50)") for label in labels)
    assert labels[0].startswith("us-japan")  # lowest median on top
    assert len([p for p in ax.patches if isinstance(p, PathPatch)]) == 4
    assert ax.get_xlabel().startswith("exposure score")
    _save(ax, tmp_path / "distribution.png")
    one = plot.distribution(draws.drop(columns="option"))
    assert [t.get_text() for t in one.get_yticklabels()] == ["all draws  (n=200)"]
