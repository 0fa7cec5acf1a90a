"""The network's contract: read-only tables, caches kept on the network, stages and sectors
declared by the dataset, the error classes, and the docstring examples on the tiny network.

The declared-stage network is the tiny network of ``tests/factory.py`` with an ``alloy`` stage
between metal and magnet on JP's side: ``JP:metal -> JP:alloy -> JP:magnet`` carries NdPr
60 t/yr and DyTb 4 t/yr (JP:alloy capacity NdPr 60, DyTb 4: no spare), so JP's magnet maker
(200 t/yr) makes magnets only from what the alloy plant passes on. Halving JP:alloy's capacity
halves what it can pass on: 30 t/yr NdPr = 2.5 t/month instead of 5.
"""

from __future__ import annotations

import doctest
import gc
import importlib
import json
import pkgutil
import time
import weakref
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import rareearth as ree
from rareearth import errors, examples
from rareearth.errors import DataError, RareEarthError
from rareearth.scenario import Scenario
from tests.factory import PROV, tiny_tables, write_dataset

# ---------------------------------------------------------------------------- 4. read-only


def test_an_edit_of_a_table_never_reaches_the_network() -> None:
    net = examples.tiny()
    before = net.compile()
    view = net.flows
    view.loc[0, "tonnes_per_year"] = 1e6
    view["extra"] = 1
    with pytest.warns(pd.errors.ChainedAssignmentError):  # pandas says it edits a copy
        net.producers.loc[0, "capacity_tonnes_per_year"] = 0.0
    assert "extra" not in net.flows.columns
    assert float(net.flows.loc[0, "tonnes_per_year"]) == 100.0
    assert float(net.producers.loc[0, "capacity_tonnes_per_year"]) == 100.0
    assert net.compile() is before  # the cache is still right: nothing it was built from changed
    with pytest.raises(AttributeError, match=r"read-only: build a new network with net\.replace"):
        net.flows = view  # type: ignore[misc]
    with pytest.raises(AttributeError, match="read-only"):
        net.parameters = {}  # type: ignore[misc]
    net.parameters["price_cap"] = 1e9  # a copy
    assert net.parameters["price_cap"] == 10.0


def test_compiled_arrays_refuse_in_place_edits() -> None:
    cn = examples.tiny().compile()
    with pytest.raises(ValueError, match="read-only"):
        cn.capacity[0, 0] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        cn.edge_tonnes *= 2


def test_replace_returns_a_new_network_with_its_own_cache() -> None:
    net = examples.tiny()
    demand = net.demand.drop(columns=["country", "sector"])
    demand["demand_tonnes_per_year"] *= 2
    doubled = net.replace(demand=demand)
    assert doubled is not net and doubled.compile() is not net.compile()
    jp = net.compile().node_index["JP:end_use:automotive"]
    magnet = net.compile().commodity_index["magnet"]
    assert net.compile().demand[jp, magnet] == 250.0
    assert doubled.compile().demand[jp, magnet] == 500.0
    with pytest.raises(ree.ArgumentError, match="unknown table"):
        net.replace(flow=demand)


def test_caches_live_on_the_network_and_go_with_it() -> None:
    net = examples.tiny()
    res = ree.simulate(net, Scenario(name="calm", start="2025-01", months=2))
    assert res.compiled is net.compile()
    purposes = set(net._cache)
    assert {"network.compiled", "engine.structure"} <= purposes
    ree.indicators.consumption(net, "JP", "NdPr")
    assert "indicators.tracing" in net._cache
    gone = weakref.ref(net.compile())
    del net, res
    gc.collect()
    assert gone() is None
    from rareearth.engine import measures, optimal, run
    from rareearth.indicators import tracing
    for module, name in ((run, "_COMPILED"), (run, "_STRUCTURES"), (optimal, "_PROGRAMS"),
                         (tracing, "_CACHE"), (measures, "_NET_CACHE")):
        assert not hasattr(module, name)


def test_a_pickled_network_leaves_its_cache_behind() -> None:
    import pickle

    net = examples.tiny()
    net.compile()
    copy = pickle.loads(pickle.dumps(net))
    assert copy._cache == {} and copy.flows.equals(net.flows)
    assert np.array_equal(copy.compile().capacity, net.compile().capacity)


# ---------------------------------------------------------------------------- 5. declared


def _alloy_tables() -> dict[str, list[dict[str, Any]]]:
    t = tiny_tables()
    t["nodes"] += [
        {"node": "JP:alloy", "commodity": "NdPr", "capacity_tonnes_per_year": 60,
         "output_tonnes_per_year": 60, "yield": 1.0, **PROV},
        {"node": "JP:alloy", "commodity": "DyTb", "capacity_tonnes_per_year": 4,
         "output_tonnes_per_year": 4, "yield": 1.0, **PROV},
    ]
    for f in t["flows"]:
        if f["source"] == "JP:metal" and f["target"] == "JP:magnet":
            f["target"] = "JP:alloy"
    t["flows"] += [
        {"source": "JP:alloy", "target": "JP:magnet", "commodity": "NdPr", "tonnes_per_year": 60, **PROV},
        {"source": "JP:alloy", "target": "JP:magnet", "commodity": "DyTb", "tonnes_per_year": 4, **PROV},
    ]
    return t


def _declare(folder: Path, **fields: Any) -> Path:
    path = folder / "datapackage.json"
    package = json.loads(path.read_text())
    package.update(fields)
    path.write_text(json.dumps(package))
    return folder


ALLOY = ["mining", "separation", "metal", "alloy", "magnet", "end_use"]


def test_a_declared_alloy_stage_loads_and_carries_the_flows(tmp_path: Path) -> None:
    folder = _declare(write_dataset(tmp_path / "alloy", _alloy_tables()), stages=ALLOY)
    net = ree.load_network(folder)
    assert net.stages == tuple(ALLOY) and net.compile().stages == tuple(ALLOY)
    assert net.compile().node_stage[net.compile().node_index["JP:alloy"]] == 3
    assert net.flows.set_index(["source", "target", "commodity"]).loc[
        ("JP:alloy", "JP:magnet", "NdPr"), "target_stage"] == "magnet"

    calm = ree.simulate(net, Scenario(name="calm", start="2025-01", months=3), record="all")
    f = calm.flows
    through = f[(f.source == "JP:alloy") & (f.target == "JP:magnet") & (f.commodity == "NdPr")]
    assert np.allclose(through.tonnes, 60 / 12)  # the baseline, every month
    assert float(calm.shortfall("JP").to_numpy().sum()) == pytest.approx(0.0, abs=1e-9)

    shock = Scenario.from_dict({"name": "alloy-outage", "start": "2025-01", "months": 3,
                                "events": [{"type": "capacity_shock", "node": "JP:alloy",
                                            "factor": 0.5, "start": "2025-01", "end": "2025-03"}]})
    hit = ree.simulate(net, shock, record="all")
    f = hit.flows
    through = f[(f.source == "JP:alloy") & (f.target == "JP:magnet") & (f.commodity == "NdPr")]
    assert np.allclose(through.tonnes, 30 / 12)  # half of 60 t/yr, every month
    made = hit.timeseries
    jp_magnets = made[(made.node == "JP:magnet") & (made.commodity == "magnet")].produced
    assert float(jp_magnets.max()) < 200 / 12 - 1  # fewer magnets than the baseline 16.7 t/month
    assert float(hit.shortfall("JP")["magnet"].sum()) > 0

    # the IAMC table names the declared stage, with what it made
    def alloy_made(res: Any) -> float:
        t = res.to_iamc()
        rows = t[(t.variable == "Production|NdPr|Alloy") & (t.region == "JP")]
        return float(rows.value.sum())

    assert alloy_made(hit) == pytest.approx(alloy_made(calm) / 2)

    # the score finds end use and magnets by the dataset's stages (end use is the 6th here):
    # the magnets the alloy outage costs are unmet end-use demand
    parts = ree.exposure(net, shock, "JP").components
    assert parts["unmet_demand"] > 0 and parts["shortfall_peak"] > 0


def test_a_declared_defense_sector_is_an_end_use(tmp_path: Path) -> None:
    t = tiny_tables()
    for f in t["flows"]:
        if f["target"] == "JP:end_use:electronics":
            f["tonnes_per_year"] = 30
    t["flows"].append({"source": "JP:magnet", "target": "JP:end_use:defense", "commodity": "magnet",
                       "tonnes_per_year": 20, **PROV})
    for d in t["demand"]:
        if d["node"] == "JP:end_use:electronics":
            d["demand_tonnes_per_year"] = 30
    t["demand"].append({"node": "JP:end_use:defense", "commodity": "magnet",
                        "demand_tonnes_per_year": 20, "value_usd_per_tonne": 900000, **PROV})
    folder = write_dataset(tmp_path / "defense", t)
    with pytest.raises(DataError, match=r"demand\.csv:6:node: .*sector 'defense' is not one of"):
        ree.load_network(folder)  # the default sectors have no defense
    sectors = ["automotive", "electronics", "wind", "industrial", "catalysts", "glass_polishing",
               "other", "defense"]
    net = ree.load_network(_declare(folder, sectors=sectors))
    assert net.sectors == tuple(sectors)
    # defense demand doubles (20 -> 40 t/yr): more magnets reach it every month, at most its
    # new demand of 40/12 t/month
    sc = Scenario.from_dict({"name": "defense-buildup", "start": "2025-01", "months": 6,
                             "events": [{"type": "demand_shock", "country": "JP", "sector": "defense",
                                         "factor": 2.0, "start": "2025-01", "end": "2025-06"}]})
    res = ree.simulate(net, sc, record="all")
    f = res.flows
    into = f[(f.target == "JP:end_use:defense")].groupby("month").tonnes.sum()
    assert len(into) == 6
    assert ((into > 20 / 12 + 0.5) & (into <= 40 / 12 + 1e-9)).all()
    calm = ree.simulate(net, Scenario(name="calm", start="2025-01", months=2), record="all")
    g = calm.flows
    assert np.allclose(g[g.target == "JP:end_use:defense"].tonnes, 20 / 12)


@pytest.mark.parametrize(("stages", "message"), [
    (["mining", "separation", "magnet", "end_use"], "missing metal"),
    (["mining", "separation", "metal", "magnet", "alloy", "end_use"], "between mining and magnet"),
    (["separation", "mining", "metal", "magnet", "end_use"], "must come in that order"),
    (["mining", "separation", "metal", "metal", "magnet", "end_use"], "listed more than once"),
    (["mining", "separation", "Alloy", "metal", "magnet", "end_use"], "not a stage name"),
    ("mining", "must be a non-empty list of stage names"),
])
def test_declared_stages_are_checked(tmp_path: Path, stages: Any, message: str) -> None:
    folder = _declare(write_dataset(tmp_path / "bad"), stages=stages)
    with pytest.raises(DataError, match=f"datapackage.json: stages: .*{message}"):
        ree.load_network(folder)


def test_an_undeclared_stage_names_its_file_and_the_stages(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "alloy", _alloy_tables())
    with pytest.raises(DataError, match=r"nodes\.csv:14:node: .*'JP:alloy' has stage 'alloy'; "
                                        r"allowed: mining, separation, metal, magnet, end_use"):
        ree.load_network(folder)


def test_declared_sectors_are_checked(tmp_path: Path) -> None:
    folder = _declare(write_dataset(tmp_path / "bad"), sectors=["automotive", "auto-motive"])
    with pytest.raises(DataError, match=r"datapackage.json: sectors: 'auto-motive' is not a sector"):
        ree.load_network(folder)


# ---------------------------------------------------------------------------- 7. errors


def test_every_error_class_lives_in_errors_and_is_exported() -> None:
    found = []
    for info in pkgutil.walk_packages(ree.__path__, "rareearth."):
        if info.name.startswith("rareearth.cli") or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, RareEarthError)
                    and value.__module__.startswith("rareearth")):
                found.append(value)
    assert found
    for cls in found:
        assert cls.__module__ == "rareearth.errors", cls
        assert getattr(ree, cls.__name__) is cls
    from rareearth.engine.optimal import OptimalError
    from rareearth.engine.params import ParameterError
    from rareearth.engine.run import EngineError
    assert (EngineError, ParameterError, OptimalError) == (
        errors.EngineError, errors.ParameterError, errors.OptimalError)


def test_synthetic_raises_rareearth_errors() -> None:
    with pytest.raises(ree.ArgumentError, match="nodes=3"):
        ree.synthetic.network(nodes=3)
    with pytest.raises(RareEarthError, match="not an upper-case country"):
        ree.synthetic.network(nodes=100, countries=["CN", "jp"])


# ---------------------------------------------------------------------------- 8. doctests

def _modules() -> list[str]:
    names = ["rareearth"]
    for info in pkgutil.walk_packages(ree.__path__, "rareearth."):
        if not info.name.endswith("__main__"):
            names.append(info.name)
    return sorted(names)


#: Modules whose examples tests/test_cli_docs.py runs (the report's, on world-2024, is slow).
#: Every other module's examples run here, on rareearth.examples.tiny().
CONVERTED_ELSEWHERE = ("rareearth.cli", "rareearth.reporting")


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run_on_the_tiny_network(name: str) -> None:
    if name.startswith(CONVERTED_ELSEWHERE):
        pytest.skip("run by tests/test_cli_docs.py")
    import matplotlib

    matplotlib.use("Agg")
    module = importlib.import_module(name)
    started = time.perf_counter()
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name):
        source = "\n".join(ex.source for ex in test.examples)
        assert all(doctest.SKIP not in ex.options for ex in test.examples), f"{test.name} skips"
        assert 'load_network("world' not in source, f"{test.name} runs on a world dataset"
        runner.run(test)
    assert runner.failures == 0, f"{runner.failures} docstring example(s) of {name} failed"
    assert time.perf_counter() - started < 20
