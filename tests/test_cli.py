"""The command line through its real entry points: typer's CliRunner on the app, and subprocesses.

Every verb runs on the tiny dataset of tests/factory.py and on the built-in data; every verb has
a bad-input test that expects one line ``error: ...`` on stderr and exit status 2.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

import rareearth as ree
from rareearth.cli import app
from tests.factory import tiny_tables, write_dataset

runner = CliRunner()

TINY_SCENARIO = """\
name: tiny-embargo
title: CN stops NdPr and DyTb to JP for three months
start: 2025-01
months: 6
events:
  - type: export_restriction
    exporter: CN
    targets: [JP]
    commodities: [NdPr, DyTb]
    severity: 1
    start: 2025-02
    end: 2025-04
"""


def run(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def assert_ok(result: Result) -> None:
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.output}\n{result.exception!r}"


def assert_user_error(result: Result, *fragments: str) -> str:
    """Exit 2 and exactly one line ``error: ...`` on stderr that mentions every fragment."""
    assert result.exit_code == 2, f"exit {result.exit_code}\n{result.output}"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


TINY_OPTIONS = {
    "tiny-stock": """\
name: tiny-stock
title: Japan holds 90 days of NdPr and DyTb
country: JP
cost_usd: 1000000
lead_time_months: 0
measures:
  - type: stockpile
    country: JP
    commodities: [NdPr, DyTb]
    days: 90
""",
    "tiny-recycling": """\
name: tiny-recycling
title: Japan recycles 20% of its magnet materials
country: JP
cost_usd: 5000000
lead_time_months: 0
measures:
  - type: recycling
    country: JP
    rate: 0.2
    ramp_months: 1
""",
}


@pytest.fixture
def option_files(tmp_path: Path) -> list[Path]:
    paths = []
    for name, text in TINY_OPTIONS.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        paths.append(path)
    return paths


def option_args(paths: list[Path]) -> list[str]:
    return [arg for path in paths for arg in ("--option", str(path))]


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny-embargo.yaml"
    path.write_text(TINY_SCENARIO)
    return path


@pytest.fixture
def bad_dataset(tmp_path: Path) -> Path:
    tables = tiny_tables()
    tables["flows"][0]["tonnes_per_year"] = -3
    tables["countries"][0]["governance"] = 9
    return write_dataset(tmp_path / "bad", tables)


# ---------------------------------------------------------------------------- the shell


VERBS = [
    ["datasets"],
    ["scenarios"],
    ["scenarios", "show"],
    ["options"],
    ["options", "show"],
    ["validate"],
    ["dependence"],
    ["exposure"],
    ["simulate"],
    ["compare"],
    ["montecarlo"],
    ["plot"],
    ["report"],
    ["export"],
]


@pytest.mark.parametrize("verb", VERBS, ids=" ".join)
def test_every_verb_has_help_with_examples(verb: list[str]) -> None:
    result = run(*verb, "--help")
    assert_ok(result)
    assert "Examples" in result.stdout
    assert f"rareearth {verb[0]}" in result.stdout


def test_top_level_help_lists_the_verbs_and_bare_call_prints_it() -> None:
    result = run("--help")
    assert_ok(result)
    for verb in (
        "datasets",
        "scenarios",
        "options",
        "validate",
        "dependence",
        "exposure",
        "simulate",
        "compare",
        "montecarlo",
        "plot",
        "report",
        "export",
    ):
        assert verb in result.stdout
    bare = run()
    assert_ok(bare)
    assert "Usage" in bare.stdout


def test_version() -> None:
    result = run("--version")
    assert_ok(result)
    assert result.stdout.strip() == f"rareearth {ree.__version__}"


def test_unknown_verb_is_one_line() -> None:
    assert_user_error(run("simulat"), "No such command")


@pytest.mark.slow  # three fresh interpreters
def test_subprocess_entry_points(tiny_path: Path, tmp_path: Path) -> None:
    """``python -m rareearth`` and the installed console script, on success and on error."""
    commands = [[sys.executable, "-m", "rareearth"]]
    script = Path(sys.executable).parent / "rareearth"
    if script.exists():
        commands.append([str(script)])
    for command in commands:
        ok = subprocess.run(
            [*command, "validate", str(tiny_path)], capture_output=True, text=True, check=False
        )
        assert ok.returncode == 0, ok.stderr
        assert ok.stdout.startswith("ok: 12 nodes, 17 flows")
        bad = subprocess.run(
            [*command, "validate", str(tmp_path / "nowhere" / "x")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert bad.returncode == 2
        assert bad.stdout == ""
        assert bad.stderr.strip().splitlines() == [
            f"error: {tmp_path / 'nowhere' / 'x'}: no such dataset folder"
        ]


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys\n"
        "from rareearth.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('pandas', 'numpy', 'matplotlib', 'networkx', 'dask') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout


def test_debug_shows_the_traceback(bad_dataset: Path) -> None:
    plain = run("validate", bad_dataset)
    assert "Traceback" not in plain.output
    debug = run("--debug", "validate", bad_dataset)
    assert debug.exit_code == 2
    assert "Traceback" in debug.stderr
    assert "error: dataset" in debug.stderr


# ---------------------------------------------------------------------------- datasets


def test_datasets_lists_the_builtins_in_every_format(tmp_path: Path) -> None:
    table = run("datasets")
    assert_ok(table)
    assert "world-2024" in table.stdout
    rows = json.loads(run("datasets", "--format", "json").stdout)
    assert {"world-2009", "world-2024"} <= {r["name"] for r in rows}
    parsed = list(csv.DictReader(io.StringIO(run("datasets", "-f", "csv").stdout)))
    assert [r["name"] for r in parsed] == [r["name"] for r in rows]
    out = tmp_path / "sub" / "datasets.json"
    assert_ok(run("datasets", "-o", out))
    assert json.loads(out.read_text()) == rows


def test_datasets_bad_format() -> None:
    assert_user_error(run("datasets", "--format", "xml"), "--format", "xml")


# ---------------------------------------------------------------------------- scenarios


def test_scenarios_list_and_show(tmp_path: Path, scenario_file: Path) -> None:
    rows = json.loads(run("scenarios", "--format", "json").stdout)
    assert "china-2010" in {r["name"] for r in rows}
    assert set(rows[0]) == {"name", "title", "start", "months", "events", "dataset"}
    assert "china-2010" in run("scenarios").stdout
    shown = run("scenarios", "show", "china-2010")
    assert_ok(shown)
    assert shown.stdout.startswith("name: china-2010")
    out = tmp_path / "copy.yaml"
    assert_ok(run("scenarios", "show", "china-2010", "-o", out))
    assert ree.load_scenario(out) == ree.load_scenario("china-2010")
    own = json.loads(run("scenarios", "show", scenario_file, "--format", "json").stdout)
    assert own["name"] == "tiny-embargo"


def test_scenarios_bad_name() -> None:
    assert_user_error(run("scenarios", "show", "china-2011"), "china-2011")


def test_scenarios_bad_format() -> None:
    assert_user_error(run("scenarios", "--format", "yaml"), "--format")


# ---------------------------------------------------------------------------- options


def test_options_list_and_show(tmp_path: Path) -> None:
    rows = json.loads(run("options", "--format", "json").stdout)
    names = [r["name"] for r in rows]
    assert names == ree.options()
    assert_ok(run("options"))
    shown = run("options", "show", names[0])
    assert_ok(shown)
    assert f"name: {names[0]}" in shown.stdout
    out = tmp_path / "option.json"
    assert_ok(run("options", "show", names[0], "--format", "json", "-o", out))
    assert json.loads(out.read_text())["name"] == names[0]


def test_options_bad_name() -> None:
    assert_user_error(run("options", "show", "no-such-option"), "no-such-option")


# ---------------------------------------------------------------------------- validate


def test_validate_tiny(tiny_path: Path) -> None:
    result = run("validate", tiny_path)
    assert_ok(result)
    assert result.stdout.startswith("ok: 12 nodes, 17 flows, 3 countries")


def test_validate_builtin() -> None:
    assert_ok(run("validate", "world-2024"))


def test_validate_bad_dataset_lists_every_problem(bad_dataset: Path) -> None:
    result = run("validate", bad_dataset)
    assert result.exit_code == 2
    first, *problems = result.stderr.strip().splitlines()
    assert first.startswith("error: dataset") and "2 problem(s)" in first
    assert len(problems) == 2 and all(p.startswith("  ") for p in problems)
    assert any("flows.csv:2:tonnes_per_year" in p for p in problems)
    assert result.stdout == ""


def test_validate_missing_folder(tmp_path: Path) -> None:
    assert_user_error(run("validate", tmp_path / "nope" / "data"), "no such dataset folder")


# ---------------------------------------------------------------------------- export


def test_export_every_format(tiny_path: Path, tmp_path: Path) -> None:
    import networkx as nx

    graphml = tmp_path / "out" / "tiny.graphml"
    assert_ok(run("export", "--dataset", tiny_path, "--format", "graphml", "-o", graphml))
    assert nx.read_graphml(graphml).number_of_nodes() == 12
    node_link = tmp_path / "out" / "tiny.json"
    assert_ok(run("export", "--dataset", tiny_path, "-o", node_link))  # format from the suffix
    assert len(json.loads(node_link.read_text())["nodes"]) == 12
    folder = tmp_path / "out" / "tables"
    assert_ok(run("export", "--dataset", tiny_path, "--format", "csv", "-o", folder))
    assert sorted(p.name for p in folder.iterdir()) == ["flows.csv", "nodes.csv"]
    assert len(list(csv.DictReader(io.StringIO(folder.joinpath("flows.csv").read_text())))) == 17
    leftovers = [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_export_builtin(tmp_path: Path) -> None:
    out = tmp_path / "world.graphml"
    assert_ok(run("export", "--dataset", "world-2024", "-f", "graphml", "-o", out))
    assert out.stat().st_size > 0


def test_export_bad_input(tiny_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.graphml"
    assert_user_error(run("export", "--dataset", "no-such-data", "-o", out), "no-such-data")
    assert not out.exists()
    assert_user_error(run("export", "--dataset", tiny_path, "-f", "xlsx", "-o", out), "--format")
    assert_user_error(run("export", "--dataset", tiny_path, "-o", tmp_path / "x.txt"), "--format")


# ---------------------------------------------------------------------------- dependence


def test_dependence_tiny(tiny_path: Path, tmp_path: Path) -> None:
    result = run("dependence", "--dataset", tiny_path, "--country", "JP")
    assert_ok(result)
    assert "import" in result.stdout and "NdPr" in result.stdout
    rows = json.loads(run("dependence", "-d", tiny_path, "-c", "JP", "-f", "json").stdout)
    assert [r["material"] for r in rows] == ["NdPr", "DyTb"]
    assert rows[1]["top_mining_origin"] == "CN"
    out = tmp_path / "dep.csv"
    assert_ok(run("dependence", "-d", tiny_path, "-c", "JP", "-o", out))
    assert [r["material"] for r in csv.DictReader(io.StringIO(out.read_text()))] == ["NdPr", "DyTb"]


def test_dependence_builtin() -> None:
    rows = json.loads(run("dependence", "-d", "world-2024", "-c", "JP", "-f", "json").stdout)
    assert {"NdPr", "DyTb"} <= {r["material"] for r in rows}


def test_dependence_bad_input(tiny_path: Path) -> None:
    assert_user_error(run("dependence", "-d", tiny_path, "-c", "XX"), "XX")
    assert_user_error(run("dependence", "-c", "JP"), "--dataset")


# ---------------------------------------------------------------------------- exposure


def test_exposure_tiny(tiny_path: Path, scenario_file: Path, tmp_path: Path) -> None:
    base = ["exposure", scenario_file, "--dataset", tiny_path, "--country", "JP"]
    assert_ok(run(*base))
    rows = list(csv.DictReader(io.StringIO(run(*base, "-f", "csv").stdout)))
    assert rows[-1]["component"] == "score"
    parts = sum(float(r["points"]) for r in rows[:-1])
    assert parts == pytest.approx(float(rows[-1]["points"]))
    out = tmp_path / "score.json"
    assert_ok(run(*base, "-o", out))
    score = json.loads(out.read_text())
    assert score["score"] == pytest.approx(float(rows[-1]["points"]))
    assert set(score["components"]) == {r["component"] for r in rows[:-1]}


def test_exposure_builtin() -> None:
    result = run("exposure", "china-2025-heavy", "-d", "world-2024", "-c", "JP", "-f", "json")
    assert_ok(result)
    assert 0 <= json.loads(result.stdout)["score"] <= 100


def test_exposure_bad_input(tiny_path: Path, scenario_file: Path) -> None:
    base = ["exposure", scenario_file, "--dataset", tiny_path]
    assert_user_error(run(*base, "--country", "XX"), "XX")
    assert_user_error(run(*base, "--country", "JP", "--seed", "many"), "--seed")


# ---------------------------------------------------------------------------- simulate


def test_simulate_tiny_every_format(tiny_path: Path, scenario_file: Path, tmp_path: Path) -> None:
    base = ["simulate", scenario_file, "--dataset", tiny_path, "--country", "JP"]
    assert_ok(run(*base))
    text = run(*base, "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows
    records = json.loads(run(*base, "--format", "json").stdout)
    assert len(records) == len(rows)
    out = tmp_path / "res" / "shortfall.csv"
    assert_ok(run(*base, "-o", out))
    assert out.read_text() == text
    everything = json.loads(run(*base, "--all", "-f", "json").stdout)
    assert {"month", "node", "commodity", "shortfall"} <= set(everything[0])


def test_simulate_with_options_and_allocation(
    tiny_path: Path, scenario_file: Path, option_files: list[Path]
) -> None:
    base = ["simulate", scenario_file, "--dataset", tiny_path, "--country", "JP", "-f", "json"]
    plain = json.loads(run(*base).stdout)
    helped = json.loads(run(*base, *option_args(option_files)).stdout)
    assert len(helped) == len(plain)
    total = sum(v for row in plain for k, v in row.items() if k != "month")
    less = sum(v for row in helped for k, v in row.items() if k != "month")
    assert less < total  # the options must reach the engine


def test_simulate_optimal_allocation(tiny_path: Path, scenario_file: Path) -> None:
    base = ["simulate", scenario_file, "--dataset", tiny_path, "--country", "JP", "-f", "csv"]
    result = run(*base, "--allocation", "optimal")
    assert_ok(result)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    sc = ree.load_scenario(scenario_file)
    expected = ree.simulate(ree.load_network(tiny_path), sc, allocation="optimal").shortfall("JP")
    got = pd.DataFrame(rows).set_index("month").astype(float)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-9, atol=1e-9)


def test_simulate_builtin_issue_example() -> None:
    result = run(
        "simulate", "china-2010", "--dataset", "world-2009", "--country", "JP", "--format", "csv"
    )
    assert_ok(result)
    assert list(csv.DictReader(io.StringIO(result.stdout)))


def test_simulate_bad_input(tiny_path: Path, scenario_file: Path, tmp_path: Path) -> None:
    base = ["simulate", scenario_file, "--dataset", tiny_path]
    out = tmp_path / "never.csv"
    assert_user_error(run(*base, "--country", "XX", "-o", out), "XX")
    assert not out.exists()
    assert_user_error(run(*base, "--country", "JP", "--allocation", "random"), "--allocation")
    assert_user_error(
        run("simulate", "no-such-scenario", "--dataset", tiny_path, "-c", "JP"), "no-such-scenario"
    )
    assert_user_error(run(*base, "--country", "JP", "--format", "xml"), "--format")
    assert_user_error(run("simulate", scenario_file, "-c", "JP"), "--dataset")


# ---------------------------------------------------------------------------- compare


def test_compare_tiny(
    tiny_path: Path, scenario_file: Path, option_files: list[Path], tmp_path: Path
) -> None:
    base = ["compare", scenario_file, "--dataset", tiny_path, "--country", "JP"]
    base += option_args(option_files)
    assert_ok(run(*base))
    records = json.loads(run(*base, "--format", "json").stdout)
    assert {r["option"] for r in records} == {"none", "tiny-stock", "tiny-recycling"}
    scores = [r["score"] for r in records]
    assert scores == sorted(scores)  # best first
    out = tmp_path / "ranking.csv"
    assert_ok(run(*base, "-n", "4", "-o", out))
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 3 and "p_beats_none" in rows[0]


def test_compare_builtin() -> None:
    result = run("compare", "china-2025-heavy", "--dataset", "world-2024", "--country", "JP")
    assert_ok(result)


def test_compare_bad_input(tiny_path: Path, scenario_file: Path, tmp_path: Path) -> None:
    base = ["compare", scenario_file, "--dataset", tiny_path, "--country", "JP"]
    assert_user_error(run(*base, "-n", "-1"), "-n")
    assert_user_error(run(*base, "--option", "no-such-option"), "no-such-option")
    broken = tmp_path / "broken.yaml"
    broken.write_text(TINY_OPTIONS["tiny-stock"].replace("days: 90", "days: -90"))
    assert_user_error(run(*base, "--option", broken), "broken.yaml", "days")


# ---------------------------------------------------------------------------- montecarlo


def test_montecarlo_tiny(tiny_path: Path, scenario_file: Path, tmp_path: Path) -> None:
    base = ["montecarlo", scenario_file, "--dataset", tiny_path, "--country", "JP", "-n", "8"]
    assert_ok(run(*base))
    draws = list(csv.DictReader(io.StringIO(run(*base, "--format", "csv").stdout)))
    assert len(draws) == 8
    out = tmp_path / "draws.json"
    assert_ok(run(*base, "--seed", "3", "-o", out))
    assert len(json.loads(out.read_text())) == 8


def test_montecarlo_bad_input(tiny_path: Path, scenario_file: Path) -> None:
    base = ["montecarlo", scenario_file, "--dataset", tiny_path, "--country", "JP"]
    assert_user_error(run(*base, "-n", "0"), "-n")
    assert_user_error(run(*base[:-2], "-n", "4"), "--country")
    assert_user_error(run(*base, "-n", "4", "--scheduler", "nonsense://x"), "--scheduler")


# ---------------------------------------------------------------------------- plot


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_plot_network_tiny(tiny_path: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / "fig" / f"network.{suffix}"
    assert_ok(run("plot", "network", "--dataset", tiny_path, "-o", out))
    head = out.read_bytes()[:200]
    assert head.startswith(b"\x89PNG") if suffix == "png" else b"<svg" in out.read_bytes()


def test_plot_every_kind_tiny(
    tiny_path: Path, scenario_file: Path, option_files: list[Path], tmp_path: Path
) -> None:
    common = ["--dataset", tiny_path, "--country", "JP"]
    for kind, extra in [
        ("origins", ["--material", "NdPr"]),
        ("shortfall", [scenario_file]),
        ("compare", [scenario_file, *option_args(option_files)]),
        ("distribution", [scenario_file, "-n", "6"]),
    ]:
        out = tmp_path / f"{kind}.png"
        assert_ok(run("plot", kind, *extra, *common, "-o", out))
        assert out.read_bytes().startswith(b"\x89PNG")


def test_plot_builtin_issue_example(tmp_path: Path) -> None:
    out = tmp_path / "out" / "network.png"
    assert_ok(run("plot", "network", "--dataset", "world-2024", "-o", out))
    assert out.stat().st_size > 0


def test_plot_bad_input(tiny_path: Path, scenario_file: Path, tmp_path: Path) -> None:
    assert_user_error(
        run("plot", "hairball", "--dataset", tiny_path, "-o", tmp_path / "a.png"), "hairball"
    )
    assert_user_error(
        run("plot", "network", "--dataset", tiny_path, "-o", tmp_path / "a.jpg"), ".png"
    )
    assert_user_error(
        run("plot", "shortfall", "--dataset", tiny_path, "-c", "JP", "-o", tmp_path / "a.png"),
        "SCENARIO",
    )
    assert_user_error(
        run("plot", "origins", "--dataset", tiny_path, "-c", "JP", "-o", tmp_path / "a.png"),
        "--material",
    )
    assert_user_error(
        run("plot", "distribution", scenario_file, "--dataset", tiny_path, "-c", "JP", "-n", "0",
            "-o", tmp_path / "a.png"),
        "--draws",
    )
    assert not list(tmp_path.glob("a.*"))


# ---------------------------------------------------------------------------- report


def test_report_tiny(
    tiny_path: Path, scenario_file: Path, option_files: list[Path], tmp_path: Path
) -> None:
    out = tmp_path / "out" / "report.html"
    base = ["report", scenario_file, "--dataset", tiny_path, "--country", "JP"]
    assert_ok(run(*base, *option_args(option_files), "-o", out))
    html = out.read_text()
    assert html.lstrip().lower().startswith("<!doctype html") and "</html>" in html
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]


@pytest.mark.slow  # the whole world-2024 network and every built-in option
def test_report_builtin_issue_example(tmp_path: Path) -> None:
    out = tmp_path / "out" / "report.html"
    assert_ok(
        run("report", "china-2025-heavy", "--dataset", "world-2024", "--country", "JP", "-o", out)
    )
    assert out.stat().st_size > 0


def test_report_bad_input(tiny_path: Path, scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert_user_error(
        run("report", scenario_file, "--dataset", tiny_path, "--country", "XX", "-o", out), "XX"
    )
    assert_user_error(
        run("report", scenario_file, "--dataset", tiny_path, "--country", "JP"), "--output"
    )
    assert not out.exists()


def test_bad_scenario_file_is_one_line(tiny_path: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY_SCENARIO.replace("severity: 1", "severity: 1.5"))
    for verb in ("simulate", "compare", "report", "montecarlo"):
        extra = ["-n", "3"] if verb == "montecarlo" else []
        extra += ["-o", str(tmp_path / "r.html")] if verb == "report" else []
        assert_user_error(
            run(verb, bad, "--dataset", tiny_path, "--country", "JP", *extra),
            "bad.yaml",
            "severity",
        )


def test_files_are_not_left_half_written(tiny_path: Path, tmp_path: Path) -> None:
    """A failing run leaves neither the target nor a temporary file behind."""
    out = tmp_path / "o" / "x.json"
    os.makedirs(out.parent)
    assert_user_error(run("simulate", "no-such", "--dataset", tiny_path, "-c", "JP", "-o", out))
    assert list(out.parent.iterdir()) == []


def test_unwritable_output_is_one_line(tiny_path: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert_user_error(run("scenarios", "-o", blocker / "x.csv"), "cannot write")
    assert_user_error(
        run("export", "-d", tiny_path, "-f", "csv", "-o", blocker / "tables"), "cannot write"
    )
    assert_user_error(run("scenarios", "-o", tmp_path), "directory")


@pytest.mark.slow
def test_montecarlo_on_a_dask_scheduler(tiny_path: Path, scenario_file: Path) -> None:
    """``--scheduler ADDRESS`` runs the draws on a dask cluster: same numbers as in-process."""
    from dask import distributed  # a test dependency (pyproject [test])

    base = ["montecarlo", scenario_file, "-d", tiny_path, "-c", "JP", "-n", "6", "-f", "csv"]
    local = run(*base)
    assert_ok(local)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster:
        remote = run(*base, "--scheduler", cluster.scheduler_address)
    assert_ok(remote)
    assert remote.stdout == local.stdout
