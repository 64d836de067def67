"""An import into empty SQLite tables builds the indexes it does not read at its end
(services/imports.py, ``_deferred_indexes``): every index is there after an import, after
a refused file, and after an import killed (SIGKILL) half way, and the rows are those of
an import into tables that already held a row (no deferral)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import inspect

from slakeeper.core.instants import parse_instant, to_us
from slakeeper.services.imports import DEFERRED_INDEXES
from slakeeper.store.queries import CLOCK_COLUMNS
from slakeeper.store.session import Database
from tests.importers.conftest import (
    EVENT_SQL,
    NOW,
    SIM_CONFIG,
    TICKET_SQL,
    count,
    import_file,
    import_with_workers,
    simulated_history,
    table_rows,
    write_jsonl,
)

TABLES = ("events", "tickets", "clocks")
CLOCK_SQL = f"SELECT {', '.join(CLOCK_COLUMNS)} FROM clocks ORDER BY ticket, metric, team, cycle"


def _indexes(database: Database) -> list[tuple[Any, ...]]:
    """(table, name, columns, unique) of every index of the tables an import fills."""
    with database.read() as connection:
        inspector = inspect(connection)
        return sorted(
            (table, index["name"], tuple(index["column_names"]), bool(index["unique"]))
            for table in TABLES
            for index in inspector.get_indexes(table)
        )


def _import(database: Database, path: Path, **options: Any) -> Any:
    return import_file(database, path, NOW, **options)


def test_every_index_is_there_after_an_import_into_empty_tables(
    database: Database, tmp_path: Path
) -> None:
    before = _indexes(database)
    assert {name for _, name, _, _ in before} >= set(DEFERRED_INDEXES)
    summary = _import(database, simulated_history(tmp_path), config_text=SIM_CONFIG.read_text())
    assert summary.committed and summary.stored > 300
    assert _indexes(database) == before


def test_rows_are_those_of_an_import_into_tables_holding_a_row(
    database: Database, second_database: Database, tmp_path: Path
) -> None:
    events = simulated_history(tmp_path)
    lines = events.read_bytes().splitlines()
    head, rest = tmp_path / "head.jsonl", tmp_path / "rest.jsonl"
    head.write_bytes(lines[0] + b"\n")
    rest.write_bytes(b"\n".join(lines[1:]) + b"\n")
    config = SIM_CONFIG.read_text()
    assert _import(database, events, config_text=config, chunk_events=40).committed
    # The second database holds one event when the rest comes: nothing is deferred there.
    assert _import(second_database, head, config_text=config).committed
    assert _import(second_database, rest, config_text=config, chunk_events=40).committed
    for sql in (EVENT_SQL, TICKET_SQL, CLOCK_SQL):
        assert table_rows(database, sql) == table_rows(second_database, sql), sql


def test_an_import_with_workers_builds_every_index_with_the_same_rows(
    database: Database, second_database: Database, tmp_path: Path
) -> None:
    """Workers (import events FILE at scale) write ticket and clock rows into the tables
    whose indexes wait for the end: every index is there afterwards and the rows are those
    of the one-process import."""
    events = simulated_history(tmp_path)
    before = _indexes(database)
    config = SIM_CONFIG.read_text()
    summary = import_with_workers(database, events, 2, config_text=config, chunk_events=40)
    assert summary.committed and summary.stored > 300
    assert _indexes(database) == before
    assert _import(second_database, events, config_text=config, chunk_events=40).committed
    for sql in (EVENT_SQL, TICKET_SQL, CLOCK_SQL):
        assert table_rows(database, sql) == table_rows(second_database, sql), sql


def test_a_refused_file_leaves_every_index_and_no_row(database: Database, tmp_path: Path) -> None:
    before = _indexes(database)
    good = simulated_history(tmp_path).read_bytes().splitlines()
    bad = write_jsonl(tmp_path / "bad.jsonl", [line.decode() for line in good] + ["{not json"])
    summary = _import(database, bad, config_text=SIM_CONFIG.read_text(), chunk_events=40)
    assert not summary.committed
    assert _indexes(database) == before
    for table in TABLES:
        assert count(database, table) == 0, table


KILLED = """\
import os, signal, sys
from slakeeper.importers.jsonl import read_events
from slakeeper.services.imports import import_items
from slakeeper.store.session import create_database

url, path, now = sys.argv[1:4]

def items():
    with open(path, "rb") as stream:
        for number, item in enumerate(read_events(stream)):
            if number == 250:  # five chunks stored: the indexes dropped, rows written
                os.kill(os.getpid(), signal.SIGKILL)
            yield item

import_items(create_database(url), items(), now=int(now), chunk_events=50)
"""


def test_an_import_killed_half_way_leaves_every_index_and_no_row(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    before = _indexes(database)
    events = simulated_history(tmp_path)
    assert len(events.read_bytes().splitlines()) > 300
    result = subprocess.run(
        [sys.executable, "-c", KILLED, database_url, str(events), str(to_us(parse_instant(NOW)))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == -9, result.stderr
    assert _indexes(database) == before
    for table in TABLES:
        assert count(database, table) == 0, table
    # The next import defers again and leaves every index.
    assert _import(database, events, config_text=SIM_CONFIG.read_text()).committed
    assert _indexes(database) == before
