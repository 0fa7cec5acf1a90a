"""Each cooperation measure edits the network or sets the engine levers as documented."""

from __future__ import annotations

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
from rareearth.engine.measures import apply_options, baseline_use


@pytest.fixture(scope="module")
def net() -> ree.SupplyNetwork:
    return ree.load_network("world-2024")


def _option(*measures, lead: float = 12) -> Option:  # type: ignore[no-untyped-def]
    return Option(name="t", title="t", country="JP", cost_usd=1, lead_time_months=lead,
                  measures=list(measures))


def test_add_capacity_spreads_over_the_stage(net: ree.SupplyNetwork) -> None:
    m = AddCapacity(country="US", stage="magnet", commodity="magnet", tonnes_per_year=9000,
                    ramp_months=24)
    _, lev = apply_options(net, [_option(m)], 24)
    assert sum(c.tonnes_per_year for c in lev.capacity) == pytest.approx(9000)
    assert all(c.node.startswith("US:magnet") for c in lev.capacity)
    assert all(c.start_month == 0 and c.ramp_months == 0 for c in lev.capacity)  # in place
    _, later = apply_options(net, [_option(m)], 24, timing="from_start")
    assert {c.start_month for c in later.capacity} == {12} and later.capacity[0].ramp_months == 24


def test_offtake_by_share_and_by_tonnes(net: ree.SupplyNetwork) -> None:
    by_share = Offtake(supplier="MY", stage="separation", partner="JP", commodity="NdPr",
                       share=0.39)
    by_tonnes = Offtake(supplier="US:separation:mountain-pass", partner="JP", commodity="NdPr",
                        tonnes_per_year=100)
    _, lev = apply_options(net, [_option(by_share, by_tonnes)], 12)
    shares = {(o.supplier.split(":")[0], o.commodity): o.share for o in lev.offtakes}
    assert shares[("MY", "NdPr")] == 0.39
    out = net.nodes.query("node == 'US:separation:mountain-pass' and commodity == 'NdPr'")
    assert shares[("US", "NdPr")] == pytest.approx(100 / out.output_tonnes_per_year.item())


def test_stockpile_days_of_use_on_top_of_holdings(net: ree.SupplyNetwork) -> None:
    m = Stockpile(country="JP", commodities=["DyTb"], days=120)
    _, lev = apply_options(net, [_option(m)], 12)
    (pile,) = lev.stockpiles
    held = net.stockpiles.query("country == 'JP' and material == 'DyTb'").stock_tonnes.item()
    assert pile.tonnes == pytest.approx(held + 120 / 365 * baseline_use(net, "JP", "DyTb"))


def test_recycling_above_the_dataset_rate(net: ree.SupplyNetwork) -> None:
    m = Recycling(country="JP", rate=0.10, ramp_months=60)
    _, lev = apply_options(net, [_option(m)], 12)
    base = net.parameters["recycling_rate"]
    np.testing.assert_allclose(lev.recycling[0].rate, 0.10 - base)
    _, later = apply_options(net, [_option(m, lead=0)], 12, timing="from_start")
    assert later.recycling[0].rate[0] < later.recycling[0].rate[-1] < 0.10 - base  # ramping in


def test_substitution_inside_magnets_is_an_input_factor(net: ree.SupplyNetwork) -> None:
    m = Substitution(country="JP", sector="automotive", commodity="DyTb", intensity_cut=0.5,
                     adoption_months=36)
    edited, lev = apply_options(net, [_option(m)], 12)
    assert edited is net  # the recipe table is not edited: the engine's coefficients are
    # the share of JP:magnet's output its makers ship to Japan's car makers: the part redesigned
    f = net.flows[(net.flows.source == "JP:magnet") & (net.flows.commodity == "magnet")]
    # (every end user of the sector: world-2024 splits Japan's by supplier, automotive-cn/-jp)
    to_auto = f.target.str.startswith("JP:end_use:automotive")
    share = f[to_auto].tonnes_per_year.sum() / f.tonnes_per_year.sum()
    assert lev.input_factors and all(
        f.node.startswith("JP:magnet") and f.commodity == "DyTb" for f in lev.input_factors)
    for f in lev.input_factors:
        np.testing.assert_allclose(f.factor, 1 - 0.5 * share)
    _, later = apply_options(net, [_option(m, lead=6)], 60, timing="from_start")
    factor = later.input_factors[0].factor
    assert factor[5] == 1.0 and factor[6] < 1.0 and factor[42] == pytest.approx(1 - 0.5 * share)


def test_direct_substitution_is_a_demand_factor(net: ree.SupplyNetwork) -> None:
    m = Substitution(country="JP", sector="glass_polishing", commodity="LaCe", intensity_cut=0.3)
    edited, lev = apply_options(net, [_option(m)], 6)
    assert edited is net
    (f,) = lev.demand_factors
    assert f.node == "JP:end_use:glass_polishing"
    np.testing.assert_allclose(f.factor, 0.7)


def test_trade_link_both_ways(net: ree.SupplyNetwork) -> None:
    _, lev = apply_options(net, [_option(TradeLink(countries=("US", "JP"), lead_time_months=1))], 6)
    assert {(x.exporter, x.importer, x.months) for x in lev.lead_times} == {
        ("US", "JP", 1.0), ("JP", "US", 1.0)}


def test_relocate_moves_demand_and_reserves_supply(net: ree.SupplyNetwork) -> None:
    m = Relocate(from_country="JP", to_country="US", sector="automotive", share=0.1,
                 supplier_country="US")
    edited, lev = apply_options(net, [_option(m)], 6)
    moved = {f.commodity: float(np.mean(f.factor)) for f in lev.demand_factors}
    assert moved["magnet"] == pytest.approx(0.9)
    # every end user of the sector moves its share (world-2024 splits Japan's by supplier):
    # one addition per user, to the one US node, summing to 10% of the sector, none twice
    jp_auto = net.demand.query("country == 'JP' and sector == 'automotive' and commodity == 'magnet'")
    assert len(jp_auto) == 2
    add: dict[str, float] = {}
    for a in lev.demand_additions:
        assert a.node == "US:end_use:automotive"
        add[a.commodity] = add.get(a.commodity, 0.0) + float(np.mean(a.tonnes_per_year))
    assert add["magnet"] == pytest.approx(0.1 * jp_auto.demand_tonnes_per_year.sum())
    assert "US:end_use:automotive" in edited.node_ids
    assert any(o.partner == "US" and o.supplier.startswith("US:magnet") for o in lev.offtakes)


@pytest.mark.parametrize("name", ree.options())
def test_every_builtin_option_applies(net: ree.SupplyNetwork, name: str) -> None:
    edited, lev = apply_options(net, [ree.load_option(name)], 24)
    assert not lev.empty or edited is not net  # a lever set, or the network edited
