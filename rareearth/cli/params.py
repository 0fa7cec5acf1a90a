"""The choices and options verbs share: formats, allocation, timing, the common flags."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

__all__ = [
    "Allocation",
    "AllocationOption",
    "CountryOption",
    "DatasetOption",
    "ExportFormat",
    "Format",
    "FormatOption",
    "OptionsOption",
    "OutputOption",
    "PlotKind",
    "ProgressOption",
    "ScenarioArgument",
    "SeedOption",
    "ShowFormat",
    "ShowFormatOption",
    "Timing",
    "TimingOption",
]


class Format(enum.StrEnum):
    """How a table is printed."""

    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"
    iamc = "iamc"


class ExportFormat(enum.StrEnum):
    """File formats of ``export``."""

    graphml = "graphml"
    json = "json"
    csv = "csv"


class Allocation(enum.StrEnum):
    """How a short supplier shares out what it has (see the engine)."""

    proportional = "proportional"
    optimal = "optimal"


class Timing(enum.StrEnum):
    """When cooperation options take effect."""

    in_place = "in_place"
    from_start = "from_start"


class PlotKind(enum.StrEnum):
    """The figures ``plot`` draws."""

    network = "network"
    origins = "origins"
    shortfall = "shortfall"
    compare = "compare"
    distribution = "distribution"
    sankey = "sankey"
    tornado = "tornado"


class ShowFormat(enum.StrEnum):
    """How ``show`` prints a scenario or option."""

    yaml = "yaml"
    json = "json"


FormatOption = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        case_sensitive=False,
        help="table (readable), csv or json (plain, for machines), parquet (with -o); "
        "iamc for simulate. Default: from the suffix of -o, else table (csv when piped).",
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        dir_okay=False,
        help="Write to this file (whole or not at all).",
    ),
]
DatasetOption = Annotated[
    str | None,
    typer.Option(
        "--dataset",
        "-d",
        metavar="NAME|PATH",
        help="Built-in dataset name or dataset folder. Default: the scenario's own dataset.",
    ),
]
CountryOption = Annotated[
    str, typer.Option("--country", "-c", metavar="CC", help="Country or region code, e.g. JP.")
]
ScenarioArgument = Annotated[
    str, typer.Argument(metavar="SCENARIO", help="Built-in scenario name or a .yaml/.json file.")
]
OptionsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--option",
        metavar="NAME",
        help="Cooperation option (built-in name or .yaml/.json file); repeat for several.",
    ),
]
SeedOption = Annotated[int, typer.Option("--seed", metavar="N", min=0, help="Random seed.")]
AllocationOption = Annotated[
    Allocation,
    typer.Option("--allocation", case_sensitive=False, help="How short suppliers share out."),
]
TimingOption = Annotated[
    Timing,
    typer.Option(
        "--timing", case_sensitive=False,
        help="Options already built when the shock begins (in_place), or decided then and "
        "built over their lead times (from_start).",
    ),
]
ShowFormatOption = Annotated[
    ShowFormat, typer.Option("--format", "-f", case_sensitive=False, help="yaml or json.")
]
ProgressOption = Annotated[
    bool | None,
    typer.Option(
        "--progress/--no-progress",
        help="Show progress on stderr. Default: on a terminal, for long runs.",
        show_default=False,
    ),
]
