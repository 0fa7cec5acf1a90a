"""Transit and held orders (MODEL.md §3.3): hand-computed cases on a two-country chain.

The chain (tests/test_engine.py's ``chain``): AU:mining → AU:separation → JP:end_use:other,
120 t/yr (10 t/month) of NdPr, and a Chinese chain at capacity that cannot help; no stocks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import rareearth as ree
from rareearth.engine import simulate
from tests.engine_helpers import check_invariants, embargo, node_value, scenario
from tests.factory import PROV, tiny_tables, write_dataset


@pytest.fixture
def chain(tmp_path: Path) -> Any:
    tables = tiny_tables()
    tables["materials"] = tables["materials"][:1]
    tables["nodes"] = [
        {"node": n, "commodity": "NdPr", "capacity_tonnes_per_year": cap,
         "output_tonnes_per_year": 120, "yield": 1, **PROV}
        for n, cap in (("AU:mining", 120), ("CN:mining", 240), ("AU:separation", 120),
                       ("CN:separation", 120))
    ]
    tables["flows"] = [
        {"source": s, "target": t, "commodity": "NdPr", "tonnes_per_year": 120, **PROV}
        for s, t in (("AU:mining", "AU:separation"), ("CN:mining", "CN:separation"),
                     ("AU:separation", "JP:end_use:other"), ("CN:separation", "CN:end_use:other"))
    ]
    for optional in ("recipes", "stocks", "stockpiles"):
        del tables[optional]
    tables["demand"] = [
        {"node": n, "commodity": "NdPr", "demand_tonnes_per_year": 120,
         "value_usd_per_tonne": 1000, **PROV} for n in ("JP:end_use:other", "CN:end_use:other")
    ]
    return ree.load_network(write_dataset(tmp_path / "chain", tables))


#: demand held at its base (no price response), so the months can be computed by hand
FIXED = {"substitution_max_per_year": 0.0}


def _jp(res: Any, key: str = "received") -> np.ndarray:
    return node_value(res, key, "JP:end_use:other", "NdPr")


@pytest.mark.parametrize("allocation", ["proportional", "optimal"])
def test_empty_scenario_with_transit_reproduces_the_baseline(chain: Any, allocation: str) -> None:
    res = simulate(chain, scenario(6), allocation=allocation,
                   parameters={"transit_months": 1, "held_order_cancellation": 0.5})
    np.testing.assert_allclose(_jp(res), 10.0, rtol=1e-12)
    assert res.timeseries["shortfall"].abs().max() == 0.0
    flows = res.flows
    cross = flows[flows["target"] == "JP:end_use:other"]
    # the shipment of Dec 2024 (before the run) arrives in January; every shipment a month later
    assert str(cross["month"].min()) == "2024-12"
    assert ((cross["arrives"] - cross["month"]).map(lambda d: d.n) == 1).all()
    domestic = flows[flows["target"] == "CN:end_use:other"]
    assert (domestic["arrives"] == domestic["month"]).all()
    check_invariants(res)


def test_a_cut_reaches_the_importer_a_month_later(chain: Any) -> None:
    """Embargo Feb-Apr: AU ships nothing in Feb-Apr; Japan receives nothing in Mar-May."""
    sc = scenario(7, embargo("AU", ["JP"]))
    res = simulate(chain, sc, parameters={"transit_months": 1}, record="all")
    by_edge = _jp(res) - _jp(res, "rerouted_in")
    np.testing.assert_allclose(by_edge[:5], [10, 10, 0, 0, 0], atol=1e-9)
    assert by_edge[5] > 9.5  # May's shipment (Japan ordered a little less: rerouted stock)
    short = _jp(res, "shortfall")
    np.testing.assert_allclose(short[:3], [0, 0, 10], atol=1e-9)
    assert short[3] > 9.8  # China's mine ramps a little spare into rerouting
    # in May the pair is open again and AU's embargoed stock is rerouted to Japan: rerouted
    # deliveries arrive in the month they ship (docs/model.md)
    assert _jp(res, "rerouted_in")[4] > 0
    flows = res.flows
    edge = flows[(flows["target"] == "JP:end_use:other") & ~flows["rerouted"]]
    shipped = edge.set_index("month")["tonnes"].to_numpy()  # Dec 2024 (under way) … Jul
    np.testing.assert_allclose(shipped[:5], [10, 10, 0, 0, 0], atol=1e-9)
    assert shipped[5] > 9.5
    no_lag = simulate(chain, sc)  # the dataset states no transit: the same month
    np.testing.assert_allclose(_jp(no_lag)[:3], [10, 0, 0], atol=1e-9)
    assert _jp(no_lag)[4] > 9.5  # (demand is a little lower after the price rose)
    check_invariants(res)


def test_held_orders_ship_when_the_block_lifts(chain: Any) -> None:
    """Embargo Feb-Apr, half of what waits cancelled each month: held 10 (Feb), 5 + 10 (Mar),
    7.5 + 10 (Apr); in May 8.75 wait and ship with May's 10 t."""
    sc = scenario(6, embargo("AU", ["JP"]))
    got = {c: _jp(simulate(chain, sc, parameters={**FIXED, "held_order_cancellation": c}))
           for c in (1.0, 0.5, 0.0)}
    np.testing.assert_allclose(got[1.0], [10, 0, 0, 0, 10, 10], atol=1e-9)
    np.testing.assert_allclose(got[0.5][:5], [10, 0, 0, 0, 18.75], atol=1e-9)
    # nothing cancelled: 30 t wait, more than AU has (it produced less as its stock grew)
    assert got[0.0][4] > got[0.5][4]
    res = simulate(chain, sc, parameters={**FIXED, "held_order_cancellation": 0.0})
    au = node_value(res, "stock", "AU:separation", "NdPr")
    assert got[0.0][4] <= 10 + au[3] + 1e-9  # no more than May's output plus AU's inventory
    check_invariants(res)


def test_a_steady_block_releases_nothing_until_it_eases(chain: Any) -> None:
    """Licensing at half from Feb to Apr: 5 t a month pass and the rest waits; it ships in May."""
    sc = scenario(6, embargo("AU", ["JP"], severity=0.5))
    res = simulate(chain, sc, parameters={**FIXED, "held_order_cancellation": 0.0})
    got = _jp(res)
    np.testing.assert_allclose(got[1:4], 5.0, atol=1e-9)
    assert got[4] > 10.0 + 5.0
    check_invariants(res)


@pytest.mark.parametrize("allocation", ["proportional", "optimal"])
def test_both_modes_conserve_with_transit_and_held_orders(tiny: Any, allocation: str) -> None:
    sc = scenario(10, embargo("CN", ["JP"], severity=0.8, start="2025-02", end="2025-05"),
                  embargo("CN", "all", severity=0.3, start="2025-03", end="2025-07"))
    for lead in (0.5, 1.0, 2.0):
        res = simulate(tiny, sc, allocation=allocation, record="all",
                       parameters={"transit_months": lead, "held_order_cancellation": 0.25})
        check_invariants(res)


def test_a_batch_with_different_leads_matches_single_runs(tiny: Any) -> None:
    """Scenarios of a batch with their own transit leads (Monte Carlo draws them) give what each
    gives alone."""
    from rareearth.engine import simulate_many
    sc = scenario(8, embargo("CN", ["JP"], severity=0.7, start="2025-02", end="2025-04"))
    leads = [0.0, 0.4, 1.0, 1.6]
    params = [{"transit_months": lead, "held_order_cancellation": 0.3} for lead in leads]
    batch = simulate_many(tiny, [sc] * len(leads), parameters=params, record="all")
    for res, p in zip(batch, params, strict=True):
        alone = simulate(tiny, sc, parameters=p, record="all")
        np.testing.assert_allclose(res.arrays["received"], alone.arrays["received"], atol=1e-9)
        check_invariants(res)
