"""A hand-built history whose report figures are worked out by hand in tests/reports.

Policy ``std`` (24x7 UTC): P1 first response {sla 1h, objective 30m}, resolution 4h,
engineering ownership 2h; P2 first response 2h, resolution 8h; P3 has no targets.
Resolution pauses on pending. Week of Monday 2026-03-02; judged at NOW (Fri 00:00Z).

- T1 P1 enterprise: created Mon 10:00, reply 10:20, solved 11:00, CSAT 5.
- T2 P1 standard: created Mon 10:00 (new), reply 11:30, open 11:30, to engineering
  12:00, reply 15:00, solved 16:00, CSAT 2. First response breached 11:00, resolution
  14:00, engineering ownership (from 12:00) 14:00.
- T3 P2 enterprise: created Tue 09:00, escalated 10:00, never answered: first response
  breached 11:00, resolution 17:00; still new at NOW.
- T4 P2 standard: created Wed 10:00, reply 10:30, solved 11:00, reopened 12:00, reply
  13:00, solved 14:00 (resolution 3h of business time: the solved hour is paused).
- T5 P1 enterprise: created Thu 22:00, pending 22:30: first response breached 23:00,
  resolution paused after 30 minutes; open at NOW.
- T6 P2 standard: created Wed 09:00, severity P3 at 09:30: both clocks cancelled; open.
"""

from __future__ import annotations

from typing import Any

NOW = "2026-03-06T00:00:00Z"

CONFIG = """\
calendars:
  always: {timezone: UTC, weekly: 24x7}
  office:
    timezone: UTC
    weekly: {mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"],
             thu: ["09:00-17:00"], fri: ["09:00-17:00"]}
tiers: [enterprise, standard]
accounts:
  acme: {name: Acme, tier: enterprise}
  beta: {name: Beta, tier: standard}
policies:
  - id: office
    match: {channel: email}
    calendar: office
    targets:
      P2: {first_response: 4h, resolution: 16h}
  - id: std
    match: {channel: [chat, slack]}
    calendar: always
    targets:
      P1: {first_response: {sla: 1h, objective: 30m}, resolution: 4h,
           team_ownership: {engineering: 2h}}
      P2: {first_response: 2h, resolution: 8h}
    pause_on: {resolution: [pending, on_hold]}
"""


def _created(ticket: str, at: str, severity: str, account: str, **extra: Any) -> dict[str, Any]:
    fields = {"severity": severity, "account": account, "channel": "chat", "team": "support"}
    return {"id": f"{ticket}-c", "ticket": ticket, "type": "created", "at": at} | fields | extra


def _event(ticket: str, n: int, kind: str, at: str, **extra: Any) -> dict[str, Any]:
    return {"id": f"{ticket}-{n}", "ticket": ticket, "type": kind, "at": at} | extra


def _reply(ticket: str, n: int, at: str) -> dict[str, Any]:
    return _event(ticket, n, "message", at, author="agent", public=True)


def _status(ticket: str, n: int, at: str, status: str) -> dict[str, Any]:
    return _event(ticket, n, "status", at, status=status)


EVENTS: list[dict[str, Any]] = [
    _created("T1", "2026-03-02T10:00:00Z", "P1", "acme", agent="ana"),
    _reply("T1", 1, "2026-03-02T10:20:00Z"),
    _status("T1", 2, "2026-03-02T11:00:00Z", "solved"),
    _event("T1", 3, "csat", "2026-03-02T11:30:00Z", score=5),
    _created("T2", "2026-03-02T10:00:00Z", "P1", "beta"),
    _reply("T2", 1, "2026-03-02T11:30:00Z"),
    _status("T2", 2, "2026-03-02T11:30:00Z", "open"),
    _event("T2", 3, "assign", "2026-03-02T12:00:00Z", team="engineering", agent="eve"),
    _reply("T2", 4, "2026-03-02T15:00:00Z"),
    _status("T2", 5, "2026-03-02T16:00:00Z", "solved"),
    _event("T2", 6, "csat", "2026-03-02T17:00:00Z", score=2),
    _created("T3", "2026-03-03T09:00:00Z", "P2", "acme"),
    _event(
        "T3",
        1,
        "escalated",
        "2026-03-03T10:00:00Z",
        metric="first_response",
        cycle=1,
        team=None,
        step=1,
        threshold=0.5,
        path="lead",
    ),
    _created("T4", "2026-03-04T10:00:00Z", "P2", "beta"),
    _reply("T4", 1, "2026-03-04T10:30:00Z"),
    _status("T4", 2, "2026-03-04T11:00:00Z", "solved"),
    _status("T4", 3, "2026-03-04T12:00:00Z", "open"),
    _reply("T4", 4, "2026-03-04T13:00:00Z"),
    _status("T4", 5, "2026-03-04T14:00:00Z", "solved"),
    _created("T5", "2026-03-05T22:00:00Z", "P1", "acme"),
    _status("T5", 1, "2026-03-05T22:30:00Z", "pending"),
    _created("T6", "2026-03-04T09:00:00Z", "P2", "beta"),
    _event("T6", 1, "update", "2026-03-04T09:30:00Z", fields={"severity": "P3"}),
]
