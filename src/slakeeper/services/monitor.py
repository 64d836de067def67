"""The monitor: brings due tickets to now, writes each alert once, escalates along the path.

One pass (:meth:`Monitor.tick_once`), in the shape of healthchecks' ``sendalerts``:

1. Read the tickets whose ``next_action_at`` is due (its index; never a table scan).
2. In one write transaction per batch, claim them: a ticket is this monitor's only if its
   ``next_action_at`` is still the one it read (PostgreSQL: ``FOR UPDATE SKIP LOCKED``).
3. Re-evaluate each from its stored log at ``now``. Escalation steps reached without an
   ``escalated`` event get one (and an ``assign`` where the step reassigns), stamped at the
   step's instant with an id derived from the step, so that the stored log replayed offline
   gives exactly the live state; the ticket is evaluated again with them.
4. Write an alert for each reached mark not yet alerted on (the alert's key is unique:
   any number of monitors write it once), a correction for each breach a late event
   withdrew, and a pending delivery per recipient of each alert that is not historic.
5. Store the re-evaluated ticket: its next ``next_action_at`` comes from the core.

A ticket that fails is logged and retried later (its next action moved ahead), never in a
tight loop. :meth:`Monitor.run` sleeps until the earliest ``next_action_at`` and wakes
early when ingest brings a nearer one: on PostgreSQL a notification (``LISTEN`` on a
connection of its own, see :mod:`slakeeper.store.wakeups`), on SQLite a short poll of
that index. A pass that fails (the database went away) is logged and tried again after a
growing pause; SIGTERM ends the pass in progress and returns.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import orjson
from sqlalchemy import Connection

from slakeeper.core.evaluation import TicketResult
from slakeeper.core.instants import format_instant
from slakeeper.core.policies import EscalationPath
from slakeeper.services.alerting import NewAlert, build_alerts, learnt_at
from slakeeper.services.configs import configurations_of
from slakeeper.services.marks import AlertKind, Reached, reached_marks
from slakeeper.services.refresh import StoredLog, load_logs, refresh_logs
from slakeeper.settings import Clock, Settings
from slakeeper.store import monitoring, queries
from slakeeper.store.queries import chunks
from slakeeper.store.session import Database
from slakeeper.store.wakeups import Listener

__all__ = ["Monitor", "MonitorReport"]

log = logging.getLogger("slakeeper.monitor")
RETRY_FAILED_US = 5 * 60 * 1_000_000  # a ticket that failed is looked at again in 5 min
LONGEST_PAUSE_SECONDS = 15.0  # after failed passes: 1 s, doubling up to this
NOTICE_GATHER_SECONDS = 0.2  # after a notice, before the pass: the burst it came in


def pause_after(failures: int) -> float:
    """Seconds to wait after ``failures`` passes in a row failed (the database is away)."""
    return min(2.0 ** (failures - 1), LONGEST_PAUSE_SECONDS)


@dataclass
class MonitorReport:
    """What one pass did."""

    due: int = 0
    claimed: int = 0
    alerts: int = 0
    escalations: int = 0
    deliveries: int = 0
    failed: list[str] = field(default_factory=list)


class Monitor:
    """Watches ``next_action_at`` and turns reached marks into alerts and escalations."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        batch: int = 200,
        poll_seconds: float = 1.0,
        listen: bool = True,
        longest_sleep_seconds: float = 60.0,
    ) -> None:
        self.database = database
        self.clock = clock
        self.batch = batch
        self.poll_seconds = poll_seconds
        # A clock moved by hand (tests) may jump past a long sleep's end: look every poll.
        self.longest_sleep_seconds = poll_seconds if clock.jumps else longest_sleep_seconds
        # PostgreSQL: wait on notifications; SQLite (or `listen` off): poll the index.
        self.listener = Listener(database.engine) if listen and not database.is_sqlite else None

    @classmethod
    def from_settings(cls, database: Database, clock: Clock, settings: Settings) -> Monitor:
        """The monitor as the settings describe it (``serve``, ``slakeeper monitor``)."""
        return cls(
            database,
            clock,
            poll_seconds=settings.monitor_poll_seconds,
            listen=settings.monitor_listen,
            longest_sleep_seconds=settings.monitor_longest_sleep_seconds,
        )

    def tick_once(self) -> MonitorReport:
        """One pass over the tickets due now (steps 1 to 5)."""
        now = self.clock.now()
        report = MonitorReport()
        with self.database.read() as connection:
            due = monitoring.due_tickets(connection, now, self.batch)
        report.due = len(due)
        for part in chunks(due, 50):
            try:
                self._process(list(part), now, report)
            except Exception:  # one bad ticket must not stop the others: one at a time
                log.warning("monitor batch failed; retrying its tickets one by one", exc_info=True)
                for one in part:
                    self._process_alone(one, now, report)
        return report

    def _process_alone(self, seen: tuple[str, int], now: int, report: MonitorReport) -> None:
        try:
            self._process([seen], now, report)
        except Exception:  # the top of the monitor loop for this ticket: log, retry later
            log.exception("monitor failed on a ticket", extra={"ticket": seen[0]})
            report.failed.append(seen[0])
            with self.database.write() as connection:
                monitoring.postpone(connection, seen[0], now + RETRY_FAILED_US)

    def _process(self, seen: list[tuple[str, int]], now: int, report: MonitorReport) -> None:
        with self.database.write() as connection:
            claimed = monitoring.claim_tickets(connection, seen)
            report.claimed += len(claimed)
            if not claimed:
                return
            logs, results = refresh_logs(connection, load_logs(connection, claimed), claimed, now)
            escalated = self._escalate(connection, logs, results, now)
            report.escalations += len(escalated)
            if escalated:
                logs = load_logs(connection, claimed)
            logs, results = refresh_logs(connection, logs, claimed, now, alerted=True)
            self._alert(connection, logs, results, now, report)

    # ---- escalation ---------------------------------------------------------------------

    def _escalate(
        self,
        connection: Connection,
        logs: dict[str, StoredLog],
        results: dict[str, TicketResult | None],
        now: int,
    ) -> list[str]:
        """Write the ``escalated`` (and ``assign``) events of steps reached; their ids."""
        configs = configurations_of(connection, {log.config_version for log in logs.values()})
        rows = []
        for ticket, result in results.items():
            if result is None or not result.escalations_due:
                continue
            config = configs[logs[ticket].config_version]
            policy = next((p for p in config.policies if p.id == result.policy), None)
            path = (
                config.escalation_paths.get(policy.escalation)
                if policy and policy.escalation
                else None
            )
            for cycle, step, at in result.escalations_due:
                rows += _step_events(
                    ticket, cycle.metric.value, cycle.team, cycle.number, step, at, path, now
                )
        if rows:
            queries.insert_events(connection, rows, skip_known=True)
        return [row[0] for row in rows]

    # ---- alerts -------------------------------------------------------------------------

    def _alert(
        self,
        connection: Connection,
        logs: dict[str, StoredLog],
        results: dict[str, TicketResult | None],
        now: int,
        report: MonitorReport,
    ) -> None:
        tickets = list(results)
        existing = monitoring.alert_keys(connection, tickets)
        configs = configurations_of(connection, {log.config_version for log in logs.values()})
        new: list[NewAlert] = []
        for ticket, result in results.items():
            if result is None:
                continue
            log_ = logs[ticket]
            known = existing.get(ticket, {})
            marks = reached_marks(result)
            fresh = [mark for mark in marks if mark.key not in known]
            fresh += _corrections(ticket, marks, known, now)
            # What the monitor wrote itself (escalations) is not news of the ticket.
            told = [(e.at, r) for e, r in zip(log_.events, log_.received, strict=True)
                    if not e.id.startswith("esc:")]  # fmt: skip
            learnt = {
                mark.key: learnt_at(mark.at, [at for at, _ in told], [r for _, r in told])
                if mark.kind is not AlertKind.CORRECTION
                else (mark.at if not known.get(_breach_key(mark), ("", False))[1] else 0)
                for mark in fresh
            }
            new += build_alerts(result, fresh, configs[log_.config_version], now=now, learnt=learnt)
        if not new:
            return
        monitoring.insert_alerts(connection, [alert.row() for alert in new])
        ids = monitoring.alert_ids(connection, [alert.reached.key for alert in new])
        # An acknowledged cycle gets no further escalation notices (written as suppressed).
        quiet = monitoring.acknowledged_cycles(connection, tickets)
        deliveries = [
            (ids[alert.reached.key], alert.reached.ticket, notifier,
             "suppressed" if _is_quiet(alert, quiet) else "pending", now)
            for alert in new
            for notifier in alert.notifiers
        ]  # fmt: skip
        if deliveries:
            monitoring.insert_deliveries(connection, deliveries)
        report.alerts += len(new)
        report.deliveries += len(deliveries)

    # ---- the loop -----------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Pass after pass until ``stop`` is set (SIGTERM): sleep until the next due instant.

        1. Listen (PostgreSQL), connecting again if the connection was lost. Listening
           starts before the pass, so a commit after the pass's read is heard; a notice
           missed while disconnected is covered by the pass itself.
        2. One pass over what is due; straight on while full batches are due.
        3. Sleep until the earliest next action (at most the longest sleep), or until a
           notice of an earlier one (on SQLite: at most one poll, then look again).
        4. On any error (the database went away): log, drop the listening connection,
           pause 1 s, doubling up to 15 s while it lasts, and start over at 1.
        """
        log.info("monitor started", extra={"wakeups": "listen" if self.listener else "poll"})
        failures = 0
        try:
            while not stop.is_set():
                try:
                    if self.listener is not None and self.listener.connect() and failures:
                        log.info("monitor listening again")
                    report = self.tick_once()
                    failures = 0
                    if report.due < self.batch:  # else more are due: no sleep
                        # Due tickets another monitor holds: let it finish, do not spin.
                        self._sleep(stop, at_least=0.1 if report.claimed < report.due else 0.0)
                except Exception:  # the top of the monitor loop: log, pause, try again
                    failures += 1
                    log.exception("monitor pass failed", extra={"failures": failures})
                    if self.listener is not None:
                        self.listener.close()
                    stop.wait(pause_after(failures))
        finally:
            if self.listener is not None:
                self.listener.close()
        log.info("monitor stopped")

    def _sleep(self, stop: threading.Event, at_least: float) -> None:
        """Until the earliest next_action_at, or earlier (see :meth:`run`, step 3)."""
        with self.database.read() as connection:
            # min() over ix_tickets_next_action_at is one index lookup, not a scan: the
            # first non-null entry (SQLite's plan: SEARCH tickets USING COVERING INDEX;
            # PostgreSQL's: a LIMIT 1 index-only scan). Polling it every second is cheap.
            earliest = monitoring.earliest_due(connection)
        now = self.clock.now()
        # Clock seconds over the clock's speed: wall seconds (a sped-up demo clock).
        until = (
            None if earliest is None else max(at_least, (earliest - now) / 1e6 / self.clock.speed)
        )
        if self.listener is None:
            stop.wait(self.poll_seconds if until is None else min(until, self.poll_seconds))
            return
        wait = (
            self.longest_sleep_seconds if until is None else min(until, self.longest_sleep_seconds)
        )
        if wait > 0 and self.listener.wait(stop, wait, before=now + int(wait * 1e6)):
            # A notice seldom comes alone (each ingest transaction sends one): gather the
            # burst into one pass rather than a pass per transaction.
            stop.wait(NOTICE_GATHER_SECONDS)


def _step_events(
    ticket: str,
    metric: str,
    team: str | None,
    cycle: int,
    step: int,
    at: int,
    path: EscalationPath | None,
    now: int,
) -> list[tuple[object, ...]]:
    """The events one escalation step writes: ``escalated``, and ``assign`` if it hands over."""
    base = f"esc:{ticket}:{metric}:{team or ''}:{cycle}:{step}"
    steps = path.steps if path is not None else ()
    the_step = steps[step - 1] if 0 < step <= len(steps) else None
    threshold = the_step.at.json_value if the_step is not None else None
    body = {
        "id": base, "ticket": ticket, "type": "escalated", "at": format_instant(at),
        "metric": metric, "cycle": cycle, "team": team, "step": step, "threshold": threshold,
        "path": path.id if path is not None else None,
    }  # fmt: skip
    rows: list[tuple[object, ...]] = [
        (base, ticket, "escalated", at, orjson.dumps(body).decode(), now, "monitor")
    ]
    if the_step is not None and the_step.assign_team:
        assign = {
            "id": f"{base}:assign",
            "ticket": ticket,
            "type": "assign",
            "at": format_instant(at),
            "team": the_step.assign_team,
        }
        rows.append((assign["id"], ticket, "assign", at, orjson.dumps(assign).decode(), now,
                     "monitor"))  # fmt: skip
    return rows


def _corrections(
    ticket: str, marks: Sequence[Reached], known: dict[str, tuple[str, bool]], now: int
) -> list[Reached]:
    """A correction, at ``now``, for each breach alert whose breach the log no longer shows."""
    standing = {mark.key for mark in marks}
    found = []
    for key, (kind, _) in known.items():
        if kind != AlertKind.BREACH or key in standing:
            continue
        _, metric, team, cycle, _, mark = key.split("|")
        correction = Reached(ticket, metric, team, int(cycle), AlertKind.CORRECTION, mark, now)
        if correction.key not in known:
            found.append(correction)
    return found


def _is_quiet(alert: NewAlert, quiet: set[tuple[str, str, str, int]]) -> bool:
    mark = alert.reached
    cycle = (mark.ticket, mark.metric, mark.team, mark.cycle)
    return mark.kind is AlertKind.ESCALATION and cycle in quiet


def _breach_key(correction: Reached) -> str:
    return correction.key.replace(f"|{AlertKind.CORRECTION}|", f"|{AlertKind.BREACH}|")
