"""The HTML report in a real browser: headless Chromium shows its figures, without errors.

Chromium is run as a plain subprocess (no driver, no extra Python package): ``--dump-dom``
gives the DOM after the page has loaded, ``--screenshot`` a PNG of the window, and
``--enable-logging=stderr`` prints every console message (``...:CONSOLE...``) on stderr. The
report has no script, so any console line at all is a failure. Skipped, with the reason, when no
Chromium binary is installed (CI installs Debian's ``chromium``: ``.ci/run``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import matplotlib
import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np
import pytest

from rareearth import reporting
from rareearth.network import SupplyNetwork
from tests.test_report import scenario, stockpile

matplotlib.use("Agg")

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _browser() -> str | None:
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


BROWSER = _browser()
pytestmark = [
    pytest.mark.skipif(
        BROWSER is None,
        reason="no Chromium binary (install Debian's 'chromium'; .ci/run does) for the browser test",
    ),
    pytest.mark.slow,  # a headless browser per test: make test-slow and CI run them
]


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _chromium(page: Path, tmp: Path, *mode: str) -> subprocess.CompletedProcess[str]:
    assert BROWSER is not None
    profile = tmp / "profile"
    profile.mkdir(exist_ok=True)
    command = [
        BROWSER,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *mode,
        page.resolve().as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, f"chromium failed ({done.returncode}):\n{done.stderr[-3000:]}"
    return done


def _console_problems(stderr: str) -> list[str]:
    """Console messages and uncaught errors that Chromium logged for the page."""
    return [
        line
        for line in stderr.splitlines()
        if ":CONSOLE" in line or "Uncaught" in line or "Failed to load resource" in line
    ]


def _show(page: Path, tmp: Path, svgs: int) -> np.ndarray:
    """Load ``page`` in Chromium; check its DOM and console; return its screenshot (RGB)."""
    dom = _chromium(page, tmp, "--dump-dom")
    assert len(re.findall(r"<svg\b", dom.stdout)) == svgs
    assert len(re.findall(r"<text\b", dom.stdout)) > 50 * svgs / 5  # figures carry their text
    assert _console_problems(dom.stderr) == []
    shot = tmp / "screenshot.png"
    done = _chromium(page, tmp, f"--screenshot={shot}", "--window-size=1280,4200")
    assert _console_problems(done.stderr) == []
    image = np.asarray(matplotlib.image.imread(shot))[..., :3]
    assert image.shape[0] >= 4000 and image.shape[1] >= 1200
    return image


def _check_not_blank(image: np.ndarray) -> None:
    ink: np.ndarray = np.any(image < 0.9, axis=2)
    assert ink.mean() > 0.03  # text, tables and figures, not an empty page
    # colours of the figures (country colours are saturated), not only grey text
    saturation = image.max(axis=2) - image.min(axis=2)
    assert (saturation > 0.3).mean() > 0.003
    # content all down the page, not a single block at the top
    rows: np.ndarray = np.any(ink, axis=1)
    bands = np.any(rows[: rows.size // 100 * 100].reshape(-1, 100), axis=1)
    assert bands.mean() > 0.6


def test_console_scan_catches_errors(tmp_path: Path) -> None:
    """The scanner is not vacuous: a page with a failing script is caught."""
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><body><p>x</p>"
        "<script>console.error('boom'); throw new Error('bang');</script></body></html>"
    )
    problems = _console_problems(_chromium(page, tmp_path, "--dump-dom").stderr)
    assert any("boom" in p for p in problems)
    assert any("Uncaught Error: bang" in p for p in problems)


def test_static_report_in_browser(tiny: SupplyNetwork, tmp_path: Path) -> None:
    ctx = reporting._static_context(tiny, scenario(), "JP")
    reporting._add_origins(ctx, tiny, "JP", ["NdPr", "DyTb"])
    page = tmp_path / "static.html"
    page.write_text(reporting._render(ctx), encoding="utf-8")
    _check_not_blank(_show(page, tmp_path, svgs=3))


def test_full_report_in_browser(tiny: SupplyNetwork, tmp_path: Path) -> None:
    page = reporting.report(
        tiny, scenario(), "JP", options=[stockpile()], path=tmp_path / "report.html", n=12
    )
    # network, 2 origins, shortfall, sankey, compare, frontier, tornado
    _check_not_blank(_show(page, tmp_path, svgs=8))
