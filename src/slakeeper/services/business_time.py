"""Business-time requests in bulk: the engine of ``slakeeper time batch``.

Requests are JSONL on a binary stream; answers are one JSON line each, in order. A chunk of
input at a time: lines are parsed with orjson, and the plain requests (an ``add`` with a
number of seconds or a ``between``, with no pauses) are answered by one numpy call per chunk
(``add_many`` / ``between_many``). Every other line (pauses, duration strings, anything
orjson or the strict instant check refuses, any error) goes through :func:`answer_request`,
the scalar path, which is the reference: the bulk path only takes lines whose answer it
gives exactly as the scalar path would, byte for byte.

Bytes that are not UTF-8 are read as Python reads stdin in the C/C.UTF-8 locale (each bad
byte kept as a lone surrogate), so their lines answer as they always did.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, BinaryIO, TypeVar

import numpy as np
import orjson

from slakeeper.core.calendars import Calendar
from slakeeper.core.durations import format_seconds, parse_duration, seconds_to_us
from slakeeper.core.errors import InputError, SlaError
from slakeeper.core.instants import MAX_US, MIN_US, format_instant, parse_instant, to_us
from slakeeper.core.timelines import add_many, add_us, between_many, between_us

__all__ = ["answer_request", "answer_requests"]

CHUNK_BYTES = 1 << 20
# Longer lines take the scalar path: json, not orjson, decides how deep nesting may go.
_LONGEST_BULK_LINE = 1024
_MOST_BULK_SECONDS = 10**10  # larger durations take the scalar path (range checks there)
# The only instants the bulk path reads itself; anything else is parse_instant's to judge.
_PLAIN_INSTANT = re.compile(
    r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)", re.ASCII
)


def answer_requests(calendar: Calendar, source: BinaryIO, sink: BinaryIO) -> int:
    """Answer every JSONL request of ``source`` on ``sink``, in order; the number of lines.

    Whatever is available is answered as soon as it is read (a chunk at a time), so a
    program that writes a request and waits for its answer is served.
    """
    read = getattr(source, "read1", source.read)
    number = 0
    rest = b""
    while block := read(CHUNK_BYTES):
        block = rest + block if rest else block
        cut = block.rfind(b"\n") + 1
        rest = block[cut:]
        if cut:
            lines = block[:cut].split(b"\n")
            lines.pop()
            number = _answer_chunk(calendar, lines, number, sink)
            sink.flush()
    if rest:
        number = _answer_chunk(calendar, [rest], number, sink)
    sink.flush()
    return number


def _answer_chunk(calendar: Calendar, lines: list[bytes], number: int, sink: BinaryIO) -> int:
    """Answer the lines numbered from ``number + 1``; the last number written."""
    answers: list[bytes | None] = [None] * len(lines)
    if any(calendar.weekly):  # without a weekly window, error texts depend on history
        _answer_plain(calendar, lines, answers)
    pieces: list[bytes] = []
    try:
        for index, answer in enumerate(answers):
            pieces.append(
                answer
                if answer is not None
                else _answer_line(calendar, lines[index], number + index + 1)
            )
    except BaseException:
        sink.write(b"".join(pieces))  # what came before an internal error is still written
        raise
    sink.write(b"".join(pieces))
    return number + len(lines)


def _answer_plain(calendar: Calendar, lines: list[bytes], answers: list[bytes | None]) -> None:
    """Fill ``answers`` for the plain requests, in one bulk call per operation."""
    adds: tuple[list[int], list[int], list[int]] = ([], [], [])
    betweens: tuple[list[int], list[int], list[int]] = ([], [], [])
    for index, line in enumerate(lines):
        request = _plain_request(line)
        if request is None:
            continue
        op, start, other = request
        target = adds if op else betweens
        target[0].append(index)
        target[1].append(start)
        target[2].append(other)
    if adds[0]:
        _fill(answers, adds[0], _bulk(add_many, calendar, adds), _instant_answer)
    if betweens[0]:
        _fill(answers, betweens[0], _bulk(between_many, calendar, betweens), _seconds_answer)


def _plain_request(line: bytes) -> tuple[bool, int, int] | None:
    """(is add, start µs, duration or end µs) of a plain request, else None."""
    if len(line) > _LONGEST_BULK_LINE:
        return None
    try:
        request = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if type(request) is not dict:
        return None
    op = request.get("op")
    pauses = request.get("pauses")
    if (op != "add" and op != "between") or (pauses is not None and pauses != []):
        return None
    start = _plain_instant(request.get("start"))
    if start is None:
        return None
    if op == "between":
        end = _plain_instant(request.get("end"))
        return None if end is None else (False, start, end)
    seconds = request.get("seconds")
    if type(seconds) is int and 0 <= seconds <= _MOST_BULK_SECONDS:
        return True, start, seconds * 1_000_000
    if type(seconds) is float and 0 <= seconds <= _MOST_BULK_SECONDS:
        try:
            return True, start, seconds_to_us(seconds)
        except SlaError:
            return None
    return None


def _plain_instant(text: object) -> int | None:
    if type(text) is not str or _PLAIN_INSTANT.fullmatch(text) is None:
        return None
    try:
        us = to_us(datetime.fromisoformat(text))
    except ValueError:
        return None
    return us if MIN_US <= us <= MAX_US else None


def _bulk(
    compute: Callable[[Calendar, Any, Any], Any],
    calendar: Calendar,
    rows: tuple[list[int], list[int], list[int]],
) -> list[int] | None:
    """The bulk answers, or None when the chunk holds a question only the scalar path can
    word the error of (an instant outside the years a timeline covers, say)."""
    try:
        found = compute(calendar, np.array(rows[1], np.int64), np.array(rows[2], np.int64))
    except SlaError:
        return None
    values: list[int] = found.tolist()
    return values


def _fill(
    answers: list[bytes | None],
    indexes: list[int],
    values: list[int] | None,
    render: Callable[[int], bytes | None],
) -> None:
    if values is None:
        return
    for index, value in zip(indexes, values, strict=True):
        answers[index] = render(value)


def _instant_answer(us: int) -> bytes | None:
    if us > MAX_US:  # past year 9999 on a 24x7 calendar: the scalar path words the error
        return None
    return b'{"result": "' + format_instant(us).encode() + b'"}\n'


def _seconds_answer(us: int) -> bytes:
    return b'{"result": ' + format_seconds(us).encode() + b"}\n"


def _answer_line(calendar: Calendar, line: bytes, number: int) -> bytes:
    """The scalar path for one line: its answer or its error, as JSON text."""
    text = line.decode("utf-8", "surrogateescape")
    try:
        answer = f'{{"result": {answer_request(calendar, text)}}}\n'
    except SlaError as exc:
        answer = json.dumps({"error": f"line {number}: {exc}"}, ensure_ascii=False) + "\n"
    return answer.encode("utf-8", "surrogateescape")


def answer_request(calendar: Calendar, line: str) -> str:
    """The JSON text of the result of one batch request line (the scalar path)."""
    try:
        request = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}") from None
    if not isinstance(request, dict):
        raise InputError("expected a JSON object")
    op = _required(request, "op")
    if op not in ("add", "between"):
        raise InputError(f"unknown op {op!r} (expected 'add' or 'between')", path=("op",))
    start = to_us(_field("start", parse_instant, _required(request, "start")))
    pauses = _pauses([] if request.get("pauses") is None else request["pauses"])
    if op == "add":
        amount = _amount(calendar, request)
        return json.dumps(format_instant(add_us(calendar, start, amount, pauses)))
    end = to_us(_field("end", parse_instant, _required(request, "end")))
    return format_seconds(between_us(calendar, start, end, pauses))


def _amount(calendar: Calendar, request: dict[str, Any]) -> int:
    if "seconds" in request:
        value = request["seconds"]
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise InputError(f"expected a number of seconds, got {value!r}", path=("seconds",))
        if isinstance(value, str):
            return _field(
                "seconds", lambda v: parse_duration(v, allow_days=calendar.is_24x7), value
            )
        return _field("seconds", seconds_to_us, value)
    if "duration" in request:
        value = request["duration"]
        return _field("duration", lambda v: parse_duration(v, allow_days=calendar.is_24x7), value)
    raise InputError("missing required field", path=("seconds",))


def _pauses(value: Any) -> list[tuple[int, int]]:
    if not isinstance(value, list):
        raise InputError("expected a list of [start, end] pairs", path=("pauses",))
    pairs = []
    for index, pair in enumerate(value):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise InputError("expected a [start, end] pair", path=("pauses", index))
        a = to_us(_field(f"pauses[{index}][0]", parse_instant, pair[0]))
        b = to_us(_field(f"pauses[{index}][1]", parse_instant, pair[1]))
        if a > b:
            raise InputError("pause starts after it ends", path=("pauses", index))
        pairs.append((a, b))
    return pairs


def _required(request: dict[str, Any], key: str) -> Any:
    if key not in request:
        raise InputError("missing required field", path=(key,))
    return request[key]


_V = TypeVar("_V")


def _field(name: str, parse: Callable[[Any], _V], value: Any) -> _V:
    """Parse one field; an error names the field."""
    try:
        return parse(value)
    except SlaError as exc:
        raise InputError(exc.message, path=(name,)) from None
