"""Small builders for clock tests: calendars, policies, configurations and event logs.

Everything here only *builds input*; expected values stay in the tests, worked out by hand.
Instants in tests are written as text (``"2026-03-02T10:00:00Z"``) or with :func:`at`
(``at("10:00")`` is Monday 2026-03-02 10:00 UTC; ``at("10:00", day=9)`` the next Monday).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slakeeper.core.calendars import Calendar, make_calendar
from slakeeper.core.configuration import Account, Configuration
from slakeeper.core.evaluation import Diagnostic, evaluate
from slakeeper.core.events import Event, parse_event
from slakeeper.core.instants import parse_instant, to_us
from slakeeper.core.policies import (
    EscalationPath,
    EscalationStep,
    Match,
    Metric,
    Policy,
    Status,
    Target,
    parse_threshold,
)
from slakeeper.services.evaluations import ticket_document

__all__ = [
    "ALWAYS",
    "BH",
    "H",
    "Log",
    "M",
    "Run",
    "S",
    "at",
    "config",
    "evaluate_log",
    "policy",
    "us",
]

S = 1_000_000
M = 60 * S
H = 60 * M

ALWAYS = make_calendar("always", timezone="UTC", weekly="24x7")
_DAY = ["09:00-17:00"]
BH = make_calendar(
    "bh", timezone="UTC", weekly={d: _DAY for d in ("mon", "tue", "wed", "thu", "fri")}
)


def at(hhmm: str, day: int = 2, month: int = 3) -> str:
    """``2026-MM-DDTHH:MM[:SS]Z``; 2026-03-02 is a Monday."""
    if hhmm.count(":") == 1:
        hhmm += ":00"
    return f"2026-{month:02d}-{day:02d}T{hhmm}Z"


def us(text: str) -> int:
    """An instant's UTC microseconds."""
    return to_us(parse_instant(text))


TargetSpec = int | tuple[int, int | None] | Target


def _target(spec: TargetSpec) -> Target:
    if isinstance(spec, Target):
        return spec
    if isinstance(spec, tuple):
        return Target(spec[0], spec[1])
    return Target(spec)


def policy(
    id: str = "default",
    *,
    targets: Mapping[str, Mapping[str, TargetSpec]] | None = None,
    teams: Mapping[str, Mapping[str, TargetSpec]] | None = None,
    calendar: str = "always",
    match: Mapping[str, Any] | None = None,
    pause_on: Mapping[str, Iterable[str]] | None = None,
    warn_at: Iterable[object] | None = None,
    escalation: str | None = None,
) -> Policy:
    """A resolved policy; metric names and statuses as strings, targets as µs (or (sla, obj))."""
    return Policy(
        id=id,
        match=None
        if match is None
        else Match(
            equals={k: tuple(v) if isinstance(v, list | tuple) else (v,) for k, v in match.items()}
        ),
        calendar=calendar,
        targets={
            sev: {Metric(m): _target(t) for m, t in metrics.items()}
            for sev, metrics in (targets or {}).items()
        },
        teams={
            sev: {team: _target(t) for team, t in by_team.items()}
            for sev, by_team in (teams or {}).items()
        },
        pause_on={
            Metric(m): frozenset(Status(s) for s in statuses)
            for m, statuses in (pause_on or {}).items()
        },
        warn_at=None if warn_at is None else tuple(parse_threshold(w) for w in warn_at),
        escalation=escalation,
    )


def config(
    *policies: Policy,
    calendars: Iterable[Calendar] = (ALWAYS, BH),
    accounts: Mapping[str, str | None] | None = None,
    escalation_paths: Mapping[str, Iterable[object]] | None = None,
) -> Configuration:
    """A configuration; ``accounts`` maps account id to tier; paths map id to step thresholds."""
    return Configuration(
        calendars={c.id: c for c in calendars},
        policies=tuple(policies),
        accounts={a: Account(a, tier=tier) for a, tier in (accounts or {}).items()},
        escalation_paths={
            name: EscalationPath(
                name,
                tuple(EscalationStep(parse_threshold(s, allow_breach=True)) for s in steps),
            )
            for name, steps in (escalation_paths or {}).items()
        },
    )


class Log:
    """An event log under construction; every method appends one event and returns the log."""

    def __init__(self, ticket: str = "T-1") -> None:
        self.ticket = ticket
        self.raw: list[dict[str, Any]] = []

    def add(self, type: str, when: str, *, id: str | None = None, **data: Any) -> Log:
        data.setdefault("ticket", self.ticket)
        self.raw.append({"id": id or f"e{len(self.raw) + 1}", "type": type, "at": when, **data})
        return self

    def created(self, when: str, severity: str | None = "P1", **data: Any) -> Log:
        if severity is not None:
            data["severity"] = severity
        return self.add("created", when, **data)

    def customer(self, when: str, **data: Any) -> Log:
        return self.add("message", when, author="customer", **data)

    def agent(self, when: str, **data: Any) -> Log:
        return self.add("message", when, author="agent", **data)

    def note(self, when: str, **data: Any) -> Log:
        """An internal agent note (not public)."""
        return self.add("message", when, author="agent", public=False, **data)

    def status(self, when: str, status: str, **data: Any) -> Log:
        return self.add("status", when, status=status, **data)

    def update(self, when: str, **fields: Any) -> Log:
        return self.add("update", when, fields=fields)

    def assign(self, when: str, **data: Any) -> Log:
        return self.add("assign", when, **data)

    def csat(self, when: str, score: float = 5) -> Log:
        return self.add("csat", when, score=score)

    def events(self) -> list[Event]:
        """Parsed events, lines numbered from 1 in input order."""
        return [parse_event(data, line) for line, data in enumerate(self.raw, start=1)]


@dataclass
class Run:
    """An evaluation rendered as ``evaluate`` prints it."""

    tickets: dict[str, dict[str, Any]]
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def doc(self) -> dict[str, Any]:
        """The only ticket's document."""
        assert len(self.tickets) == 1, list(self.tickets)
        return next(iter(self.tickets.values()))

    def clocks(self, metric: str | None = None, ticket: str | None = None) -> list[dict[str, Any]]:
        doc = self.tickets[ticket] if ticket is not None else self.doc
        return [c for c in doc["clocks"] if metric is None or c["metric"] == metric]

    def clock(
        self, metric: str, cycle: int = 1, team: str | None = None, ticket: str | None = None
    ) -> dict[str, Any]:
        found = [
            c for c in self.clocks(metric, ticket) if c["cycle"] == cycle and c["team"] == team
        ]
        assert len(found) == 1, (metric, cycle, team, self.clocks(ticket=ticket))
        return found[0]

    @property
    def messages(self) -> list[str]:
        return [str(d) for d in self.diagnostics]


def evaluate_log(log: Log | list[Event], cfg: Configuration, now: str | int) -> Run:
    """Evaluate a log at ``now`` and render each ticket as ``evaluate`` does."""
    events = log.events() if isinstance(log, Log) else log
    now_us = us(now) if isinstance(now, str) else now
    result = evaluate(events, cfg, now_us)
    return Run({r.ticket: ticket_document(r, now_us) for r in result.tickets}, result.diagnostics)
