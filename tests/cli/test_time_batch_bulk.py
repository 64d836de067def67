"""``time batch``'s bulk path answers every line byte for byte as the scalar path does.

The bulk path (orjson, instants read by numpy a chunk at a time, ``add_many`` /
``between_many``, answers written by numpy) only takes the lines it can answer exactly; the
scalar path (``json``, ``parse_instant``, ``add_us`` / ``between_us``, one line at a time)
is the reference. Hypothesis writes request lines that sit on every edge the bulk reader
checks: real and impossible dates, hours 24 and seconds 60, other separators and offsets,
fractions, years 1 to 9999 and beyond, non-ASCII text, durations that run past year 9999.
"""

from __future__ import annotations

import io
import json
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slakeeper.core.calendars import Calendar, make_calendar
from slakeeper.services.business_time import _answer_line, answer_requests

WEEKDAYS = {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
CALENDARS = {
    "new-york": make_calendar(
        "new-york", timezone="America/New_York", weekly=WEEKDAYS, holiday_sets=["US"]
    ),
    "always": make_calendar("always", timezone="UTC", weekly="24x7"),
    # No holiday sets: computing a country's holidays for each of thousands of years is slow.
    "weekdays": make_calendar("weekdays", timezone="Asia/Kolkata", weekly=WEEKDAYS),
}


@st.composite
def instants(draw: st.DrawFn, anywhen: bool) -> str:
    """A valid instant in the common form, mostly with one thing changed: a part pushed past
    what is valid, a character swapped, another offset, a fraction, another width."""
    # A business calendar compiles every year a chunk spans: far years only on 24x7.
    years = st.integers(1, 9999) if anywhen else st.integers(2020, 2032)
    year = draw(st.one_of(st.integers(2024, 2028), years))
    month, day = draw(st.integers(1, 12)), draw(st.integers(1, 28))
    hour, minute, second = draw(st.integers(0, 23)), draw(st.integers(0, 59)), 0
    second = draw(st.integers(0, 59))
    change = draw(st.integers(0, 8))
    if change == 1:
        month, day = draw(st.sampled_from([(2, 29), (2, 30), (4, 31), (13, 1), (0, 1), (1, 0)]))
    elif change == 2:
        hour, minute, second = draw(st.sampled_from([(24, 0, 0), (23, 60, 0), (23, 59, 60)]))
    elif change == 3:
        year = draw(st.sampled_from([0, 1, 999, 1000, 9999, 10_000] if anywhen else [0, 10_000]))
    text = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}Z"
    if change == 4:
        where = draw(st.one_of(st.sampled_from([4, 7, 10, 13, 16, 19]), st.integers(0, 19)))
        text = text[:where] + draw(st.sampled_from("-:/.TtX Z9aé+")) + text[where + 1 :]
    elif change == 5:
        suffix = draw(st.sampled_from(["z", "+01:00", "-05:30", "", "Zé", "+", "+00:00"]))
        text = text[:-1] + suffix
    elif change == 6:
        fraction = draw(st.sampled_from([".5", ".000001", ".1234567", ".", ".000000"]))
        text = text[:-1] + fraction + "Z"
    elif change == 7:
        text = draw(st.sampled_from(["0", " "])) + text
    return text


def amounts(anywhen: bool) -> st.SearchStrategy[object]:
    """Seconds, mostly plain; past 10**10 (the bulk path's limit) only on 24x7, where no
    timeline is compiled over the centuries such a duration spans."""
    far = [10**10, 10**10 + 1, 10**11] if anywhen else [10**7]
    plain = st.integers(0, 200 * 3600)
    return st.one_of(
        plain,
        plain,
        plain,
        st.integers(-5, 10**6),
        st.sampled_from(far),
        st.floats(0, 10**6, allow_nan=False).map(lambda x: round(x, 7)),
        st.sampled_from(["1h30m", "2d", "-1h", True, None]),
    )


@st.composite
def requests(draw: st.DrawFn, anywhen: bool) -> bytes:
    op = draw(st.sampled_from(["add", "add", "between", "between", "sub", None]))
    request: dict[str, object] = {} if op is None else {"op": op}
    request["start"] = draw(instants(anywhen))
    if op == "between" or (draw(st.booleans()) and op != "add"):
        request["end"] = draw(instants(anywhen))
    else:
        key = draw(st.sampled_from(["seconds", "seconds", "duration"]))
        request[key] = draw(amounts(anywhen))
    if draw(st.integers(0, 9)) == 0:
        request["pauses"] = draw(
            st.sampled_from([[], [["2026-11-23T14:30:00Z", "2026-11-23T15:00:00Z"]]])
        )
    line = json.dumps(request, ensure_ascii=draw(st.booleans())).encode()
    return draw(st.sampled_from([line] * 12 + [line[:-1], b"", b"[1, 2]"]))


def scalar_answers(calendar: Calendar, lines: list[bytes]) -> bytes:
    """What the scalar path writes, one line at a time."""
    return b"".join(_answer_line(calendar, line, n + 1) for n, line in enumerate(lines))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), name=st.sampled_from(["always", "new-york"]))
def test_bulk_answers_equal_the_scalar_path_line_for_line(name: str, data: st.DataObject) -> None:
    lines = data.draw(st.lists(requests(name == "always"), min_size=5, max_size=40))
    calendar = CALENDARS[name]
    sink = io.BytesIO()
    count = answer_requests(calendar, io.BytesIO(b"\n".join(lines) + b"\n"), sink)
    assert count == len(lines)
    assert sink.getvalue().splitlines() == scalar_answers(calendar, lines).splitlines()


# A business calendar compiles one timeline over every year a chunk spans: keep its span short.
SPANS = {"weekdays": (datetime(1990, 1, 1), datetime(2060, 1, 1))}
SPANS["always"] = (datetime(1000, 1, 1), datetime(9998, 12, 31))


@settings(max_examples=30, deadline=None)
@given(
    name=st.sampled_from(sorted(SPANS)),
    data=st.data(),
    seconds=st.integers(0, 40 * 3600),
)
def test_whole_chunks_of_common_requests_take_the_bulk_path_and_agree(
    name: str, data: st.DataObject, seconds: int
) -> None:
    """Chunks where every line is an add in the common form: the vectorised reader and
    writer answer all of them (on the 24x7 calendar over all of years 1000-9998)."""
    low, high = SPANS[name]
    starts = data.draw(st.lists(st.datetimes(low, high), min_size=1, max_size=300))
    calendar = CALENDARS[name]
    lines = [
        json.dumps(
            {"op": "add", "start": f"{start:%Y-%m-%dT%H:%M:%S}Z", "seconds": seconds}
        ).encode()
        for start in starts
    ]
    sink = io.BytesIO()
    answer_requests(calendar, io.BytesIO(b"\n".join(lines) + b"\n"), sink)
    assert sink.getvalue() == scalar_answers(calendar, lines)


EDGES = [
    "2024-02-29T10:00:00Z",  # a leap day
    "2025-02-29T10:00:00Z",  # not a leap year
    "2000-02-29T10:00:00Z",  # divisible by 400: leap
    "2100-02-29T10:00:00Z",  # divisible by 100: not leap
    "2026-04-31T10:00:00Z",
    "2026-13-01T10:00:00Z",
    "2026-00-01T10:00:00Z",
    "2026-01-00T10:00:00Z",
    "2026-12-31T24:00:00Z",
    "2026-12-31T23:60:00Z",
    "2026-12-31T23:59:60Z",
    "0000-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "2026-11-23t14:00:00Z",
    "2026-11-23 14:00:00Z",
    "2026-11-23X14:00:00Z",
    "2026/11/23T14:00:00Z",
    "2026-11-23T14.00.00Z",
    "2026-11-23T14:00:00z",
    "2026-11-23T14:00:00+",
    "2026-W48-1T14:00:0Z",
    "2026-11-2\uff13T14:00:00Z",  # a full-width digit
    "2026-11-23T14:00:00é",
]


@pytest.mark.parametrize("edge", EDGES)
@pytest.mark.parametrize("name", ["always", "new-york"])
def test_each_edge_of_the_bulk_reader_answers_as_the_scalar_path(name: str, edge: str) -> None:
    calendar = CALENDARS[name]
    plain = {"op": "add", "start": "2026-11-23T14:00:00Z", "seconds": 60}
    lines = [
        json.dumps(plain).encode(),
        json.dumps({"op": "add", "start": edge, "seconds": 60}, ensure_ascii=False).encode(),
        json.dumps({"op": "between", "start": "2026-11-23T14:00:00Z", "end": edge}).encode(),
    ]
    sink = io.BytesIO()
    answer_requests(calendar, io.BytesIO(b"\n".join(lines) + b"\n"), sink)
    assert sink.getvalue() == scalar_answers(calendar, lines)
