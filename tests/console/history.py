"""A small hand-made history of three accounts, posted through the API, and what each of
its clocks must be at NOW, reasoned out by hand from DESIGN.md section 4 (not read from
the code): the tests of /risk, /accounts and the customer page count from this table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.console.conftest import Console

NOW = "2026-03-10T12:00:00Z"  # a Tuesday; Berlin is UTC+1, New York UTC-4 (DST since Mar 8)

CONFIG = """\
calendars:
  always: {timezone: UTC, weekly: 24x7}
tiers: [enterprise, standard]
accounts:
  acme: {name: Acme Corp, tier: enterprise, timezone: Europe/Berlin,
         contract: {commitment: 0.9, monthly_fee: 1000,
                    credits: [{below: 0.9, credit: 0.1}, {below: 0.5, credit: 0.25}]}}
  globex: {name: Globex, tier: standard, contract: {commitment: 0.99}}
policies:
  - id: all
    calendar: always
    targets:
      P1: {first_response: 1h, resolution: 4h}
    warn_at: [0.5]
"""


@dataclass(frozen=True)
class Clock:
    """One clock at NOW: its ticket's account, team and agent, start, due and outcome."""

    ticket: str
    account: str
    team: str | None
    agent: str | None
    metric: str
    started: str
    due: str
    outcome: str  # met, breached, running
    open: bool


def _t(day: str, hhmm: str) -> str:
    return f"2026-{day}T{hhmm}:00Z"


# (ticket, account, team, agent, created, agent reply or None, solved or None)
TICKETS = [
    # Sunday 1 March 00:30 in Berlin, still 28 February in UTC: acme's March, not UTC's.
    ("A1", "acme", "tier1", "agent-ana",
     _t("02-28", "23:30"), _t("02-28", "23:45"), _t("03-01", "01:00")),
    ("A2", "acme", "tier1", "agent-ana",
     _t("03-05", "10:00"), _t("03-05", "12:00"), _t("03-05", "13:00")),
    ("A3", "acme", "tier1", "agent-ana",
     _t("03-10", "09:00"), None, None),
    ("A4", "acme", "tier1", "agent-ana",
     _t("03-10", "11:30"), None, None),
    ("A5", "acme", "tier1", "agent-ana",
     _t("02-20", "10:00"), _t("02-20", "10:30"), _t("02-20", "11:00")),
    ("G1", "globex", "tier1", "agent-ana",
     _t("03-09", "19:00"), None, None),
    ("G2", "globex", "tier2", "agent-bo", _t("03-10", "00:30"), _t("03-10", "02:00"), None),
    ("G3", "globex", "tier2", "agent-bo", _t("03-10", "09:30"), _t("03-10", "09:40"), None),
    ("U1", "initech", None, None, _t("03-10", "11:45"), None, None),
]  # fmt: skip

H = 3600


def _plus(instant: str, seconds: int) -> str:
    from datetime import datetime, timedelta

    moment = datetime.fromisoformat(instant.replace("Z", "+00:00")) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def clocks() -> list[Clock]:
    """Each ticket's two clocks at NOW: first response (1h) and resolution (4h), 24x7.

    First response is met by a reply at or before its due instant, breached by a later
    reply or none; resolution is met by solving in time, breached once 4h pass unsolved,
    else running."""
    found = []
    for ticket, account, team, agent, created, reply, solved in TICKETS:
        due = _plus(created, H)
        outcome = "met" if reply is not None and reply <= due else "breached"
        if reply is None and due > NOW:
            outcome = "running"
        found.append(Clock(ticket, account, team, agent, "first_response", created, due, outcome,
                           solved is None))  # fmt: skip
        due = _plus(created, 4 * H)
        outcome = "met" if solved is not None and solved <= due else "running"
        if solved is None and due <= NOW:
            outcome = "breached"
        found.append(Clock(ticket, account, team, agent, "resolution", created, due, outcome,
                           solved is None))  # fmt: skip
    return found


def events() -> list[dict[str, Any]]:
    """The events of TICKETS, in time order."""
    found: list[dict[str, Any]] = []
    for ticket, account, team, agent, created, reply, solved in TICKETS:
        fields: dict[str, Any] = {"severity": "P1", "account": account, "channel": "email",
                                  "subject": f"Subject of {ticket}"}  # fmt: skip
        if team:
            fields |= {"team": team, "agent": agent}
        found.append({"id": f"{ticket}-c", "ticket": ticket, "type": "created", "at": created}
                     | fields)  # fmt: skip
        if reply:
            found.append({"id": f"{ticket}-r", "ticket": ticket, "type": "message", "at": reply,
                          "author": "agent"})  # fmt: skip
        if solved:
            found.append({"id": f"{ticket}-s", "ticket": ticket, "type": "status", "at": solved,
                          "status": "solved"})  # fmt: skip
    return sorted(found, key=lambda event: event["at"])


def load(console: Console) -> None:
    """The configuration and the history, posted at NOW."""
    service = console.service
    service.clock.set(NOW)
    assert service.put_config(CONFIG).status_code in (200, 201)
    answer = service.post_events(events())
    assert answer.status_code == 200, answer.text
