"""Offline evaluation: events from JSONL, evaluated under a configuration, shown as JSON or text."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from slakeeper.core.clocks import Cycle
from slakeeper.core.configuration import Configuration
from slakeeper.core.durations import format_seconds
from slakeeper.core.errors import EventError, InputError
from slakeeper.core.evaluation import Diagnostic, Evaluation, TicketResult, iter_evaluate
from slakeeper.core.events import Event, parse_event
from slakeeper.core.instants import format_instant
from slakeeper.core.policies import Threshold

__all__ = [
    "collection_paused",
    "dumps",
    "evaluate_file",
    "explain_file",
    "explain_lines",
    "parse_line",
    "read_events",
    "read_numbered",
    "stream_file",
    "ticket_document",
    "write_documents",
]


def read_events(lines: Iterable[bytes | str], diagnostics: list[Diagnostic]) -> Iterator[Event]:
    """Parse JSONL lines into events; a bad line becomes a diagnostic naming it."""
    return read_numbered(enumerate(lines, start=1), diagnostics)


def read_numbered(
    lines: Iterable[tuple[int, bytes | str]], diagnostics: list[Diagnostic]
) -> Iterator[Event]:
    """:func:`read_events` over (line number, line) pairs (a partition of a file's lines)."""
    for number, line in lines:
        event = parse_line(line, number, diagnostics)
        if event is not None:
            yield event


def parse_line(line: bytes | str, number: int, diagnostics: list[Diagnostic]) -> Event | None:
    """One JSONL line as an event; None, with a diagnostic, when it is not one (a blank
    line is skipped without one)."""
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        if line.strip():  # checked only here, off the hot path
            diagnostics.append(
                Diagnostic(f"invalid JSON: {exc.msg} (column {exc.colno})", line=number)
            )
        return None
    try:
        return parse_event(data, number)
    except EventError as exc:
        diagnostics.append(Diagnostic(str(exc), line=number))
        return None


def evaluate_file(
    events_path: str | Path, config: Configuration, now: int, *, explain: bool = False
) -> Evaluation:
    """Read a JSONL event file and evaluate it, keeping every result."""
    diagnostics: list[Diagnostic] = []
    results = list(stream_file(events_path, config, now, diagnostics, explain=explain))
    return Evaluation(results, diagnostics)


def stream_file(
    events_path: str | Path,
    config: Configuration,
    now: int,
    diagnostics: list[Diagnostic],
    *,
    explain: bool = False,
) -> Iterator[TicketResult]:
    """Read a JSONL event file and yield each ticket's result as soon as it is evaluated."""
    with collection_paused():
        events = _read_file(events_path, diagnostics)
        results = iter_evaluate(events, config, now, diagnostics, explain=explain)
        del events  # so that each ticket's log is freed once it is evaluated
        yield from results


def explain_file(
    events_path: str | Path, config: Configuration, now: int, ticket: str
) -> tuple[TicketResult | None, list[Diagnostic]]:
    """One ticket's explained evaluation, and the diagnostics about it (or about any line)."""
    diagnostics: list[Diagnostic] = []
    events = [event for event in _read_file(events_path, diagnostics) if event.ticket == ticket]
    result = next(iter_evaluate(events, config, now, diagnostics, explain=True), None)
    return result, [d for d in diagnostics if d.ticket in (ticket, None)]


def _read_file(events_path: str | Path, diagnostics: list[Diagnostic]) -> list[Event]:
    try:
        with open(events_path, "rb") as file:
            return list(read_events(file, diagnostics))
    except OSError as exc:
        raise InputError(f"cannot read {events_path}: {exc.strerror or exc}") from None


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector during a bulk load.

    Replay allocates millions of small objects and frees none of them until the end;
    each full collection walks all of them (a third of replay time). Nothing replay builds
    is cyclic garbage, so collection waits until the load is done.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def seconds_value(us: int | None) -> int | float | Decimal | None:
    """Seconds for JSON: an int when whole, else a float whose shortest form is exact.

    The rare value a float would print differently (or in exponent form, below 1e-4 s) is a
    Decimal, which :func:`write_documents` writes as its exact text.
    """
    if us is None:
        return None
    whole, micro = divmod(us, 1_000_000)
    if not micro:
        return whole
    exact = format_seconds(us)
    value = us / 1_000_000
    return value if repr(value) == exact else Decimal(exact)


def instant_text(us: int | None) -> str | None:
    """An instant as UTC ``…Z`` (None stays None)."""
    return None if us is None else format_instant(us)


def clock_document(cycle: Cycle, now: int) -> dict[str, Any]:
    """One clock as ``evaluate`` prints it (DESIGN.md section 5)."""
    end = now
    if cycle.fulfilled_at is not None:
        end = cycle.fulfilled_at
    elif cycle.cancelled_at is not None:
        end = cycle.cancelled_at
    # `_value_`, not `value`: an enum's `value` is a Python-level property, called millions
    # of times by replay; `_value_` is the same string, read from the member's dict.
    return {
        "metric": cycle.metric._value_,
        "cycle": cycle.number,
        "team": cycle.team,
        "status": cycle.status._value_,
        "started_at": instant_text(cycle.started_at),
        "due_at": instant_text(cycle.due_at()),
        "target_seconds": seconds_value(cycle.target.sla),
        "elapsed_seconds": seconds_value(cycle.elapsed_at(end)),
        "paused_seconds": seconds_value(cycle.paused_at(end)),
        "fulfilled_at": instant_text(cycle.fulfilled_at),
        "breached_at": instant_text(cycle.breached_at),
        "objective_seconds": seconds_value(cycle.target.objective),
        "objective_due_at": instant_text(cycle.objective_due_at()),
        "objective_status": cycle.objective_status(),
        "warnings": [
            {"threshold": _json_value(threshold), "at": format_instant(at)}
            for threshold, at in cycle.warnings
        ],
        "cancelled_at": instant_text(cycle.cancelled_at),
        "calendar": cycle.calendar.id,
    }


# Threshold.json_value by the threshold's identity (thresholds belong to the configuration
# and live as long as it): computing it goes through Fraction's Python-level properties.
_JSON_VALUES: dict[int, tuple[Threshold, float | int | str]] = {}


def _json_value(threshold: Threshold) -> float | int | str:
    found = _JSON_VALUES.get(id(threshold))
    if found is not None and found[0] is threshold:
        return found[1]
    value = threshold.json_value
    if len(_JSON_VALUES) > 4096:
        _JSON_VALUES.clear()
    _JSON_VALUES[id(threshold)] = (threshold, value)
    return value


def ticket_document(result: TicketResult, now: int) -> dict[str, Any]:
    """One ticket as ``evaluate`` prints it."""
    return {
        "ticket": result.ticket,
        "policy": result.policy,
        "policy_version": result.policy_version,
        "status": result.status,
        "next_action_at": instant_text(result.next_action_at),
        "clocks": [clock_document(cycle, now) for cycle in result.cycles],
        "escalations_due": [
            {
                "metric": cycle.metric._value_,
                "team": cycle.team,
                "cycle": cycle.number,
                "step": step,
                "at": format_instant(at),
            }
            for cycle, step, at in result.escalations_due
        ],
    }


def _exact_decimal(value: object) -> str:
    if isinstance(value, Decimal):
        return f"\x00{value}\x00"  # a marker write_documents turns back into a bare number
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dumps(value: Any) -> bytes:
    """JSON bytes of ``value``; Decimal seconds keep their exact text, never an exponent."""
    payload = orjson.dumps(value, default=_exact_decimal)
    if b"\\u0000" in payload:
        payload = _MARKED.sub(lambda m: m.group(1), payload)
    return payload


_MARKED = re.compile(rb'"\\u0000([0-9.\-]+)\\u0000"')


def write_documents(documents: Iterable[dict[str, Any]], out: BinaryIO) -> int:
    """Write a JSON list, one document per line, as they come (nothing is held); the count."""
    count = 0
    for document in documents:
        out.write(b"[\n" if count == 0 else b",\n")
        out.write(dumps(document))
        count += 1
    out.write(b"[]\n" if count == 0 else b"\n]\n")
    return count


def explain_lines(result: TicketResult, now: int) -> list[str]:
    """A ticket's timeline as text: every start, pause, resume, warning, breach, fulfilment,
    then where each clock stands at ``now``."""
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
    document = ticket_document(result, now)
    lines.append(f"at {format_instant(now)}: next action {document['next_action_at'] or 'none'}")
    for clock_doc in document["clocks"]:
        team = f"[{clock_doc['team']}]" if clock_doc["team"] else ""
        lines.append(
            f"  {clock_doc['metric']}{team}#{clock_doc['cycle']}: {clock_doc['status']}, "
            f"elapsed {clock_doc['elapsed_seconds']}s of {clock_doc['target_seconds']}s, "
            f"due {clock_doc['due_at'] or '-'}"
        )
    return lines
