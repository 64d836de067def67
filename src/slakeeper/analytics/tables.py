"""The two columnar tables every report reads: tickets and clocks (Polars frames).

Both sources build them with the same columns: the offline path from an event file
(services/reports.py evaluates it), the live path from the stored ``tickets`` and
``clocks`` rows. From here on nothing knows where the rows came from.

1. :func:`make_tables` takes plain columns, judges each clock at ``now`` (a stored clock
   evaluated earlier and still running past its due instant is breached by now) and
   gives each clock its ticket's fields as they stand at the end of the log.
2. :func:`with_periods` adds the ``week`` (ISO) and ``month`` of an instant column in the
   report's time zone, from the pinned tzdata.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from slakeeper.core.zones import load_zone

__all__ = [
    "CLOCK_COLUMNS",
    "GROUP_KEYS",
    "TICKET_COLUMNS",
    "Tables",
    "make_tables",
    "make_tables_from_frames",
    "with_periods",
]

TICKET_COLUMNS: dict[str, Any] = {
    "ticket": pl.String,
    "created_at": pl.Int64,
    "status": pl.String,
    "severity": pl.String,
    "account": pl.String,
    "account_tier": pl.String,
    "channel": pl.String,
    "team": pl.String,
    "agent": pl.String,
    "policy": pl.String,
    "resolved_at": pl.Int64,
    "replies": pl.Int64,
    "reopens": pl.Int64,
    "escalated": pl.Boolean,
    "csat": pl.Float64,
    "first_day": pl.Boolean,
}
CLOCK_COLUMNS: dict[str, Any] = {
    "ticket": pl.String,
    "metric": pl.String,
    "clock_team": pl.String,  # the team of a team_ownership clock; "" for the others
    "cycle": pl.Int64,
    "status": pl.String,
    "started_at": pl.Int64,
    "due_at": pl.Int64,
    "fulfilled_at": pl.Int64,
    "breached_at": pl.Int64,
    "cancelled_at": pl.Int64,
    "elapsed_us": pl.Int64,
    "objective_us": pl.Int64,
    "objective_due_at": pl.Int64,
    "objective_status": pl.String,
    "causes": pl.String,  # JSON [[kind, name, µs], …] for breached clocks, else ""
}

# --by key → column. Ticket fields are the ticket's as they stand at the end of its log.
GROUP_KEYS = {
    "severity": "severity",
    "account": "account",
    "tier": "account_tier",
    "channel": "channel",
    "team": "team",
    "agent": "agent",
    "policy": "policy",
    "metric": "metric",
    "week": "week",
    "month": "month",
}

_FIELDS = ("severity", "account", "account_tier", "channel", "team", "agent", "policy")
_BUCKET_US = 900_000_000  # 15 minutes: every UTC offset change of tzdata falls on one


@dataclass(frozen=True)
class Tables:
    """Tickets, and clocks joined to their ticket's fields, judged at ``now``."""

    tickets: pl.DataFrame
    clocks: pl.DataFrame
    now: int


def make_tables(
    tickets: Mapping[str, Sequence[Any]], clocks: Mapping[str, Sequence[Any]], now: int
) -> Tables:
    """Build the report tables from plain columns (step 1 of the module docstring).

    A column left out is null throughout.
    """
    ticket_frame = _frame(tickets, TICKET_COLUMNS)
    clock_frame = _frame(clocks, CLOCK_COLUMNS)
    return Tables(ticket_frame, _judged(clock_frame, ticket_frame, now), now)


def make_tables_from_frames(
    tickets: pl.DataFrame,
    clocks: pl.DataFrame,
    now: int,
    *,
    judged: bool = False,
    joined: bool = False,
) -> Tables:
    """:func:`make_tables` from frames already read (store/frames.py): a column left out
    is null throughout; the others are cast to the report tables' types. ``judged``: the
    clocks are those started by ``now``, their ``status`` and ``objective_status`` already
    those at ``now`` (judged as :func:`_judged` does, by the query that read them).
    ``joined``: the clocks carry their ticket's fields already (those read)."""
    ticket_frame = _completed(tickets, TICKET_COLUMNS)
    fields = {name: TICKET_COLUMNS[name] for name in _FIELDS} if joined else {}
    clock_frame = _completed(clocks, CLOCK_COLUMNS | fields)
    # No ticket field read: every clock's would be null, the join can be left out.
    join = not joined and any(name in tickets.columns for name in _FIELDS)
    frame = _judged(clock_frame, ticket_frame, now, join=join, judged=judged)
    return Tables(ticket_frame, frame, now)


def _completed(frame: pl.DataFrame, schema: dict[str, Any]) -> pl.DataFrame:
    """``frame`` with every column of ``schema``, of its type; a string column given as an
    enum stays one (the database path's statuses: compared to names like strings, and
    not built one string per row)."""
    kept = {name for name, kind in frame.schema.items() if isinstance(kind, pl.Enum)}
    return frame.select(
        pl.col(name)
        if name in kept and schema[name] == pl.String
        else pl.col(name).cast(kind)
        if name in frame.columns
        else pl.lit(None, kind).alias(name)
        for name, kind in schema.items()
    )


def _frame(columns: Mapping[str, Sequence[Any]], schema: dict[str, Any]) -> pl.DataFrame:
    length = len(next(iter(columns.values()), ()))
    full = {name: columns.get(name, [None] * length) for name in schema}
    return pl.DataFrame(full, schema=schema)


def _judged(
    clocks: pl.DataFrame,
    tickets: pl.DataFrame,
    now: int,
    *,
    join: bool = True,
    judged: bool = False,
) -> pl.DataFrame:
    """Clocks as they stand at ``now``, each with its ticket's fields (null throughout
    without ``join``); with ``judged``, their statuses are those at ``now`` already."""
    at_or_before = lambda name: pl.col(name).is_not_null() & (pl.col(name) <= now)  # noqa: E731
    # A stored clock was evaluated at some earlier instant: one still running past its due
    # instant has breached by now. (A met clock's due_at is after its fulfilment.)
    status = (
        pl.when(at_or_before("cancelled_at"))
        .then(pl.lit("cancelled"))
        .when(at_or_before("breached_at"))
        .then(pl.lit("breached"))
        .when(at_or_before("fulfilled_at"))
        .then(pl.lit("met"))
        .when(at_or_before("due_at"))
        .then(pl.lit("breached"))
        .otherwise(pl.lit("running"))  # paused clocks too: not decided yet
    )
    objective = (
        pl.when((pl.col("objective_status") == "running") & at_or_before("objective_due_at"))
        .then(pl.lit("missed"))
        .otherwise(pl.col("objective_status"))
    )
    # Judged clocks were chosen by the query that read them (their start may not be read).
    started = clocks if judged else clocks.filter(pl.col("started_at") <= now)
    if join:
        joined = started.join(tickets.select("ticket", *_FIELDS), on="ticket", how="left")
    else:  # the fields the clocks do not carry are null
        joined = started.with_columns(
            pl.lit(None, TICKET_COLUMNS[name]).alias(name)
            for name in _FIELDS
            if name not in started.columns
        )
    if judged:  # the statuses at ``now`` were read (services/reports.py judges in SQL)
        status, objective = pl.col("status"), pl.col("objective_status")
    return joined.with_columns(
        status=status,
        objective_status=objective,
        # A team-ownership clock's team is its own team; the others take the ticket's.
        team=pl.when(pl.col("clock_team") != "")
        .then(pl.col("clock_team"))
        .otherwise(pl.col("team")),
    )


def with_periods(frame: pl.DataFrame, column: str, timezone: str) -> pl.DataFrame:
    """Add ``week`` (``2026-W10``, ISO) and ``month`` (``2026-03``) of ``column`` in
    ``timezone`` (step 2 of the module docstring)."""
    zone = load_zone(timezone)
    buckets = (frame.get_column(column) // _BUCKET_US).unique().drop_nulls()
    weeks: dict[int, str] = {}
    months: dict[int, str] = {}
    for bucket in buckets.to_list():
        local = datetime.fromtimestamp(bucket * _BUCKET_US / 1e6, zone)
        year, week, _ = local.isocalendar()
        weeks[bucket] = f"{year}-W{week:02d}"
        months[bucket] = f"{local.year}-{local.month:02d}"
    bucket_of = pl.col(column) // _BUCKET_US
    return frame.with_columns(
        week=bucket_of.replace_strict(weeks, default=None, return_dtype=pl.String),
        month=bucket_of.replace_strict(months, default=None, return_dtype=pl.String),
    )
