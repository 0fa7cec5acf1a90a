"""An option's effect in the dataset's tonnes, hand-checked on the tiny network; the CLI shows
it under ``options show``, and ``scenarios new`` / ``options new`` write templates that load."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import rareearth as ree
from rareearth.cooperation import Option
from rareearth.network import SupplyNetwork
from rareearth.option_effects import option_effects
from tests.test_cli import assert_ok, run

MEASURES = [
    {"type": "stockpile", "country": "JP", "commodities": ["DyTb", "NdPr"], "days": 90},
    {"type": "add_capacity", "node": "JP:magnet", "commodity": "magnet", "tonnes_per_year": 100},
    {"type": "offtake", "supplier": "AU:separation", "partner": "JP", "commodity": "NdPr",
     "share": 0.5},
    {"type": "recycling", "country": "JP", "rate": 0.2},
    {"type": "substitution", "country": "JP", "sector": "automotive", "commodity": "DyTb",
     "intensity_cut": 0.5},
    {"type": "trade_link", "countries": ["AU", "JP"], "lead_time_months": 1},
    {"type": "relocate", "from_country": "JP", "to_country": "CN", "sector": "automotive",
     "share": 0.1},
]


def _option() -> Option:
    return Option(name="every-measure", country="JP", cost_usd=1, lead_time_months=0,
                  measures=MEASURES)


def test_each_measure_in_tonnes(tiny: SupplyNetwork) -> None:
    e = option_effects(tiny, _option()).set_index(["type", "commodity"])
    # JP uses 4 t/yr of DyTb (imported by JP:metal) and holds 0.5 t: 90 days of 4 t/yr added
    dy = e.loc[("stockpile", "DyTb")]
    assert (dy.baseline, dy.added, dy.unit) == (pytest.approx(0.5), pytest.approx(90 / 365 * 4), "t")
    assert dy.total == pytest.approx(0.5 + 90 / 365 * 4)
    nd = e.loc[("stockpile", "NdPr")]  # 40 t from AU + 20 t from CN; no stockpile before
    assert (nd.baseline, nd.added) == (0.0, pytest.approx(90 / 365 * 60))
    cap = e.loc[("add_capacity", "magnet")]
    assert (cap.baseline, cap.total, cap.unit) == (220, 320, "t/yr")
    off = e.loc[("offtake", "NdPr")]
    assert off.added == pytest.approx(0.5 * 40)  # half of AU separation's 40 t/yr output
    rec = e.loc[("recycling", "magnet")]  # JP end use takes 300 t/yr of magnet
    base = tiny.parameters["recycling_rate"]  # the dataset's (default) rate, raised to 0.2
    assert (rec.baseline, rec.added) == (pytest.approx(base * 300), pytest.approx((0.2 - base) * 300))
    # JP:magnet draws 4 t/yr of DyTb and ships 150 of its 200 t/yr of magnets to automotive:
    # the 50 % cut redesigns that 75 %, 0.5 × 0.75 × 4 = 1.5 t/yr less (the engine's factor)
    sub = e.loc[("substitution", "DyTb")]
    assert (sub.baseline, sub.added) == (pytest.approx(4.0), pytest.approx(-1.5))
    link = e.loc[("trade_link", "all")]
    assert (link.baseline, link.total, link.unit) == (2, 1, "months")
    moved = e.loc[("relocate", "magnet")]
    assert moved.added == pytest.approx(-25)


def test_stage_capacity_is_spread_by_capacity(tiny: SupplyNetwork) -> None:
    opt = Option(name="cn-metal", country="JP", cost_usd=1, lead_time_months=0, measures=[
        {"type": "add_capacity", "country": "CN", "stage": "metal", "commodity": "NdPr",
         "tonnes_per_year": 30}])
    e = option_effects(tiny, opt)
    assert e.added.sum() == pytest.approx(30)
    assert e.baseline.sum() == pytest.approx(90)


def test_options_show_prints_the_effect_as_comments(tiny_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "every.yaml"
    path.write_text(_option().to_yaml())
    shown = run("options", "show", path, "--dataset", tiny_path)
    assert_ok(shown)
    assert "# effect in dataset tiny" in shown.stdout
    assert "measures[0] stockpile JP DyTb: 0 -> 1 t (+1;" in shown.stdout
    assert "measures[1] add_capacity JP magnet: 220 -> 320 t/yr" in shown.stdout
    assert Option.from_dict(yaml.safe_load(shown.stdout)) == _option()  # still loads
    other = Option(name="mm", country="JP", cost_usd=1, lead_time_months=0, measures=[
        {"type": "stockpile", "country": "MM", "days": 10}])
    (tmp_path / "mm.yaml").write_text(other.to_yaml())
    unfit = run("options", "show", tmp_path / "mm.yaml", "--dataset", tiny_path)
    assert_ok(unfit)
    assert "# effect in dataset tiny: does not fit" in unfit.stdout and "MM" in unfit.stdout


def test_templates_load_and_fit_the_dataset(tmp_path: Path) -> None:
    net = ree.load_network("world-2024")
    sc_path, opt_path = tmp_path / "s.yaml", tmp_path / "o.yaml"
    assert_ok(run("scenarios", "new", "-o", sc_path))
    assert_ok(run("options", "new", "-o", opt_path))
    assert sc_path.read_text().startswith("# A rareearth scenario")
    sc, opt = ree.load_scenario(sc_path), ree.load_option(opt_path)
    sc.validate_for(net)
    opt.validate_for(net)
    # every event and measure type is in its template (one live, the others commented out)
    from rareearth.cooperation import _MEASURE_TYPES
    from rareearth.scenario_events import _EVENT_TYPES

    for kind in _EVENT_TYPES:
        assert f"type: {kind}" in sc_path.read_text()
    for kind in _MEASURE_TYPES:
        assert f"type: {kind}" in opt_path.read_text()
