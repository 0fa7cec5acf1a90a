"""simulate_many batches scenarios by what needs a batch of its own (the edited network and
the input factors), one Levers per scenario: results equal separate runs; and the optimal
mode's priority country."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import rareearth as ree
from rareearth.cooperation import (
    AddCapacity,
    Offtake,
    Option,
    Recycling,
    Relocate,
    Stockpile,
    Substitution,
    TradeLink,
)
from rareearth.engine.run import EngineError
from tests.engine_helpers import embargo, scenario

HALF_SEPARATION = {"type": "capacity_shock", "node": "CN:separation", "commodities": ["NdPr"],
                   "factor": 0.5, "start": "2025-01", "end": "2025-12"}


def _option(name: str, *measures: Any, lead: float = 1) -> Option:
    return Option(name=name, title=name, country="JP", cost_usd=1, lead_time_months=lead,
                  measures=list(measures))


OPTIONS = [
    _option("cap", AddCapacity(node="AU:separation", commodity="NdPr", tonnes_per_year=20,
                               ramp_months=2)),
    _option("off", Offtake(supplier="CN:separation", partner="JP", commodity="NdPr", share=0.3)),
    _option("pile", Stockpile(country="JP", commodities=["DyTb"], tonnes=2)),
    _option("rec", Recycling(country="JP", rate=0.2, commodities=["NdPr", "DyTb"])),
    _option("link", TradeLink(countries=("AU", "CN"), lead_time_months=0)),
    _option("sub", Substitution(country="JP", sector="automotive", commodity="DyTb",
                                intensity_cut=0.5, adoption_months=2)),
    _option("move", Relocate(from_country="JP", to_country="AU", sector="automotive",
                             share=0.1)),
    _option("move-cn", Relocate(from_country="JP", to_country="CN", sector="electronics",
                                share=0.2)),
]


def _portfolios() -> list[list[Option]]:
    by = {o.name: o for o in OPTIONS}
    names = [[], ["cap"], ["off"], ["pile"], ["rec"], ["link"], ["sub"], ["move"], ["move-cn"],
             ["cap", "off", "pile"], ["sub", "rec"], ["move", "sub"], ["move", "off", "link"],
             ["move-cn", "pile"], list(by)]
    return [[by[n] for n in row] for row in names]


@pytest.mark.parametrize("timing", ["in_place", "from_start"])
@pytest.mark.parametrize("allocation", ["proportional", "optimal"])
def test_per_scenario_options_share_batches_and_equal_separate_runs(
        tiny: Any, timing: str, allocation: str) -> None:
    portfolios = _portfolios()
    if allocation == "optimal":
        portfolios = portfolios[::3]
    sc = scenario(5, embargo(), HALF_SEPARATION)
    together = ree.simulate_many(tiny, [sc] * len(portfolios), options=portfolios,
                                 record="all", timing=timing, allocation=allocation)
    for got, options in zip(together, portfolios, strict=True):
        alone = ree.simulate(tiny, sc, options, record="all", timing=timing,
                             allocation=allocation)
        assert got.arrays.keys() == alone.arrays.keys()
        for key, arr in alone.arrays.items():
            np.testing.assert_allclose(got.arrays[key], arr, rtol=1e-12, atol=1e-12,
                                       err_msg=f"{[o.name for o in options]}: {key}")
    # a batch per (substitution or not, network edits by relocations that create end-use
    # nodes): portfolios with the same key share one batch, different keys never do
    def key(p: Any) -> tuple[bool, tuple[str, ...]]:
        return (any(o.name == "sub" for o in p),
                tuple(sorted(o.name for o in p if o.name.startswith("move"))))

    groups: dict[Any, set[int]] = {}
    for r, p in zip(together, portfolios, strict=True):
        groups.setdefault(key(p), set()).add(id(r._batch))
    assert all(len(ids) == 1 for ids in groups.values()), groups
    assert len({next(iter(ids)) for ids in groups.values()}) == len(groups)


def test_input_factors_must_agree_within_a_batch(tiny: Any) -> None:
    from rareearth.engine.levers import InputFactor, Levers, compile_levers
    from rareearth.engine.structure import build_structure

    st = build_structure(tiny.compile())
    a = Levers(input_factors=(InputFactor("JP:magnet", "DyTb", 0.5),))
    with pytest.raises(EngineError, match="same input factors"):
        compile_levers(st, [a, Levers()], 3)
    arrays = compile_levers(st, [a, a], 3)
    np.testing.assert_allclose(arrays.input_factor, 0.5)


# ---------------------------------------------------------------------------- priority


def _jp_value(res: Any) -> float:
    jp = res.compiled.country_index["JP"]
    return float(res.arrays["country_shortfall_value"][:, jp].sum())


def _world_value(res: Any) -> float:
    return float(res.arrays["country_shortfall_value"].sum())


def test_optimal_priority_puts_the_country_first(tiny: Any) -> None:
    """CN:separation at half capacity: the world's LP keeps Chinese magnet makers supplied
    (Japan's metal plant gets 5 t/yr, then none); Japan first, Japan loses less and the world
    (which the world's LP minimises) no less."""
    sc = scenario(4, HALF_SEPARATION)
    world = ree.simulate(tiny, sc, allocation="optimal", record="all")
    first = ree.simulate(tiny, sc, allocation="optimal", record="all", priority="JP")
    assert _jp_value(first) < _jp_value(world) - 1.0
    assert _world_value(first) >= _world_value(world) - 1e-6 * _world_value(world)
    assert world.provenance["objective"] == "world"
    assert first.provenance["objective"] == "country:JP"
    many = ree.simulate_many(tiny, [sc, sc], allocation="optimal", priority="JP", record="all")
    np.testing.assert_allclose(many[1].arrays["shortfall"], first.arrays["shortfall"])


def test_priority_needs_the_optimal_mode_and_a_known_country(tiny: Any) -> None:
    with pytest.raises(EngineError, match="only allocation='optimal'"):
        ree.simulate(tiny, scenario(2), priority="JP")
    with pytest.raises(EngineError, match="unknown country 'XX'"):
        ree.simulate(tiny, scenario(2), allocation="optimal", priority="XX")
