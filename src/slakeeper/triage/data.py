"""Reading labelled tickets from a CSV export, and splitting them for evaluation."""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from slakeeper.core.errors import InputError
from slakeeper.triage.cleaning import join_text

__all__ = ["Tickets", "read_csv", "split"]

_TIME_FORMATS = (
    "%d/%b/%y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M",
    "%d-%m-%Y %H:%M",
    "%Y-%m-%d",
)


@dataclass
class Tickets:
    """Texts, categorical fields, labels and (optionally) times of labelled tickets."""

    texts: list[str]
    fields: list[dict[str, Any]]
    labels: list[str]
    times: list[float] | None = None

    def take(self, index: list[int]) -> Tickets:
        """The tickets at ``index``."""
        times = None if self.times is None else [self.times[i] for i in index]
        return Tickets(
            [self.texts[i] for i in index],
            [self.fields[i] for i in index],
            [self.labels[i] for i in index],
            times,
        )


def read_csv(
    path: Path, text: list[str], label: str | None, fields: list[str], time_col: str | None = None
) -> Tickets:
    """Rows of a CSV; rows without a label are skipped (they teach nothing)."""
    csv.field_size_limit(sys.maxsize)
    try:
        stream = path.open(newline="", encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    with stream:
        reader = csv.DictReader(stream)
        header = reader.fieldnames or []
        wanted = [*text, *fields, *([label] if label else []), *([time_col] if time_col else [])]
        missing = [name for name in wanted if name not in header]
        if missing:
            known = ", ".join(header) or "none"
            raise InputError(
                f"{path}: no column {', '.join(map(repr, missing))} (columns: {known})"
            )
        tickets = Tickets([], [], [], [] if time_col else None)
        for line, row in enumerate(reader, start=2):
            value = (row[label] or "").strip() if label else ""
            if label and not value:
                continue
            tickets.texts.append(join_text([row[name] or "" for name in text]))
            tickets.fields.append({name: row[name] or "" for name in fields})
            tickets.labels.append(value)
            if time_col and tickets.times is not None:
                tickets.times.append(_time(row[time_col], path, line, time_col))
    if not tickets.texts:
        raise InputError(f"{path}: no labelled rows")
    return tickets


def _time(value: str | None, path: Path, line: int, column: str) -> float:
    value = (value or "").strip()
    for form in _TIME_FORMATS:
        try:
            return datetime.strptime(value, form).timestamp()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        raise InputError(f"{path}:{line}: {column}: cannot read the time {value!r}") from None


def split(tickets: Tickets, test_share: float, seed: int = 0) -> tuple[Tickets, Tickets]:
    """Train on the past, test on the most recent share (by time when known, else shuffled)."""
    if not 0 < test_share < 1:
        raise InputError(f"--test-share: expected a share between 0 and 1, got {test_share}")
    n = len(tickets.labels)
    if tickets.times is not None:
        times = tickets.times
        order = sorted(range(n), key=lambda i: times[i])
    else:
        import random

        order = list(range(n))
        random.Random(seed).shuffle(order)
    cut = max(1, min(n - 1, round(n * (1 - test_share))))
    return tickets.take(order[:cut]), tickets.take(order[cut:])
