"""Engines and transactions: SQLite in WAL mode (embedded), PostgreSQL (production).

Writes on SQLite begin with ``BEGIN IMMEDIATE``: the database lock is taken at the start
of the transaction, so two writers never interleave a read-evaluate-write of one ticket
(the per-ticket row lock plays that part on PostgreSQL).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

__all__ = ["Database", "create_database"]


class Database:
    """An engine and the two kinds of transaction the services use."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._writer = engine.execution_options(slakeeper_write=True)
        # SQLite has one writer at a time; threads of one process queue here, in order,
        # rather than in SQLite's busy handler, which sleeps and retries (up to 100 ms a
        # time) and starves throughput when many threads write at once.
        self._write_lock: AbstractContextManager[Any] = (
            threading.Lock() if self.is_sqlite else nullcontext()
        )

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction (committed when the block ends without an exception)."""
        with self._write_lock, self._writer.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction."""
        with self.engine.connect() as connection:
            yield connection

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def create_database(url: str, *, pool_size: int = 5, sqlite_synchronous: str = "FULL") -> Database:
    """A :class:`Database` for ``url`` (``sqlite:///file.db`` or ``postgresql+psycopg://…``)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return Database(_sqlite_engine(url, sqlite_synchronous))
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(
        parsed,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,  # a database that went away and came back: reconnect
        pool_recycle=1800,
        connect_args={"connect_timeout": 5},
    )
    return Database(engine)


def _sqlite_engine(url: str, synchronous: str) -> Engine:
    if synchronous.upper() not in ("FULL", "NORMAL", "EXTRA"):
        raise ValueError(f"SQLite synchronous must be FULL, NORMAL or EXTRA, not {synchronous!r}")
    # Readers never block in WAL mode: keep enough connections for a full thread pool, so
    # that none is opened (and configured) per request.
    engine = create_engine(
        url,
        pool_size=20,
        max_overflow=40,
        connect_args={"timeout": 30, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Take over BEGIN from the driver (see the module docstring) and set WAL.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk before the event is acknowledged, power loss included
        # (NORMAL survives a killed process but may lose the last commits on power loss).
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        write = connection.get_execution_options().get("slakeeper_write")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
