"""The pure core: calendars, durations, instants (and, as they land, policies and clocks).

Imports nothing of slakeeper outside ``core``, no framework, and never reads the clock,
a file or a database: ``now`` is always an argument.
"""

from slakeeper.core.calendars import Calendar, Window, make_calendar, parse_window
from slakeeper.core.configuration import Configuration
from slakeeper.core.durations import format_seconds, parse_duration
from slakeeper.core.errors import (
    CalendarError,
    ConfigError,
    EventError,
    InputError,
    PolicyError,
    SlaError,
)
from slakeeper.core.instants import format_instant, from_us, parse_instant, to_us
from slakeeper.core.timelines import add, add_many, add_us, between, between_many, between_us

__all__ = [
    "Calendar",
    "CalendarError",
    "ConfigError",
    "Configuration",
    "EventError",
    "InputError",
    "PolicyError",
    "SlaError",
    "Window",
    "add",
    "add_many",
    "add_us",
    "between",
    "between_many",
    "between_us",
    "format_instant",
    "format_seconds",
    "from_us",
    "make_calendar",
    "parse_duration",
    "parse_instant",
    "parse_window",
    "to_us",
]
