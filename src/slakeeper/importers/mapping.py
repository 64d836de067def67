"""Mapping files (YAML): how the columns of a CSV become ticket fields and events.

Validated like a configuration: every problem is one line naming the file line and the
key path (``map.yaml:12: activities.Wait.status: unknown status 'paused' …``), all of them
at once. The format is documented in docs/importing.md; a mapping names columns by their
header, and :meth:`Mapping.columns_of` checks them against a file's header.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from slakeeper.config.documents import Document, read_document
from slakeeper.config.problems import Problems, Strict
from slakeeper.core.errors import ConfigError, KeyPath
from slakeeper.core.events import Author
from slakeeper.core.policies import Status

__all__ = [
    "FIELD_NAMES",
    "ActivityRule",
    "FieldRule",
    "Mapping",
    "MappingFormat",
    "load_mapping",
]

# Ticket fields a mapping may fill (`custom.NAME` too); team and agent go through assign.
FIELD_NAMES = (
    "severity", "account", "account_tier", "channel", "subject", "plan", "product", "team",
    "agent",
)  # fmt: skip
EVENTLOG_COLUMNS = ("case", "activity", "timestamp")  # required; `resource` optional
TICKET_COLUMNS = ("ticket", "created")  # required
TICKET_TIMES = ("first_response", "solved", "closed")  # optional instants of a ticket row


class MappingFormat(StrEnum):
    """Which importer a mapping is for."""

    EVENTLOG = "eventlog"
    TICKETS = "tickets"


class _FieldModel(Strict):
    column: str | None = None
    value: str | None = None
    values: dict[str, str] | None = None
    default: str | None = None


class _ActivityModel(Strict):
    event: Literal["message", "status", "assign", "ignore"]
    author: str | None = None
    public: bool = True
    status: str | None = None
    until_next: bool = False
    reopens: bool = False


class _MappingModel(Strict):
    format: MappingFormat
    columns: dict[str, str]
    timestamp_format: str | None = None
    delimiter: str = ","
    ticket_prefix: str = ""
    fields: dict[str, Any] = Field(default_factory=dict)
    activities: dict[str, Any] = Field(default_factory=dict)
    unmapped_activities: Literal["error", "ignore"] = "error"


@dataclass(frozen=True)
class FieldRule:
    """One ticket field: read from ``column`` (through ``values``), or the constant ``value``."""

    name: str
    path: KeyPath
    column: str | None
    value: str | None
    values: dict[str, str] | None
    default: str | None

    def read(self, cell: str | None) -> str | None:
        """The field's value for a cell; KeyError when ``values`` does not list it."""
        if self.column is None:
            return self.value
        cell = (cell or "").strip()
        if not cell:
            return self.default
        if self.values is None:
            return cell
        found = self.values.get(cell, self.default)
        if found is None:
            raise KeyError(cell)
        return found


@dataclass(frozen=True)
class ActivityRule:
    """What one activity name becomes."""

    event: str  # message, status, assign or ignore
    author: Author = Author.AGENT
    public: bool = True
    status: Status | None = None
    until_next: bool = False  # a status the next activity of the case ends (status open)
    reopens: bool = False  # on a solved ticket, reopen it first (status open)


@dataclass(frozen=True)
class Mapping:
    """A validated mapping file."""

    document: Document
    format: MappingFormat
    columns: dict[str, str]
    timestamp_format: str | None
    delimiter: str
    ticket_prefix: str
    fields: tuple[FieldRule, ...]
    activities: dict[str, ActivityRule]
    unmapped_activities: str

    def columns_of(self, header: list[str], source: str) -> dict[KeyPath, int]:
        """The index in ``header`` of every column the mapping names (by key path).

        :class:`ConfigError` names each key whose column is missing or ambiguous.
        """
        named: dict[KeyPath, str] = {("columns", key): name for key, name in self.columns.items()}
        named |= {(*rule.path, "column"): rule.column for rule in self.fields if rule.column}
        found: dict[KeyPath, int] = {}
        problems = Problems(self.document, [])
        for path, name in named.items():
            places = [index for index, column in enumerate(header) if column.strip() == name]
            if len(places) == 1:
                found[path] = places[0]
                continue
            known = ", ".join(repr(column) for column in dict.fromkeys(header))
            what = "no column" if not places else f"{len(places)} columns named"
            problems.add(path, f"{what} {name!r} in {source} (its columns: {known})")
        if problems.count:
            raise ConfigError(problems.lines)
        return found


def load_mapping(path: str | Path, expected: MappingFormat) -> Mapping:
    """Read and validate a mapping file for the ``expected`` importer."""
    document = read_document(path)
    problems = Problems(document, [])
    data = document.data if document.data is not None else {}
    model = problems.shape(_MappingModel, data, ())
    if model is not None and model.format is not expected:
        problems.add(("format",), f"this mapping is for `import {model.format}`, not {expected}")
    if model is None or problems.count:
        raise ConfigError(problems.lines or [document.problem((), "expected a mapping")])
    _check_columns(model, problems)
    fields = tuple(
        rule
        for name, body in model.fields.items()
        if (rule := _field(name, body, problems)) is not None
    )
    activities = {
        name: rule
        for name, body in model.activities.items()
        if (rule := _activity(name, body, problems)) is not None
    }
    if len(model.delimiter) != 1:
        problems.add(("delimiter",), "expected one character")
    if expected is MappingFormat.EVENTLOG and not model.activities:
        problems.add(("activities",), "missing required key (what each activity becomes)")
    if problems.count:
        raise ConfigError(problems.lines)
    return Mapping(document, model.format, model.columns, model.timestamp_format,
                   model.delimiter, model.ticket_prefix, fields, activities,
                   model.unmapped_activities)  # fmt: skip


def _check_columns(model: _MappingModel, problems: Problems) -> None:
    if model.format is MappingFormat.EVENTLOG:
        required, optional = EVENTLOG_COLUMNS, ("resource",)
    else:
        required, optional = TICKET_COLUMNS, (*TICKET_TIMES, "csat")
    for key in required:
        if key not in model.columns:
            problems.add(("columns",), f"missing required key {key!r}")
    for key in model.columns:
        if key not in required and key not in optional:
            known = ", ".join((*required, *optional))
            problems.add(("columns", key), f"unknown key (expected one of {known})")


def _field(name: str, body: Any, problems: Problems) -> FieldRule | None:
    path: KeyPath = ("fields", name)
    if name not in FIELD_NAMES and not (name.startswith("custom.") and len(name) > 7):
        known = ", ".join(FIELD_NAMES)
        problems.add(path, f"unknown ticket field (expected one of {known}, or custom.NAME)")
        return None
    if isinstance(body, str):  # shorthand: `account: customer` reads the column as it is
        body = {"column": body}
    model = problems.shape(_FieldModel, body, path)
    if model is None:
        return None
    if (model.column is None) == (model.value is None):
        problems.add(path, "give either `column` (read from the file) or `value` (a constant)")
        return None
    if model.column is None and (model.values is not None or model.default is not None):
        problems.add(path, "`values` and `default` apply to a `column` only")
        return None
    return FieldRule(name, path, model.column, model.value, model.values, model.default)


def _activity(name: str, body: Any, problems: Problems) -> ActivityRule | None:
    path: KeyPath = ("activities", name)
    if body == "ignore":
        body = {"event": "ignore"}
    model = problems.shape(_ActivityModel, body, path)
    if model is None:
        return None
    status = None
    if model.event == "status":
        if model.status is None:
            problems.add((*path, "status"), "missing required key (a status event sets one)")
            return None
        if model.status not in Status.__members__.values():
            known = ", ".join(Status)
            problems.add((*path, "status"), f"unknown status {model.status!r} (expected {known})")
            return None
        status = Status(model.status)
    else:
        for key in ("status", "until_next"):
            if key in body:
                problems.add((*path, key), "applies to `event: status` only")
                return None
    author = Author.AGENT
    if model.author is not None:
        if model.event != "message" or model.author not in Author.__members__.values():
            problems.add((*path, "author"), "a message's author: customer, agent or system")
            return None
        author = Author(model.author)
    if model.until_next and status is not None and not status.is_open:
        problems.add((*path, "until_next"), "a solved or closed ticket is not resumed")
        return None
    return ActivityRule(model.event, author, model.public, status, model.until_next, model.reopens)
