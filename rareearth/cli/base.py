"""What every verb module shares: the user-error exception, the input list, status lines."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["EXIT_USER_ERROR", "INPUTS", "UsageError", "print_error", "status"]

EXIT_USER_ERROR = 2

#: Files and folders the running command reads; no output may land on or inside one.
INPUTS: list[Path] = []


class UsageError(typer.TyperException):
    """A wrong combination of arguments that typer cannot see (exit 2, like its own)."""

    exit_code = EXIT_USER_ERROR


def print_error(message: str) -> None:
    """``error: <first line>``; further lines (a problem list) indented below it."""
    first, *rest = str(message).strip().splitlines() or [""]
    typer.echo(f"error: {first}", err=True)
    for line in rest:
        typer.echo(line if line.startswith((" ", "\t")) else f"  {line}", err=True)


def status(message: str) -> None:
    """A short status line on stderr, so that stdout stays clean for machines."""
    typer.echo(message, err=True)
