"""The pure core: calendars, durations, instants, policies and clocks.

Imports nothing of slakeeper outside ``core``, no framework, and never reads the clock,
a file or a database: ``now`` is always an argument.

The names below are loaded on first use (PEP 562), so that importing one light module
(``slakeeper.core.errors``, say) does not import numpy: every start of the CLI pays for
what ``slakeeper.core`` itself would otherwise import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names as mypy and editors see them
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

_HOMES = {
    "calendars": ("Calendar", "Window", "make_calendar", "parse_window"),
    "configuration": ("Configuration",),
    "durations": ("format_seconds", "parse_duration"),
    "errors": (
        "CalendarError",
        "ConfigError",
        "EventError",
        "InputError",
        "PolicyError",
        "SlaError",
    ),
    "instants": ("format_instant", "from_us", "parse_instant", "to_us"),
    "timelines": ("add", "add_many", "add_us", "between", "between_many", "between_us"),
}
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}
assert sorted(_MODULE_OF) == sorted(__all__)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'slakeeper.core' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"slakeeper.core.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
