"""The root command: global options, and the one place where user errors become one line.

Errors a user can cause (an unknown name, a bad file, a bad option value, an unknown country)
print one line ``error: ...`` to stderr (the problems of a dataset follow it, indented) and exit
with status 2; ``--debug`` adds the traceback. They are caught in :meth:`_Group.main`, which
:func:`main` runs. Anything else is a bug and is not hidden.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from rareearth import __version__
from rareearth.cli.base import EXIT_USER_ERROR, INPUTS, print_error
from rareearth.errors import RareEarthError

__all__ = ["app", "main"]


@dataclass
class _State:
    """What the global options set, shared with the error handler through ``ctx.obj``."""

    debug: bool = False


class _Group(TyperGroup):
    """The root command: runs click non-standalone and turns user errors into one line, exit 2."""

    def main(
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
        INPUTS.clear()
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
            print_error(f"{err.format_message().replace('Value error, ', '')}{hint}")
            code = err.exit_code
        except typer.Abort:
            typer.echo("Aborted!", err=True)
            code = 1
        except RareEarthError as err:
            if state.debug:
                traceback.print_exc()
            print_error(str(err))
            code = EXIT_USER_ERROR
        if standalone_mode:
            sys.exit(code)
        return code


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
        typer.echo(f"rareearth {__version__}")
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


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line (the ``rareearth`` console script)."""
    app(args=argv, prog_name="rareearth")
