"""Query results read straight into Polars frames, for the reports over many stored rows.

Reports read whole tables (a million tickets, four million clocks). Fetching them through
the Python drivers costs a Python object per value (sqlite3) or per row (psycopg's
``COPY``: libpq hands over one row per call), far more than the query itself. So
:func:`read_frames` reads through ADBC (Arrow Database Connectivity: the
``adbc-driver-sqlite`` and ``adbc-driver-postgresql`` wheels, C drivers that build Arrow
columns, which Polars takes without a copy per value; PostgreSQL's is ``COPY`` in binary),
on a connection of its own to the same database: the SQLite file of the SQLAlchemy
connection, or the PostgreSQL server, user, database and options of its psycopg
connection. Both statements run in one read transaction on that connection.

Where ADBC cannot reach the same database (an in-memory SQLite database, a connection it
refuses), the rows come through the SQLAlchemy connection's own driver instead
(:func:`read_frames_by_driver`): SQLite's cursor in batches of rows turned into frames by
Polars, PostgreSQL's ``COPY (…) TO STDOUT (FORMAT csv)`` read by Polars' CSV reader (CSV
keeps null, an unquoted empty field, apart from the empty string ``""``).

Every frame gets the column names and types of its ``schema``; booleans are selected as
integers (0/1) by the caller and cast afterwards (SQLite has no boolean type).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
from sqlalchemy import Connection

from slakeeper.store.queries import _wrapped

__all__ = ["read_frames", "read_frames_by_driver"]

_BATCH = 200_000  # SQLite rows per frame on the driver path
Statement = tuple[str, dict[str, Any]]  # (SQL without parameters, the frame's schema)


def read_frames(connection: Connection, statements: Sequence[Statement]) -> list[pl.DataFrame]:
    """One frame per statement: through ADBC when it reaches the same database."""
    source = _adbc_source(connection)
    if source is not None:
        frames = _adbc_frames(*source, statements)
        if frames is not None:
            return frames
    return read_frames_by_driver(connection, statements)


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


def _adbc_frames(
    driver: str, target: str, statements: Sequence[Statement]
) -> list[pl.DataFrame] | None:
    """The frames read over ADBC, or None when it cannot connect."""
    try:
        import adbc_driver_manager as manager

        if driver == "sqlite":
            import adbc_driver_sqlite as module
        else:
            import adbc_driver_postgresql as module  # type: ignore[no-redef,import-untyped]
    except ImportError:
        return None
    try:
        database = module.connect(target)
        link = manager.AdbcConnection(database)
    except manager.Error:
        return None
    try:
        link.set_autocommit(False)  # both statements in one read transaction
        frames = []
        for sql, schema in statements:
            statement = manager.AdbcStatement(link)
            try:
                statement.set_sql_query(_probed(sql, schema) if driver == "sqlite" else sql)
                stream, _ = statement.execute_query()
                frame = pl.DataFrame(stream)
                if driver == "sqlite":
                    frame = frame.filter(pl.col(_PROBE) == 1).drop(_PROBE)
                frames.append(_typed(frame, schema))
            finally:
                statement.close()
        link.rollback()
        return frames
    finally:
        link.close()
        database.close()


def _probed(sql: str, schema: dict[str, Any]) -> str:
    """``sql`` after a first row holding a value of every column's type, marked 0 in a last
    column (the real rows 1). SQLite's ADBC driver takes each column's type from the values
    of its first batch of rows; a column null throughout that batch would be taken as
    integers, and a text or real value later refused ("Type mismatch")."""
    values = ", ".join(
        f"{_PROBE_VALUES.get(kind, repr(''))} AS c{n}" for n, kind in enumerate(schema.values())
    )
    return f"SELECT {values}, 0 AS {_PROBE} UNION ALL SELECT *, 1 FROM ({sql})"


_PROBE = "probe_"
_PROBE_VALUES = {pl.Int64: "0", pl.Float64: "0.0", pl.String: "''"}


def _typed(frame: pl.DataFrame, schema: dict[str, Any]) -> pl.DataFrame:
    """``frame``'s columns, in order, named and typed as ``schema`` says."""
    return frame.select(
        pl.col(column).cast(kind).alias(name)
        for column, (name, kind) in zip(frame.columns, schema.items(), strict=True)
    )


def read_frames_by_driver(
    connection: Connection, statements: Sequence[Statement]
) -> list[pl.DataFrame]:
    """One frame per statement, through the SQLAlchemy connection's own driver."""
    frames = []
    for sql, schema in statements:
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
