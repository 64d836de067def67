"""Attainable targets: the tightest whole-minute target that history met for a share of clocks.

1. One pass over the history (services/histories.py) evaluates each ticket at ``now`` and
   keeps, per severity x tier x metric (x team, for team ownership), each clock started in
   the window that was not cancelled, as a number of whole minutes of business time:
   - a fulfilled clock (met, or breached and fulfilled later) took ``d`` business seconds:
     it meets a target of ``m`` minutes when ``d <= 60·m`` (a fulfilment at the due
     instant is met), so it is kept as ``ceil(d / 60)`` (at least 1);
   - a clock still running (or paused, or breached and still waiting) has run ``e``
     business seconds at ``now``: for a target ``m`` with ``60·m <= e`` it is a miss (it
     reached the target unfulfilled); for a longer one it is left out (nobody knows yet),
     so it is kept as ``floor(e / 60) + 1``, the shortest target it is left out for.
2. :func:`attainable` finds, for a share ``s``, the smallest ``m`` with
   met(m) ÷ (met(m) + missed(m)) >= s. Both counts are step functions of ``m`` that change
   only at the kept minutes, and the share never falls as ``m`` grows (met only grows,
   missed only shrinks), so the answer is the first kept minute where it holds.
3. :func:`bootstrap` resamples the group's clocks with replacement (the counts per kept
   minute of a resample are multinomial) and takes the interval of the resampled answers:
   the lower quantile rounded down, the upper rounded up, to whole minutes.
4. A group with fewer clocks than :func:`minimum_size` is reported as too small.
"""

from __future__ import annotations

import math
import zlib
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from slakeeper.core.clocks import ClockStatus
from slakeeper.core.configuration import Configuration
from slakeeper.core.errors import InputError
from slakeeper.core.evaluation import Diagnostic, evaluate_logged
from slakeeper.core.events import Event
from slakeeper.core.policies import METRICS
from slakeeper.services.histories import Pass, Window, fold_tickets

__all__ = [
    "Group",
    "RecommendFold",
    "RecommendQuery",
    "attainable",
    "bootstrap",
    "minimum_size",
    "parse_metrics",
    "recommend",
    "run_recommend",
]

_US_PER_MINUTE = 60_000_000
_BATCH = 200  # resamples drawn at once (memory: 200 x kept minutes x 2 counts)
NONE = "-"
GroupKey = tuple[str, str, str, str]  # severity, tier, metric, team ("" unless an OLA)


@dataclass
class Group:
    """One group's clocks, in whole minutes (module docstring, step 1)."""

    fulfilled: array[int] = field(default_factory=lambda: array("q"))
    open: array[int] = field(default_factory=lambda: array("q"))
    targets: set[int] = field(default_factory=set)  # the SLA targets its clocks ran under, µs

    def merge(self, other: Group) -> None:
        """Add another part's clocks (from another worker)."""
        self.fulfilled.extend(other.fulfilled)
        self.open.extend(other.open)
        self.targets |= other.targets


@dataclass(frozen=True)
class RecommendQuery:
    """What ``recommend`` is asked."""

    share: float = 0.9
    confidence: float = 0.95
    resamples: int = 1000
    seed: int = 1
    min_size: int | None = None  # None: minimum_size(share)


def minimum_size(share: float) -> int:
    """The fewest clocks a group needs: 20, and enough for five expected misses.

    A target met by a share ``s`` sits at the ``s`` quantile of the times; it rests on
    the ``(1 - s)·n`` slowest clocks, and with fewer than about five of them both the
    estimate and its bootstrap interval hang on one or two tickets.
    """
    return max(20, math.ceil(5 / (1 - share) - 1e-9))


def parse_metrics(text: str | None) -> frozenset[str] | None:
    """``--metric``: metric names, comma-separated (None: all); an error names the option."""
    if text is None:
        return None
    names = [part.strip() for part in text.split(",") if part.strip()]
    known = [metric.value for metric in METRICS]
    for name in names:
        if name not in known:
            raise InputError(
                f"unknown metric {name!r} (metrics: {', '.join(known)})", path=("--metric",)
            )
    if not names:
        raise InputError("expected one or more metric names", path=("--metric",))
    return frozenset(names)


def check_query(query: RecommendQuery) -> None:
    """Refuse a share or confidence outside (0, 1), or a non-positive count."""
    for name, value in (("--share", query.share), ("--confidence", query.confidence)):
        if not 0 < value < 1:
            raise InputError(
                f"expected a share between 0 and 1 (exclusive), got {value:g}", path=(name,)
            )
    if query.resamples < 1:
        raise InputError("expected at least 1", path=("--resamples",))
    if query.min_size is not None and query.min_size < 1:
        raise InputError("expected at least 1", path=("--min-size",))


@dataclass
class RecommendFold:
    """Evaluates each ticket and keeps its clocks' minutes per group."""

    config: Configuration
    now: int
    window: Window
    metrics: frozenset[str] | None = None
    groups: dict[GroupKey, Group] = field(default_factory=dict)

    def add(self, ticket: str, log: list[Event], diagnostics: list[Diagnostic]) -> None:
        """Evaluate one ticket's log and keep its clocks."""
        result = evaluate_logged(ticket, log, self.config, self.now, diagnostics)
        if result is None:
            return
        fields = result.fields
        severity = _text(fields.get("severity"))
        tier = fields.get("account_tier")
        if tier is None:
            account = self.config.accounts.get(str(fields.get("account")))
            tier = account.tier if account is not None else None
        for cycle in result.cycles:
            metric = cycle.metric.value
            if cycle.status is ClockStatus.CANCELLED or not self.window.holds(cycle.started_at):
                continue
            if self.metrics is not None and metric not in self.metrics:
                continue
            key = (severity, _text(tier), metric, cycle.team or "")
            group = self.groups.get(key)
            if group is None:
                group = self.groups[key] = Group()
            group.targets.add(cycle.target.sla)
            if cycle.fulfilled_at is not None:
                took = cycle.elapsed_at(cycle.fulfilled_at)
                group.fulfilled.append(max(1, -(-took // _US_PER_MINUTE)))
            else:
                group.open.append(cycle.elapsed_at(self.now) // _US_PER_MINUTE + 1)

    def tally(self) -> dict[GroupKey, Group]:
        """The groups (arrays and sets: a worker sends them to the parent)."""
        return self.groups


def _text(value: object) -> str:
    return NONE if value is None else str(value)


def attainable(
    fulfilled: NDArray[np.int64], open_: NDArray[np.int64], share: float
) -> tuple[int, int, int] | None:
    """The tightest target (minutes) with a met share of at least ``share``, and the met
    and decided counts there; None when no target reaches it (module docstring, step 2)."""
    grid = np.unique(np.concatenate([fulfilled, open_]))
    met = np.searchsorted(np.sort(fulfilled), grid, side="right")
    excluded = np.searchsorted(np.sort(open_), grid, side="right")
    decided = fulfilled.size + open_.size - excluded  # met + missed
    with np.errstate(divide="ignore", invalid="ignore"):
        holds = (decided > 0) & (met / np.maximum(decided, 1) >= share)
    if not holds.any():
        return None
    first = int(np.argmax(holds))
    return int(grid[first]), int(met[first]), int(decided[first])


def bootstrap(
    fulfilled: NDArray[np.int64],
    open_: NDArray[np.int64],
    share: float,
    *,
    resamples: int,
    confidence: float,
    rng: np.random.Generator,
) -> tuple[int | None, int | None]:
    """The bootstrap interval of :func:`attainable` in whole minutes (module docstring,
    step 3); an end is None where resamples reach no target."""
    grid, cells = np.unique(np.concatenate([fulfilled, open_]), return_inverse=True)
    k = grid.size
    counts = np.bincount(cells[: fulfilled.size], minlength=k)
    counts = np.concatenate([counts, np.bincount(cells[fulfilled.size :], minlength=k)])
    n = fulfilled.size + open_.size
    answers = []
    for start in range(0, resamples, _BATCH):
        size = min(_BATCH, resamples - start)
        draws = rng.multinomial(n, counts / n, size=size)
        met = np.cumsum(draws[:, :k], axis=1)
        excluded = np.cumsum(draws[:, k:], axis=1)
        decided = met[:, -1:] + excluded[:, -1:] - excluded  # met + missed
        with np.errstate(divide="ignore", invalid="ignore"):
            holds = (decided > 0) & (met / np.maximum(decided, 1) >= share)
        first = np.argmax(holds, axis=1)
        answers.append(np.where(holds.any(axis=1), grid[first].astype(float), np.inf))
    found = np.concatenate(answers)
    tail = (1 - confidence) / 2
    low = float(np.quantile(found, tail, method="lower"))
    high = float(np.quantile(found, 1 - tail, method="higher"))
    return (int(low) if math.isfinite(low) else None, int(high) if math.isfinite(high) else None)


def recommend(
    groups: dict[GroupKey, Group], query: RecommendQuery, tiers: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """One row per group: the attainable target, its sample and interval, or why not."""
    check_query(query)
    needed = query.min_size or minimum_size(query.share)
    rows = []
    for key in sorted(groups, key=lambda key: _order(key, tiers)):
        rows.append(_row(key, groups[key], query, needed))
    return rows


def _row(key: GroupKey, group: Group, query: RecommendQuery, needed: int) -> dict[str, Any]:
    severity, tier, metric, team = key
    fulfilled = np.frombuffer(group.fulfilled, dtype=np.int64)
    open_ = np.frombuffer(group.open, dtype=np.int64)
    row: dict[str, Any] = {
        "severity": severity,
        "tier": tier,
        "metric": metric,
        "team": team or None,
        "current_minutes": _current(group.targets),
        "clocks": fulfilled.size + open_.size,
        "fulfilled": fulfilled.size,
        "running": open_.size,
        "target_minutes": None,
        "met": None,
        "decided": None,
        "met_share": None,
        "ci_low": None,
        "ci_high": None,
        "note": None,
    }
    if row["clocks"] < needed:
        row["note"] = f"too small: {row['clocks']} clocks, needs {needed}"
        return row
    found = attainable(fulfilled, open_, query.share)
    if found is None:
        row["note"] = "no target reaches the share"
        return row
    seed = [query.seed, zlib.crc32("\x1f".join(key).encode())]
    low, high = bootstrap(
        fulfilled,
        open_,
        query.share,
        resamples=query.resamples,
        confidence=query.confidence,
        rng=np.random.default_rng(seed),
    )
    target, met, decided = found
    row |= {"target_minutes": target, "met": met, "decided": decided}
    row |= {"met_share": met / decided, "ci_low": low, "ci_high": high}
    return row


def _current(targets: set[int]) -> float | None:
    """The group's SLA target in minutes when its clocks all ran under one; else None."""
    if len(targets) != 1:
        return None
    minutes = next(iter(targets)) / _US_PER_MINUTE
    return int(minutes) if minutes == int(minutes) else minutes


def _order(key: GroupKey, tiers: tuple[str, ...]) -> tuple[Any, ...]:
    severity, tier, metric, team = key
    known = [metric.value for metric in METRICS]
    rank = tiers.index(tier) if tier in tiers else len(tiers)
    return (severity, rank, tier, known.index(metric) if metric in known else 99, team)


def run_recommend(
    events_path: str | Path,
    config: Configuration,
    now: int,
    window: Window,
    query: RecommendQuery,
    *,
    metrics: frozenset[str] | None = None,
    workers: int | None = None,
) -> tuple[list[dict[str, Any]], Pass]:
    """Evaluate an event file at ``now`` and recommend a target per group; rows and pass."""
    check_query(query)
    done = fold_tickets(
        events_path, now, lambda: RecommendFold(config, now, window, metrics), workers=workers
    )
    groups: dict[GroupKey, Group] = {}
    for tally in done.tallies:
        for key, group in tally.items():
            groups.setdefault(key, Group()).merge(group)
    return recommend(groups, query, config.tiers), done
