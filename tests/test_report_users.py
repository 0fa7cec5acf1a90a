"""The report as a reader forwards it: human component names, descriptions with paragraphs
and code, the option timing stated, each option in tonnes, the flows as a Sankey diagram, what
drives the score, and the known limits of this run."""

from __future__ import annotations

import re
from collections.abc import Iterator

import matplotlib.pyplot as plt
import pytest

import rareearth as ree
from rareearth import reporting
from rareearth.limitations import known_limits
from rareearth.network import SupplyNetwork
from rareearth.scenario import Scenario
from tests.factory import write_dataset
from tests.test_report import _check_self_contained, stockpile


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _scenario() -> Scenario:
    return Scenario(
        name="tiny-hold",
        title="CN holds NdPr, DyTb and magnets to JP",
        description="First paragraph with `export_restriction` <b>bold?</b>\nstill the first.\n\n"
                    "Second paragraph.",
        start="2024-01",
        months=8,
        events=[{"type": "export_restriction", "exporter": "CN", "targets": ["JP"],
                 "commodities": ["NdPr", "DyTb", "magnet"], "severity": 1,
                 "start": "2024-02", "end": "2024-05"}],
    )


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One report for the tests that read it (a report takes seconds to draw)."""
    folder = tmp_path_factory.mktemp("report")
    tiny = ree.load_network(write_dataset(folder / "tiny"))
    out = reporting.report(tiny, _scenario(), "JP", options=[stockpile()],
                           path=folder / "r.html", n=12, seed=1)
    plt.close("all")
    text = out.read_text(encoding="utf-8")
    _check_self_contained(text)
    return text


def test_description_paragraphs_and_code(html: str) -> None:
    assert ("<p>First paragraph with <code>export_restriction</code> &lt;b&gt;bold?&lt;/b&gt; "
            "still the first.</p>") in html
    assert "<p>Second paragraph.</p>" in html
    assert "`" not in re.sub(r"<svg.*?</svg>", "", html, flags=re.S)


def test_components_have_human_names(html: str) -> None:
    assert "<td>Peak shortfall</td>" in html and "<code>shortfall_peak</code>" not in html
    summary = html[html.index('id="summary"'):html.index("Components of the score")]
    assert "shortfall_peak" not in summary


def test_timing_effects_and_one_option(html: str) -> None:
    assert "timing <code>in_place</code>" in html
    assert "The one option compared, jp-stockpile, avoids harm" in html
    assert "Of the 1 options" not in html
    section = html[html.index('id="option-effects"'):html.index('id="drivers"')]
    # 90 days of JP's 4 t/yr of DyTb added to the 0.5 t it holds: 0.5 -> 1.5 t (rounded)
    assert "<td>JP DyTb</td>" in section and "<td class=\"num\">+1</td>" in section
    assert "<td>JP NdPr</td>" in section and "+15" in section  # 90/365 × 60 t/yr = 14.8 t


def test_sankey_tornado_and_limits(html: str) -> None:
    assert 'id="flows"' in html and 'aria-label="Sankey diagram of' in html
    assert 'id="drivers"' in html and "severity of the events" in html
    limits = html[html.index('id="limits"'):html.index('id="sources"')]
    for topic in ("Reference year", "Timing", "Stockpile options", "Uncertainty", "Prices"):
        assert f"<strong>{topic}.</strong>" in limits, topic
    assert "12 Monte Carlo draws" in limits


def test_limits_follow_the_run(tiny: SupplyNetwork) -> None:
    sc = _scenario()
    bare = {limit.topic for limit in known_limits(tiny, sc, "JP")}
    assert "timing" not in bare and "uncertainty" not in bare
    optimal = known_limits(tiny, sc, "JP", [stockpile()], allocation="optimal",
                           timing="from_start", draws=5)
    text = {limit.topic: limit.text for limit in optimal}
    assert "from_start" in text["timing"] and "best case" in text["allocation"]
    assert text["uncertainty"].startswith("The 5 Monte Carlo draws")
    # the dataset's share of estimated flow tonnes is computed, not a fixed sentence
    assert "tiny, 100% are as reported, 0% derived" in text["data"]  # tiny rows are 'exact'

