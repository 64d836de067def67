"""The ingest path's statements, in each driver's own SQL, on the driver's own cursor.

Ingest runs these for every request (thousands a second). Building and compiling a
SQLAlchemy statement, and even ``exec_driver_sql``'s result machinery, cost several times
what SQLite takes to run the statement, so the hot path runs the driver's SQL (with the
placeholders of its paramstyle: ``?`` for sqlite3, ``%s`` for psycopg) on the DBAPI cursor
of the connection SQLAlchemy manages, inside the transaction SQLAlchemy began. Column
lists follow the models; a test checks the migrated schema against the models.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

__all__ = [
    "CLOCK_COLUMNS",
    "TICKET_COLUMNS",
    "append_events",
    "chunks",
    "config_digests",
    "config_text",
    "copy_rows",
    "delete_placeholders",
    "ensure_tickets",
    "event_bodies",
    "events_after",
    "insert_events",
    "insert_tickets",
    "keyed",
    "live_token_roles",
    "member_of",
    "newest_config",
    "parts",
    "placeholder",
    "placeholders",
    "replace_clocks",
    "run",
    "run_many",
    "stored_bodies",
    "ticket_states",
    "token_by_digest",
    "update_tickets",
]

CHUNK = 500  # values per IN (…) list
COPY_FROM = 200  # rows from which PostgreSQL gets them by COPY rather than INSERTs

TICKET_COLUMNS = (
    "config_version", "evaluated_at", "event_count", "created_at", "status", "is_open",
    "severity", "account", "account_tier", "tier_rank", "channel", "team", "agent", "subject",
    "policy", "fields", "queue_due", "risk_at", "next_action_at", "marks", "alerted",
    "resolved_at", "replies", "reopens", "escalated", "csat", "first_day", "clock_codes",
    "codes_from", "codes_until",
)  # fmt: skip
CLOCK_COLUMNS = (
    "ticket", "metric", "team", "cycle", "status", "policy", "calendar", "started_at",
    "due_at", "target_us", "elapsed_us", "paused_us", "fulfilled_at", "breached_at",
    "cancelled_at", "objective_us", "objective_due_at", "objective_status", "warnings",
    "evaluated_at", "causes",
)  # fmt: skip
EVENT_COLUMNS = ("id", "ticket", "type", "at", "body", "received_at", "source")


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """``values`` in slices of at most ``size``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def run(connection: Connection, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
    """Run one statement on the driver's cursor; its rows (empty for DML)."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, parameters)
        return cursor.fetchall() if cursor.description is not None else []
    except connection.dialect.loaded_dbapi.Error as exc:
        raise _wrapped(connection, sql, exc) from exc
    finally:
        cursor.close()


def run_many(connection: Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    cursor = connection.connection.cursor()
    try:
        if len(rows) == 1:  # psycopg's executemany opens a pipeline: more work for one row
            cursor.execute(sql, rows[0])
        else:
            cursor.executemany(sql, rows)
    except connection.dialect.loaded_dbapi.Error as exc:
        raise _wrapped(connection, sql, exc) from exc
    finally:
        cursor.close()


def _wrapped(connection: Connection, sql: str, exc: Exception) -> DBAPIError:
    """The driver's error as SQLAlchemy's (IntegrityError, OperationalError…), as the rest
    of the service sees database errors (a retry on IntegrityError, 503 when unreachable);
    a lost connection is invalidated so that the pool does not hand it out again."""
    dbapi = connection.dialect.loaded_dbapi
    error = DBAPIError.instance(sql, None, exc, dbapi.Error)
    if connection.dialect.is_disconnect(exc, connection.connection.dbapi_connection, None):
        connection.invalidate(exc)
    return error


def member_of(
    connection: Connection, column: str, values: Sequence[Any]
) -> tuple[str, Sequence[Any]]:
    """``column IN (?, …)`` on SQLite, ``column = ANY(%s)`` on PostgreSQL, and its parameters.

    PostgreSQL plans a statement with 500 placeholders afresh each time (a bulk import
    spent most of its lookups planning); one array parameter is planned once."""
    if connection.dialect.name == "postgresql":
        return f"{column} = ANY(%s)", (list(values),)
    return f"{column} IN ({placeholders(connection, len(values))})", values


def keyed(
    connection: Connection, table: str, key: str, columns: str, values: Sequence[Any]
) -> tuple[str, Sequence[Any]]:
    """``SELECT columns FROM table WHERE key`` is one of ``values`` (an indexed column), and
    its parameters; the caller may append an ORDER BY of those columns.

    On PostgreSQL one index lookup per value, whatever the table's statistics say: the
    ingest path's ``key = ANY(…)`` lookups were planned as scans of the whole table while
    it had no statistics (a table that grew from empty before autovacuum analysed it, or
    with autovacuum off: every lookup of an ingest scanned every event, ticket or clock;
    bench/README.md, Service). A lateral subquery fenced with ``OFFSET 0`` cannot be
    flattened into a hash join, so it runs once per value as an equality lookup. Only for
    reads: a row lock or a DELETE keeps its plain statement.
    """
    if connection.dialect.name != "postgresql":
        where, parameters = member_of(connection, key, values)
        return f"SELECT {columns} FROM {table} WHERE {where}", parameters
    sql = (
        f"SELECT found.* FROM unnest(%s::text[]) AS keys(key) CROSS JOIN LATERAL "
        f"(SELECT {columns} FROM {table} WHERE {key} = keys.key OFFSET 0) AS found"
    )
    return sql, (list(dict.fromkeys(values)),)  # a repeated key: its rows once, as IN


def parts(connection: Connection, values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """``values`` in slices for :func:`member_of` (SQLite limits a statement's variables)."""
    return chunks(values, CHUNK if connection.dialect.name == "sqlite" else 20 * CHUNK)


def copy_rows(connection: Connection, table: str, columns: Sequence[str], rows: Any) -> None:
    """PostgreSQL: ``COPY`` rows into ``table``, many times faster than INSERTs one by one."""
    cursor = connection.connection.cursor()
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    try:
        with cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except connection.dialect.loaded_dbapi.Error as exc:
        raise _wrapped(connection, sql, exc) from exc
    finally:
        cursor.close()


def placeholder(connection: Connection) -> str:
    return "?" if connection.dialect.name == "sqlite" else "%s"


def placeholders(connection: Connection, count: int) -> str:
    return ", ".join([placeholder(connection)] * count)


def ticket_states(
    connection: Connection, tickets: Sequence[str]
) -> dict[str, tuple[int | None, str, int | None]]:
    """(configuration version, digest of marks alerted on, next action) of each existing
    ticket row."""
    found: dict[str, tuple[int | None, str, int | None]] = {}
    for part in parts(connection, tickets):
        sql, parameters = keyed(
            connection, "tickets", "id", "id, config_version, alerted, next_action_at", part
        )
        found.update((row[0], (row[1], row[2], row[3])) for row in run(connection, sql, parameters))
    return found


def event_bodies(connection: Connection, tickets: Sequence[str]) -> Iterator[tuple[str, str, int]]:
    """(ticket, body, received_at) of every event of ``tickets``, each log in arrival order."""
    for part in parts(connection, tickets):
        # ix_events_ticket_seq serves both the filter and the order.
        sql, parameters = keyed(
            connection, "events", "ticket", "ticket, body, received_at, seq", part
        )
        yield from (row[:3] for row in run(connection, sql + " ORDER BY ticket, seq", parameters))


def stored_bodies(connection: Connection, ids: Sequence[str]) -> dict[str, str]:
    """The stored body of each of ``ids`` that is stored (uq_events_id)."""
    found: dict[str, str] = {}
    for part in parts(connection, ids):
        sql, parameters = keyed(connection, "events", "id", "id, body", part)
        found.update(run(connection, sql, parameters))
    return found


def append_events(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Append events known to be new (bulk import): COPY on PostgreSQL."""
    if connection.dialect.name == "postgresql" and len(rows) >= COPY_FROM:
        copy_rows(connection, "events", EVENT_COLUMNS, rows)
    else:
        insert_events(connection, rows)


def insert_events(
    connection: Connection, rows: list[tuple[Any, ...]], *, skip_known: bool = False
) -> None:
    """Append events (rows in EVENT_COLUMNS order); ``skip_known`` ignores stored ids."""
    sql = (
        f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "
        f"VALUES ({placeholders(connection, len(EVENT_COLUMNS))})"
    )
    if skip_known:
        sql += " ON CONFLICT (id) DO NOTHING"
    run_many(connection, sql, rows)


def ensure_tickets(connection: Connection, tickets: Sequence[str]) -> None:
    """Create missing ticket rows, then (PostgreSQL) lock them all, in the order given."""
    columns = "INSERT INTO tickets (id, is_open, tier_rank, fields, queue_due, event_count) "
    values = f"false, 0, '{{}}', {2**62}, 0"
    if connection.dialect.name == "sqlite":
        sql = f"{columns} VALUES (?, {values}) ON CONFLICT (id) DO NOTHING"
        run_many(connection, sql, [(ticket,) for ticket in tickets])
    else:  # one statement for any number of tickets (an array parameter)
        sql = f"{columns} SELECT unnest(%s::text[]), {values} ON CONFLICT (id) DO NOTHING"
        run(connection, sql, (list(tickets),))
        for part in parts(connection, tickets):
            where, parameters = member_of(connection, "id", part)
            run(
                connection,
                f"SELECT id FROM tickets WHERE {where} ORDER BY id FOR UPDATE",
                parameters,
            )


def insert_tickets(connection: Connection, rows: list[tuple[Any, ...]]) -> list[str]:
    """Insert new tickets (each row: the id, then TICKET_COLUMNS' values) whose id is not
    taken; the ids inserted. On PostgreSQL by COPY into a temporary table, then one INSERT
    that skips an id another transaction has taken meanwhile. (SQLite: the caller holds
    the only write transaction and knows the ids are free.)"""
    columns = ", ".join(("id", *TICKET_COLUMNS))
    if connection.dialect.name == "sqlite":
        marks = placeholders(connection, 1 + len(TICKET_COLUMNS))
        run_many(connection, f"INSERT INTO tickets ({columns}) VALUES ({marks})", rows)
        return [row[0] for row in rows]
    run(connection, "CREATE TEMPORARY TABLE IF NOT EXISTS new_tickets "
                    "(LIKE tickets INCLUDING DEFAULTS) ON COMMIT DROP")  # fmt: skip
    copy_rows(connection, "new_tickets", ("id", *TICKET_COLUMNS), rows)
    sql = (
        f"INSERT INTO tickets ({columns}) SELECT {columns} FROM new_tickets "
        "ON CONFLICT (id) DO NOTHING RETURNING id"
    )
    taken = [row[0] for row in run(connection, sql)]
    run(connection, "TRUNCATE new_tickets")
    return taken


def update_tickets(connection: Connection, rows: Iterable[tuple[Any, ...]]) -> None:
    """Rewrite tickets: each row is TICKET_COLUMNS' values, then the id."""
    mark = placeholder(connection)
    sets = ", ".join(f"{column} = {mark}" for column in TICKET_COLUMNS)
    rows = list(rows)
    if rows:
        sql = f"UPDATE tickets SET {sets} WHERE id = {mark}"
        run_many(connection, sql, rows)


def replace_clocks(
    connection: Connection, tickets: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Delete the clocks of ``tickets`` and insert ``rows`` (CLOCK_COLUMNS order)."""
    for part in parts(connection, tickets):
        where, parameters = member_of(connection, "ticket", part)
        run(connection, f"DELETE FROM clocks WHERE {where}", parameters)
    if len(rows) >= COPY_FROM and connection.dialect.name == "postgresql":
        copy_rows(connection, "clocks", CLOCK_COLUMNS, rows)
    elif rows:
        sql = (
            f"INSERT INTO clocks ({', '.join(CLOCK_COLUMNS)}) "
            f"VALUES ({placeholders(connection, len(CLOCK_COLUMNS))})"
        )
        run_many(connection, sql, rows)


def delete_placeholders(connection: Connection, tickets: Sequence[str]) -> None:
    """Delete ticket rows of ``tickets`` that never got an event (locked for a refused body)."""
    for part in parts(connection, tickets):
        where, parameters = member_of(connection, "id", part)
        run(connection, f"DELETE FROM tickets WHERE {where} AND event_count = 0", parameters)


def token_by_digest(connection: Connection, digest: str) -> tuple[str, str, int | None] | None:
    """(name, role, revoked_at) of the token with this digest (uq_api_tokens_digest)."""
    sql = f"SELECT name, role, revoked_at FROM api_tokens WHERE digest = {placeholder(connection)}"
    rows = run(connection, sql, (digest,))
    return None if not rows else (rows[0][0], rows[0][1], rows[0][2])


def live_token_roles(connection: Connection, digests: Sequence[str]) -> dict[str, str]:
    """The role of each token of ``digests`` that exists and is not revoked
    (uq_api_tokens_digest)."""
    found: dict[str, str] = {}
    for part in parts(connection, digests):
        where, parameters = member_of(connection, "digest", part)
        sql = f"SELECT digest, role FROM api_tokens WHERE {where} AND revoked_at IS NULL"
        found.update(run(connection, sql, parameters))
    return found


def config_digests(connection: Connection, numbers: Sequence[int]) -> dict[int, str]:
    """The digest of each stored configuration version of ``numbers`` (primary key)."""
    found: dict[int, str] = {}
    for part in chunks(numbers):
        marks = placeholders(connection, len(part))
        sql = f"SELECT number, digest FROM config_versions WHERE number IN ({marks})"
        found.update(run(connection, sql, part))
    return found


def config_text(connection: Connection, number: int) -> str:
    """The text of a stored configuration version (primary key)."""
    sql = f"SELECT text FROM config_versions WHERE number = {placeholder(connection)}"
    return str(run(connection, sql, (number,))[0][0])


def newest_config(connection: Connection) -> int | None:
    """The newest configuration version's number (primary key), None before any."""
    value = run(connection, "SELECT max(number) FROM config_versions")[0][0]
    return None if value is None else int(value)


def events_after(
    connection: Connection, last: tuple[int, int] | None, limit: int
) -> list[tuple[int, int, str]]:
    """(at, seq, body) of up to ``limit`` events after ``last`` in (at, seq) order
    (ix_events_at_seq)."""
    mark = placeholder(connection)
    where = "" if last is None else f"WHERE (at, seq) > ({mark}, {mark}) "
    sql = f"SELECT at, seq, body FROM events {where}ORDER BY at, seq LIMIT {mark}"
    parameters = (limit,) if last is None else (*last, limit)
    return [(row[0], row[1], row[2]) for row in run(connection, sql, parameters)]
