"""``slakeeper import eventlog``: activities through a mapping, the Italian help-desk log."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

import orjson
import pytest

from slakeeper.config import load_config
from slakeeper.core.evaluation import evaluate
from slakeeper.core.events import parse_event
from slakeeper.core.instants import parse_instant, to_us
from slakeeper.store.session import Database
from tests.importers.conftest import (
    ITALIAN_LOG,
    ITALIAN_MAPPING,
    ROOT,
    count,
    run_cli,
    table_rows,
)

ITALIAN_CONFIG = ROOT / "examples" / "mappings" / "helpdesk-italian-config.yaml"
NOW = "2026-01-01T00:00:00Z"
MAPPING = """\
format: eventlog
columns: {case: case, activity: activity, timestamp: time, resource: who}
fields:
  severity: {column: level, values: {high: P1, low: P2}}
  team: group
activities:
  Open: ignore
  Reply: {event: message, author: agent, reopens: true}
  Wait: {event: status, status: pending, until_next: true}
  Solve: {event: status, status: solved}
  Take: {event: assign}
"""
HEADER = "case,activity,time,who,level,group\n"


def _write(tmp_path: Path, rows: str, mapping: str = MAPPING) -> tuple[Path, Path]:
    log = tmp_path / "log.csv"
    log.write_text(HEADER + rows)
    mapping_path = tmp_path / "map.yaml"
    mapping_path.write_text(mapping)
    return log, mapping_path


def _convert(tmp_path: Path, log: Path, mapping: Path, *extra: str) -> list[dict[str, Any]]:
    out = tmp_path / "events.jsonl"
    result = run_cli("import", "eventlog", str(log), "--mapping", str(mapping), "--out",
                     str(out), *extra, db_url="sqlite://")  # fmt: skip
    assert result.returncode == 0, result.stderr
    return [orjson.loads(line) for line in out.read_bytes().splitlines()]


def _brief(events: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(id, at, what) per event."""
    return [(e["id"], e["at"][11:16], _what(e)) for e in events]


def _what(event: dict[str, Any]) -> str:
    if event["type"] == "created":
        return "created"
    return str(event.get("status") or event.get("author") or event.get("fields")
               or event.get("agent") or event.get("team"))  # fmt: skip


def test_the_activity_after_wait_ends_the_pause_with_an_event_of_its_row(tmp_path: Path) -> None:
    log, mapping = _write(tmp_path, (
        "C1,Open,2026-03-02T09:00:00Z,ann,high,l1\n"
        "C1,Wait,2026-03-02T09:30:00Z,ann,high,l1\n"
        "C1,Reply,2026-03-02T10:00:00Z,ann,high,l1\n"
        "C1,Wait,2026-03-02T11:00:00Z,ann,high,l1\n"
        "C1,Solve,2026-03-02T12:00:00Z,ann,high,l1\n"
        "C1,Reply,2026-03-02T13:00:00Z,bob,high,l1\n"
        "C1,Wait,2026-03-02T14:00:00Z,bob,high,l1\n"
    ))  # fmt: skip
    assert _brief(_convert(tmp_path, log, mapping)) == [
        ("C1:created", "09:00", "created"),
        ("C1:2", "09:30", "pending"),
        ("C1:3:resume", "10:00", "open"),  # the pause ends at the next activity
        ("C1:3", "10:00", "agent"),
        ("C1:4", "11:00", "pending"),
        ("C1:5", "12:00", "solved"),  # a status ends the pause itself: no resume
        ("C1:6:reopen", "13:00", "open"),  # a reply on a solved ticket reopens it
        ("C1:6", "13:00", "agent"),
        ("C1:7", "14:00", "pending"),  # the last activity: pending stays
    ]


def test_attribute_changes_become_updates_and_reassignments(tmp_path: Path) -> None:
    log, mapping = _write(tmp_path, (
        "C1,Open,2026-03-02T09:00:00Z,ann,low,l1\n"
        "C1,Take,2026-03-02T09:10:00Z,bob,high,l1\n"
        "C1,Reply,2026-03-02T09:20:00Z,bob,high,l2\n"
    ))  # fmt: skip
    events = _convert(tmp_path, log, mapping)
    assert events[0] | {"at": None} == {"id": "C1:created", "ticket": "C1", "type": "created",
                                       "at": None, "severity": "P2", "team": "l1"}  # fmt: skip
    assert _brief(events[1:]) == [
        ("C1:2:fields", "09:10", "{'severity': 'P1'}"),
        ("C1:2", "09:10", "bob"),  # assign: the agent is the row's resource
        ("C1:3:team", "09:20", "l2"),
        ("C1:3", "09:20", "agent"),
    ]


def test_rows_of_a_case_are_put_in_time_order_and_ties_keep_the_file_order(
    tmp_path: Path,
) -> None:
    log, mapping = _write(tmp_path, (
        "C2,Solve,2026-03-02T11:00:00Z,ann,low,l1\n"
        "C1,Open,2026-03-02T09:00:00Z,ann,low,l1\n"
        "C2,Open,2026-03-02T10:00:00Z,ann,low,l1\n"
        "C2,Reply,2026-03-02T11:00:00Z,ann,low,l1\n"
    ))  # fmt: skip
    assert [e["id"] for e in _convert(tmp_path, log, mapping)] == [
        "C2:created", "C2:2", "C2:3:reopen", "C2:3", "C1:created",  # Solve first: file order
    ]  # fmt: skip


def test_naive_timestamps_are_refused_without_timezone_naming_line_and_column(
    tmp_path: Path, database_url: str, database: Database
) -> None:
    log, mapping = _write(tmp_path, "C1,Open,2026-03-02 09:00:00,ann,low,l1\n")
    refused = run_cli("import", "eventlog", str(log), "--mapping", str(mapping),
                      db_url=database_url)  # fmt: skip
    assert refused.returncode == 2
    assert "line 2, column 'time': timestamp '2026-03-02 09:00:00' has no UTC offset" in (
        refused.stderr
    )
    assert count(database, "events") == 0
    local = _convert(tmp_path, log, mapping, "--timezone", "America/New_York")
    assert local[0]["at"] == "2026-03-02T14:00:00Z"


def test_bad_rows_refuse_the_file_or_are_skipped_with_their_lines(
    tmp_path: Path, database_url: str, database: Database
) -> None:
    log, mapping = _write(tmp_path, (
        "C1,Open,2026-03-02T09:00:00Z,ann,low,l1\n"
        "C1,Dance,2026-03-02T09:10:00Z,ann,low,l1\n"
        "C2,Open,2026-03-02T09:00:00Z,ann,urgent,l1\n"
        "C3,Open,yesterday,ann,low,l1\n"
        ",Open,2026-03-02T09:00:00Z,ann,low,l1\n"
        "C4,Open,2026-03-02T09:00:00Z,ann,low,l1\n"
    ))  # fmt: skip
    args = ("import", "eventlog", str(log), "--mapping", str(mapping))
    refused = run_cli(*args, db_url=database_url, now=NOW)
    assert refused.returncode == 2
    assert refused.stderr.splitlines()[:4] == [
        "error: line 3: column 'activity': activity 'Dance' is not in the mapping's activities "
        "(map it, or set unmapped_activities: ignore)",
        "error: line 4: column 'level': value 'urgent' is not one of fields.severity.values "
        "(and there is no default)",
        "error: line 5: column 'time': invalid timestamp 'yesterday' (expected ISO 8601)",
        "error: line 6: column 'case': empty",
    ]
    assert count(database, "events") == 0
    kept = run_cli(*args, "--skip-invalid", db_url=database_url, now=NOW)
    assert kept.returncode == 0, kept.stderr
    assert "read 6 rows, 2 events; stored 2 for 2 tickets" in kept.stdout
    assert "  line 3: column 'activity'" in kept.stdout
    assert [row[0] for row in table_rows(database, "SELECT id FROM events ORDER BY seq")] == [
        "C1:created", "C4:created",
    ]  # fmt: skip


def test_mapping_problems_are_reported_together_with_their_key_paths(
    tmp_path: Path, database_url: str
) -> None:
    bad = """\
format: eventlog
columns: {case: case, activity: activity, time: time}
fields:
  severity: {column: level, value: P1}
  colour: group
activities:
  Wait: {event: status, status: paused}
  Reply: {event: message, author: robot}
  Solve: {event: close}
"""
    log, mapping = _write(tmp_path, "", mapping=bad)
    result = run_cli("import", "eventlog", str(log), "--mapping", str(mapping),
                     db_url=database_url)  # fmt: skip
    assert result.returncode == 2
    name = str(mapping)
    assert result.stderr.splitlines() == [
        f"error: {name}:2: columns: missing required key 'timestamp'",
        f"error: {name}:2: columns.time: unknown key (expected one of case, activity, timestamp, "
        "resource)",
        f"error: {name}:4: fields.severity: give either `column` (read from the file) or `value` "
        "(a constant)",
        f"error: {name}:5: fields.colour: unknown ticket field (expected one of severity, account, "
        "account_tier, channel, subject, plan, product, team, agent, or custom.NAME)",
        f"error: {name}:7: activities.Wait.status: unknown status 'paused' (expected new, open, "
        "pending, on_hold, solved, closed)",
        f"error: {name}:8: activities.Reply.author: a message's author: customer, agent or system",
        f"error: {name}:9: activities.Solve.event: Input should be 'message', 'status', 'assign' "
        "or 'ignore'",
    ]


def test_a_column_the_mapping_names_must_be_in_the_header(
    tmp_path: Path, database_url: str
) -> None:
    log, mapping = _write(tmp_path, "C1,Open,2026-03-02T09:00:00Z,ann,low,l1\n",
                          mapping=MAPPING.replace("group", "squad"))  # fmt: skip
    result = run_cli("import", "eventlog", str(log), "--mapping", str(mapping),
                     db_url=database_url)  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"error: {mapping}:5: fields.team.column: no column 'squad' in {log} (its columns: 'case'"
    )


@pytest.mark.skipif(not ITALIAN_LOG.exists(), reason="the Italian help-desk log is not here")
def test_the_italian_helpdesk_log_imports_with_the_clocks_of_an_offline_evaluation(
    tmp_path: Path, database_url: str, database: Database
) -> None:
    args = ("import", "eventlog", str(ITALIAN_LOG), "--mapping", str(ITALIAN_MAPPING),
            "--timezone", "Europe/Rome")  # fmt: skip
    emitted = _convert(tmp_path, ITALIAN_LOG, ITALIAN_MAPPING, "--timezone", "Europe/Rome")
    assert len({event["ticket"] for event in emitted}) == 4580
    imported = run_cli(*args, "--config", str(ITALIAN_CONFIG), db_url=database_url, now=NOW)
    assert imported.returncode == 0, imported.stderr
    assert "read 21,348 rows" in imported.stdout
    stored = table_rows(database, "SELECT body FROM events ORDER BY seq")
    assert [orjson.loads(row[0]) for row in stored] == emitted
    offline = evaluate(
        [parse_event(event, n) for n, event in enumerate(emitted, start=1)],
        load_config(ITALIAN_CONFIG),
        to_us(parse_instant(NOW)),
    )
    expected = collections.Counter(
        (cycle.metric.value, cycle.status.value) for t in offline.tickets for cycle in t.cycles
    )
    got = collections.Counter(
        dict(((m, s), n) for m, s, n in table_rows(
            database, "SELECT metric, status, count(*) FROM clocks GROUP BY metric, status"))
    )  # fmt: skip
    assert got == expected and sum(got.values()) == 2 * 4580
    report = ("report", "compliance", "--by", "severity,metric", "--format", "csv")
    from_database = run_cli(*report, db_url=database_url, now=NOW)
    events = tmp_path / "events.jsonl"
    from_file = run_cli(*report, "--events", str(events), "--config", str(ITALIAN_CONFIG),
                        "--now", NOW, db_url=database_url)  # fmt: skip
    assert from_database.returncode == from_file.returncode == 0, from_database.stderr
    assert from_database.stdout == from_file.stdout
    assert from_database.stdout.startswith("severity,metric,met,breached,")
    again = run_cli(*args, db_url=database_url, now=NOW)
    assert again.returncode == 0 and "stored 0 for 0 tickets" in again.stdout
