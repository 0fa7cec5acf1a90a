"""The command line as a pandas user meets it: piped output, IAMC and Parquet, plots for
slides, per-option distributions, Sankey and tornado figures, case-insensitive countries."""

from __future__ import annotations

import csv
import io
import struct
from pathlib import Path

import pandas as pd
import pytest

import rareearth as ree
from rareearth.iamc import IAMC_COLUMNS, read_iamc
from tests.test_cli import (
    TINY_OPTIONS,
    TINY_SCENARIO,
    assert_ok,
    assert_user_error,
    option_args,
    run,
)


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny-embargo.yaml"
    path.write_text(TINY_SCENARIO)
    return path


@pytest.fixture
def option_files(tmp_path: Path) -> list[Path]:
    paths = []
    for name, text in TINY_OPTIONS.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        paths.append(path)
    return paths


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head.startswith(b"\x89PNG")
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def test_piped_table_is_csv(tiny_path: Path, scenario_file: Path) -> None:
    # CliRunner's stdout is not a terminal: a table becomes plain CSV, no box characters
    result = run("simulate", scenario_file, "--dataset", tiny_path, "--country", "JP")
    assert_ok(result)
    assert not any(ch in result.stdout for ch in "┃━│┏")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and "month" in rows[0]
    listed = run("scenarios")
    assert "china-2010" in {r["name"] for r in csv.DictReader(io.StringIO(listed.stdout))}


def test_country_codes_are_case_insensitive(tiny_path: Path, scenario_file: Path) -> None:
    base = ["simulate", scenario_file, "--dataset", tiny_path, "-f", "csv"]
    assert run(*base, "--country", "jp").stdout == run(*base, "--country", "JP").stdout
    assert_ok(run("dependence", "-d", tiny_path, "-c", "au", "-f", "csv"))
    assert_user_error(run(*base, "--country", "xx"), "xx")


def test_simulate_all_needs_no_country(tiny_path: Path, scenario_file: Path) -> None:
    every = run("simulate", scenario_file, "--dataset", tiny_path, "--all", "-f", "csv")
    assert_ok(every)
    countries = {r["country"] for r in csv.DictReader(io.StringIO(every.stdout))}
    assert countries == {"CN", "AU", "JP"}
    jp = run("simulate", scenario_file, "--dataset", tiny_path, "--all", "-c", "JP", "-f", "csv")
    assert {r["country"] for r in csv.DictReader(io.StringIO(jp.stdout))} == {"JP"}
    assert_user_error(run("simulate", scenario_file, "--dataset", tiny_path), "--country")


def test_simulate_iamc_csv_and_parquet(tiny_path: Path, scenario_file: Path, tmp_path: Path) -> None:
    base = ["simulate", scenario_file, "--dataset", tiny_path, "--format", "iamc"]
    want = ree.simulate(ree.load_network(tiny_path), ree.load_scenario(scenario_file)).to_iamc()
    printed = run(*base)
    assert_ok(printed)
    assert printed.stdout.splitlines()[0] == ",".join(IAMC_COLUMNS)
    out = tmp_path / "run-iamc.csv"
    assert_ok(run(*base, "-o", out))
    pd.testing.assert_frame_equal(read_iamc(out), want, check_dtype=False)
    pq = tmp_path / "run-iamc.parquet"
    assert_ok(run(*base, "-o", pq))
    pd.testing.assert_frame_equal(read_iamc(pq), want, check_dtype=False)
    only = run(*base, "--country", "jp")
    regions = {r["region"] for r in csv.DictReader(io.StringIO(only.stdout))}
    assert regions == {"JP", "World"}
    assert_user_error(run("dependence", "-d", tiny_path, "-c", "JP", "-f", "iamc"), "simulate")


def test_parquet_tables(tiny_path: Path, scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "timeseries.parquet"
    assert_ok(run("simulate", scenario_file, "--dataset", tiny_path, "--all", "-o", out))
    frame = pd.read_parquet(out)
    want = ree.simulate(ree.load_network(tiny_path), ree.load_scenario(scenario_file)).timeseries
    assert len(frame) == len(want)
    assert pd.api.types.is_datetime64_any_dtype(frame["month"])
    assert frame["shortfall"].sum() == pytest.approx(want["shortfall"].sum())
    assert_user_error(
        run("simulate", scenario_file, "--dataset", tiny_path, "-c", "JP", "-f", "parquet"),
        "-o FILE.parquet",
    )


def test_plot_dpi_sankey_tornado_and_distribution(
    tiny_path: Path, scenario_file: Path, option_files: list[Path], tmp_path: Path
) -> None:
    low, high = tmp_path / "low.png", tmp_path / "high.png"
    base = ["plot", "sankey", "--dataset", tiny_path, "--material", "DyTb"]
    assert_ok(run(*base, "-o", low, "--dpi", "50"))
    assert_ok(run(*base, "-o", high, "--dpi", "100"))
    (w1, h1), (w2, h2) = _png_size(low), _png_size(high)
    assert w2 == pytest.approx(2 * w1, rel=0.02) and h2 == pytest.approx(2 * h1, rel=0.02)
    assert w2 >= 900  # 9 in or more: at the default 200 dpi, 1,800 px or more
    month = tmp_path / "month.svg"
    assert_ok(run("plot", "sankey", scenario_file, "--dataset", tiny_path, "-m", "magnet",
                  "--month", "2025-03", "-o", month))
    assert "2025-03" in month.read_text()
    assert_user_error(run(*base, "-m", "Fe", "-o", low), "Fe")
    tornado = tmp_path / "tornado.svg"
    assert_ok(run("plot", "tornado", scenario_file, "--dataset", tiny_path, "-c", "JP", "-n", "12",
                  "-o", tornado))
    assert "severity of the events" in tornado.read_text()
    dist = tmp_path / "dist.svg"
    assert_ok(run("plot", "distribution", scenario_file, "--dataset", tiny_path, "-c", "JP",
                  "-n", "6", *option_args(option_files), "-o", dist))
    text = dist.read_text()
    for name in ("none  (n=6)", "tiny-stock  (n=6)", "tiny-recycling  (n=6)"):
        assert name in text, name


def test_sensitivity_verb(tiny_path: Path, scenario_file: Path) -> None:
    result = run("sensitivity", scenario_file, "--dataset", tiny_path, "-c", "jp", "-n", "12",
                 "-f", "csv")
    assert_ok(result)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["input"] for r in rows} >= {"severity_scale", "duration_scale"}
    assert all(-1 <= float(r["rho_score"]) <= 1 for r in rows)
    assert_user_error(run("sensitivity", scenario_file, "--dataset", tiny_path, "-c", "JP",
                          "-n", "3"), "--draws")


@pytest.mark.parametrize("verb", [["sensitivity"], ["scenarios", "new"], ["options", "new"]],
                         ids=" ".join)
def test_new_verbs_have_help_with_examples(verb: list[str]) -> None:
    result = run(*verb, "--help")
    assert_ok(result)
    assert "Examples" in result.stdout and f"rareearth {' '.join(verb)}" in result.stdout
