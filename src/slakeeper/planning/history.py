"""What planning needs from an event log: arrivals, agent work per team, handling times.

Only three facts are read from the JSONL events of DESIGN.md section 5: when tickets were
created (with their ``team`` and ``channel``), which team holds each ticket (``assign``),
and the public agent messages (with ``agent`` when the log names one). A line that is not
JSON, or a ``created``/``message`` without a readable ``at``, is an error naming the line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import orjson

from slakeeper.core.errors import InputError, SlaError
from slakeeper.core.instants import parse_instant_us

__all__ = ["History", "read_history"]

US = 1_000_000
_WAITING_ON_OTHERS = ("pending", "on_hold", "solved")


@dataclass
class History:
    """Arrivals (tickets created) and agent work, as arrays of UTC microseconds."""

    created: npt.NDArray[np.int64]
    team: list[str]
    channel: list[str]
    work: dict[str, list[int]] = field(default_factory=dict)  # team -> agent message instants
    handling_gaps: dict[str, list[int]] = field(default_factory=dict)  # team -> µs

    @property
    def end(self) -> int:
        """The last instant the history covers (its last ticket's creation)."""
        return int(self.created.max()) if self.created.size else 0

    def touches_per_ticket(self, team: str) -> float:
        """Agent messages written in ``team`` per ticket created at ``team`` (at least 1)."""
        tickets = sum(1 for t in self.team if t == team)
        return max(1.0, len(self.work.get(team, ())) / tickets) if tickets else 1.0

    def handling_seconds(self, team: str) -> float | None:
        """Mean handling time of one piece of work in ``team``, or None when unknown.

        Back-to-back agent messages (the agent's team still had tickets waiting when the
        first was written) are one handling time apart. Their log is taken as normal, with
        median and spread from the quartiles so stray overnight gaps do not drag it; the
        mean is ``median · e^{σ²/2}``.
        """
        gaps = np.asarray(self.handling_gaps.get(team, ()), float)
        gaps = gaps[gaps > 0]
        if gaps.size < 30:
            return None
        logs = np.log(gaps / US)
        q1, median, q3 = np.percentile(logs, [25, 50, 75])
        sigma = (q3 - q1) / 1.349
        return float(math.exp(median + sigma * sigma / 2))


def read_history(path: str | Path) -> History:
    """Read a JSONL event log (the simulator's output or an export in the same format)."""
    created: list[int] = []
    teams: list[str] = []
    channels: list[str] = []
    ticket_team: dict[str, str] = {}
    waits: dict[str, list[tuple[int, int]]] = {}  # team -> (instant, +1 start / -1 end)
    waiting: dict[str, tuple[str, int] | None] = {}
    messages: list[tuple[int, str, str]] = []  # (at, agent, team)
    status: dict[str, str] = {}
    try:
        file = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}", path=("--events",)) from None
    with file:
        for number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            event = _event(line, number)
            kind, ticket = event.get("type"), str(event.get("ticket"))
            if kind not in ("created", "message", "assign", "status"):
                continue
            at = _instant(event, number)
            if kind == "created":
                team = str(event.get("team") or "-")
                created.append(at)
                teams.append(team)
                channels.append(str(event.get("channel") or "-"))
                ticket_team[ticket] = team
                _wait(waits, waiting, ticket, team, at)
            elif kind == "assign" and event.get("team"):
                _end_wait(waits, waiting, ticket, at)
                ticket_team[ticket] = str(event["team"])
                _wait(waits, waiting, ticket, ticket_team[ticket], at)
            elif kind == "status":
                # Back to open from a wait on someone else: the ticket needs an agent again.
                # (A first touch also writes "open", right after the agent's own message.)
                if event.get("status") == "open" and status.get(ticket) in _WAITING_ON_OTHERS:
                    _wait(waits, waiting, ticket, ticket_team.get(ticket, "-"), at)
                status[ticket] = str(event.get("status"))
            elif kind == "message":
                team = ticket_team.get(ticket, "-")
                if event.get("author") == "agent" and event.get("public", True):
                    _end_wait(waits, waiting, ticket, at)
                    messages.append((at, str(event.get("agent") or ""), team))
                elif event.get("author") == "customer":
                    _wait(waits, waiting, ticket, team, at)
    history = History(np.asarray(created, np.int64), teams, channels)
    _work(history, messages, waits)
    return history


def _event(line: bytes, number: int) -> dict[str, object]:
    try:
        event = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"line {number}: invalid JSON: {exc.msg}") from None
    if not isinstance(event, dict):
        raise InputError(f"line {number}: expected a JSON object")
    return event


def _instant(event: dict[str, object], number: int) -> int:
    try:
        return parse_instant_us(event.get("at"))
    except SlaError as exc:
        raise InputError(f"line {number}: at: {exc.message}") from None


def _wait(waits: dict, waiting: dict, ticket: str, team: str, at: int) -> None:
    """The ticket starts waiting for an agent of ``team`` (unless it already waits)."""
    if waiting.get(ticket) is None:
        waiting[ticket] = (team, at)
        waits.setdefault(team, []).append((at, 1))


def _end_wait(waits: dict, waiting: dict, ticket: str, at: int) -> None:
    current = waiting.get(ticket)
    if current is not None:
        waits[current[0]].append((at, -1))
        waiting[ticket] = None


def _work(history: History, messages: list[tuple[int, str, str]], waits: dict) -> None:
    """Agent messages per team, and the gaps between an agent's back-to-back messages."""
    backlog = {}
    for team, changes in waits.items():
        changes.sort()  # at equal instants an end (-1) comes first: a reply is not a wait
        instants = np.array([at for at, _ in changes], np.int64)
        levels = np.cumsum([step for _, step in changes])
        backlog[team] = (instants, levels)
    last: dict[str, int] = {}
    for at, agent, team in sorted(messages):
        history.work.setdefault(team, []).append(at)
        if not agent:
            continue
        previous = last.get(agent)
        last[agent] = at
        if previous is None or team not in backlog:
            continue
        instants, levels = backlog[team]
        index = int(np.searchsorted(instants, previous, side="right")) - 1
        if index >= 0 and levels[index] > 0:  # tickets were waiting: no idle time between
            history.handling_gaps.setdefault(team, []).append(at - previous)
