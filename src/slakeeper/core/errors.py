"""The one exception hierarchy of slakeeper.

::

    SlaError                  anything slakeeper refuses, with a message fit for a user
    ├── InputError            a value that cannot be read (an instant, a duration)
    ├── CalendarError         a calendar that is invalid, or a question it cannot answer
    ├── PolicyError           a policy, target or escalation path that is invalid
    ├── EventError            an event that is invalid or contradicts its ticket's log
    │   └── ConflictError     an event id already stored with another payload (HTTP 409)
    ├── NotFoundError         a ticket, version or token that does not exist (HTTP 404)
    ├── LimitError            too many attempts (failed logins) in a window (HTTP 429)
    └── ConfigError           a file with problems, one line (key path, file line) each

Each error may carry ``path``, the key path of the offending value (``("weekly", "mon", 1)``,
shown as ``weekly.mon[1]``), which outer layers extend with their own keys and map to the
lines of a file.
"""

from __future__ import annotations

from typing import Self

__all__ = [
    "CalendarError",
    "ConfigError",
    "ConflictError",
    "EventError",
    "InputError",
    "KeyPath",
    "LimitError",
    "NotFoundError",
    "PolicyError",
    "SlaError",
    "show_path",
]

KeyPath = tuple[str | int, ...]


class SlaError(Exception):
    """Base of every error slakeeper raises on purpose."""

    def __init__(self, message: str, *, path: KeyPath = ()) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        # Every problem found, when a check reports several at once (this one first).
        self.details: list[SlaError] = [self]

    def __str__(self) -> str:
        return f"{show_path(self.path)}: {self.message}" if self.path else self.message

    def under(self, *prefix: str | int) -> Self:
        """The same error with ``prefix`` put in front of its key path."""
        return type(self)(self.message, path=(*prefix, *self.path))


def show_path(path: KeyPath) -> str:
    """Write a key path as ``calendars.us.weekly.mon[1]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class InputError(SlaError):
    """A value (instant, duration, number) that cannot be read."""


class CalendarError(SlaError):
    """An invalid calendar, or a question about business time it cannot answer."""


class PolicyError(SlaError):
    """An invalid policy, target, warning threshold or escalation path."""


class EventError(SlaError):
    """An invalid event, or one that contradicts its ticket's log."""


class ConflictError(EventError):
    """An event whose id is already stored (or sent) with a different payload."""


class NotFoundError(SlaError):
    """Something asked for by name or number that does not exist."""


class LimitError(SlaError):
    """Too many attempts in a window; ``retry_after`` seconds until the next may succeed."""

    def __init__(self, message: str, *, path: KeyPath = (), retry_after: int = 60) -> None:
        super().__init__(message, path=path)
        self.retry_after = retry_after


class ConfigError(SlaError):
    """A configuration (or scenario) file with problems, one line each in ``problems``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(self.problems)
