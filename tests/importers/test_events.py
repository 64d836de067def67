"""``slakeeper import events``: the same stored rows as ingest, idempotent, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from slakeeper.services.configs import store_config
from slakeeper.services.monitor import Monitor
from slakeeper.store.session import Database
from tests.importers.conftest import (
    EVENT_SQL,
    NOW,
    SIM_CONFIG,
    TICKET_SQL,
    count,
    import_file,
    import_with_workers,
    run_cli,
    simulated_history,
    table_rows,
    write_jsonl,
)
from tests.service.conftest import FixedClock, Service

CLOCK_SQL = (
    "SELECT ticket, metric, team, cycle, status, policy, calendar, started_at, due_at, "
    "target_us, elapsed_us, paused_us, fulfilled_at, breached_at, cancelled_at, objective_us, "
    "objective_due_at, objective_status, warnings, evaluated_at FROM clocks "
    "ORDER BY ticket, metric, team, cycle"
)
CONFIG = """\
calendars:
  always: {timezone: UTC, weekly: 24x7}
policies:
  - id: all
    calendar: always
    targets:
      P1: {first_response: 1h, resolution: 4h}
    warn_at: [0.5]
    escalation: path
escalation_paths:
  path:
    - {at: 0.75, notify: [leads]}
    - {at: breach, notify: [manager]}
notifiers:
  leads: {type: slack, url: "http://127.0.0.1:9/slack"}
  manager: {type: email, to: [manager@example.com]}
"""


def _created(ticket: str, at: str = "2026-03-02T09:00:00Z", **extra: Any) -> dict[str, Any]:
    return {"id": f"{ticket}-c", "ticket": ticket, "type": "created", "at": at,
            "severity": "P1"} | extra  # fmt: skip


def _reply(ticket: str, at: str, event_id: str) -> dict[str, Any]:
    return {"id": event_id, "ticket": ticket, "type": "message", "at": at, "author": "agent"}


@pytest.mark.parametrize(("chunk", "workers"), [(7, 0), (60, 1), (100_000, 0)])
def test_import_stores_the_same_tickets_events_and_clocks_as_api_ingest(
    service: Service, second_database: Database, tmp_path: Path, chunk: int, workers: int
) -> None:
    events = simulated_history(tmp_path)
    lines = events.read_bytes().splitlines()
    assert len(lines) > 300
    service.clock.set(NOW)
    assert service.put_config(SIM_CONFIG.read_text()).status_code == 201
    for start in range(0, len(lines), 50):
        batch = [orjson.loads(line) for line in lines[start : start + 50]]
        assert service.post_events(batch).status_code == 200
    summary = import_file(
        second_database,
        events,
        NOW,
        config_text=SIM_CONFIG.read_text(),
        chunk_events=chunk,
        workers=workers,
    )
    assert summary.committed and summary.stored == len(lines)
    for sql in (TICKET_SQL, CLOCK_SQL, EVENT_SQL):
        ingested = table_rows(service.database, sql)
        imported = table_rows(second_database, sql)
        assert ingested and imported == ingested, sql
    assert summary.clocks == count(second_database, "clocks")


def _summary_figures(summary: Any) -> tuple[Any, ...]:
    return (summary.committed, summary.read, summary.stored, summary.duplicates,
            summary.tickets, summary.clocks, [str(p) for p in summary.problems])  # fmt: skip


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_workers_reading_the_file_store_what_one_process_stores(
    database: Database, second_database: Database, tmp_path: Path, workers: int
) -> None:
    lines = simulated_history(tmp_path).read_bytes().splitlines()
    first = tmp_path / "first.jsonl"
    first.write_bytes(b"\n".join(lines[: len(lines) * 2 // 5]) + b"\n")
    # The second file: lines stored by the first (duplicates of the database), tickets
    # stored before that get new events, a repeated line, an id of another ticket, a
    # conflict, lines that are not events, and new tickets.
    rest = lines[len(lines) // 3 :]
    conflict = orjson.loads(lines[5]) | {"at": "2026-01-05T01:00:00Z"}
    stolen = orjson.loads(rest[40]) | {"ticket": orjson.loads(rest[90])["ticket"]}
    second = tmp_path / "second.jsonl"
    second.write_bytes(
        b"\n".join([*rest[:30], rest[10], orjson.dumps(conflict), b"{not json", b"", *rest[30:50],
                    orjson.dumps(stolen), b'{"id": "x"}', *rest[50:]]) + b"\n"
    )  # fmt: skip
    summaries = []
    for db, processes in ((database, 0), (second_database, workers)):
        import_file(db, first, NOW, config_text=SIM_CONFIG.read_text())
        summary = import_with_workers(db, second, processes, skip_invalid=True, chunk_events=60)
        summaries.append(_summary_figures(summary))
    assert summaries[0] == summaries[1]
    assert summaries[0][0] and summaries[0][3] > 0 and len(summaries[0][6]) == 4
    for sql in (TICKET_SQL, CLOCK_SQL, EVENT_SQL):
        assert table_rows(database, sql) == table_rows(second_database, sql), sql


def test_workers_start_at_the_first_new_event_and_not_for_a_file_already_stored(
    database: Database,
    second_database: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A re-import forks no worker; a file whose first chunks are all stored forks them
    once a chunk has a new event, and stores what one process stores."""
    from slakeeper.services.import_workers import Workers

    forks: list[int] = []
    start = Workers.start
    monkeypatch.setattr(Workers, "start", lambda self, *a: (forks.append(1), start(self, *a)))
    events = simulated_history(tmp_path)
    lines = events.read_bytes().splitlines()
    first = tmp_path / "first.jsonl"
    first.write_bytes(b"\n".join(lines[: len(lines) // 2]) + b"\n")
    summaries = []
    for db, processes in ((database, 0), (second_database, 2)):
        import_file(db, first, NOW, config_text=SIM_CONFIG.read_text())
        forks.clear()
        again = import_with_workers(db, first, processes, chunk_events=40)
        assert again.committed and again.stored == 0 and again.duplicates == len(lines) // 2
        assert forks == []  # nothing new: nothing to evaluate
        summary = import_with_workers(db, events, processes, chunk_events=40)
        assert forks == ([1] if processes else [])
        summaries.append(_summary_figures(summary))
    assert summaries[0] == summaries[1]
    assert summaries[0][2] == len(lines) - len(lines) // 2
    for sql in (TICKET_SQL, CLOCK_SQL, EVENT_SQL):
        assert table_rows(database, sql) == table_rows(second_database, sql), sql


def test_a_second_import_of_the_same_file_stores_nothing(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    events = simulated_history(tmp_path)
    first = run_cli("import", "events", str(events), "--config", str(SIM_CONFIG),
                    db_url=database_url, now=NOW)  # fmt: skip
    assert first.returncode == 0, first.stderr
    stored = count(database, "events")
    assert stored == len(events.read_bytes().splitlines())
    assert f"stored {stored:,} for" in first.stdout
    clocks = table_rows(database, CLOCK_SQL)
    again = run_cli("import", "events", str(events), "--config", str(SIM_CONFIG),
                    db_url=database_url, now=NOW)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "stored 0 for 0 tickets" in again.stdout
    assert f"skipped {stored:,} already stored" in again.stdout
    assert "unchanged: version 1" in again.stdout
    assert count(database, "events") == stored and table_rows(database, CLOCK_SQL) == clocks


def test_an_invalid_line_refuses_the_whole_file_and_names_the_line(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    events = write_jsonl(
        tmp_path / "bad.jsonl",
        [_created("T-1"), "{not json", _reply("T-1", "2026-03-02T09:10:00Z", "r1"),
         {"id": "x", "ticket": "T-2", "type": "created"}, _created("T-3")],
    )  # fmt: skip
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    result = run_cli("import", "events", str(events), "--config", str(config),
                     db_url=database_url, now=NOW)  # fmt: skip
    assert result.returncode == 2
    assert "error: line 2: invalid JSON" in result.stderr
    assert "error: line 4: at: missing required field" in result.stderr
    assert "nothing was stored" in result.stderr
    for table in ("events", "tickets", "clocks", "config_versions"):
        assert count(database, table) == 0, table


def test_skip_invalid_stores_the_valid_lines_and_lists_the_others(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    events = write_jsonl(
        tmp_path / "bad.jsonl",
        [_created("T-1"), "{not json", _reply("T-1", "2026-03-02T09:10:00Z", "r1"),
         {"id": "x", "ticket": "T-2", "type": "created"}, _created("T-3"), ""],
    )  # fmt: skip
    result = run_cli("import", "events", str(events), "--skip-invalid",
                     db_url=database_url, now=NOW)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "skipped 2 invalid" in result.stdout
    assert "line 2: invalid JSON" in result.stdout
    assert "line 4: at: missing required field" in result.stdout
    assert [row[0] for row in table_rows(database, EVENT_SQL)] == ["T-1-c", "r1", "T-3-c"]


def test_problems_past_the_first_twenty_are_counted_by_kind(
    database: Database, tmp_path: Path
) -> None:
    lines: list[dict[str, Any] | str] = ["{bad"] * 25 + [_created(f"T-{n}") | {"at": "soon"}
                                                        for n in range(5)]  # fmt: skip
    summary = import_file(database, write_jsonl(tmp_path / "e.jsonl", lines), NOW)
    assert not summary.committed and summary.problem_count == 30
    assert [p.line for p in summary.problems] == list(range(1, 21))
    assert dict(summary.unshown_kinds()) == {"invalid JSON": 5, "at": 5}


def test_an_id_stored_with_another_payload_is_a_conflict(
    database: Database, tmp_path: Path
) -> None:
    import_file(database, write_jsonl(tmp_path / "a.jsonl", [_created("T-1")]), NOW)
    changed = write_jsonl(tmp_path / "b.jsonl", [_created("T-2"), _created("T-1", severity="P2")])
    summary = import_file(database, changed, NOW)
    assert not summary.committed
    assert [str(p) for p in summary.problems] == [
        "line 2: id: event id 'T-1-c' is known with a different payload (the database)"
    ]
    assert count(database, "events") == 1


def test_naive_timestamps_are_refused_without_timezone_and_read_in_it(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    events = write_jsonl(
        tmp_path / "naive.jsonl",
        [_created("T-1", at="2026-03-02T09:00:00"), _reply("T-1", "2026-03-02T09:30:00", "r1")],
    )
    refused = run_cli("import", "events", str(events), db_url=database_url, now=NOW)
    assert refused.returncode == 2
    assert "error: line 1: at: naive instant '2026-03-02T09:00:00'" in refused.stderr
    assert count(database, "events") == 0
    stored = run_cli("import", "events", str(events), "--timezone", "Europe/Rome",
                     db_url=database_url, now=NOW)  # fmt: skip
    assert stored.returncode == 0, stored.stderr
    rows = table_rows(database, EVENT_SQL)
    assert [orjson.loads(row[4])["at"] for row in rows] == [
        "2026-03-02T08:00:00Z",  # Rome is UTC+1 in March (before the change to summer time)
        "2026-03-02T08:30:00Z",
    ]
    bad_zone = run_cli("import", "events", str(events), "--timezone", "Mars/Olympus",
                       db_url=database_url, now=NOW)  # fmt: skip
    assert bad_zone.returncode == 2
    assert "--timezone: unknown time zone 'Mars/Olympus'" in bad_zone.stderr


def test_thresholds_crossed_before_the_import_are_historic_and_never_delivered(
    database: Database, tmp_path: Path
) -> None:
    events = write_jsonl(
        tmp_path / "history.jsonl",
        [_created("T-1"), _created("T-2"), _reply("T-2", "2026-03-02T11:00:00Z", "r2")],
    )
    with database.write() as connection:
        store_config(connection, text=CONFIG, author="test", now=0)
    summary = import_file(database, events, "2026-03-03T12:00:00Z")
    assert summary.committed
    clock = FixedClock()
    clock.set("2026-03-03T12:00:00Z")
    report = Monitor(database, clock).tick_once()
    alerts = table_rows(database, "SELECT kind, historic FROM alerts")
    kinds = {kind for kind, _ in alerts}
    assert {"warning", "escalation", "breach"} <= kinds
    assert all(historic for _, historic in alerts)
    assert report.deliveries == 0 and count(database, "deliveries") == 0


def test_the_command_with_workers_stores_what_it_stores_without(
    database_url: str, database: Database, second_database: Database, tmp_path: Path
) -> None:
    events = simulated_history(tmp_path)
    with_workers = run_cli("import", "events", str(events), "--config", str(SIM_CONFIG),
                           "--workers", "1", db_url=database_url, now=NOW)  # fmt: skip
    assert with_workers.returncode == 0, with_workers.stderr
    summary = import_file(second_database, events, NOW, config_text=SIM_CONFIG.read_text())
    assert summary.committed and f"stored {summary.stored:,} for" in with_workers.stdout
    for sql in (TICKET_SQL, CLOCK_SQL):
        assert table_rows(database, sql) == table_rows(second_database, sql), sql


def test_progress_shows_a_bar_on_stderr_when_asked_and_nothing_otherwise(
    database_url: str, tmp_path: Path
) -> None:
    events = simulated_history(tmp_path)
    shown = run_cli("import", "events", str(events), "--progress", db_url=database_url, now=NOW)
    assert shown.returncode == 0, shown.stderr
    assert "importing sim.jsonl" in shown.stderr
    quiet = run_cli("import", "events", str(events), db_url=database_url, now=NOW)
    assert quiet.returncode == 0 and quiet.stderr == ""
