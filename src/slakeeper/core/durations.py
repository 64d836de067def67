"""Durations (``1h30m``, ``15m``, ``90s``, ``2d`` or seconds) as integer microseconds."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from slakeeper.core.errors import InputError

__all__ = ["format_seconds", "parse_duration", "seconds_to_us"]

US_PER_SECOND = 1_000_000
_UNIT_SECONDS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
_NUMBER = r"\d+(?:\.\d+)?"
_WRITTEN = re.compile(rf"^(?:({_NUMBER})d)?(?:({_NUMBER})h)?(?:({_NUMBER})m)?(?:({_NUMBER})s)?$")
_PLAIN = re.compile(r"^\d+(?:\.\d{1,6})?$")


def parse_duration(value: object, *, allow_days: bool = True) -> int:
    """Read a duration in microseconds.

    ``value`` is a non-negative number of seconds (up to 6 decimals) or a string such as
    ``1h30m``. ``d`` (86,400 s) is refused when ``allow_days`` is false: on a business
    calendar a day is ambiguous.
    """
    if isinstance(value, bool):
        raise InputError(f"invalid duration {value!r}")
    if isinstance(value, int | float | Decimal):
        return seconds_to_us(value)
    if not isinstance(value, str):
        raise InputError(f"invalid duration {value!r}: expected e.g. 1h30m, 15m, 90s or seconds")
    text = value.strip().replace(" ", "")
    if text.startswith("-"):
        raise InputError(f"negative duration {value!r}")
    if _PLAIN.match(text):
        return seconds_to_us(Decimal(text))
    match = _WRITTEN.match(text)
    if not text or match is None or not any(match.groups()):
        raise InputError(f"invalid duration {value!r}: expected e.g. 1h30m, 15m, 90s or seconds")
    if match.group(1) is not None and not allow_days:
        raise InputError(
            f"duration {value!r} uses days, which are ambiguous on a business calendar: "
            "write hours instead (40h for five 8-hour days)"
        )
    total = sum(
        (
            Decimal(part) * _UNIT_SECONDS[unit]
            for part, unit in zip(match.groups(), "dhms", strict=True)
            if part
        ),
        Decimal(0),
    )
    return _exact_us(total, value)


def seconds_to_us(seconds: int | float | Decimal) -> int:
    """Microseconds in a non-negative number of seconds with at most 6 decimals."""
    written = seconds
    if isinstance(seconds, float):
        if seconds != seconds or seconds in (float("inf"), float("-inf")):
            raise InputError(f"invalid duration {seconds!r}")
        seconds = Decimal(repr(seconds))
    try:
        amount = Decimal(seconds)
    except InvalidOperation:
        raise InputError(f"invalid duration {written!r}") from None
    if amount < 0:
        raise InputError(f"negative duration {written}")
    return _exact_us(amount, written)


def _exact_us(amount: Decimal, written: object) -> int:
    us = amount * US_PER_SECOND
    if us != us.to_integral_value():
        raise InputError(f"duration {written!r} is finer than a microsecond")
    return int(us)


def format_seconds(us: int) -> str:
    """Seconds as a JSON number: integral when whole, else up to 6 decimals, never exponent."""
    sign = "-" if us < 0 else ""
    whole, fraction = divmod(abs(us), US_PER_SECOND)
    if not fraction:
        return f"{sign}{whole}"
    return f"{sign}{whole}." + f"{fraction:06d}".rstrip("0")
