"""A hand-built history of one account with a contract, its figures worked out by hand.

Calendar ``office``: Monday to Friday 09:00-17:00 UTC. Policy ``acme``: P1 first
response 1h, resolution 4h; resolution pauses on pending and on_hold. Account ``acme``
(Europe/Berlin) commits to 80% with a monthly fee of 10,000 and credit rows below 0.8 →
5%, below 0.625 → 10%, below 0.5 → 25%. Judged at NOW, Thursday 5 March 2026 12:00Z.

- A0 Fri 27 Feb 09:00, reply 10:30 (first response breached 10:00, 30 min over), solved
  11:00 (resolution met, 2h).
- A1 Mon 2 Mar 09:00, reply 09:30 (met), pending 10:00, open 11:00, solved 12:00:
  resolution met with 2h elapsed and 60 min paused on pending.
- A2 Mon 2 Mar 16:00, reply Tue 10:00: first response breached Mon 17:00 (the hour ends at
  closing time), 60 min over at the reply (16-17 and 9-10). On hold Tue 10:30-14:30,
  solved Tue 16:00: resolution 60 + 90 + 90 = 240 min, exactly its 4h target: met (a
  fulfilment at the due instant is met); 240 min paused on on_hold.
- A3 Wed 4 Mar 09:00, reply 09:10 (met), never solved: resolution breached Wed 13:00, at
  NOW 8h + 3h = 660 min elapsed, 420 over.
- A4 Thu 5 Mar 10:00, no reply: first response breached 11:00, 60 min over at NOW;
  resolution running (2h).
- A5 Thu 5 Mar 11:30, reply 11:45 (met), pending 11:50: resolution paused, 10 min paused
  on pending at NOW; still running.
- B1 (account beta, no contract, no policy) is never counted.

March (default period): first response met A1 A3 A5, breached A2 A4; resolution met A1
A2, breached A3, running A4 A5: 5 met, 3 breached, 0.625: under 0.8 but not under 0.625
(``below`` is strict), so 5% of 10,000 = 500. Wed-Thu only: met A3 A5 (first response),
breached A4 (first response) and A3 (resolution): 0.5, under 0.8 and 0.625, not under
0.5: the lowest row it is under gives 10% = 1,000 (rows do not stack: not 15%).
February: A0 1 met, 1 breached: 0.5 → 1,000; February and March together owe 1,500
(month by month), not the 1,000 that pooling both months (6/10) would give.
"""

from __future__ import annotations

from typing import Any

NOW = "2026-03-05T12:00:00Z"

CONFIG = """\
calendars:
  office:
    timezone: UTC
    weekly: {mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"],
             thu: ["09:00-17:00"], fri: ["09:00-17:00"]}
tiers: [enterprise, standard]
accounts:
  acme:
    name: Acme Corp
    tier: enterprise
    timezone: Europe/Berlin
    contract:
      commitment: 0.8
      monthly_fee: 10000
      credits: [{below: 0.8, credit: 0.05}, {below: 0.625, credit: 0.10},
                {below: 0.5, credit: 0.25}]
  beta: {name: Beta, tier: standard}
policies:
  - id: acme
    match: {account: acme}
    calendar: office
    targets:
      P1: {first_response: 1h, resolution: 4h}
    pause_on: {resolution: [pending, on_hold]}
"""


def _created(ticket: str, at: str, account: str = "acme") -> dict[str, Any]:
    return {"id": f"{ticket}-c", "ticket": ticket, "type": "created", "at": at,
            "severity": "P1", "account": account, "channel": "email"}  # fmt: skip


def _reply(ticket: str, n: int, at: str) -> dict[str, Any]:
    return {"id": f"{ticket}-{n}", "ticket": ticket, "type": "message", "at": at,
            "author": "agent", "public": True}  # fmt: skip


def _status(ticket: str, n: int, at: str, status: str) -> dict[str, Any]:
    return {"id": f"{ticket}-{n}", "ticket": ticket, "type": "status", "at": at, "status": status}


EVENTS: list[dict[str, Any]] = [
    _created("A0", "2026-02-27T09:00:00Z"),
    _reply("A0", 1, "2026-02-27T10:30:00Z"),
    _status("A0", 2, "2026-02-27T11:00:00Z", "solved"),
    _created("A1", "2026-03-02T09:00:00Z"),
    _reply("A1", 1, "2026-03-02T09:30:00Z"),
    _status("A1", 2, "2026-03-02T10:00:00Z", "pending"),
    _status("A1", 3, "2026-03-02T11:00:00Z", "open"),
    _status("A1", 4, "2026-03-02T12:00:00Z", "solved"),
    _created("A2", "2026-03-02T16:00:00Z"),
    _reply("A2", 1, "2026-03-03T10:00:00Z"),
    _status("A2", 2, "2026-03-03T10:30:00Z", "on_hold"),
    _status("A2", 3, "2026-03-03T14:30:00Z", "open"),
    _status("A2", 4, "2026-03-03T16:00:00Z", "solved"),
    _created("A3", "2026-03-04T09:00:00Z"),
    _reply("A3", 1, "2026-03-04T09:10:00Z"),
    _created("A4", "2026-03-05T10:00:00Z"),
    _created("A5", "2026-03-05T11:30:00Z"),
    _reply("A5", 1, "2026-03-05T11:45:00Z"),
    _status("A5", 2, "2026-03-05T11:50:00Z", "pending"),
    _created("B1", "2026-03-02T09:00:00Z", account="beta"),
    _reply("B1", 1, "2026-03-02T09:05:00Z"),
]
