"""The command line's start-up and progress: verbs that simulate nothing import no engine,
no plotting (and, where they can, no pandas); long verbs show progress on stderr only when
asked or on a terminal; the listings printed without pandas equal pandas' own printing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from rareearth.cli import app
from rareearth.cli.output import Rows, render
from rareearth.cli.params import Format
from rareearth.cooperation import OPTIONS
from rareearth.data import describe_datasets
from rareearth.scenario import SCENARIOS

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

TINY_SCENARIO = """\
name: tiny-embargo
start: 2025-01
months: 6
uncertainty: {severity_scale: [0.5, 1.0]}
events:
  - type: export_restriction
    exporter: CN
    targets: [JP]
    commodities: [NdPr, DyTb]
    severity: 1
    start: 2025-02
    end: 2025-04
"""
TINY_OPTION = """\
name: tiny-stock
country: JP
cost_usd: 1000000
lead_time_months: 0
measures:
  - type: stockpile
    country: JP
    commodities: [NdPr, DyTb]
    days: 90
"""


def imported(*argv: str) -> set[str]:
    """The heavy modules that ``rareearth ARGV`` imports, in a fresh interpreter."""
    code = (
        "import sys\n"
        "from rareearth.cli import main\n"
        "try:\n"
        f"    main({list(argv)!r})\n"
        "except SystemExit as err:\n"
        "    assert not err.code, err.code\n"
        "heavy = ('pandas', 'numba', 'matplotlib', 'networkx', 'scipy', 'pyarrow', 'dask',\n"
        "         'rareearth.engine', 'rareearth.montecarlo')\n"
        "print('IMPORTED', ' '.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    line = next(x for x in out.stdout.splitlines() if x.startswith("IMPORTED"))
    return set(line.split()[1:])


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["datasets"], ["datasets", "--format", "json"], ["options"],
     ["options", "show", "stockpile-180d", "--format", "json"], ["scenarios", "new"],
     ["options", "new"], ["scenarios", "--help"], ["scenarios"],
     ["scenarios", "show", "china-2010"], ["scenarios", "show", "china-2025-october", "-f", "json"]],
    ids=lambda a: " ".join(a),
)
def test_listings_import_no_pandas_engine_or_plotting(argv: list[str]) -> None:
    assert imported(*argv) == set()


@pytest.mark.parametrize("dataset", ["world-2009", "world-2024"])
def test_validate_imports_no_engine_graph_or_plotting(dataset: str) -> None:
    # loading a dataset needs pandas, nothing that simulates or draws (networkx only for
    # net.graph and its exports)
    assert imported("validate", dataset) <= {"pandas", "pyarrow"}


@pytest.mark.parametrize(
    ("columns", "rows"),
    [
        (["name", "title", "version", "reference_year"], describe_datasets()),
        (list(SCENARIOS.columns), SCENARIOS.listing()),
        (list(OPTIONS.columns), OPTIONS.listing()),
        (["a", "b", "c", "d"], [{"a": "x/y", "b": 1.5, "c": 2, "d": True},
                                {"a": 'é"', "b": None, "c": 3, "d": False}]),
        (["a", "b"], []),
    ],
    ids=["datasets", "scenarios", "options", "mixed", "empty"],
)
@pytest.mark.parametrize("fmt", [Format.csv, Format.json, Format.table])
def test_rows_print_as_the_dataframe_would(
    columns: list[str], rows: list[dict[str, object]], fmt: Format
) -> None:
    table = Rows(columns, rows)
    assert render(table, fmt, "t") == render(table.frame(), fmt, "t")


# ---------------------------------------------------------------------------- progress


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(TINY_SCENARIO)
    option = tmp_path / "tiny-stock.yaml"
    option.write_text(TINY_OPTION)
    return scenario, option


def run(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def test_montecarlo_progress_only_when_asked(tiny_path: Path, files: tuple[Path, Path]) -> None:
    base = ["montecarlo", files[0], "-d", tiny_path, "-c", "JP", "-n", "60", "-f", "csv"]
    quiet, shown, off = run(*base), run(*base, "--progress"), run(*base, "--no-progress")
    for result in (quiet, shown, off):
        assert result.exit_code == 0, result.output
    assert quiet.stderr == off.stderr == ""  # not a terminal: nothing unless asked
    assert shown.stderr.splitlines()[-1] == "draws: 60/60"
    assert shown.stdout == quiet.stdout  # the result is the same, stdout stays clean


def test_compare_and_sensitivity_progress(tiny_path: Path, files: tuple[Path, Path]) -> None:
    compare = run("compare", files[0], "-d", tiny_path, "-c", "JP", "--option", files[1],
                  "-n", "10", "-f", "csv", "--progress")
    assert compare.exit_code == 0, compare.output
    assert compare.stderr.splitlines()[-1] == "draws: 20/20"  # the option and "none"
    sens = run("sensitivity", files[0], "-d", tiny_path, "-c", "JP", "-n", "12", "-f", "csv",
               "--progress")
    assert sens.exit_code == 0, sens.output
    assert sens.stderr.splitlines()[-1] == "draws: 12/12"


def test_frontier_progress(tiny_path: Path, files: tuple[Path, Path]) -> None:
    result = run("frontier", files[0], "-d", tiny_path, "-c", "JP", "--option", files[1],
                 "-f", "csv", "--progress")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1].startswith("runs: ")
    assert run("frontier", files[0], "-d", tiny_path, "-c", "JP", "--option", files[1],
               "-f", "csv").stderr == ""


def test_report_progress_names_each_step(
    tiny_path: Path, files: tuple[Path, Path], tmp_path: Path
) -> None:
    out = tmp_path / "r.html"
    result = run("report", files[0], "-d", tiny_path, "-c", "JP", "--option", files[1],
                 "-n", "10", "-o", out, "--progress")
    assert result.exit_code == 0, result.output
    steps = result.stderr.splitlines()
    assert steps[0] == "report: dependence and figures"
    assert "report: ranking options (in_place, 10 draws)" in steps
    assert "report: budget frontier" in steps
    assert steps[-2:] == ["report: writing", f"wrote {out}"]
    quiet = run("report", files[0], "-d", tiny_path, "-c", "JP", "--option", files[1],
                "-o", out)
    assert quiet.stderr.splitlines() == [f"wrote {out}"]


def test_the_listing_json_is_pandas_json() -> None:
    result = run("options", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads(
        pd.DataFrame(OPTIONS.listing()).to_json(orient="records"))


@pytest.mark.slow  # runs the engine on both datasets (seconds once the kernels are cached)
def test_warm_compiles_what_a_first_query_needs() -> None:
    """``make``'s install step: ``python -m rareearth.warm`` runs, and afterwards a query on
    a built-in dataset compiles nothing (numba reports every cache save)."""
    env = {**os.environ, "NUMBA_DEBUG_CACHE": "1"}
    warm = subprocess.run([sys.executable, "-m", "rareearth.warm"], capture_output=True,
                          text=True, check=True, cwd=ROOT)
    assert "engine kernels compiled and cached" in warm.stdout
    query = subprocess.run(
        [sys.executable, "-m", "rareearth", "exposure", "china-2025-heavy", "-d", "world-2024",
         "-c", "JP", "--option", "stockpile-180d", "-f", "csv"],
        capture_output=True, text=True, check=True, cwd=ROOT, env=env)
    assert "data saved" not in query.stdout + query.stderr
