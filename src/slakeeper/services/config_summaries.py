"""A stored configuration described for people (the console's ``/config`` pages).

- :func:`week_grid`: a calendar's weekly hours as seven rows of spans (minutes after local
  midnight, an overnight window carried into the next day's row) with their text.
- :func:`holiday_list`: its holidays with names: its own dates, and its holiday sets
  resolved with the ``holidays`` package for the given years (observed days included,
  as the calendar counts them).
- :func:`target_matrices`: each policy's targets as severity x metric cells ``SLA /
  objective``, each cell marked with the policy it was inherited from through ``extends``.
- :func:`problem_list`: a :class:`ConfigError`'s lines split into line, key and message.
- :func:`text_diff`: a unified diff of two versions as written, line by line.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection

from slakeeper.config.documents import parse_document
from slakeeper.core.calendars import DAY_SECONDS, WEEKDAYS, Calendar, Window
from slakeeper.core.configuration import Configuration
from slakeeper.core.errors import ConfigError
from slakeeper.core.policies import METRICS, Metric, Policy, Target
from slakeeper.services.configs import configuration_of, get_version

__all__ = [
    "CalendarView",
    "Cell",
    "DayRow",
    "DiffLine",
    "Holiday",
    "Matrix",
    "Problem",
    "VersionView",
    "describe_version",
    "holiday_list",
    "overrides_list",
    "problem_list",
    "target_matrices",
    "target_text",
    "text_diff",
    "version_diff",
    "week_grid",
]

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class DayRow:
    """One weekday: its open spans in minutes ``[start, end)`` within 0-1440, and as text."""

    day: str
    spans: tuple[tuple[int, int], ...]
    text: str


@dataclass(frozen=True)
class Holiday:
    """A closed local date and why: its name and holiday set, or a date the calendar
    lists itself."""

    day: date
    name: str
    source: str


def week_grid(calendar: Calendar) -> list[DayRow]:
    """Seven rows, Monday first; a 24x7 calendar is open all day every day."""
    if calendar.is_24x7:
        return [DayRow(name, ((0, 1440),), "open all day (24x7)") for name in DAY_NAMES]
    spans: list[list[tuple[int, int]]] = [[] for _ in WEEKDAYS]
    for index, windows in enumerate(calendar.weekly):
        for window in windows:
            end = min(window.end, DAY_SECONDS)
            spans[index].append((window.start // 60, -(-end // 60)))
            if window.end > DAY_SECONDS:  # overnight: the rest opens the next day's row
                spans[(index + 1) % 7].append((0, -(-(window.end - DAY_SECONDS) // 60)))
    return [
        DayRow(name, tuple(sorted(spans[index])), _windows_text(calendar.weekly[index]))
        for index, name in enumerate(DAY_NAMES)
    ]


def _windows_text(windows: Iterable[Window]) -> str:
    parts = [str(w) + (" (overnight)" if w.end > DAY_SECONDS else "") for w in windows]
    return ", ".join(parts) if parts else "closed"


def holiday_list(calendar: Calendar, years: Iterable[int]) -> list[Holiday]:
    """The calendar's closed dates in ``years``, by date (an override wins over them)."""
    import holidays

    wanted = set(years)
    found: dict[date, Holiday] = {}
    for code in calendar.holiday_sets:
        country, _, subdivision = code.partition("-")
        named = holidays.country_holidays(
            country, subdiv=subdivision or None, years=sorted(wanted), observed=True
        )
        for day, name in named.items():
            found.setdefault(day, Holiday(day, str(name), code))
    for day in calendar.holidays:  # a set's name, when the date is in one, says more
        found.setdefault(day, Holiday(day, "holiday", "the calendar's own date"))
    return sorted(
        (h for h in found.values() if h.day.year in wanted and h.day not in calendar.overrides),
        key=lambda h: h.day,
    )


def overrides_list(calendar: Calendar) -> list[tuple[date, str]]:
    """The calendar's date overrides, by date, with their hours as text."""
    return [(day, _windows_text(calendar.overrides[day])) for day in sorted(calendar.overrides)]


@dataclass(frozen=True)
class Cell:
    """One target: ``text`` (``4h / 2h`` for SLA / objective) and where it came from."""

    text: str
    inherited_from: str | None = None


@dataclass(frozen=True)
class Matrix:
    """A policy's targets: rows severity, columns metric (team ownership per team)."""

    policy: Policy
    columns: list[str]
    rows: list[tuple[str, list[Cell | None]]]


def target_text(target: Target) -> str:
    """``SLA`` or ``SLA / objective`` as durations people read (``1h 30m``)."""
    sla = _duration(target.sla)
    return sla if target.objective is None else f"{sla} / {_duration(target.objective)}"


def _duration(us: int) -> str:
    seconds = us // 1_000_000
    parts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return " ".join(parts) or "0s"


def target_matrices(config: Configuration, data: Any) -> list[Matrix]:
    """Each policy's matrix; ``data`` is the configuration as written (its parsed YAML)."""
    written = _written_policies(data)
    matrices = []
    for policy in config.policies:
        columns: list[tuple[Metric, str | None]] = []
        for metric in METRICS:
            if metric is Metric.TEAM_OWNERSHIP:
                teams = sorted({t for by_team in policy.teams.values() for t in by_team})
                columns += [(metric, team) for team in teams]
            elif any(metric in targets for targets in policy.targets.values()):
                columns.append((metric, None))
        rows = []
        for severity in sorted({*policy.targets, *policy.teams}):
            cells: list[Cell | None] = []
            for metric, team in columns:
                target = policy.target(severity, metric, team)
                origin = _origin(written, policy.id, severity, metric, team)
                cells.append(None if target is None else Cell(target_text(target), origin))
            rows.append((severity, cells))
        labels = [
            metric.value.replace("_", " ") + (f" ({team})" if team else "")
            for metric, team in columns
        ]
        matrices.append(Matrix(policy, labels, rows))
    return matrices


def _written_policies(data: Any) -> dict[str, dict[str, Any]]:
    policies = data.get("policies") if isinstance(data, dict) else None
    found: dict[str, dict[str, Any]] = {}
    for item in policies if isinstance(policies, list) else []:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            found[item["id"]] = item
    return found


def _origin(
    written: Mapping[str, dict[str, Any]],
    policy_id: str,
    severity: str,
    metric: Metric,
    team: str | None,
) -> str | None:
    """None when the policy writes the target itself, else the ancestor that does."""
    seen: set[str] = set()
    current: str | None = policy_id
    while current is not None and current not in seen:
        seen.add(current)
        item = written.get(current, {})
        targets = item.get("targets") if isinstance(item.get("targets"), dict) else {}
        row = targets.get(severity) if isinstance(targets, dict) else None
        value = row.get(metric.value) if isinstance(row, dict) else None
        if value is not None and (team is None or (isinstance(value, dict) and team in value)):
            return None if current == policy_id else current
        parent = item.get("extends")
        current = parent if isinstance(parent, str) else None
    return None


@dataclass(frozen=True)
class Problem:
    """One configuration problem: its line (when known), key path and message."""

    line: int | None
    key: str | None
    message: str


_PROBLEM = re.compile(r"^(?P<source>.*?)(?::(?P<line>\d+))?: (?P<rest>.*)$", re.S)
_KEY = re.compile(r"^(?P<key>[^\s:]+): (?P<message>.*)$", re.S)


def problem_list(error: ConfigError) -> list[Problem]:
    """The problems of ``error`` (``SOURCE:LINE: key.path: message`` each) as parts."""
    found = []
    for text in error.problems:
        match = _PROBLEM.match(text)
        if match is None:
            found.append(Problem(None, None, text))
            continue
        line = int(match["line"]) if match["line"] else None
        keyed = _KEY.match(match["rest"])
        if keyed is None:
            found.append(Problem(line, None, match["rest"]))
        else:
            found.append(Problem(line, keyed["key"], keyed["message"]))
    return found


@dataclass(frozen=True)
class DiffLine:
    """A line of a unified diff: ``kind`` is added, removed, context or hunk."""

    kind: str
    marker: str
    text: str


def text_diff(before: str, after: str, before_name: str, after_name: str) -> list[DiffLine]:
    """The unified diff from ``before`` to ``after`` (difflib), each line with its kind."""
    lines = difflib.unified_diff(
        before.splitlines(), after.splitlines(), before_name, after_name, lineterm=""
    )
    out = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            out.append(DiffLine("hunk", "@@", line))
        elif line.startswith("+"):
            out.append(DiffLine("added", "+", line[1:]))
        elif line.startswith("-"):
            out.append(DiffLine("removed", "-", line[1:]))
        else:
            out.append(DiffLine("context", " ", line[1:]))
    return out


@dataclass(frozen=True)
class CalendarView:
    """A calendar as the page shows it: week grid, holidays with names, overrides."""

    calendar: Calendar
    grid: list[DayRow]
    holidays: list[Holiday]
    overrides: list[tuple[date, str]]


@dataclass(frozen=True)
class VersionView:
    """One stored version described: its row, calendars, target matrices, escalation paths."""

    row: Any
    config: Configuration
    calendars: list[CalendarView]
    matrices: list[Matrix]


def describe_version(connection: Connection, number: int, years: Iterable[int]) -> VersionView:
    """Version ``number`` described for people (holidays of ``years``)."""
    row = get_version(connection, number)
    config = configuration_of(connection, number)
    data = parse_document(row.text, f"config version {number}").data
    wanted = list(years)
    calendars = [
        CalendarView(c, week_grid(c), holiday_list(c, wanted), overrides_list(c))
        for _, c in sorted(config.calendars.items())
    ]
    return VersionView(row, config, calendars, target_matrices(config, data))


def version_diff(connection: Connection, number: int) -> tuple[Any, list[DiffLine]]:
    """Version ``number`` and the diff of its text against the version before (as written)."""
    row = get_version(connection, number)
    before = get_version(connection, number - 1).text if number > 1 else ""
    name = f"version {number - 1}" if number > 1 else "(none)"
    return row, text_diff(before, row.text, name, f"version {number}")
