"""Properties of clock evaluation over random event logs (DESIGN.md sections 3 and 4).

1. Future events never change the past: evaluating the whole log at ``t`` equals evaluating
   only the events at or before ``t``.
2. With distinct instants and ids, the input order of a log does not matter.
3. Under a policy that never changes, a clock's elapsed time never exceeds the calendar's
   open time between its start and its end (fulfilment, cancellation or now), and elapsed
   plus paused time is exactly that open time.
4. Changing a ticket's severity or tier back and forth while it is solved, without reopening
   it, never changes any of its clocks.
5. After a solve, changes while solved and a reopen, the resolution clock agrees with an
   independent minute-by-minute reading of DESIGN.md section 4.
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


@given(logs(), st.data())
def test_changes_while_solved_without_a_reopen_never_change_a_clock(
    raw: list[dict[str, Any]], data: Any
) -> None:
    # Solve one ticket right after one of its events and keep it solved (its later status
    # events go); then insert severity and tier changes anywhere after the solve.
    ticket = data.draw(st.sampled_from(sorted({e["ticket"] for e in raw})))
    cut = data.draw(st.sampled_from([i for i, e in enumerate(raw) if e["ticket"] == ticket]))
    solve = {"id": "solve", "ticket": ticket, "type": "status", "status": "solved"}
    later = [e for e in raw[cut + 1 :] if e["ticket"] != ticket or e["type"] != "status"]
    solved = [*raw[: cut + 1], {**solve, "at": raw[cut]["at"]}, *later]
    changed = list(solved)
    for n in range(data.draw(st.integers(1, 6))):
        position = data.draw(st.integers(cut + 2, len(changed)))
        field = data.draw(st.sampled_from(["severity", "severity", "account_tier"]))
        values = ["P1", "P2", "P3", "P4"] if field == "severity" else ["enterprise", "standard"]
        change = {
            "id": f"change{n}",
            "ticket": ticket,
            "type": "update",
            "at": changed[position - 1]["at"],
            "fields": {field: data.draw(st.sampled_from(values))},
        }
        changed.insert(position, change)
    now = _last(raw) + data.draw(st.sampled_from([0, 7 * M, 3 * H, 2 * 24 * H]))
    before, after = _docs(solved, CHANGING, now), _docs(changed, CHANGING, now)
    assert before.keys() == after.keys()
    for name, doc in before.items():
        if name != ticket:
            assert after[name] == doc
        else:  # the policy may differ (a tier change); nothing the clocks say may
            same = ("status", "clocks", "next_action_at", "escalations_due")
            assert {k: after[name][k] for k in same} == {k: doc[k] for k in same}


# ---- an independent reading of a reopen after changes while solved ----------------------------

SOLVED_TARGETS = {
    "P1": {"resolution": 4 * H},
    "P2": {"resolution": (16 * H, 8 * H)},
    "P3": {"resolution": 40 * H},
    "P4": {"first_response": H},  # no resolution target
}
SOLVED_CFG = {
    name: config(policy(calendar=name, targets=SOLVED_TARGETS, warn_at=[0.5]))
    for name in ("always", "bh")
}
_MINUTE = M  # instants in this test are whole minutes


def _open(calendar: str, minute: int) -> bool:
    """Is the minute starting at ``minute`` (µs) open? 24x7, or Mon-Fri 09:00-17:00 UTC."""
    if calendar == "always":
        return True
    day, rest = divmod(minute // _MINUTE, 24 * 60)
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday
    return weekday < 5 and 9 * 60 <= rest < 17 * 60


def _count(calendar: str, start: int, end: int) -> int:
    """Open µs in ``[start, end)`` (whole minutes), counted minute by minute."""
    return sum(_MINUTE for m in range(start, end, _MINUTE) if _open(calendar, m))


def _reach(calendar: str, start: int, duration: int) -> int:
    """The earliest instant by which ``duration`` (> 0) of open time has passed since ``start``."""
    t, counted = start, 0
    while counted < duration:
        counted += _MINUTE if _open(calendar, t) else 0
        t += _MINUTE
    return t


@given(
    st.sampled_from(["always", "bh"]),
    st.sampled_from(["P1", "P2", "P3"]),
    st.integers(0, 60 * 60),
    st.lists(st.tuples(st.integers(0, 24 * 60), st.sampled_from(["P1", "P2", "P3", "P4"]))),
    st.integers(0, 48 * 60),
    st.integers(0, 48 * 60),
)
def test_a_reopen_after_changes_while_solved_follows_the_target_in_force(
    calendar: str,
    severity: str,
    solved_after: int,
    changes: list[tuple[int, str]],
    reopen_after: int,
    now_after: int,
) -> None:
    created = BASE + 60 * M  # Friday 09:00
    solved = created + solved_after * M
    raw: list[dict[str, Any]] = [{"type": "created", "at": created, "severity": severity}]
    raw.append({"type": "status", "at": solved, "status": "solved"})
    t = solved
    for gap, new in changes:
        t += gap * M
        raw.append({"type": "update", "at": t, "fields": {"severity": new}})
    reopen = t + reopen_after * M
    raw.append({"type": "status", "at": reopen, "status": "open"})
    now = reopen + now_after * M
    events = [
        {**e, "id": f"e{i}", "ticket": "T", "at": format_instant(e["at"])}
        for i, e in enumerate(raw)
    ]
    clocks = _docs(events, SOLVED_CFG[calendar], now)["T"]["clocks"]
    [clock] = [c for c in clocks if c["metric"] == "resolution"]
    final = changes[-1][1] if changes else severity
    elapsed = _count(calendar, created, solved)
    old_sla = _us_of(SOLVED_TARGETS[severity]["resolution"])
    new_target = SOLVED_TARGETS[final].get("resolution")
    # the solved spell counts as paused; nothing pauses the clock after the reopen
    expected: dict[str, Any] = {"fulfilled_at": None, "paused_us": _count(calendar, solved, reopen)}
    if solved > _reach(calendar, created, old_sla):  # breached before the solve: stays so
        expected |= {"status": "breached", "breached_at": _reach(calendar, created, old_sla)}
    elif new_target is None:
        expected |= {"status": "cancelled", "cancelled_at": reopen, "breached_at": None}
    elif elapsed >= _us_of(new_target):
        expected |= {"status": "breached", "breached_at": reopen, "due_at": reopen}
    else:
        due = _reach(calendar, reopen, _us_of(new_target) - elapsed)
        status = "breached" if now >= due else "running"
        expected |= {"status": status, "due_at": due, "breached_at": due if now >= due else None}
    if new_target is not None and "cancelled_at" not in expected:
        expected["target_seconds"] = _us_of(new_target)
        expected["elapsed_us"] = elapsed + _count(calendar, reopen, now)
    shown = {
        "status": clock["status"],
        "fulfilled_at": clock["fulfilled_at"],
        "breached_at": _instant(clock["breached_at"]),
        "due_at": _instant(clock["due_at"]),
        "cancelled_at": _instant(clock["cancelled_at"]),
        "target_seconds": _us(clock["target_seconds"]),
        "elapsed_us": _us(clock["elapsed_seconds"]),
        "paused_us": _us(clock["paused_seconds"]),
    }
    assert {k: shown[k] for k in expected} == expected, (raw, clock)


def _us_of(target: Any) -> int:
    return int(target[0] if isinstance(target, tuple) else target)


def _instant(text: str | None) -> int | None:
    return None if text is None else us(text)
