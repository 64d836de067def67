"""``slakeeper evaluate`` on several worker processes writes exactly what one process writes.

A simulated log (``slakeeper simulate --days 3 --seed 5``) is replayed with
``SLAKEEPER_WORKERS=1`` (the single-process path) and with 2 and 3 workers (tickets
hash-partitioned across forked processes, merged by first appearance); stdout and stderr
must be the same bytes, on a clean log and on one salted with bad lines, repeated and reused
ids, events before ``created``, after ``--now`` and for tickets never created.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from slakeeper.core.errors import InputError
from slakeeper.services.replay import owner, worker_count

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "src" / "slakeeper" / "simulation" / "default_config.yaml"
NOW = "2026-01-07T12:00:00Z"  # the simulated log runs on to 2026-01-08: some events are later


def run(
    events: Path, workers: int, *extra: str, now: str = NOW
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "SLAKEEPER_WORKERS": str(workers)}
    command = [sys.executable, "-m", "slakeeper.cli", "evaluate", "--config", str(CONFIG)]
    command += ["--events", str(events), "--now", now, *extra]
    done = subprocess.run(command, capture_output=True, env=env, check=False, timeout=300)
    assert b"Traceback" not in done.stderr
    assert b"internal error" not in done.stderr
    return done


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    out = tmp_path_factory.mktemp("sim") / "events.jsonl"
    command = [sys.executable, "-m", "slakeeper.cli", "simulate", "--days", "3", "--seed", "5"]
    subprocess.run([*command, "--out", str(out)], check=True, capture_output=True, timeout=300)
    return out.read_bytes().splitlines(keepends=True)


def simulated_id(lines: list[bytes], index: int) -> str:
    """The id of the simulated log's event at ``index``."""
    return str(json.loads(lines[index])["id"])


def salted(lines: list[bytes]) -> list[bytes]:
    """The log with one of each problem evaluation works around, spread through it."""
    events = [json.loads(line) for line in lines]
    tickets = list(dict.fromkeys(event["ticket"] for event in events))
    created = {e["ticket"]: e for e in events if e["type"] == "created"}
    t5, t9 = created[tickets[5]], created[tickets[9]]
    early = {"id": "early-1", "ticket": t5["ticket"], "type": "message", "author": "agent"}
    early["at"] = "2026-01-04T00:00:00Z"  # before T-6 was created
    changed = dict(events[40], public=not events[40].get("public", True), type="message")
    changed["author"] = "agent"
    extra = [
        (30, b"{not json\n"),
        (31, b"\n"),
        (
            50,
            b'{"id": "x1", "ticket": "T-1", "type": "status", "status": "asleep", "at": "'
            b'2026-01-05T01:00:00Z"}\n',
        ),
        (60, lines[20]),  # the same event again: dropped silently
        (70, json.dumps(changed).encode() + b"\n"),  # its id again, another payload
        (80, json.dumps(early).encode() + b"\n"),
        (90, json.dumps({**t9, "id": "again-1"}).encode() + b"\n"),  # created twice
        (
            100,
            b'{"id":"ghost-1","ticket":"ghost","type":"message","author":"agent",'
            b'"at":"2026-01-05T03:00:00Z"}\n',
        ),  # a ticket never created
        # The same ticket written three ways: escaped, spaced, as in the simulator.
        (
            110,
            b'{"id":"esc-1","ticket":"T\\u002d3","type":"message","author":"agent",'
            b'"at":"2026-01-05T05:00:00Z"}\n',
        ),
        (
            120,
            b'{"id" : "esc-2", "ticket" : "T-3", "type" : "message", "author" : "customer",'
            b' "at" : "2026-01-05T06:00:00Z"}\n',
        ),
        (130, b'{"id":7,"ticket":42,"type":"created","at":"2026-01-05T07:00:00Z"}\n'),
        (
            140,
            b'{"id":8,"ticket":"42","type":"status","status":"solved",'
            b'"at":"2026-01-05T08:00:00Z"}\n',
        ),
    ]
    # At the end of the log, long after the tickets they name were complete (each worker
    # evaluates a ticket once its last line is read): an early event's id reused by another
    # ticket of the same worker for 2 and 3 workers, and an escaped spelling of an id.
    first = events[10]
    mates = [
        t
        for t in tickets
        if t != first["ticket"] and _crc(t) % 6 == _crc(first["ticket"]) % 6 and t in created
    ]
    reused = {**created[mates[0]], "id": first["id"], "at": "2026-01-05T09:00:00Z"}
    extra += [
        (len(lines) + 1, json.dumps(reused).encode() + b"\n"),
        (
            len(lines) + 2,
            b'{"id":"esc\\u002d1","ticket":"T-3","type":"message","author":"customer",'
            b'"at":"2026-01-05T05:00:00Z"}\n',
        ),
    ]
    salted = list(lines)
    for index, line in sorted(extra, reverse=True):
        salted.insert(index, line)
    return salted


def _crc(ticket: str) -> int:
    return zlib.crc32(ticket.encode())


def write(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(lines))
    return path


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_write_the_same_bytes_as_one_process_on_a_clean_log(
    simulated: list[bytes], tmp_path: Path, workers: int
) -> None:
    events = write(tmp_path / "events.jsonl", simulated)
    one, many = run(events, 1), run(events, workers)
    assert one.returncode == many.returncode == 0
    assert len(json.loads(one.stdout)) > 500
    assert many.stdout == one.stdout
    assert many.stderr == one.stderr


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_write_the_same_bytes_and_diagnostics_on_a_log_with_problems(
    simulated: list[bytes], tmp_path: Path, workers: int
) -> None:
    lines = salted(simulated)
    events = write(tmp_path / "events.jsonl", lines)
    repeat = [n for n, line in enumerate(lines, 1) if line == simulated[20]][1]
    one, many = run(events, 1), run(events, workers)
    assert one.returncode == many.returncode == 0
    report = one.stderr.decode()
    for expected in (
        "line 31: invalid JSON",
        "line 53: status: unknown status 'asleep'",
        "was already used (line 43) with another payload",
        f"event id {simulated_id(simulated, 10)!r} was already used (line 11) with another",
        "event id 'esc-1' was already used (line 119) with another payload",
        "before ticket",
        "was already created",
        "has no created event",
        "event is after --now",
    ):
        assert expected in report
    assert f"line {repeat}:" not in report  # the identical repeat is dropped without a word
    assert many.stdout == one.stdout
    assert many.stderr == one.stderr


def test_strict_writes_nothing_and_the_same_diagnostics_on_every_path(
    simulated: list[bytes], tmp_path: Path
) -> None:
    events = write(tmp_path / "events.jsonl", salted(simulated))
    one, many = run(events, 1, "--strict"), run(events, 2, "--strict")
    assert one.returncode == many.returncode == 2
    assert one.stdout == many.stdout == b""
    assert one.stderr == many.stderr != b""


def test_strict_on_a_clean_log_writes_what_the_streaming_path_writes(
    simulated: list[bytes], tmp_path: Path
) -> None:
    events = write(tmp_path / "events.jsonl", simulated)
    later = "2026-02-01T00:00:00Z"  # after every event: no diagnostic
    lenient, strict = run(events, 2, now=later), run(events, 2, "--strict", now=later)
    assert strict.returncode == 0, strict.stderr
    assert strict.stdout == lenient.stdout
    assert strict.stderr == lenient.stderr == b""


def test_an_id_reused_by_tickets_of_different_workers_is_reported_as_by_one_process(
    simulated: list[bytes], tmp_path: Path
) -> None:
    events = [json.loads(line) for line in simulated]
    first = events[0]
    other = next(
        e
        for e in events[1:]
        if zlib.crc32(e["ticket"].encode()) % 2 != zlib.crc32(first["ticket"].encode()) % 2
    )
    lines = list(simulated)
    lines[events.index(other)] = json.dumps({**other, "id": first["id"]}).encode() + b"\n"
    path = write(tmp_path / "events.jsonl", lines)
    one, many = run(path, 1), run(path, 2)
    assert f"event id {first['id']!r} was already used (line 1)" in one.stderr.decode()
    assert many.stdout == one.stdout
    assert many.stderr == one.stderr


def test_a_reader_that_stops_early_ends_the_command_quietly(
    simulated: list[bytes], tmp_path: Path
) -> None:
    events = write(tmp_path / "events.jsonl", simulated * 3)  # more than a pipe holds
    env = {**os.environ, "SLAKEEPER_WORKERS": "2"}
    command = [sys.executable, "-m", "slakeeper.cli", "evaluate", "--config", str(CONFIG)]
    command += ["--events", str(events), "--now", NOW]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.read(100).startswith(b"[\n{")
        process.stdout.close()
        returncode = process.wait(timeout=120)  # workers stopped, not left waiting
        stderr = process.stderr.read()
    assert returncode == 1
    assert b"Traceback" not in stderr
    assert b"error" not in stderr


def test_lines_of_one_ticket_go_to_one_worker_however_the_ticket_is_written() -> None:
    plain = b'{"id":"a","ticket":"T-3","type":"created","at":"2026-01-05T00:00:00Z"}\n'
    escaped = b'{"id":"b","ticket":"T\\u002d3","type":"status","at":"2026-01-05T00:00:00Z"}'
    spaced = b'{"id": "c", "ticket" : "T-3", "custom": {"ticket": "T-99"}}'
    nested_first = b'{"custom": {"ticket": "T-99"}, "ticket": "T-3"}'
    for count in (2, 3, 5):
        expected = zlib.crc32(b"T-3") % count
        for number, line in enumerate((plain, escaped, spaced, nested_first), start=1):
            assert owner(line, number, count) == expected
        assert owner(b'{"ticket": 42}', 1, count) == owner(b'{"ticket":"42"}', 2, count)
        assert owner(b"{broken", 7, count) == 7 % count  # no ticket: spread by line


def test_small_files_stay_in_one_process_and_the_worker_count_can_be_forced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = write(tmp_path / "events.jsonl", [b"{}\n"] * 10)
    monkeypatch.delenv("SLAKEEPER_WORKERS", raising=False)
    assert worker_count(small) == 1
    monkeypatch.setenv("SLAKEEPER_WORKERS", "3")
    assert worker_count(small) == 3
    monkeypatch.setenv("SLAKEEPER_WORKERS", "many")
    with pytest.raises(InputError, match="SLAKEEPER_WORKERS"):
        worker_count(small)
