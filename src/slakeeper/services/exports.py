"""Exporting the stored event log as JSONL (the planner's --from-db, backups, replays)."""

from __future__ import annotations

from typing import BinaryIO

from slakeeper.store import queries
from slakeeper.store.session import Database

__all__ = ["export_events"]


def export_events(database: Database, out: BinaryIO, *, batch: int = 10_000) -> int:
    """Write every stored event, in ``at`` order (arrival order within one instant), one
    JSON object per line, as it was received; the count."""
    count = 0
    last: tuple[int, int] | None = None
    with database.read() as connection:
        while True:
            rows = queries.events_after(connection, last, batch)
            for at, seq, body in rows:
                out.write(body.encode() + b"\n")
                last = (at, seq)
            count += len(rows)
            if len(rows) < batch:
                return count
