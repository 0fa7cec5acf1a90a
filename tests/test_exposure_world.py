"""The exposure score on the built-in data tells the stories the sources tell."""

from __future__ import annotations

import pytest

import rareearth as ree
from rareearth.scoring import WEIGHTS

DYNAMIC = [k for k in WEIGHTS if k != "structural"]


@pytest.fixture(scope="module")
def world_2024() -> ree.SupplyNetwork:
    return ree.load_network("world-2024")


def test_diversification_since_2010_shows(world_2024: ree.SupplyNetwork) -> None:
    """Japan under the 2010 episode: clearly more exposed on the 2009 network than today."""
    then = ree.exposure("world-2009", "china-2010", "JP")
    now = ree.exposure(world_2024, "china-2010", "JP")
    assert then.score > now.score + 5
    assert then.metrics["structural_index"] > now.metrics["structural_index"]
    assert then.metrics["unmet_demand_months"] > now.metrics["unmet_demand_months"]


def test_heavy_licensing_is_a_dytb_story(world_2024: ree.SupplyNetwork) -> None:
    """Under the 2025 licensing of heavy rare earths, DyTb carries most of the scenario's
    points (the structural component is the network's, not the scenario's) and the deepest
    shortfall among the materials."""
    s = ree.exposure(world_2024, "china-2025-heavy", "JP")
    dynamic = {m: sum(c[k] for k in DYNAMIC) for m, c in s.by_material.items()}
    assert max(dynamic, key=lambda m: dynamic[m]) == "DyTb"
    assert dynamic["DyTb"] > 0.5 * sum(dynamic.values())
    peak = {m: v["peak_shortfall_pct"] for m, v in s.material_metrics.items() if m != "magnet"}
    # the deepest (with Y and Other it sits at the JOGMEC release threshold, 10%)
    assert peak["DyTb"] >= max(peak.values()) - 1e-6


def test_any_country_scores(world_2024: ree.SupplyNetwork) -> None:
    for country in ("US", "KR", "CN"):
        s = ree.exposure(world_2024, "china-2025-heavy", country)
        assert 0 <= s.score <= 100
        assert sum(s.components.values()) == pytest.approx(s.score)


@pytest.mark.parametrize("option", ree.options())
def test_every_option_lowers_japans_score_somewhere(
    world_2024: ree.SupplyNetwork, option: str
) -> None:
    deltas = []  # on today's network: the options name today's facilities (Lynas, MP)
    for scenario in ree.scenarios():
        base = ree.exposure(world_2024, scenario, "JP").score
        deltas.append(ree.exposure(world_2024, scenario, "JP", options=[option]).score - base)
    assert min(deltas) < -0.01, deltas


def test_stockpile_bridges_long_embargoes_not_short_ones(world_2024: ree.SupplyNetwork) -> None:
    """120 more days of national stock against a full Chinese embargo on Japan of 2 to 24
    months, measured in lost end-use value (harm). Two months are bridged by firms' own stocks
    (nothing lost, nothing for the stockpile to avoid). Against 6 months it avoids almost
    nothing: the shortfalls stay below the stockpile's release threshold (10 % of need). Against
    a year or more, once firms' own stocks are gone, it avoids a large share, most around 18
    months; against two years it only delays the cliff. (Before issue 9 this test measured
    'damage' with the share of stocks drawn, which a bigger stockpile shrank by its own size:
    it found short embargoes best bridged.)"""
    embargo = ree.load_scenario("japan-embargo").model_copy(update={"months": 30})
    avoided = {}
    for months in (2, 6, 12, 18, 24):
        sc = embargo.scaled(duration=months / 12)
        base = ree.exposure(world_2024, sc, "JP").metrics["value_at_risk_usd"]
        pile = ree.exposure(world_2024, sc, "JP", options=["stockpile-180d"]).metrics[
            "value_at_risk_usd"]
        assert pile <= base + 1e-6
        avoided[months] = 1 - pile / base if base > 0 else None
    assert not avoided[2], avoided  # nothing lost, or nothing the stockpile avoids
    assert avoided[6] < 0.05, avoided
    assert avoided[12] > 0.3 and avoided[18] > 0.5, avoided
    assert avoided[24] < avoided[18], avoided
