"""The ids a configuration file declares, for checking the references between its sections.

References are checked against what the file *declares*, not what validated: a policy that
names a calendar with a problem of its own gets that calendar's problem, not a second one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slakeeper.core.calendars import Calendar

__all__ = ["BUILT_IN_RECIPIENTS", "Names", "declared_names", "listing"]

# Recipients an escalation step may notify without declaring them as notifiers.
BUILT_IN_RECIPIENTS = ("assignee", "team")


@dataclass(frozen=True)
class Names:
    """Declared ids per section (and the calendars that validated, by id)."""

    calendars: tuple[str, ...] = ()
    built_calendars: Mapping[str, Calendar] = field(default_factory=dict)
    tiers: tuple[str, ...] = ()
    notifiers: tuple[str, ...] = ()
    escalation_paths: tuple[str, ...] = ()


def declared_names(data: Mapping[str, Any], calendars: Mapping[str, Calendar]) -> Names:
    """The ids declared in a configuration's raw data."""
    tiers = data.get("tiers")
    return Names(
        calendars=_keys(data.get("calendars")),
        built_calendars=calendars,
        tiers=tuple(dict.fromkeys(t for t in tiers if isinstance(t, str)))
        if isinstance(tiers, list)
        else (),
        notifiers=_keys(data.get("notifiers")),
        escalation_paths=_keys(data.get("escalation_paths")),
    )


def _keys(section: Any) -> tuple[str, ...]:
    return tuple(section) if isinstance(section, dict) else ()


def listing(ids: Iterable[str]) -> str:
    """Ids for a message: ``a, b, c``, or ``none``."""
    return ", ".join(ids) or "none"
