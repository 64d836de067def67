"""A hand-built history whose answers are worked out by hand (tests/history).

Calendar 24x7, so business time is wall time. At NOW (2026-03-10T12:00Z):

- T1..T10: P2 tickets of acme (enterprise), created 5 h before NOW, answered by an agent
  after 10, 20, 30, 40, 50, 60, 70, 80, 89m01s and 100 minutes. Their first responses took
  (in whole minutes, rounded up) 10, 20, ..., 80, 90, 100; under CURRENT (2 h) all are met.
- T11: a P2 acme ticket created 95 minutes before NOW with no reply: its first response is
  running, 95 minutes old.
- B1..B3: P2 tickets of beta (standard), answered after 5 minutes: a group of 3.

Resolution (8 h) runs on every ticket and is decided on none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

NOW = "2026-03-10T12:00:00Z"
NOW_US = 1_773_144_000_000_000  # NOW in µs
MINUTE = 60_000_000

CURRENT = """\
calendars:
  always: {timezone: UTC, weekly: 24x7}
tiers: [enterprise, standard]
accounts:
  acme:
    name: Acme Corp
    tier: enterprise
    contract:
      commitment: 0.95
      monthly_fee: 1000.0
      credits: [{below: 0.95, credit: 0.05}, {below: 0.6, credit: 0.25}]
  beta: {name: Beta, tier: standard}
policies:
  - id: all
    calendar: always
    targets:
      P2: {first_response: 2h, resolution: 8h}
"""

# The proposal: P2 first response within 1 h instead of 2 h; nothing else changes.
PROPOSED = CURRENT.replace("P2: {first_response: 2h,", "P2: {first_response: 1h,")

REPLIES = ["10m", "20m", "30m", "40m", "50m", "60m", "70m", "80m", "89m01s", "100m"]


def _at(us: int) -> str:
    from slakeeper.core.instants import format_instant

    return format_instant(us)


def _seconds(text: str) -> int:
    from slakeeper.core.durations import parse_duration

    return parse_duration(text)


def events() -> list[dict[str, Any]]:
    """Every event of the history, in time order per ticket."""
    found: list[dict[str, Any]] = []
    created = NOW_US - 300 * MINUTE
    for number, reply in enumerate(REPLIES, start=1):
        found += _ticket(f"T{number}", "acme", created + number * MINUTE, _seconds(reply))
    found += _ticket("T11", "acme", NOW_US - 95 * MINUTE, None)
    for number in range(1, 4):
        found += _ticket(f"B{number}", "beta", created + number * MINUTE, 5 * MINUTE)
    return found


def _ticket(ticket: str, account: str, at: int, reply: int | None) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = [
        {
            "id": f"{ticket}-c",
            "ticket": ticket,
            "type": "created",
            "at": _at(at),
            "severity": "P2",
            "account": account,
            "channel": "email",
        }
    ]
    if reply is not None:
        log.append(
            {
                "id": f"{ticket}-r",
                "ticket": ticket,
                "type": "message",
                "at": _at(at + reply),
                "author": "agent",
            }
        )
    return log


def write_history(folder: Path) -> tuple[Path, Path, Path]:
    """The current and proposed configurations and the events, as files in ``folder``."""
    current, proposed = folder / "current.yaml", folder / "proposed.yaml"
    current.write_text(CURRENT)
    proposed.write_text(PROPOSED)
    log = folder / "events.jsonl"
    log.write_bytes(b"\n".join(orjson.dumps(event) for event in events()) + b"\n")
    return current, proposed, log
