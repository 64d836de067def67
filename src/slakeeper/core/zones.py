"""Time zones from the pinned ``tzdata`` package, and local wall time → UTC with our DST rules.

Results never depend on the machine's zone database: zones are read from the ``tzdata``
package shipped with slakeeper, not from ``/usr/share/zoneinfo``.
"""

from __future__ import annotations

import functools
from datetime import UTC, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

from slakeeper.core.errors import CalendarError
from slakeeper.core.instants import EPOCH, US_PER_SECOND, to_us

__all__ = ["available_zones", "load_zone", "local_to_utc_us"]

_NAIVE_EPOCH = EPOCH.replace(tzinfo=None)


@functools.cache
def available_zones() -> frozenset[str]:
    """Every IANA zone name the pinned tzdata knows, links included."""
    root = resources.files("tzdata.zoneinfo")
    names: set[str] = set()
    stack = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        for entry in folder.iterdir():
            name = f"{prefix}{entry.name}"
            if entry.is_dir():
                if entry.name != "__pycache__":
                    stack.append((entry, f"{name}/"))
            elif not entry.name.endswith(".py") and entry.name[0].isupper():
                names.add(name)
    return frozenset(names)


@functools.cache
def load_zone(name: str) -> ZoneInfo:
    """The zone called ``name``, read from the pinned tzdata package."""
    if not isinstance(name, str) or name not in available_zones():
        raise CalendarError(
            f"unknown time zone {name!r} (expected an IANA name such as Europe/Berlin)"
        )
    with resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).open("rb") as file:
        return ZoneInfo.from_file(file, key=name)


def local_to_utc_us(zone: ZoneInfo, local_us: int) -> int:
    """UTC microseconds of a local wall time given as microseconds since local 1970-01-01.

    DST rules (DESIGN.md section 4): an ambiguous wall time (fall-back) is its first
    occurrence; a wall time in a spring-forward gap maps to the transition itself, the
    first instant after the gap.
    """
    naive = _NAIVE_EPOCH + timedelta(microseconds=local_us)
    # fold=0 picks the first occurrence of an ambiguous time (PEP 495).
    aware = naive.replace(tzinfo=zone)
    utc_us = to_us(aware)
    if _wall_us(zone, utc_us) == local_us:
        return utc_us
    # In a gap: fold=0 used the offset from before the transition, so `utc_us` lies after
    # it. The transition is the earliest instant whose wall time is past `local_us`.
    after = to_us(naive.replace(tzinfo=zone, fold=1))
    low, high = min(after, utc_us) // US_PER_SECOND - 1, max(after, utc_us) // US_PER_SECOND + 1
    while high - low > 1:  # tzdata transitions fall on whole seconds
        middle = (low + high) // 2
        if _wall_us(zone, middle * US_PER_SECOND) > local_us:
            high = middle
        else:
            low = middle
    return high * US_PER_SECOND


def _wall_us(zone: ZoneInfo, utc_us: int) -> int:
    local = (EPOCH + timedelta(microseconds=utc_us)).astimezone(zone).replace(tzinfo=UTC)
    return to_us(local)
