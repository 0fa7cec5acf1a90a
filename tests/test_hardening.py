"""Hardening (issue 12): every class of bad input gives one clear RareEarthError.

One section per class of docs/errors.md: non-finite and unbounded numbers, files that escape the
dataset, documents that exhaust resources, malformed datapackage.json and encodings, unsafe
outputs, degenerate Monte Carlo ranges, the library's own promise, and the suite itself. Each
class has library cases and a command-line case (one line ``error: ...`` on stderr, exit 2).
The Hypothesis tests over mutated datasets, scenarios and options are in
tests/test_hardening_fuzz.py.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import rareearth as ree
from rareearth.atomic import check_target, write_text
from rareearth.cli import app
from rareearth.cooperation import Option
from rareearth.errors import (
    ArgumentError,
    DataError,
    OptionError,
    OutputError,
    RareEarthError,
    ScenarioError,
)
from rareearth.scenario import ExportRestriction, Scenario
from tests.factory import PROV, tiny_tables, write_dataset

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]

SCENARIO: dict[str, Any] = {
    "name": "tiny-embargo",
    "start": "2025-01",
    "months": 6,
    "events": [
        {"type": "export_restriction", "exporter": "CN", "targets": ["JP"],
         "commodities": ["NdPr", "DyTb"], "severity": 1, "start": "2025-02", "end": "2025-04"},
    ],
}
QUOTA: dict[str, Any] = {
    "type": "export_quota", "exporter": "CN", "commodities": ["NdPr"], "tonnes_per_year": 50,
    "start": "2025-02", "end": "2025-04",
}
OPTION: dict[str, Any] = {
    "name": "jp-stock", "country": "JP", "cost_usd": 1e8, "lead_time_months": 0,
    "measures": [{"type": "stockpile", "country": "JP", "commodities": ["DyTb"], "days": 60}],
}


def run(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def one_line_error(result: Result, *fragments: str) -> str:
    """Exit 2 and exactly one line ``error: ...`` on stderr naming every fragment; no traceback."""
    assert result.exit_code == 2, f"exit {result.exit_code}\n{result.output}\n{result.exception!r}"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data))  # JSON is YAML
    return path


def dataset(tmp_path: Path, edit: Any = None) -> Path:
    tables = tiny_tables()
    if edit is not None:
        edit(tables)
    return write_dataset(tmp_path / "data", tables)


def only_problem(folder: Path) -> str:
    with pytest.raises(DataError) as info:
        ree.load_network(folder)
    assert len(info.value.problems) == 1, info.value.problems
    return info.value.problems[0]


def set_cell(table: str, row: int, column: str, value: Any) -> Any:
    def edit(tables: dict[str, list[dict[str, Any]]]) -> None:
        tables[table][row][column] = value

    return edit


def parameter(name: str, value: Any, unit: str, low: Any = "", high: Any = "") -> Any:
    def edit(tables: dict[str, list[dict[str, Any]]]) -> None:
        tables["parameters"].append(
            {"name": name, "value": value, "unit": unit, "low": low, "high": high, **PROV}
        )

    return edit


# ---------------------------------------------------------------------------- 1. numbers


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (set_cell("flows", 0, "tonnes_per_year", "inf"), "flows.csv:2:tonnes_per_year"),
        (set_cell("nodes", 0, "capacity_tonnes_per_year", "inf"), "nodes.csv:2:capacity_tonnes_per_year"),
        (set_cell("demand", 0, "demand_tonnes_per_year", "nan"), "demand.csv:2:demand_tonnes_per_year"),
        (set_cell("demand", 0, "value_usd_per_tonne", "1e308"), "demand.csv:2:value_usd_per_tonne"),
        (set_cell("materials", 0, "price_usd_per_tonne", "1e308"), "materials.csv:2:price_usd_per_tonne"),
        (set_cell("stocks", 0, "stock_tonnes", "-inf"), "stocks.csv:2:stock_tonnes"),
        (set_cell("stockpiles", 0, "release_tonnes_per_month", "Infinity"),
         "stockpiles.csv:2:release_tonnes_per_month"),
        (set_cell("countries", 0, "governance", "nan"), "countries.csv:2:governance"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_non_finite_and_huge_numbers_in_tables_name_the_cell(
    tmp_path: Path, edit: Any, where: str
) -> None:
    assert only_problem(dataset(tmp_path, edit)).startswith(where)


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (set_cell("parameters", 1, "value", "inf"), "parameters.csv:3:value"),  # balance check off
        (set_cell("parameters", 1, "value", "0.9"), "balance_tolerance must lie within [0, 0.5]"),
        (lambda t: t["parameters"][0].update(value=-1, low="", high=""),
         "lead_time_months must lie within [0, 1200]"),
        (parameter("price_cap", "nan", "1"), "parameters.csv:4:value"),
        (parameter("price_cap", "0.5", "1"), "price_cap must lie within [1, 1000]"),
        (parameter("ramp_rate_per_month", "1.5", "1/month"), "ramp_rate_per_month must lie within [0, 1]"),
        (parameter("recycling_rate", "0.01", "1", "0", "1.2"), "parameters.csv:4:high: recycling_rate"),
    ],
)
def test_parameters_have_bounds(tmp_path: Path, edit: Any, fragment: str) -> None:
    assert fragment in only_problem(dataset(tmp_path, edit))


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"events": [{**SCENARIO["events"][0], "severity": float("nan")}]}, r"events\[0\]\.severity: "),
        ({"events": [{**QUOTA, "tonnes_per_year": float("inf")}]}, r"events\[0\]\.tonnes_per_year: "),
        ({"events": [{"type": "capacity_shock", "country": "CN", "factor": float("inf"),
                      "start": "2025-02", "end": "2025-04"}]}, r"events\[0\]\.factor: "),
        ({"events": [{"type": "capacity_shock", "country": "CN", "factor": 1e6,
                      "start": "2025-02", "end": "2025-04"}]}, r"events\[0\]\.factor: must be ≤ 100"),
        ({"events": [{**SCENARIO["events"][0], "ramp_in_months": 1e9}]},
         r"events\[0\]\.ramp_in_months: must be ≤ 1200"),
    ],
)
def test_scenarios_refuse_non_finite_and_huge_numbers(change: dict[str, Any], match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        Scenario.from_dict({**SCENARIO, **change}, "s.yaml")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"cost_usd": float("nan")}, r"cost_usd: "),
        ({"cost_usd": 1e300}, r"cost_usd: must be ≤ 1000000000000000"),
        ({"lead_time_months": 1e9}, r"lead_time_months: must be ≤ 1200"),
        ({"measures": [{"type": "add_capacity", "node": "AU:mining", "commodity": "NdPr",
                        "tonnes_per_year": float("inf")}]}, r"measures\[0\]\.tonnes_per_year: "),
        ({"measures": [{"type": "stockpile", "country": "JP", "days": float("inf")}]},
         r"measures\[0\]\.days: "),
    ],
)
def test_options_refuse_non_finite_and_huge_numbers(change: dict[str, Any], match: str) -> None:
    with pytest.raises(OptionError, match=match):
        Option.from_dict({**OPTION, **change}, "o.yaml")


def test_cli_number_errors_are_one_line(tmp_path: Path) -> None:
    folder = dataset(tmp_path, set_cell("flows", 0, "tonnes_per_year", "inf"))
    one_line_error(run("validate", folder), "flows.csv:2:tonnes_per_year", "finite")
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: inf\nstart: 2025-01\nmonths: 3\nevents:\n  - type: capacity_shock\n"
        "    country: CN\n    factor: .inf\n    start: 2025-01\n    end: 2025-02\n"
    )
    one_line_error(run("simulate", path, "-d", dataset(tmp_path / "b"), "-c", "JP"),
                   "events[0].factor")


# ---------------------------------------------------------------------------- 2. files


SECRET = "root:TOPSECRET:0:0"


def secret(tmp_path: Path) -> Path:
    path = tmp_path / "outside" / "shadow"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{SECRET}\n")
    return path


def test_a_table_linked_outside_is_not_read_and_not_shown(tmp_path: Path) -> None:
    folder = dataset(tmp_path)
    (folder / "flows.csv").unlink()
    (folder / "flows.csv").symlink_to(secret(tmp_path))
    problem = only_problem(folder)
    assert "resources[3].path: 'flows.csv' leads outside the dataset folder" in problem
    with pytest.raises(DataError) as info:
        ree.load_network(folder)
    assert "TOPSECRET" not in str(info.value)


def test_a_folder_linked_outside_is_refused(tmp_path: Path) -> None:
    folder = dataset(tmp_path)
    outside = secret(tmp_path).parent
    (outside / "flows.csv").write_text((folder / "flows.csv").read_text())
    (folder / "sub").symlink_to(outside)
    package = json.loads((folder / "datapackage.json").read_text())
    package["resources"][3]["path"] = "sub/flows.csv"
    (folder / "datapackage.json").write_text(json.dumps(package))
    assert "'sub/flows.csv' leads outside the dataset folder" in only_problem(folder)


@pytest.mark.parametrize("path", ["/etc/passwd", "../outside/shadow", "", "a\x00b"])
def test_table_paths_stay_inside(tmp_path: Path, path: str) -> None:
    folder = dataset(tmp_path)
    secret(tmp_path)
    package = json.loads((folder / "datapackage.json").read_text())
    package["resources"][3]["path"] = path
    (folder / "datapackage.json").write_text(json.dumps(package))
    problem = only_problem(folder)
    assert "resources[3].path" in problem and "inside the dataset" in problem
    assert "TOPSECRET" not in problem and "root:" not in problem


def test_a_link_inside_the_dataset_is_fine(tmp_path: Path) -> None:
    folder = dataset(tmp_path)
    (folder / "tables").mkdir()
    (folder / "flows.csv").rename(folder / "tables" / "flows-2025.csv")
    (folder / "flows.csv").symlink_to(Path("tables") / "flows-2025.csv")
    assert len(ree.load_network(folder).flows) == 17


def test_a_pipe_as_a_table_does_not_hang(tmp_path: Path) -> None:
    folder = dataset(tmp_path)
    (folder / "stocks.csv").unlink()
    os.mkfifo(folder / "stocks.csv")
    assert only_problem(folder) == "stocks.csv: listed in datapackage.json but not a regular file"


def test_cli_escaping_file_error_is_one_line(tmp_path: Path) -> None:
    folder = dataset(tmp_path)
    (folder / "countries.csv").unlink()
    (folder / "countries.csv").symlink_to(secret(tmp_path))
    line = one_line_error(run("validate", folder), "leads outside the dataset folder")
    assert "TOPSECRET" not in line


# ---------------------------------------------------------------------------- 3. resources

ALIAS_BOMB = """\
a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
name: [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


@pytest.mark.parametrize(
    ("suffix", "text", "fragment"),
    [
        (".yaml", ALIAS_BOMB, "expands to more than 100,000 values"),
        (".yaml", "[" * 100_000, "nested more than 32 levels deep"),
        (".json", "[" * 100_000, "nested more than 32 levels deep"),
        (".yaml", "name: &a [*a]\n", "contains itself"),
        (".yaml", "name: x\ndescription: " + "y" * (1 << 20) + "\n", "larger than 1,048,576 bytes"),
    ],
    ids=["alias-bomb", "yaml-depth", "json-depth", "recursive-alias", "size"],
)
@pytest.mark.parametrize("load", [ree.load_scenario, ree.load_option], ids=["scenario", "option"])
def test_documents_are_bounded(tmp_path: Path, load: Any, suffix: str, text: str, fragment: str) -> None:
    path = tmp_path / f"doc{suffix}"
    path.write_text(text)
    started = time.perf_counter()
    with pytest.raises(RareEarthError, match=re.escape(fragment)) as info:
        load(path)
    assert time.perf_counter() - started < 5
    assert len(str(info.value)) < 300


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"months": 10**9}, r"months: must be ≤ 1200 \(got 1000000000\)"),
        ({"start": "2199-01", "months": 48}, r"months: the horizon 2199-01…2202-12 ends after 2200-12"),
        ({"start": "9999-01"}, r"start: must be a date from 1900 to 2200"),
        ({"events": [{**SCENARIO["events"][0], "end": "0001-01"}]}, r"events\[0\]\.end: must be a date"),
    ],
)
def test_horizons_are_bounded(change: dict[str, Any], match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        Scenario.from_dict({**SCENARIO, **change}, "s.yaml")


def test_datapackage_depth_is_bounded(tmp_path: Path) -> None:
    folder = dataset(tmp_path)
    (folder / "datapackage.json").write_text("[" * 100_000)
    with pytest.raises(DataError, match="nested more than 32 levels deep"):
        ree.load_network(folder)


def test_draws_are_bounded(tiny: Any) -> None:
    sc = Scenario.from_dict(SCENARIO)
    with pytest.raises(ArgumentError, match=r"n: must be an integer from 1 to 1,000,000 \(got 10"):
        ree.monte_carlo(tiny, sc, "JP", n=10**12)
    with pytest.raises(ArgumentError, match=r"n: must be an integer from 0 to 1,000,000"):
        ree.compare(tiny, sc, "JP", [], n=10**12)


def test_cli_resource_errors_are_one_line(tmp_path: Path, tiny_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(ALIAS_BOMB)
    one_line_error(run("simulate", bomb, "-d", tiny_path, "-c", "JP"), "expands to more than")
    long = write_yaml(tmp_path / "long.yaml", {**SCENARIO, "months": 10**9})
    one_line_error(run("simulate", long, "-d", tiny_path, "-c", "JP"), "months: must be ≤ 1200")
    ok = write_yaml(tmp_path / "ok.yaml", SCENARIO)
    for verb in ("montecarlo", "compare"):
        one_line_error(run(verb, ok, "-d", tiny_path, "-c", "JP", "-n", str(10**12)),
                       "-n", "1000000")


# ---------------------------------------------------------------------------- 4. datapackage


def edit_package(folder: Path, change: Any) -> Path:
    package = json.loads((folder / "datapackage.json").read_text())
    change(package)
    (folder / "datapackage.json").write_text(json.dumps(package))
    return folder


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda p: p.update(resources="flows.csv"), "resources: must be a list of objects"),
        (lambda p: p.update(name=5), "name: must be a string (got int)"),
        (lambda p: p.update(sources="test"), "sources: must be a list"),
        (lambda p: p["sources"].__setitem__(0, "test"), "sources[0]: must be an object"),
        (lambda p: p["resources"][3].update(schema="x"), "resources[3].schema: must be an object"),
        (lambda p: p["resources"][3].update(name=["flows"]), "'name' and 'path' must be strings"),
        (lambda p: p["resources"].append(dict(p["resources"][3])),
         "resources[9]: table 'flows' is listed more than once"),
    ],
    ids=["resources-string", "name-int", "sources-string", "source-string", "schema-string",
         "name-list", "table-twice"],
)
def test_malformed_datapackage_gives_one_problem(tmp_path: Path, change: Any, fragment: str) -> None:
    folder = edit_package(dataset(tmp_path), change)
    with pytest.raises(DataError) as info:
        ree.load_network(folder)
    assert any(fragment in p for p in info.value.problems), info.value.problems
    assert len(info.value.problems) <= 2, info.value.problems  # not one per character


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b'{"name": "tiny\xff"}', "not UTF-8 text"),
        (b'{"name": "a", "name": "b"}', "key 'name' appears twice"),
        (b"[]", "must be a JSON object (got list)"),
    ],
)
def test_datapackage_encoding_and_keys(tmp_path: Path, data: bytes, fragment: str) -> None:
    folder = dataset(tmp_path)
    (folder / "datapackage.json").write_bytes(data)
    with pytest.raises(DataError, match=re.escape(fragment)):
        ree.load_network(folder)


def test_a_byte_order_mark_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    plain = ree.load_network(dataset(tmp_path / "a"))
    folder = dataset(tmp_path / "b")
    for name in ("countries.csv", "datapackage.json"):
        (folder / name).write_bytes(b"\xef\xbb\xbf" + (folder / name).read_bytes())
    bom = ree.load_network(folder)
    assert bom.country_codes == plain.country_codes and len(bom.flows) == len(plain.flows)


def test_a_table_that_is_not_utf8(tmp_path: Path) -> None:
    folder = dataset(tmp_path)
    (folder / "countries.csv").write_bytes((folder / "countries.csv").read_bytes() + b"\xff\xfe")
    assert only_problem(folder).startswith("countries.csv: not UTF-8 text")


@pytest.mark.parametrize("load", [ree.load_scenario, ree.load_option], ids=["scenario", "option"])
@pytest.mark.parametrize(
    ("data", "fragment"),
    [(b"name: caf\xe9\n", "not UTF-8 text"), (b"name: a\x00\n", "NUL"),
     (b"name: a\nname: b\n", "key 'name' appears twice")],
)
def test_document_encodings(tmp_path: Path, load: Any, data: bytes, fragment: str) -> None:
    path = tmp_path / "doc.yaml"
    path.write_bytes(data)
    with pytest.raises(RareEarthError, match=re.escape(fragment)):
        load(path)


def test_a_document_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(SCENARIO).encode())
    assert ree.load_scenario(path).months == 6


def test_cli_package_errors_are_one_line(tmp_path: Path) -> None:
    folder = edit_package(dataset(tmp_path), lambda p: p.update(resources="flows.csv"))
    one_line_error(run("validate", folder), "resources: must be a list")
    path = tmp_path / "s.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    one_line_error(run("scenarios", "show", path), "not UTF-8 text")


# ---------------------------------------------------------------------------- 5. outputs


def test_export_never_writes_over_the_dataset_it_reads(tmp_path: Path, tiny_path: Path) -> None:
    before = {p.name: p.read_bytes() for p in tiny_path.iterdir()}
    one_line_error(run("export", "-d", tiny_path, "-f", "csv", "-o", tiny_path),
                   "is the dataset folder")
    one_line_error(run("export", "-d", tiny_path, "-f", "json", "-o", tiny_path / "flows.csv"),
                   "lies in the dataset folder")
    one_line_error(run("dependence", "-d", tiny_path, "-c", "JP", "-o", tiny_path / "x.csv"),
                   "lies in the dataset folder")
    assert {p.name: p.read_bytes() for p in tiny_path.iterdir()} == before


def test_show_never_writes_over_its_input(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "s.yaml", SCENARIO)
    text = path.read_text()
    one_line_error(run("scenarios", "show", path, "-o", path), "is the input file")
    assert path.read_text() == text


def test_a_symbolic_link_is_never_replaced(tmp_path: Path) -> None:
    target = tmp_path / "real.csv"
    target.write_text("keep\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    one_line_error(run("scenarios", "-o", link), "is a symbolic link")
    assert link.is_symlink() and target.read_text() == "keep\n"
    with pytest.raises(OutputError, match="symbolic link"):
        write_text(link, "x")


def test_special_files_and_folders_are_never_replaced(tmp_path: Path, tiny_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    one_line_error(run("scenarios", "-o", fifo), "not a regular file")
    assert fifo.exists() and not fifo.is_file()
    with pytest.raises(OutputError, match="device, pipe or socket"):
        check_target("/dev/null")  # checked only: nothing is written
    folder = tmp_path / "x.graphml"
    folder.mkdir()
    one_line_error(run("export", "-d", tiny_path, "-o", folder), "is a directory")
    assert folder.is_dir() and list(folder.iterdir()) == []
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]


SLOW_WRITER = """
import sys, time
from pathlib import Path
from rareearth.atomic import exit_on_signals, write_bytes

def slow(tmp):
    tmp.write_bytes(b"partial")
    print("writing", flush=True)
    time.sleep(60)

with exit_on_signals():
    write_bytes(Path(sys.argv[1]), slow)
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_leaves_no_temporary_file(tmp_path: Path, sig: int) -> None:
    """The command line runs every verb inside ``exit_on_signals`` (cli._Group.main)."""
    target = tmp_path / "out.csv"
    with subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, str(target)], stdout=subprocess.PIPE, text=True,
        cwd=ROOT,
    ) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "writing"
        assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == 128 + sig
    assert list(tmp_path.iterdir()) == []


def test_the_cli_catches_signals() -> None:
    source = (ROOT / "rareearth" / "cli" / "app.py").read_text()
    assert "with exit_on_signals():" in source


# ---------------------------------------------------------------------------- 6. Monte Carlo


@pytest.mark.parametrize(
    ("uncertainty", "events", "match"),
    [
        ({"duration_scale": [0, 0]}, SCENARIO["events"], r"uncertainty\.duration_scale: low must be > 0"),
        ({"severity_scale": [0, 0]}, [QUOTA], r"uncertainty\.severity_scale: low must be > 0"),
        ({"duration_scale": [1e6, 1e6]}, SCENARIO["events"], r"uncertainty\.duration_scale: high must be ≤ 100"),
        ({"elasticity_scale": [0, 1]}, SCENARIO["events"], r"uncertainty\.elasticity_scale: low must be > 0"),
        ({"lead_time_scale": [float("nan"), 1]}, SCENARIO["events"], r"uncertainty\.lead_time_scale"),
    ],
)
def test_degenerate_ranges_fail_at_load(
    tmp_path: Path, uncertainty: dict[str, Any], events: list[Any], match: str
) -> None:
    path = write_yaml(tmp_path / "mc.yaml", {**SCENARIO, "events": events, "uncertainty": uncertainty})
    with pytest.raises(ScenarioError, match=re.escape(str(path)) + ": " + match):
        ree.load_scenario(path)


def test_the_widest_ranges_allowed_run_and_stay_finite(tiny: Any) -> None:
    sc = Scenario.from_dict({**SCENARIO, "events": [*SCENARIO["events"], QUOTA],
                             "uncertainty": {"duration_scale": [99, 100], "severity_scale": [0.01, 100],
                                             "elasticity_scale": [0.01, 100]}})
    draws = ree.monte_carlo(tiny, sc, "JP", n=3, seed=1)
    numbers = draws.select_dtypes("number").to_numpy()
    assert numbers.shape[0] == 3 and bool((numbers == numbers).all()) and abs(numbers).max() < 1e30


def test_cli_degenerate_range_is_one_line(tmp_path: Path, tiny_path: Path) -> None:
    path = write_yaml(tmp_path / "mc.yaml", {**SCENARIO, "uncertainty": {"duration_scale": [0, 0]}})
    one_line_error(run("montecarlo", path, "-d", tiny_path, "-c", "JP", "-n", "5"),
                   "mc.yaml: uncertainty.duration_scale: low must be > 0")


# ---------------------------------------------------------------------------- 7. library


def test_simulate_takes_names_like_exposure(tmp_path: Path, tiny_path: Path, tiny: Any) -> None:
    path = write_yaml(tmp_path / "s.yaml", SCENARIO)
    by_object = ree.simulate(tiny, ree.load_scenario(path))
    by_name = ree.simulate(str(tiny_path), path)
    assert by_name.timeseries.equals(by_object.timeseries)
    assert ree.simulate(tiny, SCENARIO).timeseries.equals(by_object.timeseries)


@pytest.mark.slow
def test_simulate_takes_built_in_names() -> None:
    net = ree.load_network("world-2009")
    assert ree.simulate(net, "china-2010").timeseries.equals(
        ree.simulate(net, ree.load_scenario("china-2010")).timeseries
    )


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda net, sc: ree.simulate(None, sc), ArgumentError, "net: must be a SupplyNetwork"),
        (lambda net, sc: ree.simulate(net, 123), ArgumentError, "scenario: must be a Scenario"),
        (lambda net, sc: ree.simulate_many(net, sc), ArgumentError, "scenarios: must be a list"),
        (lambda net, sc: ree.exposure(net, sc, "JP", options="stockpile-180d"), ArgumentError,
         "options: must be a list"),
        (lambda net, sc: ree.load_scenario(123), ScenarioError, "(got int)"),
        (lambda net, sc: ree.load_option(None), OptionError, "(got NoneType)"),
        (lambda net, sc: ree.monte_carlo(net, sc, "JP", n=-5), ArgumentError, "got -5"),
        (lambda net, sc: ree.monte_carlo(net, sc, "JP", n=2.5), ArgumentError, "got 2.5"),
        (lambda net, sc: ree.compare(net, sc, "JP", [], n=-1), ArgumentError, "got -1"),
        (lambda net, sc: Scenario(name="x", start="2025-01", months=10**9), ScenarioError,
         "Scenario: months: must be ≤ 1200"),
        (lambda net, sc: ExportRestriction(exporter="CN", severity=2, start="2025-01", end="2025-02"),
         ScenarioError, "ExportRestriction: severity: must be ≤ 1"),
        (lambda net, sc: Option(name="x", country="JP", cost_usd=-1, lead_time_months=0,
                                measures=[]), OptionError, "Option: cost_usd: must be ≥ 0"),
    ],
)
def test_every_user_mistake_is_a_rare_earth_error(
    tiny: Any, call: Any, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=re.escape(match)):
        call(tiny, Scenario.from_dict(SCENARIO))


def test_argument_errors_are_also_builtin_kinds() -> None:
    assert issubclass(ArgumentError, TypeError) and issubclass(ArgumentError, ValueError)


def add_row(table: str, row: dict[str, Any]) -> Any:
    def edit(tables: dict[str, list[dict[str, Any]]]) -> None:
        tables[table].append({**row, **PROV})

    return edit


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (set_cell("nodes", 0, "yield", "0.9"), "nodes.csv:2: yield: must be 1 at a mining node"),
        (set_cell("recipes", 0, "tonnes_per_tonne", "0.99"),
         "recipes.csv:2:tonnes_per_tonne: the recipe of 'default' holds 1.01 t REO"),
        (add_row("stocks", {"node": "AU:mining", "commodity": "DyTb", "stock_tonnes": 1,
                            "target_tonnes": 1}),
         "stocks.csv:3:commodity: node 'AU:mining' neither uses nor makes 'DyTb'"),
        (set_cell("countries", 0, "name", "Ch\x07ina"), "countries.csv:2: name: holds a control character"),
        (set_cell("countries", 0, "name", "Ch\x00ina"), "countries.csv:"),
    ],
    ids=["mining-yield", "recipe-content", "stock-unused", "control", "nul"],
)
def test_rules_of_the_dataset_format_are_enforced(tmp_path: Path, edit: Any, fragment: str) -> None:
    assert only_problem(dataset(tmp_path, edit)).startswith(fragment)


def test_a_stock_of_an_input_is_fine(tmp_path: Path) -> None:
    ree.load_network(dataset(tmp_path, set_cell("stocks", 0, "commodity", "NdPr")))


def test_cli_library_rule_is_one_line(tmp_path: Path) -> None:
    folder = dataset(tmp_path, set_cell("nodes", 0, "yield", "0.9"))
    one_line_error(run("validate", folder), "nodes.csv:2: yield: must be 1 at a mining node")


# ---------------------------------------------------------------------------- 8. the suite


def test_no_test_binds_a_fixed_port() -> None:
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        text = path.read_text()
        assert "87" + "87" not in text, path.name  # dask's default dashboard port
        for call in re.findall(r"LocalCluster\(\s*(n_workers.*?)\)", text, flags=re.S):
            assert 'dashboard_address=":0"' in call, f"{path.name}: LocalCluster({call})"


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda net, sc: ree.monte_carlo(net, sc, "JP", n=2, seed=-1), ArgumentError,
         "seed: must be an integer from 0"),
        (lambda net, sc: ree.simulate(net, sc, seed="a"), ArgumentError, "seed: must be an integer"),
        (lambda net, sc: ree.simulate(net, sc, parameters={"price_cap": "x"}), RareEarthError,
         "parameters[0].price_cap: must be a number (got 'x')"),
        (lambda net, sc: ree.simulate(net, sc, parameters=5), RareEarthError,
         "parameters: give one dict of overrides"),
        (lambda net, sc: ree.compare(net, sc, "JP", [None]), ArgumentError, "an item is None"),
        (lambda net, sc: sc.scaled(severity=-1), ScenarioError, "severity must be a number > 0"),
        (lambda net, sc: sc.scaled(duration=float("nan")), ScenarioError, "duration must be"),
    ],
)
def test_more_library_arguments_are_checked(
    tiny: Any, call: Any, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=re.escape(match)):
        call(tiny, Scenario.from_dict(SCENARIO))


def test_cli_seed_is_checked(tmp_path: Path, tiny_path: Path) -> None:
    ok = write_yaml(tmp_path / "ok.yaml", SCENARIO)
    one_line_error(run("montecarlo", ok, "-d", tiny_path, "-c", "JP", "-n", "2", "--seed", "-1"),
                   "--seed")


def test_a_linked_datapackage_outside_is_refused(tmp_path: Path) -> None:
    folder = dataset(tmp_path)
    outside = secret(tmp_path).parent / "datapackage.json"
    outside.write_text((folder / "datapackage.json").read_text())
    (folder / "datapackage.json").unlink()
    (folder / "datapackage.json").symlink_to(outside)
    with pytest.raises(DataError, match="a link that leads outside the dataset folder"):
        ree.load_network(folder)


def test_a_long_header_is_not_echoed_whole(tmp_path: Path) -> None:
    folder = dataset(tmp_path)
    text = (folder / "countries.csv").read_text()
    (folder / "countries.csv").write_text("x" * 5000 + "," + text)
    problem = only_problem(folder)
    assert problem.startswith("countries.csv:1: unknown column(s) xxx") and len(problem) < 400


def test_a_csv_export_never_replaces_a_link_in_its_folder(tmp_path: Path, tiny_path: Path) -> None:
    out = tmp_path / "tables"
    out.mkdir()
    keep = tmp_path / "keep.csv"
    keep.write_text("keep\n")
    (out / "flows.csv").symlink_to(keep)
    one_line_error(run("export", "-d", tiny_path, "-f", "csv", "-o", out), "is a symbolic link")
    assert (out / "flows.csv").is_symlink() and keep.read_text() == "keep\n"
    assert sorted(p.name for p in out.iterdir()) == ["flows.csv"]  # nodes.csv not moved either
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize(
    ("override", "match"),
    [
        ({"ramp_rate_per_month": 5.0}, r"ramp_rate_per_month: must lie within \[0, 1\]"),
        ({"price_cap": 1e300}, r"price_cap: must lie within \[1, 1e\+09\]"),
        ({"elasticity_scale": 1e6}, r"elasticity_scale: must lie within \[0, 100\]"),
        ({"recycling_rate": float("inf")}, r"recycling_rate: must be a finite number"),
    ],
)
def test_parameter_overrides_are_bounded(tiny: Any, override: dict[str, float], match: str) -> None:
    with pytest.raises(RareEarthError, match=match):
        ree.simulate(tiny, Scenario.from_dict(SCENARIO), parameters=override)
