"""``evaluate`` of a JSONL file on several cores: tickets hash-partitioned across forked workers.

Tickets are independent (DESIGN.md section 3), so each worker process owns the tickets whose
id hashes to it: it reads the whole file, skips the lines of other workers' tickets after a
cheap look at their ``"ticket"`` key, parses, groups and evaluates its own, and sends each
ticket's JSON document to the parent, tagged with the line that put the ticket in first.
The parent merges the workers' streams by that line, which is the order of first appearance
the single-process path writes in, and sorts the diagnostics into the order that path
reports them: bad lines, then repeated or future events (by line), then each ticket's notes
in ticket order. The output is byte-for-byte that of the single-process path; tests compare
the two (``SLAKEEPER_WORKERS=1`` forces one process).

One thing a partition cannot see is an event id reused across tickets owned by different
workers (the single-process path reports the later one). Before evaluating, every worker
sends the hashes of its ids; if two workers share one, the parent stops them and replays in
one process instead: exact, and rare (a reused id is nearly always a repeated line of the
same ticket, which one worker sees whole).
"""

from __future__ import annotations

import contextlib
import heapq
import os
import pickle
import struct
import sys
import traceback
import zlib
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from slakeeper.core.configuration import Configuration
from slakeeper.core.errors import InputError
from slakeeper.core.evaluation import Diagnostic, TicketResult, evaluate_logged, group_events
from slakeeper.core.events import Event
from slakeeper.services.evaluations import (
    collection_paused,
    dumps,
    read_numbered,
    stream_file,
    ticket_document,
    write_documents,
)

__all__ = ["PARALLEL_MIN_BYTES", "replay_file", "worker_count"]

# Below this size one process is faster than forking workers that each read the file.
PARALLEL_MIN_BYTES = 4_000_000
_FRAME = struct.Struct("<qQ")  # first line of the ticket (-1: the final message), length
_TICKET_KEY = b'"ticket"'
_TICKET_VALUE = b'"ticket":"'
_PIPE_BYTES = 1 << 20  # room for a few hundred documents while the parent serves another
_SortedDiagnostic = tuple[tuple[int, int, int], str]


def worker_count(events_path: str | Path) -> int:
    """How many processes replay ``events_path``: ``SLAKEEPER_WORKERS`` if set, else one
    per available core (at most 8) for a file of at least PARALLEL_MIN_BYTES, else one."""
    forced = os.environ.get("SLAKEEPER_WORKERS", "").strip()
    if forced:
        if not forced.isdigit() or int(forced) < 1:
            raise InputError(f"SLAKEEPER_WORKERS must be a whole number >= 1, got {forced!r}")
        return int(forced)
    try:
        size = os.path.getsize(events_path)
    except OSError:
        return 1  # the single path reports the unreadable file
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return min(cores, 8) if size >= PARALLEL_MIN_BYTES else 1


def replay_file(
    events_path: str | Path,
    config: Configuration,
    now: int,
    out: BinaryIO,
    *,
    workers: int | None = None,
) -> list[str]:
    """Write every ticket's document as a JSON list to ``out``; the diagnostics, in order.

    ``workers`` defaults to :func:`worker_count`; with one, everything runs in this process.
    """
    count = worker_count(events_path) if workers is None else workers
    # Every worker reads the file from the start: a pipe or a terminal can be read once.
    if count > 1 and hasattr(os, "fork") and os.path.isfile(events_path):
        try:
            with open(events_path, "rb"):
                pass
        except OSError as exc:
            raise InputError(f"cannot read {events_path}: {exc.strerror or exc}") from None
        diagnostics = _parallel(str(events_path), config, now, out, count)
        if diagnostics is not None:
            return diagnostics
    found: list[Diagnostic] = []
    write_documents(_documents(stream_file(events_path, config, now, found), now), out)
    return [str(diagnostic) for diagnostic in found]


def _documents(results: Iterator[TicketResult], now: int) -> Iterator[dict[str, Any]]:
    # A generator function, not a generator expression: compiled, an expression passed
    # to a call was built whole first (every document in memory, 170 MB more at 1M events).
    for result in results:
        yield ticket_document(result, now)


def owner(line: bytes, number: int, count: int) -> int:
    """The worker that owns a line: by its ticket id, or by its number when it has none."""
    start = line.find(_TICKET_VALUE)
    # A raw quote only delimits strings in JSON, so one `"ticket":"` in the line, and no
    # other `"ticket"` token, is the ticket key; a plain value is the id's exact bytes.
    if start >= 0 and line.count(_TICKET_KEY) == 1:
        start += len(_TICKET_VALUE)
        end = line.find(b'"', start)
        key = line[start:end]
        if end > start and b"\\" not in key:
            return zlib.crc32(key) % count
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError:
        return number % count
    ticket = data.get("ticket") if isinstance(data, dict) else None
    if isinstance(ticket, int) and not isinstance(ticket, bool):
        ticket = str(ticket)  # as parse_event reads an integer id
    if isinstance(ticket, str) and ticket:
        return zlib.crc32(ticket.encode("utf-8", "surrogatepass")) % count
    return number % count


def _owned_lines(path: str, index: int, count: int) -> Iterator[tuple[int, bytes]]:
    with open(path, "rb") as file:
        for number, line in enumerate(file, start=1):
            if owner(line, number, count) == index:
                yield number, line


# ---- worker ------------------------------------------------------------------------------


def _work(
    path: str, config: Configuration, now: int, index: int, count: int, out: BinaryIO, go: int
) -> None:
    """One worker: parse and group its tickets, check ids, then evaluate and send them."""
    sorted_diagnostics: list[_SortedDiagnostic] = []
    found: list[Diagnostic] = []
    seen: dict[str, Event] = {}
    events = list(read_numbered(_owned_lines(path, index, count), found))
    for diagnostic in found:
        sorted_diagnostics.append(((0, diagnostic.line or 0, 0), str(diagnostic)))
    found.clear()
    by_ticket = group_events(events, now, found, seen)
    del events
    for diagnostic in found:
        sorted_diagnostics.append(((1, diagnostic.line or 0, 0), str(diagnostic)))
    hashes = array("q", [hash(event_id) for event_id in seen]).tobytes()
    seen.clear()
    _send(out, -1, hashes)
    out.flush()
    if os.read(go, 1) != b"g":
        return  # the parent replays in one process
    for ticket in list(by_ticket):
        log = by_ticket.pop(ticket)
        first = log[0].line or 0
        found.clear()
        result = evaluate_logged(ticket, log, config, now, found)
        for order, diagnostic in enumerate(found):
            sorted_diagnostics.append(((2, first, order), str(diagnostic)))
        if result is not None:
            _send(out, first, dumps(ticket_document(result, now)))
    _send(out, -1, pickle.dumps(sorted_diagnostics))
    out.flush()


def _send(out: BinaryIO, key: int, payload: bytes) -> None:
    out.write(_FRAME.pack(key, len(payload)))
    out.write(payload)


def _receive(stream: BinaryIO) -> tuple[int, bytes]:
    header = stream.read(_FRAME.size)
    if len(header) < _FRAME.size:
        raise RuntimeError("a replay worker stopped unexpectedly")
    key, size = _FRAME.unpack(header)
    payload = stream.read(size)
    if len(payload) < size:
        raise RuntimeError("a replay worker stopped unexpectedly")
    return key, payload


def _start(
    path: str, config: Configuration, now: int, index: int, count: int, inherited: list[int]
) -> tuple[int, BinaryIO, int]:
    """Fork worker ``index``; its pid, the stream of its frames and the fd that starts it."""
    data_read, data_write = os.pipe()
    go_read, go_write = os.pipe()
    try:
        import fcntl

        fcntl.fcntl(data_write, 1031, _PIPE_BYTES)  # F_SETPIPE_SZ (Linux)
    except (ImportError, OSError):
        pass
    pid = os.fork()
    if pid == 0:  # the worker: never returns
        code = 1
        try:
            for fd in (*inherited, data_read, go_write):
                os.close(fd)
            with os.fdopen(data_write, "wb", buffering=_PIPE_BYTES) as out:
                _work(path, config, now, index, count, out, go_read)
            code = 0
        except BrokenPipeError:
            code = 0  # the parent stopped reading: it is going away
        except KeyboardInterrupt:
            pass  # Ctrl-C reaches the whole process group: the parent says what happened
        except BaseException as exc:  # the parent reports the failure; details on demand
            if os.environ.get("SLAKEEPER_DEBUG"):
                traceback.print_exc()
            else:
                sys.stderr.write(f"replay worker {index}: {type(exc).__name__}: {exc}\n")
        finally:
            os._exit(code)
    os.close(data_write)
    os.close(go_read)
    inherited += [data_read, go_write]
    return pid, os.fdopen(data_read, "rb", buffering=_PIPE_BYTES), go_write


# ---- parent ------------------------------------------------------------------------------


def _parallel(
    path: str, config: Configuration, now: int, out: BinaryIO, count: int
) -> list[str] | None:
    """Replay with ``count`` workers; None when ids collide across them (replay in one)."""
    sys.stdout.flush()
    sys.stderr.flush()
    workers: list[tuple[int, BinaryIO, int]] = []
    inherited: list[int] = []
    finished = False
    try:
        with collection_paused():
            for index in range(count):
                workers.append(_start(path, config, now, index, count, inherited))
            if _ids_collide([_receive(stream)[1] for _, stream, _ in workers]):
                for _, _, go in workers:
                    os.write(go, b"a")
                return None
            for _, _, go in workers:
                os.write(go, b"g")
            texts = _merge([stream for _, stream, _ in workers], out)
        finished = True
    finally:
        _reap(workers, kill=not finished)
    return texts


def _ids_collide(messages: list[bytes]) -> bool:
    import numpy as np

    hashes = np.concatenate([np.frombuffer(message, dtype=np.int64) for message in messages])
    hashes.sort()
    return bool(hashes.size > 1 and (hashes[1:] == hashes[:-1]).any())


def _merge(streams: list[BinaryIO], out: BinaryIO) -> list[str]:
    """Write the workers' documents in order of first line; their diagnostics, sorted."""
    heads: list[tuple[int, int, bytes]] = []
    diagnostics: list[_SortedDiagnostic] = []

    def advance(index: int) -> None:
        key, payload = _receive(streams[index])
        if key < 0:
            diagnostics.extend(pickle.loads(payload))
        else:
            heapq.heappush(heads, (key, index, payload))

    for index in range(len(streams)):
        advance(index)
    written = 0
    while heads:
        _, index, payload = heapq.heappop(heads)
        out.write(b"[\n" if written == 0 else b",\n")
        out.write(payload)
        written += 1
        advance(index)
    out.write(b"[]\n" if written == 0 else b"\n]\n")
    diagnostics.sort(key=lambda item: item[0])
    return [text for _, text in diagnostics]


def _reap(workers: list[tuple[int, BinaryIO, int]], *, kill: bool) -> None:
    """Close the pipes and wait for every worker (stopping them first after a failure)."""
    import signal

    failed = False
    for pid, stream, go in workers:
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        stream.close()
        os.close(go)
        _, status = os.waitpid(pid, 0)
        failed = failed or status != 0
    if failed and not kill:
        raise RuntimeError("a replay worker failed")
