"""The look every figure shares: country colours, Axes, titles and source lines.

Countries have the same colour in every figure (:func:`country_color`); every figure carries a
bold title, a subtitle with its units and a small source line naming the dataset, the run or
the ranking it shows.
"""

from __future__ import annotations

import textwrap
import zlib
from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from pydantic import ValidationError

from rareearth.network import SupplyNetwork
from rareearth.scenario import Scenario

__all__ = ["COUNTRY_COLORS", "country_color"]

#: Fixed colours of the main countries and regions (colour-blind-aware where possible: the
#: two largest actors, CN and the rest of the world, are red and grey; neighbours in the
#: supply chain get distinct hues).
COUNTRY_COLORS: dict[str, str] = {
    "CN": "#d62728",  # red
    "AU": "#ff7f0e",  # orange
    "US": "#1f77b4",  # blue
    "MM": "#8c564b",  # brown
    "MY": "#17becf",  # cyan
    "VN": "#2ca02c",  # green
    "IN": "#e7ba52",  # mustard
    "TH": "#9467bd",  # purple
    "RU": "#393b79",  # indigo
    "BR": "#637939",  # olive
    "JP": "#e377c2",  # pink
    "KR": "#6b6ecf",  # periwinkle
    "DE": "#525252",  # dark grey
    "EU": "#bcbd22",  # yellow-green
    "ROW": "#a6a6a6",  # light grey
}

# Fallback colours for other codes: picked by a stable hash of the code (crc32, not Python's
# salted hash), so a code keeps its colour across runs and machines.
_FALLBACK_COLORS: tuple[str, ...] = (
    "#7f3b08",
    "#b35806",
    "#542788",
    "#8073ac",
    "#01665e",
    "#35978f",
    "#8e0152",
    "#c51b7d",
    "#276419",
    "#4d9221",
    "#053061",
    "#4393c3",
    "#67001f",
    "#d6604d",
    "#3f007d",
    "#807dba",
)

_SOURCE_COLOR = "#555555"


def country_color(code: str) -> str:
    """The colour of a country or region in every figure (hex string).

    The main rare-earth countries have fixed colours (:data:`COUNTRY_COLORS`); any other code
    gets a colour from a fallback palette chosen by a stable hash, the same on every run.

    Examples
    --------
    >>> country_color("CN")
    '#d62728'
    >>> country_color("ZA") == country_color("ZA")
    True
    """
    if code in COUNTRY_COLORS:
        return COUNTRY_COLORS[code]
    return _FALLBACK_COLORS[zlib.crc32(code.encode("utf-8")) % len(_FALLBACK_COLORS)]


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    # pyplot, so that notebooks show the figure; callers that make many figures close them
    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def _source_line(ax: Axes, text: str, *, below_labels: bool = True) -> None:
    """A small grey source line under the Axes, right-aligned, below tick labels and xlabel."""
    offset = 4.0
    if below_labels:
        if ax.xaxis.get_visible() and ax.axison:
            offset += 16.0  # tick labels
        if ax.get_xlabel():
            offset += 14.0
    ax.annotate(
        text,
        xy=(1.0, 0.0),
        xycoords="axes fraction",
        xytext=(0.0, -offset),
        textcoords="offset points",
        ha="right",
        va="top",
        fontsize=7,
        color=_SOURCE_COLOR,
        annotation_clip=False,
    )


def _plain(text: str) -> str:
    """Text shown as written: ``$`` would otherwise start matplotlib's math mode."""
    return text.replace("$", r"\$")


def _dataset_source(net: SupplyNetwork) -> str:
    title = str(net.title or "")
    name = str(net.name)
    if title and title != name:
        return _plain(f"Source: rareearth dataset {name} ({title})")
    return _plain(f"Source: rareearth dataset {name}")


def _titles(ax: Axes, title: str, subtitle: str) -> None:
    """Bold title on the left, and a smaller subtitle under it wrapped to the Axes' width."""
    lines: list[str] = []
    if subtitle:
        width_in = ax.get_window_extent().width / float(ax.figure.dpi)
        chars = max(40, int(width_in * 72.0 / (8.5 * 0.52)))
        lines = textwrap.wrap(_plain(subtitle), width=chars)
    ax.set_title(
        _plain(title), loc="left", fontsize=12, fontweight="bold", pad=8 + 11.5 * len(lines)
    )
    if lines:
        ax.annotate(
            "\n".join(lines),
            xy=(0.0, 1.0),
            xycoords="axes fraction",
            xytext=(0.0, 5.0),
            textcoords="offset points",
            ha="left",
            va="bottom",
            fontsize=8.5,
            color="#444444",
            annotation_clip=False,
        )


def _text_on(color: str) -> str:
    r, g, b = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.6 else "white"


def _despine(ax: Axes) -> None:
    """Hide the top and right spines (bar and box charts)."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


# ---------------------------------------------------------------------------- provenance


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _scenario_of(result: Any) -> Any:
    """The run's scenario: a Scenario, rebuilt from its dict when possible, else as stored."""
    provenance = getattr(result, "provenance", None) or {}
    scenario = _get(provenance, "scenario")
    if isinstance(scenario, Mapping):
        try:
            return Scenario.model_validate(dict(scenario))
        except ValidationError:  # a partial record: use its fields as they are
            return scenario
    return scenario


def _run_source(result: Any) -> str:
    provenance = getattr(result, "provenance", None) or {}
    dataset = _get(provenance, "dataset")
    scenario = _scenario_of(result)
    parts = []
    if dataset is not None:
        if isinstance(dataset, str):
            parts.append(f"dataset {dataset}")
        else:
            name = _get(dataset, "name", "")
            title = _get(dataset, "title", "")
            parts.append(f"dataset {name}" + (f" ({title})" if title and title != name else ""))
    if scenario is not None:
        if isinstance(scenario, str):
            parts.append(f"scenario {scenario}")
        else:
            parts.append(f"scenario {_get(scenario, 'name', '')}")
    return _plain("Source: rareearth simulation" + (", " + ", ".join(parts) if parts else ""))


def _table_source(table: pd.DataFrame, source: str | None) -> str:
    if source:
        return _plain(source)
    attrs = table.attrs
    parts = []
    for key in ("dataset", "scenario", "country"):
        value = attrs.get(key)
        if value:
            parts.append(
                f"{key} {_get(value, 'name', value) if not isinstance(value, str) else value}"
            )
    return _plain("Source: rareearth option ranking" + (", " + ", ".join(parts) if parts else ""))
