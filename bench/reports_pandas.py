"""Every report's figures by a plain pandas pipeline, from the same stored tables.

The pandas twin of each report of slakeeper.analytics.figures: it reads the stored
``tickets`` and ``clocks`` rows the way a pandas user would (``pandas.read_sql_query`` on
the database connection, the columns that report needs), judges each clock at ``now`` as
docs/reports.md says, joins the ticket's fields and computes the report's columns with
numpy and pandas groupby. bench/reports.py times it beside ours and checks the rows agree
(:func:`same_rows`). Written from the documented definitions, not from our code.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

HOUR = 3_600_000_000
# (column, lower bound in hours) of the histogram of `times` and the age bands of `backlog`.
TIME_BANDS = (("lt_1h", 0), ("1h_2h", 1), ("2h_4h", 2), ("4h_8h", 4), ("8h_24h", 8))
TIME_BANDS += (("ge_24h", 24),)
AGE_BANDS = (("lt_1h", 0), ("1h_4h", 1), ("4h_24h", 4), ("1d_3d", 24), ("3d_7d", 72))
AGE_BANDS += (("ge_7d", 168),)
KEY_COLUMN = {"tier": "account_tier"}  # --by key → column, when not the same name
FIELDS = ("severity", "account", "account_tier", "channel", "team", "agent", "policy")
CLOCK_SQL = (
    "SELECT ticket, metric, team AS clock_team, started_at, due_at, fulfilled_at, "
    "breached_at, cancelled_at, objective_due_at, objective_status{extra} FROM clocks"
)


def load(
    connection: Any, by: tuple[str, ...], ticket_columns: tuple[str, ...], clocks: str | None
) -> tuple[Any, Any]:
    """(tickets, clocks) as pandas frames, read by ``pandas.read_sql_query``.

    ``clocks`` is the extra clock columns (``""`` for none; None: no clocks at all).
    """
    keys = [KEY_COLUMN.get(key, key) for key in by if key != "metric"]
    columns = ["id AS ticket", *ticket_columns, *(k for k in keys if k not in ticket_columns)]
    tickets = pd.read_sql_query(
        f"SELECT {', '.join(columns)} FROM tickets WHERE created_at IS NOT NULL", connection
    )
    if clocks is None:
        return tickets, None
    frame = pd.read_sql_query(CLOCK_SQL.format(extra=clocks), connection)
    return tickets, frame


def judged(tickets: Any, clocks: Any, now: int) -> Any:
    """Clocks started by ``now`` judged at ``now``, with their ticket's fields."""
    clocks = clocks[clocks.started_at <= now]

    def by_now(column: str) -> Any:
        return (clocks[column] <= now).to_numpy()  # NaN compares False

    status = np.select(
        [by_now("cancelled_at"), by_now("breached_at"), by_now("fulfilled_at"), by_now("due_at")],
        ["cancelled", "breached", "met", "breached"],
        "running",
    )
    missed = (clocks.objective_status == "running").to_numpy() & by_now("objective_due_at")
    objective = np.where(missed, "missed", clocks.objective_status.to_numpy(dtype=object))
    clocks = clocks.assign(status=status, objective_status=objective)
    fields = [c for c in tickets.columns if c in FIELDS]
    merged = clocks.merge(tickets[["ticket", *fields]], on="ticket", how="left")
    if "team" in merged.columns:
        own = merged.clock_team.fillna("") != ""
        merged["team"] = merged.clock_team.where(own, merged.team)
    return merged


def _group(frame: Any, by: tuple[str, ...]) -> Any:
    keys = [KEY_COLUMN.get(key, key) for key in by]
    if not keys:
        return frame.assign(_all=0).groupby("_all")
    return frame.groupby(keys, dropna=False, sort=False)


def _rows(result: Any, by: tuple[str, ...]) -> list[dict[str, Any]]:
    """Grouped frame → row dicts with the --by keys as fields (NaN → None)."""
    columns = {KEY_COLUMN.get(key, key) for key in by} | {"_all"}
    out = []
    for record in result.reset_index().to_dict("records"):
        row = {key: record[KEY_COLUMN.get(key, key)] for key in by}
        row.update({k: v for k, v in record.items() if k not in columns})
        out.append({k: _plain(v) for k, v in row.items()})
    return out


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if math.isnan(value) else float(value)
    return value


def _ratio(part: Any, whole: Any) -> Any:
    return (part / whole).where(whole > 0)


def compliance(tickets: Any, clocks: Any, now: int, by: tuple[str, ...]) -> list[dict[str, Any]]:
    frame = judged(tickets, clocks, now)
    kept = frame.status != "cancelled"
    frame = frame.assign(
        met=frame.status == "met",
        breached=frame.status == "breached",
        running=frame.status == "running",
        cancelled=frame.status == "cancelled",
        objective_met=(frame.objective_status == "met") & kept,
        objective_missed=(frame.objective_status == "missed") & kept,
    )
    columns = ["met", "breached", "running", "cancelled", "objective_met", "objective_missed"]
    counts = _group(frame, by)[columns].sum()
    counts["compliance"] = _ratio(counts.met, counts.met + counts.breached)
    decided = counts.objective_met + counts.objective_missed
    counts["objective_compliance"] = _ratio(counts.objective_met, decided)
    return _rows(counts, by)


def _fulfilled(frame: Any, now: int) -> Any:
    done = (frame.fulfilled_at <= now) & (frame.status != "cancelled")
    return frame[done]


def service_level(tickets: Any, clocks: Any, now: int, by: tuple[str, ...]) -> list[dict[str, Any]]:
    frame = judged(tickets, clocks, now)
    done = _fulfilled(frame, now)
    fulfilled = _group(done.assign(within=done.elapsed_us <= HOUR), by).agg(
        fulfilled=("within", "size"), within=("within", "sum")
    )
    waiting = frame[frame.status.isin(["running", "breached"]) & ~(frame.fulfilled_at <= now)]
    unfulfilled = _group(waiting, by).size().rename("unfulfilled")
    table = fulfilled.join(unfulfilled, how="outer").fillna(0).astype("int64")
    table["service_level"] = _ratio(table.within, table.fulfilled)
    table["within_seconds"] = 3600
    table["time"] = "business"
    return _rows(table, by)


def _quantile(values: Any) -> float:
    return float(np.quantile(values.to_numpy(), 0.9))


def times(tickets: Any, clocks: Any, now: int, by: tuple[str, ...]) -> list[dict[str, Any]]:
    by = by if "metric" in by else ("metric", *by)
    frame = _fulfilled(judged(tickets, clocks, now), now)
    frame = frame[frame.metric.isin(["first_response", "resolution"])]
    elapsed = frame.elapsed_us
    bands = {}
    for (name, low), (_, high) in zip(TIME_BANDS, [*TIME_BANDS[1:], ("", 10**9)], strict=True):
        bands[name] = (elapsed >= low * HOUR) & (elapsed < high * HOUR)
    grouped = _group(frame.assign(**bands), by)
    table = grouped.agg(
        count=("elapsed_us", "size"),
        median_seconds=("elapsed_us", "median"),
        p90_seconds=("elapsed_us", _quantile),
        **{name: (name, "sum") for name in bands},
    )
    table["median_seconds"] = (table.median_seconds / 1e6).round(6)
    table["p90_seconds"] = (table.p90_seconds / 1e6).round(6)
    return _rows(table, by)


def resolution_quality(tickets: Any, now: int, by: tuple[str, ...]) -> list[dict[str, Any]]:
    resolved = tickets.resolved_at <= now
    first_day = tickets.first_day.fillna(0).astype(bool)
    frame = tickets.assign(
        resolved=resolved,
        first_contact=resolved & (tickets.replies == 1),
        first_day=resolved & first_day,
        depth=tickets.replies.where(resolved),
        solved_ever=resolved | (tickets.reopens > 0),
        reopened=tickets.reopens > 0,
    )
    table = _group(frame, by).agg(
        tickets=("ticket", "size"),
        resolved=("resolved", "sum"),
        first_contact=("first_contact", "sum"),
        first_day=("first_day", "sum"),
        depth_mean=("depth", "mean"),
        depth_median=("depth", "median"),
        reopened=("reopened", "sum"),
        solved_ever=("solved_ever", "sum"),
    )
    table["fcr"] = _ratio(table.first_contact, table.resolved)
    table["fdr"] = _ratio(table.first_day, table.resolved)
    table["reopen_rate"] = _ratio(table.reopened, table.solved_ever)
    return [{k: v for k, v in row.items() if k != "solved_ever"} for row in _rows(table, by)]


def escalations(tickets: Any, clocks: Any, now: int, by: tuple[str, ...]) -> list[dict[str, Any]]:
    frame = judged(tickets[["ticket"]], clocks, now)
    hit = frame.loc[frame.status == "breached", "ticket"].unique()
    escalated = tickets.escalated.astype(bool)
    breached = tickets.ticket.isin(hit)
    frame = tickets.assign(
        escalated=escalated,
        escalated_breached=escalated & breached,
        calm=~escalated,
        other_breached=~escalated & breached,
    )
    table = _group(frame, by).agg(
        tickets=("ticket", "size"),
        escalated=("escalated", "sum"),
        escalated_breached=("escalated_breached", "sum"),
        calm=("calm", "sum"),
        other_breached=("other_breached", "sum"),
    )
    table["escalation_rate"] = _ratio(table.escalated, table.tickets)
    table["breach_rate_escalated"] = _ratio(table.escalated_breached, table.escalated)
    table["breach_rate_not_escalated"] = _ratio(table.other_breached, table.calm)
    return [{k: v for k, v in row.items() if k != "calm"} for row in _rows(table, by)]


def csat(tickets: Any, now: int, by: tuple[str, ...]) -> list[dict[str, Any]]:
    rated = tickets.csat.notna()
    frame = tickets.assign(
        surveyed=(tickets.resolved_at <= now) | rated, rated=rated, satisfied=tickets.csat >= 4
    )
    table = _group(frame, by)[["surveyed", "rated", "satisfied"]].sum()
    table["response_rate"] = _ratio(table.rated, table.surveyed)
    table["csat"] = _ratio(table.satisfied, table.rated)
    return _rows(table, by)


def backlog(tickets: Any, now: int, by: tuple[str, ...]) -> list[dict[str, Any]]:
    frame = tickets[(tickets.created_at <= now) & ~(tickets.resolved_at <= now)]
    age = now - frame.created_at
    bands = {}
    for (name, low), (_, high) in zip(AGE_BANDS, [*AGE_BANDS[1:], ("", 10**9)], strict=True):
        bands[name] = (age >= low * HOUR) & (age < high * HOUR)
    grouped = _group(frame.assign(**bands), by)
    table = grouped[list(bands)].sum()
    table.insert(0, "open", grouped.size())
    return _rows(table, by)


def breach_causes(tickets: Any, clocks: Any, now: int, by: tuple[str, ...]) -> list[dict[str, Any]]:
    frame = judged(tickets, clocks, now)
    frame = frame[frame.status == "breached"]
    keys = [KEY_COLUMN.get(key, key) for key in by]
    counts = _group(frame, by).size().rename("breached")
    parts = frame.loc[frame.causes != "", [*keys, "causes"]]
    parts = parts.assign(part=parts.causes.map(json.loads)).explode("part")
    parts = parts.assign(
        kind=parts.part.str["kind"], name=parts.part.str["name"], us=parts.part.str["us"]
    )
    spent = parts.groupby([*keys, "kind", "name"], dropna=False, sort=False).us.sum()
    spent = spent.reset_index()
    totals = spent.groupby([*keys, "kind"], dropna=False).us.transform("sum")
    spent["business_seconds"] = (spent.us / 1e6).round(6)
    spent["share"] = spent.us / totals
    if keys:
        spent = spent.merge(counts.reset_index(), on=keys, how="left")
    else:
        spent["breached"] = len(frame)
    spent = spent[[*keys, "breached", "kind", "name", "business_seconds", "share"]]
    out = []
    for record in spent.to_dict("records"):
        row = {key: record[KEY_COLUMN.get(key, key)] for key in by}
        for name in ("breached", "kind", "name", "business_seconds", "share"):
            row[name] = record[name]
        out.append({k: _plain(v) for k, v in row.items()})
    return out


# name: (ticket columns, clock extra columns or None, compute)
Twin = tuple[tuple[str, ...], str | None, Callable[..., list[dict[str, Any]]]]
TWINS: dict[str, Twin] = {
    "compliance": ((), "", compliance),
    "service-level": ((), ", elapsed_us", service_level),
    "times": ((), ", elapsed_us", times),
    "resolution-quality": (
        ("created_at", "resolved_at", "replies", "reopens", "first_day"),
        None,
        resolution_quality,
    ),
    "escalations": (("created_at", "escalated"), "", escalations),
    "csat": (("created_at", "resolved_at", "csat"), None, csat),
    "backlog": (("created_at", "resolved_at"), None, backlog),
    "breach-causes": ((), ", causes", breach_causes),
}


def run(name: str, connection: Any, now: int, by: tuple[str, ...]) -> list[dict[str, Any]]:
    """Report ``name`` by the pandas pipeline: read, judge, group (what is timed)."""
    ticket_columns, clock_columns, compute = TWINS[name]
    tickets, clocks = load(connection, by, ticket_columns, clock_columns)
    if clocks is None:
        return compute(tickets, now, by)
    return compute(tickets, clocks, now, by)


def same_rows(ours: list[dict[str, Any]], theirs: list[dict[str, Any]], keys: list[str]) -> str:
    """'' when both give the same rows (any order; floats to 1e-9), else the first difference."""

    def index(rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
        return {tuple(row[k] for k in keys): row for row in rows}

    mine, other = index(ours), index(theirs)
    if len(mine) != len(ours) or len(other) != len(theirs):
        return f"repeated keys {keys}"
    if mine.keys() != other.keys():
        return f"groups differ: {sorted(mine.keys() ^ other.keys(), key=str)[:5]}"
    for key, row in mine.items():
        twin = other[key]
        if set(row) != set(twin):
            return f"columns differ at {key}: {sorted(set(row) ^ set(twin))}"
        for column, value in row.items():
            if not _close(value, twin[column]):
                return f"{key} {column}: ours {value!r}, pandas {twin[column]!r}"
    return ""


def _close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-6)
    return bool(a == b)
