"""The report tables read in one piece (store/frames.py) equal those read row by row.

``tables_from_database`` reads the stored tickets and clocks through ADBC (or the driver's
own columnar path when ADBC cannot reach the database), only the columns a report needs;
``tables_from_database_by_rows`` is the first loading path, row by row. On the same
database both give the same frames and every report the same rows. SQLite and, when
configured, PostgreSQL (its own schema: ADBC must read the schema of the connection).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import orjson
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from slakeeper.analytics.tables import Tables
from slakeeper.core.instants import parse_instant_us
from slakeeper.services import reports
from slakeeper.services.reports import (
    parse_query,
    run_report,
    tables_from_database,
    tables_from_database_by_rows,
)
from slakeeper.store import adbc_reader, frames
from slakeeper.store.migrate import upgrade
from slakeeper.store.session import Database, create_database
from tests.reports.conftest import simulated_days
from tests.reports.history import CONFIG, EVENTS, NOW
from tests.reports.test_sources import GROUPINGS, ingested
from tests.service.conftest import SIM_CONFIG


def _no_driver_path(*args: object) -> list[pl.DataFrame]:
    raise AssertionError("the driver path was taken: ADBC did not reach the database")


def _no_adbc(connection: object) -> None:
    return None


def assert_same_tables(left: Tables, right: Tables) -> None:
    assert_frame_equal(left.tickets, right.tickets)
    assert_frame_equal(left.clocks, right.clocks)


def assert_every_report_same(database: Database, now: int) -> int:
    """Every report under each grouping: the same rows from a report's own columns as from
    the tables read row by row. The number of rows compared."""
    compared = 0
    with database.read() as connection:
        reference = tables_from_database_by_rows(connection, now)
        started = reference.clocks.get_column("started_at")
        low, high = started.min(), started.max()
        assert isinstance(low, int) and isinstance(high, int)
        third = (high - low) // 3
        for name, groupings in GROUPINGS.items():
            for by in groupings:
                whole = parse_query(name, by=by)
                # and the middle third of the history (read only that period's clocks)
                middle = replace(whole, start=low + third, end=high - third)
                queries = [whole, middle]
                if name == "service-level":  # calendar time reads the fulfilment instants
                    queries += [replace(query, calendar_time=True) for query in queries]
                for query in queries:
                    tables = tables_from_database(connection, now, name, query)
                    expected = run_report(name, reference, query)
                    assert run_report(name, tables, query) == expected, (name, by, query)
                    compared += len(expected[1])
    return compared


def test_hand_built_history_loads_the_same_by_every_path(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = parse_instant_us(NOW)
    ingested(database, CONFIG, EVENTS, now)
    with database.read() as connection:
        by_rows = tables_from_database_by_rows(connection, now)
        with monkeypatch.context() as patch:
            patch.setattr(frames, "read_frames_by_driver", _no_driver_path)
            patch.setattr(frames, "CHILD_ROWS", 0)  # SQLite's child process, however small
            assert_same_tables(tables_from_database(connection, now), by_rows)
        with monkeypatch.context() as patch:
            patch.setattr(frames, "_adbc_source", _no_adbc)
            assert_same_tables(tables_from_database(connection, now), by_rows)
    assert by_rows.clocks.height > 10  # not vacuous
    assert assert_every_report_same(database, now) > 20
    with monkeypatch.context() as patch:  # the driver path gives the same reports too
        patch.setattr(frames, "_adbc_source", _no_adbc)
        assert_every_report_same(database, now)


def test_an_empty_database_loads_empty_tables(database: Database) -> None:
    now = parse_instant_us(NOW)
    with database.read() as connection:
        by_rows = tables_from_database_by_rows(connection, now)
        assert_same_tables(tables_from_database(connection, now), by_rows)
        tables = tables_from_database(
            connection, now, "compliance", parse_query("compliance", by="severity,metric")
        )
    assert tables.clocks.height == 0
    assert run_report("compliance", tables, parse_query("compliance"))[1] == []


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two simulated days of the default scenario, as an events file."""
    return simulated_days(tmp_path_factory.mktemp("sim"), seed=7)


def test_simulated_history_loads_the_same(database: Database, simulated: Path) -> None:
    # Reported a day after ingest: running clocks past due by then are breached on both.
    events = [orjson.loads(line) for line in simulated.read_bytes().splitlines()]
    ingest_now = max(parse_instant_us(event["at"]) for event in events)
    ingested(database, SIM_CONFIG.read_text(), events, ingest_now)
    now = ingest_now + 86_400_000_000
    with database.read() as connection:
        assert_same_tables(
            tables_from_database(connection, now), tables_from_database_by_rows(connection, now)
        )
    assert assert_every_report_same(database, now) > 100


def test_a_column_null_throughout_the_first_rows_is_read(tmp_path: Path) -> None:
    # SQLite's ADBC driver types a column by its first batch of rows: unless the whole
    # result is one batch (store/adbc_reader.py), a column null for the first thousands of
    # rows, text or real after, was refused ("Type mismatch").
    from sqlalchemy import create_engine

    path = tmp_path / "nulls.db"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE t (a TEXT, b REAL, c BIGINT, d TEXT)")
        rows = [(None, None, None, None)] * 5000 + [("x", 4.5, 1_782_864_000_000_000, "")]
        raw.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", [*rows, (None, 3.0, 7, "y")])
    schema = {"a": pl.String, "b": pl.Float64, "c": pl.Int64, "d": pl.String}
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection, pytest.MonkeyPatch.context() as patch:
        statements = [frames.Statement("SELECT a, b, c, d FROM t", schema)]
        patch.setattr(frames, "read_frames_by_driver", _no_driver_path)
        patch.setattr(frames, "CHILD_ROWS", 0)
        read = frames.read_frames(connection, statements)[0]
        patch.undo()
        assert_frame_equal(read, frames.read_frames_by_driver(connection, statements)[0])
    engine.dispose()
    assert read.height == 5002
    assert read.row(5000) == ("x", 4.5, 1_782_864_000_000_000, "")


def _in_parts(patch: pytest.MonkeyPatch, parts: int = 3) -> list[int]:
    """Read through ADBC (SQLite's child process however small the tables) and split every
    table that may be split into ``parts``, however small. The number of parts of each
    split made in this process (PostgreSQL's) is recorded in the list returned."""
    splits: list[int] = []
    ranges = adbc_reader._Reader.ranges

    def recorded(self: adbc_reader._Reader, link: object, table: str, count: int) -> list[str]:
        conditions = ranges(self, link, table, count)
        splits.append(len(conditions))
        return conditions

    patch.setattr(frames, "CHILD_ROWS", 0)
    patch.setattr(adbc_reader, "SPLIT_ROWS", 0)
    patch.setattr(adbc_reader, "SPLIT_PAGES", 0)
    patch.setattr(frames, "parts", lambda: parts)
    patch.setattr(adbc_reader._Reader, "ranges", recorded)
    patch.setattr(frames, "read_frames_by_driver", _no_driver_path)
    return splits


def test_reports_read_in_parallel_parts_are_the_same(
    database: Database, simulated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every report, every grouping, whole history and a period: the clocks read in three
    # parts on three connections give the rows read row by row.
    events = [orjson.loads(line) for line in simulated.read_bytes().splitlines()]
    now = max(parse_instant_us(event["at"]) for event in events)
    ingested(database, SIM_CONFIG.read_text(), events, now)
    splits = _in_parts(monkeypatch)
    assert assert_every_report_same(database, now) > 100
    if not database.is_sqlite:  # SQLite splits in its child process
        assert splits and all(count == 3 for count in splits)


def _recorded_reads(patch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """(SQL, rows read) of every statement the reports read from here on."""
    reads: list[tuple[str, int]] = []
    read = reports.read_frames

    def recorded(connection: object, statements: list[frames.Statement]) -> list[pl.DataFrame]:
        results = read(connection, statements)  # type: ignore[arg-type]
        reads.extend((s.sql, f.height) for s, f in zip(statements, results, strict=True))
        return results

    patch.setattr(reports, "read_frames", recorded)
    return reads


def _judged_again(database: Database, now: int) -> int:
    """How many tickets with clocks have codes that do not hold at ``now``."""
    with database.read() as connection:
        sql = (
            "SELECT count(*) FROM tickets WHERE created_at IS NOT NULL AND NOT coalesce("
            f"codes_from <= {now} AND {now} < codes_until, false)"
        )
        return int(connection.exec_driver_sql(sql).scalar_one())


def test_compliance_counts_the_codes_kept_on_tickets(
    database: Database, simulated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Compliance reads each clock's judged code and its ticket's fields only: the codes
    # kept on the ticket rows (analytics/codes.py) where they hold at the report's now,
    # else judged from the ticket's clocks, counted per combination (services/reports.py,
    # _coded_tables). Every report equals the one from the tables read row by row: at the
    # evaluation's instant (every code holds), a day later (running clocks have breached
    # since: those tickets are judged again), and with the codes of a ticket in two stored
    # before they were kept (judged again too).
    events = [orjson.loads(line) for line in simulated.read_bytes().splitlines()]
    now = max(parse_instant_us(event["at"]) for event in events)
    ingested(database, SIM_CONFIG.read_text(), events, now)
    with database.read() as connection:
        clocks = tables_from_database_by_rows(connection, now).clocks.height
    _in_parts(monkeypatch)
    reads = _recorded_reads(monkeypatch)
    assert _judged_again(database, now) == 0
    assert assert_every_report_same(database, now) > 100
    # The groupings without week, month or team, over the whole history (a period, weeks
    # and months read each clock's start, teams a team clock's own team): PostgreSQL
    # counts the combinations (a few rows), SQLite reads a row per ticket.
    apart = {"week", "month", "team"}
    counted = [by for by in GROUPINGS["compliance"] if not apart & {*by.split(",")}]
    coded = [rows for sql, rows in reads if "clock_codes" in sql]
    assert len(coded) == len(counted) == 2
    fewer = 10 if not database.is_sqlite else 2
    assert all(0 < rows < clocks / fewer for rows in coded)
    later = now + 86_400_000_000
    assert _judged_again(database, later) > 0
    assert assert_every_report_same(database, later) > 100
    with database.write() as connection:
        connection.exec_driver_sql(
            "UPDATE tickets SET clock_codes = NULL, codes_from = NULL, codes_until = NULL "
            "WHERE id IN (SELECT id FROM tickets ORDER BY id LIMIT "
            "(SELECT count(*) / 2 FROM tickets))"
        )
    assert _judged_again(database, now) > 10
    assert assert_every_report_same(database, now) > 100


def test_ticket_ids_of_one_hash_are_joined_on_the_ids(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PostgreSQL joins clocks to their tickets on hashes of the ids; were two ids to share
    # one, the clocks would take the wrong ticket's fields: the report reads again, joining
    # on the ids. Here every id of one length shares a hash (T1, T2, ...).
    now = parse_instant_us(NOW)
    ingested(database, CONFIG, EVENTS, now)
    monkeypatch.setattr(reports, "_HASH", "length({0})::bigint")
    reads = _recorded_reads(monkeypatch)
    assert assert_every_report_same(database, now) > 20
    hashed = [sql for sql, _ in reads if "length(id)::bigint" in sql]
    if database.is_sqlite:  # SQLite joins on the ids themselves
        assert not hashed
    else:
        assert hashed and any("SELECT id AS key_" in sql for sql, _ in reads)


def test_parts_read_one_snapshot(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    # A write committed once the connections have taken their snapshot is seen by none of
    # the parts: they read as one transaction would have.
    now = parse_instant_us(NOW)
    ingested(database, CONFIG, EVENTS, now)
    with database.read() as connection:
        before = tables_from_database(connection, now)
    with monkeypatch.context() as patch:
        _in_parts(patch)
        patch.setattr(frames, "AFTER_SNAPSHOT", "DELETE FROM clocks WHERE ticket = 'T1'")
        with database.read() as connection:
            during = tables_from_database(connection, now)
    assert_same_tables(during, before)
    with database.read() as connection:
        after = tables_from_database(connection, now)
    assert after.clocks.filter(pl.col("ticket") == "T1").height == 0
    assert before.clocks.filter(pl.col("ticket") == "T1").height > 0


@pytest.mark.postgres
def test_postgresql_reads_alone_when_its_snapshot_cannot_be_shared(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Where pg_export_snapshot is refused (a standby in some modes), every statement is
    # read on the first connection, one after another: the same frames, and the other
    # connections, opened at once beforehand, are closed rather than read on outside the
    # snapshot.
    database = create_database(postgres_url)
    upgrade(database)
    now = parse_instant_us(NOW)
    ingested(database, CONFIG, EVENTS, now)
    with database.read() as connection:
        expected = tables_from_database(connection, now)
    _in_parts(monkeypatch)
    value = adbc_reader._Reader.value
    opened: list[int] = []

    def refused(self: adbc_reader._Reader, link: object, sql: str) -> object:
        if "pg_export_snapshot" in sql:
            raise self.manager.Error("refused", status_code=self.manager.AdbcStatusCode.INTERNAL)
        return value(self, link, sql)

    def counted(self: adbc_reader._Reader, count: int) -> int:
        result = open_(self, count)
        opened.append(len(self.links))
        return result

    open_ = adbc_reader._Reader.open
    monkeypatch.setattr(adbc_reader._Reader, "value", refused)
    monkeypatch.setattr(adbc_reader._Reader, "open", counted)
    with database.read() as connection:
        alone = tables_from_database(connection, now)
    database.dispose()
    assert_same_tables(alone, expected)
    assert opened == [1]
    assert alone.clocks.height > 10


def test_sqlite_commits_after_a_report_are_seen_by_other_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The SQLite ADBC driver's own copy of SQLite, opened and closed in this process beside
    # the standard library's connections, deleted the WAL file under them: their later
    # commits were seen by no other process. Read in a child process, it cannot.

    path = tmp_path / "wal.db"
    database = create_database(f"sqlite:///{path}")
    upgrade(database)
    now = parse_instant_us(NOW)
    ingested(database, CONFIG, EVENTS, now)
    _in_parts(monkeypatch)
    with database.read() as connection:
        tables = tables_from_database(connection, now, "compliance", parse_query("compliance"))
    assert tables.clocks.height > 10
    with database.write() as connection:
        connection.exec_driver_sql("DELETE FROM clocks")
    seen = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sqlite3; print(sqlite3.connect({str(path)!r})"
            ".execute('SELECT count(*) FROM clocks').fetchone()[0])",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert seen.stdout.strip() == "0"
    assert (tmp_path / "wal.db-wal").exists()
    database.dispose()


def test_sqlite_reads_alone_while_a_writer_holds_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An import's long transaction holds SQLite's write lock: the snapshot cannot be shared
    # (store/adbc_reader.py), so the parts are read one after another on one connection, not
    # waited for, and the figures are the same.

    database = create_database(f"sqlite:///{tmp_path / 'busy.db'}")
    upgrade(database)
    now = parse_instant_us(NOW)
    ingested(database, CONFIG, EVENTS, now)
    query = parse_query("compliance", by="severity,metric")
    with database.read() as connection:
        expected = tables_from_database(connection, now, "compliance", query)
    _in_parts(monkeypatch)
    writer = sqlite3.connect(tmp_path / "busy.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        with database.read() as connection:
            alone = tables_from_database(connection, now, "compliance", query)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert_same_tables(alone, expected)
    assert alone.clocks.height > 10
    database.dispose()
