"""Properties of clock evaluation over random event logs (DESIGN.md sections 3 and 4).

1. Future events never change the past: evaluating the whole log at ``t`` equals evaluating
   only the events at or before ``t``.
2. With distinct instants and ids, the input order of a log does not matter.
3. Under a policy that never changes, a clock's elapsed time never exceeds the calendar's
   open time between its start and its end (fulfilment, cancellation or now), and elapsed
   plus paused time is exactly that open time.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from slakeeper.core.evaluation import evaluate
from slakeeper.core.events import parse_event
from slakeeper.core.instants import format_instant
from slakeeper.core.timelines import between_us
from tests.core.clockkit import ALWAYS, BH, H, M, S, config, policy, us

BASE = us("2026-03-06T08:00:00Z")  # a Friday: logs cross a weekend on the business calendar

TARGETS = {
    "P1": {
        "first_response": (H, 30 * M),
        "next_response": 30 * M,
        "periodic_update": 2 * H,
        "resolution": 4 * H,
    },
    "P2": {"first_response": 4 * H, "resolution": (16 * H, 8 * H)},
    "P3": {"resolution": 40 * H},
}
TEAMS = {"P1": {"support": H, "engineering": 2 * H}, "P2": {"engineering": 8 * H}}


def _cfg(calendar: str) -> Any:
    return config(
        policy(
            "enterprise",
            match={"account_tier": "enterprise"},
            calendar="bh",
            targets=TARGETS,
            teams=TEAMS,
            warn_at=[0.5, 0.75, "10m before"],
            escalation="path",
        ),
        policy(
            "standard",
            calendar=calendar,
            targets=TARGETS,
            teams=TEAMS,
            pause_on={"first_response": ["on_hold"]},
            escalation="path",
        ),
        escalation_paths={"path": [0.5, "breach"]},
    )


CHANGING = _cfg("always")
FIXED = {"always": _cfg("always"), "bh": _cfg("bh")}

STATUSES = ["new", "open", "pending", "on_hold", "solved", "open", "closed"]
TEAM_NAMES = ["support", "engineering", "billing", None]


def _action(draw: Any, *, policy_changes: bool) -> dict[str, Any]:
    kinds = ["customer", "agent", "note", "status", "assign", "csat"]
    if policy_changes:
        kinds += ["severity", "tier"]
    kind = draw(st.sampled_from(kinds))
    if kind == "customer":
        return {"type": "message", "author": "customer"}
    if kind == "agent":
        return {"type": "message", "author": "agent"}
    if kind == "note":
        return {"type": "message", "author": "agent", "public": False}
    if kind == "status":
        return {"type": "status", "status": draw(st.sampled_from(STATUSES))}
    if kind == "assign":
        return {"type": "assign", "team": draw(st.sampled_from(TEAM_NAMES))}
    if kind == "csat":
        return {"type": "csat", "score": 4}
    if kind == "severity":
        return {"type": "update", "fields": {"severity": draw(st.sampled_from(["P1", "P2", "P3"]))}}
    tier = draw(st.sampled_from(["enterprise", "standard"]))
    return {"type": "update", "fields": {"account_tier": tier}}


@st.composite
def logs(
    draw: Any, *, distinct: bool = False, policy_changes: bool = True, tickets: int = 3
) -> list[dict[str, Any]]:
    """A valid log: per ticket a `created` first, then actions; instants increase (or tie)."""
    count = draw(st.integers(1, tickets))
    created: set[str] = set()
    t = BASE
    out: list[dict[str, Any]] = []
    for n in range(draw(st.integers(1, 25))):
        low = 1 if distinct else 0
        t += draw(st.sampled_from([low, 1, 5, 30, 90, 600, 1440])) * M
        t += draw(st.integers(0, 59)) * S if draw(st.booleans()) else 0
        ticket = f"T-{draw(st.integers(1, count))}"
        if ticket not in created:
            created.add(ticket)
            data: dict[str, Any] = {
                "type": "created",
                "severity": "P1"
                if not policy_changes
                else draw(st.sampled_from(["P1", "P2", "P3"])),
                "author": draw(st.sampled_from(["customer", "customer", "agent"])),
            }
            if policy_changes:
                data["account_tier"] = draw(st.sampled_from(["enterprise", "standard"]))
            team = draw(st.sampled_from(TEAM_NAMES))
            if team is not None:
                data["team"] = team
        else:
            data = _action(draw, policy_changes=policy_changes)
        out.append({"id": f"e{n}", "ticket": ticket, "at": format_instant(t), **data})
    return out


def _docs(raw: list[dict[str, Any]], cfg: Any, now: int) -> dict[str, Any]:
    from slakeeper.services.evaluations import ticket_document

    events = [parse_event(data, line) for line, data in enumerate(raw, start=1)]
    result = evaluate(events, cfg, now)
    return {r.ticket: ticket_document(r, now) for r in result.tickets}


def _last(raw: list[dict[str, Any]]) -> int:
    return max(us(e["at"]) for e in raw)


@given(logs(), st.data())
def test_future_events_never_change_the_past(raw: list[dict[str, Any]], data: Any) -> None:
    instants = sorted({us(e["at"]) for e in raw})
    choice = data.draw(st.sampled_from(instants))
    now = choice + data.draw(st.sampled_from([0, 0, 1, 7 * M, 3 * H, 2 * 24 * H]))
    past = [e for e in raw if us(e["at"]) <= now]
    assert _docs(raw, CHANGING, now) == _docs(past, CHANGING, now)


@given(logs(distinct=True), st.randoms(use_true_random=False), st.integers(0, 3 * 24 * 60))
def test_input_order_does_not_matter_with_distinct_instants(
    raw: list[dict[str, Any]], rnd: random.Random, extra_minutes: int
) -> None:
    now = _last(raw) + extra_minutes * M
    shuffled = list(raw)
    rnd.shuffle(shuffled)
    assert _docs(raw, CHANGING, now) == _docs(shuffled, CHANGING, now)


def _us(text: Any) -> int:
    return int(Decimal(str(text)) * 1_000_000)


@given(
    logs(policy_changes=False),
    st.sampled_from(["always", "bh"]),
    st.integers(0, 3 * 24 * 60),
)
def test_elapsed_never_exceeds_open_time(
    raw: list[dict[str, Any]], calendar: str, extra_minutes: int
) -> None:
    now = _last(raw) + extra_minutes * M
    calendars = {"always": ALWAYS, "bh": BH}
    for doc in _docs(raw, FIXED[calendar], now).values():
        assert doc["policy"] == "standard"
        for clock in doc["clocks"]:
            assert clock["calendar"] == calendar
            start = us(clock["started_at"])
            end = now
            for key in ("fulfilled_at", "cancelled_at"):
                if clock[key] is not None:
                    end = us(clock[key])
            open_time = between_us(calendars[calendar], start, end)
            elapsed, paused = _us(clock["elapsed_seconds"]), _us(clock["paused_seconds"])
            assert 0 <= elapsed <= open_time, clock
            assert elapsed + paused == open_time, clock
            if clock["breached_at"] is not None:
                assert elapsed >= _us(clock["target_seconds"]), clock
