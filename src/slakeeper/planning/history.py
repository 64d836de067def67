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
    assigned: dict[str, list[int]] = field(default_factory=dict)  # team -> assign instants

    @property
    def end(self) -> int:
        """The last instant the history covers (its last ticket's creation)."""
        return int(self.created.max()) if self.created.size else 0

    def arrivals(self, team: str) -> npt.NDArray[np.int64]:
        """When tickets came to ``team``: created there, or assigned to it (in order)."""
        created = self.created[np.asarray(self.team, dtype=object) == team]
        moved = np.asarray(self.assigned.get(team, ()), np.int64)
        return np.sort(np.concatenate([created, moved]))

    def touches_per_arrival(self, team: str) -> float:
        """Agent messages written in ``team`` per ticket arriving at it (at least 1)."""
        arrivals = self.arrivals(team).size
        return max(1.0, len(self.work.get(team, ())) / arrivals) if arrivals else 1.0

    def handling_seconds(self, team: str) -> float | None:
        """Mean handling time of one piece of work in ``team``, or None when unknown.

        Back-to-back agent messages (the second answers a ticket that was already waiting
        when the first was written) are one handling time apart. Their log is taken as normal, with
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
    reader = _Reader()
    try:
        file = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}", path=("--events",)) from None
    with file:
        for number, line in enumerate(file, start=1):
            if line.strip():
                reader.read(_event(line, number), number)
    history = History(np.asarray(reader.created, np.int64), reader.teams, reader.channels)
    history.assigned = reader.assigned
    _work(history, reader.messages)
    return history


class _Reader:
    """Follows each ticket's team and whether it waits for an agent (and since when)."""

    def __init__(self) -> None:
        self.created: list[int] = []
        self.teams: list[str] = []
        self.channels: list[str] = []
        self.team: dict[str, str] = {}
        self.status: dict[str, str] = {}
        self.waiting_since: dict[str, int] = {}
        self.assigned: dict[str, list[int]] = {}
        self.messages: list[tuple[str, int, str, int | None]] = []  # agent, at, team, since

    def read(self, event: dict[str, object], number: int) -> None:
        kind, ticket = event.get("type"), str(event.get("ticket"))
        if kind not in ("created", "message", "assign", "status"):
            return
        at = _instant(event, number)
        if kind == "created":
            self.team[ticket] = team = str(event.get("team") or "-")
            self.created.append(at)
            self.teams.append(team)
            self.channels.append(str(event.get("channel") or "-"))
            self.waiting_since.setdefault(ticket, at)
        elif kind == "assign" and event.get("team"):
            self.team[ticket] = team = str(event["team"])
            self.assigned.setdefault(team, []).append(at)
            self.waiting_since[ticket] = at  # a new team's queue: waiting from now
        elif kind == "status":
            # Back to open from a wait on someone else: the ticket needs an agent again.
            # (A first touch also writes "open", right after the agent's own message.)
            if event.get("status") == "open" and self.status.get(ticket) in _WAITING_ON_OTHERS:
                self.waiting_since.setdefault(ticket, at)
            self.status[ticket] = str(event.get("status"))
        elif event.get("author") == "agent" and event.get("public", True):
            since = self.waiting_since.pop(ticket, None)
            agent = str(event.get("agent") or "")
            self.messages.append((agent, at, self.team.get(ticket, "-"), since))
        elif event.get("author") == "customer":
            self.waiting_since.setdefault(ticket, at)


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


def _work(history: History, messages: list[tuple[str, int, str, int | None]]) -> None:
    """Agent messages per team, and each agent's back-to-back handling times.

    An agent works one ticket at a time, so its next message answers the ticket it took
    next. When that ticket was already waiting as the agent wrote its previous message,
    the agent (free at that instant, with work in its queue) took it at once: the gap
    between the two messages is one handling time, with no idle time in it.
    """
    previous: dict[str, int] = {}
    for agent, at, team, since in sorted(messages, key=lambda m: (m[1], m[0])):
        history.work.setdefault(team, []).append(at)
        if not agent:
            continue
        last = previous.get(agent)
        previous[agent] = at
        if last is not None and since is not None and since <= last:
            history.handling_gaps.setdefault(team, []).append(at - last)
