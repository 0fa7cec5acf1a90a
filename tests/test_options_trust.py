"""Issue 9, the layer above the engine: harm-based ranking, resilience apart, structure with
the options' contracts, options for any country, centred uncertainty, timing, the frontier."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import rareearth as ree
from rareearth.cooperation import Option
from rareearth.errors import OptionError
from rareearth.portfolios import portfolio_cost
from rareearth.ranking import default_options, draw_parameters
from rareearth.scenario import Scenario
from rareearth.scoring import KINDS, WEIGHTS


@pytest.fixture(scope="module")
def net() -> ree.SupplyNetwork:
    return ree.load_network("world-2024")


#: china-2025-heavy through November 2025: from December Japan's heavy-material users are short
#: (the cut at 0.5 since July; rerouted deliveries from abroad arrive a month after they ship,
#: issue 10) and the bigger stockpile is drawn; until then it is not
HEAVY_TO_NOV = ree.load_scenario("china-2025-heavy").model_copy(update={"months": 11})


@pytest.fixture(scope="module")
def heavy_table(net: ree.SupplyNetwork):
    return ree.compare(net, HEAVY_TO_NOV, "JP",
                       ["stockpile-180d", "australia-offtake", "recycling"])


def test_components_fall_in_two_kinds_that_add_up() -> None:
    assert set(KINDS) == set(WEIGHTS)
    assert sum(WEIGHTS[k] for k, v in KINDS.items() if v == "harm") == 65
    assert sum(WEIGHTS[k] for k, v in KINDS.items() if v == "resilience") == 35
    s = ree.exposure("world-2024", "japan-embargo", "JP")
    assert s.harm + s.resilience == pytest.approx(s.score)


def test_an_option_that_changes_nothing_physical_changes_no_component(net) -> None:
    """A shorter lead time on a link no one uses in a calm year changes no series, so the
    score and every component stay exactly as they are."""
    calm = Scenario(name="calm", start="2025-01", months=6)
    link = Option(name="idle-link", country="JP", cost_usd=1e6, lead_time_months=0,
                  measures=[{"type": "trade_link", "countries": ["JP", "US"], "lead_time_months": 0}])
    plain = ree.simulate(net, calm)
    linked = ree.simulate(net, calm, options=[link])
    for key in ("shortfall", "received", "produced", "stock_in", "stock_out"):
        np.testing.assert_array_equal(plain.arrays[key], linked.arrays[key])
    a = ree.exposure(net, calm, "JP")
    b = ree.exposure(net, calm, "JP", options=[link])
    assert a.components == b.components
    assert a.score == b.score


def test_a_stockpile_that_avoids_no_harm_ranks_below_every_option_that_does(heavy_table) -> None:
    """Under china-2025-heavy through November the bigger stockpile is never drawn (issue 9: it topped the
    ranking per dollar for avoiding nothing): it avoids no harm and moves no harm component."""
    t = heavy_table
    stock = t.loc["stockpile-180d"]
    assert stock["harm_avoided_usd"] == pytest.approx(0.0, abs=1.0)
    assert stock["harm_delta"] == pytest.approx(0.0, abs=1e-12)
    assert not stock["avoids_harm"]
    avoiders = t[t["avoids_harm"]]
    assert len(avoiders) >= 1
    assert (avoiders["rank"] < stock["rank"]).all()
    # the avoiders come in order of harm avoided per dollar
    per = avoiders["harm_avoided_per_busd"].to_numpy()
    assert (np.diff(per) <= 1e-9).all()


def test_the_stock_component_does_not_move_with_its_own_reference(net) -> None:
    """The old stock_used fell when a stockpile that is never drawn enlarged its denominator;
    stock_cover is months of fixed baseline use still covered at the trough, so a stockpile
    raises it by exactly what it holds over that use."""
    plain = ree.exposure(net, HEAVY_TO_NOV, "JP")
    piled = ree.exposure(net, HEAVY_TO_NOV, "JP", options=["stockpile-180d"])
    assert piled.metrics["stock_cover_months"] > plain.metrics["stock_cover_months"]
    assert piled.components["stock_cover"] < plain.components["stock_cover"]
    assert piled.harm == pytest.approx(plain.harm, abs=1e-12)


def test_the_offtake_lowers_japans_structural_component(heavy_table) -> None:
    t = heavy_table
    assert t.loc["australia-offtake", "points_structural"] < t.loc["none", "points_structural"] - 0.5
    assert t.loc["stockpile-180d", "points_structural"] == t.loc["none", "points_structural"]


def test_contracted_network_keeps_every_nodes_totals_for_existing_output(net) -> None:
    from rareearth.contracts import contracted_network

    opt = ree.load_option("australia-offtake")
    # without the Lynas capacity addition the swap is within existing output: totals kept
    only = opt.model_copy(update={"measures": [m for m in opt.measures if m.type == "offtake"]})
    edited = contracted_network(net, [only])
    for column in ("source", "target"):
        before = net.flows.groupby([column, "commodity"]).tonnes_per_year.sum()
        after = edited.flows.groupby([column, "commodity"]).tonnes_per_year.sum()
        both = before.to_frame("b").join(after.to_frame("a"), how="outer").fillna(0.0)
        np.testing.assert_allclose(both["a"], both["b"], rtol=1e-9, atol=1e-6)
    jp_from_my = lambda f: f[(f.source_country == "MY") & (f.target_country == "JP")  # noqa: E731
                             & (f.commodity == "LaCe")].tonnes_per_year.sum()
    assert jp_from_my(edited.flows) > jp_from_my(net.flows)


def test_options_are_templates_for_any_country(net) -> None:
    us = ree.load_option("stockpile-180d", country="US")
    assert us.country == "US" and us.measures[0].country == "US"
    assert "template for US" in us.title
    offtake = ree.load_option("australia-offtake", country="KR")
    assert {m.partner for m in offtake.measures if m.type == "offtake"} == {"KR"}
    with pytest.raises(OptionError, match=r"measures\[3\]: partner: is the supplier's own country"):
        ree.load_option("us-japan-partnership", country="US")
    opts, skipped = default_options(net, "US")
    assert {o.country for o in opts} == {"US"}
    assert "us-production-shift" in skipped and "stockpile-180d" not in skipped


def test_compare_for_the_us_ranks_us_measures(net) -> None:
    """The US's stockpile option now holds US stocks (it used to be Japan's, ranked for the US)."""
    t = ree.compare(net, "china-2025-heavy", "US", [ree.load_option("stockpile-180d", country="US")])
    assert t.loc["stockpile-180d", "stock_cover_months"] > t.loc["none", "stock_cover_months"]
    default = ree.compare(net, "japan-embargo", "US")
    assert "us-japan-partnership" in default.attrs["skipped"]


def test_draws_are_centred_on_the_central_values(net) -> None:
    sc = ree.load_scenario("china-2025-heavy")
    d = draw_parameters(net, sc, 4001, seed=3)
    for name, (low, high) in net.parameter_ranges.items():
        if name in d.columns:
            central = net.parameters[name]
            # half the draws on each side of the dataset's central value, within the range
            assert float((d[name] < central).mean()) == pytest.approx(0.5, abs=0.03)
            assert d[name].between(low, high).all()
    for name in ("severity_scale", "duration_scale", "elasticity_scale", "lead_time_scale"):
        assert float((d[name] < 1.0).mean()) == pytest.approx(0.5, abs=0.03)


def test_the_central_score_sits_inside_its_band(net) -> None:
    central = ree.exposure(net, "japan-embargo", "JP").score
    draws = ree.monte_carlo(net, "japan-embargo", "JP", n=120, seed=0)
    below = float((draws.score < central - 1e-9).mean())
    assert np.percentile(draws.score, 5) <= central <= np.percentile(draws.score, 95)
    assert 0.2 <= below <= 0.8


def test_timing_reaches_compare_and_exposure(net) -> None:
    late = ree.compare(net, "japan-embargo", "JP", ["stockpile-180d"], timing="from_start")
    now = ree.compare(net, "japan-embargo", "JP", ["stockpile-180d"])
    assert set(late.timing) == {"from_start"} and late.attrs["timing"] == "from_start"
    # the stockpile arrives after its 12-month lead: the 12-month embargo is over by then, and
    # it helps only in the month after, whose arrivals shipped under the embargo (transit)
    assert late.loc["stockpile-180d", "harm_avoided_usd"] < 0.5 * now.loc["stockpile-180d", "harm_avoided_usd"]
    with pytest.raises(OptionError, match="timing"):
        ree.exposure(net, "japan-embargo", "JP", timing="later")
    with pytest.raises(OptionError, match="needs allocation='optimal'"):
        ree.compare(net, "japan-embargo", "JP", ["stockpile-180d"], objective="country")


def test_portfolio_cost_counts_each_option_once() -> None:
    combined = ree.load_option("combined")
    stock = ree.load_option("stockpile-180d")
    assert portfolio_cost([combined, stock]) == pytest.approx(combined.cost_usd)
    assert portfolio_cost([stock, ree.load_option("recycling")]) == pytest.approx(430e6)
    assert portfolio_cost([]) == 0.0


def test_frontier_is_the_best_portfolio_within_each_budget(net) -> None:
    names = ["stockpile-180d", "recycling", "australia-offtake"]
    budgets = [0.0, 5e7, 1e8, 4.5e8, 5.1e8, 1e9]
    f = ree.frontier(net, "japan-embargo", "JP", options=names, budgets=budgets)
    assert list(f.budget_usd) == budgets
    assert f.loc[0, "options"] == "none" and f.loc[1, "options"] == "none"
    assert (f.cost_usd <= f.budget_usd + 1e-6).all()
    assert f.harm_avoided_usd.is_monotonic_increasing
    portfolios = f.attrs["portfolios"]
    assert len(portfolios) == 2 ** len(names) and f.attrs["method"] == "exhaustive"
    # brute force: no portfolio within a budget avoids more harm than the chosen one
    for row in f.itertuples():
        within = portfolios[portfolios.cost_usd <= row.budget_usd + 1e-6]
        assert row.harm_avoided_usd >= within.harm_avoided_usd.max() - 1e-6
    # each portfolio's figures are those of compare's run of the same options
    single = ree.compare(net, "japan-embargo", "JP", ["recycling"])
    row = portfolios.set_index("options").loc["recycling"]
    assert row["harm_avoided_usd"] == pytest.approx(single.loc["recycling", "harm_avoided_usd"])
    assert row["score"] == pytest.approx(single.loc["recycling", "score"])


def test_frontier_by_score_never_rises_and_default_budgets_are_its_steps(net) -> None:
    names = ["stockpile-180d", "recycling", "dy-free-magnets"]
    f = ree.frontier(net, "japan-embargo", "JP", options=names, by="score")
    assert f.score.is_monotonic_decreasing
    assert f.budget_usd.is_monotonic_increasing and f.loc[0, "options"] == "none"
    with pytest.raises(OptionError, match="budgets"):
        ree.frontier(net, "japan-embargo", "JP", options=names, budgets=[-1.0])
    with pytest.raises(OptionError, match="by must be"):
        ree.frontier(net, "japan-embargo", "JP", options=names, by="luck")


def test_frontier_greedy_beyond_the_exhaustive_limit(net, monkeypatch) -> None:
    import rareearth.portfolios as fr

    monkeypatch.setattr(fr, "MAX_EXHAUSTIVE", 1)
    names = ["stockpile-180d", "recycling", "australia-offtake"]
    f = ree.frontier(net, "japan-embargo", "JP", options=names, budgets=[1e10])
    assert f.attrs["method"] == "greedy"
    assert len(f.attrs["portfolios"]) < 2 ** len(names)
    assert f.loc[0, "n_options"] == 3  # with the budget for all, the path ends with all
    exhaustive = ree.frontier(net, "japan-embargo", "JP", options=names, budgets=[1e10])
    assert exhaustive.loc[0, "harm_avoided_usd"] == pytest.approx(f.loc[0, "harm_avoided_usd"])


def test_frontier_monte_carlo_columns(net) -> None:
    f = ree.frontier(net, "japan-embargo", "JP", options=["stockpile-180d"], budgets=[0, 1e9], n=8)
    assert {"p_beats_none", "score_p05", "score_p95", "harm_avoided_p05"} <= set(f.columns)
    assert f.loc[0, "p_beats_none"] == 0.0 and f.loc[1, "p_beats_none"] > 0.5


def test_frontier_plot(net) -> None:
    import matplotlib

    matplotlib.use("Agg")
    f = ree.frontier(net, "japan-embargo", "JP", options=["stockpile-180d", "recycling"])
    ax = ree.plot.frontier(f)
    assert ax.get_ylabel().startswith("harm avoided")
    labels = {t.get_text() for t in ax.texts}
    assert {"stockpile-180d", "recycling"} <= labels


@pytest.mark.parametrize("subset", list(itertools.combinations(["stockpile-180d", "recycling"], 2)))
def test_cli_frontier(tmp_path, subset) -> None:
    from typer.testing import CliRunner

    from rareearth.cli import app

    out = tmp_path / "f.csv"
    args = ["frontier", "japan-embargo", "--dataset", "world-2024", "--country", "JP",
            "--budget", "0", "--budget", "1e9", "-o", str(out)]
    for name in subset:
        args += ["--option", name]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.splitlines()[0].startswith("budget_usd,options")
    bad = CliRunner().invoke(app, [*args[:6], "--budget", "-5"])
    assert bad.exit_code == 2


def test_optimal_with_the_country_first_is_its_best_case(net) -> None:
    """Issue 9: the optimal mode minimised the world's lost value, so it was no best case for
    the country studied (Japan scored worse under optimal than proportional). With
    objective="country" Japan's lost value comes first: never more than under the world's
    objective, and the table says which objective each row used."""
    world = ree.exposure(net, "china-2025-heavy", "JP", allocation="optimal")
    first = ree.exposure(net, "china-2025-heavy", "JP", allocation="optimal", objective="country")
    assert first.metrics["value_at_risk_usd"] <= world.metrics["value_at_risk_usd"] + 1.0
    # 612 against 667 US$m since world-2024 split Japan's automotive users by supplier (467/651)
    assert first.metrics["value_at_risk_usd"] < 0.95 * world.metrics["value_at_risk_usd"]
    t = ree.compare(net, "china-2025-heavy", "JP", ["stockpile-180d"], allocation="optimal",
                    objective="country")
    assert set(t.objective) == {"country"} and t.attrs["objective"] == "country"


# ---------------------------------------------------------------------------- review findings


def test_a_retargeted_package_still_counts_its_parts_once() -> None:
    from rareearth.cooperation import combine, load_option

    for country in ("JP", "KR"):
        both = [load_option("combined", country=country),
                load_option("stockpile-180d", country=country)]
        assert portfolio_cost(both) == pytest.approx(load_option("combined").cost_usd)
        stockpiles = [m for m in combine(both) if m.type == "stockpile"]
        assert len(stockpiles) == 1 and stockpiles[0].country == country


def test_contracts_do_not_depend_on_the_order_of_the_options(net) -> None:
    a, b = ree.load_option("australia-offtake"), ree.load_option("diversify-vn-in")
    # each order on a network of its own (a fresh cache: nothing contracted is reused)
    ab = ree.exposure(net.replace(), "china-2025-heavy", "JP", [a, b]).score
    ba = ree.exposure(net.replace(), "china-2025-heavy", "JP", [b, a]).score
    assert ab == ba


def test_a_substitution_with_nothing_to_act_on_is_refused_and_left_out(net) -> None:
    """The US makes none of the magnets its car makers use (world-2024): a cut of DyTb inside
    magnets made abroad is not modelled, so the template cannot act there and is left out."""
    us = ree.load_option("dy-free-magnets", country="US")
    with pytest.raises(OptionError, match="buys no magnets from US's own magnet makers"):
        ree.simulate(net, "china-2025-heavy", options=[us])
    _, skipped = default_options(net, "US")
    assert "dy-free-magnets" in skipped


def test_a_package_cheaper_than_its_parts_costs_what_it_states() -> None:
    pack = Option(name="my-pack", country="JP", cost_usd=300e6, lead_time_months=0,
                  includes=["stockpile-180d", "recycling"],
                  measures=[{"type": "stockpile", "country": "JP", "commodities": ["LaCe"],
                             "days": 30}])
    assert portfolio_cost([pack]) == pytest.approx(300e6)


def test_built_in_options_are_copies() -> None:
    from rareearth.cooperation import Stockpile, load_option

    load_option("stockpile-180d").measures.append(Stockpile(country="JP", days=999))
    load_option("combined").includes.clear()
    assert len(load_option("stockpile-180d").measures) == 1
    assert load_option("combined").includes


def test_a_built_in_name_is_the_template_for_the_country_studied(net) -> None:
    t = ree.compare(net, "china-2025-heavy", "US", ["stockpile-180d"])
    assert "template for US" in t.loc["stockpile-180d", "title"]
    assert t.loc["stockpile-180d", "stock_cover_months"] > t.loc["none", "stock_cover_months"]


def test_frontier_needs_a_budget_when_budgets_are_given(net) -> None:
    with pytest.raises(OptionError, match="at least one budget"):
        ree.frontier(net, "japan-embargo", "JP", options=["stockpile-180d"], budgets=[])
