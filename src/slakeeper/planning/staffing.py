"""Staffing per slot: Erlang C over a mix of answer times, and the per-slot attainment
of a simulated history (pure: arrays in, arrays out).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from slakeeper.core.durations import parse_duration
from slakeeper.core.errors import InputError, SlaError
from slakeeper.planning import erlang

__all__ = ["Target", "mixed_required_agents", "parse_target", "slot_attainment"]

METRICS = ("first_response", "next_response", "periodic_update", "resolution", "team_ownership")
_TARGET = re.compile(r"^\s*(\w+)\s+(\d+(?:\.\d+)?)\s*%\s+within\s+(\S+)\s*$")


@dataclass(frozen=True)
class Target:
    """``first_response 90% within target``: a metric, a share, and the SLA or a duration."""

    metric: str
    share: float
    within_seconds: float | None  # None: each clock's own SLA target

    def __str__(self) -> str:
        within = "target" if self.within_seconds is None else f"{self.within_seconds:g}s"
        return f"{self.metric} {self.share:.0%} within {within}"


def parse_target(text: str) -> Target:
    """Read ``METRIC P% within target`` (or ``within DURATION``)."""
    match = _TARGET.match(text)
    if match is None:
        raise InputError(
            f"expected e.g. 'first_response 90% within target', got {text!r}", path=("--target",)
        )
    metric, percent, within = match.groups()
    if metric not in METRICS:
        raise InputError(f"unknown metric {metric!r} ({', '.join(METRICS)})", path=("--target",))
    share = float(percent) / 100
    if not 0 < share < 1:
        raise InputError("the share must be above 0% and below 100%", path=("--target",))
    seconds = None
    if within != "target":
        try:
            seconds = parse_duration(within) / 1e6
        except SlaError as exc:
            raise InputError(exc.message, path=("--target",)) from None
    return Target(metric, share, seconds)


def mixed_required_agents(
    load: npt.ArrayLike,
    aht_seconds: float,
    within_seconds: npt.ArrayLike,
    weights: npt.ArrayLike,
    target: float,
    *,
    max_occupancy: float = 1.0,
) -> npt.NDArray[np.int64]:
    """Least agents per slot whose service level, averaged over answer times
    ``within_seconds`` weighted by ``weights`` (the clocks' mix of SLA targets), meets
    ``target``. With one answer time this is :func:`erlang.required_agents`."""
    load = np.atleast_1d(np.asarray(load, float))
    within = np.asarray(within_seconds, float)
    share = np.asarray(weights, float) / np.sum(weights)
    answer = erlang.required_agents(load, aht_seconds, within.min(), 1e-9, max_occupancy)
    pending = np.flatnonzero(load > 0)
    while pending.size:
        n = answer[pending]
        wait = erlang.erlang_c(load[pending], n)
        gap = np.maximum(n - load[pending], 0.0)[:, None]
        sl = 1.0 - wait[:, None] * np.exp(-gap * within[None, :] / aht_seconds)
        sl = np.where(n[:, None] > load[pending][:, None], sl, 0.0) @ share
        short = sl < target
        answer[pending[short]] += 1
        pending = pending[short]
    return answer


def slot_attainment(
    slots: npt.NDArray[np.int64], met: npt.NDArray[np.bool_], per_week: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Share met and number of decided clocks per slot (1.0 where no clock started)."""
    decided = np.bincount(slots, minlength=per_week)
    good = np.bincount(slots[met], minlength=per_week)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(decided > 0, good / np.maximum(decided, 1), 1.0)
    return share, decided
