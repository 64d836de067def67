"""Exactly once across processes: two monitors at once, one killed with SIGKILL and restarted
at random moments, while a shared clock (a file both read) moves over hours of thresholds."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
from sqlalchemy import func, select

from slakeeper.config import load_config_document
from slakeeper.config.documents import parse_document
from slakeeper.core.evaluation import evaluate
from slakeeper.core.events import parse_event
from slakeeper.core.instants import format_instant
from slakeeper.services.configs import store_config
from slakeeper.services.ingest import ingest_events
from slakeeper.services.marks import reached_marks
from slakeeper.store.alerts import AlertRow
from slakeeper.store.events import EventRow
from slakeeper.store.session import Database
from slakeeper.store.tickets import TicketRow
from tests.service.servers import ROOT
from tests.service.test_monitor import CONFIG, at, created

MINUTE = 60_000_000


def _monitor(database_url: str, clock_file: Path, log: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {"SLAKEEPER_DATABASE_URL": database_url,
                        "SLAKEEPER_CLOCK_FILE": str(clock_file),
                        "SLAKEEPER_LOG_LEVEL": "WARNING"}  # fmt: skip
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "slakeeper.cli", "monitor"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )


def _settled(database: Database, now: int) -> bool:
    with database.read() as connection:
        due = connection.execute(
            select(func.count()).select_from(TicketRow).where(TicketRow.next_action_at <= now)
        ).scalar_one()
    return due == 0


def test_two_monitors_and_kill_9_write_every_alert_and_escalation_exactly_once(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    with database.write() as connection:
        store_config(connection, text=CONFIG, author="t", now=0)
    tickets = [created(f"T-{n}", f"09:{n % 60:02d}") for n in range(300)]
    ingest_events(database, tickets, now=at("09:00"))
    clock_file = tmp_path / "now"
    now = at("09:00")
    clock_file.write_text(format_instant(now))
    logs = [tmp_path / "m1.log", tmp_path / "m2.log"]
    monitors = [_monitor(database_url, clock_file, log) for log in logs]
    chance = random.Random(7)
    kills = 0
    try:
        while now < at("14:30"):
            now += 7 * MINUTE
            clock_file.write_text(format_instant(now))
            if chance.random() < 0.3:  # kill one monitor mid-pass, start it again
                victim = chance.randrange(2)
                time.sleep(chance.uniform(0.0, 0.2))
                os.killpg(monitors[victim].pid, signal.SIGKILL)
                monitors[victim].wait()
                monitors[victim] = _monitor(database_url, clock_file, logs[victim])
                kills += 1
            deadline = time.monotonic() + 60
            while not _settled(database, now) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _settled(database, now), logs[0].read_text()[-2000:]
    finally:
        for process in monitors:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    assert kills >= 3
    with database.read() as connection:
        keys = list(connection.execute(select(AlertRow.key)).scalars())
        bodies = connection.execute(select(EventRow.body).order_by(EventRow.seq)).scalars()
        log = [parse_event(orjson.loads(body), n) for n, body in enumerate(bodies, 1)]
    offline = evaluate(log, load_config_document(parse_document(CONFIG)), now)
    expected = {mark.key for result in offline.tickets for mark in reached_marks(result)}
    assert len(keys) == len(set(keys))
    assert set(keys) == expected
    assert len(expected) == 300 * 8  # per metric: a warning, two steps, the breach
    steps = [e for e in log if e.type.value == "escalated"]
    reached = {
        (r.ticket, c.metric.value, c.team, c.number, step + 1)
        for r in offline.tickets for c in r.cycles for step, _ in c.escalations
    }  # fmt: skip
    assert len(steps) == len(reached)
    assert {(e.ticket, e.metric.value, e.team, e.cycle, e.step) for e in steps} == reached
    assert all(result.escalations_due == [] for result in offline.tickets)
