"""The token check of every API request, on one database connection of its own per process.

Checking out a pooled connection for one indexed SELECT cost more than the SELECT: on
PostgreSQL a thread hop, the pool's liveness ping and a ROLLBACK on return (three round
trips), on SQLite the pool's bookkeeping. Here each process keeps one connection for
token lookups, in autocommit, used from the event loop only:

- SQLite: a plain ``sqlite3`` connection (WAL: a reader sees every committed revocation);
- PostgreSQL: a psycopg ``AsyncConnection`` (one round trip, the event loop never waits).

Nothing is cached: each request reads its token's row, so a revoked token is refused at
once. A lost connection is dropped and the request answered 503 (the database error
handler); the next request connects again.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from typing import Any

from sqlalchemy.exc import DBAPIError

from slakeeper.services.tokens import PREFIX, Principal, Role, token_digest
from slakeeper.store import queries
from slakeeper.store.session import Database

__all__ = ["TokenCheck"]

_SQL = "SELECT name, role, revoked_at FROM api_tokens WHERE digest = {}"  # uq_api_tokens_digest


class TokenCheck:
    """``await check.principal(token)``: the principal of a live token, or None."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._sqlite: sqlite3.Connection | None = None
        self._postgres: Any = None  # psycopg.AsyncConnection, opened on first use
        self._connecting = asyncio.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None  # the one _postgres belongs to
        path = database.engine.url.database if database.is_sqlite else None
        # A second connection sees the same data only for a database in a file.
        self._own_file = bool(path) and path != ":memory:" and not str(path).startswith("file:")

    async def principal(self, token: str) -> Principal | None:
        if not token.startswith(PREFIX) or len(token) > 100:
            return None
        digest = token_digest(token)
        if self.database.is_sqlite and not self._own_file:
            with self.database.lookup() as connection:  # an in-memory database: the pool's
                rows = queries.run(connection, _SQL.format("?"), (digest,))
            row = rows[0] if rows else None
        elif self.database.is_sqlite:
            row = self._sqlite_row(digest)
        else:
            row = await self._postgres_row(digest)
        if row is None or row[2] is not None:
            return None
        return Principal(row[0], Role(row[1]))

    def _sqlite_row(self, digest: str) -> Any:
        try:
            if self._sqlite is None:
                self._sqlite = sqlite3.connect(
                    str(self.database.engine.url.database),
                    isolation_level=None,  # autocommit: each SELECT reads the newest commit
                    check_same_thread=False,
                    timeout=30,
                )
            rows = self._sqlite.execute(_SQL.format("?"), (digest,)).fetchall()
            return rows[0] if rows else None  # all fetched: no statement left open
        except sqlite3.Error as exc:
            self.close()
            raise DBAPIError.instance(_SQL, None, exc, sqlite3.Error) from exc

    async def _postgres_row(self, digest: str) -> Any:
        import psycopg

        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # an app served again on another loop (tests): start over
            self._loop, self._postgres, self._connecting = loop, None, asyncio.Lock()
        for attempt in (1, 2):
            fresh = False
            try:
                async with self._connecting:
                    if self._postgres is None or self._postgres.closed:
                        engine = self.database.engine
                        args, kwargs = engine.dialect.create_connect_args(engine.url)
                        self._postgres = await psycopg.AsyncConnection.connect(
                            *args, **dict(kwargs, autocommit=True, connect_timeout=5)
                        )
                        fresh = True
                    connection = self._postgres
                cursor = await connection.execute(_SQL.format("%s"), (digest,), prepare=True)
                return await cursor.fetchone()
            except psycopg.OperationalError as exc:
                await self._close_postgres()
                # A connection left from before the database restarted: once more, anew.
                if fresh or attempt == 2:
                    raise DBAPIError.instance(_SQL, None, exc, psycopg.Error) from exc
            except psycopg.Error as exc:
                raise DBAPIError.instance(_SQL, None, exc, psycopg.Error) from exc
        raise AssertionError("unreachable")

    async def _close_postgres(self) -> None:
        connection, self._postgres = self._postgres, None
        if connection is not None:
            with contextlib.suppress(Exception):  # already broken: nothing more to release
                await connection.close()

    def close(self) -> None:
        """Drop the SQLite connection."""
        if self._sqlite is not None:
            connection, self._sqlite = self._sqlite, None
            connection.close()

    async def aclose(self) -> None:
        """Close both kinds (at shutdown, on the loop that served)."""
        self.close()
        if self._loop is asyncio.get_running_loop():
            await self._close_postgres()
        self._postgres = None
