"""The ``policies`` section: ordered policies (the first match wins), with inheritance.

Each policy is read on its own, then :func:`~slakeeper.core.policies.resolve_policies`
flattens ``extends``; the checks that depend on inherited settings (a calendar is named,
days only on a 24x7 calendar) run on the result.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from pydantic import StrictStr

from slakeeper.config.matches import load_match
from slakeeper.config.names import Names, listing
from slakeeper.config.problems import Problems, Strict
from slakeeper.config.targets import TargetKey, WrittenTargets, load_metric, load_targets
from slakeeper.core.errors import KeyPath, PolicyError
from slakeeper.core.policies import (
    Metric,
    Policy,
    Status,
    Threshold,
    parse_threshold,
    resolve_policies,
)

__all__ = ["load_policies"]

_PAUSABLE = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)


class PolicyModel(Strict):
    """One entry of ``policies`` (``id`` is checked by hand, to check the rest without it)."""

    id: StrictStr | None = None
    extends: StrictStr | None = None
    match: Any = None
    calendar: StrictStr | None = None
    calendars: dict[str, StrictStr] | None = None
    targets: Any = None
    pause_on: dict[str, Any] | None = None
    warn_at: list[Any] | None = None
    escalation: StrictStr | None = None


@dataclass
class _Entry:
    """A policy as written, where it was written, and whether its calendars are sound."""

    index: int
    policy: Policy
    days: dict[TargetKey, list[tuple[KeyPath, str]]]
    calendars_sound: bool


def load_policies(raw: Any, names: Names, problems: Problems) -> tuple[Policy, ...]:
    """``policies``: a list, in order; each resolved over what it ``extends``."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.add(("policies",), "expected a list of policies (the first match wins)")
        return ()
    entries: list[_Entry] = []
    first: dict[str, int] = {}
    for index, body in enumerate(raw):
        entry = _entry(index, body, names, problems)
        if entry is None:
            continue
        policy_id = entry.policy.id
        if policy_id in first:
            also = f"policies[{first[policy_id]}]"
            problems.add(("policies", index, "id"), f"duplicate policy id {policy_id!r} ({also})")
            continue
        first[policy_id] = index
        entries.append(entry)
    resolved, broken = _resolve(entries, problems)
    _check_resolved(entries, resolved, broken, names, problems)
    return resolved


def _entry(index: int, body: Any, names: Names, problems: Problems) -> _Entry | None:
    path: KeyPath = ("policies", index)
    model = problems.shape(PolicyModel, body, path)
    if model is None:
        return None
    if model.id is None and body.get("id") is None:
        problems.add((*path, "id"), "missing required key")
    elif model.id is not None and not model.id.strip():
        problems.add((*path, "id"), "a policy id must not be empty")
    # Checked in the order keys are usually written, so that problems come in file order.
    match = None if model.match is None else load_match(model.match, (*path, "match"), problems)
    before = problems.count
    calendars = _calendars(model, path, names, problems)
    sound = problems.count == before and all(
        body.get(key) is None or getattr(model, key) is not None
        for key in ("extends", "calendar", "calendars")
    )
    written = WrittenTargets()
    if model.targets is not None:
        written = load_targets(model.targets, (*path, "targets"), problems)
    policy = Policy(
        id=model.id or "",
        match=match,
        calendar=model.calendar,
        calendars=calendars,
        targets=written.targets,
        teams=written.teams,
        pause_on=_pause_on(model.pause_on or {}, (*path, "pause_on"), problems),
        warn_at=None if model.warn_at is None else _warn_at(model.warn_at, path, problems),
        escalation=_escalation(model.escalation, path, names, problems),
        extends=model.extends,
    )
    if not policy.id.strip():
        return None
    return _Entry(index=index, policy=policy, days=written.days, calendars_sound=sound)


def _calendars(
    model: PolicyModel, path: KeyPath, names: Names, problems: Problems
) -> dict[Metric, str]:
    if model.calendar is not None:
        _check_calendar(model.calendar, (*path, "calendar"), names, problems)
    calendars: dict[Metric, str] = {}
    for name, calendar in (model.calendars or {}).items():
        metric = load_metric(name, (*path, "calendars", name), problems)
        if metric is not None:
            _check_calendar(calendar, (*path, "calendars", name), names, problems)
            calendars[metric] = calendar
    return calendars


def _check_calendar(calendar: str, path: KeyPath, names: Names, problems: Problems) -> None:
    if calendar not in names.calendars:
        problems.add(
            path, f"unknown calendar {calendar!r} (calendars here: {listing(names.calendars)})"
        )


def _pause_on(
    raw: dict[str, Any], path: KeyPath, problems: Problems
) -> dict[Metric, frozenset[Status]]:
    pause_on: dict[Metric, frozenset[Status]] = {}
    for name, statuses in raw.items():
        metric = load_metric(name, (*path, name), problems)
        if metric is None:
            continue
        if not isinstance(statuses, list):
            problems.add((*path, name), "expected a list of statuses ([pending, on_hold])")
            continue
        found = {_pausing_status(s, (*path, name, i), problems) for i, s in enumerate(statuses)}
        pause_on[metric] = frozenset(status for status in found if status is not None)
    return pause_on


def _pausing_status(value: Any, path: KeyPath, problems: Problems) -> Status | None:
    if value in (Status.SOLVED, Status.CLOSED):
        problems.add(path, f"{value!r} ends clocks, it does not pause them")
        return None
    if value not in _PAUSABLE:
        expected = ", ".join(_PAUSABLE)
        problems.add(path, f"unknown status {value!r} (a clock pauses on {expected})")
        return None
    return Status(value)


def _warn_at(raw: list[Any], path: KeyPath, problems: Problems) -> tuple[Threshold, ...]:
    thresholds: list[Threshold] = []
    for index, value in enumerate(raw):
        try:
            thresholds.append(parse_threshold(value))
        except PolicyError as exc:
            problems.add_error((*path, "warn_at", index), exc)
    return tuple(thresholds)


def _escalation(value: str | None, path: KeyPath, names: Names, problems: Problems) -> str | None:
    if value is not None and value not in names.escalation_paths:
        known = listing(names.escalation_paths)
        problems.add(
            (*path, "escalation"), f"unknown escalation path {value!r} (paths here: {known})"
        )
    return value


def _resolve(entries: list[_Entry], problems: Problems) -> tuple[tuple[Policy, ...], set[str]]:
    """Resolve ``extends``; each broken link is reported once (at its policy) and cut.

    The core reports an error at the policy it was resolving, so policies go to it
    ancestors first: the error lands on the policy whose own ``extends`` is wrong.
    """
    order = sorted(range(len(entries)), key=lambda i: _depth(entries[i], entries))
    policies = [entries[i].policy for i in order]
    broken: set[str] = set()
    found: list[tuple[KeyPath, str]] = []
    while True:
        try:
            flat = resolve_policies(policies)
        except PolicyError as exc:
            position, *rest = exc.path
            assert isinstance(position, int)
            found.append((("policies", entries[order[position]].index, *rest), exc.message))
            broken.add(policies[position].id)
            policies[position] = replace(policies[position], extends=None)
            continue
        for path, message in sorted(found, key=lambda each: each[0][1]):
            problems.add(path, message)
        resolved: list[Policy | None] = [None] * len(entries)
        for position, policy in zip(order, flat, strict=True):
            resolved[position] = policy
        return tuple(p for p in resolved if p is not None), broken


def _depth(entry: _Entry, entries: list[_Entry]) -> int:
    """Known ancestors of a policy; -1 inside a cycle, many below one."""
    parents = {each.policy.id: each.policy.extends for each in entries}
    chain = [entry.policy.id]
    current = entry.policy.extends
    while current is not None and current in parents:
        if current in chain:
            return -1 if current == entry.policy.id else len(entries)
        chain.append(current)
        current = parents[current]
    return len(chain) - 1


def _chain(entry: _Entry, by_id: dict[str, _Entry]) -> list[_Entry]:
    """The policy and everything it extends, nearest first (cycles cut)."""
    chain = [entry]
    current = by_id.get(entry.policy.extends or "")
    while current is not None and current not in chain:
        chain.append(current)
        current = by_id.get(current.policy.extends or "")
    return chain


def _check_resolved(
    entries: list[_Entry],
    resolved: tuple[Policy, ...],
    broken: set[str],
    names: Names,
    problems: Problems,
) -> None:
    """Checks on inherited settings, for policies whose whole chain is sound."""
    by_id = {entry.policy.id: entry for entry in entries}
    reported: set[KeyPath] = set()
    for entry, policy in zip(entries, resolved, strict=True):
        chain = _chain(entry, by_id)
        if any(e.policy.id in broken or not e.calendars_sound for e in chain):
            continue  # its calendars may be missing because of a problem already reported
        if not _names_calendars(policy):
            problems.add(("policies", entry.index, "calendar"), "a policy must name a calendar")
            continue
        for key in _keys_in_days(policy):
            _check_days(key, entry, policy, chain, names, problems, reported)


def _names_calendars(policy: Policy) -> bool:
    """A calendar for the whole policy, or one for each metric it has targets for."""
    if policy.calendar is not None:
        return True
    used = {metric for metrics in policy.targets.values() for metric in metrics}
    if any(policy.teams.values()):
        used.add(Metric.TEAM_OWNERSHIP)
    return bool(used) and used <= set(policy.calendars)


def _keys_in_days(policy: Policy) -> list[TargetKey]:
    keys: list[TargetKey] = [
        (severity, metric, None)
        for severity, metrics in policy.targets.items()
        for metric, target in metrics.items()
        if target.uses_days
    ]
    keys += [
        (severity, Metric.TEAM_OWNERSHIP, team)
        for severity, teams in policy.teams.items()
        for team, target in teams.items()
        if target.uses_days
    ]
    return keys


def _check_days(
    key: TargetKey,
    entry: _Entry,
    policy: Policy,
    chain: list[_Entry],
    names: Names,
    problems: Problems,
    reported: set[KeyPath],
) -> None:
    """Days are refused on a business calendar: where written, naming the calendar."""
    calendar_id = policy.calendar_for(key[1])
    calendar = names.built_calendars.get(calendar_id)
    if calendar is None or calendar.is_24x7:
        return
    origin = next((each for each in chain if key in each.days), None)
    if origin is None:
        return
    if origin is entry:
        why = f"calendar {calendar_id!r} is not 24x7"
    else:
        why = f"policy {policy.id!r} inherits it and counts {key[1]} on {calendar_id!r}, not 24x7"
    for path, message in origin.days[key]:
        if path not in reported:
            reported.add(path)
            problems.add(path, f"{message} ({why})")
