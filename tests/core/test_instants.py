"""Instants: RFC 3339 with a mandatory offset in, UTC ``...Z`` out, microseconds inside."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from slakeeper.core.errors import InputError
from slakeeper.core.instants import (
    MAX_US,
    MIN_US,
    format_instant,
    from_us,
    parse_instant,
    parse_instant_us,
    to_us,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-02T14:05:00Z", datetime(2026, 3, 2, 14, 5, tzinfo=UTC)),
        ("2026-03-02t14:05:00z", datetime(2026, 3, 2, 14, 5, tzinfo=UTC)),
        ("2026-03-02 14:05:00Z", datetime(2026, 3, 2, 14, 5, tzinfo=UTC)),
        ("2026-03-02T14:05Z", datetime(2026, 3, 2, 14, 5, tzinfo=UTC)),
        ("2026-03-02T14:05:00+00:00", datetime(2026, 3, 2, 14, 5, tzinfo=UTC)),
        ("2026-03-02T14:05:00-00:00", datetime(2026, 3, 2, 14, 5, tzinfo=UTC)),
        ("2026-03-02T14:05:00+01:00", datetime(2026, 3, 2, 13, 5, tzinfo=UTC)),
        ("2026-03-02T14:05:00-05:30", datetime(2026, 3, 2, 19, 35, tzinfo=UTC)),
        ("2026-03-02T14:05:00+0100", datetime(2026, 3, 2, 13, 5, tzinfo=UTC)),
        ("2026-01-01T00:30:00+01:00", datetime(2025, 12, 31, 23, 30, tzinfo=UTC)),
        ("2026-03-02T14:05:00.5Z", datetime(2026, 3, 2, 14, 5, 0, 500_000, tzinfo=UTC)),
        ("2026-03-02T14:05:00.123456Z", datetime(2026, 3, 2, 14, 5, 0, 123_456, tzinfo=UTC)),
        ("2026-03-02T14:05:00.000001+02:00", datetime(2026, 3, 2, 12, 5, 0, 1, tzinfo=UTC)),
        (" 2026-03-02T14:05:00Z ", datetime(2026, 3, 2, 14, 5, tzinfo=UTC)),
        ("2024-02-29T23:59:59Z", datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_parse_instant_reads_rfc3339_as_utc(text: str, expected: datetime) -> None:
    parsed = parse_instant(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize("text", ["2026-03-02T14:05:00", "2026-03-02T14:05:00.5", "2026-03-02"])
def test_naive_instant_is_refused_as_naive(text: str) -> None:
    with pytest.raises(InputError, match="naive"):
        parse_instant(text)


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "",
        "2026-03-02T14:05:00 Z",
        "2026-02-30T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-03-02T25:00:00Z",
        "2026-03-02T14:05:60Z",
        "2026-03-02T14:05:00+24:00",
        "2026-03-02T14:05:00.1234567Z",  # finer than a microsecond
        "20260302T140500Z",  # ISO 8601 basic form
        "2026-03-02T14:05:00+1",
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
        "1772460300",
    ],
)
def test_unreadable_instant_is_refused(text: str) -> None:
    with pytest.raises(InputError):
        parse_instant(text)


@pytest.mark.parametrize("value", [None, 1772460300, datetime(2026, 3, 2, tzinfo=UTC)])
def test_instant_that_is_not_a_string_is_refused(value: object) -> None:
    with pytest.raises(InputError):
        parse_instant(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("instant", "text"),
    [
        (datetime(2026, 3, 2, 14, 5, tzinfo=UTC), "2026-03-02T14:05:00Z"),
        (datetime(2026, 3, 2, 14, 5, 0, 500_000, tzinfo=UTC), "2026-03-02T14:05:00.5Z"),
        (datetime(2026, 3, 2, 14, 5, 0, 120_000, tzinfo=UTC), "2026-03-02T14:05:00.12Z"),
        (datetime(2026, 3, 2, 14, 5, 0, 1, tzinfo=UTC), "2026-03-02T14:05:00.000001Z"),
        (datetime(2026, 3, 2, 14, 5, 0, 123_456, tzinfo=UTC), "2026-03-02T14:05:00.123456Z"),
        (
            datetime(2026, 3, 2, 15, 5, tzinfo=timezone(timedelta(hours=1))),
            "2026-03-02T14:05:00Z",
        ),
        (datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC), "0999-01-02T03:04:05Z"),
        (0, "1970-01-01T00:00:00Z"),
        (-1, "1969-12-31T23:59:59.999999Z"),
        (1_772_460_300_000_000, "2026-03-02T14:05:00Z"),
        (1_772_460_300_250_000, "2026-03-02T14:05:00.25Z"),
    ],
)
def test_format_instant_writes_utc_z_with_fraction_only_when_needed(
    instant: datetime | int, text: str
) -> None:
    assert format_instant(instant) == text


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-02T14:05:00Z",
        "2026-03-02T14:05:00.5Z",
        "1905-03-06T09:00:00.000001Z",
        "2399-12-31T23:59:59.999999Z",
    ],
)
def test_format_and_parse_round_trip(text: str) -> None:
    assert format_instant(parse_instant(text)) == text
    assert format_instant(to_us(parse_instant(text))) == text


def test_to_us_and_from_us_are_exact_microseconds() -> None:
    instant = datetime(2026, 3, 2, 14, 5, 0, 1, tzinfo=UTC)
    # 2026-03-02 is day 20,514 after 1970-01-01; 14:05 is 50,700 s into it.
    assert to_us(instant) == (20_514 * 86_400 + 50_700) * 1_000_000 + 1
    assert from_us(to_us(instant)) == instant
    assert to_us(datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)) == -1
    assert to_us(datetime(2026, 3, 2, 15, 5, 0, 1, tzinfo=timezone(timedelta(hours=1)))) == (
        to_us(instant)
    )


def test_from_us_covers_years_1_to_9999_and_refuses_beyond() -> None:
    assert from_us(MIN_US) == datetime(1, 1, 1, tzinfo=UTC)
    assert from_us(MAX_US) == datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)
    with pytest.raises(InputError):
        from_us(MIN_US - 1)
    with pytest.raises(InputError):
        from_us(MAX_US + 1)


def _careful_us(text: str) -> int | str:
    try:
        return to_us(parse_instant(text))
    except InputError as exc:
        return str(exc)


def _fast_us(text: str) -> int | str:
    try:
        return parse_instant_us(text)
    except InputError as exc:
        return str(exc)


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-05T10:11:12Z",
        "2026-01-05T23:59:59.999999Z",
        "2026-01-05T00:00:00.5Z",
        "2026-01-05T24:00:00Z",
        "2026-01-05T10:60:00Z",
        "2026-01-05T10:00:60Z",
        "2026-01-05T10:00:00.Z",
        "2026-01-05T10:00:00.1234567Z",
        "2026-01-05T1a:00:00Z",
        "2026-01-05T1\u0663:00:00Z",
        "2026-01-05T10:00:00+01:00",
        "2026-01-05t10:00:00Z",
        "2026-01-05 10:00:00Z",
        "2026-01-05T10-00:00Z",
        "1969-12-31T23:59:59.5Z",
        "2026-11-23X14:00:00Z",
        "2026-W48-1T14:00:00Z",
        "2026-01-0\uff15T10:00:00Z",
    ],
)
def test_replay_fast_path_reads_every_instant_as_the_careful_parser(text: str) -> None:
    assert _fast_us(text) == _careful_us(text)


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-23X14:00:00Z",  # datetime.fromisoformat takes any separator
        "2026-W48-1T14:00:00Z",  # and ISO week dates
        "2026-01-05T1\u0663:00:00Z",  # and int() reads Arabic-Indic digits
        "2026-01-0\uff15T10:00:00Z",  # and full-width ones
    ],
)
def test_instants_outside_rfc_3339_are_refused_on_both_paths(text: str) -> None:
    with pytest.raises(InputError, match="expected RFC 3339"):
        parse_instant(text)
    with pytest.raises(InputError, match="expected RFC 3339"):
        parse_instant_us(text)
