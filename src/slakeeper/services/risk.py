"""At risk and breaches: what will breach within the next hour and the next day, and what
breached today, by team and by agent.

Open tickets are read by their stored due instant (``queue_due``: the earliest due among
unfulfilled clocks, ix_tickets_queue): **within the hour** means due in ``(now, now + 1h]``,
**within the day** due in ``(now + 1h, now + 24h]`` (the two bands do not overlap).
**Breached today** are clock cycles whose breach instant falls in ``[local midnight, now]``
in the time zone asked for (UTC by default): stored as breached, or still running with
their due instant passed (ix_clocks_status_due serves both). A ticket counts under the
team and agent it has now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, func, or_, select

from slakeeper.core.zones import load_zone, local_to_utc_us
from slakeeper.services.accounts import checked_zone
from slakeeper.store.tickets import ClockRow, TicketRow

__all__ = ["Breach", "RiskGroup", "RiskView", "read_risk"]

HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
_EPOCH = date(1970, 1, 1)
NOBODY = "(none)"  # the group of tickets without a team or agent


@dataclass(frozen=True)
class Breach:
    """One clock cycle breached today, with its ticket."""

    ticket: Any  # TicketRow
    metric: str
    team: str | None
    breached_at: int


@dataclass
class RiskGroup:
    """One team's or agent's counts: due within the hour, within the day, breached today."""

    name: str
    hour: int = 0
    day: int = 0
    breached: int = 0


@dataclass
class RiskView:
    """The page: the three lists (each up to ``limit`` long) and their counts by group."""

    now: int
    timezone: str
    day_start: int
    hour: list[Any]  # TicketRow, most urgent first
    day: list[Any]
    breaches: list[Breach]  # newest first
    counts: dict[str, int] = field(default_factory=dict)  # hour, day, breached (all of them)
    by_team: list[RiskGroup] = field(default_factory=list)
    by_agent: list[RiskGroup] = field(default_factory=list)


def _day_start(timezone: str, now: int) -> int:
    zone = load_zone(timezone)
    today = datetime.fromtimestamp(now / 1_000_000, UTC).astimezone(zone).date()
    # Local midnight via core/zones.py (a midnight in a DST gap is the transition).
    return local_to_utc_us(zone, (today - _EPOCH).days * 86_400_000_000)


def _due_between(connection: Connection, low: int, high: int, limit: int) -> list[Any]:
    query = (
        select(TicketRow)
        .where(TicketRow.is_open, TicketRow.queue_due > low, TicketRow.queue_due <= high)
        .order_by(TicketRow.queue_due, TicketRow.tier_rank, TicketRow.created_at, TicketRow.id)
    )
    return list(connection.execute(query.limit(limit)).all())


def _due_groups(connection: Connection, low: int, high: int, column: Any) -> dict[str, int]:
    query = (
        select(column, func.count())
        .where(TicketRow.is_open, TicketRow.queue_due > low, TicketRow.queue_due <= high)
        .group_by(column)
    )
    return {name or NOBODY: int(count) for name, count in connection.execute(query)}


def _breached_today(connection: Connection, start: int, now: int) -> list[Any]:
    # A breached cycle's due instant is its breach instant (DESIGN.md section 4).
    query = (
        select(ClockRow.ticket, ClockRow.metric, ClockRow.team, ClockRow.due_at)
        .where(
            or_(ClockRow.status == "breached", ClockRow.status == "running"),
            ClockRow.due_at >= start,
            ClockRow.due_at <= now,
        )
        .order_by(ClockRow.due_at.desc(), ClockRow.ticket)
    )
    return list(connection.execute(query).all())


def _tickets(connection: Connection, ids: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for first in range(0, len(ids), 500):
        part = ids[first : first + 500]
        rows = connection.execute(select(TicketRow).where(TicketRow.id.in_(part))).all()
        found.update((row.id, row) for row in rows)
    return found


def _groups(hour: dict[str, int], day: dict[str, int], breached: dict[str, int]) -> list[RiskGroup]:
    names = set(hour) | set(day) | set(breached)
    groups = [RiskGroup(n, hour.get(n, 0), day.get(n, 0), breached.get(n, 0)) for n in names]
    return sorted(groups, key=lambda g: (-g.hour, -g.breached, -g.day, g.name))


def read_risk(
    connection: Connection, now: int, *, timezone: str = "UTC", limit: int = 200
) -> RiskView:
    """What breaches within the hour and the day after ``now``, and what breached today
    (local midnight of ``timezone`` to ``now``), with counts by team and by agent."""
    start = _day_start(checked_zone(timezone), now)
    hour_end, day_end = now + HOUR_US, now + DAY_US
    found = _breached_today(connection, start, now)
    tickets = _tickets(connection, sorted({row.ticket for row in found}))
    breaches = [Breach(tickets[t], metric, team or None, at) for t, metric, team, at in found]
    by: dict[str, list[dict[str, int]]] = {}
    for name, column in (("team", TicketRow.team), ("agent", TicketRow.agent)):
        counted: dict[str, int] = {}
        for breach in breaches:
            key = getattr(breach.ticket, name) or NOBODY
            counted[key] = counted.get(key, 0) + 1
        by[name] = [
            _due_groups(connection, now, hour_end, column),
            _due_groups(connection, hour_end, day_end, column),
            counted,
        ]
    counts = {
        "hour": sum(by["team"][0].values()),
        "day": sum(by["team"][1].values()),
        "breached": len(breaches),
    }
    return RiskView(
        now, timezone, start,
        _due_between(connection, now, hour_end, limit),
        _due_between(connection, hour_end, day_end, limit),
        breaches[:limit], counts, _groups(*by["team"]), _groups(*by["agent"]),
    )  # fmt: skip
