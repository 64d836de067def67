"""``slakeeper import tickets``: one row per ticket through a mapping, turned into events."""

from __future__ import annotations

from pathlib import Path

import orjson

from slakeeper.store.session import Database
from tests.importers.conftest import count, run_cli, table_rows

NOW = "2026-04-01T00:00:00Z"
MAPPING = """\
format: tickets
columns:
  ticket: key
  created: opened
  first_response: replied
  solved: resolved
  closed: closed
  csat: rating
timestamp_format: "%d/%m/%Y %H:%M"
ticket_prefix: "ZD-"
fields:
  severity: {column: priority, values: {urgent: P1, normal: P2}, default: P3}
  account: org
  channel: {value: email}
  custom.region: region
"""
CONFIG = """\
calendars:
  always: {timezone: UTC, weekly: 24x7}
policies:
  - id: all
    calendar: always
    targets:
      P1: {first_response: 1h, resolution: 4h}
      P2: {first_response: 4h, resolution: 1d}
"""
ROWS = (
    "key,opened,replied,resolved,closed,rating,priority,org,region\n"
    "1,02/03/2026 09:00,02/03/2026 09:30,02/03/2026 15:00,03/03/2026 15:00,5,urgent,acme,eu\n"
    "2,02/03/2026 10:00,,,,,normal,globex,us\n"
    "3,02/03/2026 11:00,02/03/2026 11:05,,,,,initech,\n"
)


def _files(tmp_path: Path, rows: str = ROWS) -> tuple[Path, Path, Path]:
    paths = tmp_path / "tickets.csv", tmp_path / "map.yaml", tmp_path / "config.yaml"
    for path, text in zip(paths, (rows, MAPPING, CONFIG), strict=True):
        path.write_text(text)
    return paths


def test_each_row_becomes_its_tickets_events_and_clocks(
    tmp_path: Path, database_url: str, database: Database
) -> None:
    rows, mapping, config = _files(tmp_path)
    args = ("import", "tickets", str(rows), "--mapping", str(mapping), "--timezone", "UTC")
    result = run_cli(*args, "--config", str(config), db_url=database_url, now=NOW)
    assert result.returncode == 0, result.stderr
    assert "read 3 rows, 8 events; stored 8 for 3 tickets; 4 clocks" in result.stdout
    stored = table_rows(database, "SELECT body FROM events ORDER BY seq")
    events = [orjson.loads(row[0]) for row in stored]
    assert events[:5] == [
        {"id": "ZD-1:created", "ticket": "ZD-1", "type": "created", "at": "2026-03-02T09:00:00Z",
         "severity": "P1", "account": "acme", "channel": "email", "custom": {"region": "eu"}},
        {"id": "ZD-1:first_response", "ticket": "ZD-1", "type": "message",
         "at": "2026-03-02T09:30:00Z", "author": "agent"},
        {"id": "ZD-1:solved", "ticket": "ZD-1", "type": "status", "at": "2026-03-02T15:00:00Z",
         "status": "solved"},
        {"id": "ZD-1:closed", "ticket": "ZD-1", "type": "status", "at": "2026-03-03T15:00:00Z",
         "status": "closed"},
        {"id": "ZD-1:csat", "ticket": "ZD-1", "type": "csat", "at": "2026-03-03T15:00:00Z",
         "score": 5},
    ]  # fmt: skip
    assert events[6]["severity"] == "P3"  # an empty priority: the default
    clocks = table_rows(
        database, "SELECT ticket, metric, status FROM clocks ORDER BY ticket, metric"
    )
    assert clocks == [
        ("ZD-1", "first_response", "met"), ("ZD-1", "resolution", "breached"),
        ("ZD-2", "first_response", "breached"), ("ZD-2", "resolution", "breached"),
        # ZD-3 is P3, which has no targets: no clocks
    ]  # fmt: skip
    again = run_cli(*args, db_url=database_url, now=NOW)
    assert again.returncode == 0 and "stored 0 for 0 tickets" in again.stdout


def test_a_bad_row_names_its_line_and_column(
    tmp_path: Path, database_url: str, database: Database
) -> None:
    bad = (
        ROWS
        + "4,02/03/2026 12:00,01/03/2026 12:00,,,,normal,acme,eu\n"
        + ("5,02/03/2026 12:00,,,,great,normal,acme,eu\n")
    )
    rows, mapping, _ = _files(tmp_path, bad)
    result = run_cli("import", "tickets", str(rows), "--mapping", str(mapping),
                     "--timezone", "UTC", db_url=database_url, now=NOW)  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.splitlines()[:2] == [
        "error: line 5: column 'replied': before created",
        "error: line 6: column 'rating': not a number: 'great'",
    ]
    assert count(database, "events") == 0


def test_a_tickets_mapping_is_refused_by_import_eventlog(tmp_path: Path, database_url: str) -> None:
    rows, mapping, _ = _files(tmp_path)
    result = run_cli("import", "eventlog", str(rows), "--mapping", str(mapping),
                     db_url=database_url)  # fmt: skip
    assert result.returncode == 2
    assert f"error: {mapping}:1: format: this mapping is for `import tickets`" in result.stderr
