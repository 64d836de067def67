"""Event logs (one row per activity: case, activity, timestamp, resource, attributes).

Service-desk and process-mining logs look like this. Through a mapping
(docs/importing.md), each case becomes a ticket:

1. Rows are read and checked one by one (a bad cell is a problem naming the line and
   column) and grouped by case; each case's rows are put in time order (ties keep the
   file's order).
2. The case's first row opens the ticket: a ``created`` event with the fields read from
   that row. Every row then becomes, in this order: an ``update`` (and an ``assign``) for
   mapped fields whose value changed since the previous row; a ``status: open`` that ends
   a status marked ``until_next`` (the activity after "Wait" ends the pause) unless the
   row sets a status itself; a ``status: open`` before a ``reopens`` activity on a solved
   ticket; and the activity's own event (message, status or assign).
3. Event ids derive from the case and the row's place in it (``CASE:3``,
   ``CASE:3:resume``…), so importing the same log again stores nothing new.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from slakeeper.core.errors import InputError
from slakeeper.core.policies import Status
from slakeeper.importers.bodies import assign_body, created_body, event_body, update_body
from slakeeper.importers.csvfiles import CsvRows, Row, RowProblem, field_values
from slakeeper.importers.mapping import ActivityRule, Mapping
from slakeeper.importers.progress import Advance
from slakeeper.importers.timestamps import Timestamps
from slakeeper.services.imports import SourceItem

__all__ = ["EventlogRow", "read_eventlog", "read_instant"]


@dataclass(frozen=True, slots=True)
class EventlogRow:
    """One activity of a case, read and checked."""

    line: int
    at: int
    rule: ActivityRule
    activity: str
    resource: str | None
    values: dict[str, str | None]


def read_eventlog(
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
    cases: dict[str, list[EventlogRow]] = {}
    for row in rows.rows:
        try:
            case = row.require("case")
            activity = _read(row, mapping, timestamps)
            cases.setdefault(case, []).append(activity)
        except RowProblem as exc:
            yield SourceItem(row.line, problem=str(exc))
    for case, activities in cases.items():
        activities.sort(key=lambda activity: activity.at)  # stable: ties keep file order
        yield from _Case(mapping.ticket_prefix + case).events(activities)


def _read(row: Row, mapping: Mapping, timestamps: Timestamps) -> EventlogRow:
    activity = row.require("activity")
    rule = mapping.activities.get(activity)
    if rule is None:
        if mapping.unmapped_activities == "error":
            raise RowProblem(
                f"column {row.name(('columns', 'activity'))!r}: activity {activity!r} is not "
                "in the mapping's activities (map it, or set unmapped_activities: ignore)"
            )
        rule = ActivityRule("ignore")
    at = read_instant(row, "timestamp", timestamps)
    resource = (row.get(("columns", "resource")) or "").strip() or None
    return EventlogRow(row.line, at, rule, activity, resource, field_values(row, mapping.fields))


def read_instant(row: Row, key: str, timestamps: Timestamps) -> int:
    """The instant in the cell of ``columns.KEY``; a naive one without a zone stops the import."""
    text = row.require(key)
    try:
        return timestamps.read_us(text)
    except InputError as exc:
        where = f"line {row.line}, column {row.name(('columns', key))!r}"
        if exc.path == ("--timezone",):  # not a bad row: the whole file needs the option
            raise InputError(f"{where}: {exc.message}", path=exc.path) from None
        raise RowProblem(f"column {row.name(('columns', key))!r}: {exc.message}") from None


class _Case:
    """Turns one case's activities, in time order, into its ticket's events."""

    def __init__(self, ticket: str) -> None:
        self.ticket = ticket
        self.values: dict[str, str | None] = {}
        self.status = Status.NEW
        self.waiting = False  # in a status that the next activity ends

    def events(self, rows: list[EventlogRow]) -> Iterator[SourceItem]:
        first = rows[0]
        self.values = dict(first.values)
        yield self._item(first, created_body(f"{self.ticket}:created", self.ticket, first.at,
                                             first.values))  # fmt: skip
        for number, row in enumerate(rows, start=1):
            for body in self._row(number, row):
                yield self._item(row, body)

    def _row(self, number: int, row: EventlogRow) -> Iterator[dict[str, Any]]:
        base, rule, at = f"{self.ticket}:{number}", row.rule, row.at
        if number > 1:
            yield from self._changes(base, row)
        if self.waiting and rule.event != "status":
            yield self._status(f"{base}:resume", at, Status.OPEN, until_next=False)
        if rule.reopens and self.status is Status.SOLVED:
            yield self._status(f"{base}:reopen", at, Status.OPEN, until_next=False)
        if rule.event == "message":
            author = rule.author.value
            yield event_body(base, self.ticket, "message", at, author=author, public=rule.public)
        elif rule.event == "status" and rule.status is not None:
            yield self._status(base, at, rule.status, until_next=rule.until_next)
        elif rule.event == "assign" and row.resource is not None:
            yield event_body(base, self.ticket, "assign", at, agent=row.resource)

    def _changes(self, base: str, row: EventlogRow) -> Iterator[dict[str, Any]]:
        changes = {
            name: value
            for name, value in row.values.items()
            if value is not None and value != self.values.get(name)
        }
        if not changes:
            return
        self.values.update(changes)
        for body in (update_body(f"{base}:fields", self.ticket, row.at, changes),
                     assign_body(f"{base}:team", self.ticket, row.at, changes)):  # fmt: skip
            if body is not None:
                yield body

    def _status(
        self, event_id: str, at: int, status: Status, *, until_next: bool
    ) -> dict[str, Any]:
        self.status, self.waiting = status, until_next
        return event_body(event_id, self.ticket, "status", at, status=status.value)

    def _item(self, row: EventlogRow, body: dict[str, Any]) -> SourceItem:
        return SourceItem(row.line, body)
