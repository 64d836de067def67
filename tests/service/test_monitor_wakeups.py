"""A sleeping monitor wakes early: a notification on PostgreSQL, a poll of one index on SQLite.

The loop tests run :meth:`Monitor.run` in a thread with every poll set to ten minutes, so
that only a notification can wake it within the seconds they wait.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from slakeeper.services.configs import store_config
from slakeeper.services.ingest import ingest_events
from slakeeper.services.monitor import Monitor, MonitorReport
from slakeeper.store.migrate import upgrade
from slakeeper.store.session import Database, create_database
from slakeeper.store.wakeups import CHANNEL
from tests.service.conftest import PG_URL, FixedClock
from tests.service.test_monitor import CONFIG, alerts, at, created, reply

TEN_MINUTES = 600.0


class WatchedMonitor(Monitor):
    """A monitor that tells the test when its first pass is over (it is about to sleep)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.passed = threading.Event()

    def tick_once(self) -> MonitorReport:
        report = super().tick_once()
        self.passed.set()
        return report


@contextmanager
def running(monitor: WatchedMonitor) -> Iterator[threading.Thread]:
    """``monitor.run`` in a thread, after its first pass; stopped (and joined) on exit."""
    stop = threading.Event()
    thread = threading.Thread(target=monitor.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert monitor.passed.wait(30), "the monitor never finished a pass"
        time.sleep(0.3)  # into its sleep
        yield thread
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive(), "the monitor did not stop within 10 s of being asked"


def eventually(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


@pytest.fixture
def pg(postgres_url: str) -> Iterator[tuple[Database, FixedClock]]:
    database = create_database(postgres_url)
    upgrade(database)
    with database.write() as connection:
        store_config(connection, text=CONFIG, author="test", now=0)
    clock = FixedClock()
    clock.set("2026-03-02T09:00:00Z")
    # T-1's first warning (09:30) is what a monitor sleeps toward: half an hour away.
    ingest_events(database, created("T-1", "09:00"), now=clock.now())
    yield database, clock
    database.dispose()


def sleepy(database: Database, clock: FixedClock, *, listen: bool) -> WatchedMonitor:
    return WatchedMonitor(
        database,
        clock,
        listen=listen,
        poll_seconds=TEN_MINUTES,
        longest_sleep_seconds=TEN_MINUTES,
    )


def late_ticket(database: Database, clock: FixedClock) -> None:
    """T-2 opened at 08:25: its warning (08:55) is due now (09:00), five minutes late."""
    ingest_events(database, created("T-2", "08:25"), now=clock.now())


@pytest.mark.postgres
def test_an_ingested_event_due_now_wakes_a_monitor_sleeping_toward_a_far_instant(
    pg: tuple[Database, FixedClock],
) -> None:
    database, clock = pg
    monitor = sleepy(database, clock, listen=True)
    with running(monitor):
        late_ticket(database, clock)
        woke = eventually(lambda: bool(alerts(database, ticket="T-2")), 10)
    assert woke, "no alert within 10 s: the notification did not wake the monitor"
    warning = alerts(database, ticket="T-2", kind="warning", metric="first_response")
    assert len(warning) == 1 and warning[0].late_us == at("09:00") - at("08:55")
    assert alerts(database, ticket="T-1") == []  # T-1 is not due: nothing else happened


@pytest.mark.postgres
def test_without_notifications_a_monitor_sleeps_through_the_same_event(
    pg: tuple[Database, FixedClock],
) -> None:
    database, clock = pg
    monitor = sleepy(database, clock, listen=False)  # polls, every ten minutes
    with running(monitor):
        late_ticket(database, clock)
        woke = eventually(lambda: bool(alerts(database, ticket="T-2")), 3)
    assert not woke
    monitor.tick_once()  # what the next poll would have done
    assert len(alerts(database, ticket="T-2", kind="warning")) == 1


@pytest.mark.postgres
def test_a_monitor_whose_listening_connection_is_killed_listens_again_and_looks(
    pg: tuple[Database, FixedClock],
) -> None:
    database, clock = pg
    monitor = sleepy(database, clock, listen=True)
    with running(monitor) as thread:
        assert monitor.listener is not None and monitor.listener.connection is not None
        killed = monitor.listener.connection.info.backend_pid
        with database.write() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": killed})
        # Stored at once, while the monitor is not listening: its notice is lost, and only
        # the pass after connecting again can find the ticket.
        late_ticket(database, clock)
        woke = eventually(lambda: bool(alerts(database, ticket="T-2")), 15)
        assert thread.is_alive()
        listening = monitor.listener.connection
        assert listening is not None and listening.info.backend_pid != killed
    assert woke, "no alert within 15 s of the listening connection being killed"


@pytest.mark.postgres
def test_a_busy_ingest_transaction_sends_one_notice_and_moving_on_sends_none(
    pg: tuple[Database, FixedClock],
) -> None:
    database, clock = pg
    with database.read() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    with psycopg.connect(_conninfo(), autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        batch = [created(f"B-{n}", f"08:{n:02d}") for n in range(10, 50)]
        ingest_events(database, batch, now=clock.now())
        notices = _ours(listener, schema)
        assert len(notices) == 1
        # The earliest next action written: B-10's warning at 08:40, due now (09:00).
        assert int(notices[0].split(" ")[-1]) <= at("09:00")
        # A reply fulfils T-1's first response: its next action moves later, nobody wakes.
        ingest_events(database, reply("T-1", "09:00", "r-1"), now=clock.now())
        assert _ours(listener, schema) == []


def _conninfo() -> str:
    assert PG_URL is not None
    return PG_URL.replace("postgresql+psycopg://", "postgresql://")


def _ours(listener: psycopg.Connection[Any], schema: str) -> list[str]:
    """The payloads of the notices of ``schema`` that arrive within a second."""
    payloads = [notice.payload for notice in listener.notifies(timeout=1.0)]
    return [payload for payload in payloads if payload.startswith(f"{schema} ")]


def test_the_earliest_next_action_is_one_index_lookup(database: Database) -> None:
    with database.read() as connection:
        if database.is_sqlite:
            plan = " ".join(
                str(row[-1])
                for row in connection.exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT min(next_action_at) FROM tickets"
                )
            )
            assert "USING COVERING INDEX ix_tickets_next_action_at" in plan
        else:
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # as on a big table
            plan = " ".join(
                str(row[0])
                for row in connection.exec_driver_sql(
                    "EXPLAIN SELECT min(next_action_at) FROM tickets"
                )
            )
            assert "Index Only Scan using ix_tickets_next_action_at" in plan
            assert "Limit" in plan
