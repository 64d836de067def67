"""What operators do to a service: kill -9 under load, two copies at once, SIGTERM.

Real processes: ``slakeeper serve`` in children, load generators in children, SIGKILL.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import select

from slakeeper.config import load_config
from slakeeper.core.evaluation import evaluate
from slakeeper.core.events import parse_event
from slakeeper.core.instants import parse_instant, to_us
from slakeeper.services.tokens import create_token
from slakeeper.simulation import load_scenario, simulate
from slakeeper.store.events import EventRow
from slakeeper.store.session import Database
from slakeeper.store.tickets import ClockRow
from tests.service.conftest import SIM_CONFIG
from tests.service.servers import ROOT, ServerProcess

NOW = "2026-01-05T20:00:00Z"


def _events(tmp_path: Path, tickets: int) -> Path:
    out = tmp_path / "all.jsonl"
    with out.open("wb") as stream:
        simulate(load_scenario(None), days=1, seed=21, write=stream.write)
    keep = {f"T-{n}" for n in range(1, tickets + 1)}
    lines = [line for line in out.read_bytes().splitlines() if orjson.loads(line)["ticket"] in keep]
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _token(database: Database) -> str:
    with database.write() as connection:
        token, _ = create_token(connection, name="load", role="ingest", actor="t", now=0)
    return token


def _loader(url: str, token: str, events: Path, acks: Path, batch: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.service.loadgen",
            url,
            token,
            str(events),
            str(acks),
            str(batch),
        ],
        cwd=ROOT,
    )


def _stored_log(database: Database) -> list[dict[str, Any]]:
    with database.read() as connection:
        rows = connection.execute(select(EventRow.body).order_by(EventRow.seq)).scalars()
        return [orjson.loads(body) for body in rows]


def _stored_clocks(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    with database.read() as connection:
        rows = connection.execute(select(ClockRow).order_by(ClockRow.ticket, ClockRow.id)).all()
    clocks: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows:
        clocks.setdefault(row.ticket, []).append(
            (
                row.metric,
                row.team or None,
                row.cycle,
                row.status,
                row.due_at,
                row.breached_at,
                row.fulfilled_at,
            )
        )
    return clocks


def _offline_clocks(log: list[dict[str, Any]]) -> dict[str, list[tuple[Any, ...]]]:
    """The core over the stored log in arrival order: what the stored clocks must equal."""
    now = to_us(parse_instant(NOW))
    parsed = [parse_event(event, n + 1) for n, event in enumerate(log)]
    result = evaluate(parsed, load_config(SIM_CONFIG), now)
    return {
        r.ticket: [
            (
                c.metric.value,
                c.team,
                c.number,
                c.status.value,
                c.due_at(),
                c.breached_at,
                c.fulfilled_at,
            )
            for c in r.cycles
        ]
        for r in result.tickets
        if r.cycles
    }


def _serve(database_url: str, tmp_path: Path, name: str) -> ServerProcess:
    return ServerProcess(
        database_url, tmp_path / f"{name}.log", env={"SLAKEEPER_FIXED_NOW": NOW}, config=SIM_CONFIG
    )


def test_every_acknowledged_event_survives_kill_9_and_clocks_match_offline(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    events = _events(tmp_path, tickets=80)
    token = _token(database)
    server = _serve(database_url, tmp_path, "server")
    server.start()
    acks = [tmp_path / "acks-1.txt", tmp_path / "acks-20.txt"]
    halves = _split(events, tmp_path)
    loaders = [
        _loader(server.url, token, halves[0], acks[0], 1),
        _loader(server.url, token, halves[1], acks[1], 20),
    ]
    # Kill at points of the slower (one event per request) stream's progress, not on a
    # timer: a fast machine must not finish the load before the second kill.
    chance = random.Random(3)
    total = len(halves[0].read_bytes().splitlines())
    marks = sorted(int(total * chance.uniform(low, low + 0.15)) for low in (0.05, 0.3, 0.55))
    kills = 0
    try:
        for mark in marks:
            while loaders[0].poll() is None and _count(acks[0]) < mark:
                time.sleep(0.005)
            if loaders[0].poll() is not None:
                break
            server.kill9()
            kills += 1
            server.start()
        for loader in loaders:
            assert loader.wait(timeout=300) == 0
    finally:
        server.stop()
    assert kills == len(marks)
    stored = {event["id"] for event in _stored_log(database)}
    acknowledged = set().union(*(path.read_text().split() for path in acks))
    assert acknowledged and acknowledged <= stored
    assert _stored_clocks(database) == _offline_clocks(_stored_log(database))
    server.start()
    try:
        again = httpx.post(
            f"{server.url}/api/v1/events",
            content=b"[" + b",".join(events.read_bytes().splitlines()) + b"]",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
    finally:
        server.stop()
    assert again.status_code == 200
    assert again.json()["accepted"] == 0
    assert again.json()["duplicates"] == len(stored)


def _count(acks: Path) -> int:
    """How many ids a loader has recorded as acknowledged so far."""
    try:
        return acks.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def _split(events: Path, tmp_path: Path) -> list[Path]:
    """Two streams whose tickets interleave: odd and even lines."""
    lines = events.read_bytes().splitlines()
    paths = [tmp_path / "even.jsonl", tmp_path / "odd.jsonl"]
    for index, path in enumerate(paths):
        path.write_bytes(b"\n".join(lines[index::2]) + b"\n")
    return paths


def test_two_servers_ingesting_one_ticket_at_once_never_leave_its_clocks_stale(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    events = _events(tmp_path, tickets=12)  # few tickets: both servers write the same ones
    token = _token(database)
    servers = [_serve(database_url, tmp_path, f"server-{n}") for n in range(2)]
    for server in servers:
        server.start()
    halves = _split(events, tmp_path)
    try:
        loaders = [
            _loader(servers[n].url, token, halves[n], tmp_path / f"acks-{n}.txt", 1)
            for n in range(2)
        ]
        for loader in loaders:
            assert loader.wait(timeout=300) == 0
    finally:
        for server in servers:
            server.stop()
    log = _stored_log(database)
    assert len(log) == len(events.read_bytes().splitlines())
    assert _stored_clocks(database) == _offline_clocks(log)


def test_sigterm_finishes_requests_in_flight_and_exits_cleanly(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    events = _events(tmp_path, tickets=30)
    token = _token(database)
    server = _serve(database_url, tmp_path, "server")
    server.start()
    acks = tmp_path / "acks.txt"
    loader = _loader(server.url, token, events, acks, 5)
    time.sleep(1.0)
    # uvicorn finishes what is in flight, then ends by the signal it received (-15).
    assert server.stop() in (0, -15)
    assert "Application shutdown complete" in server.log.read_text()
    loader.kill()
    loader.wait()
    stored = {event["id"] for event in _stored_log(database)}
    assert set(acks.read_text().split()) <= stored
