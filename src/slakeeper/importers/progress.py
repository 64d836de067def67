"""A progress bar on stderr while a file is read (only on a terminal, unless asked)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["Advance", "progress_bar"]

Advance = Callable[[int], None]  # called with the bytes read so far


@contextmanager
def progress_bar(label: str, total: int, wanted: bool | None = None) -> Iterator[Advance]:
    """Yield ``advance(bytes_read)``; a Rich bar when ``wanted`` (None: stderr is a terminal)."""
    if wanted is False or (wanted is None and not sys.stderr.isatty()):
        yield _ignore
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True, force_terminal=True if wanted else None)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)


def _ignore(done: int) -> None:
    """No bar: nothing to do."""
