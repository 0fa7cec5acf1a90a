"""Static indicators (MODEL.md §4) on the tiny network, by hand; properties on random networks.

The tiny network (tests/factory.py), in t REO/yr, recipe NdPr 0.3, DyTb 0.02 t per t of magnet:

    NdPr: CN:mining 100 -> CN:separation;  AU:mining 40 -> AU:separation 40 -> JP:metal
          CN:separation -> CN:metal 75, JP:metal 20, CN:end_use:other 5
          JP:metal 60 -> JP:magnet;  CN:metal 75 -> CN:magnet
    DyTb: CN:mining 9 -> CN:separation -> CN:metal 5, JP:metal 4
          JP:metal 4 -> JP:magnet;  CN:metal 5 -> CN:magnet
    magnets: JP:magnet 200 t -> JP:end_use:automotive 150, JP:end_use:electronics 50
             CN:magnet 250 t -> CN:end_use:automotive 150, JP:end_use:automotive 100

Embedded in magnets (t magnet × recipe): NdPr JP->JP 60, CN->CN 45, CN->JP 30;
DyTb JP->JP 4, CN->CN 3, CN->JP 2. Governance (WGI): CN −0.33, AU 1.49, JP 1.37, so the
weights (2.5 − WGI)/5 are CN 0.566, AU 0.202, JP 0.226.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rareearth as ree
from rareearth import indicators as ind
from rareearth.errors import UnknownNameError
from rareearth.records import STAGES
from tests.factory import PROV, tiny_tables, write_dataset

HAVE_WORLD = "world-2024" in ree.datasets()
needs_world = pytest.mark.skipif(not HAVE_WORLD, reason="built-in dataset world-2024 not present")


def _series(shares: pd.Series) -> dict[str, float]:
    return {str(k): float(v) for k, v in shares.items()}


def _replace(net: ree.SupplyNetwork, **tables: object) -> ree.SupplyNetwork:
    """``net.replace(**tables)``, a network that is not re-validated (may be unbalanced).

    SupplyNetwork.replace passes its own ``demand`` view back in, whose ``country`` column the
    constructor then adds a second time; hand it the table without that column.
    """
    tables.setdefault("demand", net.demand.drop(columns=["country"]))
    return net.replace(**tables)


# --------------------------------------------------------------------------- a Vietnam variant


@pytest.fixture
def with_vietnam(tmp_path: Path) -> ree.SupplyNetwork:
    """Tiny, but Japan buys half its DyTb metal from Vietnam, which makes it from Chinese oxide.

    CN:separation DyTb 9 -> CN:metal 5, JP:metal 2, VN:metal 2;
    JP:metal 2 -> JP:magnet;  VN:metal 2 -> JP:magnet  (JP:magnet still takes 4 = 0.02 × 200).
    """
    tables = tiny_tables()
    tables["countries"].append(
        {"code": "VN", "name": "Viet Nam", "kind": "country", "governance": -0.02, **PROV}
    )
    for row in tables["nodes"]:
        if row["node"] == "JP:metal" and row["commodity"] == "DyTb":
            row["output_tonnes_per_year"] = 2
    tables["nodes"].append(
        {
            "node": "VN:metal",
            "commodity": "DyTb",
            "capacity_tonnes_per_year": 3,
            "output_tonnes_per_year": 2,
            "yield": 1.0,
            **PROV,
        }
    )
    for row in tables["flows"]:
        if (
            row["commodity"] == "DyTb"
            and row["source"] == "CN:separation"
            and row["target"] == "JP:metal"
        ):
            row["tonnes_per_year"] = 2
        if row["commodity"] == "DyTb" and row["source"] == "JP:metal":
            row["tonnes_per_year"] = 2
    tables["flows"] += [
        {
            "source": "CN:separation",
            "target": "VN:metal",
            "commodity": "DyTb",
            "tonnes_per_year": 2,
            **PROV,
        },
        {
            "source": "VN:metal",
            "target": "JP:magnet",
            "commodity": "DyTb",
            "tonnes_per_year": 2,
            **PROV,
        },
    ]
    return ree.load_network(write_dataset(tmp_path / "vn", tables))


# --------------------------------------------------------------------------- consumption, IR


def test_consumption_counts_end_use_and_embedded_magnets(tiny: ree.SupplyNetwork) -> None:
    # JP NdPr: own magnets 200 × 0.3 = 60, Chinese magnets 100 × 0.3 = 30
    assert ind.consumption(tiny, "JP", "NdPr") == pytest.approx(90)
    # CN NdPr: end_use:other 5 + magnets 150 × 0.3 = 45
    assert ind.consumption(tiny, "CN", "NdPr") == pytest.approx(50)
    # JP DyTb: 200 × 0.02 + 100 × 0.02 = 6; CN DyTb: 150 × 0.02 = 3
    assert ind.consumption(tiny, "JP", "DyTb") == pytest.approx(6)
    assert ind.consumption(tiny, "CN", "DyTb") == pytest.approx(3)
    assert ind.consumption(tiny, "AU", "NdPr") == 0


def test_import_reliance_by_hand(tiny: ree.SupplyNetwork) -> None:
    # JP NdPr: P 0; I = oxide 40 (AU) + 20 (CN) + in magnets 30 (CN) = 90; E 0 -> 90/90
    assert ind.import_reliance(tiny, "JP", "NdPr") == pytest.approx(1.0)
    # JP DyTb: I = oxide 4 + in magnets 2 = 6 -> 1
    assert ind.import_reliance(tiny, "JP", "DyTb") == pytest.approx(1.0)
    # CN NdPr: P 100 (mining); E = oxide 20 + in magnets 30 = 50; apparent 50;
    # raw (0 − 50) / 50 = −1 (net exporter), clipped to 0
    assert ind.import_reliance(tiny, "CN", "NdPr", clip=False) == pytest.approx(-1.0)
    assert ind.import_reliance(tiny, "CN", "NdPr") == 0.0
    # CN DyTb: P 9, E 4 + 2 = 6, apparent 3, raw −6/3 = −2
    assert ind.import_reliance(tiny, "CN", "DyTb", clip=False) == pytest.approx(-2.0)
    # AU NdPr: P 40, E 40, apparent 0: consumes none -> NaN
    assert math.isnan(ind.import_reliance(tiny, "AU", "NdPr"))


def test_import_reliance_partial(tiny: ree.SupplyNetwork) -> None:
    # Japan mines 30 t NdPr itself and ships it to its metal plant; the plant buys 30 t less
    # from Australia (a network built with replace, not re-validated):
    # P 30, I = 10 + 20 + 30 = 60, E 0 -> IR = 60 / 90
    flows = tiny.flows[["source", "target", "commodity", "tonnes_per_year", *PROV]].copy()
    au = (flows.source == "AU:separation") & (flows.target == "JP:metal")
    flows.loc[au, "tonnes_per_year"] = 10
    extra = pd.DataFrame(
        [
            {
                "source": "JP:mining",
                "target": "JP:metal",
                "commodity": "NdPr",
                "tonnes_per_year": 30,
                **PROV,
            }
        ]
    )
    net = _replace(tiny, flows=pd.concat([flows, extra], ignore_index=True))
    assert ind.import_reliance(net, "JP", "NdPr") == pytest.approx(60 / 90)
    # direct suppliers: JP magnets carry JP:metal's mix (JP 30, AU 10, CN 20 of 60), so
    # of 90 t consumed: JP 30, AU 10, CN 20 + 30 = 50
    assert _series(ind.supplier_shares(net, "JP", "NdPr")) == pytest.approx(
        {"CN": 50 / 90, "JP": 30 / 90, "AU": 10 / 90}
    )


def test_import_reliance_in_raw_material_equivalent(tmp_path: Path) -> None:
    # China's separation recovers 80 %: it takes 125 t NdPr concentrate to make 100 t oxide, so
    # every t of Chinese oxide, metal or magnet NdPr counts 1.25 t of raw material
    tables = tiny_tables()
    for row in tables["nodes"]:
        if row["node"] == "CN:mining" and row["commodity"] == "NdPr":
            row["capacity_tonnes_per_year"] = row["output_tonnes_per_year"] = 125
        if row["node"] == "CN:separation" and row["commodity"] == "NdPr":
            row["yield"] = 0.8
    for row in tables["flows"]:
        if row["source"] == "CN:mining" and row["commodity"] == "NdPr":
            row["tonnes_per_year"] = 125
    net = ree.load_network(write_dataset(tmp_path / "lossy", tables))
    # CN: P 125; E = oxide 20 × 1.25 + in magnets 30 × 1.25 = 62.5; apparent 62.5, which is
    # exactly its consumption 50 × 1.25 (the 25 t lost in separation cancel);
    # raw IR = −62.5 / 62.5 = −1 (counting contents instead: −50 / 75)
    assert ind.import_reliance(net, "CN", "NdPr", clip=False) == pytest.approx(-1.0)
    # JP: I = 40 + 20 × 1.25 + 30 × 1.25 = 102.5, nothing else: 1
    assert ind.import_reliance(net, "JP", "NdPr") == pytest.approx(1.0)


def test_import_reliance_at_a_later_stage(tiny: ree.SupplyNetwork) -> None:
    # Australia ships its 40 t of concentrate to China instead of separating it, and buys
    # 20 t of Chinese magnets (6 t NdPr); China sells Japan 60 t of oxide (unbalanced, fine here)
    flows = tiny.flows[["source", "target", "commodity", "tonnes_per_year", *PROV]].copy()
    flows = flows[~flows.source.str.startswith("AU:")]
    flows.loc[
        (flows.source == "CN:separation")
        & (flows.target == "JP:metal")
        & (flows.commodity == "NdPr"),
        "tonnes_per_year",
    ] = 60
    extra = pd.DataFrame(
        [
            {
                "source": "AU:mining",
                "target": "CN:separation",
                "commodity": "NdPr",
                "tonnes_per_year": 40,
                **PROV,
            },
            {
                "source": "CN:magnet",
                "target": "AU:end_use:automotive",
                "commodity": "magnet",
                "tonnes_per_year": 20,
                **PROV,
            },
        ]
    )
    net = _replace(tiny, flows=pd.concat([flows, extra], ignore_index=True))
    # all forms: P 40, I 6, E 40; apparent 6; raw (6 − 40) / 6: a net exporter
    assert ind.import_reliance(net, "AU", "NdPr", clip=False) == pytest.approx(-34 / 6)
    assert ind.import_reliance(net, "AU", "NdPr") == 0.0
    # refined forms (separation or later): P 0 (nothing enters Australian refining), I 6, E 0
    assert ind.import_reliance(net, "AU", "NdPr", "separation") == pytest.approx(1.0)
    # China at separation: P = all the concentrate entering its plants, 100 + 40 = 140;
    # E = oxide 60 + in magnets (100 + 20) × 0.3 = 96; apparent 44 (not its consumption 50:
    # this edited network does not balance, CN:magnet ships 6 t more NdPr than it takes)
    assert ind.import_reliance(net, "CN", "NdPr", "separation", clip=False) == pytest.approx(
        -96 / 44
    )


# --------------------------------------------------------------------------- suppliers, origin


def test_supplier_shares_by_hand(tiny: ree.SupplyNetwork) -> None:
    # JP NdPr consumed 90: JP magnets 60 made from JP:metal's inputs AU 40 / CN 20 (so AU 40,
    # CN 20), Chinese magnets 30 (CN): AU 40/90, CN 50/90
    shares = ind.supplier_shares(tiny, "JP", "NdPr")
    assert list(shares.index) == ["CN", "AU"]  # largest first
    assert shares.index.name == "country"
    assert _series(shares) == pytest.approx({"CN": 5 / 9, "AU": 4 / 9})
    # at a stage: what JP's nodes buy from separation plants: AU 40, CN 20
    assert _series(ind.supplier_shares(tiny, "JP", "NdPr", stage="separation")) == pytest.approx(
        {"AU": 2 / 3, "CN": 1 / 3}
    )
    # from magnet plants, by embedded NdPr: JP 60, CN 30
    assert _series(ind.supplier_shares(tiny, "JP", "NdPr", stage="magnet")) == pytest.approx(
        {"JP": 2 / 3, "CN": 1 / 3}
    )
    # Japan buys nothing from mines: empty
    assert ind.supplier_shares(tiny, "JP", "NdPr", stage="mining").empty


def test_origin_shares_by_hand(tiny: ree.SupplyNetwork) -> None:
    # mining: JP magnets carry AU 40 / CN 20, Chinese magnets CN 30 -> AU 40/90, CN 50/90
    assert _series(ind.origin_shares(tiny, "JP", "NdPr")) == pytest.approx(
        {"CN": 5 / 9, "AU": 4 / 9}
    )
    # separation: AU separates Australian ore, CN Chinese: the same
    assert _series(ind.origin_shares(tiny, "JP", "NdPr", "separation")) == pytest.approx(
        {"CN": 5 / 9, "AU": 4 / 9}
    )
    # metal: JP:metal made 60 of the 90, CN:metal 30
    assert _series(ind.origin_shares(tiny, "JP", "NdPr", "metal")) == pytest.approx(
        {"JP": 2 / 3, "CN": 1 / 3}
    )
    assert _series(ind.origin_shares(tiny, "JP", "DyTb")) == pytest.approx({"CN": 1.0})
    # China consumes only its own: CN:end_use:other gets oxide straight from CN:separation, so at
    # "metal" and "magnet" that tonne counts for the end-use node's own country: still CN
    for stage in ind.ORIGIN_STAGES:
        assert _series(ind.origin_shares(tiny, "CN", "NdPr", stage)) == pytest.approx({"CN": 1.0})


def test_origin_through_a_third_country(with_vietnam: ree.SupplyNetwork) -> None:
    net = with_vietnam
    # JP DyTb consumed 6: JP magnets 4 (inputs JP:metal 2 <- CN oxide, VN:metal 2 <- CN oxide),
    # Chinese magnets 2
    assert ind.consumption(net, "JP", "DyTb") == pytest.approx(6)
    # direct: JP:metal's 2 crossed the border from CN, VN's 2 from VN, magnets 2 from CN
    assert _series(ind.supplier_shares(net, "JP", "DyTb")) == pytest.approx(
        {"CN": 4 / 6, "VN": 2 / 6}
    )
    # origin at separation and mining: all Chinese, although a third is bought from Vietnam
    for stage in ("mining", "separation"):
        assert _series(ind.origin_shares(net, "JP", "DyTb", stage)) == pytest.approx({"CN": 1.0})
    # at metal: JP 2, VN 2, CN 2
    assert _series(ind.origin_shares(net, "JP", "DyTb", "metal")) == pytest.approx(
        {"CN": 1 / 3, "JP": 1 / 3, "VN": 1 / 3}
    )
    # at a stage: JP:magnet buys metal from JP 2 and VN 2
    assert _series(ind.supplier_shares(net, "JP", "DyTb", stage="metal")) == pytest.approx(
        {"JP": 0.5, "VN": 0.5}
    )
    # HHI: direct (2/3)² + (1/3)² = 5/9, origin 1
    assert ind.hhi(net, "JP", "DyTb") == pytest.approx(5 / 9)
    assert ind.hhi(net, "JP", "DyTb", origin=True) == pytest.approx(1.0)
    # Vietnam passes the metal on: consumes none, trades 2 in and 2 out
    assert ind.origin_shares(net, "VN", "DyTb").empty
    assert math.isnan(ind.import_reliance(net, "VN", "DyTb"))


def test_node_without_upstream_is_its_own_origin(tiny: ree.SupplyNetwork) -> None:
    # drop the only DyTb flow into JP:metal: it now makes 4 t DyTb from nothing
    flows = tiny.flows[["source", "target", "commodity", "tonnes_per_year", *PROV]]
    cut = (flows.target == "JP:metal") & (flows.commodity == "DyTb")
    net = _replace(tiny, flows=flows[~cut])
    # JP DyTb 6 t: JP magnets 4 (origin JP:metal, Japan), Chinese magnets 2
    for stage in ("mining", "separation", "metal"):
        assert _series(ind.origin_shares(net, "JP", "DyTb", stage)) == pytest.approx(
            {"JP": 2 / 3, "CN": 1 / 3}
        )
    assert _series(ind.supplier_shares(net, "JP", "DyTb")) == pytest.approx(
        {"JP": 2 / 3, "CN": 1 / 3}
    )
    # primary output counts as production: P 4, I 2 -> IR 2/6
    assert ind.import_reliance(net, "JP", "DyTb") == pytest.approx(1 / 3)


# --------------------------------------------------------------------------- HHI, governance


def test_hhi_by_hand(tiny: ree.SupplyNetwork) -> None:
    # (4/9)² + (5/9)² = 41/81
    assert ind.hhi(tiny, "JP", "NdPr") == pytest.approx(41 / 81)
    assert ind.hhi(tiny, "JP", "NdPr", origin=True) == pytest.approx(41 / 81)
    # origin at metal: (2/3)² + (1/3)² = 5/9
    assert ind.hhi(tiny, "JP", "NdPr", origin=True, stage="metal") == pytest.approx(5 / 9)
    # direct suppliers at separation: AU 2/3, CN 1/3
    assert ind.hhi(tiny, "JP", "NdPr", stage="separation") == pytest.approx(5 / 9)
    assert ind.hhi(tiny, "CN", "DyTb") == pytest.approx(1.0)
    assert math.isnan(ind.hhi(tiny, "AU", "NdPr"))


def test_governance_weights_and_hhi(tiny: ree.SupplyNetwork) -> None:
    w = ind.governance_weights(tiny)
    # (2.5 − WGI) / 5
    assert w.to_dict() == pytest.approx({"CN": 2.83 / 5, "AU": 1.01 / 5, "JP": 1.13 / 5})
    # best governance weighs 0, worst 1; clipped outside the WGI range
    countries = tiny.countries.copy()
    countries["governance"] = [2.5, -2.5, 3.0]
    extreme = ind.governance_weights(_replace(tiny, countries=countries))
    assert extreme.to_dict() == pytest.approx({"CN": 0.0, "AU": 1.0, "JP": 0.0})
    # JP NdPr by origin: (4/9)² × 0.202 + (5/9)² × 0.566 = (3.232 + 14.15) / 81
    assert ind.governance_hhi(tiny, "JP", "NdPr") == pytest.approx(17.382 / 81)
    # all Chinese: 1 × 0.566
    assert ind.governance_hhi(tiny, "JP", "DyTb") == pytest.approx(0.566)
    # direct suppliers at magnets: JP 2/3, CN 1/3: (4/9) × 0.226 + (1/9) × 0.566
    assert ind.governance_hhi(tiny, "JP", "NdPr", origin=False, stage="magnet") == pytest.approx(
        (4 * 0.226 + 0.566) / 9
    )


def test_better_governed_suppliers_lower_the_weighted_hhi(tiny: ree.SupplyNetwork) -> None:
    countries = tiny.countries.copy()
    countries.loc["CN", "governance"] = 1.0
    better = _replace(tiny, countries=countries)
    assert ind.governance_hhi(better, "JP", "NdPr") < ind.governance_hhi(tiny, "JP", "NdPr")
    assert ind.hhi(better, "JP", "NdPr") == ind.hhi(tiny, "JP", "NdPr")


# --------------------------------------------------------------------------- stage shares, SR


def test_stage_shares_by_hand(tiny: ree.SupplyNetwork) -> None:
    # mining NdPr: CN 100, AU 40
    assert _series(ind.stage_shares(tiny, "mining", "NdPr")) == pytest.approx(
        {"CN": 5 / 7, "AU": 2 / 7}
    )
    # mining, all materials: CN 109, AU 40
    assert _series(ind.stage_shares(tiny, "mining")) == pytest.approx(
        {"CN": 109 / 149, "AU": 40 / 149}
    )
    # magnets by magnet tonnes: CN 250, JP 200
    assert _series(ind.stage_shares(tiny, "magnet")) == pytest.approx(
        {"CN": 250 / 450, "JP": 200 / 450}
    )
    # magnets by embedded DyTb: CN 5, JP 4
    assert _series(ind.stage_shares(tiny, "magnet", "DyTb")) == pytest.approx(
        {"CN": 5 / 9, "JP": 4 / 9}
    )
    # end use = consumption: NdPr JP 90, CN 50
    assert _series(ind.stage_shares(tiny, "end_use", "NdPr")) == pytest.approx(
        {"JP": 90 / 140, "CN": 50 / 140}
    )
    # nobody mines DyTb outside China
    assert _series(ind.stage_shares(tiny, "mining", "DyTb")) == {"CN": 1.0}


def test_supply_risk_by_hand(tiny: ree.SupplyNetwork) -> None:
    # JP NdPr, stage mining. WGI scaled 0..10: CN 5.66, AU 2.02.
    # global supply (mining CN 5/7, AU 2/7): (25 × 5.66 + 4 × 2.02) / 49 = 149.58 / 49
    gs = 149.58 / 49
    # sourcing (direct: CN 5/9, AU 4/9): (25 × 5.66 + 16 × 2.02) / 81 = 173.82 / 81
    src = 173.82 / 81
    # IR 1, EoL-RIR 0.01 (the loader's default recycling_rate), SI 1
    expected = (gs * 1 / 2 + src * (1 - 1 / 2)) * (1 - 0.01) * 1
    assert ind.supply_risk(tiny, "JP", "NdPr") == pytest.approx(expected)
    assert expected == pytest.approx(2.5733, abs=1e-4)
    # with a recycling rate of 20 % and a substitution index of 0.9
    assert ind.supply_risk(
        tiny, "JP", "NdPr", eol_rir=0.2, substitution_index=0.9
    ) == pytest.approx((gs / 2 + src / 2) * 0.8 * 0.9)
    # CN DyTb: IR 0 -> only its sourcing counts, all Chinese: 5.66 × 0.99
    assert ind.supply_risk(tiny, "CN", "DyTb") == pytest.approx(5.66 * 0.99)
    # origin sourcing at separation for JP NdPr is the same mix as direct here
    assert ind.supply_risk(tiny, "JP", "NdPr", stage="separation", origin=True) == pytest.approx(
        # separation world shares equal mining's (CN 100, AU 40)
        expected
    )


def test_supply_risk_is_none_without_inputs(tiny: ree.SupplyNetwork) -> None:
    assert ind.supply_risk(tiny, "AU", "NdPr") is None  # consumes none
    no_rate = _replace(
        tiny, parameters={k: v for k, v in tiny.parameters.items() if k != "recycling_rate"}
    )
    assert ind.supply_risk(no_rate, "JP", "NdPr") is None
    assert ind.supply_risk(no_rate, "JP", "NdPr", eol_rir=0.0) is not None
    with pytest.raises(ValueError, match="substitution_index"):
        ind.supply_risk(tiny, "JP", "NdPr", substitution_index=1.5)
    with pytest.raises(ValueError, match="eol_rir"):
        ind.supply_risk(tiny, "JP", "NdPr", eol_rir=-0.1)


def test_dependence_table(tiny: ree.SupplyNetwork) -> None:
    table = ind.dependence_table(tiny, "JP")
    assert list(table.index) == ["NdPr", "DyTb"]
    assert table.index.name == "material"
    nd = table.loc["NdPr"]
    assert nd["consumption_tonnes_per_year"] == pytest.approx(90)
    assert nd["import_reliance"] == pytest.approx(1.0)
    assert nd["top_mining_origin"] == "CN" and nd["top_mining_share"] == pytest.approx(5 / 9)
    assert nd["top_separation_origin"] == "CN"
    assert nd["hhi_direct"] == pytest.approx(41 / 81)
    assert nd["hhi_origin"] == pytest.approx(41 / 81)
    assert nd["governance_hhi"] == pytest.approx(17.382 / 81)
    assert nd["supply_risk"] == pytest.approx(2.5733, abs=1e-4)
    # a country that consumes nothing: NaN and None, not an error
    au = ind.dependence_table(tiny, "AU")
    assert au["top_mining_origin"].isna().all()
    assert au[["import_reliance", "hhi_direct", "supply_risk"]].isna().all().all()


# --------------------------------------------------------------------------- errors


def test_unknown_names_say_what_exists(tiny: ree.SupplyNetwork) -> None:
    with pytest.raises(UnknownNameError, match=r"unknown country 'XX'.*CN, AU, JP"):
        ind.import_reliance(tiny, "XX", "NdPr")
    with pytest.raises(UnknownNameError, match=r"unknown material 'Sm'.*NdPr, DyTb"):
        ind.origin_shares(tiny, "JP", "Sm")
    with pytest.raises(UnknownNameError, match=r"unknown stage 'end_use'.*mining, separation"):
        ind.origin_shares(tiny, "JP", "NdPr", stage="end_use")
    with pytest.raises(UnknownNameError, match="unknown stage"):
        ind.stage_shares(tiny, "refining")
    with pytest.raises(UnknownNameError, match="unknown country"):
        ind.dependence_table(tiny, "jp")
    with pytest.raises(LookupError):  # the builtin it refines
        ind.hhi(tiny, "JP", "magnet")


def test_no_consumption_is_empty_not_an_error(tiny: ree.SupplyNetwork) -> None:
    for f in (ind.supplier_shares, ind.origin_shares):
        shares = f(tiny, "AU", "DyTb")
        assert shares.empty and shares.dtype == float and shares.index.name == "country"
    assert math.isnan(ind.governance_hhi(tiny, "AU", "DyTb"))


# --------------------------------------------------------------------------- properties

COUNTRIES = ["CN", "AU", "JP"]
MATERIALS = ["NdPr", "DyTb"]
RECIPE = {"NdPr": 0.3, "DyTb": 0.02}


def _node(country: str, stage: str) -> str:
    return f"{country}:end_use:other" if stage == "end_use" else f"{country}:{stage}"


@st.composite
def random_flows(draw: st.DrawFn) -> list[tuple[str, str, str, float]]:
    """Random flows between the (country, stage) nodes of CN, AU, JP: any later stage, any country."""
    nodes = [(c, s) for c in COUNTRIES for s in STAGES]
    flows = []
    for _ in range(draw(st.integers(1, 30))):
        (c1, s1), (c2, s2) = draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))
        if STAGES.index(s2) <= STAGES.index(s1):
            continue
        commodity = "magnet" if s1 == "magnet" else draw(st.sampled_from(MATERIALS))
        tonnes = draw(st.floats(0.5, 100.0))
        flows.append((_node(c1, s1), _node(c2, s2), commodity, tonnes))
    return flows


def _network(
    tiny: ree.SupplyNetwork, flows: list[tuple[str, str, str, float]]
) -> ree.SupplyNetwork:
    table = pd.DataFrame(
        [
            {"source": s, "target": t, "commodity": c, "tonnes_per_year": v, **PROV}
            for s, t, c, v in flows
        ],
        columns=["source", "target", "commodity", "tonnes_per_year", *PROV],
    )
    return _replace(tiny, flows=table)


def _naive_origin(
    flows: list[tuple[str, str, str, float]],
    country: str,
    material: str,
    stage: str,
    recipe: Callable[[str], dict[str, float]] = lambda node: RECIPE,
) -> dict[str, float]:
    """Origin shares by recursion over nodes (the definition, written out; small networks only)."""
    s = STAGES.index(stage)
    inputs: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for src, tgt, commodity, tonnes in flows:
        w = (
            tonnes
            if commodity == material
            else tonnes * recipe(src).get(material, 0.0)
            if commodity == "magnet"
            else 0.0
        )
        if w > 0:
            inputs[tgt].append((src, w))

    def stage_of(node: str) -> int:
        return STAGES.index(node.split(":")[1])

    def mix(node: str) -> dict[str, float]:
        own = node.split(":")[0]
        total = sum(w for _, w in inputs[node])
        if total <= 0:
            return {own: 1.0}
        out: dict[str, float] = defaultdict(float)
        for src, w in inputs[node]:
            upstream = mix(src) if stage_of(src) >= s else {own: 1.0}
            for k, v in upstream.items():
                out[k] += w / total * v
        return out

    result: dict[str, float] = defaultdict(float)
    for node in {t for _, t, _, _ in flows}:
        if node.startswith(f"{country}:end_use"):
            for src, w in inputs[node]:
                upstream = mix(src) if stage_of(src) >= s else {country: 1.0}
                for k, v in upstream.items():
                    result[k] += w * v
    total = sum(result.values())
    return {k: v / total for k, v in result.items() if v > 1e-12 * total} if total > 0 else {}


@settings(max_examples=60, deadline=None)
@given(flows=random_flows(), stage=st.sampled_from(ind.ORIGIN_STAGES))
def test_properties_on_random_networks(tiny_tables_net: ree.SupplyNetwork, flows, stage) -> None:  # type: ignore[no-untyped-def]
    net = _network(tiny_tables_net, flows)
    for country in COUNTRIES:
        for material in MATERIALS:
            origin = ind.origin_shares(net, country, material, stage)
            direct = ind.supplier_shares(net, country, material)
            consumed = ind.consumption(net, country, material)
            assert _series(origin) == pytest.approx(_naive_origin(flows, country, material, stage))
            for shares in (origin, direct):
                if consumed > 0:
                    assert float(shares.sum()) == pytest.approx(1.0)
                    assert (shares > 0).all()
                    assert list(shares) == sorted(shares, reverse=True)
                    h = ind._hhi(shares)
                    assert 1 / len(shares) - 1e-9 <= h <= 1 + 1e-9
                    assert 0 <= ind._governance_hhi(net, shares) <= h + 1e-12
                else:
                    assert shares.empty
            ir = ind.import_reliance(net, country, material)
            assert math.isnan(ir) or 0.0 <= ir <= 1.0
            risk = ind.supply_risk(net, country, material)
            assert risk is None or 0.0 <= risk <= 10.0


@pytest.fixture(scope="module")
def tiny_tables_net(tmp_path_factory: pytest.TempPathFactory) -> ree.SupplyNetwork:
    """The tiny network, shared by the examples of a property test (never edited in place)."""
    return ree.load_network(write_dataset(tmp_path_factory.mktemp("tiny") / "tiny"))


def test_synthetic_network_matches_the_definition() -> None:
    """A few hundred nodes of a realistic synthetic network: sparse tracing = node recursion."""
    from rareearth import synthetic

    net = synthetic.network(nodes=300, seed=3)
    flows = list(
        net.flows[["source", "target", "commodity", "tonnes_per_year"]].itertuples(
            index=False, name=None
        )
    )
    recipes = {node: net.recipe(node) for node in net.flows.source.unique()}
    consumers = net.flows.loc[net.flows.target_stage == "end_use", "target_country"].unique()
    for country in consumers[:6]:
        for stage in ("mining", "separation"):
            expected = _naive_origin(flows, country, "DyTb", stage, recipes.__getitem__)
            assert _series(ind.origin_shares(net, country, "DyTb", stage)) == pytest.approx(
                expected
            )


@pytest.mark.slow
def test_indicators_scale_to_large_networks() -> None:
    """10^5 nodes, 3.5 × 10^5 flows: sparse tracing, no path enumeration (about 1 s here)."""
    from rareearth import synthetic

    net = synthetic.network(nodes=100_000, seed=1)
    start = time.perf_counter()
    table = ind.dependence_table(net, "JP")
    elapsed = time.perf_counter() - start
    consumed = table["consumption_tonnes_per_year"] > 0
    assert consumed.any()
    assert table.loc[consumed, "top_separation_share"].between(0, 1).all()
    shares = ind.origin_shares(net, "JP", "DyTb", stage="separation")
    assert float(shares.sum()) == pytest.approx(1.0)
    assert elapsed < 60  # generous; path enumeration would not finish


# --------------------------------------------------------------------------- built-in data


@needs_world
def test_japan_dytb_is_chinese_at_separation() -> None:
    net = ree.load_network("world-2024")
    separation = ind.origin_shares(net, "JP", "DyTb", stage="separation")
    assert float(separation["CN"]) >= 0.85
    direct = ind.supplier_shares(net, "JP", "DyTb")
    # bought partly elsewhere, separated in China all the same
    assert float(separation["CN"]) >= float(direct.get("CN", 0.0))


@needs_world
def test_world_tables_are_well_formed() -> None:
    for name in ("world-2024", "world-2009"):
        if name not in ree.datasets():
            continue
        net = ree.load_network(name)
        table = ind.dependence_table(net, "JP")
        assert list(table.index) == net.material_ids
        consumed = table["consumption_tonnes_per_year"] > 0
        assert table.loc[consumed, "import_reliance"].between(0, 1).all()
        assert table.loc[consumed, "hhi_origin"].between(0, 1).all()


@needs_world
def test_world_apparent_consumption_is_consumption_in_raw_equivalent() -> None:
    """With a balanced baseline, P + I − E (raw-material equivalent) = what end uses take."""
    for name in ("world-2024", "world-2009"):
        if name not in ree.datasets():
            continue
        net = ree.load_network(name)
        a = ind._arrays(net)
        for k, country in enumerate(a.countries):
            for material in a.materials:
                raw = a.raw_weights(material)
                src, tgt = a.node_country[a.source], a.node_country[a.target]
                inflow = np.bincount(a.target, weights=raw, minlength=a.n_nodes)
                outflow = np.bincount(a.source, weights=raw, minlength=a.n_nodes)
                production = outflow[(a.node_country == k) & (inflow <= 0)].sum()
                apparent = (
                    production
                    + raw[(tgt == k) & (src != k)].sum()
                    - raw[(src == k) & (tgt != k)].sum()
                )
                consumed = ind._consumed(a, raw, k).sum()
                scale = max(1.0, production + raw[(tgt == k) & (src != k)].sum())
                assert apparent == pytest.approx(consumed, abs=0.01 * scale), (
                    name,
                    country,
                    material,
                )
