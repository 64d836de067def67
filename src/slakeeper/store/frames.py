"""Query results read straight into Polars frames, for the reports over many stored rows.

Reports read whole tables (a million tickets, four million clocks). Fetching them through
the Python drivers costs a Python object per value (sqlite3) or per row (psycopg's
``COPY``: libpq hands over one row per call), far more than the query itself. So
:func:`read_frames` reads through ADBC (Arrow Database Connectivity: the
``adbc-driver-sqlite`` and ``adbc-driver-postgresql`` wheels, C drivers that build Arrow
columns, which Polars takes without a copy per value; PostgreSQL's is ``COPY`` in binary),
on connections of its own to the same database, in parallel parts that all read one
snapshot (store/adbc_reader.py): the PostgreSQL server, user, database and options of the
psycopg connection, in this process; the SQLite file of the SQLAlchemy connection, in a
child process (two copies of SQLite must not share a process: adbc_reader.py says why),
which pays when the tables are large (from ``CHILD_ROWS`` rows up; the child starts in
about 0.2 s).

Below that, or where ADBC cannot reach the same database (an in-memory SQLite database, a
connection it refuses), the rows come through the SQLAlchemy connection's own driver
(:func:`read_frames_by_driver`): SQLite's cursor in batches of rows turned into frames by
Polars, PostgreSQL's ``COPY (…) TO STDOUT (FORMAT csv)`` read by Polars' CSV reader (CSV
keeps null, an unquoted empty field, apart from the empty string ``""``).

Every frame gets the column names and types of its ``schema``; booleans are selected as
integers (0/1) by the caller and cast afterwards (SQLite has no boolean type).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection

from slakeeper.store import adbc_reader
from slakeeper.store.adbc_reader import PART, Statement
from slakeeper.store.queries import _wrapped

__all__ = ["PART", "Statement", "read_frames", "read_frames_by_driver", "read_sqlite_alone"]

_BATCH = 200_000  # SQLite rows per frame on the driver path
CHILD_ROWS = 100_000  # SQLite: rows of a split table from which the child process reads
_MAX_PARTS = 4
AFTER_SNAPSHOT: str | None = None  # tests: SQL the reader runs once its snapshot is taken


def read_frames(connection: Connection, statements: Sequence[Statement]) -> list[pl.DataFrame]:
    """One frame per statement: through ADBC when it reaches the same database."""
    given = list(statements)
    source = _adbc_source(connection)
    if source is not None and source[0] == "postgresql":
        frames = adbc_reader.adbc_frames(*source, given, parts(), AFTER_SNAPSHOT)
        if frames is not None:
            return frames
    elif source is not None and _largest(connection, given) >= CHILD_ROWS:
        frames = _read_in_child(source[1], given)
        if frames is not None:
            return frames
    return read_frames_by_driver(connection, given)


def read_sqlite_alone(path: str, statements: Sequence[Statement]) -> list[pl.DataFrame] | None:
    """The frames of the SQLite database at ``path``, read over ADBC in this process, or
    None when ADBC cannot open it. Only for a caller with no other connection to that
    database open in this process, nor opening one meanwhile (adbc_reader.py: two copies
    of SQLite must not share a process)."""
    return adbc_reader.adbc_frames("sqlite", path, statements, parts(), AFTER_SNAPSHOT)


def _adbc_source(connection: Connection) -> tuple[str, str] | None:
    """(driver, what it connects to) for ADBC, or None (then the driver path)."""
    raw = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite":
        rows = raw.execute("PRAGMA database_list").fetchall()  # type: ignore[union-attr]
        files = [row[2] for row in rows if row[1] == "main" and row[2]]
        return ("sqlite", files[0]) if files else None
    if connection.dialect.name == "postgresql":
        from psycopg.conninfo import make_conninfo

        info = raw.info  # type: ignore[union-attr]
        parameters = dict(info.get_parameters())
        if info.password:
            parameters["password"] = info.password
        return ("postgresql", make_conninfo("", **parameters))
    return None


def parts() -> int:
    """How many parts a large table is read in: one per core, up to four."""
    return max(1, min(_MAX_PARTS, os.cpu_count() or 1))


def _largest(connection: Connection, statements: Sequence[Statement]) -> int:
    """The rowid span of the largest table a statement splits (SQLite: both ends of the
    rowid b-tree, two lookups)."""
    spans = [0]
    for table in {statement.split for statement in statements if statement.split}:
        # Each end apart: SQLite reads one end of the b-tree only for a lone min() or max().
        sql = f"SELECT (SELECT max(rowid) FROM {table}) - (SELECT min(rowid) FROM {table}) + 1"
        spans.append(connection.exec_driver_sql(sql).scalar() or 0)
    return max(spans)


def _read_in_child(target: str, statements: Sequence[Statement]) -> list[pl.DataFrame] | None:
    """The frames read over ADBC by a child process (the module docstring), or None when
    ADBC cannot open the database there."""
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as folder:
        job = {
            "target": target,
            "folder": folder,
            "parts": parts(),
            "split_rows": adbc_reader.SPLIT_ROWS,
            "after": AFTER_SNAPSHOT,
            "statements": [
                [sql, {name: str(kind) for name, kind in schema.items()}, split]
                for sql, schema, split in statements
            ],
        }
        # The child imports slakeeper from where this process did.
        path = os.pathsep.join(entry for entry in sys.path if entry)
        done = subprocess.run(
            [sys.executable, "-m", "slakeeper.store.adbc_reader"],
            input=json.dumps(job).encode(),
            capture_output=True,
            env=os.environ | {"PYTHONPATH": path},
            check=False,
        )
        if done.returncode == 3:
            return None
        if done.returncode:
            lines = done.stderr.decode(errors="replace").strip().splitlines() or ["no output"]
            raise RuntimeError(f"reading {target} failed: {lines[-1]}")
        return [pl.read_ipc(Path(folder) / f"{index}.arrow") for index in range(len(statements))]


def read_frames_by_driver(
    connection: Connection, statements: Sequence[Statement]
) -> list[pl.DataFrame]:
    """One frame per statement, through the SQLAlchemy connection's own driver."""
    frames = []
    for sql, schema, _ in statements:
        sql = sql.replace(PART, "(1 = 1)")
        cursor = connection.connection.cursor()
        try:
            if connection.dialect.name == "postgresql":
                frames.append(_copied(cursor, sql, schema))
            else:
                frames.append(_fetched(cursor, sql, schema))
        except connection.dialect.loaded_dbapi.Error as exc:
            raise _wrapped(connection, sql, exc) from exc
        finally:
            cursor.close()
    return frames


def _copied(cursor: Any, sql: str, schema: dict[str, Any]) -> pl.DataFrame:
    chunks: list[bytes] = []
    with cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
        for block in copy:
            chunks.append(bytes(block))
    data = b"".join(chunks)
    del chunks
    if not data:
        return pl.DataFrame(schema=schema)
    return pl.read_csv(data, has_header=False, schema=schema, quote_char='"')


def _fetched(cursor: Any, sql: str, schema: dict[str, Any]) -> pl.DataFrame:
    cursor.execute(sql)
    frames = []
    while rows := cursor.fetchmany(_BATCH):
        frames.append(pl.DataFrame(rows, schema=schema, orient="row"))
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat(frames, rechunk=True)
