"""Instants: aware datetimes at the edges, integer microseconds since the Unix epoch inside.

Every instant slakeeper computes with is UTC. Local wall time exists only inside calendars.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from slakeeper.core.errors import InputError

__all__ = [
    "EPOCH",
    "MAX_US",
    "MIN_US",
    "format_instant",
    "from_us",
    "parse_instant",
    "parse_instant_us",
    "to_us",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_TWO = [f"{number:02d}" for number in range(60)]
_MINUTES = [f"T{hour:02d}:{minute:02d}:" for hour in range(24) for minute in range(60)]
_DATES: dict[int, str] = {}  # day number since 1970 -> "YYYY-MM-DD"
US_PER_SECOND = 1_000_000
US_PER_DAY = 86_400 * US_PER_SECOND
# The span datetime can represent, as microseconds since the epoch.
MIN_US = -62_135_596_800 * US_PER_SECOND
MAX_US = 253_402_300_799 * US_PER_SECOND + 999_999

# RFC 3339 date-time: the offset is mandatory; ISO 8601 basic forms are not accepted.
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?"
    r"(?:([Zz])|([+-])(\d{2}):?(\d{2}))$",
    re.ASCII,  # \d is 0-9 only: int() would read other scripts' digits
)


def to_us(instant: datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    delta = instant - EPOCH
    return (delta.days * 86_400 + delta.seconds) * US_PER_SECOND + delta.microseconds


def from_us(us: int) -> datetime:
    """The UTC datetime ``us`` microseconds after the epoch."""
    if not MIN_US <= us <= MAX_US:
        raise InputError(f"instant out of range (year 1 to 9999): {us} µs since 1970")
    return EPOCH + timedelta(microseconds=us)


def parse_instant_us(text: object) -> int:
    """Microseconds since the epoch of an RFC 3339 instant; the fast path of replay."""
    if type(text) is str and _is_plain_rfc3339(text):
        # datetime.fromisoformat is C code, ~25x the regex; the shape check keeps it to what
        # RFC 3339 allows (it would silently truncate a 7-digit fraction, say).
        try:
            us = to_us(datetime.fromisoformat(text))
        except ValueError:
            pass  # the careful path below says what is wrong
        else:
            if MIN_US <= us <= MAX_US:
                return us
    return to_us(parse_instant(text))


def _is_plain_rfc3339(text: str) -> bool:
    size = len(text)
    # fromisoformat also reads week dates (2026-W48-1), any separator and non-ASCII digits.
    if size < 20 or text[4] != "-" or text[7] != "-" or text[13] != ":" or text[16] != ":":
        return False
    if text[10] not in "Tt " or not text.isascii():
        return False
    end = size - 1 if text[-1] == "Z" else size - 6
    if end < 19 or (end < size - 1 and (text[end] not in "+-" or text[end + 3] != ":")):
        return False
    if end == 19:
        return True
    return text[19] == "." and 1 <= end - 20 <= 6 and text[20:end].isdigit()


def parse_instant(text: object) -> datetime:
    """Read an RFC 3339 instant with an offset (``2026-03-02T14:05:00Z``) as aware UTC."""
    if not isinstance(text, str):
        raise InputError(f"expected an instant as a string, got {text!r}")
    match = _RFC3339.match(text.strip())
    if match is None:
        if _looks_naive(text):
            raise InputError(f"naive instant {text!r}: add an offset such as Z or +01:00")
        raise InputError(f"invalid instant {text!r}: expected RFC 3339, e.g. 2026-03-02T14:05:00Z")
    year, month, day, hour, minute, second, fraction, zulu, sign, oh, om = match.groups()
    micro = int((fraction or "0").ljust(6, "0"))
    offset = timedelta(0)
    if not zulu:
        offset = timedelta(hours=int(oh), minutes=int(om))
        if offset >= timedelta(hours=24):
            raise InputError(f"invalid offset in {text!r}")
        offset = -offset if sign == "-" else offset
    try:
        local = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro
        )
        return (local - offset).replace(tzinfo=UTC)
    except OverflowError:
        raise InputError(f"instant {text!r} is outside years 1 to 9999 in UTC") from None
    except ValueError as exc:
        raise InputError(f"invalid instant {text!r}: {exc}") from None


def _looks_naive(text: str) -> bool:
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return False
    return parsed.tzinfo is None


def format_instant(instant: datetime | int) -> str:
    """Write an instant as UTC ``…Z``, with a fraction only when non-zero."""
    if isinstance(instant, int):
        if not MIN_US <= instant <= MAX_US:
            raise InputError(f"instant out of range (year 1 to 9999): {instant} µs since 1970")
        # Replay writes millions of instants: the date part is cached per day and the time
        # of day is put together from a table of two-digit strings.
        # Floor division and a product rather than divmod: compiled, these stay native
        # integer operations (divmod builds a tuple of boxed ints).
        days = instant // US_PER_DAY
        date_text = _DATES.get(days)
        if date_text is None:
            date_text = _DATES[days] = (_NAIVE_EPOCH + timedelta(days)).date().isoformat()
        rest = instant - days * US_PER_DAY
        seconds = rest // US_PER_SECOND
        micro = rest - seconds * US_PER_SECOND
        minutes = seconds // 60
        seconds -= minutes * 60
        if micro:
            fraction = f"{micro:06d}".rstrip("0")
            return f"{date_text}{_MINUTES[minutes]}{_TWO[seconds]}.{fraction}Z"
        return f"{date_text}{_MINUTES[minutes]}{_TWO[seconds]}Z"
    if instant.tzinfo is None:
        raise InputError(f"naive instant {instant.isoformat()}: an offset is required")
    return format_instant(to_us(instant))
