"""Source timestamps → UTC: RFC 3339 with an offset, or naive local time in ``--timezone``.

A timestamp without an offset is refused unless the user names the zone it was written in:
guessing (UTC, or the machine's zone) would shift every clock by hours without a word.
"""

from __future__ import annotations

from datetime import datetime

from slakeeper.core.errors import InputError
from slakeeper.core.instants import format_instant, parse_instant_us, to_us
from slakeeper.core.zones import load_zone, local_to_utc_us

__all__ = ["Timestamps"]

_LOCAL_EPOCH = datetime(1970, 1, 1)


class Timestamps:
    """Reads timestamps written with ``pattern`` (strptime; ISO 8601 when None)."""

    def __init__(self, timezone: str | None = None, pattern: str | None = None) -> None:
        self.zone = None if timezone is None else load_zone(timezone)
        self.timezone = timezone
        self.pattern = pattern

    def read_us(self, text: str) -> int:
        """UTC microseconds of ``text``; :class:`InputError` says what is wrong with it."""
        text = text.strip()
        if self.pattern is None:
            try:
                return parse_instant_us(text)  # RFC 3339 with an offset: the usual case
            except InputError:
                pass
        parsed = self._parse(text)
        if parsed.tzinfo is not None:
            return to_us(parsed)
        if self.zone is None:
            raise InputError(
                f"timestamp {text!r} has no UTC offset: give --timezone, the zone it was "
                "written in (e.g. --timezone Europe/Rome)",
                path=("--timezone",),
            )
        # Local wall time → UTC with the calendars' DST rules: an ambiguous time (the hour
        # repeated when clocks go back) is its first occurrence; a time in the gap when
        # clocks go forward is read as the transition itself.
        local = parsed - _LOCAL_EPOCH
        local_us = (local.days * 86_400 + local.seconds) * 1_000_000 + local.microseconds
        return local_to_utc_us(self.zone, local_us)

    def read(self, text: str) -> str:
        """``text`` as an RFC 3339 UTC instant (``…Z``)."""
        return format_instant(self.read_us(text))

    def _parse(self, text: str) -> datetime:
        try:
            if self.pattern is not None:
                return datetime.strptime(text, self.pattern)
            return datetime.fromisoformat(text)
        except ValueError:
            expected = f"the format {self.pattern!r}" if self.pattern else "ISO 8601"
            raise InputError(f"invalid timestamp {text!r} (expected {expected})") from None
