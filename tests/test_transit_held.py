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


def _chain_tables() -> dict[str, Any]:
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
    return tables


@pytest.fixture
def chain(tmp_path: Path) -> Any:
    return ree.load_network(write_dataset(tmp_path / "chain", _chain_tables()))


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
    # in May the pair is open again: May's shipment from AU is full, so Japan reroutes
    # nothing for the gap it still has on arrival (its pipeline refills it in June, when a
    # rerouted cross-border delivery would land too: docs/model.md)
    np.testing.assert_allclose(_jp(res, "rerouted_in"), 0.0, atol=1e-12)
    assert not res.flows["rerouted"].any()
    flows = res.flows
    edge = flows[(flows["target"] == "JP:end_use:other") & ~flows["rerouted"]]
    shipped = edge.set_index("month")["tonnes"].to_numpy()  # Dec 2024 (under way) … Jul
    np.testing.assert_allclose(shipped[:5], [10, 10, 0, 0, 0], atol=1e-9)
    assert shipped[5] > 9.5
    no_lag = simulate(chain, sc)  # the dataset states no transit: the same month
    np.testing.assert_allclose(_jp(no_lag)[:3], [10, 0, 0], atol=1e-9)
    assert _jp(no_lag)[4] > 9.5  # (demand is a little lower after the price rose)
    check_invariants(res)


def _stocked(folder: Path, node: str, stock: float, target: float) -> Any:
    """The chain with ``stock`` t of NdPr at ``node`` (its stock target ``target``)."""
    tables = _chain_tables()
    tables["stocks"] = [{"node": node, "commodity": "NdPr", "stock_tonnes": stock,
                         "target_tonnes": target, **PROV}]
    return ree.load_network(write_dataset(folder, tables))


@pytest.fixture
def spare_chain(tmp_path: Path) -> Any:
    """The chain with 25 t of NdPr in stock at CN:separation (target 0): spare for rerouting."""
    return _stocked(tmp_path / "spare", "CN:separation", 25, 0)


def test_a_rerouted_delivery_across_a_border_arrives_a_lead_later(spare_chain: Any) -> None:
    """AU→JP embargoed Feb-Apr; China's spare stock is rerouted to Japan (from March: the new
    link's lead time). With no transit it arrives the month it ships; with a one-month lead
    the same tonnes ship in the same months and arrive a month later; with half a month, half
    arrives at once and half the month after."""
    sc = scenario(7, embargo("AU", ["JP"]))
    runs = {lead: simulate(spare_chain, sc, record="all",
                           parameters={**FIXED, "transit_months": lead})
            for lead in (0.0, 0.5, 1.0)}
    sent = {lead: node_value(r, "rerouted_out", "CN:separation", "NdPr")
            for lead, r in runs.items()}
    np.testing.assert_allclose(sent[1.0], sent[0.0], atol=1e-9)  # shipped alike
    np.testing.assert_allclose(sent[0.5], sent[0.0], atol=1e-9)
    rr0 = _jp(runs[0.0], "rerouted_in")
    assert rr0[2] > 1.0 and rr0[3] > 1.0 and rr0[4] == 0.0  # Mar, Apr; none in May
    np.testing.assert_allclose(rr0, sent[0.0], atol=1e-9)  # no lead: received as sent
    rr1 = _jp(runs[1.0], "rerouted_in")
    np.testing.assert_allclose(rr1[1:], rr0[:-1], atol=1e-9)  # one month later
    np.testing.assert_allclose(_jp(runs[0.5], "rerouted_in")[1:],
                               0.5 * rr0[1:] + 0.5 * rr0[:-1], atol=1e-9)
    # Japan's shortfall is the no-lead one a month later (the embargo too reaches it later)
    np.testing.assert_allclose(_jp(runs[1.0], "shortfall")[1:6], _jp(runs[0.0], "shortfall")[:5],
                               atol=1e-9)
    flows = runs[1.0].flows
    moved = flows[flows["rerouted"]]
    assert len(moved) == 2 and (moved["tonnes"] > 1.0).all()
    assert ((moved["arrives"] - moved["month"]).map(lambda d: d.n) == 1).all()
    moved0 = runs[0.0].flows.query("rerouted")
    assert len(moved0) == 2 and (moved0["arrives"] == moved0["month"]).all()
    for res in runs.values():
        check_invariants(res)  # the balance holds with goods under way


def test_a_supplier_at_home_fills_the_gap_on_arrival_at_once(tmp_path: Path) -> None:
    """Japan's end use buys 10 t/month from AU (abroad) and 10 t/month from JP:separation
    (at home, 25 t in stock, target 0). AU→JP embargoed Feb-Apr with a one-month lead: in
    February the pipeline still delivers January's shipment, so nothing is rerouted; in March
    AU's missing 10 t are filled at once from the Japanese stock (a domestic delivery has no
    transit); with no transit the same happens a month earlier."""
    tables = _chain_tables()
    tables["nodes"] = [
        {"node": n, "commodity": "NdPr", "capacity_tonnes_per_year": 120,
         "output_tonnes_per_year": 120, "yield": 1, **PROV}
        for n in ("AU:mining", "JP:mining", "AU:separation", "JP:separation")
    ]
    tables["flows"] = [
        {"source": s, "target": t, "commodity": "NdPr", "tonnes_per_year": 120, **PROV}
        for s, t in (("AU:mining", "AU:separation"), ("JP:mining", "JP:separation"),
                     ("AU:separation", "JP:end_use:other"), ("JP:separation", "JP:end_use:other"))
    ]
    tables["stocks"] = [{"node": "JP:separation", "commodity": "NdPr", "stock_tonnes": 25,
                         "target_tonnes": 0, **PROV}]
    tables["demand"] = [{"node": "JP:end_use:other", "commodity": "NdPr",
                         "demand_tonnes_per_year": 240, "value_usd_per_tonne": 1000, **PROV}]
    net = ree.load_network(write_dataset(tmp_path / "home", tables))
    sc = scenario(6, embargo("AU", ["JP"]))
    for lead, month in ((1.0, 2), (0.0, 1)):
        res = simulate(net, sc, record="all", parameters={**FIXED, "transit_months": lead})
        got = _jp(res, "rerouted_in")
        assert got[:month].sum() == 0.0
        assert got[month] == pytest.approx(10.0)  # AU's month, from the Japanese stock at once
        np.testing.assert_allclose(got, node_value(res, "rerouted_out", "JP:separation", "NdPr"),
                                   atol=1e-9)
        moved = res.flows[res.flows["rerouted"]]
        assert (moved["source"] == "JP:separation").all()
        assert (moved["arrives"] == moved["month"]).all()
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


def test_an_approval_path_holds_no_orders(chain: Any) -> None:
    """A restriction with a monthly profile is an approval path: its share is what ships that
    month, licences from the queue included. Profile Feb 1, Mar 0.5, Apr 0.5 with nothing
    cancelled: Japan gets 0, 5, 5 t and in May its 10 t, nothing more (the same cut as a
    trapezoid releases what it held, above)."""
    path = {**embargo("AU", ["JP"]), "profile": {"2025-02": 1.0, "2025-03": 0.5, "2025-04": 0.5}}
    res = simulate(chain, scenario(6, path),
                   parameters={**FIXED, "held_order_cancellation": 0.0})
    np.testing.assert_allclose(_jp(res), [10, 0, 5, 5, 10, 10], atol=1e-9)
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


def test_a_hold_lifted_mid_month_releases_its_queue_that_month(chain: Any) -> None:
    """Embargo 1 Feb - 15 Mar 2025, half of what waits cancelled each month. February: 10 t
    held. March: the 5 t left after cancellation are released (the edge is open when March
    closes: ρ = 1), and the 15/31 of March's order blocked before the 15th ship after it
    (σ = 1): 10 × 16/31 + 5 + 10 × 15/31 = 15 t (5 t of it from AU's stock). April: nothing
    waits (the rule before this one released 16/31 of the queue in March and the rest in April)."""
    sc = scenario(6, embargo("AU", ["JP"], end="2025-03-15"))
    res = simulate(chain, sc, parameters={**FIXED, "held_order_cancellation": 0.5})
    got = _jp(res)
    np.testing.assert_allclose(got[:3], [10, 0, 15], atol=1e-9)
    assert (got[3:] <= 10 + 1e-9).all()  # no more than the month's order: nothing left waiting
    check_invariants(res)


def test_a_hold_begun_mid_month_queues_what_it_blocks(chain: Any) -> None:
    """Embargo 15 Feb - 31 Mar 2025 (February has 28 days: half of it blocked), half of what
    waits cancelled each month. February: 5 t ship, 5 t wait (the edge is closed when
    February closes: σ = 0). March: 2.5 t left, 10 t more held. April: 6.25 t left, all
    released with April's 10 t."""
    sc = scenario(6, embargo("AU", ["JP"], start="2025-02-15", end="2025-03"))
    res = simulate(chain, sc, parameters={**FIXED, "held_order_cancellation": 0.5})
    np.testing.assert_allclose(_jp(res)[:4], [10, 5, 0, 16.25], atol=1e-9)
    check_invariants(res)


@pytest.fixture
def stocked_chain(tmp_path: Path) -> Any:
    """The chain with 20 t of NdPr in stock at AU:separation (its target): supply never binds."""
    return _stocked(tmp_path / "stocked", "AU:separation", 20, 20)


def test_a_ramp_out_releases_by_the_level_at_the_month_end(stocked_chain: Any) -> None:
    """A block of a fifth from February to the end of April, easing linearly over April
    (ramp-out of one month), nothing cancelled. February and March: 8 t pass, 2 t wait each
    month. April: mean keep k = 1 - 0.2 × 0.5 = 0.9, month-end keep k_end = 1 - 0.2 × 0.5/30
    (the mid-day of 30 April, the ramp's last half day): ρ = (k_end - 0.8)/0.2 of the 4 t queue
    and σ = (k_end - k)/(1 - k) of April's 1 t blocked ship in April."""
    event = {**embargo("AU", ["JP"], severity=0.2), "ramp_out_months": 1.0}
    res = simulate(stocked_chain, scenario(6, event),
                   parameters={**FIXED, "held_order_cancellation": 0.0})
    got = _jp(res)
    np.testing.assert_allclose(got[1:3], 8.0, atol=1e-9)
    k = 1 - 0.2 * np.mean([(30 - d + 0.5) / 30 for d in range(1, 31)])
    k_end = 1 - 0.2 * (0.5 / 30)
    rho, sigma = (k_end - 0.8) / 0.2, (k_end - k) / (1 - k)
    np.testing.assert_allclose(got[3], 10 * k + rho * 4 + sigma * (1 - k) * 10, atol=1e-9)
    check_invariants(res)


def test_an_easing_in_a_month_without_orders_is_released_later(stocked_chain: Any) -> None:
    """Two licensing cuts of half each from February (one to the end of March, one to the end
    of May), nothing cancelled, and no Japanese demand in April. February and March: keep
    0.25, 2.5 t ship and 7.5 t wait each month (15 t). April: the block eases to 0.5 at the
    month's end, but nothing is ordered, so nothing is released and the queue keeps its
    reference. May (keep 0.5, steady): ρ = (0.5 - 0.25) / 0.75 = 1/3 of the 15 t ship with
    May's 5 t: 10 t."""
    half_to_march = embargo("AU", ["JP"], severity=0.5, end="2025-03")
    half_to_may = embargo("AU", ["JP"], severity=0.5, end="2025-05")
    no_demand = {"type": "demand_shock", "country": "JP", "sector": "all", "factor": 0.0,
                 "start": "2025-04", "end": "2025-04"}
    res = simulate(stocked_chain, scenario(7, half_to_march, half_to_may, no_demand),
                   parameters={**FIXED, "held_order_cancellation": 0.0})
    np.testing.assert_allclose(_jp(res)[:5], [10, 2.5, 2.5, 0, 10], atol=1e-9)
    check_invariants(res)
