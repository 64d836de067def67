"""A small synthetic ticket history for the replay benchmark (bench/replay.py).

``write_history(path, tickets, seed)`` writes a JSONL event log (DESIGN.md section 5) in
global ``at`` order, about ten events per ticket: customer and agent replies, internal
notes, ``pending`` and ``on_hold`` pauses, reassignments between teams, severity changes,
tier upgrades, solves, reopens, closes and CSAT scores. Tickets are created over the first
half of 2026; those created near ``NOW`` are still open at it. Every log is valid: created
first, statuses from new/open/pending/on_hold/solved/closed, authors customer/agent, nothing
after ``closed`` but ``csat``, nothing after ``NOW``.

``ticket_events(rng, ticket, count)`` makes one long-lived ticket with exactly ``count``
events (as dicts), for the live-service measurement.

Run it alone to look at a sample: ``.venv/bin/python bench/history.py --tickets 3``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["NOW", "NOW_TEXT", "ticket_events", "write_history"]

SECOND = 1
MINUTE = 60
HOUR = 3600
DAY = 86_400
START = 1_767_571_200  # 2026-01-05T00:00:00Z, a Monday
NOW = 1_782_864_000  # 2026-07-01T00:00:00Z
NOW_TEXT = "2026-07-01T00:00:00Z"
CREATED_SPAN = NOW - START - 2 * DAY  # the last tickets open two days before NOW

SEVERITIES = ("P1", "P2", "P3", "P4")
SEVERITY_WEIGHTS = (4, 18, 48, 30)
# Mean wall-clock delay of an agent reply, per severity (seconds).
AGENT_DELAY = {"P1": 20 * MINUTE, "P2": 90 * MINUTE, "P3": 5 * HOUR, "P4": 12 * HOUR}
TIERS = ("enterprise", "mid_market", "standard")
TIER_WEIGHTS = (25, 35, 40)
REGIONS = ("us", "eu")
CHANNELS = ("email", "chat", "slack", "web", "phone")
PRODUCTS = ("exports", "billing", "api", "dashboard", "mobile", "sso")
PLANS = ("free", "pro", "business", "enterprise")
ESCALATION_TEAMS = ("engineering", "tier2", "billing")
AGENTS = tuple(f"agent{n:02}" for n in range(40))
SUBJECTS = (
    "Export fails",
    "Cannot log in",
    "Invoice is wrong",
    "API returns 500",
    "Dashboard is slow",
    "Feature request",
    "SSO misconfigured",
    "Data missing after sync",
)


def _stamp(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


class _Ticket:
    """Builds one ticket's events in time order, stopping at ``NOW``."""

    def __init__(self, rng: random.Random, ticket: str, at: int, limit: int | None) -> None:
        self.rng = rng
        self.ticket = ticket
        self.t = at
        self.limit = limit  # exact event count wanted (live-service tickets), else None
        self.events: list[dict[str, Any]] = []
        self.status = "new"
        self.severity = "P3"
        self.team = "support"

    @property
    def full(self) -> bool:
        return self.t > NOW or (self.limit is not None and len(self.events) >= self.limit)

    def after(self, mean: float, floor: int = MINUTE) -> None:
        self.t += max(floor, int(self.rng.expovariate(1 / mean)))

    def add(self, kind: str, **body: Any) -> bool:
        """Append an event at the current time; False (and nothing added) once full."""
        if self.full:
            return False
        self.events.append({"ticket": self.ticket, "type": kind, "at": self.t, **body})
        return True

    def message(self, author: str, public: bool = True) -> bool:
        if public:
            return self.add("message", author=author)
        return self.add("message", author=author, public=False)

    def set_status(self, status: str) -> bool:
        if status == self.status or not self.add("status", status=status):
            return False
        self.status = status
        return True


def _created(t: _Ticket) -> None:
    rng = t.rng
    t.severity = rng.choices(SEVERITIES, SEVERITY_WEIGHTS)[0]
    tier = rng.choices(TIERS, TIER_WEIGHTS)[0]
    account = f"acct-{rng.randrange(2000):04}"
    body: dict[str, Any] = {
        "severity": t.severity,
        "account": account,
        "account_tier": tier,
        "channel": rng.choice(CHANNELS),
        "subject": rng.choice(SUBJECTS),
        "team": "support",
        "plan": rng.choice(PLANS),
        "product": rng.choice(PRODUCTS),
        "custom": {"region": rng.choices(REGIONS, (6, 4))[0]},
    }
    if rng.random() < 0.3:
        body["tags"] = rng.sample(("vip", "outage", "renewal", "beta", "security"), 2)
    if rng.random() < 0.05:
        body["author"] = "agent"  # opened by an agent on the customer's behalf
    t.add("created", **body)


def _conversation(t: _Ticket, rounds: int) -> None:
    """Agent/customer exchanges with pauses, reassignments and severity changes."""
    rng = t.rng
    for _ in range(rounds):
        if t.full:
            return
        t.after(AGENT_DELAY[t.severity])
        if rng.random() < 0.15:
            t.message("agent", public=False)  # an internal note: no clock
            t.after(10 * MINUTE)
        if t.status == "new":
            t.set_status("open")
        if rng.random() < 0.12 and t.team == "support":
            t.after(15 * MINUTE)
            t.team = rng.choice(ESCALATION_TEAMS)
            t.add("assign", team=t.team, agent=rng.choice(AGENTS))
        elif rng.random() < 0.08 and t.team != "support":
            t.after(2 * HOUR)
            t.team = "support"
            t.add("assign", team="support", agent=rng.choice(AGENTS))
        elif rng.random() < 0.05:
            t.add("assign", agent=rng.choice(AGENTS))  # same team, another agent
        if rng.random() < 0.05:
            index = SEVERITIES.index(t.severity) + rng.choice((-1, 1))
            t.severity = SEVERITIES[min(3, max(0, index))]
            t.add("update", fields={"severity": t.severity})
        t.message("agent")
        roll = rng.random()
        if roll < 0.3:  # waiting on the customer
            t.set_status("pending")
            t.after(DAY)
            t.message("customer")
            t.set_status("open")
        elif roll < 0.38:  # waiting on a third party
            t.set_status("on_hold")
            t.after(2 * DAY)
            t.set_status("open")
        else:
            t.after(4 * HOUR)
            t.message("customer")
            if rng.random() < 0.15:
                t.after(20 * MINUTE)
                t.message("customer")  # a follow-up joins the open next-response cycle
        if rng.random() < 0.02 and t.severity != "P1":
            t.after(HOUR)
            t.add("update", fields={"account_tier": "enterprise"})  # upgraded: another policy


def _solve(t: _Ticket) -> None:
    rng = t.rng
    t.after(2 * HOUR)
    t.message("agent")
    t.set_status("solved")
    if rng.random() < 0.12:  # the customer comes back: reopen
        t.after(DAY)
        t.message("customer")
        t.after(30 * MINUTE)
        t.set_status("open")
        _conversation(t, 1)
        t.after(3 * HOUR)
        t.message("agent")
        t.set_status("solved")
    if rng.random() < 0.55:
        t.after(3 * DAY)
        t.set_status("closed")
        if rng.random() < 0.35:
            t.after(DAY)
            t.add("csat", score=rng.choice((1, 2, 3, 4, 5, 5, 5, 4)))


def make_ticket(rng: random.Random, ticket: str, created_at: int) -> list[dict[str, Any]]:
    """One ticket's events (dicts without ids), created at ``created_at``, cut at ``NOW``."""
    t = _Ticket(rng, ticket, created_at, None)
    _created(t)
    _conversation(t, 1 + min(int(rng.expovariate(1 / 0.8)), 8))
    _solve(t)
    return t.events


def ticket_events(rng: random.Random, ticket: str, count: int) -> list[dict[str, Any]]:
    """A long-lived ticket with exactly ``count`` events (dicts with ids), all before NOW.

    It keeps conversing (with pauses, reassignments and severity changes), with a solve and
    a reopen every few dozen events, and is open at its last event, as in a live queue.
    """
    created_at = NOW - 120 * DAY
    while True:
        t = _Ticket(rng, ticket, created_at, count)
        _created(t)
        while not t.full:
            _conversation(t, 6)
            if not t.full and rng.random() < 0.5:
                t.after(HOUR)
                t.message("agent")
                t.set_status("solved")
                t.after(DAY)
                t.message("customer")
                t.set_status("open")
        if len(t.events) == count:
            break
        created_at -= 60 * DAY  # ran into NOW: start earlier
    return [{"id": f"{ticket}-e{n}", **e, "at": _stamp(e["at"])} for n, e in enumerate(t.events, 1)]


def iter_history(tickets: int, seed: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """(at, event dict without id) for every event of every ticket, tickets in order."""
    rng = random.Random(seed)
    starts = sorted(START + rng.randrange(CREATED_SPAN) for _ in range(tickets))
    for number, created_at in enumerate(starts, 1):
        for event in make_ticket(rng, f"T-{number}", created_at):
            yield event["at"], event


def write_history(path: str | Path, tickets: int, seed: int) -> int:
    """Write the history as JSONL in global ``at`` order; returns the number of events."""
    rows = list(iter_history(tickets, seed))
    rows.sort(key=lambda row: row[0])  # stable: a ticket's events keep their order
    dumps = json.dumps
    with open(path, "w", encoding="utf-8") as out:
        for number, (at, event) in enumerate(rows, 1):
            event["at"] = _stamp(at)
            out.write(dumps({"id": f"e{number}", **event}, separators=(",", ":")))
            out.write("\n")
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="-", help="JSONL file (default: stdout)")
    args = parser.parse_args(argv)
    if args.out != "-":
        count = write_history(args.out, args.tickets, args.seed)
        print(f"{count} events for {args.tickets} tickets in {args.out}", file=sys.stderr)
        return 0
    rows = sorted(iter_history(args.tickets, args.seed), key=lambda row: row[0])
    for number, (at, event) in enumerate(rows, 1):
        event["at"] = _stamp(at)
        print(json.dumps({"id": f"e{number}", **event}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
