"""The built-in datasets reproduce their sources, within the sources' own ranges.

Each section loads one dataset through the public API (``ree.load_network(name)``) and checks
the shares and totals its build script was made to reproduce. The figures and their sources are
in ``../shared/reference/rare_earth_facts.csv``; ``datasets/README.md`` explains the methods.
"""

from __future__ import annotations

import pandas as pd
import pytest

import rareearth as ree

# =====================================================================================
# world-2024
# =====================================================================================

#: USGS MCS 2025, mine production 2024 (t REO); "ROW" is USGS' "other countries".
USGS_2024 = {
    "CN": 270_000, "US": 45_000, "MM": 31_000, "AU": 13_000, "NG": 13_000, "TH": 13_000,
    "IN": 2_900, "RU": 2_500, "MG": 2_000, "VN": 300, "MY": 130, "BR": 20, "ROW": 1_100,
}
USGS_2024_WORLD = 390_000  # printed rounded to two significant figures (sum of rows: 393,950)


@pytest.fixture(scope="module")
def w24() -> ree.SupplyNetwork:
    return ree.load_network("world-2024")


def _stage_output(net: ree.SupplyNetwork, stage: str, commodity: str | None = None) -> pd.Series:
    """Baseline output of a stage per country (t/yr), optionally for one commodity."""
    nodes = net.nodes[net.nodes["stage"] == stage]
    if commodity is not None:
        nodes = nodes[nodes["commodity"] == commodity]
    return nodes.groupby("country")["output_tonnes_per_year"].sum()


def _japan_imports_reo(net: ree.SupplyNetwork) -> pd.Series:
    """Japan's imports per supplying country, t REO/yr.

    "Imports" are all flows entering a JP node from a node of another country: materials count
    in t REO as they are; magnets count as REO-equivalent, t magnet x the sum of the recipe
    (t REO of materials per t of magnet) of the magnet node that made them.
    """
    f = net.flows
    imports = f[(f["target_country"] == "JP") & (f["source_country"] != "JP")].copy()
    per_t = imports.apply(
        lambda r: sum(net.recipe(r["source"]).values()) if r["commodity"] == "magnet" else 1.0, axis=1
    )
    imports["reo"] = imports["tonnes_per_year"] * per_t
    return imports.groupby("source_country")["reo"].sum()


def test_w24_loads_balanced_and_moderate(w24: ree.SupplyNetwork) -> None:
    assert w24.reference_year == 2024
    assert 50 <= len(w24.node_ids) <= 150
    assert {"NdPr", "DyTb", "LaCe"} <= set(w24.material_ids)
    assert {"CN", "AU", "US", "MM", "MY", "VN", "IN", "TH", "RU", "BR", "JP", "KR", "EU", "ROW"} <= set(
        w24.country_codes
    )
    stages = set(w24.nodes["stage"])
    assert {"mining", "separation", "metal", "magnet", "end_use"} <= stages


def test_w24_every_row_has_provenance(w24: ree.SupplyNetwork) -> None:
    declared = set(w24.sources.index)
    for table in (w24.flows, w24.nodes):
        assert table["ref"].str.len().gt(0).all()
        cited = {s for refs in table["ref"] for s in refs.split(";")}
        assert cited <= declared
        made = table["confidence"].isin(["derived", "estimate"])
        assert table.loc[made, "method"].str.len().gt(0).all()


def test_w24_mining_matches_usgs_per_country(w24: ree.SupplyNetwork) -> None:
    mining = _stage_output(w24, "mining")
    for country, tonnes in USGS_2024.items():
        assert mining[country] == pytest.approx(tonnes, abs=0.5), country
    # the printed world total is rounded to 2 significant figures: +-5,000 t
    assert abs(mining.sum() - USGS_2024_WORLD) <= 5_000


def test_w24_china_mining_share(w24: ree.SupplyNetwork) -> None:
    mining = _stage_output(w24, "mining")
    # USGS: 270,000 / 390,000 = 69% (on the unrounded sum of rows: 68.5%)
    assert mining["CN"] / mining.sum() == pytest.approx(0.69, abs=0.01)


def test_w24_china_separation_share(w24: ree.SupplyNetwork) -> None:
    sep = _stage_output(w24, "separation")
    # IEA: 91-92% of separation/refining
    assert 0.88 <= sep["CN"] / sep.sum() <= 0.95


def test_w24_china_magnet_share(w24: ree.SupplyNetwork) -> None:
    mag = _stage_output(w24, "magnet", "magnet")
    # IEA: 94% of permanent-magnet manufacturing (2024); Fuji Keizai 84% (2021)
    assert 0.88 <= mag["CN"] / mag.sum() <= 0.95
    # JSNM: Japan 12,400 t (2020), 13,000-14,000 t (2017-19)
    assert 12_000 <= mag["JP"] <= 14_000


def test_w24_china_share_of_japan_imports(w24: ree.SupplyNetwork) -> None:
    imports = _japan_imports_reo(w24)
    # JOGMEC: ~70% (2024), ">60%" on a JOGMEC-based chart
    assert 0.60 <= imports["CN"] / imports.sum() <= 0.72


def test_w24_company_and_trade_anchors(w24: ree.SupplyNetwork) -> None:
    f = w24.flows
    sep = w24.nodes.set_index(["node", "commodity"])["output_tonnes_per_year"]
    assert sep[("MY:separation:lynas", "NdPr")] == pytest.approx(5_655, rel=0.01)  # Lynas FY24
    assert sep[("US:separation:mountain-pass", "NdPr")] == pytest.approx(1_294, rel=0.01)  # MP 2024
    lynas_to_cn = f[(f["source"] == "MY:separation:lynas") & (f["target_country"] == "CN")]
    assert lynas_to_cn["tonnes_per_year"].sum() == pytest.approx(3_261, rel=0.01)
    mags = f[(f["source"] == "CN:magnet") & (f["target_country"] != "CN")]
    assert mags["tonnes_per_year"].sum() == pytest.approx(58_152, rel=0.01)  # GACC 2024
    # Mountain Pass concentrate went mostly to China in 2024
    mp = f[f["source"] == "US:mining:mountain-pass"].groupby("target_country")["tonnes_per_year"].sum()
    assert mp["CN"] / mp.sum() > 0.7


def test_w24_china_mining_at_quota(w24: ree.SupplyNetwork) -> None:
    cn = w24.nodes[(w24.nodes["stage"] == "mining") & (w24.nodes["country"] == "CN")]
    spare = (cn["capacity_tonnes_per_year"] - cn["output_tonnes_per_year"]).sum()
    assert spare <= 0.01 * cn["output_tonnes_per_year"].sum()
    nodes = w24.nodes.dropna(subset=["capacity_tonnes_per_year"])
    assert (nodes["capacity_tonnes_per_year"] >= nodes["output_tonnes_per_year"] - 1e-6).all()


def test_w24_japan_has_stocks_and_stockpile(w24: ree.SupplyNetwork) -> None:
    assert set(w24.stocks["node"]) >= {"JP:magnet", "JP:end_use:automotive"}
    jp = w24.stockpiles[w24.stockpiles["country"] == "JP"]
    assert {"NdPr", "DyTb"} <= set(jp["material"])
    assert set(w24.parameter_ranges) >= {"lead_time_months", "ramp_rate_per_month", "price_cap"}


# =====================================================================================
# world-2009 (appended by its author)
# =====================================================================================
