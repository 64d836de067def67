"""Events from a JSONL file (DESIGN.md section 5), one object per line.

Each line becomes a :class:`~slakeeper.services.imports.SourceItem` numbered by its line;
blank lines are skipped; a line that is not JSON is a problem naming its column. With a
``timezone``, an ``at`` written without an offset is read as local time there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from slakeeper.core.errors import InputError
from slakeeper.core.instants import parse_instant_us
from slakeeper.importers.progress import Advance
from slakeeper.importers.timestamps import Timestamps
from slakeeper.services.imports import SourceItem

__all__ = ["line_item", "open_source", "read_events"]

_PROGRESS_EVERY = 8192  # lines between two updates of the progress bar


def open_source(path: Path) -> BinaryIO:
    """Open a source file for reading; :class:`InputError` when it cannot be."""
    try:
        return open(path, "rb")  # the caller closes it
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}", path=("FILE",)) from None


def read_events(
    file: BinaryIO, *, timestamps: Timestamps | None = None, advance: Advance | None = None
) -> Iterator[SourceItem]:
    """The events of a JSONL stream, numbered by line."""
    done = 0
    for number, line in enumerate(file, start=1):
        done += len(line)
        if advance is not None and number % _PROGRESS_EVERY == 0:
            advance(done)
        item = line_item(line, number, timestamps)
        if item is not None:
            yield item
    if advance is not None:
        advance(done)


def line_item(line: bytes, number: int, timestamps: Timestamps | None) -> SourceItem | None:
    """One line as an item (None: a blank line). Import workers read lines with this too."""
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        if line.strip():
            return SourceItem(number, problem=f"invalid JSON: {exc.msg} (column {exc.colno})")
        return None
    if timestamps is not None and isinstance(data, dict):
        problem = _localise(data, timestamps)
        if problem is not None:
            return SourceItem(number, problem=problem)
    return SourceItem(number, data)


def _localise(data: dict[str, Any], timestamps: Timestamps) -> str | None:
    """Rewrite a naive ``at`` as UTC in the given zone; a problem, or None."""
    at = data.get("at")
    if not isinstance(at, str):
        return None  # validation says what is wrong
    try:
        parse_instant_us(at)
        return None
    except InputError:
        pass
    try:
        data["at"] = timestamps.read(at)
    except InputError as exc:
        return f"at: {exc.message}"
    return None
