"""Every script in examples/ runs, end to end, and writes its files (so examples never rot).

Each runs in a subprocess (``python -W error``, Agg backend) with a temporary output folder
and small Monte Carlo counts; the CLI verbs run on the example dataset of
``examples/custom_dataset``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CUSTOM = EXAMPLES / "custom_dataset"
PNG = b"\x89PNG\r\n\x1a\n"

#: script (relative to examples/), extra arguments, files it must write, text it must print
CASES = {
    "replay_2010.py": (
        [],
        ["shortfall-JP.png", "replay-2010.png"],
        "MOF from CN",
    ),
    "replay_2025.py": (
        [],
        [],
        "record total",
    ),
    "japan_options_2025.py": (
        ["-n", "4"],
        ["options-compare.png", "options-distribution.png"],
        "stockpile-180d",
    ),
    "custom_dataset/run.py": (
        ["-n", "4"],
        ["shortfall-JP.png", "compare.png"],
        "Exposure of JP",
    ),
    "demo.py": (
        [],
        ["network.png", "origins-DyTb.png", "shortfall.png", "options.png", "report.html"],
        "Exposure score of JP",
    ),
}


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-W", "error", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False,
    )


def test_every_example_is_run_here() -> None:
    scripts = {p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.rglob("*.py")}
    assert scripts == set(CASES), "add new examples to CASES (or remove stale ones)"


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(CASES))
def test_example_runs_and_writes_its_files(script: str, tmp_path: Path) -> None:
    args, files, text = CASES[script]
    out = tmp_path / "out"
    proc = _run([str(EXAMPLES / script), str(out), *args], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert text in proc.stdout
    for name in files:
        path = out / name
        assert path.is_file(), f"{script} did not write {name}"
        head = path.read_bytes()[:8]
        if name.endswith(".png"):
            assert head == PNG and path.stat().st_size > 5_000, name
        else:
            assert path.stat().st_size > 1_000, name


@pytest.mark.slow
def test_custom_dataset_validates() -> None:
    proc = _run(["-m", "rareearth", "validate", str(CUSTOM)], cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("ok: 17 nodes, 33 flows, 4 countries")


@pytest.mark.slow
@pytest.mark.parametrize(
    "verb",
    [
        ["simulate", "--country", "JP", "--format", "csv"],
        ["exposure", "--country", "JP", "--option", str(CUSTOM / "option.yaml"), "--format", "csv"],
        ["compare", "--country", "JP", "--option", str(CUSTOM / "option.yaml"), "--format", "csv"],
    ],
    ids=lambda v: v[0],
)
def test_cli_verbs_on_the_custom_dataset(verb: list[str], tmp_path: Path) -> None:
    command = [verb[0], str(CUSTOM / "scenario.yaml"), "--dataset", str(CUSTOM), *verb[1:]]
    proc = _run(["-m", "rareearth", *command], cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) >= 2 and "," in lines[0]


@pytest.mark.slow
def test_plot_and_export_on_the_custom_dataset(tmp_path: Path) -> None:
    png, graphml = tmp_path / "chain.png", tmp_path / "chain.graphml"
    for command in (
        ["plot", "network", "--dataset", str(CUSTOM), "-o", str(png)],
        ["export", "--dataset", str(CUSTOM), "--format", "graphml", "-o", str(graphml)],
    ):
        proc = _run(["-m", "rareearth", *command], cwd=tmp_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert png.read_bytes()[:8] == PNG
    assert b"AU:mining" in graphml.read_bytes()
