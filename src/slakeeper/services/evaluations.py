"""Offline evaluation: events from JSONL, evaluated under a configuration, shown as JSON or text."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from slakeeper.core.clocks import Cycle
from slakeeper.core.configuration import Configuration
from slakeeper.core.durations import format_seconds
from slakeeper.core.errors import EventError, InputError
from slakeeper.core.evaluation import Diagnostic, Evaluation, TicketResult, evaluate
from slakeeper.core.events import Event, parse_event
from slakeeper.core.instants import format_instant

__all__ = [
    "EvaluatedFile",
    "evaluate_file",
    "explain_lines",
    "read_events",
    "ticket_document",
    "write_json",
]


@dataclass
class EvaluatedFile:
    """An evaluation with the diagnostics of reading its input."""

    evaluation: Evaluation
    diagnostics: list[Diagnostic]


def read_events(lines: Iterable[str], diagnostics: list[Diagnostic]) -> Iterator[Event]:
    """Parse JSONL lines into events; a bad line becomes a diagnostic naming it."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            diagnostics.append(
                Diagnostic(f"invalid JSON: {exc.msg} (column {exc.colno})", line=number)
            )
            continue
        try:
            yield parse_event(data, number)
        except EventError as exc:
            diagnostics.append(Diagnostic(str(exc), line=number))


def evaluate_file(
    events_path: str | Path, config: Configuration, now: int, *, explain: bool = False
) -> EvaluatedFile:
    """Read a JSONL event file and evaluate it."""
    reading: list[Diagnostic] = []
    try:
        with open(events_path, encoding="utf-8") as file:
            events = list(read_events(file, reading))
    except OSError as exc:
        raise InputError(f"cannot read {events_path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{events_path}: not UTF-8 text") from None
    evaluation = evaluate(events, config, now, explain=explain)
    return EvaluatedFile(evaluation, reading + evaluation.diagnostics)


def _seconds(us: int | None) -> _Raw | None:
    return None if us is None else _Raw(format_seconds(us))


def _instant(us: int | None) -> str | None:
    return None if us is None else format_instant(us)


def clock_document(cycle: Cycle, now: int) -> dict[str, Any]:
    """One clock as ``evaluate`` prints it (DESIGN.md section 5)."""
    end = now
    if cycle.fulfilled_at is not None:
        end = cycle.fulfilled_at
    elif cycle.cancelled_at is not None:
        end = cycle.cancelled_at
    return {
        "metric": cycle.metric.value,
        "cycle": cycle.number,
        "team": cycle.team,
        "status": cycle.status.value,
        "started_at": _instant(cycle.started_at),
        "due_at": _instant(cycle.due_at()),
        "target_seconds": _seconds(cycle.target.sla),
        "elapsed_seconds": _seconds(cycle.elapsed_at(end)),
        "paused_seconds": _seconds(cycle.paused_at(end)),
        "fulfilled_at": _instant(cycle.fulfilled_at),
        "breached_at": _instant(cycle.breached_at),
        "objective_seconds": _seconds(cycle.target.objective),
        "objective_due_at": _instant(cycle.objective_due_at()),
        "objective_status": cycle.objective_status(),
        "warnings": [
            {"threshold": threshold.json_value, "at": format_instant(at)}
            for threshold, at in cycle.warnings
        ],
        "cancelled_at": _instant(cycle.cancelled_at),
        "calendar": cycle.calendar.id,
    }


def ticket_document(result: TicketResult, now: int) -> dict[str, Any]:
    """One ticket as ``evaluate`` prints it."""
    return {
        "ticket": result.ticket,
        "policy": result.policy,
        "policy_version": result.policy_version,
        "status": result.status,
        "next_action_at": _instant(result.next_action_at),
        "clocks": [clock_document(cycle, now) for cycle in result.cycles],
        "escalations_due": [
            {
                "metric": cycle.metric.value,
                "team": cycle.team,
                "cycle": cycle.number,
                "step": step,
                "at": format_instant(at),
            }
            for cycle, step, at in result.escalations_due
        ],
    }


class _Raw(str):
    """A JSON number already written as text (exact decimals, never an exponent)."""


def write_json(value: Any, out: TextIO, indent: int = 0) -> None:
    """Write JSON where seconds keep their exact decimal text."""
    out.write(_encode(value, indent, 0))


def _encode(value: Any, indent: int, depth: int) -> str:
    if isinstance(value, _Raw):
        return str(value)
    if isinstance(value, dict):
        items = [f"{json.dumps(k)}: {_encode(v, indent, depth + 1)}" for k, v in value.items()]
        return _wrap("{", items, "}", indent, depth)
    if isinstance(value, list):
        return _wrap("[", [_encode(v, indent, depth + 1) for v in value], "]", indent, depth)
    return json.dumps(value, ensure_ascii=False)


def _wrap(opening: str, items: list[str], closing: str, indent: int, depth: int) -> str:
    if not items:
        return opening + closing
    if not indent:
        return opening + ", ".join(items) + closing
    inner = "\n" + " " * indent * (depth + 1)
    return opening + inner + ("," + inner).join(items) + "\n" + " " * indent * depth + closing


def explain_lines(result: TicketResult) -> list[str]:
    """A ticket's timeline as text: every start, pause, resume, warning, breach, fulfilment."""
    lines = [f"ticket {result.ticket}: policy {result.policy or '(none)'}, status {result.status}"]
    for entry in sorted(result.timeline, key=lambda e: e.at):
        clock = ""
        if entry.metric is not None:
            team = f"[{entry.team}]" if entry.team else ""
            clock = f"{entry.metric}{team}#{entry.cycle} "
        source = ""
        if entry.event is not None:
            source = f"  (event {entry.event}" + (f", line {entry.line})" if entry.line else ")")
        lines.append(f"{format_instant(entry.at):<27} {clock}{entry.kind}: {entry.detail}{source}")
    return lines
