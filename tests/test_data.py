"""The loader: the tiny dataset loads; every bad dataset gives one clear error naming the place."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import rareearth as ree
from rareearth.errors import DataError, UnknownNameError
from tests.factory import UNITS, tiny_tables, write_dataset


def test_tiny_loads_with_tidy_views(tiny: ree.SupplyNetwork) -> None:
    assert tiny.country_codes == ["CN", "AU", "JP"]
    assert tiny.commodities == ["NdPr", "DyTb", "magnet"]
    assert len(tiny.node_ids) == 12
    jp = tiny.flows[tiny.flows.target_country == "JP"]
    assert set(jp.source_country) == {"CN", "AU", "JP"}
    assert tiny.nodes.loc[tiny.nodes.node == "JP:end_use:automotive", "demand_tonnes_per_year"].item() == 250
    assert tiny.recipe("JP:magnet") == {"NdPr": 0.3, "DyTb": 0.02}
    assert tiny.parameters["lead_time_months"] == 2
    assert tiny.parameters["price_cap"] == 10.0  # a documented default where the dataset is silent


def test_graph_and_exports(tiny: ree.SupplyNetwork, tmp_path: Path) -> None:
    g = tiny.graph
    assert isinstance(g, nx.DiGraph)
    assert g.edges["CN:separation", "JP:metal"]["tonnes_NdPr"] == 20
    assert g.edges["CN:separation", "JP:metal"]["tonnes_per_year"] == 24
    assert g.nodes["JP:magnet"]["output_magnet"] == 200
    back = nx.read_graphml(tiny.to_graphml(tmp_path / "n.graphml"))
    assert back.number_of_edges() == g.number_of_edges()
    data = json.loads((tiny.to_json(tmp_path / "n.json")).read_text())
    assert len(data["nodes"]) == 12
    files = tiny.to_csv(tmp_path / "csv")
    assert [f.name for f in files] == ["nodes.csv", "flows.csv"]


def test_compile_arrays(tiny: ree.SupplyNetwork) -> None:
    c = tiny.compile()
    assert c.node_ids[0].endswith(":mining") and c.node_ids[-1].startswith("JP:end_use")
    assert np.all(np.diff(c.node_stage) >= 0)
    i, m = c.node_index["JP:magnet"], c.commodity_index["magnet"]
    assert c.output[i, m] == 200 and c.capacity[i, m] == 220
    assert c.recipe[i, c.commodity_index["DyTb"]] == 0.02
    assert c.edge_tonnes.sum() == pytest.approx(tiny.flows.tonnes_per_year.sum())
    assert c.stockpile[c.country_index["JP"], c.commodity_index["DyTb"]] == 0.5


def _bad(tmp_path: Path, mutate, units=None) -> str:  # type: ignore[no-untyped-def]
    tables = tiny_tables()
    mutate(tables)
    folder = write_dataset(tmp_path / "bad", tables, units=units)
    with pytest.raises(DataError) as info:
        ree.load_network(folder)
    return str(info.value)


def test_negative_flow(tmp_path: Path) -> None:
    def mutate(t):  # type: ignore[no-untyped-def]
        t["flows"][3]["tonnes_per_year"] = -5

    msg = _bad(tmp_path, mutate)
    assert "flows.csv:5:tonnes_per_year: Input should be greater than or equal to 0" in msg


def test_unknown_country(tmp_path: Path) -> None:
    def mutate(t):  # type: ignore[no-untyped-def]
        t["flows"][0]["target"] = "XX:separation"

    msg = _bad(tmp_path, mutate)
    assert "flows.csv:2:target: unknown country 'XX'" in msg


def test_unknown_source_id(tmp_path: Path) -> None:
    def mutate(t):  # type: ignore[no-untyped-def]
        t["nodes"][2]["ref"] = "nowhere-2024"

    msg = _bad(tmp_path, mutate)
    assert "nodes.csv:4:ref: unknown source id 'nowhere-2024'" in msg


def test_ref_without_a_source_id(tmp_path: Path) -> None:
    def mutate(t):  # type: ignore[no-untyped-def]
        t["nodes"][2]["ref"] = " ; "

    msg = _bad(tmp_path, mutate)
    assert "nodes.csv:4:ref:" in msg and "at least one source id" in msg


def test_wrong_unit(tmp_path: Path) -> None:
    units = {k: dict(v) for k, v in UNITS.items()}
    units["flows"]["tonnes_per_year"] = "kg/yr"
    msg = _bad(tmp_path, lambda t: None, units=units)
    assert "field 'tonnes_per_year' has unit 'kg/yr'; this table is read in 't/yr'" in msg


def test_unbalanced_node(tmp_path: Path) -> None:
    def mutate(t):  # type: ignore[no-untyped-def]
        t["flows"][3]["tonnes_per_year"] = 30  # AU:separation makes 40 but ships 30

    msg = _bad(tmp_path, mutate)
    assert "balance: node AU:separation, NdPr: output 40.0 t/yr but outgoing flows sum to 30.0" in msg
    assert "JP:metal" in msg  # and the receiving side is short too


def test_missing_column(tmp_path: Path) -> None:
    def mutate(t):  # type: ignore[no-untyped-def]
        for row in t["countries"]:
            del row["governance"]

    msg = _bad(tmp_path, mutate)
    assert "countries.csv:1: missing column(s) governance" in msg


def test_all_problems_of_a_file_at_once(tmp_path: Path) -> None:
    def mutate(t):  # type: ignore[no-untyped-def]
        t["flows"][0]["tonnes_per_year"] = -1
        t["flows"][1]["commodity"] = ""
        t["nodes"][0]["confidence"] = "estimate"  # without a method

    with pytest.raises(DataError) as info:
        folder = write_dataset(tmp_path / "bad", _apply(mutate))
        ree.load_network(folder)
    assert len(info.value.problems) == 3
    assert "nodes.csv:2: method: a row with confidence 'estimate' must say how" in str(info.value)


def _apply(mutate):  # type: ignore[no-untyped-def]
    tables = tiny_tables()
    mutate(tables)
    return tables


def test_flow_must_go_downstream(tmp_path: Path) -> None:
    def mutate(t):  # type: ignore[no-untyped-def]
        t["flows"][0]["source"], t["flows"][0]["target"] = "CN:separation", "CN:mining"

    msg = _bad(tmp_path, mutate)
    assert "a flow goes to a later stage" in msg


@pytest.mark.parametrize("name", ["../world-2024", "..", "world-2024/../../etc", "no-such-set"])
def test_names_never_leave_the_datasets_folder(name: str) -> None:
    with pytest.raises((UnknownNameError, DataError)):
        ree.load_network(name)


def test_unknown_name_lists_builtins() -> None:
    with pytest.raises(UnknownNameError, match="built-in datasets are"):
        ree.load_network("world-1999")


def test_bad_json(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "bad")
    (folder / "datapackage.json").write_text("{ nope")
    with pytest.raises(DataError, match=r"datapackage.json:1:3: not valid JSON"):
        ree.load_network(folder)


def test_replace_builds_a_new_network(tiny: ree.SupplyNetwork) -> None:
    demand = tiny.demand.copy()
    demand.loc[demand.node == "CN:end_use:other", "demand_tonnes_per_year"] = 4.0
    other = tiny.replace(demand=demand)
    assert other is not tiny
    assert tiny.demand.loc[tiny.demand.node == "CN:end_use:other", "demand_tonnes_per_year"].item() == 5
    assert other.compile().demand.sum() == pytest.approx(tiny.compile().demand.sum() - 1)
    assert tiny.replace().compile().edge_tonnes.sum() == tiny.compile().edge_tonnes.sum()


def test_named_end_users_belong_to_their_sector(tmp_path: Path) -> None:
    tables = tiny_tables()
    for row in tables["flows"]:
        if row["target"] == "JP:end_use:electronics":
            row["target"] = "JP:end_use:electronics-sony"
    for row in tables["demand"]:
        if row["node"] == "JP:end_use:electronics":
            row["node"] = "JP:end_use:electronics-sony"
    net = ree.load_network(write_dataset(tmp_path / "named", tables))
    assert net.demand.set_index("node").loc["JP:end_use:electronics-sony", "sector"] == "electronics"
    sc = ree.Scenario(name="dip", start="2025-01", months=3, events=[
        {"type": "demand_shock", "country": "JP", "sector": "electronics", "factor": 0.5,
         "start": "2025-01", "end": "2025-03"}])
    sc.validate_for(net)
    res = ree.simulate(net, sc)
    sony = res.compiled.node_index["JP:end_use:electronics-sony"]
    assert res.arrays["demand"][0, sony].sum() == pytest.approx(50 / 12 * 0.5)


def test_end_use_sector_must_be_known(tmp_path: Path) -> None:
    def mutate(t):  # type: ignore[no-untyped-def]
        for row in t["demand"]:
            if row["node"] == "CN:end_use:other":
                row["node"] = "CN:end_use:toys-lego"
        for row in t["flows"]:
            if row["target"] == "CN:end_use:other":
                row["target"] = "CN:end_use:toys-lego"

    msg = _bad(tmp_path, mutate)
    assert "sector 'toys' is not one of" in msg
