"""The ``rareearth`` command line: a thin shell over the library (typer + rich).

Every verb is one library call that a script can make too; this module only parses arguments,
loads the named dataset, scenario and options, and prints or writes the result:

* on a terminal, a readable rich table (``--format table``, the default); piped or redirected
  (stdout not a terminal), the same table as CSV, so that ``rareearth ... | head`` and
  ``> file`` give plain text without box characters;
* ``--format csv`` or ``--format json``: plain text on stdout for machines (no markup, no
  wrapping); ``-o FILE`` writes the output to a file instead, whole or not at all
  (:mod:`rareearth.atomic`). Without ``--format``, the suffix of ``-o`` picks the format;
  ``-o FILE.parquet`` writes Parquet (needs pyarrow: ``pip install 'rareearth[parquet]'``);
* ``simulate --format iamc``: the run in the IAMC long format (:mod:`rareearth.iamc`), as CSV
  or, with ``-o FILE.parquet``, Parquet.

Country codes are case-insensitive (``jp`` is ``JP``).

Errors a user can cause (an unknown name, a bad file, a bad option value, an unknown country)
print one line ``error: ...`` to stderr (the problems of a dataset follow it, indented) and exit
with status 2; ``--debug`` adds the traceback. They are caught in one place,
:meth:`_Group.main`, which :func:`main` runs. Anything else is a bug and is not hidden.

Heavy modules (pandas, the engine, matplotlib, dask) are imported inside the verbs so that
``rareearth --help`` stays fast.
"""

from __future__ import annotations

import enum
import io
import os
import re
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

import rareearth as ree
from rareearth.errors import OutputError, RareEarthError, UnknownNameError
from rareearth.limits import MAX_DRAWS

if TYPE_CHECKING:
    import pandas as pd
    from rich.table import Table

__all__ = ["app", "main"]

EXIT_USER_ERROR = 2


# ---------------------------------------------------------------------------- error handling


@dataclass
class _State:
    """What the global options set, shared with the error handler through ``ctx.obj``."""

    debug: bool = False


#: Files and folders the running command reads; no output may land on or inside one.
_INPUTS: list[Path] = []


def _print_error(message: str) -> None:
    """``error: <first line>``; further lines (a problem list) indented below it."""
    first, *rest = str(message).strip().splitlines() or [""]
    typer.echo(f"error: {first}", err=True)
    for line in rest:
        typer.echo(line if line.startswith((" ", "\t")) else f"  {line}", err=True)


class _UsageError(typer.TyperException):
    """A wrong combination of arguments that typer cannot see (exit 2, like its own)."""

    exit_code = EXIT_USER_ERROR


class _Group(TyperGroup):
    """The root command: runs click non-standalone and turns user errors into one line, exit 2."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        from rareearth.atomic import exit_on_signals

        state = _State()
        extra.setdefault("obj", state)
        _INPUTS.clear()
        try:
            with exit_on_signals():  # SIGTERM: finally blocks remove temporary files
                result = super().main(
                    args,
                    prog_name or "rareearth",
                    complete_var,
                    standalone_mode=False,
                    windows_expand_args=windows_expand_args,
                    **extra,
                )
            code = result if isinstance(result, int) else 0
        except typer.TyperException as err:  # usage errors: bad option value, missing argument
            ctx = getattr(err, "ctx", None)
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            _print_error(f"{err.format_message().replace('Value error, ', '')}{hint}")
            code = err.exit_code
        except typer.Abort:
            typer.echo("Aborted!", err=True)
            code = 1
        except RareEarthError as err:
            if state.debug:
                traceback.print_exc()
            _print_error(str(err))
            code = EXIT_USER_ERROR
        if standalone_mode:
            sys.exit(code)
        return code


# ---------------------------------------------------------------------------- the app

app = typer.Typer(
    name="rareearth",
    cls=_Group,
    help=(
        "Rare-earth supply chain: networks, export restrictions, exposure scores and "
        "cooperation options.\n\n"
        "Examples:\n\n"
        "  rareearth datasets\n\n"
        "  rareearth simulate china-2010 --dataset world-2009 --country JP --format csv\n\n"
        "  rareearth report china-2025-heavy --dataset world-2024 --country JP -o out/report.html"
    ),
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rareearth {ree.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    if isinstance(ctx.obj, _State):
        ctx.obj.debug = debug
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())


# ---------------------------------------------------------------------------- shared options


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


# ---------------------------------------------------------------------------- helpers


def _resolve_format(fmt: Format | None, output: Path | None) -> Format:
    if fmt is not None:
        return fmt
    if output is not None and output.suffix.lower() in (".csv", ".json", ".parquet"):
        return Format(output.suffix.lower().lstrip("."))
    return Format.table


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with a flat, named index as columns and labels (periods, dates) as text."""
    import pandas as pd

    named_index = any(name is not None for name in frame.index.names)
    out = frame.reset_index() if named_index else frame.reset_index(drop=True)
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = [" ".join(str(p) for p in col if str(p)) for col in out.columns]
    out.columns = [str(c) for c in out.columns]
    for column in out.columns:
        series = out[column]
        if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
            out[column] = series.map(lambda v: "" if v is None else str(v))
    return out


def _cell(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if abs(value) < 1e-9:  # zero, or rounding noise of the engine's sums
            return "0"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 1:
            return f"{value:,.2f}"
        return f"{value:.3g}"
    return str(value)


def _rich_table(frame: pd.DataFrame, title: str | None) -> Table:
    import pandas as pd
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    cells = [
        [_cell(v.item() if hasattr(v, "item") else v) for v in row]
        for row in frame.itertuples(index=False)
    ]
    for i, column in enumerate(frame.columns):
        numeric = pd.api.types.is_numeric_dtype(frame[column])
        # numbers and the first (name) column keep their width; text and headers wrap at spaces
        keep = max((len(row[i]) for row in cells), default=0) if numeric or i == 0 else None
        table.add_column(
            str(column).replace("_", " "),
            justify="right" if numeric else "left",
            min_width=keep,
            overflow="fold",
        )
    for row in cells:
        table.add_row(*row)
    return table


def _render(frame: pd.DataFrame, fmt: Format, title: str | None) -> str:
    """The text of ``frame`` in ``fmt`` (the table as plain text, for files)."""
    from rich.console import Console

    plain = _plain(frame)
    if fmt is Format.csv:
        return str(plain.to_csv(index=False, lineterminator="\n"))
    if fmt is Format.json:
        return str(plain.to_json(orient="records", indent=2, force_ascii=False)) + "\n"
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, color_system=None, force_terminal=False)
    console.print(_rich_table(plain, title))
    return buffer.getvalue()


def _emit(
    frame: pd.DataFrame,
    fmt: Format | None,
    output: Path | None,
    *,
    title: str | None = None,
    note: str | None = None,
) -> None:
    """Print ``frame`` (rich table on a terminal, csv/json plain) or write it to ``output``."""
    chosen = _resolve_format(fmt, output)
    if chosen is Format.iamc:
        raise _UsageError("--format iamc is for simulate (a run's timeseries); use csv or json")
    if chosen is Format.parquet:
        _write_parquet(frame, output)
        return
    if output is None and chosen is Format.table and not sys.stdout.isatty():
        chosen = Format.csv  # piped or redirected: plain CSV, no box table
        if note:  # the prose stays out of the CSV: on stderr, for the person at the pipe
            typer.echo(note, err=True)
    if output is not None or chosen is not Format.table:
        _write_text(_render(frame, chosen, title), output)
    else:
        from rich.console import Console

        console = Console()
        if not console.is_terminal:  # piped: no terminal width to honour
            console = Console(width=max(console.width, 160))
        console.print(_rich_table(_plain(frame), title))
        if note:
            console.print(note, style="dim")


def _write_parquet(frame: pd.DataFrame, output: Path | None) -> None:
    """Write ``frame`` as Parquet (periods as the first day of their month), atomically."""
    import pandas as pd

    from rareearth.atomic import write_bytes

    if output is None or output.suffix.lower() != ".parquet":
        raise _UsageError("parquet is a binary format: give -o FILE.parquet")
    try:
        import pyarrow  # noqa: F401
    except ImportError as err:
        raise _UsageError(
            "writing Parquet needs pyarrow: pip install 'rareearth[parquet]'"
        ) from err
    named_index = any(name is not None for name in frame.index.names)
    table = frame.reset_index() if named_index else frame.reset_index(drop=True)
    if isinstance(table.columns, pd.MultiIndex):
        table.columns = [" ".join(str(p) for p in col if str(p)) for col in table.columns]
    table.columns = [str(c) for c in table.columns]
    for column in table.columns:
        if isinstance(table[column].dtype, pd.PeriodDtype):
            table[column] = table[column].dt.to_timestamp(how="start")
    with _writing(output):
        write_bytes(output, lambda tmp: table.to_parquet(tmp, engine="pyarrow", index=False))
    _status(f"wrote {output}")


def _write_text(text: str, output: Path | None) -> None:
    """Print ``text`` plainly, or write it to ``output`` atomically."""
    from rareearth.atomic import write_text

    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        with _writing(output):
            write_text(output, text)
        _status(f"wrote {output}")


def _status(message: str) -> None:
    """A short status line on stderr, so that stdout stays clean for machines."""
    typer.echo(message, err=True)


def _network(dataset: str | None, scenario: Any = None) -> Any:
    """Load ``--dataset``, or the dataset the scenario names."""
    from rareearth.data import dataset_path

    name = dataset or getattr(scenario, "dataset", None)
    if not name:
        raise _UsageError(
            "missing --dataset (the scenario names none): give a built-in name or a folder"
        )
    _INPUTS.append(dataset_path(name))
    return ree.load_network(name)


def _input_file(name: str) -> str:
    """Note ``name`` as an input when it is a file (a scenario or option given by path)."""
    if os.path.lexists(name):
        _INPUTS.append(Path(name))
    return name


def _scenario(name: str) -> Any:
    return ree.load_scenario(_input_file(name))


def _options(names: Sequence[str] | None, country: str | None = None) -> list[Any]:
    """Options by name or file; with ``country``, a built-in name is taken as the template for
    that country (``--country US --option stockpile-180d`` is the US's stockpile)."""
    builtins = set(ree.options()) if country else set()
    return [ree.load_option(name, country=country) if name in builtins
            else ree.load_option(_input_file(name)) for name in names or ()]


def _check_output(path: Path) -> None:
    """Refuse an output that is one of the command's inputs, or lies inside an input folder."""
    target = path.resolve()
    for source in _INPUTS:
        real = source.resolve()
        if target == real:
            what = "dataset folder" if real.is_dir() else "input file"
            raise OutputError(f"{path} is the {what} {source} that this command reads; "
                              "choose another output")
        if real.is_dir() and target.is_relative_to(real):
            raise OutputError(f"{path} lies in the dataset folder {source} that this command "
                              "reads; write outputs elsewhere")


def _check_country(net: Any, country: str) -> str:
    """The network's code for ``country``, matched without regard to case (``jp`` -> ``JP``)."""
    codes = {str(c).upper(): str(c) for c in net.country_codes}
    if country.upper() not in codes:
        raise UnknownNameError(
            f"unknown country {country!r} in dataset {net.name!r}: "
            f"use one of {', '.join(net.country_codes)}"
        )
    return codes[country.upper()]


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Turn a failure to write ``path`` (no permission, no room) into one user error line;
    refuse first to write over an input."""
    _check_output(path)
    try:
        yield
    except OSError as err:
        raise _UsageError(f"cannot write {path}: {err.strerror or err}") from err


@contextmanager
def _atomic_folder(path: Path) -> Iterator[Path]:
    """Yield a fresh temporary folder beside ``path``; on success move its files into ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink():
        raise OutputError(f"{path} is a symbolic link; rareearth does not write through links")
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; the folder is the user's output
        yield tmp
        if not path.exists():
            os.replace(tmp, path)
        else:
            if not path.is_dir():
                raise typer.BadParameter(f"{path} exists and is not a folder", param_hint="-o")
            from rareearth.atomic import check_target

            items = sorted(tmp.iterdir())
            for item in items:  # every file checked before any is moved: all or nothing
                check_target(path / item.name)
            for item in items:
                os.replace(item, path / item.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _save_figure(ax: Any, output: Path, dpi: float | None = None) -> None:
    from rareearth.atomic import write_bytes

    figure = ax.get_figure()
    fmt = output.suffix.lower().lstrip(".")
    with _writing(output):
        write_bytes(
            output, lambda tmp: figure.savefig(tmp, format=fmt, bbox_inches="tight", dpi=dpi)
        )
    import matplotlib.pyplot as plt

    plt.close(figure)


# ---------------------------------------------------------------------------- catalog verbs


@app.command()
def datasets(format: FormatOption = None, output: OutputOption = None) -> None:
    """List the built-in datasets.

    Examples:

      rareearth datasets

      rareearth datasets --format json
    """
    import json

    import pandas as pd

    from rareearth.data import dataset_path

    rows = []
    for name in ree.datasets():
        folder = dataset_path(name)
        package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        rows.append(
            {
                "name": name,
                "title": str(package.get("title", "")),
                "version": str(package.get("version", "")),
                "reference_year": str(package.get("reference_year", "")),
            }
        )
    frame = pd.DataFrame(rows, columns=["name", "title", "version", "reference_year"])
    _emit(frame, format, output, title="Built-in datasets")


scenarios_app = typer.Typer(
    help=(
        "List the built-in scenarios, or show one as YAML.\n\n"
        "Examples:\n\n"
        "  rareearth scenarios\n\n"
        "  rareearth scenarios show china-2010"
    ),
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(scenarios_app, name="scenarios")


@scenarios_app.callback()
def scenarios_list(
    ctx: typer.Context, format: FormatOption = None, output: OutputOption = None
) -> None:
    """List the built-in scenarios (``scenarios show NAME`` prints one)."""
    if ctx.invoked_subcommand is not None:
        return
    import pandas as pd

    rows = []
    for name in ree.scenarios():
        sc = ree.load_scenario(name)
        rows.append(
            {
                "name": sc.name,
                "title": sc.title,
                "start": sc.start,
                "months": sc.months,
                "events": len(sc.events),
                "dataset": sc.dataset or "",
            }
        )
    frame = pd.DataFrame(rows, columns=["name", "title", "start", "months", "events", "dataset"])
    _emit(frame, format, output, title="Built-in scenarios")


class ShowFormat(enum.StrEnum):
    """How ``show`` prints a scenario or option."""

    yaml = "yaml"
    json = "json"


ShowFormatOption = Annotated[
    ShowFormat, typer.Option("--format", "-f", case_sensitive=False, help="yaml or json.")
]


def _show(model: Any, fmt: ShowFormat, output: Path | None) -> None:
    _write_text(model.to_json() if fmt is ShowFormat.json else model.to_yaml(), output)


@scenarios_app.command("show")
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
    _show(_scenario(name), format, output)


def _template(kind: str) -> str:
    from importlib import resources

    return resources.files("rareearth").joinpath("templates", f"{kind}.yaml").read_text("utf-8")


@scenarios_app.command("new")
def scenarios_new(output: OutputOption = None) -> None:
    """Print (or write with -o) a commented scenario template: every event type, every field.

    The format is documented in docs/scenario-format.md.

    Examples:

      rareearth scenarios new -o my-scenario.yaml
    """
    _write_text(_template("scenario"), output)


options_app = typer.Typer(
    help=(
        "List the built-in cooperation options, or show one as YAML.\n\n"
        "Examples:\n\n"
        "  rareearth options\n\n"
        "  rareearth options show stockpile-180d"
    ),
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(options_app, name="options")


@options_app.callback()
def options_list(
    ctx: typer.Context, format: FormatOption = None, output: OutputOption = None
) -> None:
    """List the built-in cooperation options (``options show NAME`` prints one)."""
    if ctx.invoked_subcommand is not None:
        return
    import pandas as pd

    columns = ["name", "title", "country", "cost_usd", "lead_time_months", "measures", "includes"]
    rows = []
    for name in ree.options():
        option = ree.load_option(name)
        rows.append(
            {
                "name": option.name,
                "title": option.title,
                "country": option.country,
                "cost_usd": option.cost_usd,
                "lead_time_months": option.lead_time_months,
                "measures": len(option.measures),
                "includes": ", ".join(option.includes),
            }
        )
    _emit(pd.DataFrame(rows, columns=columns), format, output, title="Built-in cooperation options")


@options_app.command("show")
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
    option = ree.load_option(_input_file(name))
    if format is ShowFormat.json:
        _show(option, format, output)
        return
    _write_text(option.to_yaml() + _effect_comments(option, dataset), output)


def _effect_comments(option: Any, dataset: str) -> str:
    from rareearth.errors import OptionError
    from rareearth.option_effects import option_effects

    net = ree.load_network(dataset)
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


@options_app.command("new")
def options_new(output: OutputOption = None) -> None:
    """Print (or write with -o) a commented option template: every measure type.

    The format is documented in docs/option-format.md.

    Examples:

      rareearth options new -o my-option.yaml
    """
    _write_text(_template("option"), output)


# ---------------------------------------------------------------------------- data verbs


@app.command()
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
    net = ree.load_network(path)
    typer.echo(
        f"ok: {len(net.node_ids)} nodes, {len(net.flows)} flows, "
        f"{len(net.countries)} countries, commodities {', '.join(net.commodities)} "
        f"({net.name}, digest {net.digest})"
    )


@app.command()
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
    if format is None:
        suffix = output.suffix.lower().lstrip(".")
        if suffix not in ("graphml", "json"):
            raise typer.BadParameter(
                "give --format graphml|json|csv (cannot tell it from the name of -o)",
                param_hint="--format",
            )
        format = ExportFormat(suffix)
    net = _network(dataset)
    if format is ExportFormat.graphml:
        with _writing(output):
            net.to_graphml(output)
    elif format is ExportFormat.json:
        with _writing(output):
            net.to_json(output)
    else:
        if output.exists() and not output.is_dir():
            raise typer.BadParameter(
                f"{output} is a file; csv export writes a folder", param_hint="-o"
            )
        with _writing(output), _atomic_folder(output) as tmp:
            net.to_csv(tmp)
    _status(f"wrote {output}")


# ---------------------------------------------------------------------------- model verbs


@app.command()
def dependence(
    country: CountryOption,
    dataset: Annotated[
        str,
        typer.Option(
            "--dataset", "-d", metavar="NAME|PATH", help="Built-in dataset name or dataset folder."
        ),
    ],
    format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Show a country's static dependence on each material: import reliance, origins, HHI.

    Examples:

      rareearth dependence --dataset world-2024 --country JP

      rareearth dependence --dataset world-2024 --country US --format csv
    """
    from rareearth.indicators import dependence_table

    net = _network(dataset)
    country = _check_country(net, country)
    table = dependence_table(net, country)
    _emit(table, format, output, title=f"{country}: dependence by material ({net.name})")


@app.command()
def exposure(
    scenario: ScenarioArgument,
    country: CountryOption,
    dataset: DatasetOption = None,
    option: OptionsOption = None,
    allocation: AllocationOption = Allocation.proportional,
    timing: TimingOption = Timing.in_place,
    seed: SeedOption = 0,
    format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Score a country's exposure under a scenario (0-100) and its six components.

    The table and csv give one row per component and the total; json gives the whole score
    (components, metrics, split by material).

    Examples:

      rareearth exposure china-2025-heavy --dataset world-2024 --country JP

      rareearth exposure china-2025-heavy --dataset world-2024 --country JP --option stockpile-180d --format json
    """
    import pandas as pd

    sc = _scenario(scenario)
    net = _network(dataset, sc)
    country = _check_country(net, country)
    score = ree.exposure(
        net, sc, country, options=_options(option, country), allocation=allocation.value, seed=seed,
        timing=timing.value,
    )
    if _resolve_format(format, output) is Format.json:
        _write_text(score.model_dump_json(indent=2) + "\n", output)
        return
    from rareearth.economics import headline
    from rareearth.scoring import COMPONENT_NAMES, KINDS

    rows = [(k, COMPONENT_NAMES.get(k, k), KINDS.get(k, ""), v) for k, v in score.components.items()]
    rows.append(("score", "Exposure score", "", score.score))
    frame = pd.DataFrame(rows, columns=["component", "name", "kind", "points"])
    notes = [headline(score.metrics, start=sc.start),
             f"harm {score.harm:.1f} points, resilience {score.resilience:.1f} points"]
    _emit(frame, format, output, title=f"{country} exposure under {sc.name} ({net.name})",
          note="\n".join(n for n in notes if n))


@app.command()
def simulate(
    scenario: ScenarioArgument,
    country: Annotated[
        str | None,
        typer.Option(
            "--country", "-c", metavar="CC",
            help="Country or region code, e.g. JP (not needed with --all or --format iamc).",
        ),
    ] = None,
    dataset: DatasetOption = None,
    option: OptionsOption = None,
    allocation: AllocationOption = Allocation.proportional,
    seed: SeedOption = 0,
    timing: TimingOption = Timing.in_place,
    all_: Annotated[
        bool, typer.Option("--all", help="Print the whole timeseries, every node.")
    ] = False,
    format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Simulate a scenario month by month; print the country's shortfall by commodity.

    --all prints the whole timeseries (every node); --format iamc the run in the IAMC long
    format (model, scenario, region, variable, unit, time, value), every country unless
    --country is given.

    Examples:

      rareearth simulate china-2010 --dataset world-2009 --country JP

      rareearth simulate china-2010 --dataset world-2009 --country JP --format csv

      rareearth simulate china-2025-heavy --dataset world-2024 --option stockpile-180d --all -o out/run.parquet

      rareearth simulate china-2025-heavy --dataset world-2024 --format iamc -o out/run-iamc.csv
    """
    sc = _scenario(scenario)
    net = _network(dataset, sc)
    chosen = _resolve_format(format, output)
    iamc = chosen is Format.iamc
    if country is not None:
        country = _check_country(net, country)
    elif not (all_ or iamc):
        raise _UsageError("simulate needs --country (or --all, or --format iamc, for every country)")
    result = ree.simulate(net, sc, options=_options(option, country), allocation=allocation.value,
                          seed=seed,
                          timing=timing.value)
    if iamc:
        table = result.to_iamc()
        if country is not None:
            table = table[table.region.isin([country, "World"])].reset_index(drop=True)
        if output is not None and output.suffix.lower() == ".parquet":
            _write_parquet(table, output)
        else:
            _write_text(_render(table, Format.csv, None), output)
    elif all_:
        frame = result.timeseries
        if country is not None:
            frame = frame[frame.country == country].reset_index(drop=True)
        _emit(frame, format, output, title=f"{sc.name} on {net.name}")
    else:
        assert country is not None
        _emit(
            result.shortfall(country),
            format,
            output,
            title=f"{country} end-use shortfall, t/month, under {sc.name} ({net.name})",
        )


@app.command()
def compare(
    scenario: ScenarioArgument,
    country: CountryOption,
    dataset: DatasetOption = None,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            metavar="NAME",
            help="Option to rank (built-in name or file); repeat. Default: every built-in one.",
        ),
    ] = None,
    draws: Annotated[
        int,
        typer.Option(
            "-n",
            "--draws",
            metavar="N",
            min=0,
            max=MAX_DRAWS,
            help="Monte Carlo draws per option (0: none).",
        ),
    ] = 0,
    timing: TimingOption = Timing.in_place,
    allocation: AllocationOption = Allocation.proportional,
    objective: Annotated[
        str,
        typer.Option("--objective", metavar="world|country",
                     help="With --allocation optimal: the world's lost value, or the country's first."),
    ] = "world",
    seed: SeedOption = 0,
    format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Rank cooperation options by the harm (lost end-use value) they avoid per dollar.

    Options that avoid harm come first, by harm avoided per dollar; then the rest by score.
    Without --option, the built-in options as templates for the country (those that cannot
    apply to it are listed below the table).

    Examples:

      rareearth compare china-2025-heavy --dataset world-2024 --country JP

      rareearth compare china-2025-heavy --dataset world-2024 --country JP --option stockpile-180d --option us-japan-partnership -n 100 --format csv
    """
    sc = _scenario(scenario)
    net = _network(dataset, sc)
    country = _check_country(net, country)
    runs = (len(option) if option else len(ree.options())) + 1  # every option and "none"
    with _progress_bar(draws * runs, draws >= 50) as progress:
        table = ree.compare(
            net, sc, country, _options(option, country) or None, n=draws, seed=seed, progress=progress,
            timing=timing.value, allocation=allocation.value, objective=objective,
        )
    title = (f"Options for {country} under {sc.name} ({net.name}, {timing.value}), "
             "best first by harm avoided per dollar")
    if _resolve_format(format, output) is Format.table and output is None:
        # the headline columns on a terminal; csv and json carry every metric
        keep = [c for c in table.columns if (c in _RANKING_COLUMNS and table[c].notna().any())
                or _PARTNER_COLUMN.fullmatch(c)]
        notes = ["every metric: --format csv|json"]
        notes += [f"left out {name}: {why.splitlines()[0]}"
                  for name, why in table.attrs.get("skipped", {}).items()]
        _emit(table[keep], format, None, title=title, note="\n".join(notes))
    else:
        _emit(table, format, output, title=title)


#: Columns of the ranking shown on a terminal.
_RANKING_COLUMNS = (
    "rank",
    "harm_avoided_usd",
    "harm_avoided_per_busd",
    "score",
    "delta",
    "harm_delta",
    "resilience_delta",
    "cost_usd",
    "lead_time_months",
    "p_beats_none",
    "p_avoids_harm",
    "score_p05",
    "score_p95",
    "units_lost",
    "output_lost_usd",
    "gdp_loss_usd",
)
#: A relocation partner's score and delta (``score_US``, ``delta_US``), also shown.
_PARTNER_COLUMN = re.compile(r"(score|delta)_[A-Z][A-Z0-9]{1,3}")


def _executor(scheduler: str | None) -> Any:
    """A ``dask.distributed.Client`` for ``--scheduler``, or None (run here)."""
    if scheduler is None:
        return None
    try:
        from dask.distributed import Client
    except ImportError as err:
        raise typer.BadParameter(
            "needs dask: pip install 'rareearth[distributed]'", param_hint="--scheduler"
        ) from err
    try:
        return Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as err:
        raise typer.BadParameter(
            f"cannot connect to the scheduler at {scheduler!r} ({err})", param_hint="--scheduler"
        ) from err


@contextmanager
def _progress_bar(total: int, enabled: bool) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar on stderr (a terminal only); yields ``progress(n_finished)`` or None."""
    if not (enabled and sys.stderr.isatty()):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("draws", total=total)

        def progress(finished: int) -> None:  # the library reports each batch's draws
            bar.advance(task, finished)

        yield progress


@app.command()
def montecarlo(
    scenario: ScenarioArgument,
    country: CountryOption,
    draws: Annotated[
        int,
        typer.Option("-n", "--draws", metavar="N", min=1, max=MAX_DRAWS, help="Number of draws."),
    ],
    dataset: DatasetOption = None,
    option: OptionsOption = None,
    seed: SeedOption = 0,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="Dask scheduler address (tcp://host:8786) to run the draws on.",
        ),
    ] = None,
    timing: TimingOption = Timing.in_place,
    format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Sample the scenario's uncertainty; summarise the country's exposure over the draws.

    On a terminal, a summary table (mean, quantiles); --format csv|json or -o give every draw.

    Examples:

      rareearth montecarlo china-2025-heavy --dataset world-2024 --country JP -n 200

      rareearth montecarlo china-2025-heavy --dataset world-2024 --country JP -n 10000 --scheduler tcp://10.0.0.5:8786 -o out/draws.csv
    """
    sc = _scenario(scenario)
    net = _network(dataset, sc)
    country = _check_country(net, country)
    opts = _options(option, country)
    executor = _executor(scheduler)
    try:
        with _progress_bar(draws, draws >= 50) as progress:
            table = ree.monte_carlo(
                net,
                sc,
                country,
                n=draws,
                seed=seed,
                options=opts,
                executor=executor,
                progress=progress,
                timing=timing.value,
            )
    finally:
        if executor is not None:
            executor.close()
    chosen = _resolve_format(format, output)
    if chosen is Format.table and output is None:
        numbers = table.drop(columns="draw", errors="ignore").select_dtypes("number")
        summary = numbers.describe(percentiles=[0.05, 0.5, 0.95]).T.drop(columns="count")
        summary.index.name = "metric"
        _emit(
            summary,
            chosen,
            None,
            title=f"{country} under {sc.name}: {draws} draws ({net.name})",
            note="every draw: --format csv|json or -o FILE",
        )
    else:
        _emit(table, chosen, output)


@app.command()
def sensitivity(
    scenario: ScenarioArgument,
    country: CountryOption,
    draws: Annotated[
        int, typer.Option("-n", "--draws", metavar="N", min=10, help="Monte Carlo draws.")
    ] = 200,
    dataset: DatasetOption = None,
    option: OptionsOption = None,
    seed: SeedOption = 0,
    format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Rank the uncertain inputs by their effect on the country's score and lost value.

    Spearman rank correlations over Monte Carlo draws, and the mean outcome with each input in
    the lowest and highest fifth of its range (a tornado: rareearth plot tornado).

    Examples:

      rareearth sensitivity china-2025-heavy --dataset world-2024 --country JP -n 300

      rareearth sensitivity japan-embargo --country JP --format csv -o out/drivers.csv
    """
    sc = _scenario(scenario)
    net = _network(dataset, sc)
    country = _check_country(net, country)
    with _progress_bar(draws, draws >= 50) as progress:
        draws_table = ree.monte_carlo(
            net, sc, country, n=draws, seed=seed, options=_options(option, country), progress=progress
        )
    table = ree.sensitivity(net, sc, country, draws=draws_table)
    _emit(table, format, output,
          title=f"What moves {country}'s exposure under {sc.name}: {draws} draws ({net.name})")


@app.command()
def plot(
    kind: Annotated[
        PlotKind, typer.Argument(metavar="KIND", help="The figure.", case_sensitive=False)
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="FILE", help="Image file: .png, .svg or .pdf.")
    ],
    scenario: Annotated[
        str | None,
        typer.Argument(metavar="SCENARIO", help="Scenario (shortfall, compare, distribution)."),
    ] = None,
    dataset: DatasetOption = None,
    country: Annotated[
        str | None,
        typer.Option("--country", "-c", metavar="CC", help="Country code (all but network)."),
    ] = None,
    material: Annotated[
        str | None,
        typer.Option("--material", "-m", metavar="ID", help="Material id (origins), e.g. NdPr."),
    ] = None,
    option: OptionsOption = None,
    draws: Annotated[
        int,
        typer.Option(
            "-n", "--draws", metavar="N", min=1, max=MAX_DRAWS,
            help="Monte Carlo draws (distribution, tornado).",
        ),
    ] = 200,
    seed: SeedOption = 0,
    month: Annotated[
        str | None,
        typer.Option("--month", metavar="YYYY-MM", help="Month of the run (sankey with SCENARIO)."),
    ] = None,
    dpi: Annotated[
        float,
        typer.Option(
            "--dpi", metavar="N", min=10, max=1200,
            help="Resolution of a PNG (dots per inch; figures are 9-16 in wide). Default 200: "
            "sharp on a slide.",
        ),
    ] = 200.0,
) -> None:
    """Draw a figure to a PNG/SVG/PDF file.

    KIND is network, origins (--country, --material), shortfall, compare, distribution
    (SCENARIO and --country; with --option A --option B, one box per option and one for no
    option), tornado (SCENARIO and --country: which uncertain inputs move the score) or sankey
    (--material, an element or 'magnet' for the magnet chain; with a SCENARIO, its --month
    beside the baseline).

    Examples:

      rareearth plot network --dataset world-2024 -o out/network.png

      rareearth plot origins --dataset world-2024 --country JP --material DyTb -o out/origins.svg

      rareearth plot shortfall china-2010 --dataset world-2009 --country JP -o out/shortfall.png

      rareearth plot compare china-2025-heavy --dataset world-2024 --country JP -o out/compare.png

      rareearth plot distribution china-2025-heavy --dataset world-2024 --country JP -n 500 -o out/dist.png

      rareearth plot distribution china-2025-heavy --dataset world-2024 --country JP --option stockpile-180d --option recycling -o out/dist.png

      rareearth plot sankey --dataset world-2024 --material DyTb -o out/dytb.svg

      rareearth plot sankey china-2025-heavy --dataset world-2024 --material magnet --month 2025-06 -o out/magnets.png

      rareearth plot tornado china-2025-heavy --dataset world-2024 --country JP -n 300 -o out/tornado.png
    """
    if output.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise typer.BadParameter(
            f"{output.name}: the image file must end in .png, .svg or .pdf", param_hint="-o"
        )
    import matplotlib

    matplotlib.use("Agg")  # a command line never opens a window
    from rareearth import plot as plots

    sc = _scenario(scenario) if scenario is not None else None
    net = _network(dataset, sc)
    if kind is PlotKind.network:
        ax = plots.network(net, material=material)
    elif kind is PlotKind.sankey:
        element = material or "magnet"
        try:
            if sc is None:
                if month is not None:
                    raise _UsageError("plot sankey --month needs a SCENARIO")
                ax = plots.sankey(net, element=element)
            else:
                run = ree.simulate(net, sc, options=_options(option), seed=seed)
                ax = plots.sankey(run, element=element, month=month)
        except ValueError as err:  # unknown element, a month outside the run
            raise _UsageError(f"plot sankey: {err}") from err
    elif country is None:
        raise _UsageError(f"plot {kind.value} needs --country")
    elif kind is PlotKind.origins:
        if material is None:
            raise _UsageError("plot origins needs --material (e.g. NdPr)")
        ax = plots.origins(net, _check_country(net, country), material)
    elif sc is None:
        raise _UsageError(f"plot {kind.value} needs a SCENARIO (after {kind.value})")
    elif kind is PlotKind.shortfall:
        result = ree.simulate(net, sc, options=_options(option), seed=seed)
        ax = plots.shortfall(result, _check_country(net, country))
    elif kind is PlotKind.compare:
        country = _check_country(net, country)
        ax = plots.compare(ree.compare(net, sc, country, _options(option, country) or None, seed=seed))
    elif kind is PlotKind.tornado:
        ranked = ree.sensitivity(
            net, sc, _check_country(net, country), n=draws, seed=seed, options=_options(option)
        )
        ax = plots.tornado(ranked)
    else:
        country = _check_country(net, country)
        opts = _options(option)
        if len(opts) == 0:
            draws_table = ree.monte_carlo(net, sc, country, n=draws, seed=seed)
        else:  # one box per option, and one without: the same draws for each (same seed)
            import pandas as pd

            frames = []
            for name, config in [("none", []), *[(o.name, [o]) for o in opts]]:
                frame = ree.monte_carlo(net, sc, country, n=draws, seed=seed, options=config)
                frames.append(frame.assign(option=name))
            draws_table = pd.concat(frames, ignore_index=True)
        ax = plots.distribution(draws_table)
    _save_figure(ax, output, dpi)
    _status(f"wrote {output}")


@app.command()
def report(
    scenario: ScenarioArgument,
    country: CountryOption,
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="FILE", help="HTML file (self-contained).")
    ],
    dataset: DatasetOption = None,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            metavar="NAME",
            help="Option to include (name or file); repeat. Default: every built-in.",
        ),
    ] = None,
    draws: Annotated[
        int,
        typer.Option(
            "-n", "--draws", metavar="N", min=0, max=MAX_DRAWS, help="Monte Carlo draws (0: none)."
        ),
    ] = 0,
    frontier: Annotated[
        bool, typer.Option("--frontier/--no-frontier", help="Include the budget frontier.")
    ] = True,
    seed: SeedOption = 0,
) -> None:
    """Write a self-contained HTML report: exposure, shortfall, ranked options (both timings),
    the budget frontier.

    Examples:

      rareearth report china-2025-heavy --dataset world-2024 --country JP -o out/report.html

      rareearth report china-2010 --dataset world-2009 --country JP -n 200 -o out/2010.html
    """
    sc = _scenario(scenario)
    net = _network(dataset, sc)
    country = _check_country(net, country)
    from rareearth.ranking import default_options

    opts = _options(option, country) if option else default_options(net, country)[0]
    with _writing(output):  # the report is written atomically by the library
        ree.report(net, sc, country, options=opts, path=output, n=draws, seed=seed,
                   frontier=frontier)
    _status(f"wrote {output}")


@app.command("frontier")
def frontier_(
    scenario: ScenarioArgument,
    country: CountryOption,
    dataset: DatasetOption = None,
    option: Annotated[
        list[str] | None,
        typer.Option("--option", metavar="NAME",
                     help="Option to combine (name or file); repeat. Default: every built-in."),
    ] = None,
    budget: Annotated[
        list[float] | None,
        typer.Option("--budget", metavar="USD", min=0, max=1e15,
                     help="Budget in USD; repeat. Default: every step of the frontier."),
    ] = None,
    draws: Annotated[
        int, typer.Option("-n", "--draws", metavar="N", min=0, max=MAX_DRAWS,
                          help="Monte Carlo draws per chosen portfolio (0: none).")
    ] = 0,
    by: Annotated[
        str, typer.Option("--by", metavar="harm|score",
                          help="Best portfolio: most harm avoided, or lowest score."),
    ] = "harm",
    timing: TimingOption = Timing.in_place,
    seed: SeedOption = 0,
    format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """For each budget, the portfolio of options that avoids the country most harm.

    Every combination of the options is run (a greedy search beyond 12 options).

    Examples:

      rareearth frontier china-2025-heavy --dataset world-2024 --country JP

      rareearth frontier japan-embargo --dataset world-2024 --country JP --budget 1e8 --budget 1e9 -n 100 --format csv
    """
    sc = _scenario(scenario)
    net = _network(dataset, sc)
    country = _check_country(net, country)
    with _progress_bar(max(draws, 1), draws >= 50) as progress:
        table = ree.frontier(net, sc, country, options=_options(option, country) or None, budgets=budget,
                             n=draws, seed=seed, timing=timing.value, by=by, progress=progress)
    title = (f"Best portfolio per budget for {country} under {sc.name} ({net.name}, "
             f"{timing.value}, {table.attrs['method']}, by {by})")
    notes = [f"left out {name}: {why.splitlines()[0]}"
             for name, why in table.attrs.get("skipped", {}).items()]
    _emit(table, format, output, title=title, note="\n".join(notes) or None)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line (the ``rareearth`` console script)."""
    app(args=argv, prog_name="rareearth")


if __name__ == "__main__":  # pragma: no cover
    main()
