"""Reports over history: the same columnar tables from an event file or from the database.

1. :func:`parse_query` reads the parameters shared by ``slakeeper report`` and
   ``GET /api/v1/reports/{name}``; an error names the parameter.
2. :func:`tables_from_file` evaluates an event file at ``now`` and derives each ticket's
   facts; :func:`tables_from_database` reads the stored ``tickets`` and ``clocks`` rows.
   Both give :class:`~slakeeper.analytics.tables.Tables` with the same columns.
3. :func:`run_report` computes the report's rows (slakeeper.analytics.figures);
   :func:`render` writes them as JSON or CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from sqlalchemy import Connection

from slakeeper.analytics.codes import BY_LETTER, LENGTH, OBJECTIVES, STATUSES
from slakeeper.analytics.figures import REPORTS, TICKET_KEYS, Query, compute
from slakeeper.analytics.tables import (
    CLOCK_COLUMNS,
    GROUP_KEYS,
    TICKET_COLUMNS,
    Tables,
    make_tables,
    make_tables_from_frames,
)
from slakeeper.core.durations import parse_duration
from slakeeper.core.errors import InputError, NotFoundError, SlaError
from slakeeper.core.instants import parse_instant_us
from slakeeper.core.zones import load_zone, local_to_utc_us
from slakeeper.store import queries
from slakeeper.store.frames import PART, Statement, read_frames, read_sqlite_alone

if TYPE_CHECKING:  # the offline path's modules are imported when it runs (start-up time)
    from slakeeper.core.clocks import Cycle
    from slakeeper.core.configuration import Configuration
    from slakeeper.core.evaluation import Diagnostic, TicketResult
    from slakeeper.store.session import Database

__all__ = [
    "DOCUMENTS",
    "FORMATS",
    "NAMES",
    "instant_bound",
    "parse_query",
    "render",
    "report_tables",
    "run_report",
    "tables_from_database",
    "tables_from_database_by_rows",
    "tables_from_file",
    "tables_from_sqlite_file",
]

DOCUMENTS = ("contract",)  # reports written as documents (services/contract.py), not rows
NAMES = (*REPORTS, *DOCUMENTS)
FORMATS = ("table", "json", "csv")
DOCUMENT_FORMATS = (*FORMATS, "html", "pdf")
_US_PER_DAY = 86_400_000_000


def check_name(name: str) -> None:
    """Refuse an unknown report (NotFoundError)."""
    if name not in NAMES:
        known = ", ".join(NAMES)
        raise NotFoundError(f"no report {name!r} (reports: {known})")


def check_format(value: str, prefix: str = "--", name: str | None = None) -> str:
    """The output format of report ``name``; html and pdf are the contract report's only."""
    allowed = DOCUMENT_FORMATS if name in DOCUMENTS else FORMATS
    if value in DOCUMENT_FORMATS and value not in allowed:
        message = f"format {value!r} is for the contract report (expected {', '.join(allowed)})"
        raise InputError(message, path=(f"{prefix}format",))
    if value not in allowed:
        raise InputError(
            f"unknown format {value!r} (expected {', '.join(allowed)})", path=(f"{prefix}format",)
        )
    return value


def parse_query(
    name: str,
    *,
    by: str | None = None,
    start: str | None = None,
    end: str | None = None,
    timezone: str = "UTC",
    within: str | None = None,
    time: str = "business",
    prefix: str = "--",
) -> Query:
    """Read a report's parameters (``prefix`` names them: ``--by`` or ``by``)."""
    check_name(name)
    if name in DOCUMENTS:
        raise InputError(f"report {name!r} is a document: see services/contract.py")
    _, default_by, per_ticket = REPORTS[name]
    try:
        load_zone(timezone)
    except SlaError as exc:
        raise InputError(exc.message, path=(f"{prefix}timezone",)) from None
    if time not in ("business", "calendar"):
        message = f"unknown time {time!r} (expected business or calendar)"
        raise InputError(message, path=(f"{prefix}time",))
    return Query(
        by=_keys(by, default_by, per_ticket, f"{prefix}by"),
        start=instant_bound(start, timezone, f"{prefix}from", inclusive_day=False),
        end=instant_bound(end, timezone, f"{prefix}to", inclusive_day=True),
        timezone=timezone,
        within=_within(within, time == "calendar", f"{prefix}within"),
        calendar_time=time == "calendar",
    )


def _keys(
    text: str | None, default: tuple[str, ...], per_ticket: bool, option: str
) -> tuple[str, ...]:
    if text is None:
        return default
    keys = tuple(part.strip() for part in text.split(",") if part.strip())
    allowed = TICKET_KEYS if per_ticket else tuple(GROUP_KEYS)
    for key in keys:
        if key not in allowed:
            raise InputError(
                f"unknown key {key!r} (expected any of {', '.join(allowed)})", path=(option,)
            )
    if len(set(keys)) != len(keys):
        raise InputError(f"a key is repeated in {text!r}", path=(option,))
    return keys


def instant_bound(
    text: str | None, timezone: str, option: str, *, inclusive_day: bool
) -> int | None:
    """An instant (RFC 3339 with an offset) or a date: local midnight in ``timezone``.

    A ``--to`` date includes that whole day (the bound is the next local midnight).
    """
    if text is None:
        return None
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        raise InputError(f"invalid date {text!r} (expected YYYY-MM-DD)", path=(option,)) from None
    if day is None:
        try:
            return parse_instant_us(text)
        except SlaError as exc:
            raise InputError(exc.message, path=(option,)) from None
    if inclusive_day:
        day += timedelta(days=1)
    local = (day - date(1970, 1, 1)).days * _US_PER_DAY
    return local_to_utc_us(load_zone(timezone), local)  # a midnight in a DST gap: the transition


def _within(text: str | None, calendar_time: bool, option: str) -> int:
    if text is None:
        return 3_600_000_000
    try:
        value = parse_duration(text, allow_days=calendar_time)
    except SlaError as exc:
        raise InputError(exc.message, path=(option,)) from None
    return value


def run_report(name: str, tables: Tables, query: Query) -> tuple[list[str], list[dict[str, Any]]]:
    """The columns and rows of report ``name`` (docs/reports.md)."""
    check_name(name)
    if name in DOCUMENTS:
        raise InputError(f"report {name!r} is a document: see services/contract.py")
    return compute(name, tables, query)


def tables_from_file(
    events_path: str | Path, config: Configuration, now: int
) -> tuple[Tables, list[Diagnostic]]:
    """Evaluate an event file at ``now`` into report tables, and the diagnostics."""
    from slakeeper.core.evaluation import evaluate_logged, group_events
    from slakeeper.services.evaluations import collection_paused, read_events

    diagnostics: list[Diagnostic] = []
    tickets: dict[str, list[Any]] = {column: [] for column in TICKET_COLUMNS}
    clocks: dict[str, list[Any]] = {column: [] for column in CLOCK_COLUMNS}
    with collection_paused():
        try:
            with open(events_path, "rb") as file:
                events = list(read_events(file, diagnostics))
        except OSError as exc:
            raise InputError(f"cannot read {events_path}: {exc.strerror or exc}") from None
        by_ticket = group_events(events, now, diagnostics)
        del events
        for ticket, log in by_ticket.items():
            result = evaluate_logged(ticket, log, config, now, diagnostics)
            if result is not None:
                _add_ticket(tickets, clocks, result, log, config, now)
    return make_tables(tickets, clocks, now), diagnostics


def _add_ticket(
    tickets: dict[str, list[Any]],
    clocks: dict[str, list[Any]],
    result: TicketResult,
    log: list[Any],
    config: Configuration,
    now: int,
) -> None:
    """Append one evaluated ticket's row and its clocks' rows (as the store writes them)."""
    from slakeeper.analytics.facts import causes_text, ticket_facts
    from slakeeper.services.refresh import ticket_tier

    facts = ticket_facts(result, log)
    fields = result.fields
    row = {
        "ticket": result.ticket,
        "created_at": result.created_at,
        "status": result.status,
        "severity": _text(fields.get("severity")),
        "account": _text(fields.get("account")),
        "account_tier": ticket_tier(fields, config),
        "channel": _text(fields.get("channel")),
        "team": _text(fields.get("team")),
        "agent": _text(fields.get("agent")),
        "policy": result.policy,
        "resolved_at": facts.resolved_at,
        "replies": facts.replies,
        "reopens": facts.reopens,
        "escalated": facts.escalated,
        "csat": facts.csat,
        "first_day": facts.first_day,
    }
    for column, value in row.items():
        tickets[column].append(value)
    for cycle in result.cycles:
        key = (cycle.metric.value, cycle.team or "", cycle.number)
        for column, value in _clock_row(
            result.ticket, cycle, now, causes_text(facts.causes.get(key))
        ).items():
            clocks[column].append(value)


def _clock_row(ticket: str, cycle: Cycle, now: int, causes: str) -> dict[str, Any]:
    end = cycle.fulfilled_at if cycle.fulfilled_at is not None else cycle.cancelled_at
    return {
        "ticket": ticket,
        "metric": cycle.metric.value,
        "clock_team": cycle.team or "",
        "cycle": cycle.number,
        "status": cycle.status.value,
        "started_at": cycle.started_at,
        "due_at": cycle.due_at(),
        "fulfilled_at": cycle.fulfilled_at,
        "breached_at": cycle.breached_at,
        "cancelled_at": cycle.cancelled_at,
        "elapsed_us": cycle.elapsed_at(now if end is None else end),
        "objective_us": cycle.target.objective,
        "objective_due_at": cycle.objective_due_at(),
        "objective_status": cycle.objective_status(),
        "causes": causes,
    }


def _text(value: object) -> str | None:
    return None if value is None else str(value)


# Stored columns in the order of analytics.tables' TICKET_COLUMNS and CLOCK_COLUMNS.
_TICKETS_SQL = (
    "SELECT id, created_at, status, severity, account, account_tier, channel, team, agent, "
    "policy, resolved_at, replies, reopens, escalated, csat, first_day "
    "FROM tickets WHERE created_at IS NOT NULL"
)
_CLOCKS_SQL = (
    "SELECT ticket, metric, team, cycle, status, started_at, due_at, fulfilled_at, "
    "breached_at, cancelled_at, elapsed_us, objective_us, objective_due_at, "
    "objective_status, causes FROM clocks"
)
# Report table column → stored column (the same name unless given here).
_STORED = {"tickets": {"ticket": "id"}, "clocks": {"clock_team": "team"}}
_BOOLEANS = ("escalated", "first_day")  # read as 0/1 (SQLite has no booleans), then cast
# The clock columns every report of clocks reads: the clock's metric, status and objective
# status, judged at ``now`` in SQL (as analytics/tables.py judges them), and whether it
# was fulfilled by then, packed into one small integer (_PACKED, the judged code of
# analytics/codes.py). That reads far less than the five instants and
# two strings they derive from: a driver's cost is mostly per row and per column, and a
# string costs it more than an integer (SQLite's read of a million tickets' clocks took
# 2.9 s with the statuses as strings, 1.5 s as codes). The clock's start is read when the
# report needs it: a period (its clocks were chosen in SQL, and the figures choose them
# again), weeks or months, calendar time. Its ticket is read when the clocks take their
# ticket's fields (a ticket field among the --by keys) or are counted per ticket
# (escalations), its own team when grouped by team.
_JUDGED = ("metric", "status", "objective_status")
_STATUS_ENUM = pl.Enum(STATUSES)
_METRIC_ENUM = pl.Enum(sorted(name for name in BY_LETTER if name is not None))
_OBJECTIVE_ENUM = pl.Enum([name for name in OBJECTIVES if name is not None])
_PACKED = "judged_"
_STATUS_SQL = (
    "CASE WHEN cancelled_at <= {now} THEN 3 WHEN breached_at <= {now} "
    "THEN 2 WHEN fulfilled_at <= {now} THEN 1 WHEN due_at <= {now} "
    "THEN 2 ELSE 0 END"
)
# The metric by the code point of its first letter and the objective status by its length,
# which tell the names apart (analytics/codes.py) and cost a database far less than
# comparing strings (PostgreSQL's server time for a million tickets' clocks: 1.5 s against
# 1.0 s).


def _packed_sql(now: int, postgresql: bool) -> str:
    """The SQL of _PACKED, judged at ``now``."""
    letter, length = ("ascii", "octet_length") if postgresql else ("unicode", "length")
    objective = (
        f"CASE {length}(objective_status) "
        f"WHEN {LENGTH['running']} THEN (CASE WHEN objective_due_at <= {now} THEN 2 ELSE 0 END) "
        f"WHEN {LENGTH['met']} THEN 1 WHEN {LENGTH['missed']} THEN 2 ELSE 3 END"
    )
    status = _STATUS_SQL.format(now=now)
    fulfilled = f"CASE WHEN fulfilled_at <= {now} THEN 16 ELSE 0 END"
    return f"({letter}(metric) - 97) * 32 + ({fulfilled}) + ({status}) * 4 + ({objective})"


# Reports of clocks by the period of their start: only those clocks are read (escalations
# reads every clock: a ticket of the period breached by any of its clocks). They read no
# ticket rows but their fields, joined to the clocks here.
_CLOCK_PERIOD = ("compliance", "service-level", "times", "breach-causes")
# The only clocks some reports count (analytics/figures.py): breached ones (escalations,
# breach causes), fulfilled first responses and resolutions (times).
_ONLY = {
    "escalations": "({status}) = 2",
    "breach-causes": "({status}) = 2",
    "times": (
        "fulfilled_at <= {now} AND ({status}) <> 3 AND metric IN ('first_response', 'resolution')"
    ),
}
# The columns each report reads beyond its --by keys: (ticket columns, clock columns);
# None: that report reads no clocks.
_NEEDS: dict[str, tuple[tuple[str, ...], tuple[str, ...] | None]] = {
    "compliance": ((), _JUDGED),
    "service-level": ((), (*_JUDGED, "fulfilled_at", "elapsed_us")),
    "times": ((), (*_JUDGED, "fulfilled_at", "elapsed_us")),
    "breach-causes": ((), (*_JUDGED, "causes")),
    "resolution-quality": (("created_at", "resolved_at", "replies", "reopens", "first_day"), None),
    "escalations": (("created_at", "escalated"), ("ticket", "started_at", *_JUDGED)),
    "csat": (("created_at", "resolved_at", "csat"), None),
    "backlog": (("created_at", "resolved_at"), None),
}
# Ticket columns of the --by keys (week and month derive from an instant already read).
_KEY_COLUMNS = ("severity", "account", "account_tier", "channel", "team", "agent", "policy")
_KEY = "key_"  # the column clocks are joined to their ticket's fields on


Reader = Callable[[list[Statement]], list[pl.DataFrame]]


def tables_from_database(
    connection: Connection, now: int, report: str | None = None, query: Query | None = None
) -> Tables:
    """Report tables from the stored tickets and clocks, judged at ``now``.

    With ``report`` (and its query), only the columns that report reads are read (the
    others are null), no clocks for a report of tickets alone, and for a report of clocks
    only those started in its period and by ``now`` (indexed: ix_clocks_started_at); without, every
    column (the console's dashboard reads several reports from one load). Each table is
    read into a frame in one piece (store/frames.py: ADBC, in parallel parts), not row by
    row.
    """
    postgresql = connection.dialect.name == "postgresql"
    return _tables(
        lambda statements: read_frames(connection, statements), postgresql, now, report, query
    )


def report_tables(
    database: Database,
    now: int,
    report: str | None = None,
    query: Query | None = None,
    *,
    alone: bool = False,
) -> Tables:
    """:func:`tables_from_database` of ``database``. ``alone``: the caller opens no other
    connection to it in this process meanwhile (``slakeeper report``), so a SQLite file is
    read over ADBC in this process (:func:`tables_from_sqlite_file`) rather than in a
    child process (store/frames.py), once the pool's idle connections are closed."""
    path = database.engine.url.database
    if alone and database.is_sqlite and path and path != ":memory:" and "file:" not in path:
        database.dispose()
        if database.engine.pool.checkedout() == 0:  # type: ignore[attr-defined]
            tables = tables_from_sqlite_file(path, now, report, query)
            if tables is not None:
                return tables
    with database.read() as connection:
        return tables_from_database(connection, now, report, query)


def tables_from_sqlite_file(
    path: str, now: int, report: str | None = None, query: Query | None = None
) -> Tables | None:
    """:func:`tables_from_database` for the SQLite database at ``path``, read over ADBC in
    this process: no child process to start (store/frames.py). Only for a caller that has
    no other connection to that database open in this process, nor opens one meanwhile
    (``slakeeper report``: two copies of SQLite must not share a process,
    store/adbc_reader.py). None when ADBC cannot open it."""

    def read(statements: list[Statement]) -> list[pl.DataFrame]:
        frames = read_sqlite_alone(path, statements)
        if frames is None:
            raise _Unreadable
        return frames

    try:
        return _tables(read, False, now, report, query)
    except _Unreadable:
        return None


class _Unreadable(Exception):
    """ADBC cannot open the database (tables_from_sqlite_file)."""


def _tables(
    read: Reader, postgresql: bool, now: int, report: str | None, query: Query | None
) -> Tables:
    """The report tables read by ``read`` (see tables_from_database) from a PostgreSQL
    database or a SQLite one (their SQL functions differ; PostgreSQL's clocks take their
    tickets' fields on hashes of the ids, _hashes)."""
    if report is None:
        statements = [
            _statement("tickets", tuple(TICKET_COLUMNS), "created_at IS NOT NULL"),
            _statement("clocks", tuple(CLOCK_COLUMNS), None),
        ]
        tickets, clocks = read(statements)
        return make_tables_from_frames(_booleans(tickets), clocks, now)
    query = query or Query()
    if report in _CLOCK_PERIOD:
        return _clock_tables(read, now, report, query, postgresql, hashed=postgresql)
    ticket_extra, clock_names = _NEEDS[report]
    keys = {GROUP_KEYS[key] for key in query.by}
    fields = tuple(column for column in _KEY_COLUMNS if column in keys)
    statements = [
        _statement("tickets", ("ticket", *ticket_extra, *fields), "created_at IS NOT NULL")
    ]
    if clock_names is not None:  # escalations: every clock, counted per ticket
        where = f"{_started(now, None)} AND ({_STATUS_SQL.format(now=int(now))}) = 2"
        statements.append(
            _statement("clocks", clock_names, where, judged_at=now, postgresql=postgresql)
        )
    frames = read(statements)
    tickets = _booleans(frames[0])
    clocks = pl.DataFrame(schema=CLOCK_COLUMNS) if clock_names is None else _unpacked(frames[1])
    return make_tables_from_frames(tickets, clocks, now, judged=clock_names is not None)


def _clock_tables(
    read: Reader, now: int, report: str, query: Query, postgresql: bool, *, hashed: bool
) -> Tables:
    """The tables of a report of clocks: its clocks, with the ticket fields it groups by."""
    keys = {GROUP_KEYS[key] for key in query.by}
    fields = tuple(column for column in _KEY_COLUMNS if column in keys)
    names = _NEEDS[report][1] or ()
    started = query.start is not None or query.end is not None or bool(keys & {"week", "month"})
    if started or (report == "service-level" and query.calendar_time):
        names = (*names, "started_at")
    if "team" in keys:
        names = (*names, "clock_team")
    # Whether a clock was fulfilled by now is in _PACKED: its instant is read only for
    # calendar time (fulfilment minus start); else the figures compare it to now alone.
    instant = report == "service-level" and query.calendar_time
    if not instant:
        names = tuple(name for name in names if name != "fulfilled_at")
    where = _started(now, query)
    if report in _ONLY:
        status = _STATUS_SQL.format(now=int(now))
        where += " AND " + _ONLY[report].format(now=int(now), status=status)
    if set(names) <= set(_JUDGED):  # no period: where is _started(now, None)
        return _coded_tables(read, now, fields, postgresql)
    key = _HASH if hashed else "{0}"  # PostgreSQL: an integer
    statements = [
        _statement(
            "clocks",
            names,
            where,
            judged_at=now,
            key=key if fields else None,
            postgresql=postgresql,
        )
    ]
    if fields:
        statements.append(_statement("tickets", fields, "created_at IS NOT NULL", key=key))
    frames = read(statements)
    clocks = _unpacked(frames[0], None if instant else now)
    if fields:
        tickets = frames[1]
        if hashed and tickets.get_column(_KEY).n_unique() < tickets.height:
            # Two ticket ids with one 64-bit hash (about one chance in 10^7 for a million
            # tickets): join on the ids themselves.
            return _clock_tables(read, now, report, query, postgresql, hashed=False)
        clocks = clocks.join(tickets, on=_KEY, how="left").drop(_KEY)
    return make_tables_from_frames(
        pl.DataFrame(schema=TICKET_COLUMNS), clocks, now, judged=True, joined=True
    )


# _hashes: ticket ids are joined on as hashes computed by the database (PostgreSQL's
# ``hashtextextended``): a driver reads an integer faster than a string, and Polars joins
# on it faster. SQLite has no hash function: its ids are joined as they are.
_HASH = "hashtextextended({0}, 0)"
_CODES = "clock_codes"
_COUNT = "n_"


def _coded_tables(read: Reader, now: int, fields: tuple[str, ...], postgresql: bool) -> Tables:
    """The tables of a report that reads of each clock only its judged code and its
    ticket's fields (compliance, without a period, weeks, months or teams): from the codes
    kept on the ticket rows (analytics/codes.py) where they hold at ``now``, counted per
    combination of the fields and the codes (by PostgreSQL; SQLite's GROUP BY sorts, so
    its rows, one per ticket, are counted by Polars), each combination repeated as many
    times as it was counted; the clocks of the other tickets (open ones whose clocks have
    turned since, those stored before the codes were kept) are read one by one. The same
    frame as reading every clock, for a read of a few thousand rows (PostgreSQL) or one
    per ticket (SQLite) rather than one per clock: a million tickets' clocks cost
    PostgreSQL's driver 1.5 s of CPU and the server 2 s to judge, more than two cores
    could share out under 2 s."""
    # A ticket's codes: those kept where they hold at ``now``, else judged from its clocks,
    # looked up by their index (the clocks of a ticket whose codes hold are not read).
    judged = _packed_sql(now, postgresql)
    kept = f"CASE WHEN codes_from <= {now} AND {now} < codes_until THEN {_CODES} ELSE ("
    if postgresql:
        kept += f"SELECT string_agg(({judged})::text, ' ') "
    else:
        kept += f"SELECT group_concat({judged}, ' ') "
    kept += f"FROM clocks WHERE clocks.ticket = tickets.id AND {_started(now, None)}) END"
    keys = ", ".join((*fields, _CODES))
    sql = f"SELECT {', '.join(fields) + ', ' if fields else ''}{kept} AS {_CODES} FROM tickets"
    sql += f" WHERE {PART}"
    schema = {name: TICKET_COLUMNS[name] for name in fields} | {_CODES: pl.String}
    if postgresql:  # SQLite groups by sorting, slower than counting every row in Polars
        sql = f"SELECT {keys}, count(*) FROM ({sql}) x GROUP BY {keys}"
        schema[_COUNT] = pl.Int64
    (combinations,) = read([Statement(sql, schema, "tickets")])
    if not postgresql:
        combinations = combinations.group_by(*fields, _CODES).agg(pl.len().alias(_COUNT))
    # In one order however the rows were grouped and split.
    combinations = combinations.sort(_CODES, *fields, _COUNT, nulls_last=True)
    codes = combinations.filter(pl.col(_CODES) != "")  # no clock started by now: null, ""
    # The fields as enums of their values in order (analytics/tables.py keeps enums): a
    # few thousand strings repeated millions of times are gathered and grouped as small
    # integers, and sort as the strings do.
    codes = codes.with_columns(
        pl.col(name).cast(pl.Enum(sorted(codes.get_column(name).drop_nulls().unique())))
        for name in fields
    )
    codes = codes.with_columns(pl.col(_CODES).str.split(" ")).explode(_CODES)
    judged = _unpacked(
        codes.rename({_CODES: _PACKED}).with_columns(pl.col(_PACKED).cast(pl.Int64)), now
    )
    judged = judged.with_columns(pl.col("metric").cast(_METRIC_ENUM))
    # Each combination as many times as counted: a gather by numpy's repeat of the row
    # numbers (Polars' repeat_by and explode took ten times as long for millions of rows).
    import numpy as np  # only here: numpy's import costs every report's start-up 0.1 s

    rows = np.repeat(np.arange(judged.height), judged.get_column(_COUNT).to_numpy())
    clocks = judged.drop(_COUNT)[rows]
    return make_tables_from_frames(
        pl.DataFrame(schema=TICKET_COLUMNS), clocks, now, judged=True, joined=True
    )


def _unpacked(clocks: pl.DataFrame, now: int | None = None) -> pl.DataFrame:
    """The clocks with their metric, status and objective status named again (_PACKED);
    with ``now``, the fulfilment instant (not read) as ``now`` when fulfilled by then."""
    if _PACKED not in clocks.columns:
        return clocks
    code = clocks.get_column(_PACKED)
    if code.len() and not 0 <= (code.min() or 0) <= (code.max() or 0) < 26 * 32:
        raise SlaError("a stored clock has an unknown metric: upgrade slakeeper")
    if now is not None:
        fulfilled = pl.when(code // 16 % 2 == 1).then(pl.lit(now)).otherwise(None)
        clocks = clocks.with_columns(fulfilled_at=fulfilled)
    unpacked = clocks.drop(_PACKED).with_columns(
        metric=pl.Series(BY_LETTER, dtype=pl.String).gather(code // 32),
        # Enums (analytics/tables.py keeps them): a gather of small integers, where
        # strings would be built per row. Neither is a --by key.
        status=pl.Series(STATUSES, dtype=_STATUS_ENUM).gather(code // 4 % 4),
        objective_status=pl.Series(OBJECTIVES, dtype=_OBJECTIVE_ENUM).gather(code % 4),
    )
    if unpacked.get_column("metric").null_count():  # not written by this version
        raise SlaError("a stored clock has an unknown metric: upgrade slakeeper")
    return unpacked


def _started(now: int, query: Query | None) -> str:
    """The clocks a report of clocks counts: started by ``now`` and in the period."""
    # "+": no index for this bound, which nearly every clock meets (SQLite would otherwise
    # read all of them through ix_clocks_started_at, one lookup each); the period's use it.
    bounds = [f"+started_at <= {int(now)}"]
    if query is not None and query.start is not None:
        bounds.append(f"started_at >= {int(query.start)}")
    if query is not None and query.end is not None:
        bounds.append(f"started_at < {int(query.end)}")
    return " AND ".join(bounds)


def _statement(
    table: str,
    names: tuple[str, ...],
    where: str | None,
    *,
    judged_at: int | None = None,
    key: str | None = None,
    postgresql: bool = False,
) -> Statement:
    """The SELECT of columns ``names`` (report table names) of a stored ``table``, and the
    schema of its frame; with ``judged_at``, the clock's metric and statuses judged at that
    instant (_PACKED); with ``key``, the expression of the join key (_KEY) first. A large
    table is read in parts (store/frames.py)."""
    schema = TICKET_COLUMNS if table == "tickets" else CLOCK_COLUMNS
    selected = []
    read_schema: dict[str, Any] = {}
    if key is not None:
        selected.append(f"{key.format(_STORED[table].get('ticket', 'ticket'))} AS {_KEY}")
        read_schema[_KEY] = pl.Int64 if key.startswith("hash") else pl.String
    packed = judged_at is not None and table == "clocks"
    for name in dict.fromkeys(names):  # each named as in the frame
        stored = _STORED[table].get(name, name)
        if packed and name in _JUDGED:
            if _PACKED not in read_schema:
                selected.append(f"{_packed_sql(int(judged_at or 0), postgresql)} AS {_PACKED}")
                read_schema[_PACKED] = pl.Int64
        elif name in _BOOLEANS:
            selected.append(f"CAST({stored} AS INTEGER) AS {name}")
            read_schema[name] = pl.Int64
        else:
            selected.append(stored if stored == name else f"{stored} AS {name}")
            read_schema[name] = schema[name]
    sql = f"SELECT {', '.join(selected)} FROM {table}"
    condition = f"{where} AND {PART}" if where else PART  # read in parts (store/frames.py)
    return Statement(f"{sql} WHERE {condition}", read_schema, table)


def _booleans(frame: pl.DataFrame) -> pl.DataFrame:
    casts = [pl.col(name).cast(pl.Boolean) for name in _BOOLEANS if name in frame.columns]
    return frame.with_columns(casts) if casts else frame


def tables_from_database_by_rows(connection: Connection, now: int) -> Tables:
    """The report tables read row by row through the driver (the first loading path).

    Kept as the reference the fast path is tested against (tests/reports/test_loading.py)
    and measured against (bench/reports.py).
    """
    tickets = _columns(queries.run(connection, _TICKETS_SQL), TICKET_COLUMNS)
    tickets["escalated"] = [bool(value) for value in tickets["escalated"]]
    tickets["first_day"] = [
        None if value is None else bool(value) for value in tickets["first_day"]
    ]
    clocks = _columns(queries.run(connection, _CLOCKS_SQL), CLOCK_COLUMNS)
    return make_tables(tickets, clocks, now)


def _columns(rows: list[Any], names: dict[str, Any]) -> dict[str, list[Any]]:
    """Rows transposed into columns named ``names``."""
    if not rows:
        return {name: [] for name in names}
    return dict(zip(names, (list(column) for column in zip(*rows, strict=True)), strict=True))


def render(columns: list[str], rows: list[dict[str, Any]], output: str) -> str:
    """Rows as JSON (a list of objects) or CSV (a header, then one line per row; null empty)."""
    if output == "json":
        from slakeeper.services.evaluations import dumps

        return dumps(rows).decode() + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    return buffer.getvalue()
