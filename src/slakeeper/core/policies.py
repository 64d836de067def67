"""SLA policies: which tickets they match, their targets per severity and metric, and layering.

A policy is ordered (the first match wins) and may ``extend`` another: it inherits targets
(merged per severity and metric, OLAs per team), calendar, per-metric calendars, per-metric
``pause_on``, ``warn_at`` and ``escalation``, never ``match``. :func:`resolve_policies`
flattens the inheritance once, at load time, so evaluation never walks it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from fractions import Fraction
from typing import Any

from slakeeper.core.durations import parse_duration
from slakeeper.core.errors import InputError, PolicyError

__all__ = [
    "DEFAULT_PAUSE_ON",
    "DEFAULT_WARN_AT",
    "MATCH_FIELDS",
    "METRICS",
    "EscalationPath",
    "EscalationStep",
    "Match",
    "Metric",
    "Policy",
    "Status",
    "Target",
    "Threshold",
    "parse_threshold",
    "resolve_policies",
]


class Metric(StrEnum):
    """The clocks slakeeper keeps, in output order."""

    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    PERIODIC_UPDATE = "periodic_update"
    RESOLUTION = "resolution"
    TEAM_OWNERSHIP = "team_ownership"


METRICS: tuple[Metric, ...] = tuple(Metric)


class Status(StrEnum):
    """Ticket statuses; a ticket is open unless solved or closed."""

    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    SOLVED = "solved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        """True unless solved or closed."""
        return self not in (Status.SOLVED, Status.CLOSED)


DEFAULT_PAUSE_ON: Mapping[Metric, frozenset[Status]] = {
    Metric.RESOLUTION: frozenset({Status.PENDING, Status.ON_HOLD}),
}

MATCH_FIELDS = ("severity", "account", "account_tier", "plan", "channel", "product", "team")


@dataclass(frozen=True)
class Target:
    """A contractual SLA target, with an optional tighter internal objective (µs)."""

    sla: int
    objective: int | None = None
    uses_days: bool = False  # written with `d`: allowed only on a 24x7 calendar


@dataclass(frozen=True)
class Threshold:
    """A point in a cycle: a fraction of the SLA target, a lead time before it, or the breach."""

    text: str
    fraction: Fraction | None = None
    lead: int | None = None  # µs before the target

    def offset(self, target: int) -> int | None:
        """Elapsed µs at which the threshold is reached, or None when it does not apply."""
        if self.fraction is not None:
            # Rounded up to the microsecond, in integer arithmetic (Fraction maths is slow).
            return -(-target * self.fraction.numerator // self.fraction.denominator)
        if self.lead is not None:
            return target - self.lead if self.lead < target else None
        return target  # the breach

    @property
    def json_value(self) -> float | int | str:
        """The threshold as evaluate shows it: a number for a fraction, else the text."""
        if self.fraction is None:
            return self.text
        if self.fraction.denominator == 1:
            return int(self.fraction)
        return float(self.fraction)


DEFAULT_WARN_AT: tuple[Threshold, ...] = (Threshold("0.75", fraction=Fraction(3, 4)),)
_LEAD = re.compile(r"^\s*(.+?)\s+before\s*$")


def parse_threshold(value: object, *, allow_breach: bool = False) -> Threshold:
    """Read ``0.75``, ``75%``, ``30m before`` (or ``breach`` for escalation steps)."""
    if isinstance(value, bool):
        raise PolicyError(f"invalid threshold {value!r}")
    if isinstance(value, int | float):
        return _fraction(Fraction(str(value)), str(value))
    if not isinstance(value, str):
        raise PolicyError(f"invalid threshold {value!r}: expected 0.75, 75% or '30m before'")
    text = value.strip()
    if allow_breach and text == "breach":
        return Threshold("breach")
    lead = _LEAD.match(text)
    if lead is not None:
        try:
            amount = parse_duration(lead.group(1))
        except InputError as exc:
            raise PolicyError(f"invalid lead time in {value!r}: {exc.message}") from None
        if amount <= 0:
            raise PolicyError(f"invalid threshold {value!r}: the lead time must be positive")
        return Threshold(text, lead=amount)
    try:
        number = Fraction(text[:-1]) / 100 if text.endswith("%") else Fraction(text)
    except (ValueError, ZeroDivisionError):
        expected = "0.75, 75%, '30m before'" + (" or 'breach'" if allow_breach else "")
        raise PolicyError(f"invalid threshold {value!r}: expected {expected}") from None
    return _fraction(number, text)


def _fraction(number: Fraction, text: str) -> Threshold:
    if not 0 <= number <= 1:
        raise PolicyError(f"invalid threshold {text!r}: a fraction of the target is 0 to 1")
    return Threshold(text, fraction=number)


@dataclass(frozen=True)
class Match:
    """Conditions on ticket fields; all must hold. No code is ever evaluated."""

    equals: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)  # field -> allowed
    tags_contain: tuple[str, ...] = ()  # any of these tags
    negated: Match | None = None

    def matches(self, fields: Mapping[str, Any]) -> bool:
        """True when ``fields`` (a ticket's current fields) meets every condition."""
        for name, allowed in self.equals.items():
            if _field(fields, name) not in allowed:
                return False
        if self.tags_contain:
            tags = fields.get("tags") or ()
            if not any(tag in tags for tag in self.tags_contain):
                return False
        return not (self.negated is not None and self.negated.matches(fields))


def _field(fields: Mapping[str, Any], name: str) -> Any:
    if name.startswith("custom."):
        custom = fields.get("custom") or {}
        return custom.get(name[len("custom.") :])
    return fields.get(name)


@dataclass(frozen=True)
class EscalationStep:
    """One step of an escalation path: at a threshold, notify and optionally reassign."""

    at: Threshold
    notify: tuple[str, ...] = ()
    assign_team: str | None = None


@dataclass(frozen=True)
class EscalationPath:
    """Named, ordered escalation steps (agent → lead → manager)."""

    id: str
    steps: tuple[EscalationStep, ...]

    @functools.cached_property
    def thresholds(self) -> tuple[Threshold, ...]:
        """The steps' thresholds (one tuple per path, so clock plans can be cached by it)."""
        return tuple(step.at for step in self.steps)


@dataclass(frozen=True)
class Policy:
    """A resolved policy: its own settings merged over everything it extends."""

    id: str
    match: Match | None = None
    calendar: str | None = None
    calendars: Mapping[Metric, str] = field(default_factory=dict)
    # severity -> metric -> target; team_ownership targets live in `teams`.
    targets: Mapping[str, Mapping[Metric, Target]] = field(default_factory=dict)
    teams: Mapping[str, Mapping[str, Target]] = field(default_factory=dict)  # severity -> team
    pause_on: Mapping[Metric, frozenset[Status]] = field(default_factory=dict)
    warn_at: tuple[Threshold, ...] | None = None
    escalation: str | None = None
    extends: str | None = None

    def calendar_name(self, metric: Metric) -> str | None:
        """The calendar id a metric's clock counts in, if the policy names one."""
        return self.calendars.get(metric, self.calendar)

    def calendar_for(self, metric: Metric) -> str:
        """The calendar id a metric's clock counts in (an error when none is named)."""
        found = self.calendar_name(metric)
        if found is None:
            raise PolicyError(f"policy {self.id!r} names no calendar")
        return found

    def target(self, severity: object, metric: Metric, team: str | None = None) -> Target | None:
        """The target for a severity and metric (and team, for team ownership)."""
        key = str(severity) if severity is not None else None
        if key is None:
            return None
        if metric is Metric.TEAM_OWNERSHIP:
            return self.teams.get(key, {}).get(team) if team is not None else None
        return self.targets.get(key, {}).get(metric)

    def pauses(self, metric: Metric) -> frozenset[Status]:
        """Statuses that pause a metric: the policy's, merged per metric over the defaults."""
        if metric in self.pause_on:
            return self.pause_on[metric]
        return DEFAULT_PAUSE_ON.get(metric, frozenset())

    @property
    def thresholds(self) -> tuple[Threshold, ...]:
        """Warning thresholds: the policy's ``warn_at``, else the default ``[0.75]``."""
        return self.warn_at if self.warn_at is not None else DEFAULT_WARN_AT

    def has_severity(self, severity: object) -> bool:
        """True when the severity has any target in this policy."""
        key = str(severity)
        return bool(self.targets.get(key)) or bool(self.teams.get(key))


def resolve_policies(policies: Sequence[Policy]) -> tuple[Policy, ...]:
    """Flatten ``extends`` chains; errors name the policy (by index) that is wrong."""
    by_id = {policy.id: policy for policy in policies}
    resolved: dict[str, Policy] = {}

    def resolve(policy: Policy, chain: tuple[str, ...]) -> Policy:
        if policy.id in resolved:
            return resolved[policy.id]
        if policy.extends is None:
            result = policy
        else:
            if policy.extends in chain or policy.extends == policy.id:
                cycle = " -> ".join((*chain, policy.id, policy.extends))
                raise PolicyError(f"extends forms a cycle: {cycle}")
            parent = by_id.get(policy.extends)
            if parent is None:
                raise PolicyError(f"extends unknown policy {policy.extends!r}")
            result = _inherit(policy, resolve(parent, (*chain, policy.id)))
        resolved[policy.id] = result
        return result

    out = []
    for index, policy in enumerate(policies):
        try:
            out.append(resolve(policy, ()))
        except PolicyError as exc:
            raise exc.under(index, "extends") from None
    return tuple(out)


def _inherit(child: Policy, parent: Policy) -> Policy:
    targets = {sev: dict(metrics) for sev, metrics in parent.targets.items()}
    for sev, metrics in child.targets.items():
        targets.setdefault(sev, {}).update(metrics)
    teams = {sev: dict(by_team) for sev, by_team in parent.teams.items()}
    for sev, by_team in child.teams.items():
        teams.setdefault(sev, {}).update(by_team)
    return replace(
        child,
        calendar=child.calendar if child.calendar is not None else parent.calendar,
        calendars={**parent.calendars, **child.calendars},
        targets=targets,
        teams=teams,
        pause_on={**parent.pause_on, **child.pause_on},
        warn_at=child.warn_at if child.warn_at is not None else parent.warn_at,
        escalation=child.escalation if child.escalation is not None else parent.escalation,
    )
