"""The configuration in force: calendars (and, as they land, tiers, accounts and policies)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from slakeeper.core.calendars import Calendar

__all__ = ["Configuration"]


@dataclass(frozen=True, eq=False)
class Configuration:
    """A validated configuration, as core objects."""

    calendars: Mapping[str, Calendar] = field(default_factory=dict)
