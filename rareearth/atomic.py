"""Write files whole or not at all: to a temporary name in the same folder, then rename.

A target that exists must be a regular file: a directory, a device (``/dev/...``), a pipe or a
symbolic link is never replaced (:class:`~rareearth.errors.OutputError`). The temporary file is
removed whenever the block fails, also on ``KeyboardInterrupt`` and ``SystemExit`` (the
command line turns SIGTERM and SIGHUP into ``SystemExit``, see :func:`exit_on_signals`).
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from rareearth.errors import OutputError

__all__ = ["atomic_folder", "atomic_path", "check_target", "exit_on_signals", "write_bytes",
           "write_text"]


def check_target(path: str | Path) -> Path:
    """``path`` as a Path if it may be written: absent, or an existing regular file that is
    not a symbolic link; else :class:`OutputError` saying what it is.

    Examples
    --------
    >>> import tempfile
    >>> check_target(tempfile.mkdtemp())
    Traceback (most recent call last):
    ...
    rareearth.errors.OutputError: ... is a directory; the output must be a file (give a file name)
    """
    target = Path(path)
    if target.is_symlink():
        raise OutputError(
            f"{target} is a symbolic link; rareearth does not write through or over links "
            "(give the file itself or another name)"
        )
    if target.exists() and not target.is_file():
        if target.is_dir():
            raise OutputError(f"{target} is a directory; the output must be a file (give a file name)")
        raise OutputError(
            f"{target} is a device, pipe or socket, not a regular file; rareearth writes only "
            "regular files"
        )
    return target


@contextmanager
def exit_on_signals() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise ``SystemExit(128 + signal)`` so that every
    ``finally`` runs (temporary files are removed) before the process ends. Only in the main
    thread (elsewhere signals cannot be caught); the previous handlers come back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    wanted = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    previous = {sig: signal.signal(sig, stop) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _follow_umask(path: Path, mode: int) -> None:
    """Give ``path`` the permissions a new file (0o666) or folder (0o777) gets from the user's
    umask: temporary files and folders are made private, a written output is the user's."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, mode & ~umask)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    target = check_target(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(name)
    try:
        os.close(fd)
        _follow_umask(tmp, 0o666)  # mkstemp makes the file private (0600)
        yield tmp
        check_target(target)  # a link or folder put there while we wrote is not replaced
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes(path: str | Path, data: bytes | Callable[[Path], None]) -> Path:
    """Write bytes, or let a callable write the temporary file, atomically."""
    with atomic_path(path) as tmp:
        if callable(data):
            data(tmp)
        else:
            tmp.write_bytes(data)
    return Path(path)


@contextmanager
def atomic_folder(path: str | Path) -> Iterator[Path]:
    """Yield a fresh temporary folder beside ``path``; on success move its files into ``path``
    (made if absent): every file there is checked before any is moved, all or nothing.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "tables"
    >>> with atomic_folder(target) as tmp:
    ...     _ = (tmp / "a.csv").write_text("x\\n1\\n")
    >>> sorted(p.name for p in target.iterdir())
    ['a.csv']
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink():
        raise OutputError(f"{target} is a symbolic link; rareearth does not write through links")
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        _follow_umask(tmp, 0o777)  # mkdtemp makes it private; the folder is the user's output
        yield tmp
        if not target.exists():
            os.replace(tmp, target)
        else:
            if not target.is_dir():
                raise OutputError(f"{target} exists and is not a folder")
            items = sorted(tmp.iterdir())
            for item in items:
                check_target(target / item.name)
            for item in items:
                os.replace(item, target / item.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
