"""Tables read into Polars frames over ADBC, in parallel parts, from one snapshot.

store/frames.py says why reports read through ADBC and when; this module does the
reading, and runs as a process of its own for SQLite (``python -m
slakeeper.store.adbc_reader``, a job in JSON on its standard input).

**In parallel, from one snapshot.** A statement over a large table is split into parts by
physical row ranges (SQLite's rowid, PostgreSQL's ctid pages: each range is one cheap
scan), and every part and every other statement runs at once, each on a connection and a
thread of its own (the drivers release the GIL while they read). Every connection reads
the same snapshot, as if one transaction read everything:

- PostgreSQL: the first connection exports its snapshot (``pg_export_snapshot()``), the
  others adopt it (``SET TRANSACTION SNAPSHOT``), as ``pg_dump --jobs`` does.
- SQLite (WAL): each connection's read transaction sees the database as of its first
  read, so the snapshots are all taken while a writer's lock (``BEGIN IMMEDIATE`` on
  one more connection) holds every writer off: a few milliseconds. A writer that holds
  the lock longer (an import's large transaction) is not waited for: then everything is
  read on one connection, one statement after another.

**SQLite in a process of its own.** The SQLite ADBC driver carries its own copy of SQLite.
Two copies of SQLite in one process do not see each other's POSIX locks (a process's
locks are released when any of its descriptors of the file closes, and both copies
believe they are alone): closing the driver's connection took itself for the database's
last connection, checkpointed and deleted the WAL file under the standard library's
connections of the same process, whose later commits then went to a deleted file (other
processes did not see them; a kill -9 would have lost them). So SQLite is read over ADBC
only in a child process that opens the file with nothing else (tests/reports/
test_loading.py shows the hazard and its absence), and the frames come back as Arrow IPC
files. PostgreSQL has no such hazard: it is read in this process.

SQLite's driver types each column from the first batch of rows it reads (a column null
throughout a first batch would be taken as integers, and a text value later refused), so
the whole result is asked for as one batch.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl

__all__ = ["PART", "Statement", "adbc_frames", "main"]

# SQLite's driver: rows per batch, the whole result in one (the driver's maximum is 2**31 - 1
# exclusive; it grows its buffers as rows come, it does not allocate them up front).
_ONE_BATCH = str(2**30)
PART = "{part}"  # where a statement's SQL takes the row range of one of its parts
# Split a table into parts from this many rows (SQLite) or 8 kB pages (PostgreSQL) up.
SPLIT_ROWS = 200_000
SPLIT_PAGES = 4_000
_LOCK_WAIT_MS = 50  # a SQLite reader waits this long for the writer's lock, then reads alone


class Statement(NamedTuple):
    """A SELECT, the schema of its frame, and the table whose rows it may be split by."""

    sql: str  # may hold PART once, where a condition may stand (``WHERE … AND {part}``)
    schema: dict[str, Any]
    split: str | None = None  # the table of the FROM clause, to be read in parts


class _Reader:
    """ADBC connections to one database, all reading one snapshot (module docstring)."""

    def __init__(self, driver: str, target: str) -> None:
        import adbc_driver_manager as manager

        if driver == "sqlite":
            import adbc_driver_sqlite as module
        else:
            import adbc_driver_postgresql as module  # type: ignore[no-redef,import-untyped]
        self.manager, self.module, self.driver, self.target = manager, module, driver, target
        self.links: list[tuple[Any, Any]] = []  # (database, connection)

    def open(self, count: int) -> int:
        """Open up to ``count`` connections on one snapshot; how many (1 if the snapshot
        cannot be shared)."""
        if count > 1 and self.driver == "postgresql":
            # Connecting costs PostgreSQL's driver about 0.1 s (it reads the server's
            # types): every connection at once, the snapshot exported by the first.
            with ThreadPoolExecutor(count) as pool:
                futures = [pool.submit(self._connect) for _ in range(count)]
            self.links.extend(f.result() for f in futures if not f.exception())
            for future in futures:  # closed with the others, whatever happens next
                future.result()  # the first connection refused, if one was
            first = self.links[0][1]
            self._begin(first)
            try:
                snapshot = self.value(first, "SELECT pg_export_snapshot()")
            except self.manager.Error:  # not allowed here (a standby, say): read alone
                first.rollback()
                self._begin(first)
                for pair in self.links[1:]:
                    self._close(pair)
                del self.links[1:]
                return 1
            for _, link in self.links[1:]:
                self._begin(link, snapshot)
            return count
        self.links.append(self._connect())
        if count == 1:
            self._begin(self.links[0][1])
            return 1
        # The guard is a connection of this driver too: never the standard library's
        # sqlite3 in this process (the module docstring says why).
        guard = self._connect()
        try:
            self.execute(guard[1], f"PRAGMA busy_timeout = {_LOCK_WAIT_MS}")
            self.execute(guard[1], "BEGIN IMMEDIATE")  # holds writers off meanwhile
        except self.manager.Error:  # a writer in a long transaction: read alone
            self._close(guard)
            self._begin(self.links[0][1])
            return 1
        try:
            self.links.extend(self._connect() for _ in range(count - 1))
            for _, link in self.links:
                self._begin(link)
        finally:
            self.execute(guard[1], "ROLLBACK")
            self._close(guard)
        return count

    def _connect(self) -> tuple[Any, Any]:
        database = self.module.connect(self.target)
        try:
            return database, self.manager.AdbcConnection(database)
        except BaseException:
            database.close()
            raise

    def _begin(self, link: Any, snapshot: str | None = None) -> None:
        """Open the read transaction and take its snapshot now."""
        link.set_autocommit(False)
        if self.driver == "sqlite":
            self.frame(link, "SELECT 1 FROM sqlite_master LIMIT 1")  # the first read
            return
        self.execute(link, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        if snapshot is not None:
            self.execute(link, f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        # Whole-table scans of simple expressions: compiling them costs more than it saves.
        self.execute(link, "SET LOCAL jit = off")
        # The reports' GROUP BY (services/reports.py, _coded_tables) is over an expression
        # the planner cannot estimate: it takes every row for a group and sorts a million
        # rows (2.4 s) rather than hash them into a few thousand groups (0.7 s). No
        # statement read here asks for an order.
        self.execute(link, "SET LOCAL enable_sort = off")

    def execute(self, link: Any, sql: str) -> None:
        statement = self.manager.AdbcStatement(link)
        try:
            statement.set_sql_query(sql)
            statement.execute_update()
        finally:
            statement.close()

    def frame(self, link: Any, sql: str) -> pl.DataFrame:
        statement = self.manager.AdbcStatement(link)
        try:
            if self.driver == "sqlite":
                statement.set_options(**{"adbc.sqlite.query.batch_rows": _ONE_BATCH})
            statement.set_sql_query(sql)
            stream, _ = statement.execute_query()
            return pl.DataFrame(stream)
        finally:
            statement.close()

    def value(self, link: Any, sql: str) -> Any:
        return self.frame(link, sql).item()

    def ranges(self, link: Any, table: str, parts: int) -> list[str]:
        """Conditions splitting ``table`` into ``parts`` physical ranges (fewer when it is
        small), together covering every row, whatever was added since they were computed."""
        if self.driver == "sqlite":
            # Each end apart: SQLite reads one end of the b-tree only for a lone min() or max().
            ends = f"SELECT (SELECT min(rowid) FROM {table}), (SELECT max(rowid) FROM {table})"
            low, high = self.frame(link, ends).row(0)
            column, size = "rowid", 0 if low is None else high - low + 1
            bound = lambda cut: str(low + cut)  # noqa: E731
            threshold = SPLIT_ROWS
        else:
            pages = "SELECT pg_relation_size('{0}') / current_setting('block_size')::int"
            low, size = 0, int(self.value(link, pages.format(table)))
            column, threshold = "ctid", SPLIT_PAGES
            bound = lambda cut: f"'({cut},0)'"  # noqa: E731
        if parts < 2 or size < max(threshold, 1):
            return ["1 = 1"]
        cuts = [bound(size * k // parts) for k in range(1, parts)]
        conditions = [f"{column} < {cuts[0]}"]
        conditions += [f"{column} >= {a} AND {column} < {b}" for a, b in itertools.pairwise(cuts)]
        return [*conditions, f"{column} >= {cuts[-1]}"]

    def close(self) -> None:
        for pair in self.links:
            with contextlib.suppress(self.manager.Error):
                pair[1].rollback()
            self._close(pair)

    @staticmethod
    def _close(pair: tuple[Any, Any]) -> None:
        pair[1].close()
        pair[0].close()


def adbc_frames(
    driver: str,
    target: str,
    statements: Sequence[Statement],
    parts: int,
    after_snapshot: str | None = None,
) -> list[pl.DataFrame] | None:
    """The frames read over ADBC, statements split into up to ``parts`` parts, or None
    when it cannot connect. ``after_snapshot``: SQL run on a connection of its own once
    the snapshot is taken (tests: a write the frames must not see)."""
    try:
        reader = _Reader(driver, target)
    except ImportError:
        return None
    try:
        try:
            splits = sum(1 for statement in statements if statement.split)
            opened = reader.open(len(statements) - splits + splits * parts)
        except reader.manager.Error:
            return None
        if after_snapshot is not None:
            other = reader._connect()
            try:
                reader.execute(other[1], after_snapshot)
            finally:
                reader._close(other)
        first = reader.links[0][1]
        # (statement index, SQL) of every part, each on a connection of its own when the
        # snapshot is shared, else one after another on the first.
        work: list[tuple[int, str]] = []
        for index, (sql, _, split) in enumerate(statements):
            conditions = reader.ranges(first, split, parts) if split and opened > 1 else ["1 = 1"]
            work.extend((index, sql.replace(PART, f"({condition})")) for condition in conditions)
        links = [link for _, link in reader.links]
        if len(work) > len(links):  # the snapshot is not shared: read alone
            results = [reader.frame(first, sql) for _, sql in work]
        else:
            with ThreadPoolExecutor(len(work)) as pool:
                jobs = zip(links[: len(work)], work, strict=True)
                results = list(pool.map(lambda job: reader.frame(job[0], job[1][1]), jobs))
        frames = []
        for index, statement in enumerate(statements):
            pieces = [
                _typed(frame, statement.schema)
                for (owner, _), frame in zip(work, results, strict=True)
                if owner == index
            ]
            frames.append(pieces[0] if len(pieces) == 1 else pl.concat(pieces, rechunk=False))
        return frames
    finally:
        reader.close()


def _typed(frame: pl.DataFrame, schema: dict[str, Any]) -> pl.DataFrame:
    """``frame``'s columns, in order, named and typed as ``schema`` says."""
    return frame.select(
        pl.col(column).cast(kind).alias(name)
        for column, (name, kind) in zip(frame.columns, schema.items(), strict=True)
    )


def main() -> int:
    """The child process: read the job on standard input, write one Arrow IPC file per
    statement (``0.arrow``, ``1.arrow``, …) into its folder. Exit 3: ADBC cannot open the
    database (the parent reads through its own driver then)."""
    job = json.loads(sys.stdin.buffer.read())
    global SPLIT_ROWS
    SPLIT_ROWS = job["split_rows"]
    statements = [
        Statement(sql, {name: getattr(pl, kind) for name, kind in schema.items()}, split)
        for sql, schema, split in job["statements"]
    ]
    frames = adbc_frames("sqlite", job["target"], statements, job["parts"], job["after"])
    if frames is None:
        return 3
    for index, frame in enumerate(frames):
        frame.write_ipc(Path(job["folder"]) / f"{index}.arrow", compression="uncompressed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
