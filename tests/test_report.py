"""The HTML report: self-contained, escaped, small, with its figures and citations."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pytest

import rareearth as ree
from rareearth import reporting
from rareearth.cooperation import Option
from rareearth.network import SupplyNetwork
from rareearth.scenario import Scenario
from tests.factory import write_dataset

matplotlib.use("Agg")

EVIL = "<script>alert('x')</script>"


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture
def evil(tmp_path: Path) -> SupplyNetwork:
    """The tiny network whose dataset title and a source title hold markup."""
    folder = write_dataset(tmp_path / "evil")
    package = json.loads((folder / "datapackage.json").read_text())
    package["title"] = f"Tiny {EVIL} network"
    package["sources"] = [
        {"id": "test", "title": f"Figures {EVIL} & co", "path": "javascript:alert(1)"},
        {"id": "usgs", "title": "USGS Mineral Commodity Summaries", "path": "https://pubs.usgs.gov/x.pdf"},
    ]
    (folder / "datapackage.json").write_text(json.dumps(package))
    return ree.load_network(folder)


def scenario() -> Scenario:
    return Scenario(
        name="tiny-embargo",
        title=f"Embargo {EVIL}",
        description="CN stops NdPr and DyTb exports to JP for four months.",
        start="2024-01",
        months=12,
        events=[
            {"type": "export_restriction", "exporter": "CN", "targets": ["JP"],
             "commodities": ["NdPr", "DyTb", "magnet"], "severity": 1,
             "start": "2024-03", "end": "2024-06", "note": "made up for the test"},
        ],
        sources=[f"Scenario source {EVIL}"],
    )


def stockpile() -> Option:
    return Option(
        name="jp-stockpile",
        title="JP stockpile of 90 days",
        country="JP",
        cost_usd=2e8,
        lead_time_months=0,
        measures=[{"type": "stockpile", "country": "JP", "commodities": ["DyTb", "NdPr"],
                   "days": 90}],
        sources=[f"Option source {EVIL}"],
    )


def _check_self_contained(html: str) -> None:
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html.lower()  # no script at all, ours or injected
    # nothing is loaded: no external file of any kind (links to sources are plain anchors)
    assert not re.search(r"<(link|iframe|object|embed|img|image|audio|video|source)\b", html)
    assert not re.search(r"\bsrc\s*=", html)
    assert "@import" not in html and not re.search(r"url\((?!#)", html)
    assert not re.search(r"""\b(xlink:)?href=["'](?!#)""", html.replace('<a href="', "<a "))
    assert len(html.encode("utf-8")) < reporting.MAX_BYTES


# ---------------------------------------------------------------------------- without the engine


def test_static_sections_render_escaped(evil: SupplyNetwork, tmp_path: Path) -> None:
    ctx = reporting._static_context(evil, scenario(), "JP")
    reporting._add_origins(ctx, evil, "JP", ["NdPr", "DyTb"])
    html = reporting._render(ctx)
    _check_self_contained(html)
    # names from data appear, escaped, in the HTML and inside the SVG figures
    assert "&lt;script&gt;alert(" in html
    assert "Tiny &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; network" in html
    assert "Figures &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co" in html
    # a source path that is not a web address is shown, never linked
    assert 'href="javascript' not in html
    assert '<a href="https://pubs.usgs.gov/x.pdf">USGS Mineral Commodity Summaries</a>' in html
    # figures: network and one origins figure per material, inline SVG with unique ids
    assert html.count("<svg ") == 3
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert "Where JP's DyTb comes from</text>" in html  # SVG text
    for heading in ("Dependence of Japan on each material", "Method and assumptions", "Data sources"):
        assert heading in html
    assert "Scenario source &lt;script&gt;" in html
    assert "The exposure score was not computed." in html


def test_dependence_table_rows(tiny: SupplyNetwork) -> None:
    ctx = reporting._static_context(tiny, scenario(), "JP")
    assert ctx.dependence is not None
    rows = {r["material"]: r["cells"] for r in ctx.dependence["rows"]}
    assert set(rows) == {"NdPr", "DyTb"}
    headers = ctx.dependence["headers"]
    assert headers[:2] == ["Consumption (t REO/yr)", "Import reliance"]
    assert rows["DyTb"][headers.index("Main separation origin")] == "CN 100%"


def test_unknown_country(tiny: SupplyNetwork) -> None:
    with pytest.raises(ree.UnknownNameError, match="country 'XX' is not in dataset 'tiny'"):
        reporting._static_context(tiny, scenario(), "XX")


def test_template_ships_in_the_package() -> None:
    template = Path(reporting.__file__).parent / "templates" / "report.html.j2"
    assert template.is_file()
    env = reporting._environment()
    assert env.autoescape is True


# ---------------------------------------------------------------------------- the whole report


def test_report_tiny_with_option(evil: SupplyNetwork, tmp_path: Path) -> None:
    out = reporting.report(
        evil, scenario(), "JP", options=[stockpile()], path=tmp_path / "out" / "r.html"
    )
    assert out == tmp_path / "out" / "r.html"
    html = out.read_text(encoding="utf-8")
    _check_self_contained(html)
    assert "&lt;script&gt;" in html
    # network, 2 origins, shortfall, sankey, compare, frontier
    assert html.count("<svg ") == 7
    assert "Had it been done" in html and "Decided when the shock starts" in html
    assert 'id="frontier"' in html
    assert "Components of the score" in html
    for component in ("Peak shortfall", "Unmet demand", "Structural dependence"):
        assert f"<td>{component}</td>" in html
    assert "jp-stockpile" in html and "Option source &lt;script&gt;" in html
    assert not list((tmp_path / "out").glob(".*.tmp"))  # written atomically, nothing left


def test_report_without_options_has_no_ranking(tiny: SupplyNetwork, tmp_path: Path) -> None:
    html = reporting.report(tiny, scenario(), "JP", path=tmp_path / "r.html").read_text()
    assert 'id="options"' not in html
    assert html.count("<svg ") == 5
    # the flows are drawn; no option effects, and no tornado without Monte Carlo draws
    assert 'id="flows"' in html
    assert 'id="option-effects"' not in html and 'id="drivers"' not in html


def test_report_monte_carlo_columns(tiny: SupplyNetwork, tmp_path: Path) -> None:
    html = reporting.report(
        tiny, scenario(), "JP", options=[stockpile()], path=tmp_path / "r.html", n=8, seed=3
    ).read_text()
    assert "P(beats none)" in html and "8 Monte Carlo draws" in html


@pytest.mark.slow
def test_report_world_2024(tmp_path: Path) -> None:
    out = reporting.report(
        "world-2024", "china-2025-heavy", "JP", options=["stockpile-180d", "recycling"],
        path=tmp_path / "world.html", n=0,
    )
    html = out.read_text(encoding="utf-8")
    _check_self_contained(html)
    assert out.stat().st_size < reporting.MAX_BYTES


def test_dollars_are_formatted_one_way() -> None:
    from rareearth._format import usd

    assert usd(2.5e9) == "$2.50 bn"
    assert usd(2.5e9, bn_digits=1, dollar=r"\$") == r"\$2.5 bn"  # the plots' form
    assert usd(3e8) == "$300 m"
    assert usd(4500) == "$4,500"
    assert usd(None) == "–"
    assert usd(float("nan"), missing="cost n/a") == "cost n/a"
    assert usd("n/a") == "–"
