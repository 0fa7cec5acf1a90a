"""Every YAML example of docs/scenario-format.md and docs/option-format.md loads, fits the
dataset, and runs; each event and measure type has an example; the numbers the option page
quotes are what option_effects computes."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml

import rareearth as ree
from rareearth.cooperation import _MEASURE_TYPES, Option
from rareearth.option_effects import option_effects
from rareearth.scenario import Scenario
from rareearth.scenario_events import _EVENT_TYPES

DOCS = Path(__file__).resolve().parent.parent / "docs"
_BLOCK = re.compile(r"```yaml\n(.*?)```", re.DOTALL)


def _blocks(page: str) -> list[dict]:  # type: ignore[type-arg]
    return [yaml.safe_load(b) for b in _BLOCK.findall((DOCS / page).read_text(encoding="utf-8"))]


SCENARIOS = _blocks("scenario-format.md")
OPTIONS = _blocks("option-format.md")


@pytest.fixture(scope="module")
def world():  # type: ignore[no-untyped-def]
    return ree.load_network("world-2024")


def test_every_type_has_an_example() -> None:
    events = {e["type"] for doc in SCENARIOS for e in doc.get("events", [])}
    assert events == set(_EVENT_TYPES)
    measures = {m["type"] for doc in OPTIONS for m in doc.get("measures", [])}
    assert measures == set(_MEASURE_TYPES)
    assert any("uncertainty" in doc for doc in SCENARIOS)
    assert any(doc.get("includes") for doc in OPTIONS)


@pytest.mark.parametrize("data", SCENARIOS, ids=[d["name"] for d in SCENARIOS])
def test_scenario_examples_run(data: dict, world) -> None:  # type: ignore[no-untyped-def,type-arg]
    sc = Scenario.from_dict(data, "docs/scenario-format.md")
    assert sc.to_dict() == Scenario.from_dict(sc.to_dict()).to_dict()  # written back unchanged
    sc.validate_for(world)
    res = ree.simulate(world, sc)
    base = ree.simulate(world, Scenario(name="calm", start=sc.start, months=sc.months))
    assert np.nansum(base.arrays["shortfall"]) == pytest.approx(0.0, abs=1e-6)
    # every example does something: some flow, shortfall or demand differs from the baseline
    moved = sum(float(np.nanmax(np.abs(res.arrays[k] - base.arrays[k])))
                for k in ("shortfall", "received", "demand"))
    assert moved > 1e-6, sc.name


@pytest.mark.parametrize("data", OPTIONS, ids=[d["name"] for d in OPTIONS])
def test_option_examples_run(data: dict, world) -> None:  # type: ignore[no-untyped-def,type-arg]
    opt = Option.from_dict(data, "docs/option-format.md")
    opt.validate_for(world)
    effects = option_effects(world, opt)
    assert len(effects) >= len(opt.measures)
    # every example acts through the engine under some shock: a stock, flow or production moves
    # (an NdPr offtake does nothing while NdPr is plentiful; a DyTb cut in magnets nothing while
    # the makers lack NdPr too)
    dytb = Scenario(name="dytb-to-jp", start="2025-01", months=12, events=[
        {"type": "export_restriction", "exporter": "CN", "targets": ["JP"],
         "commodities": ["DyTb"], "severity": 1, "start": "2025-01", "end": "2025-09"}])
    shocks = [ree.load_scenario("japan-embargo").model_copy(update={"months": 14}),
              ree.load_scenario("china-2025-heavy"), dytb]
    moved = []
    for sc in shocks:
        plain = ree.simulate(world, sc)
        helped = ree.simulate(world, sc, options=[opt])
        moved.append(sum(float(np.nanmax(np.abs(helped.arrays[k] - plain.arrays[k])))
                         for k in ("received", "produced", "stock", "stockpile", "shortfall")))
    assert max(moved) > 1e-6, (opt.name, moved)
    assert 0 <= ree.exposure(world, sc, opt.country, options=[opt]).score <= 100


def test_quoted_stockpile_numbers(world) -> None:  # type: ignore[no-untyped-def]
    text = (DOCS / "option-format.md").read_text(encoding="utf-8")
    opt = Option.from_dict(next(d for d in OPTIONS if d["name"] == "doc-stockpile"))
    e = option_effects(world, opt).set_index("commodity")
    for c in ("NdPr", "DyTb"):
        for column in ("baseline", "added", "total"):
            assert f"{e.loc[c, column]:,.0f} t" in text, (c, column)
