"""The pieces every section of the HTML report uses: inline SVG figures, number formatting,
the context the template reads, and the report's facts about the dataset and scenario.

See :mod:`rareearth.reporting` (the report) and :mod:`rareearth.report_sections` (its
sections).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
from markupsafe import Markup, escape

from rareearth._format import finite
from rareearth.network import SupplyNetwork

__all__ = ["DOCS", "MAX_ORIGIN_FIGURES", "MIN_SENSITIVITY_DRAWS"]

#: The documents the method section points to (in the rareearth source tree).
DOCS: dict[str, str] = {
    "model": "docs/model.md",
    "exposure": "docs/exposure.md",
    "dataset format": "docs/dataset-format.md",
    "scenario format": "docs/scenario-format.md",
    "option format": "docs/option-format.md",
}
#: Monte Carlo draws needed for the sensitivity (tornado) section.
MIN_SENSITIVITY_DRAWS = 10
#: At most this many materials get an origins figure (the ones the country depends on most).
MAX_ORIGIN_FIGURES = 3

_URL = re.compile(r"^https?://", re.IGNORECASE)


# ---------------------------------------------------------------------------- figures


def _svg(ax: Any, key: str, label: str) -> Markup:
    """The Axes' figure as an inline ``<svg>`` element; ids made unique with ``key``.

    Text stays text (``svg.fonttype: none``: small, selectable, escaped by matplotlib's XML
    writer); the hash salt makes ids reproducible from run to run.
    """
    fig = ax.figure.figure  # the root Figure (a SubFigure's .figure is its root)
    buffer = io.StringIO()
    try:
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": key}):
            fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    finally:
        plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    # several figures share one page: prefix every id and every reference to one
    text = re.sub(r'\bid="', f'id="{key}-', text)
    text = text.replace("url(#", f"url(#{key}-").replace('href="#', f'href="#{key}-')
    text = text.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    # safe to mark: matplotlib's SVG writer escapes every text and attribute it writes
    return Markup(text)


@dataclass
class _Figure:
    key: str
    title: str
    svg: Markup
    caption: str = ""


# ---------------------------------------------------------------------------- formatting


def _num(value: Any, digits: int = 1) -> str:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "–" if value is None else str(value)
    if not math.isfinite(x):
        return "–"
    return f"{x:,.{digits}f}"


def _pct(value: Any, digits: int = 0) -> str:
    x = finite(value)
    return "–" if x is None else f"{100 * x:.{digits}f}%"


def _signed(value: Any, digits: int = 1) -> str:
    x = finite(value)
    return "–" if x is None else f"{x:+.{digits}f}"


# ---------------------------------------------------------------------------- sections


@dataclass
class _Context:
    """Everything the template shows (plain values; the template escapes them)."""

    title: str
    country: str
    country_name: str
    dataset: dict[str, Any]
    scenario: dict[str, Any]
    version: str
    seed: int
    draws: int
    options: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    score: dict[str, Any] | None = None
    dependence: dict[str, Any] | None = None
    figures: dict[str, _Figure] = field(default_factory=dict)
    origin_figures: list[_Figure] = field(default_factory=list)
    ranking: dict[str, Any] | None = None
    frontier: dict[str, Any] | None = None
    sources: list[dict[str, Any]] = field(default_factory=list)
    scenario_sources: list[str] = field(default_factory=list)
    option_sources: list[dict[str, Any]] = field(default_factory=list)
    docs: dict[str, str] = field(default_factory=lambda: dict(DOCS))
    timing: str = "in_place"
    limits: list[dict[str, str]] = field(default_factory=list)
    option_effects: list[dict[str, Any]] = field(default_factory=list)
    sensitivity: list[dict[str, str]] = field(default_factory=list)


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _event_summary(event: Any) -> str:
    """One line per event: ``export restriction · CN → all · magnet · severity 0.74``."""
    parts = [str(_get(event, "type", "event")).replace("_", " ")]
    who = _get(event, "exporter") or _get(event, "node") or _get(event, "country")
    stage = _get(event, "stage")
    if who:
        parts.append(f"{who} {stage}" if stage else str(who))
    targets = _get(event, "targets")
    if targets:
        parts[-1] += " → " + (targets if isinstance(targets, str) else ", ".join(targets))
    sector = _get(event, "sector")
    if sector:
        parts.append(str(sector))
    commodities = _get(event, "commodities")
    if commodities:
        parts.append(commodities if isinstance(commodities, str) else ", ".join(commodities))
    for name in ("severity", "factor"):
        value = _get(event, name)
        if value is not None:
            parts.append(f"{name} {float(value):g}")
    quota = _get(event, "tonnes_per_year")
    if quota is not None:
        parts.append(f"cap {float(quota):,.0f} t/yr")
    return " · ".join(parts)


_CODE = re.compile(r"`([^`]+)`")


def _rich_text(text: str) -> Markup:
    r"""Plain text as HTML: blank lines make paragraphs, `backticks` make code; all escaped.

    Examples
    --------
    >>> str(_rich_text("One `a<b`.\n\nTwo\nlines."))
    '<p>One <code>a&lt;b</code>.</p>\n<p>Two lines.</p>'
    """
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    out = []
    for paragraph in paragraphs:
        parts = _CODE.split(" ".join(line.strip() for line in paragraph.splitlines()))
        html = "".join(
            str(Markup("<code>{}</code>").format(part)) if i % 2 else str(escape(part))
            for i, part in enumerate(parts)
        )
        out.append(f"<p>{html}</p>")
    return Markup("\n".join(out))  # every piece escaped above


def _component_label(name: str) -> str:
    from rareearth.scoring import COMPONENT_NAMES

    return COMPONENT_NAMES.get(name, name.replace("_", " ").capitalize())


def _scenario_info(scenario: Any) -> dict[str, Any]:
    periods = getattr(scenario, "periods", None)
    return {
        "name": str(_get(scenario, "name", "")),
        "title": str(_get(scenario, "title", "") or _get(scenario, "name", "")),
        "description": str(_get(scenario, "description", "") or ""),
        "description_html": _rich_text(str(_get(scenario, "description", "") or "")),
        "start": str(_get(scenario, "start", "")),
        "months": int(_get(scenario, "months", 0) or 0),
        "end": str(periods[-1]) if periods is not None and len(periods) else "",
        "events": [
            {
                "summary": _event_summary(e),
                "start": str(_get(e, "start", "")),
                "end": str(_get(e, "end", "")),
                "note": str(_get(e, "note", "") or ""),
            }
            for e in (_get(scenario, "events", None) or [])
        ],
    }


def _dataset_info(net: SupplyNetwork) -> dict[str, Any]:
    title = str(net.title or net.name)
    year = net.reference_year
    return {
        "name": str(net.name),
        "title": title,
        # shown only when the title does not already say it
        "reference_year": year if year and str(year) not in title else None,
        "digest": str(net.digest or "")[:12],
        "nodes": len(net.node_ids),
        "flows": len(net.flows),
        "countries": len(net.countries),
        "commodities": ", ".join(net.commodities),
    }


def _sources(net: SupplyNetwork) -> list[dict[str, Any]]:
    rows = []
    for source_id, row in net.sources.iterrows():
        path = str(row.get("path", "") or "")
        rows.append(
            {
                "id": str(source_id),
                "title": str(row.get("title", "") or source_id),
                "path": path,
                # only web addresses become links (never javascript: or file paths)
                "url": path if _URL.match(path) else "",
            }
        )
    return rows


