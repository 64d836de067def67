"""Recompute: re-evaluate chosen tickets from creation under the newest configuration.

Tickets keep the version they opened under until an admin asks for this; it runs in
batches (one transaction each, so a long recompute never holds the database), is audited,
and reports how many clocks changed state.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from slakeeper.core.errors import InputError
from slakeeper.services.audit import record
from slakeeper.services.configs import current_number
from slakeeper.services.refresh import refresh_tickets
from slakeeper.store.queries import chunks
from slakeeper.store.session import Database
from slakeeper.store.tickets import ClockRow, TicketRow

__all__ = ["RecomputeResult", "RecomputeSelection", "recompute"]


@dataclass(frozen=True)
class RecomputeSelection:
    """Which tickets to recompute: by id, by account, open only, created since an instant,
    or all (combined with AND)."""

    tickets: tuple[str, ...] = ()
    account: str | None = None
    open_only: bool = False
    everything: bool = False
    created_since: int | None = None  # µs: tickets created at or after it


@dataclass(frozen=True)
class RecomputeResult:
    """How many tickets were re-evaluated and how many clocks changed state."""

    version: int
    tickets: int
    clocks_changed: int


def recompute(
    database: Database, selection: RecomputeSelection, *, actor: str, now: int, batch: int = 500
) -> RecomputeResult:
    """Move the selected tickets to the newest version and re-evaluate them (audited)."""
    chosen = (selection.tickets, selection.account, selection.open_only, selection.everything)
    if not any(chosen) and selection.created_since is None:
        raise InputError("choose tickets: ids, an account, open tickets, or all", path=("tickets",))
    with database.read() as connection:
        version = current_number(connection)
        if version is None:
            raise InputError("no configuration is stored yet", path=("config",))
        ids = _selected(connection, selection)
    changed = 0
    for part in chunks(ids, batch):
        with database.write() as connection:
            before = _states(connection, part)
            refresh_tickets(connection, part, now, version=version)
            after = _states(connection, part)
            changed += sum(1 for key, state in after.items() if before.get(key) != state)
            changed += sum(1 for key in before if key not in after)
    with database.write() as connection:
        record(
            connection,
            actor=actor,
            action="recompute",
            subject=f"version {version}",
            detail={
                "tickets": len(ids),
                "clocks_changed": changed,
                "selection": _describe(selection),
            },
            now=now,
        )
    return RecomputeResult(version, len(ids), changed)


def _selected(connection: Connection, selection: RecomputeSelection) -> list[str]:
    query = select(TicketRow.id).where(TicketRow.created_at.is_not(None)).order_by(TicketRow.id)
    if selection.tickets:
        query = query.where(TicketRow.id.in_(selection.tickets))
    if selection.account is not None:
        query = query.where(TicketRow.account == selection.account)
    if selection.open_only:
        query = query.where(TicketRow.is_open)
    if selection.created_since is not None:
        query = query.where(TicketRow.created_at >= selection.created_since)
    return list(connection.execute(query).scalars())


def _states(connection: Connection, tickets: list[str]) -> dict[tuple[str, str, str, int], str]:
    rows = connection.execute(
        select(
            ClockRow.ticket, ClockRow.metric, ClockRow.team, ClockRow.cycle, ClockRow.status
        ).where(ClockRow.ticket.in_(tickets))
    )
    return {(r.ticket, r.metric, r.team, r.cycle): r.status for r in rows}


def _describe(selection: RecomputeSelection) -> dict[str, object]:
    return {
        "tickets": list(selection.tickets)[:100],
        "account": selection.account,
        "open_only": selection.open_only,
        "all": selection.everything,
        "created_since": selection.created_since,
    }
