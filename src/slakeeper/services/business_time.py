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
    adds, betweens = _Rows(), _Rows()
    for index, line in enumerate(lines):
        request = _plain_request(line)
        if request is None:
            continue
        op, start, other = request
        if op:
            adds.take(index, start, other)
        elif isinstance(other, str):
            betweens.take(index, start, other)
    for rows, compute in ((adds, add_many), (betweens, between_many)):
        found = rows.parsed()
        if found is None:
            continue
        indexes, starts, others = found
        try:
            values = compute(calendar, starts, others)
        except SlaError:  # only the scalar path words this chunk's error (a year too far)
            continue
        texts = _instant_answers(values) if rows is adds else None
        if texts is not None:
            for index, text in zip(indexes, texts, strict=True):
                answers[index] = text
            continue
        render = _instant_answer if rows is adds else _seconds_answer
        for index, value in zip(indexes, values.tolist(), strict=True):
            answers[index] = render(value)


class _Rows:
    """The plain requests of one operation in a chunk: line indexes, starts and the other
    operand (a duration in µs, or an end instant's text); instants are read in bulk."""

    def __init__(self) -> None:
        self.indexes: list[int] = []
        self.starts: list[str] = []
        self.others: list[Any] = []

    def take(self, index: int, start: str, other: Any) -> None:
        self.indexes.append(index)
        self.starts.append(start)
        self.others.append(other)

    def parsed(self) -> tuple[list[int], Any, Any] | None:
        """(line indexes, start µs, other µs) of the rows whose instants are plain."""
        if not self.indexes:
            return None
        starts, keep = _instants(self.starts)
        if isinstance(self.others[0], str):
            others, kept = _instants(self.others)
            keep &= kept
        else:
            others = np.array(self.others, np.int64)
        if keep.all():
            return self.indexes, starts, others
        chosen = np.flatnonzero(keep)
        indexes = [self.indexes[i] for i in chosen.tolist()]
        return (indexes, starts[chosen], others[chosen]) if indexes else None


# The instants the bulk path reads in bulk: YYYY-MM-DDTHH:MM:SSZ, 20 ASCII characters.
_DIGITS = np.array([0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18])
_PUNCTUATION = {4: b"-", 7: b"-", 13: b":", 16: b":", 19: b"Z"}
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_MICROSECONDS = np.int64(1_000_000)


def _instants(texts: list[str]) -> tuple[Any, Any]:
    """µs since the epoch of each text, and which texts are plain instants.

    The common form (``2026-11-23T14:00:00Z``) is read by numpy for the whole list, checked
    as ``datetime.fromisoformat`` would check it (digits, a real day of a real month, hours
    below 24...); every other text goes through :func:`_plain_instant`, one at a time.
    """
    count = len(texts)
    values = np.zeros(count, np.int64)
    keep = np.zeros(count, np.bool_)
    common = [n for n, text in enumerate(texts) if type(text) is str and len(text) == 20]
    blob = "".join([texts[n] for n in common]).encode("utf-8", "surrogatepass")
    if common and len(blob) == 20 * len(common):
        grid = np.frombuffer(blob, np.uint8).reshape(-1, 20)
        digits = grid[:, _DIGITS].astype(np.int64) - 48
        ok = ((digits >= 0) & (digits <= 9)).all(axis=1)
        for column, mark in _PUNCTUATION.items():
            ok &= grid[:, column] == mark[0]
        ok &= (grid[:, 10] == 84) | (grid[:, 10] == 116) | (grid[:, 10] == 32)  # T t space
        pairs = digits[:, 0::2] * 10 + digits[:, 1::2]  # yy yy mm dd hh mm ss
        year = pairs[:, 0] * 100 + pairs[:, 1]
        month, day = pairs[:, 2], pairs[:, 3]
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        longest = _DAYS_IN_MONTH[np.clip(month, 0, 12)] + (leap & (month == 2))
        ok &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= longest)
        ok &= (pairs[:, 4] < 24) & (pairs[:, 5] < 60) & (pairs[:, 6] < 60)
        year, month, day = np.where(ok, year, 1970), np.where(ok, month, 1), np.where(ok, day, 1)
        months = (year - 1970) * 12 + (month - 1)
        days = months.astype("M8[M]").astype("M8[D]").astype(np.int64) + (day - 1)
        seconds = days * 86_400 + pairs[:, 4] * 3600 + pairs[:, 5] * 60 + pairs[:, 6]
        where = np.array(common, np.intp)
        values[where] = seconds * _MICROSECONDS
        keep[where] = ok
    for n in np.flatnonzero(~keep).tolist():
        us = _plain_instant(texts[n])
        if us is not None:
            values[n] = us
            keep[n] = True
    return values, keep


def _instant_answers(values: Any) -> list[bytes] | None:
    """The add answers for a whole array of µs, or None when one needs more than the common
    form (a fraction of a second, a year outside 1000-9999): then one at a time."""
    if not len(values) or (values % _MICROSECONDS).any():
        return None
    seconds = values // _MICROSECONDS
    moments = seconds.astype("M8[s]")
    days = moments.astype("M8[D]")
    months = days.astype("M8[M]")
    year = months.astype(np.int64) // 12 + 1970
    if year.min() < 1000 or year.max() > 9999:
        return None
    month = months.astype(np.int64) % 12 + 1
    day = (days - months.astype("M8[D]")).astype(np.int64) + 1
    of_day = seconds - days.astype(np.int64) * 86_400
    fields = (year // 100, year % 100, month, day, of_day // 3600, of_day // 60 % 60, of_day % 60)
    grid = np.frombuffer(b'{"result": "0000-00-00T00:00:00Z"}\n' * len(values), np.uint8)
    grid = grid.reshape(len(values), _ANSWER_WIDTH).copy()
    for (tens, ones), field in zip(_FIELD_COLUMNS, fields, strict=True):
        grid[:, tens] = 48 + field // 10
        grid[:, ones] = 48 + field % 10
    blob = grid.tobytes()
    return [blob[n : n + _ANSWER_WIDTH] for n in range(0, len(blob), _ANSWER_WIDTH)]


_ANSWER_WIDTH = 35  # {"result": "YYYY-MM-DDTHH:MM:SSZ"} and a newline
# Columns of the two digits of each field in an answer: century, year, month, day, h, m, s.
_FIELD_COLUMNS = ((12, 13), (14, 15), (17, 18), (20, 21), (23, 24), (26, 27), (29, 30))


def _plain_request(line: bytes) -> tuple[bool, str, Any] | None:
    """(is add, start text, duration µs or end text) of a plain request, else None."""
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
    start = request.get("start")
    if type(start) is not str:
        return None
    if op == "between":
        end = request.get("end")
        return None if type(end) is not str else (False, start, end)
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
