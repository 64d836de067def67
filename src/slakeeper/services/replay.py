"""``evaluate`` of a JSONL file on several cores: tickets hash-partitioned across forked workers.

Tickets are independent (DESIGN.md section 3), so each worker process owns the tickets whose
id hashes to it. The parent first plans the file once (:func:`plan_partitions`: no parsing
beyond each line's ``"ticket"`` and ``"id"`` keys): which worker owns each line, each
ticket's last line, and which lines may repeat an earlier id. Each forked worker then reads
the file, skips the lines it does not own, parses, groups and evaluates its own, each
ticket as soon as its last line is read, and sends each ticket's JSON document to the
parent, tagged with the line that put the ticket in first. The parent merges the workers'
streams by that line, which is the order of first appearance the single-process path
writes in, and sorts the diagnostics into the order that path reports them: bad lines,
then repeated or future events (by line), then each ticket's notes in ticket order. The
output is byte-for-byte that of the single-process path; tests compare the two
(``SLAKEEPER_WORKERS=1`` forces one process).

One thing a partition cannot see is an event id reused across tickets owned by different
workers (the single-process path reports the later one). The plan holds every line's id
hash: if lines of two workers share one, the parent replays in one process instead: exact,
and rare (a reused id is nearly always a repeated line of the same ticket, which one
worker sees whole).
"""

from __future__ import annotations

import contextlib
import heapq
import os
import pickle
import re
import struct
import sys
import traceback
import zlib
from collections.abc import Iterator
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from slakeeper.core.configuration import Configuration
from slakeeper.core.errors import InputError
from slakeeper.core.evaluation import (
    LATER,
    Diagnostic,
    TicketResult,
    evaluate_logged,
    note_repeat,
)
from slakeeper.core.events import Event
from slakeeper.services.evaluations import (
    collection_paused,
    dumps,
    parse_line,
    stream_file,
    ticket_document,
    write_documents,
)

__all__ = ["PARALLEL_MIN_BYTES", "replay_file", "worker_count"]

# Below this size one process is faster than forking workers that each read the file.
PARALLEL_MIN_BYTES = 4_000_000
# The first line of the ticket (-1: a message), the first line of the earliest ticket the
# worker still holds open (none of its later documents comes before it), the length.
_FRAME = struct.Struct("<qqQ")
_TICKET_KEY = b'"ticket"'
_TICKET_VALUE = b'"ticket":"'
_ID_KEY = b'"id"'
_ID_VALUE = b'"id":"'
# The common shape of a line's ticket and id keys (plain, non-empty strings), each pattern
# running to the end of the line so that a line holds at most one match.
_HEAD_PATTERN = re.compile(rb'"id":"([^"\\\n]+)","ticket":"([^"\\\n]+)"[^\n]*\n')
_TICKET_PATTERN = re.compile(rb'"ticket":"([^"\\\n]+)"[^\n]*\n')
_ID_PATTERN = re.compile(rb'"id":"([^"\\\n]+)"[^\n]*\n')
_BLOCK = 1 << 20  # the first pass reads the file in blocks of about this many bytes
_first = itemgetter(0)
_second = itemgetter(1)
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
    key = ticket_key(line)
    return (zlib.crc32(key) if key is not None else number) % count


def ticket_key(line: bytes) -> bytes | None:
    """The ticket id of a line as UTF-8 bytes, as parse_event reads it (None: it has none)."""
    return _key(line, _TICKET_KEY, _TICKET_VALUE, "ticket")


def _key(line: bytes, token: bytes, prefix: bytes, name: str) -> bytes | None:
    start = line.find(prefix)
    # A raw quote only delimits strings in JSON, so one `"ticket":"` in the line, and no
    # other `"ticket"` token, is the ticket key; a plain value is the id's exact bytes.
    if start >= 0 and line.count(token) == 1:
        start += len(prefix)
        end = line.find(b'"', start)
        key = line[start:end]
        if end > start and b"\\" not in key:
            return key
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    value = data.get(name) if isinstance(data, dict) else None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # as parse_event reads an integer id
    if isinstance(value, str) and value:
        return value.encode("utf-8", "surrogatepass")
    return None


def _owned_lines(path: str, index: int, count: int) -> Iterator[tuple[int, bytes]]:
    with open(path, "rb") as file:
        for number, line in enumerate(file, start=1):
            if owner(line, number, count) == index:
                yield number, line


# ---- streaming: each ticket evaluated once its last line is read -------------------------

OWNED = 1  # a line of this partition
LAST = 2  # the last line that names its ticket: the ticket is complete after it
_REPEAT = 4  # its id's hash is another owned line's too: checked against the earlier event


class LinePlan:
    """What a first, cheap pass over a file tells the second: which lines a partition owns,
    where each of its tickets ends, and which lines may repeat an earlier id."""

    def __init__(self, marks: bytearray, last: dict[int, str], hashes: bytes) -> None:
        self.marks = marks  # per line (number - 1): OWNED | LAST | _REPEAT
        self.last = last  # line number -> the ticket whose last line it is
        self.hashes = hashes  # the distinct id hashes of the owned lines (int64)


def plan_lines(path: str, index: int, count: int) -> LinePlan:
    """The first pass over ``path`` for partition ``index`` of ``count`` (see
    :func:`plan_partitions`; here an id shared with another partition is not an error:
    ``hashes`` lets the caller check that across partitions)."""
    plans = _plan(path, count, index)
    assert plans is not None
    return plans[0]


def plan_partitions(path: str, count: int) -> list[LinePlan] | None:
    """The first pass over ``path`` for every partition of ``count``, made once (by the
    parent, before it forks the workers); None when an event id's hash is shared by lines
    of different partitions (the caller replays in one process, which checks repeats).

    No line is parsed beyond its ``"ticket"`` and ``"id"`` keys. The file is read in blocks
    of whole lines; a block whose every line has the common shape (one ``"ticket"`` token,
    as ``"ticket":"KEY"``, and one ``"id"`` token, as ``"id":"ID"``, neither value empty or
    escaped) is planned with a few C-level scans of the whole block, any other block line
    by line as :func:`ticket_key` reads a line (orjson only for the lines that need it)."""
    return _plan(path, count, -1)


def _plan(path: str, count: int, only: int) -> list[LinePlan] | None:
    """Plans for every partition (``only`` < 0: None on an id shared across partitions),
    or for partition ``only`` alone (a list of one, with its ids' hashes)."""
    import numpy as np

    owners, ends, hashes, lines_of = _scan_halves(path, count)
    hash_owners = owners[lines_of - 1]
    if only >= 0:  # one partition: its own lines' ids only
        mine = hash_owners == only
        hashes, lines_of, hash_owners = hashes[mine], lines_of[mine], hash_owners[mine]
    order = np.argsort(hashes, kind="stable")
    ranked = hashes[order]
    same = ranked[1:] == ranked[:-1]
    repeats = np.zeros(0, dtype=np.int64)
    if same.any():
        ranked_owners = hash_owners[order]
        if only < 0 and bool((ranked_owners[1:][same] != ranked_owners[:-1][same]).any()):
            return None
        shared = np.zeros(ranked.size, dtype=bool)
        shared[1:] |= same
        shared[:-1] |= same
        repeats = lines_of[order][shared]
    indexes = [only] if only >= 0 else list(range(count))
    plans = []
    for index in indexes:
        marks = bytearray((owners == index).astype(np.uint8).tobytes())  # OWNED is 1
        plans.append(LinePlan(marks, {}, b""))
    if only >= 0:
        plans[0].hashes = np.unique(ranked).tobytes()
    last_lines = np.fromiter(ends.values(), dtype=np.int64, count=len(ends))
    for key, number, index in zip(
        ends, last_lines.tolist(), owners[last_lines - 1].tolist(), strict=True
    ):
        if only < 0 or index == only:
            plan = plans[index if only < 0 else 0]
            plan.last[number] = key.decode("utf-8", "surrogatepass")
            plan.marks[number - 1] |= LAST
    for number, index in zip(repeats.tolist(), owners[repeats - 1].tolist(), strict=True):
        plans[index if only < 0 else 0].marks[number - 1] |= _REPEAT
    return plans


_Scan = tuple[Any, dict[bytes, int], Any, Any]  # owners, ends, id hashes, their lines


def _scan_halves(path: str, count: int) -> _Scan:
    """:func:`_scan` of the whole file; a large one in two halves at once, the second by a
    forked process (planning is the one serial stage of a parallel replay)."""
    import numpy as np

    size = os.path.getsize(path)
    middle = 0
    if size >= PARALLEL_MIN_BYTES and hasattr(os, "fork"):
        with open(path, "rb") as file:
            file.seek(size // 2)
            tail = file.read(1 << 16)
        newline = tail.find(b"\n")
        middle = size // 2 + newline + 1 if newline >= 0 else 0
    if not 0 < middle < size:
        return _scan(path, 0, None, 0, count)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the second half: never returns
        code = 1
        try:
            os.close(read_end)
            with open(path, "rb") as file:
                before = sum(piece.count(b"\n") for piece in _pieces(file, middle))
            owners, ends, hashes, lines_of = _scan(path, middle, None, before, count)
            message = (owners.tobytes(), ends, hashes.tobytes(), lines_of.tobytes())
            with os.fdopen(write_end, "wb") as out:
                pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        first = _scan(path, 0, middle, 0, count)
        with os.fdopen(read_end, "rb") as incoming:
            message = pickle.load(incoming)
    finally:
        _, status = os.waitpid(pid, 0)
    if status != 0:
        raise RuntimeError("the replay planner failed")
    owners = np.concatenate([first[0], np.frombuffer(message[0], dtype=np.int32)])
    ends = first[1]
    ends.update(message[1])  # the later half's last lines win
    hashes = np.concatenate([first[2], np.frombuffer(message[2], dtype=np.int64)])
    lines_of = np.concatenate([first[3], np.frombuffer(message[3], dtype=np.int64)])
    return owners, ends, hashes, lines_of


def _pieces(file: BinaryIO, stop: int | None) -> Iterator[bytes]:
    """The file's bytes from where it stands to ``stop`` (None: the end), in blocks."""
    position = file.tell()
    while stop is None or position < stop:
        block = file.read(_BLOCK if stop is None else min(_BLOCK, stop - position))
        if not block:
            return
        position += len(block)
        yield block


def _scan(path: str, start: int, stop: int | None, before: int, count: int) -> _Scan:
    """Each line's partition, each ticket's last line, each id's hash and line, for the
    lines from byte ``start`` (a line's start) to ``stop`` (one too, or None: the end), the
    first of them numbered ``before`` + 1."""
    import numpy as np

    owner_parts: list[Any] = []  # each line's partition, block by block (int32 arrays)
    ends: dict[bytes, int] = {}  # ticket key -> its last line
    id_parts: list[Any] = []  # the hash of each line's id...
    number_parts: list[Any] = []  # ...and that line's number
    done = before  # lines planned so far
    with open(path, "rb") as file:
        file.seek(start)
        rest = b""
        for block in _pieces(file, stop):
            cut = block.rfind(b"\n") + 1
            if cut == 0:
                rest += block
                continue
            chunk = rest + block[:cut] if rest else block[:cut]
            rest = block[cut:]
            size = chunk.count(b"\n")
            if not _plan_block(chunk, size, done, count, owner_parts, ends, id_parts, number_parts):
                lines = chunk.split(b"\n")
                lines.pop()  # the empty piece after the last newline
                _plan_lines(lines, done, count, owner_parts, ends, id_parts, number_parts)
            done += size
        if rest:  # a last line without a newline
            _plan_lines([rest], done, count, owner_parts, ends, id_parts, number_parts)
    empty = np.zeros(0, dtype=np.int64)
    owners = np.concatenate(owner_parts) if owner_parts else np.zeros(0, dtype=np.int32)
    hashes = np.concatenate(id_parts) if id_parts else empty
    lines_of = np.concatenate(number_parts) if number_parts else empty
    return owners, ends, hashes, lines_of


def _plan_block(
    chunk: bytes,
    size: int,
    done: int,
    count: int,
    owner_parts: list[Any],
    ends: dict[bytes, int],
    id_parts: list[Any],
    number_parts: list[Any],
) -> bool:
    """Plan a block of ``size`` whole lines at C speed; False (nothing recorded) unless
    every line has the common shape, so that the caller plans it line by line instead."""
    import numpy as np

    # A match ends with its line's newline: at most one match a line. With as many matches
    # as lines and as many "ticket" (and "id") tokens in the block, every line holds exactly
    # one of each, and the i-th match is the i-th line's: the keys ticket_key would read.
    pairs = _HEAD_PATTERN.findall(chunk)  # the usual order: the id, then the ticket
    if len(pairs) == size:
        values = list(map(_first, pairs))
        keys = list(map(_second, pairs))
    else:
        keys = _TICKET_PATTERN.findall(chunk)
        if len(keys) != size:
            return False
        values = _ID_PATTERN.findall(chunk)
        if len(values) != size:
            return False
    if chunk.count(_TICKET_KEY) != size or chunk.count(_ID_KEY) != size:
        return False
    if count > 1:
        crcs = np.fromiter(map(zlib.crc32, keys), dtype=np.int64, count=size)
        owner_parts.append((crcs % count).astype(np.int32))
    else:
        owner_parts.append(np.zeros(size, dtype=np.int32))
    ends.update(zip(keys, range(done + 1, done + 1 + size), strict=True))
    id_parts.append(np.fromiter(map(hash, values), dtype=np.int64, count=size))
    number_parts.append(np.arange(done + 1, done + 1 + size, dtype=np.int64))
    return True


def _plan_lines(
    lines: list[bytes],
    done: int,
    count: int,
    owner_parts: list[Any],
    ends: dict[bytes, int],
    id_parts: list[Any],
    number_parts: list[Any],
) -> int:
    """Plan lines one by one (any shape); the number of lines planned after them."""
    import numpy as np

    number = done
    owners: list[int] = []
    ids: list[int] = []
    numbers: list[int] = []
    for line in lines:
        number += 1
        key = ticket_key(line)
        owners.append((zlib.crc32(key) if key is not None else number) % count)
        if key is not None:
            ends[key] = number
        event_id = _key(line, _ID_KEY, _ID_VALUE, "id")
        if event_id is not None:
            ids.append(hash(event_id))
            numbers.append(number)
    owner_parts.append(np.array(owners, dtype=np.int32))
    id_parts.append(np.array(ids, dtype=np.int64))
    number_parts.append(np.array(numbers, dtype=np.int64))
    return number


def stream_owned(
    path: str,
    plan: LinePlan,
    now: int,
    bad: list[Diagnostic],
    grouping: list[Diagnostic],
) -> Iterator[tuple[str, list[Event], int]]:
    """The second pass: each owned ticket's log (as group_events builds it) as soon as its
    last line is read, with the first line of the earliest ticket still open afterwards
    (the next line when none is: no later ticket starts before it).

    Bad lines are noted in ``bad``; repeated ids and events after ``now`` in ``grouping``.
    """
    marks = plan.marks
    size = len(marks)
    by_ticket: dict[str, list[Event]] = {}
    opened: list[tuple[int, str]] = []  # (first line, ticket) of the tickets still open
    seen: dict[str, Event] = {}  # only the events whose id hash is shared
    number = 0
    with open(path, "rb") as file:
        for line in file:
            number += 1
            mark = marks[number - 1] if number <= size else 0
            if not mark:
                continue
            event = parse_line(line, number, bad)
            if event is not None and mark & _REPEAT:
                first = seen.get(event.id)
                if first is not None:
                    note_repeat(first, event, grouping)
                    event = None
                else:
                    seen[event.id] = event
            if event is not None:
                if event.at > now:
                    grouping.append(
                        Diagnostic(LATER, line=event.line, event=event.id, ticket=event.ticket)
                    )
                else:
                    log = by_ticket.get(event.ticket)
                    if log is None:
                        by_ticket[event.ticket] = [event]
                        heapq.heappush(opened, (number, event.ticket))
                    else:
                        log.append(event)
            if mark & LAST:
                ticket = plan.last[number]
                done = by_ticket.pop(ticket, None)
                if done is not None:
                    while opened and opened[0][1] not in by_ticket:
                        heapq.heappop(opened)
                    yield ticket, done, opened[0][0] if opened else number + 1
    for ticket in list(by_ticket):  # a ticket whose last line changed between the passes
        yield ticket, by_ticket.pop(ticket), number + 1


# ---- worker ------------------------------------------------------------------------------


def _work(path: str, plan: LinePlan, config: Configuration, now: int, out: BinaryIO) -> None:
    """One worker: read its lines (the parent planned them) and evaluate each ticket as soon
    as its last line is read."""
    sorted_diagnostics: list[_SortedDiagnostic] = []
    bad: list[Diagnostic] = []
    grouping: list[Diagnostic] = []
    found: list[Diagnostic] = []
    for ticket, log, opened in stream_owned(path, plan, now, bad, grouping):
        first = log[0].line or 0
        found.clear()
        result = evaluate_logged(ticket, log, config, now, found)
        del log
        for order, diagnostic in enumerate(found):
            sorted_diagnostics.append(((2, first, order), str(diagnostic)))
        if result is not None:
            _send(out, first, opened, dumps(ticket_document(result, now)))
    for diagnostic in bad:
        sorted_diagnostics.append(((0, diagnostic.line or 0, 0), str(diagnostic)))
    for diagnostic in grouping:
        sorted_diagnostics.append(((1, diagnostic.line or 0, 0), str(diagnostic)))
    _send(out, -1, 0, pickle.dumps(sorted_diagnostics))
    out.flush()


def _send(out: BinaryIO, key: int, opened: int, payload: bytes) -> None:
    out.write(_FRAME.pack(key, opened, len(payload)))
    out.write(payload)


class _Frames:
    """The frames of one worker's pipe, read as they arrive (the parent never blocks on a
    worker that has nothing to say while another has)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()
        self.start = 0

    def fill(self) -> None:
        """Read what the pipe holds (blocking until something does)."""
        chunk = os.read(self.fd, _PIPE_BYTES)
        if not chunk:
            raise RuntimeError("a replay worker stopped unexpectedly")
        if self.start > len(self.buffer) // 2:
            del self.buffer[: self.start]
            self.start = 0
        self.buffer += chunk

    def take(self) -> tuple[int, int, bytes] | None:
        """The next whole frame: (first line, open mark, payload), or None."""
        header_end = self.start + _FRAME.size
        if len(self.buffer) < header_end:
            return None
        key, opened, size = _FRAME.unpack_from(self.buffer, self.start)
        if len(self.buffer) < header_end + size:
            return None
        with memoryview(self.buffer) as view:  # one copy, not a bytearray slice and a copy
            payload = bytes(view[header_end : header_end + size])
        self.start = header_end + size
        return key, opened, payload

    def wait(self) -> tuple[int, int, bytes]:
        """The next frame, blocking until it is whole."""
        while (frame := self.take()) is None:
            self.fill()
        return frame


def _start(
    path: str,
    plan: LinePlan,
    config: Configuration,
    now: int,
    index: int,
    inherited: list[int],
) -> tuple[int, _Frames]:
    """Fork worker ``index`` on its ``plan``; its pid and the reader of its frames."""
    data_read, data_write = os.pipe()
    try:
        import fcntl

        fcntl.fcntl(data_write, 1031, _PIPE_BYTES)  # F_SETPIPE_SZ (Linux)
    except (ImportError, OSError):
        pass
    pid = os.fork()
    if pid == 0:  # the worker: never returns
        code = 1
        try:
            for fd in (*inherited, data_read):
                os.close(fd)
            with os.fdopen(data_write, "wb", buffering=_PIPE_BYTES) as out:
                _work(path, plan, config, now, out)
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
    inherited.append(data_read)
    return pid, _Frames(data_read)


# ---- parent ------------------------------------------------------------------------------


def _parallel(
    path: str, config: Configuration, now: int, out: BinaryIO, count: int
) -> list[str] | None:
    """Replay with ``count`` workers; None when ids collide across them (replay in one)."""
    with collection_paused():
        plans = plan_partitions(path, count)
    if plans is None:
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    workers: list[tuple[int, _Frames]] = []
    inherited: list[int] = []
    finished = False
    try:
        with collection_paused():
            for index in range(count):
                workers.append(_start(path, plans[index], config, now, index, inherited))
            del plans  # each worker has its own copy
            texts = _merge([frames for _, frames in workers], out)
        finished = True
    finally:
        _reap(workers, kill=not finished)
    return texts


def _merge(workers: list[_Frames], out: BinaryIO) -> list[str]:
    """Write the workers' documents in order of first line; their diagnostics, sorted.

    A document is written once every worker has said that nothing it still holds starts
    before it (the open mark of its frames)."""
    import select

    held: list[tuple[int, bytes]] = []
    diagnostics: list[_SortedDiagnostic] = []
    marks = [0] * len(workers)
    done = (1 << 63) - 1
    live = {frames.fd: index for index, frames in enumerate(workers)}
    written = 0
    while live:
        ready, _, _ = select.select(list(live), [], [])
        for fd in ready:
            index = live[fd]
            frames = workers[index]
            frames.fill()
            while (frame := frames.take()) is not None:
                key, opened, payload = frame
                if key < 0:
                    diagnostics.extend(pickle.loads(payload))
                    marks[index] = done
                    del live[fd]
                    break
                heapq.heappush(held, (key, payload))
                marks[index] = opened
        floor = min(marks)
        while held and held[0][0] < floor:
            out.write(b"[\n" if written == 0 else b",\n")
            out.write(heapq.heappop(held)[1])
            written += 1
    out.write(b"[]\n" if written == 0 else b"\n]\n")
    diagnostics.sort(key=lambda item: item[0])
    return [text for _, text in diagnostics]


def _reap(workers: list[tuple[int, _Frames]], *, kill: bool) -> None:
    """Close the pipes and wait for every worker (stopping them first after a failure)."""
    import signal

    failed = False
    for pid, frames in workers:
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        os.close(frames.fd)
        _, status = os.waitpid(pid, 0)
        failed = failed or status != 0
    if failed and not kill:
        raise RuntimeError("a replay worker failed")
