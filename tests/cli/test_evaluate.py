"""``slakeeper evaluate`` and ``slakeeper explain`` run as real subprocesses.

Events (JSONL) and configurations are written to tmp_path; the expected clock values are
worked out by hand (DESIGN.md sections 4 and 5, docs/policies.md). Bad input gives one
``line N: …`` diagnostic per problem on stderr, evaluation goes on with the valid tickets
(exit 0), ``--strict`` turns any diagnostic into exit 2, and nothing ever shows a traceback.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

EXAMPLE_CONFIG = Path(__file__).resolve().parents[2] / "examples" / "config.yaml"
NOW = "2026-03-02T20:00:00Z"

CLOCK_FIELDS = (
    "metric",
    "cycle",
    "team",
    "status",
    "started_at",
    "due_at",
    "target_seconds",
    "elapsed_seconds",
    "paused_seconds",
    "fulfilled_at",
    "breached_at",
    "objective_seconds",
    "objective_due_at",
    "objective_status",
    "warnings",
)
INSTANT_FIELDS = (
    "started_at",
    "due_at",
    "fulfilled_at",
    "breached_at",
    "objective_due_at",
)
SECONDS_FIELDS = ("target_seconds", "elapsed_seconds", "paused_seconds", "objective_seconds")
# UTC with Z; a fraction only when non-zero, and then without trailing zeros.
INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,5}[1-9])?Z")
DIAGNOSTIC = re.compile(r"line (?P<line>\d+): (?P<message>.+)")
EXPONENT = re.compile(r"\d[eE][+-]?\d")
CONFIG_PROBLEM = re.compile(r"error: (?P<file>.+?):(?P<line>\d+): (?P<key>\S+): (?P<message>.+)")

# A small configuration of our own: every metric, two OLA teams, a 24x7 calendar.
SMALL_CONFIG = """\
calendars:
  always: {timezone: UTC, weekly: 24x7}
policies:
  - id: base
    calendar: always
    targets:
      P1: {first_response: 1h, next_response: 30m, periodic_update: 2h, resolution: 8h,
           team_ownership: {alpha: 4h, beta: 4h}}
      P2: {resolution: 1h}
    warn_at: [0.5]
"""

# The log of docs/policies.md, on the `acme-contract` policy of examples/config.yaml (P2:
# first response {sla 2h, objective 1h}, resolution 8h, paused by pending; calendar 24x7 UTC;
# warn_at [0.5, 0.75, 5m before]; escalation steps at 0.5, 0.75 and breach).
T1_LOG: list[dict[str, Any]] = [
    {
        "id": "e1",
        "ticket": "T-1",
        "type": "created",
        "at": "2026-03-02T14:05:00Z",
        "severity": "P2",
        "account": "acme",
        "channel": "slack",
        "team": "support",
    },
    {
        "id": "e2",
        "ticket": "T-1",
        "type": "message",
        "at": "2026-03-02T14:35:00Z",
        "author": "agent",
    },
    {
        "id": "e3",
        "ticket": "T-1",
        "type": "status",
        "at": "2026-03-02T15:00:00Z",
        "status": "pending",
    },
    {"id": "e4", "ticket": "T-1", "type": "status", "at": "2026-03-02T16:00:00Z", "status": "open"},
]

# Worked out by hand for T1_LOG at 20:00.
T1_FIRST_RESPONSE = {
    "metric": "first_response",
    "cycle": 1,
    "team": None,
    "status": "met",
    "started_at": "2026-03-02T14:05:00Z",
    "due_at": "2026-03-02T16:05:00Z",  # 14:05 + 2h
    "target_seconds": 7200,
    "elapsed_seconds": 1800,  # 14:05 -> 14:35
    "paused_seconds": 0,
    "fulfilled_at": "2026-03-02T14:35:00Z",
    "breached_at": None,
    "objective_seconds": 3600,
    "objective_due_at": "2026-03-02T15:05:00Z",  # 14:05 + 1h
    "objective_status": "met",
    "warnings": [],  # the first one (0.5 of 2h) would be 15:05, after the reply
}
T1_RESOLUTION = {
    "metric": "resolution",
    "cycle": 1,
    "team": None,
    "status": "running",
    "started_at": "2026-03-02T14:05:00Z",
    # 55m before the pause, then 8h - 55m = 7h05m after the resume at 16:00.
    "due_at": "2026-03-02T23:05:00Z",
    "target_seconds": 28800,
    "elapsed_seconds": 17700,  # 55m + 4h (16:00 -> 20:00)
    "paused_seconds": 3600,  # pending 15:00 -> 16:00
    "fulfilled_at": None,
    "breached_at": None,
    "objective_seconds": None,
    "objective_due_at": None,
    "objective_status": None,
    # 0.5 of 8h = 4h elapsed: 55m, then 3h05m after 16:00.
    "warnings": [{"threshold": 0.5, "at": "2026-03-02T19:05:00Z"}],
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m slakeeper.cli ARGS``; never a traceback, never an internal error."""
    env = {key: value for key, value in os.environ.items() if key != "SLAKEEPER_DEBUG"}
    result = subprocess.run(
        [sys.executable, "-m", "slakeeper.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert "internal error" not in result.stderr, result.stderr
    return result


def write_events(tmp_path: Path, lines: list[dict[str, Any] | str], name: str = "ev.jsonl") -> Path:
    """A JSONL file: dicts as JSON objects, strings as written (broken lines, blank lines)."""
    path = tmp_path / name
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    path.write_text(text)
    return path


def small_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(SMALL_CONFIG)
    return path


def evaluate(
    config: Path, events: Path, *extra: str, now: str | None = NOW
) -> subprocess.CompletedProcess[str]:
    args = ["evaluate", "--config", str(config), "--events", str(events)]
    if now is not None:
        args += ["--now", now]
    return run(*args, *extra)


def documents(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    """The JSON list of an evaluate run that exited 0."""
    assert result.returncode == 0, result.stderr
    parsed = json.loads(result.stdout)
    assert isinstance(parsed, list)
    return parsed


def by_ticket(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {doc["ticket"]: doc for doc in docs}


def diagnostics(stderr: str) -> list[tuple[int, str]]:
    """Every stderr line as (line number, message); each must be a ``line N: …`` line."""
    found = []
    for text in stderr.splitlines():
        match = DIAGNOSTIC.fullmatch(text)
        assert match, f"not a 'line N: …' diagnostic: {text!r}"
        found.append((int(match["line"]), match["message"]))
    return found


def clock_view(clock: dict[str, Any]) -> dict[str, Any]:
    """The contract's fields of a clock (it may carry more, such as cancelled_at)."""
    assert set(CLOCK_FIELDS) <= set(clock), sorted(set(CLOCK_FIELDS) - set(clock))
    return {key: clock[key] for key in CLOCK_FIELDS}


def clock_order(doc: dict[str, Any]) -> list[tuple[str, str | None, int]]:
    return [(c["metric"], c["team"], c["cycle"]) for c in doc["clocks"]]


# 1. The JSON output


def test_hand_worked_clocks_of_a_small_log(tmp_path: Path) -> None:
    events = write_events(tmp_path, T1_LOG)
    result = evaluate(EXAMPLE_CONFIG, events)
    assert result.stderr == ""
    [doc] = documents(result)
    assert {"ticket", "policy", "next_action_at", "clocks"} <= set(doc)
    assert doc["ticket"] == "T-1"
    assert doc["policy"] == "acme-contract"
    # After 20:00: resolution's 0.75 warning and escalation step 2 at 6h elapsed (21:05).
    assert doc["next_action_at"] == "2026-03-02T21:05:00Z"
    # The team `support` has no OLA target and P2 has no next_response: two clocks.
    assert [clock_view(c) for c in doc["clocks"]] == [T1_FIRST_RESPONSE, T1_RESOLUTION]


def test_whole_seconds_are_json_integers(tmp_path: Path) -> None:
    result = evaluate(EXAMPLE_CONFIG, write_events(tmp_path, T1_LOG))
    [doc] = documents(result)
    for clock in doc["clocks"]:
        for key in SECONDS_FIELDS:
            value = clock[key]
            assert value is None or type(value) is int, (key, value)
    assert ".0," not in result.stdout and ".0}" not in result.stdout


def test_lead_time_threshold_is_the_configs_text_and_breach_sets_due_at(tmp_path: Path) -> None:
    result = evaluate(EXAMPLE_CONFIG, write_events(tmp_path, T1_LOG), now="2026-03-02T23:30:00Z")
    [doc] = documents(result)
    resolution = clock_view(doc["clocks"][1])
    assert resolution["metric"] == "resolution"
    assert resolution["warnings"] == [
        {"threshold": 0.5, "at": "2026-03-02T19:05:00Z"},  # 4h elapsed
        {"threshold": 0.75, "at": "2026-03-02T21:05:00Z"},  # 6h elapsed
        {"threshold": "5m before", "at": "2026-03-02T23:00:00Z"},  # 7h55m elapsed
    ]
    assert resolution["status"] == "breached"
    assert resolution["breached_at"] == "2026-03-02T23:05:00Z"
    assert resolution["due_at"] == resolution["breached_at"]
    # Elapsed keeps counting after the breach: 17700 s at 20:00, plus 3h30m.
    assert resolution["elapsed_seconds"] == 17700 + 12600
    assert resolution["paused_seconds"] == 3600
    # Every mark (warnings, escalation steps, breach) has passed: no next action.
    assert doc["next_action_at"] is None
    assert '"threshold":"5m before"' in result.stdout


def test_microsecond_seconds_are_never_in_exponent_form(tmp_path: Path) -> None:
    events = write_events(
        tmp_path,
        [
            {
                "id": "a",
                "ticket": "T-1",
                "type": "created",
                "at": "2026-03-02T14:05:00.500000Z",
                "severity": "P2",
            },
            # 15:05:00.499951+01:00 is 14:05:00.499951Z: 50 µs before --now.
            {
                "id": "b",
                "ticket": "T-2",
                "type": "created",
                "at": "2026-03-02T15:05:00.499951+01:00",
                "severity": "P2",
            },
        ],
    )
    result = evaluate(small_config(tmp_path), events, now="2026-03-02T14:05:00.500001Z")
    assert result.stderr == ""
    assert not EXPONENT.search(result.stdout), result.stdout
    compact = result.stdout.replace(" ", "")
    assert '"elapsed_seconds":0.000001' in compact
    assert '"elapsed_seconds":0.00005' in compact
    tickets = by_ticket(documents(result))
    first = tickets["T-1"]["clocks"][0]
    assert first["elapsed_seconds"] == 0.000001
    assert first["started_at"] == "2026-03-02T14:05:00.5Z"
    assert first["due_at"] == "2026-03-02T15:05:00.5Z"
    second = tickets["T-2"]["clocks"][0]
    assert second["started_at"] == "2026-03-02T14:05:00.499951Z"
    assert second["elapsed_seconds"] == 0.00005


def test_instants_are_utc_z_with_a_fraction_only_when_non_zero(tmp_path: Path) -> None:
    events = write_events(
        tmp_path,
        [
            {
                "id": "a",
                "ticket": "T-1",
                "type": "created",
                "at": "2026-03-02T09:05:00-05:00",
                "severity": "P1",
                "team": "alpha",
            },
            {
                "id": "b",
                "ticket": "T-1",
                "type": "message",
                "at": "2026-03-02T15:35:00.250+01:00",
                "author": "agent",
            },
            {
                "id": "c",
                "ticket": "T-1",
                "type": "message",
                "at": "2026-03-02T14:40:00.000Z",
                "author": "customer",
            },
        ],
    )
    [doc] = documents(evaluate(small_config(tmp_path), events))
    seen = []
    for clock in doc["clocks"]:
        for key in INSTANT_FIELDS:
            if clock[key] is not None:
                assert INSTANT.fullmatch(clock[key]), (key, clock[key])
                seen.append(clock[key])
        for warning in clock["warnings"]:
            assert INSTANT.fullmatch(warning["at"]), warning
    assert doc["next_action_at"] is None or INSTANT.fullmatch(doc["next_action_at"])
    assert "2026-03-02T14:05:00Z" in seen
    assert "2026-03-02T14:35:00.25Z" in seen  # the first response, at the agent's reply
    assert "2026-03-02T14:40:00Z" in seen  # the next response cycle, .000 dropped


def test_tickets_in_order_of_first_appearance(tmp_path: Path) -> None:
    events = write_events(
        tmp_path,
        [
            # T-B appears first, though its created comes later in the file and in time.
            {
                "id": "b2",
                "ticket": "T-B",
                "type": "message",
                "at": "2026-03-02T16:00:00Z",
                "author": "agent",
            },
            {
                "id": "a1",
                "ticket": "T-A",
                "type": "created",
                "at": "2026-03-02T15:00:00Z",
                "severity": "P2",
            },
            {
                "id": "b1",
                "ticket": "T-B",
                "type": "created",
                "at": "2026-03-02T15:30:00Z",
                "severity": "P2",
            },
            {
                "id": "c1",
                "ticket": "T-C",
                "type": "created",
                "at": "2026-03-02T09:00:00Z",
                "severity": "P2",
            },
        ],
    )
    result = evaluate(small_config(tmp_path), events)
    assert result.stderr == ""
    assert [doc["ticket"] for doc in documents(result)] == ["T-B", "T-A", "T-C"]


def test_clocks_in_order_of_metric_team_cycle(tmp_path: Path) -> None:
    at = "2026-03-02T14:{}:00Z".format
    events = write_events(
        tmp_path,
        [
            {
                "id": "e1",
                "ticket": "T-1",
                "type": "created",
                "at": at("00"),
                "severity": "P1",
                "team": "beta",
            },
            {"id": "e2", "ticket": "T-1", "type": "assign", "at": at("10"), "team": "alpha"},
            {"id": "e3", "ticket": "T-1", "type": "message", "at": at("20"), "author": "agent"},
            {"id": "e4", "ticket": "T-1", "type": "message", "at": at("30"), "author": "customer"},
            {"id": "e5", "ticket": "T-1", "type": "assign", "at": at("40"), "team": "beta"},
            {"id": "e6", "ticket": "T-1", "type": "message", "at": at("50"), "author": "agent"},
            {
                "id": "e7",
                "ticket": "T-1",
                "type": "message",
                "at": "2026-03-02T15:00:00Z",
                "author": "customer",
            },
        ],
    )
    [doc] = documents(evaluate(small_config(tmp_path), events, now="2026-03-02T16:00:00Z"))
    assert clock_order(doc) == [
        ("first_response", None, 1),
        ("next_response", None, 1),
        ("next_response", None, 2),
        ("periodic_update", None, 1),
        ("periodic_update", None, 2),
        ("resolution", None, 1),
        ("team_ownership", "alpha", 1),
        ("team_ownership", "beta", 1),  # started first, at creation, but sorts after alpha
        ("team_ownership", "beta", 2),
    ]
    status = {(c["metric"], c["team"], c["cycle"]): c for c in doc["clocks"]}
    assert status["next_response", None, 2]["status"] == "breached"  # 15:00 + 30m
    assert status["next_response", None, 2]["breached_at"] == "2026-03-02T15:30:00Z"
    assert status["team_ownership", "beta", 1]["elapsed_seconds"] == 600
    assert status["team_ownership", "beta", 2]["elapsed_seconds"] == 4800  # 14:40 -> 16:00


def test_now_defaults_to_the_current_time(tmp_path: Path) -> None:
    events = write_events(
        tmp_path,
        [
            {
                "id": "a",
                "ticket": "T-1",
                "type": "created",
                "at": "2020-01-01T00:00:00Z",
                "severity": "P2",
            },
            {
                "id": "b",
                "ticket": "T-2",
                "type": "created",
                "at": "2999-01-01T00:00:00Z",
                "severity": "P2",
            },
            {
                "id": "c",
                "ticket": "T-1",
                "type": "status",
                "at": "2999-01-01T00:00:00Z",
                "status": "solved",
            },
        ],
    )
    start = datetime(2020, 1, 1, tzinfo=UTC)
    before = (datetime.now(UTC) - start).total_seconds()
    result = evaluate(small_config(tmp_path), events, now=None)
    after = (datetime.now(UTC) - start).total_seconds()
    assert [line for line, _ in diagnostics(result.stderr)] == [2, 3]
    assert all("now" in message for _, message in diagnostics(result.stderr))
    [doc] = documents(result)  # T-2 only has an event in the future
    clock = doc["clocks"][0]
    assert clock["status"] == "breached"  # the solve in 2999 is ignored
    assert before <= clock["elapsed_seconds"] <= after


def test_events_after_now_are_ignored_with_a_diagnostic(tmp_path: Path) -> None:
    late = {
        "id": "e5",
        "ticket": "T-1",
        "type": "status",
        "at": "2026-03-02T20:00:00.000001Z",
        "status": "solved",
    }
    result = evaluate(EXAMPLE_CONFIG, write_events(tmp_path, [*T1_LOG, late]))
    [(line, message)] = diagnostics(result.stderr)
    assert line == 5 and "--now" in message
    [doc] = documents(result)
    assert [clock_view(c) for c in doc["clocks"]] == [T1_FIRST_RESPONSE, T1_RESOLUTION]


def test_an_event_at_the_created_instant_is_not_before_it(tmp_path: Path) -> None:
    events = write_events(
        tmp_path,
        [
            {
                "id": "m",
                "ticket": "T-1",
                "type": "message",
                "at": "2026-03-02T14:05:00Z",
                "author": "agent",
            },
            T1_LOG[0],
        ],
    )
    result = evaluate(EXAMPLE_CONFIG, events, "--strict")
    assert result.stderr == ""
    [doc] = documents(result)
    assert doc["clocks"][0]["fulfilled_at"] == "2026-03-02T14:05:00Z"


# 2. Bad input

CREATED_T2 = {
    "id": "t2",
    "ticket": "T-2",
    "type": "created",
    "at": "2026-03-02T14:10:00Z",
    "severity": "P2",
    "account": "acme",
    "channel": "slack",
}

# (id, lines after T1_LOG (from line 5 on), {line: pattern of its diagnostic}, tickets shown)
BAD_INPUT: list[tuple[str, list[dict[str, Any] | str], dict[int, str], list[str]]] = [
    (
        "broken-json",
        ['{"id": "t2", "ticket": "T-2", "type": "created", "at": ', CREATED_T2],
        {5: r"invalid JSON.*"},
        ["T-1", "T-2"],
    ),
    (
        "unknown-type",
        [{**CREATED_T2, "type": "reopened"}],
        {5: r"type: unknown type 'reopened'.*"},
        ["T-1"],
    ),
    (
        "missing-ticket",
        [{k: v for k, v in CREATED_T2.items() if k != "ticket"}],
        {5: r"ticket: missing required field"},
        ["T-1"],
    ),
    (
        "missing-at",
        [{k: v for k, v in CREATED_T2.items() if k != "at"}],
        {5: r"at: missing required field"},
        ["T-1"],
    ),
    (
        "naive-instant",
        [{**CREATED_T2, "at": "2026-03-02T14:10:00"}],
        {5: r"at: naive instant '2026-03-02T14:10:00'.*"},
        ["T-1"],
    ),
    (
        "unknown-status",
        [
            CREATED_T2,
            {
                "id": "t3",
                "ticket": "T-2",
                "type": "status",
                "at": "2026-03-02T14:20:00Z",
                "status": "waiting",
            },
        ],
        {6: r"status: unknown status 'waiting'.*"},
        ["T-1", "T-2"],
    ),
    (
        "unknown-author",
        [
            CREATED_T2,
            {
                "id": "t3",
                "ticket": "T-2",
                "type": "message",
                "at": "2026-03-02T14:20:00Z",
                "author": "bot",
            },
        ],
        {6: r"author: unknown author 'bot'.*"},
        ["T-1", "T-2"],
    ),
    (
        "not-an-object",
        ["[1, 2]", CREATED_T2],
        {5: r"expected a JSON object"},
        ["T-1", "T-2"],
    ),
    (
        "before-created",
        [
            CREATED_T2,
            {
                "id": "t3",
                "ticket": "T-2",
                "type": "message",
                "at": "2026-03-02T14:09:59Z",
                "author": "agent",
            },
        ],
        {6: r".*before ticket 'T-2' was created.*"},
        ["T-1", "T-2"],
    ),
    (
        "severity-without-targets",
        [{**CREATED_T2, "severity": "P3"}],
        {5: r"policy 'acme-contract' has no targets for severity 'P3'.*"},
        ["T-1", "T-2"],
    ),
    (
        "no-policy-matches",
        [{**CREATED_T2, "account": "other", "channel": "phone"}],
        {5: r"no policy matches.*"},
        ["T-1", "T-2"],
    ),
    (
        "same-id-other-payload",
        [{**T1_LOG[1], "at": "2026-03-02T14:36:00Z"}],
        {5: r"event id 'e2' was already used \(line 2\).*"},
        ["T-1"],
    ),
    (
        "no-created",
        [
            {
                "id": "t3",
                "ticket": "T-3",
                "type": "message",
                "at": "2026-03-02T14:20:00Z",
                "author": "customer",
            }
        ],
        {5: r"ticket 'T-3' has no created event.*"},
        ["T-1"],
    ),
    (
        "after-closed",
        [
            CREATED_T2,
            {
                "id": "t3",
                "ticket": "T-2",
                "type": "status",
                "at": "2026-03-02T15:00:00Z",
                "status": "closed",
            },
            {
                "id": "t4",
                "ticket": "T-2",
                "type": "message",
                "at": "2026-03-02T15:01:00Z",
                "author": "customer",
            },
            {
                "id": "t5",
                "ticket": "T-2",
                "type": "csat",
                "at": "2026-03-02T15:02:00Z",
                "score": 5,
            },  # csat after closed is fine
        ],
        {7: r".*after ticket 'T-2' was closed.*"},
        ["T-1", "T-2"],
    ),
    (
        "after-now",
        [{**CREATED_T2, "at": "2026-03-02T21:00:00Z"}],
        {5: r".*after --now.*"},
        ["T-1"],
    ),
]


@pytest.mark.parametrize(
    ("lines", "expected", "shown"),
    [pytest.param(lines, expected, shown, id=name) for name, lines, expected, shown in BAD_INPUT],
)
def test_bad_input_is_reported_by_line_and_the_rest_is_evaluated(
    tmp_path: Path,
    lines: list[dict[str, Any] | str],
    expected: dict[int, str],
    shown: list[str],
) -> None:
    events = write_events(tmp_path, [*T1_LOG, *lines])
    result = evaluate(EXAMPLE_CONFIG, events)
    found = diagnostics(result.stderr)
    assert sorted(line for line, _ in found) == sorted(expected), found
    for line, message in found:
        assert re.fullmatch(expected[line], message), (line, message)
    docs = documents(result)
    assert [doc["ticket"] for doc in docs] == shown
    t1 = by_ticket(docs)["T-1"]
    assert [clock_view(c) for c in t1["clocks"]] == [T1_FIRST_RESPONSE, T1_RESOLUTION]

    strict = evaluate(EXAMPLE_CONFIG, events, "--strict")
    assert strict.returncode == 2
    assert strict.stdout == ""
    assert diagnostics(strict.stderr) == found


def test_severity_without_targets_gives_no_clocks(tmp_path: Path) -> None:
    events = write_events(tmp_path, [*T1_LOG, {**CREATED_T2, "severity": "P3"}])
    t2 = by_ticket(documents(evaluate(EXAMPLE_CONFIG, events)))["T-2"]
    assert t2["policy"] == "acme-contract"
    assert t2["clocks"] == []
    assert t2["next_action_at"] is None


def test_after_closed_the_ticket_keeps_its_clocks_at_close(tmp_path: Path) -> None:
    events = write_events(
        tmp_path,
        [
            CREATED_T2,
            {
                "id": "t3",
                "ticket": "T-2",
                "type": "status",
                "at": "2026-03-02T15:00:00Z",
                "status": "closed",
            },
            {
                "id": "t4",
                "ticket": "T-2",
                "type": "status",
                "at": "2026-03-02T15:01:00Z",
                "status": "open",
            },
        ],
    )
    result = evaluate(EXAMPLE_CONFIG, events)
    assert [line for line, _ in diagnostics(result.stderr)] == [3]
    [doc] = documents(result)
    # closed without solved counts as solved: every clock is fulfilled at 15:00.
    assert {c["fulfilled_at"] for c in doc["clocks"]} == {"2026-03-02T15:00:00Z"}
    assert {c["status"] for c in doc["clocks"]} == {"met"}


def test_a_repeated_event_with_the_same_payload_is_ignored_silently(tmp_path: Path) -> None:
    # Compared as parsed values: the same instant written with another offset is the same.
    again = {**T1_LOG[1], "at": "2026-03-02T15:35:00+01:00"}
    result = evaluate(EXAMPLE_CONFIG, write_events(tmp_path, [*T1_LOG, again]), "--strict")
    assert result.stderr == ""
    [doc] = documents(result)
    assert [clock_view(c) for c in doc["clocks"]] == [T1_FIRST_RESPONSE, T1_RESOLUTION]


def test_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    events = write_events(tmp_path, [T1_LOG[0], "", "   ", {**CREATED_T2, "type": "nope"}])
    result = evaluate(EXAMPLE_CONFIG, events)
    assert [line for line, _ in diagnostics(result.stderr)] == [4]
    assert [doc["ticket"] for doc in documents(result)] == ["T-1"]


def test_an_empty_events_file_gives_an_empty_list(tmp_path: Path) -> None:
    result = evaluate(EXAMPLE_CONFIG, write_events(tmp_path, []), "--strict")
    assert result.stderr == ""
    assert documents(result) == []


def test_a_missing_events_file_exits_2_with_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jsonl"
    result = evaluate(EXAMPLE_CONFIG, missing)
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "nowhere.jsonl" in line


def test_explain_with_a_missing_events_file_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jsonl"
    result = run(
        "explain",
        "--config",
        str(EXAMPLE_CONFIG),
        "--events",
        str(missing),
        "--ticket",
        "T-1",
        "--now",
        NOW,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "nowhere.jsonl" in line


def test_an_invalid_config_exits_2_with_its_file_line_key_problems(tmp_path: Path) -> None:
    config = tmp_path / "broken.yaml"
    config.write_text(
        "calendars:\n"
        "  always: {timezone: Mars/Base, weekly: 24x7}\n"
        "policies:\n"
        "  - id: p\n"
        "    calendar: nope\n"
    )
    result = evaluate(config, write_events(tmp_path, T1_LOG))
    assert result.returncode == 2
    assert result.stdout == ""
    problems = [CONFIG_PROBLEM.fullmatch(line) for line in result.stderr.splitlines()]
    assert all(problems), result.stderr
    found = {(m["file"], int(m["line"]), m["key"]) for m in problems if m}
    assert found == {
        (str(config), 2, "calendars.always.timezone"),
        (str(config), 5, "policies[0].calendar"),
    }


def test_a_naive_now_exits_2_naming_the_option(tmp_path: Path) -> None:
    result = evaluate(EXAMPLE_CONFIG, write_events(tmp_path, T1_LOG), now="2026-03-02T20:00:00")
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "--now" in line and "naive" in line


# 3. --format table


def test_table_format_shows_tickets_and_metrics(tmp_path: Path) -> None:
    events = write_events(tmp_path, [*T1_LOG, {**CREATED_T2, "severity": "P3"}])
    result = evaluate(EXAMPLE_CONFIG, events, "--format", "table")
    assert result.returncode == 0, result.stderr
    for text in (
        "T-1",
        "T-2",
        "acme-contract",
        "first_response",
        "resolution",
        "running",
        "met",
        "2026-03-02T23:05:00Z",
        "17700",
        "no clocks",
    ):
        assert text in result.stdout, text
    with pytest.raises(json.JSONDecodeError):
        json.loads(result.stdout)
    assert [line for line, _ in diagnostics(result.stderr)] == [5]


# 4. explain

# A T-2 line first and a blank line, so that line numbers differ from event numbers.
EXPLAIN_LOG: list[dict[str, Any] | str] = [
    {**CREATED_T2, "id": "o1"},
    "",
    T1_LOG[0],  # e1, line 3
    {
        "id": "e2",
        "ticket": "T-1",
        "type": "status",
        "at": "2026-03-02T15:00:00Z",
        "status": "pending",
    },  # line 4
    {
        "id": "e3",
        "ticket": "T-1",
        "type": "status",
        "at": "2026-03-02T16:00:00Z",
        "status": "open",
    },  # line 5
    {
        "id": "e4",
        "ticket": "T-1",
        "type": "message",
        "at": "2026-03-02T16:30:00Z",
        "author": "agent",
    },  # line 6: first response breached at 16:05, fulfilled late
    {
        "id": "e5",
        "ticket": "T-1",
        "type": "status",
        "at": "2026-03-02T19:30:00Z",
        "status": "solved",
    },  # line 7
]
EXPLAIN_LINES = {"o1": 1, "e1": 3, "e2": 4, "e3": 5, "e4": 6, "e5": 7}
SOURCE = re.compile(r"\(event (?P<event>\S+), line (?P<line>\d+)\)\s*$")


def explain(tmp_path: Path, ticket: str) -> subprocess.CompletedProcess[str]:
    events = write_events(tmp_path, EXPLAIN_LOG)
    return run(
        "explain",
        "--config",
        str(EXAMPLE_CONFIG),
        "--events",
        str(events),
        "--ticket",
        ticket,
        "--now",
        NOW,
    )


def explained(stdout: str, clock: str, kind: str) -> list[tuple[str, int]]:
    """(event, line) of every timeline line of ``clock`` (``resolution#1``) and ``kind``."""
    found = []
    for text in stdout.splitlines():
        if f" {clock} {kind}:" in text:
            match = SOURCE.search(text)
            assert match, f"no (event, line) in {text!r}"
            found.append((match["event"], int(match["line"])))
    return found


def test_explain_names_the_event_and_line_of_every_step(tmp_path: Path) -> None:
    result = explain(tmp_path, "T-1")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert explained(out, "first_response#1", "start") == [("e1", 3)]
    assert explained(out, "resolution#1", "start") == [("e1", 3)]
    assert explained(out, "resolution#1", "pause") == [("e2", 4)]  # the pending status
    assert explained(out, "resolution#1", "resume") == [("e3", 5)]
    # Marks reached by time passing name the event that last set the clock counting.
    assert explained(out, "first_response#1", "warning") == [("e1", 3)] * 3  # 0.5, 0.75, 5m
    assert explained(out, "first_response#1", "breach") == [("e1", 3)]
    assert explained(out, "resolution#1", "warning") == [("e3", 5)]  # 0.5 at 19:05
    assert explained(out, "first_response#1", "fulfil") == [("e4", 6)]
    assert explained(out, "resolution#1", "fulfil") == [("e5", 7)]
    # Every line that names an event names it with its real line.
    for text in out.splitlines():
        match = SOURCE.search(text)
        if match:
            assert EXPLAIN_LINES[match["event"]] == int(match["line"]), text
            assert match["event"] != "o1", text  # nothing of another ticket
    breach = next(text for text in out.splitlines() if "first_response#1 breach:" in text)
    assert breach.startswith("2026-03-02T16:05:00Z")


def test_explain_an_unknown_ticket_exits_2(tmp_path: Path) -> None:
    result = explain(tmp_path, "T-404")
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "T-404" in line and "--ticket" in line


# The example on the `enterprise` policy of examples/config.yaml (24x7; P2 resolution
# 8h, P1 4h): P2 solved after 4h08m, raised to P1 while solved, reopened a day later.
SOLVED_THEN_RAISED: list[dict[str, Any] | str] = [
    {
        "id": "r1",
        "ticket": "T-9",
        "type": "created",
        "at": "2026-03-02T08:00:00Z",
        "severity": "P2",
        "account_tier": "enterprise",
        "channel": "email",
    },
    {
        "id": "r2",
        "ticket": "T-9",
        "type": "message",
        "at": "2026-03-02T08:30:00Z",
        "author": "agent",
    },
    {
        "id": "r3",
        "ticket": "T-9",
        "type": "status",
        "at": "2026-03-02T12:08:00Z",
        "status": "solved",
    },
    {
        "id": "r4",
        "ticket": "T-9",
        "type": "update",
        "at": "2026-03-02T13:00:00Z",
        "fields": {"severity": "P1"},
    },
    {"id": "r5", "ticket": "T-9", "type": "status", "at": "2026-03-03T12:08:00Z", "status": "open"},
]


def test_explain_names_the_reopen_and_the_retarget_of_a_change_made_while_solved(
    tmp_path: Path,
) -> None:
    events = write_events(tmp_path, SOLVED_THEN_RAISED)
    args = ["--config", str(EXAMPLE_CONFIG), "--events", str(events)]
    result = run("explain", *args, "--ticket", "T-9", "--now", "2026-03-03T13:00:00Z")
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    [held] = [line for line in out if "keep their verdicts until a reopen" in line]
    assert held.startswith("2026-03-02T13:00:00Z") and held.endswith("(event r4, line 4)")
    assert explained(result.stdout, "resolution#1", "resume") == [("r5", 5)]
    assert explained(result.stdout, "resolution#1", "retarget") == [("r5", 5)]
    [retarget] = [line for line in out if " resolution#1 retarget:" in line]
    assert retarget.startswith("2026-03-03T12:08:00Z")
    assert "target now 14400s" in retarget and "reopen" in retarget
    [breach] = [line for line in out if " resolution#1 breach:" in line]
    assert breach.startswith("2026-03-03T12:08:00Z")  # at the reopen, not back-dated
    assert "  resolution#1: breached, elapsed 18000s of 14400s, due 2026-03-03T12:08:00Z" in out
    [doc] = documents(evaluate(EXAMPLE_CONFIG, events, now="2026-03-03T13:00:00Z"))
    [resolution] = [c for c in doc["clocks"] if c["metric"] == "resolution"]
    assert resolution["breached_at"] == "2026-03-03T12:08:00Z"
    # Never reopened: the resolution clock keeps the verdict it had at the solve.
    events = write_events(tmp_path, SOLVED_THEN_RAISED[:4], "solved.jsonl")
    result = run("explain", *args[:2], "--events", str(events), "--ticket", "T-9", "--now", NOW)
    assert result.returncode == 0, result.stderr
    assert explained(result.stdout, "resolution#1", "retarget") == []
    assert "  resolution#1: met, elapsed 14880s of 28800s, due 2026-03-02T16:00:00Z" in (
        result.stdout.splitlines()
    )


# Known core bugs (src/slakeeper/core): reported, not fixed here.


def test_an_instant_out_of_range_is_a_diagnostic_of_its_line(tmp_path: Path) -> None:
    early = {**CREATED_T2, "at": "0001-01-01T00:00:00+01:00"}  # 0000-12-31T23:00Z
    result = evaluate(EXAMPLE_CONFIG, write_events(tmp_path, [*T1_LOG, early]))
    [(line, message)] = diagnostics(result.stderr)
    assert line == 5 and message.startswith("at: ")
    assert [doc["ticket"] for doc in documents(result)] == ["T-1"]


def test_a_policy_change_by_update_names_the_update_line(tmp_path: Path) -> None:
    update = {
        "id": "e5",
        "ticket": "T-1",
        "type": "update",
        "at": "2026-03-02T16:10:00Z",
        "fields": {"account": "other", "channel": "phone"},
    }
    result = evaluate(EXAMPLE_CONFIG, write_events(tmp_path, [*T1_LOG, update]))
    assert [line for line, _ in diagnostics(result.stderr)] == [5]


def test_a_severity_update_without_targets_is_reported(tmp_path: Path) -> None:
    update = {
        "id": "e5",
        "ticket": "T-1",
        "type": "update",
        "at": "2026-03-02T16:10:00Z",
        "fields": {"severity": "P3"},
    }
    result = evaluate(EXAMPLE_CONFIG, write_events(tmp_path, [*T1_LOG, update]))
    [(line, message)] = diagnostics(result.stderr)
    assert line == 5 and "P3" in message


def test_a_due_date_past_what_calendars_count_skips_only_that_ticket(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "calendars: {always: {timezone: UTC, weekly: 24x7}}\n"
        "policies:\n"
        "  - {id: base, calendar: always, targets: {P1: {resolution: 1h}}}\n"
    )
    events = tmp_path / "events.jsonl"
    events.write_text(
        '{"id":"a1","ticket":"LATE","type":"created","at":"9999-12-31T23:30:00Z","severity":"P1"}\n'
        '{"id":"b1","ticket":"OK","type":"created","at":"2026-03-02T10:00:00Z","severity":"P1"}\n'
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "slakeeper.cli",
            "evaluate",
            "--config",
            str(config),
            "--events",
            str(events),
            "--now",
            "9999-12-31T23:45:00Z",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert [t["ticket"] for t in json.loads(run.stdout)] == ["OK"]
    assert "line 1: ticket 'LATE' skipped" in run.stderr
    assert "Traceback" not in run.stderr
