"""Verbs that simulate nothing: the built-in datasets, scenarios and options; validate; export.

They start without pandas, numba or matplotlib where they can: ``datasets``, the listings and
``show`` of scenarios and options, ``new`` (a test checks which modules they import).
``scenarios`` and ``options`` are one sub-app each, made by :func:`catalog_app` from the
library's :class:`~rareearth.catalog.Catalog` of that kind.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from rareearth.cli import inputs
from rareearth.cli.base import status
from rareearth.cli.output import Rows, emit, write_text, writing
from rareearth.cli.params import (
    ExportFormat,
    FormatOption,
    OutputOption,
    ShowFormat,
    ShowFormatOption,
)

__all__ = ["catalog_app", "datasets", "export", "options_app", "scenarios_app", "validate"]


def datasets(format: FormatOption = None, output: OutputOption = None) -> None:
    """List the built-in datasets.

    Examples:

      rareearth datasets

      rareearth datasets --format json
    """
    from rareearth.data import describe_datasets

    rows = Rows(["name", "title", "version", "reference_year"], describe_datasets())
    emit(rows, format, output, title="Built-in datasets")


def _catalog(module: str) -> Any:
    """The library's catalog of one kind (``rareearth.scenario:SCENARIOS``), imported late."""
    name, attribute = module.split(":")
    return getattr(importlib.import_module(name), attribute)


def catalog_app(
    *, plural: str, what: str, module: str, title: str, example: str, show: Callable[..., None],
    new_doc: str,
) -> typer.Typer:
    """A sub-app over one catalog: with no command, the listing; ``show`` (the kind's own:
    an option also shows its effect); ``new``, the template."""
    sub = typer.Typer(
        help=(
            f"List the built-in {plural}, or show one as YAML.\n\n"
            "Examples:\n\n"
            f"  rareearth {plural.split()[-1]}\n\n"
            f"  rareearth {plural.split()[-1]} show {example}"
        ),
        invoke_without_command=True,
        no_args_is_help=False,
    )
    verb = plural.split()[-1]

    def listing(ctx: typer.Context, format: FormatOption = None, output: OutputOption = None) -> None:
        if ctx.invoked_subcommand is not None:
            return
        catalog = _catalog(module)
        emit(Rows(list(catalog.columns), catalog.listing()), format, output, title=title)

    listing.__doc__ = f"List the built-in {plural} (``{verb} show NAME`` prints one)."
    sub.callback()(listing)
    sub.command("show")(show)

    def new(output: OutputOption = None) -> None:
        from rareearth.templates import document_template

        write_text(document_template(what), output)

    new.__doc__ = new_doc
    sub.command("new")(new)
    return sub


def scenarios_show(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Built-in scenario name or .yaml/.json file.")
    ],
    format: ShowFormatOption = ShowFormat.yaml,
    output: OutputOption = None,
) -> None:
    """Print a scenario as YAML (or JSON): a starting point for your own.

    Examples:

      rareearth scenarios show china-2010

      rareearth scenarios show china-2010 -o my-scenario.yaml
    """
    from rareearth.catalog import Catalog

    write_text(Catalog.show(inputs.scenario(name), format.value), output)


def options_show(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Built-in option name or .yaml/.json file.")
    ],
    format: ShowFormatOption = ShowFormat.yaml,
    output: OutputOption = None,
    dataset: Annotated[
        str,
        typer.Option(
            "--dataset", "-d", metavar="NAME|PATH",
            help="Dataset whose tonnes the effect is shown in (YAML comments).",
        ),
    ] = "world-2024",
) -> None:
    """Print a cooperation option as YAML (or JSON), and what it does in the dataset's tonnes.

    In YAML, the effect of each measure follows as comments (the file still loads): a
    stockpile's tonnes added to the national stockpile the dataset already holds, new
    capacity next to the existing, reserved output in t/yr, the lead time in months.

    Examples:

      rareearth options show stockpile-180d

      rareearth options show stockpile-180d --dataset world-2009

      rareearth options show stockpile-180d --format json
    """
    from rareearth.catalog import Catalog
    from rareearth.cooperation import load_option

    option = load_option(inputs.input_file(name))
    text = Catalog.show(option, format.value)
    if format is ShowFormat.yaml:
        text += _effect_comments(option, dataset)
    write_text(text, output)


def _effect_comments(option: Any, dataset: str) -> str:
    """What each measure does in ``dataset``'s tonnes, as YAML comments."""
    from rareearth.errors import OptionError
    from rareearth.network import load_network
    from rareearth.option_effects import option_effects

    net = load_network(dataset)
    try:
        table = option_effects(net, option)
    except OptionError as err:
        first = str(err).splitlines()
        return f"# effect in dataset {net.name}: does not fit ({'; '.join(first)})\n"
    lines = [f"# effect in dataset {net.name} (its reference year), measure by measure:"]
    for row in table.itertuples(index=False):
        digits = 1 if row.unit == "months" else 0
        lines.append(
            f"#   measures[{row.measure}] {row.type} {row.country} {row.commodity}: "
            f"{row.baseline:,.{digits}f} -> {row.total:,.{digits}f} {row.unit} "
            f"({row.added:+,.{digits}f}; {row.what})"
            + (f" [from {row.option}]" if row.option != option.name else "")
        )
    return "\n".join(lines) + "\n"


scenarios_app = catalog_app(
    plural="scenarios", what="scenario", module="rareearth.scenario:SCENARIOS",
    title="Built-in scenarios",
    example="china-2010", show=scenarios_show,
    new_doc="""Print (or write with -o) a commented scenario template: every event type, every field.

    The format is documented in docs/scenario-format.md.

    Examples:

      rareearth scenarios new -o my-scenario.yaml
    """,
)
options_app = catalog_app(
    plural="cooperation options", what="option", module="rareearth.cooperation:OPTIONS",
    title="Built-in cooperation options", example="stockpile-180d", show=options_show,
    new_doc="""Print (or write with -o) a commented option template: every measure type.

    The format is documented in docs/option-format.md.

    Examples:

      rareearth options new -o my-option.yaml
    """,
)


def validate(
    path: Annotated[
        str, typer.Argument(metavar="PATH", help="Dataset folder (or a built-in dataset name).")
    ],
) -> None:
    """Check a dataset folder; print "ok: ..." or every problem (exit 2).

    Examples:

      rareearth validate path/to/dataset

      rareearth validate world-2024
    """
    from rareearth.network import load_network

    net = load_network(path)
    typer.echo(
        f"ok: {len(net.node_ids)} nodes, {len(net.flows)} flows, "
        f"{len(net.countries)} countries, commodities {', '.join(net.commodities)} "
        f"({net.name}, digest {net.digest})"
    )


def export(
    dataset: Annotated[
        str,
        typer.Option(
            "--dataset", "-d", metavar="NAME|PATH", help="Built-in dataset name or dataset folder."
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="PATH",
            help="File (graphml, json) or folder (csv: nodes.csv, flows.csv).",
        ),
    ],
    format: Annotated[
        ExportFormat | None,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="graphml, json (node-link) or csv. Default: from the suffix of -o.",
        ),
    ] = None,
) -> None:
    """Write a dataset's network as GraphML, node-link JSON or CSV tables.

    Examples:

      rareearth export --dataset world-2024 --format graphml -o out/world.graphml

      rareearth export --dataset world-2024 --format csv -o out/world-csv
    """
    from rareearth.atomic import atomic_folder

    if format is None:
        suffix = output.suffix.lower().lstrip(".")
        if suffix not in ("graphml", "json"):
            raise typer.BadParameter(
                "give --format graphml|json|csv (cannot tell it from the name of -o)",
                param_hint="--format",
            )
        format = ExportFormat(suffix)
    net = inputs.network(dataset)
    if format is ExportFormat.graphml:
        with writing(output):
            net.to_graphml(output)
    elif format is ExportFormat.json:
        with writing(output):
            net.to_json(output)
    else:
        if output.exists() and not output.is_dir():
            raise typer.BadParameter(
                f"{output} is a file; csv export writes a folder", param_hint="-o"
            )
        with writing(output), atomic_folder(output) as tmp:
            net.to_csv(tmp)
    status(f"wrote {output}")
