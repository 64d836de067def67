"""The judged codes kept on ticket rows (analytics/codes.py) hold over the span given."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from slakeeper.analytics.codes import EARLIEST, LATEST, judged_code, ticket_codes
from slakeeper.core.policies import METRICS

_INSTANT = st.integers(min_value=0, max_value=100)
_MAYBE = st.none() | _INSTANT


@st.composite
def _clock(draw: st.DrawFn) -> tuple[object, ...]:
    return (
        draw(st.sampled_from([metric.value for metric in METRICS])),
        draw(_INSTANT),  # started_at
        draw(_MAYBE),  # fulfilled_at
        draw(_MAYBE),  # breached_at
        draw(_MAYBE),  # cancelled_at
        draw(_MAYBE),  # due_at
        draw(st.sampled_from(["running", "met", "missed", None])),
        draw(_MAYBE),  # objective_due_at
    )


def _codes_at(clocks: list[tuple[object, ...]], now: int) -> list[int]:
    return sorted(
        judged_code(c[0], c[2], c[3], c[4], c[5], c[6], c[7], now)  # type: ignore[arg-type]
        for c in clocks
        if c[1] <= now  # type: ignore[operator]
    )


@given(st.lists(_clock(), max_size=6), _INSTANT, st.data())
def test_codes_hold_over_their_span(
    clocks: list[tuple[object, ...]], evaluated: int, data: st.DataObject
) -> None:
    text, since, until = ticket_codes(clocks, evaluated)
    assert since <= evaluated < until
    assert [int(code) for code in text.split()] == _codes_at(clocks, evaluated)
    low, high = max(since, -5), min(until - 1, 105)
    now = data.draw(st.integers(min_value=low, max_value=high))
    assert _codes_at(clocks, now) == _codes_at(clocks, evaluated)


def test_codes_of_no_clock_hold_for_ever() -> None:
    assert ticket_codes([], 50) == ("", EARLIEST, LATEST)


def test_a_due_instant_ends_the_span_of_a_running_clock() -> None:
    running = ("resolution", 10, None, None, None, 40, "running", 30)
    text, since, until = ticket_codes([running], 20)
    assert (since, until) == (10, 30)  # the objective's due instant comes first
    assert text == str(judged_code("resolution", None, None, None, 40, "running", 30, 20))
    assert _codes_at([running], 30) != _codes_at([running], 20)
