"""Progress of the long verbs, on stderr only: stdout stays the result.

By default a rich bar appears only when stderr is a terminal and the run is long (``auto``);
``--progress`` shows it always (plain lines when stderr is not a terminal: a log, a test),
``--no-progress`` never. The library reports work done through a callback; these context
managers yield that callback, or None when nothing is shown.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer

__all__ = ["draws_bar", "steps"]

#: Seconds between two plain progress lines (a log gets a line now and then, and the last).
PLAIN_EVERY = 1.0


def _shown(flag: bool | None, auto: bool) -> bool:
    return flag if flag is not None else (auto and sys.stderr.isatty())


@contextmanager
def draws_bar(
    total: int | None, flag: bool | None, *, auto: bool, label: str = "draws"
) -> Iterator[Callable[[int], None] | None]:
    """Yield ``progress(n_finished)`` adding to a bar of ``total`` (None: unknown), or None.

    ``flag`` is ``--progress/--no-progress`` (None when not given); ``auto`` whether the run
    is long enough for a bar when stderr is a terminal.
    """
    if not _shown(flag, auto):
        yield None
        return
    if not sys.stderr.isatty():
        done = 0
        last = -PLAIN_EVERY

        def plain(finished: int) -> None:
            nonlocal done, last
            done += finished
            now = time.monotonic()
            if now - last >= PLAIN_EVERY or (total is not None and done >= total):
                last = now
                typer.echo(f"{label}: {done:,}" + (f"/{total:,}" if total else ""), err=True)

        yield plain
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
        task = bar.add_task(label, total=total)

        def progress(finished: int) -> None:  # the library reports each batch's draws
            bar.advance(task, finished)

        yield progress


@contextmanager
def steps(flag: bool | None, *, label: str) -> Iterator[Callable[[str], None] | None]:
    """Yield ``progress(step)`` naming the step a long verb begins, or None (see
    :func:`draws_bar` for ``flag``): a spinner with the step on a terminal, else a line."""
    if not _shown(flag, auto=True):
        yield None
        return
    if not sys.stderr.isatty():

        def plain(step: str) -> None:
            typer.echo(f"{label}: {step}", err=True)

        yield plain
        return
    from rich.console import Console

    console = Console(stderr=True)
    with console.status(f"{label}: starting") as spinner:

        def show(step: str) -> None:
            spinner.update(f"{label}: {step}")

        yield show
