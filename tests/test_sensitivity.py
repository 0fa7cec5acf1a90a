"""Sensitivity: rank correlations of the Monte Carlo draws, checked on draws made by hand and
on the tiny network, and the tornado plot drawn from them."""

from __future__ import annotations

from collections.abc import Iterator

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Rectangle

import rareearth as ree
from rareearth.network import SupplyNetwork
from rareearth.ranking import draw_parameters
from rareearth.scenario import Scenario

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _embargo() -> Scenario:
    return Scenario(
        name="cn-jp-embargo", start="2024-01", months=6,
        events=[{"type": "export_restriction", "exporter": "CN", "targets": ["JP"],
                 "commodities": "all", "severity": 0.6, "start": "2024-02", "end": "2024-04"}],
    )


def test_rank_correlations_of_known_draws(tiny: SupplyNetwork) -> None:
    sc = _embargo()
    draws = draw_parameters(tiny, sc, 50, seed=3)
    # the score depends on severity only (monotone), lost value on duration only
    draws["score"] = 10 + 5 * draws["severity_scale"] ** 2
    draws["value_at_risk_usd"] = 1e6 * np.exp(draws["duration_scale"])
    s = ree.sensitivity(tiny, sc, "JP", draws=draws)
    assert s.index[0] == "severity_scale"
    assert s.loc["severity_scale", "rho_score"] == pytest.approx(1.0)
    assert s.loc["duration_scale", "rho_lost_value"] == pytest.approx(1.0)
    assert abs(s.loc["elasticity_scale", "rho_score"]) < 0.5
    # tornado ends: the mean score over the 10 draws (a fifth of 50) lowest / highest in severity
    order = draws.sort_values("severity_scale")["score"]
    assert s.loc["severity_scale", "score_low"] == pytest.approx(order.iloc[:10].mean())
    assert s.loc["severity_scale", "score_high"] == pytest.approx(order.iloc[-10:].mean())
    assert s.attrs["score"] == pytest.approx(draws["score"].mean())
    # the tiny dataset's only ranged parameter is the lead time (a scale, not a column)
    assert set(s.index) == {"severity_scale", "duration_scale", "elasticity_scale",
                            "lead_time_scale"}


def test_a_constant_output_ranks_nothing(tiny: SupplyNetwork) -> None:
    sc = _embargo()
    draws = draw_parameters(tiny, sc, 20, seed=1)
    draws["score"] = 7.0
    draws["value_at_risk_usd"] = 0.0
    s = ree.sensitivity(tiny, sc, "JP", draws=draws)
    assert (s.rho_score == 0).all() and (s.p_score == 1).all()


def test_severity_drives_lost_value_on_the_tiny_network(tiny: SupplyNetwork) -> None:
    s = ree.sensitivity(tiny, _embargo(), "JP", n=40, seed=0)
    assert s.loc["severity_scale", "rho_lost_value"] > 0.5  # a harder cut loses more
    assert s.attrs["n"] == 40 and s.attrs["country"] == "JP"
    again = ree.sensitivity(tiny, _embargo(), "JP", n=40, seed=0)
    assert again.equals(s)
    with pytest.raises(ValueError, match="n ≥ 10"):
        ree.sensitivity(tiny, _embargo(), "JP", n=3)


def test_tornado_draws_a_bar_pair_per_input(tiny: SupplyNetwork) -> None:
    sc = _embargo()
    draws = draw_parameters(tiny, sc, 50, seed=3)
    draws["score"] = 10 + 5 * draws["severity_scale"]
    draws["value_at_risk_usd"] = 1e6 * draws["duration_scale"]
    s = ree.sensitivity(tiny, sc, "JP", draws=draws)
    ax = ree.plot.tornado(s)
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == 2 * len(s)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    top = labels[int(np.argmax(ax.get_yticks()))]
    assert top.startswith("severity of the events")
    assert ax.get_title(loc="left") == "What moves the exposure score of JP"
    lost = ree.plot.tornado(s, metric="lost_value")
    assert "lost value" in lost.get_xlabel()
    with pytest.raises(ValueError, match="metric"):
        ree.plot.tornado(s, metric="price")
