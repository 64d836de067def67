"""A running ``slakeeper monitor`` whose database goes away (PostgreSQL behind a cut proxy)
or is locked by another writer (SQLite): it logs, waits without spinning, and afterwards
writes the alerts that came due meanwhile exactly once, late, and delivers them."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from slakeeper.core.instants import format_instant
from slakeeper.services.configs import store_config
from slakeeper.services.ingest import ingest_events
from slakeeper.store.alerts import AlertRow, DeliveryRow
from slakeeper.store.migrate import upgrade
from slakeeper.store.session import Database, create_database
from tests.service.proxy import Proxy
from tests.service.receivers import HttpReceiver, http_receiver
from tests.service.servers import ROOT
from tests.service.test_monitor import at, created

OUTAGE_SECONDS = 8.0


def config(url: str) -> str:
    return f"""\
calendars:
  always: {{timezone: UTC, weekly: 24x7}}
accounts:
  acme: {{name: Acme Corp, tier: enterprise}}
policies:
  - id: enterprise
    calendar: always
    targets: {{P1: {{first_response: 1h}}}}
    warn_at: [0.5]
    escalation: path
escalation_paths:
  path:
    - {{at: breach, notify: [hook]}}
notifiers:
  hook: {{type: webhook, url: "{url}/hook"}}
"""


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with http_receiver() as found:
        yield found


def prepare(database: Database, receiver: HttpReceiver) -> None:
    """Three tickets whose warnings fall at 09:28, 09:29 and 09:30; stored at 09:00."""
    with database.write() as connection:
        store_config(connection, text=config(receiver.url), author="t", now=0)
    tickets = [created(f"T-{n}", when) for n, when in enumerate(("08:58", "08:59", "09:00"))]
    ingest_events(database, tickets, now=at("09:00"))


class MonitorProcess:
    """``slakeeper monitor`` in a child process, its clock read from a file."""

    def __init__(self, database_url: str, tmp_path: Path) -> None:
        self.clock = tmp_path / "now"
        self.log = tmp_path / "monitor.log"
        self.set_clock("09:00")
        env = os.environ | {
            "SLAKEEPER_DATABASE_URL": database_url,
            "SLAKEEPER_CLOCK_FILE": str(self.clock),
        }
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "slakeeper.cli", "monitor"],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        assert eventually(lambda: "monitor started" in self.text(), 30), self.text()[-3000:]

    def set_clock(self, hhmm: str) -> None:
        self.clock.write_text(format_instant(at(hhmm)))

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def cpu_seconds(self) -> float:
        """User and system time the process has used so far (/proc/<pid>/stat)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        return ticks / os.sysconf("SC_CLK_TCK")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> int:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            return -9


def eventually(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def alert_rows(database: Database) -> list[tuple[str, str, int, int]]:
    with database.read() as connection:
        rows = connection.execute(
            select(AlertRow.key, AlertRow.kind, AlertRow.due_at, AlertRow.late_us)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def delivery_states(database: Database) -> list[str]:
    with database.read() as connection:
        return list(connection.execute(select(DeliveryRow.state)).scalars())


def outage(monitor: MonitorProcess, hold: Callable[[], None]) -> float:
    """Move the clock past the warnings, ``hold`` the outage, and return the CPU seconds
    the monitor used meanwhile per second of it."""
    started_cpu, started = monitor.cpu_seconds(), time.monotonic()
    monitor.set_clock("09:31")  # the three warnings fall due while the database is away
    hold()
    return (monitor.cpu_seconds() - started_cpu) / (time.monotonic() - started)


def assert_caught_up(database: Database, receiver: HttpReceiver, monitor: MonitorProcess) -> None:
    """Each warning alerted once, late by 1 to 3 minutes, delivered once."""
    written = eventually(lambda: len(alert_rows(database)) >= 3, 60)
    assert written, monitor.text()[-3000:]
    delivered = eventually(lambda: delivery_states(database) == ["delivered"] * 3, 60)
    assert delivered, (delivery_states(database), monitor.text()[-3000:])
    time.sleep(1.5)  # a second write or send, if any were coming
    rows = alert_rows(database)
    assert len(rows) == 3 and len({key for key, *_ in rows}) == 3
    assert all(kind == "warning" for _, kind, _, _ in rows)
    assert sorted(due for _, _, due, _ in rows) == [at("09:28"), at("09:29"), at("09:30")]
    assert all(late == at("09:31") - due for _, _, due, late in rows)
    sent = [orjson.loads(request.body) for request in receiver.requests]
    assert sorted(body["ticket"] for body in sent) == ["T-0", "T-1", "T-2"]
    assert sorted(body["late_seconds"] for body in sent) == [60.0, 120.0, 180.0]


@pytest.mark.postgres
def test_a_monitor_survives_its_database_going_away_and_catches_up_once(
    postgres_url: str, tmp_path: Path, receiver: HttpReceiver
) -> None:
    database = create_database(postgres_url)  # the test's own, direct connection
    upgrade(database)
    prepare(database, receiver)
    url = make_url(postgres_url)
    proxy = Proxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    monitor = MonitorProcess(proxied, tmp_path)
    try:
        time.sleep(1.5)  # a pass or two: it is listening and sleeping
        assert alert_rows(database) == []
        proxy.cut()

        def away() -> None:
            time.sleep(OUTAGE_SECONDS)
            assert monitor.alive(), monitor.text()[-3000:]
            assert alert_rows(database) == []  # nothing could be written meanwhile

        cpu = outage(monitor, away)
        assert "monitor pass failed" in monitor.text()
        assert cpu < 0.3, f"the monitor used {cpu:.0%} of a core while the database was away"
        proxy.start()
        assert_caught_up(database, receiver, monitor)
        assert "monitor listening again" in monitor.text()
    finally:
        code = monitor.stop()
        proxy.cut()
        database.dispose()
    assert code == 0, monitor.text()[-3000:]


def test_a_monitor_waits_out_another_writer_locking_sqlite_and_carries_on(
    tmp_path: Path, receiver: HttpReceiver
) -> None:
    path = tmp_path / "slakeeper.db"
    database = create_database(f"sqlite:///{path}")
    upgrade(database)
    prepare(database, receiver)
    monitor = MonitorProcess(f"sqlite:///{path}", tmp_path)
    try:
        time.sleep(1.5)
        assert alert_rows(database) == []
        writer = sqlite3.connect(path, isolation_level=None)

        def locked() -> None:
            writer.execute("BEGIN EXCLUSIVE")  # another writer holds the database
            time.sleep(OUTAGE_SECONDS)
            assert monitor.alive(), monitor.text()[-3000:]
            assert alert_rows(database) == []  # readers go on (WAL); the monitor waits
            writer.execute("ROLLBACK")

        try:
            cpu = outage(monitor, locked)
        finally:
            writer.close()
        assert cpu < 0.3, f"the monitor used {cpu:.0%} of a core while the database was locked"
        assert_caught_up(database, receiver, monitor)
    finally:
        code = monitor.stop()
        database.dispose()
    assert code == 0, monitor.text()[-3000:]
