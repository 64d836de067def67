"""Each report's figures from the report tables, grouped by the ``--by`` keys.

Every function takes :class:`~slakeeper.analytics.tables.Tables` and a :class:`Query` and
returns a list of rows (dicts): the ``--by`` keys as fields, then the report's columns,
rows sorted by the keys. The definitions are those of docs/reports.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from slakeeper.analytics.tables import GROUP_KEYS, Tables, with_periods

__all__ = ["AGE_BANDS", "REPORTS", "TICKET_KEYS", "TIME_BANDS", "Query", "compute"]

HOUR = 3_600_000_000
# (column, lower bound µs) of the business-time histogram of `times`.
TIME_BANDS = (
    ("lt_1h", 0),
    ("1h_2h", HOUR),
    ("2h_4h", 2 * HOUR),
    ("4h_8h", 4 * HOUR),
    ("8h_24h", 8 * HOUR),
    ("ge_24h", 24 * HOUR),
)
# (column, lower bound µs) of the calendar ages of `backlog`.
AGE_BANDS = (
    ("lt_1h", 0),
    ("1h_4h", HOUR),
    ("4h_24h", 4 * HOUR),
    ("1d_3d", 24 * HOUR),
    ("3d_7d", 72 * HOUR),
    ("ge_7d", 168 * HOUR),
)
# Keys of the ticket-level reports: a ticket has no metric.
TICKET_KEYS = tuple(key for key in GROUP_KEYS if key != "metric")
CAUSE_TYPE = pl.List(pl.Struct({"kind": pl.String, "name": pl.String, "us": pl.Int64}))


@dataclass(frozen=True)
class Query:
    """What a report is asked: grouping, period, time zone and its own parameters."""

    by: tuple[str, ...] = ()
    start: int | None = None  # µs, inclusive
    end: int | None = None  # µs, exclusive
    timezone: str = "UTC"
    within: int = HOUR  # service-level: the Y of "X% within Y", µs
    calendar_time: bool = False  # service-level: calendar time rather than business time
    extra: dict[str, Any] = field(default_factory=dict)


def _in_period(frame: pl.DataFrame, column: str, query: Query) -> pl.DataFrame:
    if query.start is not None:
        frame = frame.filter(pl.col(column) >= query.start)
    if query.end is not None:
        frame = frame.filter(pl.col(column) < query.end)
    if {"week", "month"} & set(query.by):
        frame = with_periods(frame, column, query.timezone)
    return frame


def _grouped(frame: pl.DataFrame, by: tuple[str, ...], aggs: list[pl.Expr]) -> pl.DataFrame:
    """Aggregate per group of ``by`` (one row overall without keys), sorted by the keys."""
    if not by:
        return frame.select(aggs)
    columns = [pl.col(GROUP_KEYS[key]).alias(key) for key in by]
    return frame.group_by(columns).agg(aggs).sort(list(by), nulls_last=True)


def _ratio(part: str, whole: str) -> pl.Expr:
    """part ÷ whole, null when whole is 0."""
    return pl.when(pl.col(whole) > 0).then(pl.col(part) / pl.col(whole)).otherwise(None)


def _count(condition: pl.Expr) -> pl.Expr:
    return condition.fill_null(False).sum().cast(pl.Int64)


def _clocks(tables: Tables, query: Query) -> pl.DataFrame:
    return _in_period(tables.clocks, "started_at", query)


def _tickets(tables: Tables, query: Query) -> pl.DataFrame:
    return _in_period(tables.tickets, "created_at", query)


def compliance(tables: Tables, query: Query) -> pl.DataFrame:
    """SLA and objective compliance: met ÷ (met + breached); running, cancelled apart."""
    status, objective = pl.col("status"), pl.col("objective_status")
    frame = _grouped(
        _clocks(tables, query),
        query.by,
        [
            _count(status == "met").alias("met"),
            _count(status == "breached").alias("breached"),
            _count(status == "running").alias("running"),
            _count(status == "cancelled").alias("cancelled"),
            _count((objective == "met") & (status != "cancelled")).alias("objective_met"),
            _count((objective == "missed") & (status != "cancelled")).alias("objective_missed"),
        ],
    )
    return frame.with_columns(
        (pl.col("met") + pl.col("breached")).alias("_decided"),
        (pl.col("objective_met") + pl.col("objective_missed")).alias("_objective_decided"),
    ).select(
        *query.by,
        "met",
        "breached",
        "running",
        "cancelled",
        _ratio("met", "_decided").alias("compliance"),
        "objective_met",
        "objective_missed",
        _ratio("objective_met", "_objective_decided").alias("objective_compliance"),
    )


def _seconds(us: int) -> int | float:
    whole, micro = divmod(us, 1_000_000)
    return us / 1_000_000 if micro else whole


def _fulfilled(tables: Tables, query: Query) -> pl.DataFrame:
    """Clocks of the period fulfilled by ``now`` (met, or breached and then fulfilled)."""
    clocks = _clocks(tables, query)
    done = pl.col("fulfilled_at").is_not_null() & (pl.col("fulfilled_at") <= tables.now)
    return clocks.filter(done & (pl.col("status") != "cancelled"))


def service_level(tables: Tables, query: Query) -> pl.DataFrame:
    """Share of fulfilled clocks whose time to fulfilment is within ``query.within``."""
    if query.calendar_time:
        taken = pl.col("fulfilled_at") - pl.col("started_at")
    else:
        taken = pl.col("elapsed_us")
    clocks = _clocks(tables, query)
    waiting = clocks.filter(pl.col("status").is_in(["running", "breached"]))
    waiting = waiting.filter(
        pl.col("fulfilled_at").is_null() | (pl.col("fulfilled_at") > tables.now)
    )
    frame = _grouped(
        _fulfilled(tables, query).with_columns(taken=taken),
        query.by,
        [
            pl.len().cast(pl.Int64).alias("fulfilled"),
            _count(pl.col("taken") <= query.within).alias("within"),
        ],
    )
    unfulfilled = _grouped(waiting, query.by, [pl.len().cast(pl.Int64).alias("unfulfilled")])
    if query.by:
        frame = frame.join(
            unfulfilled, on=list(query.by), how="full", coalesce=True, nulls_equal=True
        )
        frame = frame.sort(list(query.by), nulls_last=True)
    else:
        frame = pl.concat([frame, unfulfilled], how="horizontal")
    return frame.fill_null(strategy="zero").select(
        *query.by,
        "fulfilled",
        "within",
        "unfulfilled",
        _ratio("within", "fulfilled").alias("service_level"),
        pl.lit(_seconds(query.within)).alias("within_seconds"),
        pl.lit("calendar" if query.calendar_time else "business").alias("time"),
    )


def times(tables: Tables, query: Query) -> pl.DataFrame:
    """Business time to first response and to resolution: median, p90, histogram."""
    by = query.by if "metric" in query.by else ("metric", *query.by)
    clocks = _fulfilled(tables, query).filter(
        pl.col("metric").is_in(["first_response", "resolution"])
    )
    elapsed = pl.col("elapsed_us")
    bands = [
        _count((elapsed >= low) & (elapsed < high)).alias(name)
        for (name, low), (_, high) in zip(TIME_BANDS, [*TIME_BANDS[1:], ("", 2**62)], strict=True)
    ]
    aggs = [
        pl.len().cast(pl.Int64).alias("count"),
        (elapsed.median() / 1_000_000).round(6).alias("median_seconds"),
        (elapsed.quantile(0.9, interpolation="linear") / 1_000_000).round(6).alias("p90_seconds"),
        *bands,
    ]
    return _grouped(clocks, by, aggs)


def resolution_quality(tables: Tables, query: Query) -> pl.DataFrame:
    """First contact and first-day resolution, reply depth, reopens, per ticket."""
    resolved = pl.col("resolved_at").is_not_null() & (pl.col("resolved_at") <= tables.now)
    tickets = _tickets(tables, query).with_columns(resolved=resolved)
    aggs = [
        pl.len().cast(pl.Int64).alias("tickets"),
        _count(pl.col("resolved")).alias("resolved"),
        _count(pl.col("resolved") & (pl.col("replies") == 1)).alias("first_contact"),
        _count(pl.col("resolved") & pl.col("first_day")).alias("first_day"),
        pl.col("replies").filter(pl.col("resolved")).mean().alias("depth_mean"),
        pl.col("replies").filter(pl.col("resolved")).median().alias("depth_median"),
        _count(pl.col("resolved") | (pl.col("reopens") > 0)).alias("_solved_ever"),
        _count(pl.col("reopens") > 0).alias("reopened"),
    ]
    frame = _grouped(tickets, query.by, aggs)
    return frame.select(
        *query.by,
        "tickets",
        "resolved",
        "first_contact",
        _ratio("first_contact", "resolved").alias("fcr"),
        "first_day",
        _ratio("first_day", "resolved").alias("fdr"),
        "depth_mean",
        "depth_median",
        "reopened",
        _ratio("reopened", "_solved_ever").alias("reopen_rate"),
    )


def escalations(tables: Tables, query: Query) -> pl.DataFrame:
    """Escalation rate, and the breach rate of escalated versus other tickets."""
    breached = tables.clocks.group_by("ticket").agg(
        (pl.col("status") == "breached").any().alias("breached")
    )
    tickets = _tickets(tables, query).join(breached, on="ticket", how="left")
    escalated, hit = pl.col("escalated").fill_null(False), pl.col("breached").fill_null(False)
    aggs = [
        pl.len().cast(pl.Int64).alias("tickets"),
        _count(escalated).alias("escalated"),
        _count(escalated & hit).alias("escalated_breached"),
        _count(~escalated).alias("_calm"),
        _count(~escalated & hit).alias("other_breached"),
    ]
    return _grouped(tickets, query.by, aggs).select(
        *query.by,
        "tickets",
        "escalated",
        _ratio("escalated", "tickets").alias("escalation_rate"),
        "escalated_breached",
        _ratio("escalated_breached", "escalated").alias("breach_rate_escalated"),
        "other_breached",
        _ratio("other_breached", "_calm").alias("breach_rate_not_escalated"),
    )


def csat(tables: Tables, query: Query) -> pl.DataFrame:
    """CSAT: share of 4 to 5 among rated tickets, and the response rate."""
    resolved = pl.col("resolved_at").is_not_null() & (pl.col("resolved_at") <= tables.now)
    rated = pl.col("csat").is_not_null()
    aggs = [
        _count(resolved | rated).alias("surveyed"),
        _count(rated).alias("rated"),
        _count(pl.col("csat") >= 4).alias("satisfied"),
    ]
    return _grouped(_tickets(tables, query), query.by, aggs).select(
        *query.by,
        "surveyed",
        "rated",
        _ratio("rated", "surveyed").alias("response_rate"),
        "satisfied",
        _ratio("satisfied", "rated").alias("csat"),
    )


def backlog(tables: Tables, query: Query) -> pl.DataFrame:
    """Tickets open at ``now`` by calendar age band."""
    now = tables.now
    solved = pl.col("resolved_at").is_not_null() & (pl.col("resolved_at") <= now)
    tickets = tables.tickets.filter((pl.col("created_at") <= now) & ~solved)
    if {"week", "month"} & set(query.by):
        tickets = with_periods(tickets, "created_at", query.timezone)
    age = now - pl.col("created_at")
    bands = [
        _count((age >= low) & (age < high)).alias(name)
        for (name, low), (_, high) in zip(AGE_BANDS, [*AGE_BANDS[1:], ("", 2**62)], strict=True)
    ]
    return _grouped(tickets, query.by, [pl.len().cast(pl.Int64).alias("open"), *bands])


def breach_causes(tables: Tables, query: Query) -> pl.DataFrame:
    """Business time per status and per team before each breach, summed per group."""
    clocks = _clocks(tables, query).filter(pl.col("status") == "breached")
    counts = _grouped(clocks, query.by, [pl.len().cast(pl.Int64).alias("breached")])
    parts = (
        clocks.filter(pl.col("causes") != "")
        .with_columns(part=pl.col("causes").str.json_decode(CAUSE_TYPE))
        .explode("part")
        .unnest("part")
    )
    keys = [*query.by, "kind", "name"]
    group = [*(pl.col(GROUP_KEYS[key]).alias(key) for key in query.by), "kind", "name"]
    spent = parts.group_by(group).agg(pl.col("us").sum())
    spent = spent.with_columns(
        business_seconds=(pl.col("us") / 1_000_000).round(6),
        share=pl.col("us") / pl.col("us").sum().over([*query.by, "kind"]),
    )
    if query.by:
        spent = spent.join(counts, on=list(query.by), how="left", nulls_equal=True)
    else:
        spent = spent.with_columns(breached=pl.lit(counts.item(0, "breached")))
    return spent.sort(keys, nulls_last=True).select(
        *query.by, "breached", "kind", "name", "business_seconds", "share"
    )


Report = Callable[[Tables, Query], pl.DataFrame]
REPORTS: dict[str, tuple[Report, tuple[str, ...], bool]] = {
    # name: (function, default --by, per ticket: the `metric` key does not apply)
    "compliance": (compliance, ("metric",), False),
    "service-level": (service_level, ("metric",), False),
    "times": (times, ("metric",), False),
    "resolution-quality": (resolution_quality, (), True),
    "escalations": (escalations, (), True),
    "csat": (csat, ("tier",), True),
    "backlog": (backlog, ("severity",), True),
    "breach-causes": (breach_causes, ("metric",), False),
}


def compute(name: str, tables: Tables, query: Query) -> tuple[list[str], list[dict[str, Any]]]:
    """The columns and rows of report ``name``."""
    frame = REPORTS[name][0](tables, query)
    return frame.columns, frame.to_dicts()
