"""Printing and writing what a verb returns: a table (rich, CSV, JSON, Parquet) or text.

* on a terminal, a readable rich table (``--format table``, the default); piped or redirected
  (stdout not a terminal), the same table as CSV, so that ``rareearth ... | head`` and
  ``> file`` give plain text without box characters;
* ``--format csv`` or ``--format json``: plain text on stdout for machines; ``-o FILE`` writes
  the output to a file instead, whole or not at all (:mod:`rareearth.atomic`). Without
  ``--format``, the suffix of ``-o`` picks the format; ``-o FILE.parquet`` writes Parquet.

A table is a pandas DataFrame, or :class:`Rows` (plain records, for the listings that must
start without importing pandas); both print the same way.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from rareearth.cli.base import INPUTS, UsageError, status
from rareearth.cli.params import Format
from rareearth.errors import OutputError

if TYPE_CHECKING:
    import pandas as pd
    from rich.table import Table as RichTable

__all__ = ["Rows", "emit", "render", "resolve_format", "save_figure", "write_parquet",
           "write_text", "writing"]


@dataclass(frozen=True)
class Rows:
    """A small table as records (column -> value), printed exactly as the DataFrame
    ``pd.DataFrame(rows, columns=columns)`` would be, without importing pandas.

    Examples
    --------
    >>> print(render(Rows(["a", "b"], [{"a": "x/y", "b": 1.5}]), Format.csv, None), end="")
    a,b
    x/y,1.5
    """

    columns: list[str]
    rows: list[dict[str, Any]]

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)

    def plain(self) -> tuple[list[str], list[list[Any]], list[bool]]:
        """Columns, rows of cells and which columns are numeric, as :func:`_plain` makes them:
        a column of ints stays ints, ints with floats become floats (a missing one NaN), a
        column of anything else becomes text ("" for a missing value)."""
        table = [[row.get(c) for c in self.columns] for row in self.rows]
        numeric = []
        for j, _ in enumerate(self.columns):
            values = [row[j] for row in table]
            present = [v for v in values if v is not None]
            if values and all(isinstance(v, bool) for v in values):
                kind = "bool"
            elif values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                kind = "int"
            elif present and all(isinstance(v, int | float) and not isinstance(v, bool)
                                 for v in present):
                kind = "float"
            else:
                kind = "text"
            for row in table:
                v = row[j]
                if kind == "float":
                    row[j] = math.nan if v is None else float(v)
                elif kind == "text":
                    row[j] = "" if v is None else str(v)
            numeric.append(kind != "text")
        return [str(c) for c in self.columns], table, numeric


TableLike = Any  # pd.DataFrame | Rows (pandas is imported only where a frame is)


def resolve_format(fmt: Format | None, output: Path | None) -> Format:
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


def _cells(table: TableLike) -> tuple[list[str], list[list[Any]], list[bool]]:
    """Columns, rows of Python values and which columns are numeric, of a plain table."""
    if isinstance(table, Rows):
        return table.plain()
    import pandas as pd

    plain = _plain(table)
    rows = [[v.item() if hasattr(v, "item") else v for v in row]
            for row in plain.itertuples(index=False)]
    numeric = [bool(pd.api.types.is_numeric_dtype(plain[c])) for c in plain.columns]
    return list(plain.columns), rows, numeric


def _rich_table(table: TableLike, title: str | None) -> RichTable:
    from rich.table import Table as RichTable

    columns, values, numeric = _cells(table)
    out = RichTable(title=title, show_lines=False, header_style="bold")
    cells = [[_cell(v) for v in row] for row in values]
    for i, column in enumerate(columns):
        # numbers and the first (name) column keep their width; text and headers wrap at spaces
        keep = max((len(row[i]) for row in cells), default=0) if numeric[i] or i == 0 else None
        out.add_column(
            str(column).replace("_", " "),
            justify="right" if numeric[i] else "left",
            min_width=keep,
            overflow="fold",
        )
    for row in cells:
        out.add_row(*row)
    return out


def _csv_value(value: Any) -> str:
    if isinstance(value, float):
        return "" if value != value else repr(value)
    return str(value)


def _json_value(value: Any) -> str:
    if isinstance(value, float) and value != value:
        return "null"
    # pandas' writer escapes "/" and puts no space after ":"
    return json.dumps(value, ensure_ascii=False).replace("/", "\\/")


def _render_rows(rows: Rows, fmt: Format) -> str:
    columns, values, _ = rows.plain()
    if fmt is Format.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_csv_value(v) for v in row] for row in values])
        return buffer.getvalue()
    records = [
        "  {\n" + ",\n".join(f"    {_json_value(c)}:{_json_value(v)}"
                             for c, v in zip(columns, row, strict=True)) + "\n  }"
        for row in values
    ]
    return "[\n" + ",\n".join(records) + "\n]\n"


def render(table: TableLike, fmt: Format, title: str | None) -> str:
    """The text of ``table`` in ``fmt`` (the table as plain text, for files)."""
    if isinstance(table, Rows) and fmt in (Format.csv, Format.json):
        return _render_rows(table, fmt)
    if fmt in (Format.csv, Format.json):
        plain = _plain(table)
        if fmt is Format.csv:
            return str(plain.to_csv(index=False, lineterminator="\n"))
        return str(plain.to_json(orient="records", indent=2, force_ascii=False)) + "\n"
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, width=200, color_system=None, force_terminal=False)
    console.print(_rich_table(table, title))
    return buffer.getvalue()


def emit(
    table: TableLike,
    fmt: Format | None,
    output: Path | None,
    *,
    title: str | None = None,
    note: str | None = None,
) -> None:
    """Print ``table`` (rich table on a terminal, csv/json plain) or write it to ``output``."""
    chosen = resolve_format(fmt, output)
    if chosen is Format.iamc:
        raise UsageError("--format iamc is for simulate (a run's timeseries); use csv or json")
    if chosen is Format.parquet:
        write_parquet(table.frame() if isinstance(table, Rows) else table, output)
        return
    if output is None and chosen is Format.table and not sys.stdout.isatty():
        chosen = Format.csv  # piped or redirected: plain CSV, no box table
        if note:  # the prose stays out of the CSV: on stderr, for the person at the pipe
            typer.echo(note, err=True)
    if output is not None or chosen is not Format.table:
        write_text(render(table, chosen, title), output)
    else:
        from rich.console import Console

        console = Console()
        if not console.is_terminal:  # piped: no terminal width to honour
            console = Console(width=max(console.width, 160))
        console.print(_rich_table(table, title))
        if note:
            console.print(note, style="dim")


def write_parquet(frame: pd.DataFrame, output: Path | None) -> None:
    """Write ``frame`` as Parquet (periods as the first day of their month), atomically."""
    import pandas as pd

    from rareearth.atomic import write_bytes

    if output is None or output.suffix.lower() != ".parquet":
        raise UsageError("parquet is a binary format: give -o FILE.parquet")
    try:
        import pyarrow  # noqa: F401
    except ImportError as err:
        raise UsageError(
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
    with writing(output):
        write_bytes(output, lambda tmp: table.to_parquet(tmp, engine="pyarrow", index=False))
    status(f"wrote {output}")


def write_text(text: str, output: Path | None) -> None:
    """Print ``text`` plainly, or write it to ``output`` atomically."""
    from rareearth.atomic import write_text as write_file

    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        with writing(output):
            write_file(output, text)
        status(f"wrote {output}")


def _check_output(path: Path) -> None:
    """Refuse an output that is one of the command's inputs, or lies inside an input folder."""
    target = path.resolve()
    for source in INPUTS:
        real = source.resolve()
        if target == real:
            what = "dataset folder" if real.is_dir() else "input file"
            raise OutputError(f"{path} is the {what} {source} that this command reads; "
                              "choose another output")
        if real.is_dir() and target.is_relative_to(real):
            raise OutputError(f"{path} lies in the dataset folder {source} that this command "
                              "reads; write outputs elsewhere")


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn a failure to write ``path`` (no permission, no room) into one user error line;
    refuse first to write over an input."""
    _check_output(path)
    try:
        yield
    except OSError as err:
        raise UsageError(f"cannot write {path}: {err.strerror or err}") from err


def save_figure(ax: Any, output: Path, dpi: float | None = None) -> None:
    """Write the figure of ``ax`` to ``output`` (format from its suffix), atomically."""
    from rareearth.atomic import write_bytes

    figure = ax.get_figure()
    fmt = output.suffix.lower().lstrip(".")
    with writing(output):
        write_bytes(
            output, lambda tmp: figure.savefig(tmp, format=fmt, bbox_inches="tight", dpi=dpi)
        )
    import matplotlib.pyplot as plt

    plt.close(figure)
