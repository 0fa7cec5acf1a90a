"""Monte Carlo's draws built as arrays equal the one-draw path field for field, and the scaled
ends are those computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from rareearth.errors import ScenarioError
from rareearth.event_draws import scaled_events_many
from rareearth.montecarlo import _draw_inputs, draw_parameters
from rareearth.network import SupplyNetwork, load_network
from rareearth.scenario import load_scenario
from rareearth.scenario_events import (
    CapacityShock,
    DemandShock,
    ExportQuota,
    ExportRestriction,
)


@pytest.fixture(scope="module")
def world_2024() -> SupplyNetwork:
    return load_network("world-2024")


def test_scaled_ends_and_strengths_by_hand() -> None:
    # 2025-01-01…2025-03-31 is 3 months of month time; × 1.5 = 4.5 months: mid-May, day
    # round(0.5 × 31) = 16 (15.5, half to even): 15 days after 2025-05-01
    shock = DemandShock(country="JP", sector="all", factor=0.6, start="2025-01",
                        end="2025-03", ramp_in_months=1)
    quota = ExportQuota(exporter="CN", tonnes_per_year=1200, start="2025-01", end="2025-03")
    (d1, q1), (d2, q2) = scaled_events_many([shock, quota], np.array([2.0, 0.5]),
                                            np.array([1.5, 1.0]))
    assert (d1.end, d1.ramp_in_months, d1.factor) == ("2025-05-16", 1.5, pytest.approx(0.2))
    assert (d2.end, d2.factor) == ("2025-03-31", 0.8)
    assert (q1.tonnes_per_year, q2.tonnes_per_year) == (600.0, 2400.0)
    # a profile is cut by the severity (capped at 1) and stretched over the new months
    cut = ExportRestriction(exporter="CN", severity=0.5, start="2025-01", end="2025-02",
                            profile={"2025-01": 1.0, "2025-02": 0.4})
    ((stretched,),) = scaled_events_many([cut], np.array([3.0]), np.array([2.0]))
    assert stretched.severity == 1.0
    assert stretched.profile == {"2025-01": 1.0, "2025-02": 1.0, "2025-03": 0.6, "2025-04": 0.6}


@pytest.mark.parametrize("name", ["china-2025-heavy", "china-2025-october", "china-2010",
                                  "myanmar-outage", "japan-embargo"])
def test_batch_draws_equal_scaled(name: str, world_2024: SupplyNetwork) -> None:
    sc = load_scenario(name)
    draws = draw_parameters(world_2024, sc, 300, seed=3)
    scenarios, parameters = _draw_inputs(world_2024, sc, draws)
    for row, got, p in zip(draws.itertuples(index=False), scenarios, parameters, strict=True):
        want = sc.scaled(severity=row.severity_scale, duration=row.duration_scale)
        assert [e.model_dump() for e in got.events] == [e.model_dump() for e in want.events]
        assert [type(e) for e in got.events] == [type(e) for e in want.events]
        assert (got.start, got.months, got.name) == (want.start, want.months, want.name)
        assert p["elasticity_scale"] == row.elasticity_scale
    assert scenarios[0].to_dict()["draw"] == {
        "severity_scale": draws["severity_scale"].iloc[0],
        "duration_scale": draws["duration_scale"].iloc[0]}


def test_a_capacity_shock_scales_its_cut_never_below_zero() -> None:
    shock = CapacityShock(country="MM", factor=0.5, start="2025-01", end="2025-06")
    got = [e.factor for (e,) in scaled_events_many([shock], np.array([0.5, 2.5]), np.ones(2))]
    assert got == [0.75, 0.0]


def test_bad_scales_are_refused(world_2024: SupplyNetwork) -> None:
    sc = load_scenario("myanmar-outage")
    draws = draw_parameters(world_2024, sc, 2)
    draws["duration_scale"] = [1.0, 0.0]
    with pytest.raises(ScenarioError, match="duration must be a number > 0"):
        _draw_inputs(world_2024, sc, draws)
