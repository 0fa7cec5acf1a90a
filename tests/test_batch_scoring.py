"""Monte Carlo's batched paths give each draw the numbers of the one-run paths, exactly."""

from __future__ import annotations

import numpy as np

import rareearth as ree
from rareearth.economics import loss_metrics, loss_metrics_many
from rareearth.engine import simulate_many
from rareearth.montecarlo import _flat, _flat_parts, score_record
from rareearth.scenario import DemandShock, ExportRestriction, event_intensities
from rareearth.scoring import _score_parts, score_result


def test_event_intensities_are_each_events_own_by_hand() -> None:
    cut = ExportRestriction(exporter="CN", targets=["JP"], severity=1,
                            start="2010-09-21", end="2010-11-20")
    ramp = DemandShock(country="JP", sector="automotive", factor=0.5,
                       start="2010-09", end="2011-02", ramp_in_months=2)
    rows = event_intensities([cut, ramp], "2010-09", 4)
    # September: its last 10 of 30 days; October whole; November its first 20 of 30 days
    assert np.allclose(rows[0], [10 / 30, 1.0, 20 / 30, 0.0])
    # a ramp over two months from 1 September: month means 1/4 and 3/4, then full
    assert np.allclose(rows[1], [0.25, 0.75, 1.0, 1.0])
    for event, row in zip([cut, ramp], rows, strict=True):
        assert np.array_equal(event.intensity("2010-09", 4), row)
    assert event_intensities([], "2010-09", 4).shape == (0, 4)


def _runs() -> tuple[ree.SupplyNetwork, list[ree.SimulationResult]]:
    net = ree.examples.tiny()
    sc = ree.examples.embargo()
    scenarios = [sc.scaled(severity=s, duration=d) for s, d in ((1.0, 1.0), (0.4, 1.7), (1.0, 0.5))]
    return net, simulate_many(net, scenarios, **score_record(net))


def test_batched_losses_equal_one_run_losses() -> None:
    _, runs = _runs()
    draws = [None, {"inventory_weeks_quantile": 0.9, "gdp_per_output_quantile": 0.1}, {}]
    batched = loss_metrics_many(runs, ["JP", "CN"], draws)
    for run, d, got in zip(runs, draws, batched, strict=True):
        for country in ("JP", "CN"):
            assert got[country] == loss_metrics(run, country, draws=d)
    # the effect is there: the full six-month embargo stops 21,007 cars (loss_metrics' example),
    # one half as long fewer, a 40% cut that the component inventory bridges none
    assert round(batched[0]["JP"]["units_lost"]) == 21007
    assert 0 < batched[2]["JP"]["units_lost"] < batched[0]["JP"]["units_lost"]
    assert batched[1]["JP"]["units_lost"] == 0.0


def test_score_rows_without_the_full_score_are_its_values() -> None:
    net, runs = _runs()
    for run in runs:
        points, metrics, full = _score_parts(net, run, "JP")
        assert _flat_parts(points, metrics) == _flat(score_result(net, run, "JP"))
        assert full() == score_result(net, run, "JP")
