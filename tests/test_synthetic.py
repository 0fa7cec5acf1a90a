"""Synthetic networks and scenarios: exact balance, shape, determinism, validity."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

import rareearth as ree
from rareearth import synthetic
from rareearth.data import check_balance
from rareearth.network import SupplyNetwork
from rareearth.records import MAGNET, STAGES
from rareearth.scenario import CapacityShock, ExportRestriction
from tests.factory import write_dataset


@pytest.fixture(scope="module")
def net() -> SupplyNetwork:
    return synthetic.network(nodes=2000, seed=7)


def _records(frame: pd.DataFrame) -> list[tuple[int, Any]]:
    """DataFrame rows as (line, record-like) pairs, as ``check_balance`` reads them."""
    rows = frame.rename(columns={"yield": "yield_"}).to_dict("records")
    return [(i + 2, SimpleNamespace(**row)) for i, row in enumerate(rows)]


def _gaps(net: SupplyNetwork) -> pd.Series:
    """Relative gap of every balance equation of docs/dataset-format.md (vectorised)."""
    f = net.flows
    out = f.groupby(["source", "commodity"])["tonnes_per_year"].sum()
    inflow = f.groupby(["target", "commodity"])["tonnes_per_year"].sum()
    p = net.producers.set_index(["node", "commodity"])
    gaps = [(p["output_tonnes_per_year"] - out.reindex(p.index, fill_value=0.0))
            / p["output_tonnes_per_year"]]
    stage = p.index.get_level_values("node").str.split(":").str[1]
    mid = p[stage.isin(["separation", "metal"])]
    gaps.append((inflow.reindex(mid.index, fill_value=0.0) * mid["yield"]
                 - mid["output_tonnes_per_year"]) / mid["output_tonnes_per_year"])
    magnets = p[stage == "magnet"].reset_index()
    recipe = net.recipes
    default = recipe[recipe["node"] == "default"].set_index("material")["tonnes_per_tonne"]
    own = recipe[recipe["node"] != "default"].set_index(["node", "material"])["tonnes_per_tonne"]
    for material in default.index:
        key = pd.MultiIndex.from_arrays([magnets["node"], [material] * len(magnets)])
        share = own.reindex(key).to_numpy()
        share = np.where(np.isnan(share), default[material], share)
        need = share * magnets["output_tonnes_per_year"].to_numpy()
        got = inflow.reindex(key, fill_value=0.0).to_numpy() * magnets["yield"].to_numpy()
        gaps.append(pd.Series((got - need) / need, index=key))
    d = net.demand.set_index(["node", "commodity"])["demand_tonnes_per_year"]
    gaps.append((inflow.reindex(d.index, fill_value=0.0) - d) / d)
    return pd.concat(gaps)


def _share(net: SupplyNetwork, stage: str, country: str) -> float:
    p = net.nodes[(net.nodes["stage"] == stage) & (net.nodes["commodity"] != "LaCe")]
    by_country = p.groupby("country")["output_tonnes_per_year"].sum()
    return float(by_country.get(country, 0.0) / by_country.sum())


def test_balance_is_exact(net: SupplyNetwork) -> None:
    gaps = _gaps(net)
    assert len(gaps) > len(net.node_ids)
    assert np.abs(gaps.to_numpy()).max() < 1e-9


def test_balance_passes_the_loader_check(net: SupplyNetwork) -> None:
    tables = {
        "nodes": _records(net.producers),
        "flows": _records(net.flows),
        "recipes": _records(net.recipes),
        "demand": _records(net.demand),
    }
    assert check_balance(tables, tolerance=1e-6) == []


@pytest.mark.parametrize("nodes", [20, 50, 333, 5000])
def test_sizes_and_sparsity(nodes: int) -> None:
    net = synthetic.network(nodes=nodes, seed=1)
    assert len(net.node_ids) == nodes
    assert len(set(net.flows["source"]) | set(net.flows["target"])) == nodes  # no idle node
    assert not net.flows.duplicated(["source", "target", "commodity"]).any()
    assert (net.flows["tonnes_per_year"] > 0).all()
    stages = pd.Series([n.split(":")[1] for n in net.node_ids]).value_counts()
    assert set(stages.index) == set(STAGES)
    assert stages["mining"] <= stages["separation"] <= stages["metal"] <= stages["magnet"]
    assert stages["magnet"] < stages["end_use"]
    if nodes >= 1000:
        assert 3 * nodes <= len(net.flows) <= 5 * nodes
    assert np.abs(_gaps(net).to_numpy()).max() < 1e-9


def test_layers_and_commodities(net: SupplyNetwork) -> None:
    f = net.flows
    order = {s: i for i, s in enumerate(STAGES)}
    assert (f["source_stage"].map(order) < f["target_stage"].map(order)).all()
    magnets = f[f["commodity"] == MAGNET]
    assert set(magnets["source_stage"]) == {"magnet"} and set(magnets["target_stage"]) == {"end_use"}
    lace = f[f["commodity"] == "LaCe"]
    assert set(lace["source_stage"]) == {"mining", "separation"}
    assert set(lace["target_stage"]) == {"separation", "end_use"}
    into_magnets = f[f["target_stage"] == "magnet"]
    assert set(into_magnets["commodity"]) == {"NdPr", "DyTb"}
    suppliers = f.groupby(["target", "commodity"]).size()
    assert 1 <= suppliers.median() <= 4 and suppliers.max() <= 10  # idle plants add a buyer


def test_realistic_shape(net: SupplyNetwork) -> None:
    assert 25 <= len(net.countries) <= 40
    assert 0.55 <= _share(net, "mining", "CN") <= 0.85
    assert _share(net, "separation", "CN") >= 0.8
    assert _share(net, "magnet", "CN") >= 0.8
    p = net.nodes[net.nodes["stage"] != "end_use"]
    spare = p["capacity_tonnes_per_year"] / p["output_tonnes_per_year"] - 1
    assert (spare >= 0).all()
    china = p["country"] == "CN"
    assert spare[~china].mean() > 2 * spare[china].mean()
    assert len(net.stocks) > 0 and (net.stocks["stock_tonnes"] > 0).all()
    assert sorted(net.stockpiles["country"].unique()) == ["JP", "KR"]
    assert set(net.recipes["node"]) - {"default"}, "some magnet plants have their own recipe"
    compiled = net.compile()
    assert compiled.n_nodes == 2000 and compiled.recipe[compiled.node_stage == 3].all(axis=0)[:2].all()


def test_same_seed_same_network() -> None:
    a = synthetic.network(nodes=500, seed=3)
    b = synthetic.network(nodes=500, seed=3)
    c = synthetic.network(nodes=500, seed=4)
    for table in ("flows", "nodes", "demand", "recipes", "stocks", "stockpiles", "countries"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table))
    assert a.digest == b.digest != c.digest
    assert not a.flows["tonnes_per_year"].equals(c.flows["tonnes_per_year"])


def test_countries_and_materials() -> None:
    net = synthetic.network(nodes=300, seed=0, countries=["US", "JP", "CN", "XA"],
                            materials=("NdPr", "DyTb", "LaCe", "Y"))
    assert net.country_codes == ["US", "JP", "CN", "XA"]
    assert net.commodities == ["NdPr", "DyTb", "LaCe", "Y", MAGNET]
    assert _share(net, "magnet", "CN") > 0.5
    assert set(net.flows.loc[net.flows["commodity"] == "Y", "target_stage"]) <= {
        "separation", "end_use"}
    assert np.abs(_gaps(net).to_numpy()).max() < 1e-9
    few = synthetic.network(nodes=60, seed=0, countries=3, materials=("NdPr",))
    assert few.country_codes == ["CN", "US", "JP"] and few.commodities == ["NdPr", MAGNET]
    assert np.abs(_gaps(few).to_numpy()).max() < 1e-9


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"nodes": 10}, "at least 20"),
        ({"countries": 1}, "give 2"),
        ({"countries": ["CN", "CN"]}, "distinct"),
        ({"countries": ["CN", "jp"]}, "upper-case"),
        ({"materials": ("LaCe",)}, "NdPr or DyTb"),
        ({"materials": ("magnet", "NdPr")}, "not a material id"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        synthetic.network(**kwargs)


def test_small_network_is_a_valid_dataset(tmp_path: Path) -> None:
    """With one end user per country and sector, the tables load through the real loader."""
    net = synthetic.network(nodes=40, seed=2)
    assert not net.demand["node"].str.contains("-").any()
    drop = ["country", "sector"]
    tables = {
        "countries": net.countries.reset_index(),
        "materials": net.materials.reset_index(),
        "nodes": net.producers,
        "flows": net.flows[["source", "target", "commodity", "tonnes_per_year", "ref",
                            "confidence", "method"]],
        "recipes": net.recipes,
        "demand": net.demand.drop(columns=drop),
        "stocks": net.stocks,
        "stockpiles": net.stockpiles,
    }
    rows = {name: t.to_dict("records") for name, t in tables.items() if len(t)}
    path = write_dataset(tmp_path / "synthetic", rows, name="synthetic")
    package = (path / "datapackage.json").read_text().replace('"test"', '"synthetic"')
    (path / "datapackage.json").write_text(package)
    loaded = ree.load_network(path)
    assert loaded.node_ids == net.node_ids
    assert len(loaded.flows) == len(net.flows)


def test_large_end_use_ids_keep_the_sector() -> None:
    net = synthetic.network(nodes=3000, seed=0)
    d = net.demand
    suffixed = d[d["node"].str.contains("-")]
    assert len(suffixed) > 0
    assert (suffixed["node"].str.split(":").str[2].str.rsplit("-", n=1).str[0]
            == suffixed["sector"]).all()
    assert d["node"].is_unique


def test_scenario_is_valid_and_deterministic(net: SupplyNetwork) -> None:
    for seed in range(20):
        sc = synthetic.scenario(net, months=120, seed=seed, n_events=3)
        sc.validate_for(net)
        assert sc.months == 120 and len(sc.events) == 3
        for ev in sc.events:
            if isinstance(ev, ExportRestriction):
                assert ev.exporter == "CN" and 0.1 <= ev.severity <= 1
            else:
                assert isinstance(ev, CapacityShock) and ev.country != "CN"
        assert sc.intensity().max() > 0
    assert synthetic.scenario(net, seed=5) == synthetic.scenario(net, seed=5)
    assert synthetic.scenario(net, seed=5) != synthetic.scenario(net, seed=6)
    assert synthetic.scenario(net, months=1, n_events=0).events == []


def test_scenario_without_validation_is_the_same(net: SupplyNetwork) -> None:
    assert synthetic.scenario(net, seed=9, validate=False) == synthetic.scenario(net, seed=9)


# ---------------------------------------------------------------------------- networkx reference


def test_nx_reference_reproduces_the_baseline() -> None:
    from benchmarks import nx_reference as nxr

    net = synthetic.network(nodes=300, seed=4)
    g = nxr.build_graph(net)
    shipped = nxr.step(g, keep={})
    base = {(s, t, c): v / 12.0 for s, t, c, v in zip(
        net.flows["source"], net.flows["target"], net.flows["commodity"],
        net.flows["tonnes_per_year"], strict=True)}
    assert shipped.keys() == base.keys()
    assert max(abs(shipped[k] - base[k]) / base[k] for k in base) < 1e-9


def test_nx_reference_cuts_restricted_flows() -> None:
    from benchmarks import nx_reference as nxr

    net = synthetic.network(nodes=300, seed=4)
    sc = ree.Scenario(name="cut", start="2025-01", months=2, events=[ExportRestriction(
        exporter="CN", targets=["JP"], commodities=["magnet"], severity=0.5,
        start="2025-01", end="2025-02")])
    g = nxr.build_graph(net)
    keep = nxr.restriction_keep(net, sc, 0)
    assert keep == {("CN", "JP", "magnet"): 0.5}
    shipped = nxr.step(g, keep)
    f = net.flows
    cut = (f["source_country"] == "CN") & (f["target_country"] == "JP") & (f["commodity"] == MAGNET)
    assert cut.any()
    for s, t, c, v, hit in zip(f["source"], f["target"], f["commodity"], f["tonnes_per_year"], cut,
                               strict=True):
        assert shipped[(s, t, c)] == pytest.approx(v / 12.0 * (0.5 if hit else 1.0), rel=1e-9)


@pytest.mark.parametrize(
    "events",
    [
        [("MM", 1.0, "all"), ("NG", 0.5, "all")],  # mining cut: shortage through every stage
        [("CN", 0.5, ["magnet"])],  # the dominant magnet maker's exports halved
    ],
)
def test_nx_reference_matches_the_engine(events: list[tuple[str, float, Any]]) -> None:
    """The benchmark's networkx step ships what the engine ships in month one (no rerouting)."""
    from benchmarks import nx_reference as nxr

    net = synthetic.network(nodes=300, seed=4)
    # no stocks or stockpiles: the first month then depends on production and allocation only
    net = net.replace(stocks=net.stocks.iloc[:0], stockpiles=net.stockpiles.iloc[:0],
                      demand=net.demand.drop(columns="country"))
    sc = ree.Scenario(name="cut", start="2025-01", months=2, events=[
        ExportRestriction(exporter=exporter, targets="all", commodities=commodities,
                          severity=severity, start="2025-01", end="2025-02")
        for exporter, severity, commodities in events])
    flows = ree.simulate(net, sc).flows
    first = flows[flows["month"] == flows["month"].iloc[0]]
    assert not (first["rerouted"] & (first["tonnes"] > 1e-9)).any(), "a no-rerouting case"
    edges = first[~first["rerouted"]]
    engine = {(s, t, c): v for s, t, c, v in zip(edges["source"], edges["target"],
                                                 edges["commodity"], edges["tonnes"], strict=True)}
    shipped = nxr.step(nxr.build_graph(net), nxr.restriction_keep(net, sc, 0))
    assert engine.keys() == shipped.keys()
    base = net.flows.set_index(["source", "target", "commodity"])["tonnes_per_year"] / 12.0
    assert sum(abs(shipped[k] - base[k]) > 1e-6 * base[k] for k in shipped) > 100  # it bites
    for key, tonnes in shipped.items():
        assert engine[key] == pytest.approx(tonnes, rel=1e-9, abs=1e-9)
