"""Ticket rows (one row per ticket: created, first response, solved, closed, fields, CSAT).

Through a mapping (docs/importing.md) each row becomes its ticket's events, ids derived
from the ticket id so that importing the same file again stores nothing new:

- ``TICKET:created`` at ``created``, with the mapped fields (team and agent included);
- ``TICKET:first_response``, a public agent message, at ``first_response``;
- ``TICKET:solved`` and ``TICKET:closed``, status events, at ``solved`` and ``closed``;
- ``TICKET:csat``, the score in ``csat``, at the latest instant of the row.

An empty cell leaves its event out. An instant before ``created`` is a problem of the row.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from slakeeper.importers.bodies import created_body, event_body
from slakeeper.importers.csvfiles import CsvRows, Row, RowProblem, field_values
from slakeeper.importers.eventlog import read_instant
from slakeeper.importers.mapping import TICKET_TIMES, Mapping
from slakeeper.importers.progress import Advance
from slakeeper.importers.timestamps import Timestamps
from slakeeper.services.imports import SourceItem

__all__ = ["read_tickets"]


def read_tickets(
    stream: BinaryIO,
    mapping: Mapping,
    timestamps: Timestamps,
    *,
    source: str,
    advance: Advance,
) -> tuple[CsvRows, Iterator[SourceItem]]:
    """The file's rows (counted as they are read) and the events they become."""
    rows = CsvRows.open(stream, mapping, source, advance)
    return rows, _events(rows, mapping, timestamps)


def _events(rows: CsvRows, mapping: Mapping, timestamps: Timestamps) -> Iterator[SourceItem]:
    for row in rows.rows:
        try:
            bodies = _ticket(row, mapping, timestamps)
        except RowProblem as exc:
            yield SourceItem(row.line, problem=str(exc))
            continue
        for body in bodies:
            yield SourceItem(row.line, body)


def _ticket(row: Row, mapping: Mapping, timestamps: Timestamps) -> list[dict[str, Any]]:
    ticket = mapping.ticket_prefix + row.require("ticket")
    created = read_instant(row, "created", timestamps)
    bodies = [created_body(f"{ticket}:created", ticket, created, field_values(row, mapping.fields))]
    times = {"created": created}
    for key in TICKET_TIMES:
        if (row.get(("columns", key)) or "").strip():
            at = times[key] = read_instant(row, key, timestamps)
            if at < created:
                raise RowProblem(f"column {row.name(('columns', key))!r}: before created")
    if "first_response" in times:
        bodies.append(event_body(f"{ticket}:first_response", ticket, "message",
                                 times["first_response"], author="agent"))  # fmt: skip
    for status in ("solved", "closed"):
        if status in times:
            bodies.append(event_body(f"{ticket}:{status}", ticket, "status", times[status],
                                     status=status))  # fmt: skip
    score = (row.get(("columns", "csat")) or "").strip()
    if score:
        bodies.append(event_body(f"{ticket}:csat", ticket, "csat", max(times.values()),
                                 score=_score(row, score)))  # fmt: skip
    return bodies


def _score(row: Row, text: str) -> int | float:
    try:
        value = float(text)
    except ValueError:
        column = row.name(("columns", "csat"))
        raise RowProblem(f"column {column!r}: not a number: {text!r}") from None
    return int(value) if value.is_integer() else value
