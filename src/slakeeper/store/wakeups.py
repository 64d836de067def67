"""Waking sleeping monitors early: PostgreSQL ``LISTEN``/``NOTIFY`` on one channel.

A transaction that brings a ticket's next action earlier (ingest, recompute) calls
:func:`announce` once: ``pg_notify('slakeeper_due', '<schema> <instant>')``, which
PostgreSQL delivers when, and only if, the transaction commits. A monitor waits on a
:class:`Listener`, a connection of its own listening on the channel, with a timeout at
the earliest next action it knows; a notice of an earlier instant in its own schema (a
database may hold several instances) wakes it. SQLite has no such thing: monitors there
poll the index (see ``Monitor``).
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

from slakeeper.store.queries import run

if TYPE_CHECKING:
    import psycopg

__all__ = ["CHANNEL", "Listener", "announce"]

CHANNEL = "slakeeper_due"
STOP_CHECK_SECONDS = 1.0  # a wait looks at the stop flag this often (SIGTERM is seen)
# The listening connection sits idle for minutes: TCP keepalives make a peer that vanished
# without closing the socket (a cable, a firewall dropping state) an error within a
# minute, instead of a wait that never hears anything again.
_LISTEN_OPTIONS = {
    "autocommit": True,
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "application_name": "slakeeper-monitor",
}


def announce(connection: Connection, instant: int) -> None:
    """Tell listening monitors, on commit, that a next action at ``instant`` is stored.

    The caller announces once per transaction (the earliest instant it wrote); on SQLite
    this does nothing.
    """
    if connection.dialect.name != "postgresql":
        return
    run(
        connection,
        "SELECT pg_notify(%s, current_schema() || ' ' || %s)",
        (CHANNEL, str(instant)),
    )


class Listener:
    """A connection of its own that listens on :data:`CHANNEL` (PostgreSQL only).

    Not thread-safe: one monitor loop owns it. Any error (the database went away) is
    raised to that loop, which closes the listener and connects again later.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.connection: psycopg.Connection[tuple[object, ...]] | None = None
        self.schema = ""

    def connect(self) -> bool:
        """Listen, unless already listening; True when it connected just now."""
        if self.connection is not None:
            return False
        import psycopg  # here: a service on SQLite never loads the driver

        args, options = self.engine.dialect.create_connect_args(self.engine.url)
        connection = psycopg.connect(*args, **(options | _LISTEN_OPTIONS))
        try:
            row = connection.execute("SELECT current_schema()").fetchone()
            self.schema = str(row[0]) if row is not None else ""
            connection.execute(f"LISTEN {CHANNEL}")
        except BaseException:
            connection.close()
            raise
        self.connection = connection
        return True

    def wait(self, stop: threading.Event, seconds: float, before: int) -> bool:
        """Wait up to ``seconds`` for a notice of a next action earlier than ``before``
        (µs); True when one came, False at the timeout or when ``stop`` is set."""
        if self.connection is None:
            raise RuntimeError("the listener is not connected")
        deadline = time.monotonic() + seconds
        while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
            # A notice that came during another statement is queued: none is lost here.
            for notice in self.connection.notifies(
                timeout=min(left, STOP_CHECK_SECONDS), stop_after=1
            ):
                if self._is_nearer(notice.payload, before):
                    return True
        return False

    def _is_nearer(self, payload: str, before: int) -> bool:
        schema, _, instant = payload.rpartition(" ")
        if schema != self.schema:
            return False  # another instance sharing the database
        try:
            return int(instant) < before
        except ValueError:  # not ours to parse: look, it costs one index lookup
            return True

    def close(self) -> None:
        """Drop the connection (a next :meth:`connect` listens again)."""
        if self.connection is not None:
            with contextlib.suppress(Exception):  # it may be broken already
                self.connection.close()
        self.connection = None
