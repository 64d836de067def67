"""The delivery loop: pending deliveries to their sinks, with retries and dead letters.

1. Read deliveries whose attempt is due (``state = 'pending' AND next_attempt_at <= now``,
   its index), oldest first.
2. Skip one whose ticket has an earlier undelivered delivery to the same notifier: a
   ticket's notices arrive in order.
3. Claim it with a conditional update (``… WHERE id = :id AND next_attempt_at = :seen``):
   only one process sends it; the claim pushes the attempt ahead by a lease, so a process
   killed mid-send leaves it to be retried, never lost.
4. Send it outside any transaction; record the attempt; then delivered, retried after an
   exponential backoff with jitter (10 s doubling up to 1 h, ``Retry-After`` honoured), or
   dead after the last attempt (8 by default) or a permanent failure (400, 401, 403, 404,
   410, 422).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import Connection, and_, select, update

from slakeeper.core.configuration import Notifier
from slakeeper.core.instants import format_instant
from slakeeper.notify.protocol import Message, Outcome, Sink
from slakeeper.notify.sinks import sink_for
from slakeeper.services.configs import configuration_of
from slakeeper.services.monitor import pause_after
from slakeeper.settings import Clock
from slakeeper.store.alerts import AlertRow, AttemptRow, DeliveryRow
from slakeeper.store.session import Database
from slakeeper.store.tickets import TicketRow

__all__ = ["Deliverer", "DeliveryPolicy", "backoff_us"]

log = logging.getLogger("slakeeper.deliveries")
SECOND = 1_000_000


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard to try: attempts, the first and the longest wait, the claim's lease."""

    attempts: int = 8
    first_wait_us: int = 10 * SECOND
    longest_wait_us: int = 3600 * SECOND
    lease_us: int = 60 * SECOND


def backoff_us(attempt: int, policy: DeliveryPolicy, rng: random.Random) -> int:
    """The wait after failed attempt ``attempt`` (1-based): doubling, capped, jittered."""
    base = min(policy.first_wait_us * 2 ** (attempt - 1), policy.longest_wait_us)
    return int(base * rng.uniform(0.5, 1.0))  # jitter: receivers coming back are not stampeded


SinkFactory = Callable[[Notifier], Sink]


class Deliverer:
    """Delivers pending deliveries; ``sinks`` builds the sink of a notifier (replaceable)."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        public_url: str = "http://127.0.0.1:8000",
        policy: DeliveryPolicy | None = None,
        sinks: SinkFactory = sink_for,
        batch: int = 100,
    ) -> None:
        self.database = database
        self.clock = clock
        self.public_url = public_url.rstrip("/")
        self.policy = policy or DeliveryPolicy()
        self.sinks = sinks
        self.batch = batch
        self.rng = random.Random()
        self._senders = ThreadPoolExecutor(max_workers=8, thread_name_prefix="slakeeper-send")

    def deliver_once(self) -> int:
        """One pass: every due delivery tried once (steps 1 to 4); how many were tried."""
        now = self.clock.now()
        with self.database.read() as connection:
            due = connection.execute(
                select(DeliveryRow.id, DeliveryRow.next_attempt_at)
                .where(DeliveryRow.state == "pending", DeliveryRow.next_attempt_at <= now)
                .order_by(DeliveryRow.next_attempt_at, DeliveryRow.id)
                .limit(self.batch)
            ).all()
        if not due:
            return 0
        with self.database.write() as connection:  # one transaction claims the batch
            claimed = [d for d, seen in due if self._claim(connection, d, seen, now)]
        # Sends run side by side (a slow receiver holds one thread, not the pass); a pass
        # never holds two deliveries of one ticket to one notifier, so order is kept.
        outcomes = list(self._senders.map(self._attempt, claimed))
        with self.database.write() as connection:  # and one records what happened
            for delivery_id, (attempt, outcome, spent) in zip(claimed, outcomes, strict=True):
                self._record(connection, delivery_id, attempt, outcome, now, spent)
        return len(claimed)

    def run(self, stop: threading.Event, poll_seconds: float = 1.0) -> None:
        """Deliver until ``stop`` is set: its own loop, so a slow receiver never delays
        the monitor's alerts."""
        failures = 0
        while not stop.is_set():
            try:
                tried = self.deliver_once()
                if tried >= self.batch:
                    continue  # more are due
                failures = 0
                wait = self._seconds_to_next(tried, poll_seconds)
            except Exception:  # the database went away: log, pause (growing), try again
                failures += 1
                log.exception("delivery pass failed", extra={"failures": failures})
                wait = pause_after(failures)
            stop.wait(max(0.0, wait))

    def _seconds_to_next(self, tried: int, poll_seconds: float) -> float:
        """Until the next attempt is due, at most one poll (the monitor adds deliveries)."""
        due = self.next_due()
        if due is None:
            return poll_seconds
        until = (due - self.clock.now()) / 1e6 / self.clock.speed  # wall seconds
        if until <= 0 and tried == 0:
            # Due, yet none could be claimed: each waits behind an earlier notice of its
            # ticket still being retried (or another process holds it). Looking again at
            # once would spin until that one's attempt is due: wait a poll.
            return poll_seconds
        return min(until, poll_seconds)

    def next_due(self) -> int | None:
        """The earliest next attempt of a pending delivery (ix_deliveries_due)."""
        with self.database.read() as connection:
            return connection.execute(
                select(DeliveryRow.next_attempt_at)
                .where(DeliveryRow.state == "pending")
                .order_by(DeliveryRow.next_attempt_at)
                .limit(1)
            ).scalar()

    def _claim(self, connection: Connection, delivery_id: int, seen: int, now: int) -> bool:
        row = connection.execute(
            select(DeliveryRow.ticket, DeliveryRow.notifier, DeliveryRow.alert_id).where(
                DeliveryRow.id == delivery_id
            )
        ).one()
        if _has_earlier(connection, row.ticket, row.notifier, row.alert_id):
            return False  # in order per ticket: the earlier one goes first
        claimed = connection.execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.id == delivery_id,
                DeliveryRow.state == "pending",
                DeliveryRow.next_attempt_at == seen,
            )
            .values(next_attempt_at=now + self.policy.lease_us)
        )
        return claimed.rowcount == 1

    def _attempt(self, delivery_id: int) -> tuple[int, Outcome, int]:
        """Send one claimed delivery: (its attempt number, the outcome, µs spent)."""
        with self.database.read() as connection:
            message, notifier, attempts = self._message(connection, delivery_id)
        started = time.perf_counter()
        if notifier is None:
            outcome = Outcome(
                ok=False, error="the notifier is no longer configured", permanent=True
            )
        else:
            outcome = self.sinks(notifier).send(message)
        return attempts + 1, outcome, int((time.perf_counter() - started) * SECOND)

    def _message(
        self, connection: Connection, delivery_id: int
    ) -> tuple[Message, Notifier | None, int]:
        row = connection.execute(
            select(DeliveryRow, AlertRow, TicketRow.config_version, TicketRow.severity)
            .join(AlertRow, AlertRow.id == DeliveryRow.alert_id)
            .join(TicketRow, TicketRow.id == AlertRow.ticket)
            .where(DeliveryRow.id == delivery_id)
        ).one()
        config = configuration_of(connection, row.config_version)
        message = Message(
            alert_id=row.alert_id,
            kind=row.kind,
            ticket=row.ticket,
            account=row.account,
            severity=row.severity,
            metric=row.metric,
            text=row.message,
            at=format_instant(row.due_at),
            link=f"{self.public_url}/tickets/{row.ticket}",
            late_seconds=row.late_us / SECOND,
        )
        return message, config.notifiers.get(row.notifier), row.attempts

    def _record(
        self,
        connection: Connection,
        delivery_id: int,
        attempt: int,
        outcome: Outcome,
        now: int,
        spent: int,
    ) -> None:
        values: dict[str, object] = {"attempts": attempt, "last_error": outcome.error}
        if outcome.ok:
            label = "delivered"
            values |= {"state": "delivered", "delivered_at": now, "next_attempt_at": None}
        elif outcome.permanent or attempt >= self.policy.attempts:
            label = "dead"
            values |= {"state": "dead", "next_attempt_at": None}
            log.warning("delivery dead", extra={"delivery": delivery_id, "error": outcome.error})
        else:
            label = "retry"
            wait = backoff_us(attempt, self.policy, self.rng)
            if outcome.retry_after is not None:
                wait = max(wait, int(outcome.retry_after * SECOND))
            values |= {"state": "pending", "next_attempt_at": now + wait}
        connection.execute(update(DeliveryRow).where(DeliveryRow.id == delivery_id).values(values))
        connection.execute(
            AttemptRow.__table__.insert().values(
                delivery_id=delivery_id, at=now, outcome=label, status=outcome.status,
                error=outcome.error, duration_us=spent,
            )
        )  # fmt: skip


def _has_earlier(connection: Connection, ticket: str, notifier: str, alert_id: int) -> bool:
    """True when an earlier alert of the ticket waits to reach the same notifier."""
    earlier = connection.execute(
        select(DeliveryRow.id)
        .where(
            and_(
                DeliveryRow.ticket == ticket,
                DeliveryRow.notifier == notifier,
                DeliveryRow.state == "pending",
                DeliveryRow.alert_id < alert_id,
            )
        )
        .limit(1)
    ).first()
    return earlier is not None
