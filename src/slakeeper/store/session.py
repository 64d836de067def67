"""Engines and transactions: SQLite in WAL mode (embedded), PostgreSQL (production).

Writes on SQLite begin with ``BEGIN IMMEDIATE``: the database lock is taken at the start
of the transaction, so two writers never interleave a read-evaluate-write of one ticket
(the per-ticket row lock plays that part on PostgreSQL).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

__all__ = ["Database", "create_database"]


class Database:
    """An engine and the two kinds of transaction the services use."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._writer = engine.execution_options(slakeeper_write=True)
        self._lookup = engine.execution_options(slakeeper_lookup=True)
        # SQLite has one writer at a time. Writers queue on a lock rather than in SQLite's
        # busy handler, which sleeps and retries (up to 100 ms a time) and starves
        # throughput when several write at once: threads of a process on a mutex, processes
        # (serve --workers N, a monitor beside the API) on an advisory lock of a file next
        # to the database, which wakes the next writer as soon as the last one commits.
        self._write_lock: AbstractContextManager[Any] = nullcontext()
        if self.is_sqlite:
            self._write_lock = _WriterLock(engine.url.database)

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

    @contextmanager
    def lookup(self) -> Iterator[Connection]:
        """A connection for one read statement, without a transaction around it.

        The token check on every request is one indexed SELECT; BEGIN and ROLLBACK around
        it would triple its round trips.
        """
        with self._lookup.connect() as connection:
            yield connection

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


class _WriterLock:
    """A mutex for the threads of this process, then an flock shared with other processes."""

    def __init__(self, database: str | None) -> None:
        self._threads = threading.Lock()
        self._path = None
        if database and database != ":memory:" and not database.startswith("file:"):
            self._path = database + "-writer.lock"
        self._fd: int | None = None

    def __enter__(self) -> None:
        self._threads.acquire()
        if self._path is None:
            return
        try:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def __exit__(self, *exc: object) -> None:
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()


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
        pool_recycle=1800,
        connect_args={"connect_timeout": 5},
    )
    _ping_when_idle(engine)
    return Database(engine)


PING_AFTER_IDLE = 1.0  # seconds


def _ping_when_idle(engine: Engine) -> None:
    """A database that went away and came back: reconnect (the pool's pre-ping), but only
    for a connection idle over a second. Under load a connection is back in use within
    milliseconds, and a ping on every checkout was one round trip of each transaction. A
    connection broken while in use fails its statement (503) and is discarded then."""

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE:
            return  # just connected, or just used
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"connection lost while idle: {exc}") from exc


def _sqlite_engine(url: str, synchronous: str) -> Engine:
    if synchronous.upper() not in ("FULL", "NORMAL", "EXTRA"):
        raise ValueError(f"SQLite synchronous must be FULL, NORMAL or EXTRA, not {synchronous!r}")
    # Readers never block in WAL mode: keep enough connections for a full thread pool, so
    # that none is opened (and configured) per request.
    engine = create_engine(
        url,
        pool_size=64,
        max_overflow=64,
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
        options = connection.get_execution_options()
        if options.get("slakeeper_lookup"):
            return  # Database.lookup: one statement, in the driver's own autocommit
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get("slakeeper_write") else "BEGIN")

    return engine
