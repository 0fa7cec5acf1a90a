"""Cooperation options: every validation rule, combine() order, profiles, files, the catalog."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rareearth.cooperation import (
    MEASURE_ORDER,
    AddCapacity,
    Offtake,
    Option,
    Recycling,
    Relocate,
    Stockpile,
    Substitution,
    TradeLink,
    combine,
    load_option,
    measure_profile,
    options,
)
from rareearth.errors import OptionError, UnknownNameError
from tests.factory import stand_in

BUILT_IN = [
    "australia-offtake", "combined", "diversify-vn-in", "dy-free-magnets", "recycling",
    "stockpile-180d", "us-japan-partnership", "us-production-shift",
]


def option(*measures: dict[str, Any], **fields: Any) -> dict[str, Any]:
    base = {"name": "test", "country": "JP", "cost_usd": 1e6, "lead_time_months": 6}
    return {**base, "measures": list(measures), **fields}


OFFTAKE = {"type": "offtake", "supplier": "MY", "stage": "separation", "partner": "JP",
           "commodity": "NdPr", "share": 0.4}
CAPACITY = {"type": "add_capacity", "country": "US", "stage": "magnet", "commodity": "magnet",
            "tonnes_per_year": 1000}
STOCKPILE = {"type": "stockpile", "country": "JP", "commodities": ["NdPr"], "days": 60}


# ---------------------------------------------------------------------------- validation rules


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (option({**OFFTAKE, "share": 1.5}), r"measures\[0\]\.share: must be ≤ 1 \(got 1\.5\)"),
        (option({**OFFTAKE, "share": None}),
         r"measures\[0\]\.share: give exactly one of share and tonnes_per_year"),
        (option({**OFFTAKE, "tonnes_per_year": 10}), r"measures\[0\]\.share: give exactly one"),
        (option({**OFFTAKE, "stage": None}),
         r"measures\[0\]\.stage: required when the supplier is a country \(MY\)"),
        (option({**OFFTAKE, "supplier": "MY:separation:lynas"}),
         r"measures\[0\]\.stage: the supplier is a node id"),
        (option({**OFFTAKE, "supplier": "JP", "stage": "metal"}),
         r"measures\[0\]\.partner: is the supplier's own country"),
        (option({**OFFTAKE, "supplier": "Lynas"}),
         r"measures\[0\]\.supplier: must be a node id \(CC:stage\[:facility\]\) or a country"),
        (option({**OFFTAKE, "supplier": "JP:end_use:automotive", "stage": None}),
         r"measures\[0\]\.supplier: is an end-use node"),
        (option({**CAPACITY, "tonnes_per_year": 0}), r"measures\[0\]\.tonnes_per_year: must be > 0"),
        (option({**CAPACITY, "ramp_months": -1}), r"measures\[0\]\.ramp_months: must be ≥ 0"),
        (option({**CAPACITY, "node": "US:magnet"}), r"measures\[0\]\.node: give either node, or"),
        (option({**CAPACITY, "stage": None}), r"measures\[0\]\.stage: give a node id, or both"),
        (option({**CAPACITY, "commodity": "NdPr"}),
         r"measures\[0\]\.commodity: a magnet node makes magnet, not 'NdPr'"),
        (option({**CAPACITY, "stage": "separation"}),
         r"measures\[0\]\.commodity: a separation node makes materials, not 'magnet'"),
        (option({**CAPACITY, "country": None, "stage": None, "node": "JP:end_use:automotive"}),
         r"measures\[0\]\.node: is an end-use node"),
        (option({**STOCKPILE, "tonnes": 5}), r"measures\[0\]\.days: give exactly one of days"),
        (option({**STOCKPILE, "days": None}), r"measures\[0\]\.days: give exactly one of days"),
        (option({**STOCKPILE, "days": 0}), r"measures\[0\]\.days: must be > 0"),
        (option({**STOCKPILE, "commodities": "heavy"}),
         r"measures\[0\]\.commodities: must be 'all' or a list"),
        (option({"type": "recycling", "country": "JP", "rate": 1.2}),
         r"measures\[0\]\.rate: must be ≤ 1"),
        (option({"type": "substitution", "country": "JP", "sector": "automotive",
                 "commodity": "DyTb", "intensity_cut": -0.1}),
         r"measures\[0\]\.intensity_cut: must be ≥ 0"),
        (option({"type": "trade_link", "countries": ["US", "US"], "lead_time_months": 1}),
         r"measures\[0\]\.countries: must name two different countries"),
        (option({"type": "trade_link", "countries": ["US"], "lead_time_months": 1}),
         r"measures\[0\]\.countries\[1\]: "),
        (option({"type": "relocate", "from_country": "JP", "to_country": "JP",
                 "sector": "automotive", "share": 0.1}),
         r"measures\[0\]\.to_country: must differ from from_country"),
        (option({"type": "relocate", "from_country": "JP", "to_country": "US",
                 "sector": "automotive", "share": 2}), r"measures\[0\]\.share: must be ≤ 1"),
        (option({"type": "buy_friends"}), r"measures\[0\]\.type: unknown type 'buy_friends'; "
                                          r"allowed: relocate, add_capacity"),
        (option({**STOCKPILE, "colour": "red"}),
         r"measures\[0\]\.colour: unknown field; allowed: starts_after_months, note, country"),
        (option({**STOCKPILE, "starts_after_months": -2}),
         r"measures\[0\]\.starts_after_months: must be ≥ 0"),
        (option(cost_usd=-1), r"cost_usd: must be ≥ 0 \(got -1\)"),
        (option(lead_time_months=-1), r"lead_time_months: must be ≥ 0"),
        (option(), r"measures: an option needs measures, or includes"),
        (option(includes=["nope"]), r"includes: unknown built-in option\(s\) 'nope'"),
        (option(name="combined", includes=["combined"]), r"includes: an option cannot include"),
        (option(STOCKPILE, country="japan"), r"country: must be an upper-case country"),
    ],
)
def test_every_rule_names_the_field(data: dict[str, Any], match: str) -> None:
    with pytest.raises(OptionError, match=match):
        Option.from_dict(data, source="my.yaml")


def test_message_names_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\ncountry: JP\ncost_usd: 1\nlead_time_months: 0\nmeasures:\n"
                    "- {type: recycling, country: JP, rate: 1.5}\n", encoding="utf-8")
    with pytest.raises(OptionError) as info:
        load_option(path)
    assert str(info.value) == f"{path}: measures[0].rate: must be ≤ 1 (got 1.5)"


@pytest.mark.parametrize(
    ("text", "suffix", "match"),
    [
        ("name: x\nmeasures: [\n", ".yaml", r"bad\.yaml:3:1: malformed YAML"),
        ("{", ".json", r"bad\.json:1:2: malformed JSON"),
        ("just text", ".yaml", r"bad\.yaml: must hold a mapping of fields \(got str\)"),
    ],
)
def test_malformed_files(tmp_path: Path, text: str, suffix: str, match: str) -> None:
    path = tmp_path / f"bad{suffix}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OptionError, match=match):
        load_option(path)


def test_missing_file_and_unknown_names(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="file not found"):
        load_option(tmp_path / "none.yml")
    with pytest.raises(UnknownNameError, match=r"unknown built-in option 'recycle'; did you mean "
                                               r"'recycling'\?"):
        load_option("recycle")


@pytest.mark.parametrize("name", ["../scenarios/japan-embargo", "..", "x/y", "Recycling"])
def test_names_never_leave_the_catalog(name: str) -> None:
    with pytest.raises(OptionError, match="neither a built-in option name"):
        load_option(name)


# ---------------------------------------------------------------------------- combine and timing


def test_measure_order_is_documented_and_complete() -> None:
    assert [cls.__name__ for cls in MEASURE_ORDER] == [
        "Relocate", "AddCapacity", "TradeLink", "Offtake", "Stockpile", "Recycling",
        "Substitution"]


def test_combine_orders_by_type_stably_and_fills_timing() -> None:
    first = Option.from_dict(option(
        {"type": "substitution", "country": "JP", "sector": "automotive", "commodity": "DyTb",
         "intensity_cut": 0.5, "note": "a"},
        {**OFFTAKE, "note": "b"},
        {**CAPACITY, "note": "c", "starts_after_months": 2},
        name="first", lead_time_months=6))
    second = Option.from_dict(option(
        {**OFFTAKE, "note": "d"},
        {"type": "relocate", "from_country": "JP", "to_country": "US", "sector": "automotive",
         "share": 0.1, "note": "e"},
        name="second", lead_time_months=0))
    measures = combine([first, second])
    assert [m.note for m in measures] == ["e", "c", "b", "d", "a"]
    assert [m.starts_after_months for m in measures] == [0, 2, 6, 0, 6]
    assert all(m.starts_after_months == 0 for m in combine([first, second], in_place=True))
    assert combine([first, first]) == combine([first])


def test_combine_expands_includes_once() -> None:
    package = load_option("combined")
    parts = [load_option(name) for name in package.includes]
    assert combine([package]) == combine(parts)
    assert combine([package, load_option("recycling")]) == combine(parts)
    assert [o.name for o in package.expand()] == ["combined", *package.includes]


def test_two_different_options_with_one_name_are_an_error() -> None:
    one = Option.from_dict(option(STOCKPILE))
    other = Option.from_dict(option(STOCKPILE, cost_usd=5))
    with pytest.raises(OptionError, match="two different options are named 'test'"):
        combine([one, other])


def test_measure_profile_by_hand() -> None:
    ramp = AddCapacity(node="US:magnet", commodity="magnet", tonnes_per_year=1,
                       ramp_months=2, starts_after_months=1)
    np.testing.assert_allclose(measure_profile(ramp, 5), [0, 0.25, 0.75, 1, 1])
    step = Stockpile(country="JP", days=10, starts_after_months=1.5)
    np.testing.assert_allclose(measure_profile(step, 4), [0, 0.5, 1, 1])
    unset = Recycling(country="JP", rate=0.1, ramp_months=4)
    np.testing.assert_allclose(measure_profile(unset, 5), [0.125, 0.375, 0.625, 0.875, 1])
    adoption = Substitution(country="JP", sector="automotive", commodity="DyTb",
                            intensity_cut=0.5, adoption_months=1, starts_after_months=0.5)
    np.testing.assert_allclose(measure_profile(adoption, 3), [0.125, 0.875, 1])
    assert measure_profile(step, 0).shape == (0,)


# ---------------------------------------------------------------------------- against a network


@pytest.mark.parametrize(
    ("measure", "match"),
    [
        ({**OFFTAKE, "supplier": "AU"},
         r"measures\[0\]\.stage: AU has no separation node in this network \(its nodes: "
         r"AU:mining\)"),
        ({**OFFTAKE, "supplier": "MY:separation:lynas", "stage": None},
         r"measures\[0\]\.supplier: unknown node 'MY:separation:lynas'; close: MY:separation"),
        ({**OFFTAKE, "supplier": "US", "commodity": "DyTb"},
         r"measures\[0\]\.commodity: US:separation makes no DyTb in this network"),
        ({**OFFTAKE, "partner": "KR"}, r"measures\[0\]\.partner: unknown country 'KR'"),
        ({**OFFTAKE, "commodity": "Y"}, r"measures\[0\]\.commodity: unknown commodity 'Y'"),
        ({**CAPACITY, "country": "IN"}, r"measures\[0\]\.stage: IN has no magnet node"),
        ({**CAPACITY, "country": None, "stage": None, "node": "US:magnet:10x"},
         r"measures\[0\]\.node: unknown node 'US:magnet:10x'"),
        ({**STOCKPILE, "commodities": ["NdPr", "Sm"]},
         r"measures\[0\]\.commodities: unknown commodity 'Sm'"),
        ({**STOCKPILE, "country": "KR"}, r"measures\[0\]\.country: unknown country 'KR'"),
        ({"type": "recycling", "country": "JP", "rate": 0.1, "commodities": ["light", "Ce"]},
         r"measures\[0\]\.commodities: unknown commodity 'Ce'"),
        ({"type": "substitution", "country": "JP", "sector": "wind", "commodity": "DyTb",
          "intensity_cut": 0.5}, r"measures\[0\]\.sector: JP has no end-use sector 'wind'"),
        ({"type": "trade_link", "countries": ["US", "KR"], "lead_time_months": 1},
         r"measures\[0\]\.countries\[1\]: unknown country 'KR'"),
        ({"type": "relocate", "from_country": "JP", "to_country": "MX", "sector": "automotive",
          "share": 0.1}, r"measures\[0\]\.to_country: unknown country 'MX'"),
        ({"type": "relocate", "from_country": "JP", "to_country": "US", "sector": "automotive",
          "share": 0.1, "supplier_country": "DE"},
         r"measures\[0\]\.supplier_country: unknown country 'DE'"),
    ],
)
def test_validate_for_says_what_is_missing(measure: dict[str, Any], match: str) -> None:
    opt = Option.from_dict(option(measure))
    with pytest.raises(OptionError, match=match):
        opt.validate_for(stand_in())


def test_measures_resolve_their_nodes() -> None:
    net = stand_in()
    assert Offtake.model_validate(OFFTAKE).supplier_nodes(net) == ["MY:separation"]
    node = Offtake.model_validate({**OFFTAKE, "supplier": "CN:metal", "stage": None})
    assert node.supplier_nodes(net) == ["CN:metal"]
    assert AddCapacity.model_validate(CAPACITY).nodes(net) == ["US:magnet"]


def test_new_capacity_counts_as_made_for_an_offtake() -> None:
    reserved = {**OFFTAKE, "supplier": "US", "commodity": "DyTb"}
    with pytest.raises(OptionError, match="US:separation makes no DyTb"):
        Option.from_dict(option(reserved)).validate_for(stand_in())
    built = {"type": "add_capacity", "country": "US", "stage": "separation",
             "commodity": "DyTb", "tonnes_per_year": 200}
    Option.from_dict(option(reserved, built)).validate_for(stand_in())


def test_validate_for_reports_included_options(tiny: Any) -> None:
    with pytest.raises(OptionError) as info:
        load_option("combined").validate_for(tiny)
    text = str(info.value)
    assert text.startswith("option 'combined' does not fit 'tiny'") or "does not fit" in text
    assert "includes 'australia-offtake': measures[1].stage: unknown country 'MY'" in text
    load_option("stockpile-180d").validate_for(tiny)
    load_option("dy-free-magnets").validate_for(tiny)


# ---------------------------------------------------------------------------- catalog


def test_catalog_lists_the_built_ins() -> None:
    assert options() == BUILT_IN


@pytest.mark.parametrize("name", BUILT_IN)
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_built_ins_round_trip(tmp_path: Path, name: str, suffix: str) -> None:
    opt = load_option(name)
    path = opt.save(tmp_path / f"{name}{suffix}")
    assert load_option(path) == opt
    if suffix == ".json":
        assert json.loads(path.read_text(encoding="utf-8")) == opt.to_dict()


@pytest.mark.parametrize("name", BUILT_IN)
def test_built_ins_are_documented_and_fit_a_network(name: str) -> None:
    opt = load_option(name)
    assert opt.name == name and opt.country == "JP"
    assert opt.title and opt.sources and opt.description
    assert "Cost" in opt.description or name == "combined"
    assert opt.cost_usd > 0
    opt.validate_for(stand_in())


def test_combined_cost_is_the_sum_of_its_parts() -> None:
    package = load_option("combined")
    parts = [load_option(name) for name in package.includes]
    assert set(package.includes) == set(BUILT_IN) - {"combined"}
    assert package.cost_usd == pytest.approx(sum(p.cost_usd for p in parts))
    assert package.lead_time_months == min(p.lead_time_months for p in parts)


def test_built_in_figures_from_the_sources() -> None:
    lynas = load_option("australia-offtake")
    shares = {m.commodity: m.share for m in lynas.measures if isinstance(m, Offtake)}
    assert shares == {"NdPr": 0.39, "LaCe": 0.39, "DyTb": 0.65}
    assert lynas.cost_usd == (225 + 25 + 9 + 133 + 11.5) * 1e6
    us = load_option("us-japan-partnership")
    magnets = [m for m in us.measures if isinstance(m, AddCapacity) and m.commodity == "magnet"]
    assert magnets[0].tonnes_per_year == 9000  # 10,000 t/yr total with Independence's ~1,000
    assert us.cost_usd == (400 + 150 + 1000) * 1e6
    assert any(isinstance(m, TradeLink) and m.countries == ("US", "JP") for m in us.measures)
    stock = load_option("stockpile-180d").measures[0]
    assert isinstance(stock, Stockpile) and stock.days == 180 - 60
    shift = load_option("us-production-shift").measures[0]
    assert isinstance(shift, Relocate) and shift.supplier_country == "US"
    india = load_option("diversify-vn-in")
    added = sum(m.tonnes_per_year for m in india.measures
                if isinstance(m, AddCapacity) and m.country == "IN")
    assert added == 2500
