"""Figures draw on Agg, carry titles, units and a source line, and save to PNG."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.text import Annotation

from rareearth import plot
from rareearth.errors import UnknownNameError
from rareearth.network import SupplyNetwork

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]  # annotations included


def _source_lines(ax: Axes) -> list[str]:
    return [t for t in _texts(ax) if t.startswith("Source:")]


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
    colours = {matplotlib.colors.to_hex(b.get_facecolor()) for b in bars if b.get_width() > 0}
    assert plot.country_color("CN") in colours
    _save(ax, tmp_path / "origins.png")


def test_origins_bad_country(tiny: SupplyNetwork) -> None:
    with pytest.raises(UnknownNameError, match="country 'XX'"):
        plot.origins(tiny, "XX", "NdPr")
    with pytest.raises(UnknownNameError, match="material 'magnet'"):
        plot.origins(tiny, "JP", "magnet")
