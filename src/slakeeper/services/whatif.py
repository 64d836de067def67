"""What-if: the same history replayed under the current and a proposed configuration.

1. One pass over the history (services/histories.py): each ticket's log is parsed once and
   evaluated under both configurations at ``now``; of each evaluation only the decided
   clocks (met or breached) started in the window are kept, counted per (account,
   severity, metric, month of the account). Nothing is stored and nothing stored changes.
   When the proposal changes only targets, :func:`changed_severities` names the
   severities concerned, and a ticket that never had one of them is evaluated once: under
   the proposal its clocks would be the same (evaluation reads the configuration only
   through policy matching, account tiers and the rules of the ticket's policy and
   severity: core/tickets.py).
2. :func:`compare` turns the two tallies into rows per account (compliance, breaches, and
   the credits its contract owes under each configuration, services/credits.py) and per
   severity x metric (compliance and breaches), each with the difference proposed - current.

Compliance is met ÷ (met + breached) (DESIGN.md section 4); severity is the ticket's at
``now``; clocks are counted in their ticket's account (``-`` for none).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slakeeper.core.clocks import ClockStatus
from slakeeper.core.configuration import Configuration
from slakeeper.core.evaluation import Diagnostic, evaluate_logged
from slakeeper.core.events import Event, EventType
from slakeeper.services.credits import Months, credits_owed, zone_of
from slakeeper.services.histories import (
    Pass,
    Window,
    fold_tickets,
    stored_configuration,
    stored_history,
)
from slakeeper.store.session import Database

__all__ = [
    "Comparison",
    "WhatifFold",
    "changed_severities",
    "compare",
    "compare_stored",
    "run_whatif",
]

NONE = "-"  # the account or severity of a ticket that has none
# (configuration 0 current / 1 proposed, account, severity, metric, month) -> [met, breached]
Tally = dict[tuple[int, str, str, str, str], list[int]]


@dataclass
class WhatifFold:
    """Evaluates each ticket under both configurations and counts its decided clocks."""

    configs: tuple[Configuration, Configuration]
    now: int
    window: Window
    changed: frozenset[str] | None = None  # changed_severities (None: evaluate all twice)
    counts: Tally = field(default_factory=dict)
    months: dict[str, Months] = field(default_factory=dict)
    by_account: dict[tuple[int, str], Months] = field(default_factory=dict)

    def add(self, ticket: str, log: list[Event], diagnostics: list[Diagnostic]) -> None:
        """Evaluate one ticket's log under both configurations and count its clocks."""
        said = len(diagnostics)
        result = None
        for which, config in enumerate(self.configs):
            found: list[Diagnostic] = []
            if which == 0 or not self._same_under_both(log):
                result = evaluate_logged(ticket, log, config, self.now, found)
            if which == 0:
                diagnostics.extend(found)
            else:  # only what the proposal changes: the rest was said under the current
                known = {str(d) for d in diagnostics[said:]}
                diagnostics.extend(
                    Diagnostic(f"under the proposed configuration: {d.message}", d.line)
                    for d in found
                    if str(d) not in known
                )
            if result is not None:
                self._count(which, config, result.fields, result.cycles)

    def _same_under_both(self, log: list[Event]) -> bool:
        """True when no severity the ticket ever had has targets the proposal changes."""
        changed = self.changed
        if changed is None:
            return False
        if not changed:
            return True
        for event in log:
            kind = event.type
            sets_severity = kind is EventType.CREATED or (
                kind is EventType.UPDATE and "severity" in event.fields
            )
            if sets_severity and str(event.fields.get("severity")) in changed:
                return False
        return True

    def _count(self, which: int, config: Configuration, fields: Any, cycles: Any) -> None:
        # The hot loop of a what-if (a few clocks per ticket, two evaluations): locals only.
        account = fields.get("account")
        account = NONE if account is None else str(account)
        severity = fields.get("severity")
        severity = NONE if severity is None else str(severity)
        months = self._months(which, config, account)
        start, end, counts = self.window.start, self.window.end, self.counts
        for cycle in cycles:
            status = cycle.status
            if status is ClockStatus.MET:
                index = 0
            elif status is ClockStatus.BREACHED:
                index = 1
            else:
                continue
            started = cycle.started_at
            if (start is not None and started < start) or (end is not None and started >= end):
                continue
            # The metric itself (a StrEnum, equal to and hashed as its value) saves the
            # lookup of `.value`; compare() writes it as text.
            key = (which, account, severity, cycle.metric, months.of(started))
            pair = counts.get(key)
            if pair is None:
                pair = counts[key] = [0, 0]
            pair[index] += 1

    def _months(self, which: int, config: Configuration, account: str) -> Months:
        """The months an account counts in under one configuration (made once per zone)."""
        found = self.by_account.get((which, account))
        if found is None:
            zone = zone_of(config.accounts.get(account), self.window.timezone)
            found = self.months.get(zone)
            if found is None:
                found = self.months[zone] = Months(zone)
            self.by_account[(which, account)] = found
        return found

    def tally(self) -> Tally:
        """The counts (tuples and lists: a worker sends them to the parent)."""
        return self.counts


@dataclass
class Comparison:
    """What-if rows: per account, per severity x metric, and the whole history."""

    accounts: list[dict[str, Any]]
    severity_metrics: list[dict[str, Any]]
    total: dict[str, Any]


def run_whatif(
    events_path: str | Path,
    current: Configuration,
    proposed: Configuration,
    now: int,
    window: Window,
    *,
    workers: int | None = None,
    shortcut: bool = True,
) -> tuple[Comparison, Pass]:
    """Replay an event file under both configurations; the comparison and the pass.

    ``shortcut=False`` evaluates every ticket twice (tests compare the two ways)."""
    changed = changed_severities(current, proposed) if shortcut else None
    done = fold_tickets(
        events_path,
        now,
        lambda: WhatifFold((current, proposed), now, window, changed),
        workers=workers,
    )
    counts: Tally = {}
    for tally in done.tallies:
        for key, (met, breached) in tally.items():
            pair = counts.setdefault(key, [0, 0])
            pair[0] += met
            pair[1] += breached
    return compare(counts, current, proposed), done


def changed_severities(current: Configuration, proposed: Configuration) -> frozenset[str] | None:
    """The severities whose targets differ, when targets are all that differs.

    None when anything else evaluation reads differs: the policies' ids, order or matches,
    the accounts' tiers, or a policy's calendars, pauses, warnings or escalation steps.
    """
    first, second = current.policies, proposed.policies
    if [p.id for p in first] != [p.id for p in second] or _tiers(current) != _tiers(proposed):
        return None
    changed: set[str] = set()
    for old, new in zip(first, second, strict=True):
        if old.match != new.match:
            return None
        severities = {*old.targets, *new.targets, *old.teams, *new.teams} or {""}
        for severity in severities:
            a, b = current.rules(old, severity), proposed.rules(new, severity)
            if (a.pauses, a.thresholds, a.steps) != (b.pauses, b.thresholds, b.steps):
                return None
            if _calendars(a.calendars) != _calendars(b.calendars):
                return None
            if a.targets != b.targets or a.teams != b.teams:
                changed.add(severity)
    return frozenset(changed)


def _tiers(config: Configuration) -> dict[str, str | None]:
    return {account.id: account.tier for account in config.accounts.values()}


def _calendars(calendars: Any) -> dict[Any, tuple[Any, ...]]:
    """Calendars by what defines them (a Calendar compares by identity)."""
    return {
        metric: (
            c.id,
            c.timezone,
            c.weekly,
            c.holidays,
            c.holiday_sets,
            tuple(sorted(c.overrides.items())),
            c.is_24x7,
        )
        for metric, c in calendars.items()
    }


def compare(counts: Tally, current: Configuration, proposed: Configuration) -> Comparison:
    """Rows side by side, current and proposed, with the difference (proposed - current)."""
    configs = (current, proposed)
    by_account: dict[str, list[dict[str, list[int]]]] = {}
    by_group: dict[tuple[str, str], list[list[int]]] = {}
    totals = [[0, 0], [0, 0]]
    for (which, account, severity, metric_value, month), (met, breached) in counts.items():
        for pair in (
            by_account.setdefault(account, [{}, {}])[which].setdefault(month, [0, 0]),
            by_group.setdefault((severity, str(metric_value)), [[0, 0], [0, 0]])[which],
            totals[which],
        ):
            pair[0] += met
            pair[1] += breached
    accounts = []
    for account in sorted(by_account):
        sides = []
        for which, months in enumerate(by_account[account]):
            found = configs[which].accounts.get(account)
            owed = credits_owed(found.contract if found else None, _pairs(months))
            credit = sum(period.amount or 0.0 for period in owed)
            sides.append((_sum(months.values()), credit))
        accounts.append({"account": account} | _sides(sides))
    groups = [
        {"severity": severity, "metric": metric}
        | _sides([(pair, None) for pair in by_group[(severity, metric)]])
        for severity, metric in sorted(by_group, key=_group_order)
    ]
    credit_sum = [sum(row[f"{side}_credits"] for row in accounts) for side in _SIDES]
    total = _sides([(totals[which], credit_sum[which]) for which in (0, 1)])
    return Comparison(accounts, groups, total)


_SIDES = ("current", "proposed")
_METRIC_ORDER = (
    "first_response",
    "next_response",
    "periodic_update",
    "resolution",
    "team_ownership",
)


def _group_order(key: tuple[str, str]) -> tuple[str, int, str]:
    severity, metric = key
    rank = _METRIC_ORDER.index(metric) if metric in _METRIC_ORDER else len(_METRIC_ORDER)
    return (severity, rank, metric)


def _add(pair: list[int], met: int, breached: int) -> None:
    pair[0] += met
    pair[1] += breached


def _sum(pairs: Iterable[list[int]]) -> list[int]:
    total = [0, 0]
    for met, breached in pairs:
        _add(total, met, breached)
    return total


def _pairs(months: dict[str, list[int]]) -> dict[str, tuple[int, int]]:
    return {month: (met, breached) for month, (met, breached) in months.items()}


def _sides(sides: list[tuple[list[int], float | None]]) -> dict[str, Any]:
    """Columns for (counts, credits) of current and proposed, and their differences."""
    row: dict[str, Any] = {}
    for name, ((met, breached), _) in zip(_SIDES, sides, strict=True):
        row[f"{name}_decided"] = met + breached
        row[f"{name}_compliance"] = met / (met + breached) if met + breached else None
        row[f"{name}_breaches"] = breached
    now, then = row["proposed_compliance"], row["current_compliance"]
    row["compliance_change"] = None if now is None or then is None else now - then
    row["breaches_change"] = row["proposed_breaches"] - row["current_breaches"]
    if sides[0][1] is not None:
        credits = [credit for _, credit in sides]
        row["current_credits"], row["proposed_credits"] = credits
        row["credits_change"] = credits[1] - credits[0]
    return row


_ONE_AT_A_TIME = threading.Lock()  # a replay is CPU-bound: two at once only share the cores


def compare_stored(
    database: Database, proposed: Configuration, now: int, window: Window
) -> tuple[Comparison, Pass]:
    """The stored history replayed under the newest stored and the ``proposed``
    configuration, clocks started in ``window`` counted (the console's what-if).

    One replay at a time per process, in this process (no forked workers: the caller is
    a thread of a web server); nothing stored changes.
    """
    with _ONE_AT_A_TIME:
        current = stored_configuration(database)
        with stored_history(database) as path:
            return run_whatif(path, current, proposed, now, window, workers=1)
