"""What each cooperation measure does to the engine's physical result, computed by hand on the
tiny network (tests/factory.py), in both timings.

The tiny network in brief (t/yr): JP:magnet makes 200 t of magnets from 60 t NdPr and 4 t DyTb
(coefficients 0.3 and 0.02), holds 1 t of DyTb (its target); Japan's national stockpile holds
0.5 t DyTb (released above 10 % shortfall, 0.25 t/month). CN is the only DyTb source. Japan uses
300 t of magnets (automotive 250, electronics 50); CN:end_use:other uses 5 t of NdPr directly.
"""

from __future__ import annotations

from pathlib import Path
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
from tests.engine_helpers import check_invariants, embargo, node_value, scenario
from tests.factory import tiny_tables, write_dataset


def _option(*measures: Any, lead: float = 0, country: str = "JP") -> Option:
    return Option(name="t", title="t", country=country, cost_usd=1, lead_time_months=lead,
                  measures=list(measures))


def _yearly(res: Any, key: str, node: str, commodity: str) -> np.ndarray:
    return node_value(res, key, node, commodity) * 12


def _same_months(a: Any, b: Any, months: slice) -> None:
    """Every recorded array of two runs equal over ``months``."""
    for key, arr in a.arrays.items():
        np.testing.assert_array_equal(arr[months], b.arrays[key][months], err_msg=key)


#: no demand response to prices (demand stays at base × levers): for cases that move demand
FIXED = {"substitution_max_per_year": 0.0}
DYTB_EMBARGO = embargo(commodities=["DyTb"], start="2025-01", end="2026-12")


# ---------------------------------------------------------------------------- substitution


def test_substitution_in_magnets_lowers_the_makers_coefficient(tiny: Any) -> None:
    """JP:magnet ships 150 of its 200 t/yr to Japan's automotive end use: a 60 % cut of that
    sector's DyTb redesigns 150/200 of the maker's output, so its DyTb coefficient falls by
    0.6 × 0.75 = 45 %, 0.02 → 0.011 t/t (its exports and other sectors keep the recipe). In a
    calm month JP:magnet still makes 200 t/yr but needs 2.2 t/yr of DyTb, JP:metal makes 2.2
    instead of 4 and CN:separation 7.2 instead of 9."""
    sub = Substitution(country="JP", sector="automotive", commodity="DyTb", intensity_cut=0.6)
    res = ree.simulate(tiny, scenario(3), [_option(sub)], record="all")
    np.testing.assert_allclose(_yearly(res, "demand", "JP:magnet", "DyTb"), 2.2)
    np.testing.assert_allclose(_yearly(res, "produced", "JP:magnet", "magnet"), 200.0)
    np.testing.assert_allclose(_yearly(res, "produced", "JP:metal", "DyTb"), 2.2)
    np.testing.assert_allclose(_yearly(res, "produced", "CN:separation", "DyTb"), 7.2)
    check_invariants(res)


def test_substitution_in_magnets_makes_the_same_dytb_last_twice_as_long(tiny: Any) -> None:
    """Under a two-year DyTb embargo on Japan, JP:magnet has only its 1 t stock and the 0.5 t
    stockpile: 1.5 / 0.02 = 75 t of magnets without the substitution, 1.5 / 0.011 = 136.4 t
    with it; Japan's shortfall falls."""
    sc = scenario(24, DYTB_EMBARGO)
    sub = Substitution(country="JP", sector="automotive", commodity="DyTb", intensity_cut=0.6)
    base = ree.simulate(tiny, sc, record="all")
    helped = ree.simulate(tiny, sc, [_option(sub)], record="all")
    for res, magnets in ((base, 75.0), (helped, 1.5 / 0.011)):
        assert node_value(res, "used", "JP:magnet", "DyTb").sum() == pytest.approx(1.5)
        assert node_value(res, "produced", "JP:magnet", "magnet").sum() == pytest.approx(magnets)
        check_invariants(res)
    jp = tiny.compile().country_index["JP"]
    short = [r.arrays["country_shortfall"][:, jp].sum() for r in (base, helped)]
    assert short[1] < short[0]


def test_substitution_in_magnets_from_start_waits_and_ramps(tiny: Any) -> None:
    """Lead 2 months, adoption over 2 months: the coefficient is 0.02 in months 0–1, then the
    month means of the ramp (0.02 × (1 − 0.45 × 0.25), × (1 − 0.45 × 0.75)), then 0.011."""
    sub = Substitution(country="JP", sector="automotive", commodity="DyTb", intensity_cut=0.6,
                       adoption_months=2)
    res = ree.simulate(tiny, scenario(6), [_option(sub, lead=2)], record="all",
                       timing="from_start")
    need = _yearly(res, "demand", "JP:magnet", "DyTb")
    np.testing.assert_allclose(need, [4, 4, 4 * (1 - 0.45 * 0.25), 4 * (1 - 0.45 * 0.75), 2.2, 2.2])
    in_place = ree.simulate(tiny, scenario(6), [_option(sub, lead=2)], record="all")
    np.testing.assert_allclose(_yearly(in_place, "demand", "JP:magnet", "DyTb"), 2.2)


def test_direct_substitution_on_named_end_users(tmp_path: Path) -> None:
    """CN:end_use:other is a named end user (CN:end_use:other-plant): a 40 % cut of its NdPr
    leaves 3 of its 5 t/yr, and CN:separation ships 3 to it."""
    tables = tiny_tables()
    for row in tables["flows"] + tables["demand"]:
        for col in ("target", "node"):
            if row.get(col) == "CN:end_use:other":
                row[col] = "CN:end_use:other-plant"
    net = ree.load_network(write_dataset(tmp_path / "named", tables))
    sub = Substitution(country="CN", sector="other", commodity="NdPr", intensity_cut=0.4)
    res = ree.simulate(net, scenario(3), [_option(sub, country="CN")], record="all")
    np.testing.assert_allclose(_yearly(res, "demand", "CN:end_use:other-plant", "NdPr"), 3.0)
    np.testing.assert_allclose(_yearly(res, "received", "CN:end_use:other-plant", "NdPr"), 3.0)
    check_invariants(res)
    later = ree.simulate(net, scenario(3), [_option(sub, lead=1, country="CN")], record="all",
                         timing="from_start")
    np.testing.assert_allclose(_yearly(later, "demand", "CN:end_use:other-plant", "NdPr"),
                               [5, 3, 3])


# ---------------------------------------------------------------------------- recycling


@pytest.mark.parametrize("timing", ["in_place", "from_start"])
def test_recycling_recovers_only_its_commodities(tiny: Any, timing: str) -> None:
    """China recycles 20 % more: listed NdPr only, its 5 t/yr direct NdPr use gets 1 t/yr
    back (CN:separation ships 4), and its magnets are untouched (NdPr alone makes no magnet);
    listed NdPr and DyTb (every magnet material), magnets too: CN:magnet ships 120 of CN
    automotive's 150. From start with a 1-month lead, month 0 is as without the option (and
    recycling, a share of last month's consumption, follows)."""
    rate = tiny.parameters["recycling_rate"] + 0.2
    base = ree.simulate(tiny, scenario(3), record="all")
    runs = {}
    for name, coms in (("ndpr", ["NdPr"]), ("both", ["NdPr", "DyTb"]), ("dytb", ["DyTb"])):
        rec = Recycling(country="CN", rate=rate, commodities=coms)
        runs[name] = ree.simulate(tiny, scenario(3), [_option(rec, lead=1, country="CN")],
                                  record="all", timing=timing)
        check_invariants(runs[name])
    later = slice(1, None) if timing == "from_start" else slice(None)
    other = _yearly(runs["ndpr"], "received", "CN:end_use:other", "NdPr")
    edge = runs["ndpr"].flows.query("source == 'CN:separation' and target == 'CN:end_use:other'")
    np.testing.assert_allclose(edge.tonnes.to_numpy()[later] * 12, 4.0)
    np.testing.assert_allclose(other, 5.0)  # 4 shipped + 1 recycled
    auto = ("received", "CN:end_use:automotive", "magnet")
    np.testing.assert_allclose(_yearly(runs["ndpr"], *auto), _yearly(base, *auto))
    flows = runs["both"].flows.query("source == 'CN:magnet' and target == 'CN:end_use:automotive'")
    np.testing.assert_allclose(flows.tonnes.to_numpy()[later] * 12, 120.0)
    _same_months(runs["dytb"], base, slice(None))  # China uses no DyTb at end use
    if timing == "from_start":
        for run in runs.values():
            _same_months(run, base, slice(0, 1))


# ---------------------------------------------------------------------------- stockpile


def test_stockpile_from_start_arrives_at_the_end_of_its_lead(tiny: Any) -> None:
    """2 t of DyTb added to Japan's 0.5 t: in place, 2.5 t at the start; from start with a
    3-month lead, months 0–2 run exactly as without it and the 2 t arrive in month 3. Under a
    DyTb embargo JP:magnet makes (1 + 2.5) / 0.02 = 175 t of magnets in both timings over two
    years, but from start the first months are shorter."""
    sc = scenario(24, DYTB_EMBARGO)
    pile = Stockpile(country="JP", commodities=["DyTb"], tonnes=2)
    base = ree.simulate(tiny, sc, record="all")
    now = ree.simulate(tiny, sc, [_option(pile, lead=3)], record="all")
    later = ree.simulate(tiny, sc, [_option(pile, lead=3)], record="all", timing="from_start")
    _same_months(later, base, slice(0, 3))
    jp, dy = tiny.compile().country_index["JP"], tiny.compile().commodity_index["DyTb"]
    stock = later.arrays["stockpile"][:, jp, dy]
    released = later.arrays["released"][3].sum()
    assert stock[3] == pytest.approx(stock[2] + 2.0 - released)
    for res in (now, later):
        assert node_value(res, "produced", "JP:magnet", "magnet").sum() == pytest.approx(175.0)
        check_invariants(res)
    assert now.arrays["stockpile"][0, jp, dy] > 2.0


def test_builtin_stockpile_from_start_changes_nothing_in_its_first_12_months() -> None:
    net = ree.load_network("world-2024")
    sc = ree.load_scenario("japan-embargo")
    base = ree.simulate(net, sc, record="all")
    opt = ree.load_option("stockpile-180d")
    assert opt.lead_time_months == 12
    later = ree.simulate(net, sc, [opt], record="all", timing="from_start")
    _same_months(later, base, slice(0, 12))


# ---------------------------------------------------------------------------- capacity


def test_add_capacity_follows_the_measure_profile(tiny: Any) -> None:
    """24 t/yr at AU:mining over a 2-month ramp after a 1-month lead: month means 0, 1/4, 3/4,
    1 → capacity 60, 66, 78, 84 t/yr; the mine runs its baseline 40 plus all the new capacity.
    In place: 84 and 64 from month 0."""
    cap = AddCapacity(node="AU:mining", commodity="NdPr", tonnes_per_year=24, ramp_months=2)
    later = ree.simulate(tiny, scenario(4), [_option(cap, lead=1)], record="all",
                         timing="from_start")
    np.testing.assert_allclose(_yearly(later, "capacity", "AU:mining", "NdPr"), [60, 66, 78, 84])
    np.testing.assert_allclose(_yearly(later, "produced", "AU:mining", "NdPr"), [40, 46, 58, 64])
    now = ree.simulate(tiny, scenario(4), [_option(cap, lead=1)], record="all")
    np.testing.assert_allclose(_yearly(now, "capacity", "AU:mining", "NdPr"), 84)
    np.testing.assert_allclose(_yearly(now, "produced", "AU:mining", "NdPr"), 64)
    check_invariants(later)
    check_invariants(now)


# ---------------------------------------------------------------------------- relocation


def test_relocate_moves_demand_from_its_start(tiny: Any) -> None:
    """20 % of Japan's 250 t/yr automotive demand moves to China (which has the sector) after
    a 2-month lead, at once: JP 250 → 200, CN 150 → 200; in place from month 0. (China's mines
    then fall a little short of NdPr, which would raise prices and cut demand: demand response
    is switched off here.)"""
    rel = Relocate(from_country="JP", to_country="CN", sector="automotive", share=0.2)
    later = ree.simulate(tiny, scenario(4), [_option(rel, lead=2)], record="all", parameters=FIXED,
                         timing="from_start")
    np.testing.assert_allclose(_yearly(later, "demand", "JP:end_use:automotive", "magnet"),
                               [250, 250, 200, 200])
    np.testing.assert_allclose(_yearly(later, "demand", "CN:end_use:automotive", "magnet"),
                               [150, 150, 200, 200])
    now = ree.simulate(tiny, scenario(4), [_option(rel, lead=2)], record="all", parameters=FIXED)
    np.testing.assert_allclose(_yearly(now, "demand", "JP:end_use:automotive", "magnet"), 200)
    np.testing.assert_allclose(_yearly(now, "demand", "CN:end_use:automotive", "magnet"), 200)
    check_invariants(later)


def test_relocate_to_a_new_end_use_creates_the_node(tiny: Any) -> None:
    """AU has no automotive end use: the relocation creates AU:end_use:automotive with 50 t/yr
    (20 % of 250), which has no baseline supplier and buys through rerouting."""
    rel = Relocate(from_country="JP", to_country="AU", sector="automotive", share=0.2)
    res = ree.simulate(tiny, scenario(4), [_option(rel)], record="all", parameters=FIXED)
    np.testing.assert_allclose(_yearly(res, "demand", "AU:end_use:automotive", "magnet"), 50)
    np.testing.assert_allclose(_yearly(res, "demand", "JP:end_use:automotive", "magnet"), 200)
    assert node_value(res, "received", "AU:end_use:automotive", "magnet")[-1] > 0
    check_invariants(res)


# ---------------------------------------------------------------------------- offtake

#: CN:separation at half capacity (60 of its 100 t/yr NdPr orders): JP:metal orders 20 of it
HALF_SEPARATION = {"type": "capacity_shock", "node": "CN:separation", "commodities": ["NdPr"],
                   "factor": 0.5, "start": "2025-01", "end": "2025-12"}


def _to_jp_metal(res: Any) -> np.ndarray:
    f = res.flows
    edge = f[(f.source == "CN:separation") & (f.target == "JP:metal") & (f.commodity == "NdPr")
             & ~f.rerouted]
    return edge.tonnes.to_numpy() * 12


def test_offtake_proportional_reserved_share_first_from_its_start(tiny: Any) -> None:
    """CN:separation makes 60 t/yr against orders of 100 (CN:metal 75, JP:metal 20, CN other
    5). Without an offtake JP:metal gets 20 × 0.6 = 12. With 30 % reserved for Japan: 18 first,
    then its remaining 2 t shares the other 42 pro rata: 18 + 2 × 42 / 82. From start with a
    2-month lead: months 0–1 exactly as without it, then at least the reserved 18."""
    off = Offtake(supplier="CN:separation", partner="JP", commodity="NdPr", share=0.3)
    sc = scenario(4, HALF_SEPARATION)
    base = ree.simulate(tiny, sc, record="all")
    now = ree.simulate(tiny, sc, [_option(off, lead=2)], record="all")
    later = ree.simulate(tiny, sc, [_option(off, lead=2)], record="all", timing="from_start")
    assert _to_jp_metal(base)[0] == pytest.approx(12.0)
    assert _to_jp_metal(now)[0] == pytest.approx(18 + 2 * 42 / 82)
    _same_months(later, base, slice(0, 2))
    assert (_to_jp_metal(later)[2:] > 18.0).all()
    np.testing.assert_allclose(_to_jp_metal(later)[2:], _to_jp_metal(now)[2:])
    for res in (now, later):
        check_invariants(res)


def test_offtake_optimal_reserves_the_share_for_the_partner(tiny: Any) -> None:
    """The LP left alone gives JP:metal 5 t/yr of the 60 in month 0 and none after (China's
    own magnets are worth as much and it keeps its metal plant supplied); with 30 % reserved for
    Japan it gives at least min(0.3 × 60, 20) = 18 from the offtake's start."""
    off = Offtake(supplier="CN:separation", partner="JP", commodity="NdPr", share=0.3)
    sc = scenario(4, HALF_SEPARATION)
    base = ree.simulate(tiny, sc, record="all", allocation="optimal")
    now = ree.simulate(tiny, sc, [_option(off, lead=2)], record="all", allocation="optimal")
    later = ree.simulate(tiny, sc, [_option(off, lead=2)], record="all", allocation="optimal",
                         timing="from_start")
    assert _to_jp_metal(base)[1:].max() < 18.0 - 1e-6
    assert (_to_jp_metal(now) >= 18.0 - 1e-6).all()
    np.testing.assert_allclose(_to_jp_metal(later)[:2], _to_jp_metal(base)[:2])
    assert (_to_jp_metal(later)[2:] >= 18.0 - 1e-6).all()
    for res in (now, later):
        check_invariants(res, tol=1e-6)


def test_offtake_of_new_capacity_reaches_a_partner_without_a_baseline_link(tiny: Any) -> None:
    """Australia adds 20 t/yr of NdPr mining and separation and reserves 25 % of its
    separation output for China, which it has never supplied. CN:separation at half capacity
    leaves CN:metal 30 t/yr short (45 of 75) and CN:end_use:other 2 (3 of 5). AU:separation
    makes 60 and ships its baseline 40 to JP:metal; of the 20 left, the reserved 0.25 × 60 = 15
    go to China's buyers at once (no lead time: the contract is the link), in proportion to
    what they miss: 15 × 30/32 to CN:metal. Without the offtake China waits for the new link
    (2 months' lead time): nothing in month 0. The optimal LP gives China at least 15 too."""
    caps = [AddCapacity(node="AU:mining", commodity="NdPr", tonnes_per_year=20),
            AddCapacity(node="AU:separation", commodity="NdPr", tonnes_per_year=20)]
    off = Offtake(supplier="AU:separation", partner="CN", commodity="NdPr", share=0.25)
    sc = scenario(3, HALF_SEPARATION)
    key = ("rerouted_in", "CN:metal", "NdPr")
    for allocation in ("proportional", "optimal"):
        without = ree.simulate(tiny, sc, [_option(*caps, country="CN")], record="all",
                               allocation=allocation)
        with_ = ree.simulate(tiny, sc, [_option(*caps, off, country="CN")], record="all",
                             allocation=allocation)
        assert node_value(without, *key)[0] == 0.0
        to_china = (node_value(with_, *key)[0]
                    + node_value(with_, "rerouted_in", "CN:end_use:other", "NdPr")[0]) * 12
        assert to_china == pytest.approx(15.0, rel=1e-6)
        if allocation == "proportional":
            assert node_value(with_, *key)[0] * 12 == pytest.approx(15 * 30 / 32)
            sold = with_.flows.query("source == 'AU:separation' and rerouted")
            assert sold.tonnes.to_numpy()[:2].sum() * 12 == pytest.approx(15.0)
        check_invariants(with_, tol=1e-6)


def test_relocation_with_a_supplier_is_served_before_the_suppliers_baseline_buyers(
        tiny: Any) -> None:
    """20 % of Japan's automotive demand (50 t/yr) moves to Australia, buying from Japan: the
    offtake reserves 50 / 200 = 25 % of JP:magnet's output for Australia. JP:magnet makes what
    its baseline buyers order, 120 (automotive, 60 % of 200) + 50 (electronics) = 170; the new
    AU:end_use:automotive, with no edge, gets 0.25 × 170 = 42.5 first and the baseline buyers
    share the other 127.5 pro rata (75 %): electronics 37.5. Without a supplier the new node
    waits for a new link (lead time): nothing in month 0."""
    move = Relocate(from_country="JP", to_country="AU", sector="automotive", share=0.2,
                    supplier_country="JP")
    res = ree.simulate(tiny, scenario(2), [_option(move)], record="all", parameters=FIXED)
    assert _yearly(res, "received", "AU:end_use:automotive", "magnet")[0] == pytest.approx(42.5)
    assert _yearly(res, "received", "JP:end_use:electronics", "magnet")[0] == pytest.approx(37.5)
    assert _yearly(res, "produced", "JP:magnet", "magnet")[0] == pytest.approx(170.0)
    check_invariants(res)
    plain = Relocate(from_country="JP", to_country="AU", sector="automotive", share=0.2)
    res = ree.simulate(tiny, scenario(2), [_option(plain)], record="all", parameters=FIXED)
    assert _yearly(res, "received", "AU:end_use:automotive", "magnet")[0] == 0.0


# ---------------------------------------------------------------------------- trade link


def test_trade_link_from_start_shortens_the_lead_only_after_its_start(tiny: Any) -> None:
    """CN:metal short of NdPr asks Australia, which has no baseline link to China: with new
    links taking 6 months, China gets less than with a 0-month trade link. From start (2-month
    lead) months 0–1 run as without the link, and China then gets what it gets with it."""
    link = TradeLink(countries=("AU", "CN"), lead_time_months=0)
    sc = scenario(6, HALF_SEPARATION)
    slow = {"lead_time_months": 6.0}
    base = ree.simulate(tiny, sc, record="all", parameters=slow)
    now = ree.simulate(tiny, sc, [_option(link, lead=2, country="CN")], record="all",
                       parameters=slow)
    later = ree.simulate(tiny, sc, [_option(link, lead=2, country="CN")], record="all",
                         parameters=slow, timing="from_start")
    key = ("rerouted_in", "CN:metal", "NdPr")
    assert node_value(now, *key)[1] > 0 == node_value(base, *key)[1]
    assert (node_value(now, *key)[2:] > node_value(base, *key)[2:]).all()
    _same_months(later, base, slice(0, 2))
    np.testing.assert_allclose(node_value(later, *key)[2:], node_value(now, *key)[2:])
    check_invariants(later)


# ---------------------------------------------------------------------------- invariant


@pytest.mark.parametrize("measure", [
    Substitution(country="JP", sector="automotive", commodity="DyTb", intensity_cut=0.0),
    Recycling(country="CN", rate=0.5, commodities=["DyTb"]),  # China uses no DyTb at end use
    TradeLink(countries=("AU", "CN"), lead_time_months=5),  # longer than the dataset's 2
    Substitution(country="CN", sector="other", commodity="NdPr", intensity_cut=0.0),
], ids=["no-cut-in-magnets", "recycling-unused", "slower-link", "no-cut-direct"])
@pytest.mark.parametrize("timing", ["in_place", "from_start"])
def test_an_option_that_changes_nothing_leaves_every_array_equal(tiny: Any, measure: Any,
                                                                 timing: str) -> None:
    sc = scenario(8, embargo(), HALF_SEPARATION)
    base = ree.simulate(tiny, sc, record="all")
    res = ree.simulate(tiny, sc, [_option(measure, lead=1)], record="all", timing=timing)
    _same_months(res, base, slice(None))


# ---------------------------------------------------------------------------- built-in data


@pytest.fixture(scope="module")
def world() -> Any:
    return ree.load_network("world-2024")


def _country_sum(res: Any, key: str, country: str, commodity: str) -> float:
    cn = res.compiled
    return float(res.arrays[key][:, cn.country_index[country], cn.commodity_index[commodity]].sum())


def test_dy_free_magnets_lower_japans_dytb_need_and_shortfall(world: Any) -> None:
    """Issue 9: under japan-embargo JP:magnet's DyTb need was 387.4 t with and without
    dy-free-magnets."""
    sc = ree.load_scenario("japan-embargo")
    base = ree.simulate(world, sc, record="all")
    sub = ree.simulate(world, sc, [ree.load_option("dy-free-magnets")], record="all")
    need = [float(node_value(r, "demand", "JP:magnet", "DyTb").sum()) for r in (base, sub)]
    assert need[1] < need[0] - 1.0
    short = [float(r.arrays["country_shortfall"][:, r.compiled.country_index["JP"]].sum())
             for r in (base, sub)]
    assert short[1] < short[0]


def test_recycling_leaves_japans_lace_untouched(world: Any) -> None:
    """Issue 9: the built-in recycling (NdPr, heavy) cut Japan's LaCe shortfall from 365 to
    250 t under japan-embargo."""
    sc = ree.load_scenario("japan-embargo")
    base = ree.simulate(world, sc, record=("country",))
    rec = ree.simulate(world, sc, [ree.load_option("recycling")], record=("country",))
    assert _country_sum(rec, "country_shortfall", "JP", "LaCe") == _country_sum(
        base, "country_shortfall", "JP", "LaCe")
    assert _country_sum(rec, "country_shortfall", "JP", "magnet") < _country_sum(
        base, "country_shortfall", "JP", "magnet")
