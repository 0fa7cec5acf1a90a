"""Hypothesis over mutated datasets, scenarios and options (issue 12, docs/errors.md).

Each test starts from valid input that fits the tiny network of tests/factory.py, applies a few
random mutations (a cell, a row, a column, a JSON field, bytes of a YAML file) drawn from values
that broke the loader before (infinities, NaN, 1e308, negative numbers, wrong types, dates out
of range, links out of the folder, aliases, control characters), and checks the promise: only
a ``RareEarthError`` escapes, and whatever loads runs to finite results.

Bounded in time: a fixed number of examples, a deadline per example generous enough for a
loaded 2-core machine, and ``derandomize`` so that the same examples run every time (the suite
never flakes on a new random draw; a failure reproduces).
"""

from __future__ import annotations

import copy
import json
import math
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rareearth as ree
from rareearth.cooperation import Option
from rareearth.errors import RareEarthError
from rareearth.scenario import Scenario
from tests.factory import tiny_tables, write_dataset

FUZZ = settings(
    max_examples=80,
    deadline=timedelta(seconds=30),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

SCENARIO: dict[str, Any] = {
    "name": "fuzz",
    "start": "2025-01",
    "months": 6,
    "events": [
        {"type": "export_restriction", "exporter": "CN", "targets": ["JP"],
         "commodities": ["NdPr", "DyTb"], "severity": 1, "start": "2025-02", "end": "2025-04",
         "ramp_in_months": 1},
        {"type": "export_quota", "exporter": "CN", "commodities": ["NdPr"],
         "tonnes_per_year": 50, "start": "2025-02", "end": "2025-05"},
        {"type": "capacity_shock", "country": "AU", "stage": "mining", "factor": 0.5,
         "start": "2025-03", "end": "2025-06"},
        {"type": "demand_shock", "country": "JP", "sector": "automotive", "factor": 1.2,
         "start": "2025-01", "end": "2025-03"},
    ],
    "uncertainty": {"severity_scale": [0.8, 1.2], "duration_scale": [0.5, 1.5]},
}
OPTION: dict[str, Any] = {
    "name": "fuzz-option",
    "country": "JP",
    "cost_usd": 1e8,
    "lead_time_months": 1,
    "measures": [
        {"type": "stockpile", "country": "JP", "commodities": ["DyTb"], "days": 60},
        {"type": "add_capacity", "node": "AU:mining", "commodity": "NdPr",
         "tonnes_per_year": 20, "ramp_months": 3},
        {"type": "offtake", "supplier": "AU:separation", "partner": "JP", "commodity": "NdPr",
         "share": 0.5},
        {"type": "recycling", "country": "JP", "rate": 0.1, "ramp_months": 2},
        {"type": "substitution", "country": "JP", "sector": "automotive", "commodity": "magnet",
         "intensity_cut": 0.1, "adoption_months": 6},
    ],
}

#: Cell values that once loaded silently, crashed or hung.
CELLS = st.sampled_from([
    "inf", "-inf", "nan", "NaN", "1e308", "1e9999", "-1", "0", "1.5", "2", "", " ", "x",
    "\x07", "CN:mining", "JP:end_use:automotive", "default", "magnet", "NdPr", "9" * 400,
    "1e-300", "0.3", "test", "estimate", "ROW", "../flows.csv",
])
#: JSON values put in place of a field of a document or of datapackage.json.
JSON_VALUES = st.one_of(
    st.sampled_from([
        None, True, False, 0, -1, 1, 2, 10**20, -(10**20), 0.5, 1e308, -1e308, math.inf,
        -math.inf, math.nan, 1e-300, "", "x", "all", "heavy", "JP", "CN", "XX", "AU:mining",
        "2025-13", "2025-02-30", "9999-12", "0001-01", "2199-12", "1900-01", "2025-02",
        "../flows.csv", "/etc/passwd", "flows.csv", "t/yr", [], {}, [0, 0], [1e6, 1e6],
        [0.5, 0.1], ["NdPr"], ["JP", "JP"], {"type": "export_restriction"}, "\x00",
    ]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.text(max_size=8),
)
#: Numbers near the edges of what loads (a replaced number keeps its type two times in three).
NUMBERS = st.one_of(
    st.sampled_from([0, 1e-300, 1e-9, 0.01, 0.5, 1, 1.5, 2, 12, 99, 100, 1199, 1200, 1e6, 1e9, 1e15]),
    st.floats(min_value=0, max_value=1e12, allow_nan=False),
)
DATES = st.sampled_from(["2025-01", "2025-06", "2025-02-28", "2025-01-31", "2199-12", "1900-01",
                         "2200-12", "2024-12", "2026-02"])
NAMES = st.sampled_from(["CN", "JP", "AU", "ROW", "all", "NdPr", "DyTb", "magnet", "automotive",
                         "other", "AU:mining", "JP:magnet", "CN:separation", "mining", "metal",
                         "heavy", "light", "materials"])
#: Columns whose change keeps the tiny network's baseline balance (so the dataset may load).
NEUTRAL = {
    "materials": ["price_usd_per_tonne", "price_elasticity"],
    "nodes": ["capacity_tonnes_per_year"],
    "demand": ["value_usd_per_tonne"],
    "stocks": ["stock_tonnes", "target_tonnes"],
    "stockpiles": ["stock_tonnes", "release_threshold", "release_tonnes_per_month"],
    "parameters": ["value", "low", "high"],
    "countries": ["governance"],
}


def similar(data: st.DataObject, value: Any) -> Any:
    """A value like ``value`` (a number for a number, a date for a date), or any JSON value."""
    if data.draw(st.integers(0, 2)) == 0 or isinstance(value, bool):
        return data.draw(JSON_VALUES)
    if isinstance(value, int | float):
        return data.draw(NUMBERS)
    if isinstance(value, str):
        return data.draw(DATES if value[:2] in ("19", "20", "21") else NAMES)
    if isinstance(value, list):
        return [similar(data, v) for v in value]
    return data.draw(JSON_VALUES)


#: Bytes spliced into a YAML file.
SPLICES = st.sampled_from([
    "&a ", "*a", "[", "]", "{", "}", ":", "\n", "- ", "!!python/object:os.system ", "\xff",
    "\x00", "\ufeff", ".inf", ".nan", "1e999", "<<: *a\n", "? ", "|", "'", '"', "#", "\t",
])


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            out += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            out += _paths(child, (*prefix, i))
    return out


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def mutate_json(data: st.DataObject, doc: dict[str, Any], most: int = 3) -> dict[str, Any]:
    """A deep copy of ``doc`` with 1…``most`` fields replaced, deleted, or added."""
    doc = copy.deepcopy(doc)
    gentle = data.draw(st.booleans())  # numbers only: explores what loads and runs
    for _ in range(data.draw(st.integers(1, most))):
        paths = _paths(doc)
        if gentle:
            paths = [p for p in paths if _is_number(_get(doc, p))]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        parent: Any = _get(doc, path[:-1])
        action = "number" if gentle else data.draw(
            st.sampled_from(["replace", "replace", "delete", "add"])
        )
        if action == "number":
            parent[path[-1]] = data.draw(NUMBERS)
        elif action == "replace":
            parent[path[-1]] = similar(data, parent[path[-1]])
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[data.draw(st.sampled_from(["extra", "type", "end", "node", "low"]))] = (
                data.draw(JSON_VALUES)
            )
        else:
            parent.append(copy.deepcopy(parent[path[-1]]))
    return doc


OUTCOMES: dict[str, int] = {}


def outcome(name: str) -> None:
    """Count what the examples did (printed by ``pytest -s``; the tests do not depend on it)."""
    OUTCOMES[name] = OUTCOMES.get(name, 0) + 1


def assert_finite_run(net: Any, sc: Any, options: Any = ()) -> None:
    """Simulate and score; a misfit is a RareEarthError, anything that runs is finite."""
    try:
        result = ree.simulate(net, sc, options=list(options))
        score = ree.exposure(net, sc, "JP", options=list(options))
    except RareEarthError:
        outcome("run refused")
        return
    outcome("ran")
    numbers = result.timeseries.select_dtypes("number").to_numpy()
    assert np.isfinite(numbers).all(), "non-finite timeseries"
    assert math.isfinite(score.score) and 0 <= score.score <= 100, score.score
    assert all(math.isfinite(v) for v in score.components.values()), score.components
    # the product tier's metrics are NaN where they do not apply (no product tier, no GDP
    # figure, no loss to date): never infinite; every other metric is finite
    from rareearth.scoring import ECONOMIC_METRICS

    assert not any(math.isinf(v) for v in score.metrics.values()), score.metrics
    assert all(math.isfinite(v) for k, v in score.metrics.items()
               if k not in ECONOMIC_METRICS and not k.startswith("units_lost_")), score.metrics


# ---------------------------------------------------------------------------- datasets


def mutate_tables(data: st.DataObject) -> dict[str, list[dict[str, Any]]]:
    tables = tiny_tables()
    gentle = data.draw(st.booleans())  # balance-neutral numbers only: explores what loads
    for _ in range(data.draw(st.integers(1, 3))):
        name = data.draw(st.sampled_from(sorted(NEUTRAL if gentle else tables)))
        rows = tables[name]
        action = "number" if gentle else data.draw(
            st.sampled_from(["number", "cell", "cell", "drop", "copy", "column"])
        )
        if not rows:
            continue
        i = data.draw(st.integers(0, len(rows) - 1))
        if action == "number" and name in NEUTRAL:
            column = data.draw(st.sampled_from(NEUTRAL[name]))
            rows[i][column] = repr(data.draw(NUMBERS))
        elif action in ("cell", "number"):
            rows[i][data.draw(st.sampled_from(sorted(rows[i])))] = data.draw(CELLS)
        elif action == "drop":
            del rows[i]
        elif action == "copy":
            rows.append(dict(rows[i]))
        else:
            column = data.draw(st.sampled_from(sorted(rows[0])))
            for row in rows:
                row.pop(column, None)
    return tables


@FUZZ
@given(data=st.data())
def test_mutated_datasets_give_rare_earth_errors_or_finite_runs(data: st.DataObject) -> None:
    tables = mutate_tables(data)
    sc = Scenario.from_dict(SCENARIO)
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_dataset(Path(tmp) / "data", tables)
        if data.draw(st.integers(0, 3)) == 0:
            package = json.loads((folder / "datapackage.json").read_text())
            (folder / "datapackage.json").write_text(json.dumps(mutate_json(data, package, 2)))
        try:
            net = ree.load_network(folder)
        except RareEarthError:
            outcome("dataset refused")
            return
        outcome("dataset loaded")
        assert_finite_run(net, sc)


# ---------------------------------------------------------------------------- scenarios


@FUZZ
@given(data=st.data())
def test_mutated_scenarios_give_rare_earth_errors_or_finite_runs(data: st.DataObject) -> None:
    doc = mutate_json(data, SCENARIO)
    try:
        sc = Scenario.from_dict(doc, "fuzz.yaml")
    except RareEarthError:
        outcome("scenario refused")
        return
    outcome("scenario loaded")
    net = _tiny()
    assert_finite_run(net, sc)
    try:
        draws = ree.monte_carlo(net, sc, "JP", n=2, seed=0)
    except RareEarthError:
        return
    assert np.isfinite(draws.select_dtypes("number").to_numpy()).all()


@FUZZ
@given(data=st.data())
def test_spliced_yaml_files_give_rare_earth_errors(data: st.DataObject) -> None:
    text = Scenario.from_dict(SCENARIO).to_yaml()
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 3))
        text = text[:at] + data.draw(SPLICES) + text[at + cut :]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.yaml"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        for load in (ree.load_scenario, ree.load_option):
            try:
                load(path)
                outcome("yaml loaded")
            except RareEarthError:
                outcome("yaml refused")


# ---------------------------------------------------------------------------- options


@FUZZ
@given(data=st.data())
def test_mutated_options_give_rare_earth_errors_or_finite_runs(data: st.DataObject) -> None:
    doc = mutate_json(data, OPTION)
    try:
        option = Option.from_dict(doc, "fuzz.yaml")
    except RareEarthError:
        outcome("option refused")
        return
    outcome("option loaded")
    assert_finite_run(_tiny(), Scenario.from_dict(SCENARIO), [option])


_NET: list[Any] = []


def _tiny() -> Any:
    """The tiny network, built once (tests must not share a tmp_path fixture with Hypothesis)."""
    if not _NET:
        folder = tempfile.TemporaryDirectory(prefix="rareearth-fuzz-")  # removed at exit
        _NET.extend([ree.load_network(write_dataset(Path(folder.name) / "tiny")), folder])
    return _NET[0]


def test_the_seeds_run_clean() -> None:
    """The unmutated inputs load and run (so the fuzz starts from valid input)."""
    net, sc, option = _tiny(), Scenario.from_dict(SCENARIO), Option.from_dict(OPTION)
    sc.validate_for(net)
    option.validate_for(net)
    plain = ree.exposure(net, sc, "JP")
    helped = ree.exposure(net, sc, "JP", options=[option])
    assert 0 < helped.score < plain.score  # the option is in effect, and lowers the score
    assert_finite_run(net, sc, [option])


def teardown_module() -> None:
    print(f"\nfuzz outcomes: {OUTCOMES}")  # seen with pytest -s
