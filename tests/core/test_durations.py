"""Durations (DESIGN.md section 4): ``1h30m``, ``15m``, ``90s``, ``4h`` or seconds (up to 6
decimals); ``d`` only where allowed (24x7); negative durations are errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from slakeeper.core.durations import format_seconds, parse_duration, seconds_to_us
from slakeeper.core.errors import InputError

SECOND = 1_000_000


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1h30m", 5_400 * SECOND),
        ("15m", 900 * SECOND),
        ("90s", 90 * SECOND),
        ("4h", 14_400 * SECOND),
        ("1h30m15s", 5_415 * SECOND),
        ("1h 30m", 5_400 * SECOND),
        (" 2h ", 7_200 * SECOND),
        ("1.5h", 5_400 * SECOND),
        ("0.5m", 30 * SECOND),
        ("0.000001s", 1),
        ("0h", 0),
        ("0", 0),
        ("3600", 3_600 * SECOND),
        ("0.5", SECOND // 2),
        ("1.123456", 1_123_456),
        ("0.000001", 1),
        (0, 0),
        (3600, 3_600 * SECOND),
        (0.5, SECOND // 2),
        (1.25, 1_250_000),
        (0.1, 100_000),  # read as written, not as the nearest binary fraction
        (Decimal("2.000001"), 2_000_001),
    ],
)
def test_duration_is_read_in_microseconds(value: object, expected: int) -> None:
    assert parse_duration(value, allow_days=False) == expected


def test_days_are_allowed_on_a_24x7_calendar() -> None:
    assert parse_duration("2d", allow_days=True) == 2 * 86_400 * SECOND
    assert parse_duration("1d12h", allow_days=True) == 36 * 3_600 * SECOND


@pytest.mark.parametrize("value", ["2d", "1d12h", "0.5d"])
def test_days_are_refused_on_a_business_calendar(value: str) -> None:
    with pytest.raises(InputError, match="40h"):
        parse_duration(value, allow_days=False)


@pytest.mark.parametrize("value", ["-5m", "-1", -1, -0.5, Decimal("-1"), " -5m"])
def test_negative_duration_is_refused(value: object) -> None:
    with pytest.raises(InputError):
        parse_duration(value, allow_days=True)


@pytest.mark.parametrize(
    "value",
    [
        "abc",
        "",
        "   ",
        "h",
        "1h30",  # a number after a unit needs its own unit
        "30m1h",  # units in order
        "1.5.5h",
        "1e3",
        "5 minutes",
        "1w",
        None,
        True,
        [5],
        float("nan"),
        float("inf"),
    ],
)
def test_unreadable_duration_is_refused(value: object) -> None:
    with pytest.raises(InputError):
        parse_duration(value, allow_days=True)


@pytest.mark.parametrize(
    "value", ["0.0000001", "1.1234567", "0.0000001s", "0.0000000001h", 1e-7, Decimal("1e-7")]
)
def test_duration_finer_than_a_microsecond_is_refused(value: object) -> None:
    with pytest.raises(InputError):
        parse_duration(value, allow_days=True)


def test_seconds_to_us_is_exact() -> None:
    assert seconds_to_us(Decimal("86400.000001")) == 86_400_000_001
    assert seconds_to_us(10**12) == 10**18


@pytest.mark.parametrize(
    ("us", "text"),
    [
        (0, "0"),
        (SECOND, "1"),
        (90 * SECOND, "90"),
        (1_500_000, "1.5"),
        (100_000, "0.1"),
        (1, "0.000001"),
        (123_456_789, "123.456789"),
        (1_000_010, "1.00001"),
        (10**15, "1000000000"),  # never an exponent
        (10**18 + 1, "1000000000000.000001"),
        (-1_500_000, "-1.5"),
        (-1, "-0.000001"),
    ],
)
def test_format_seconds(us: int, text: str) -> None:
    assert format_seconds(us) == text


@pytest.mark.parametrize("us", [0, 1, 999_999, 1_000_000, 5_400_000_000, 123_456_789_012])
def test_format_seconds_reads_back(us: int) -> None:
    assert parse_duration(format_seconds(us), allow_days=False) == us
