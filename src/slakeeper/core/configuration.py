"""The configuration in force: calendars, tiers, accounts, policies, escalation, notifiers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from slakeeper.core.calendars import Calendar
from slakeeper.core.policies import (
    METRICS,
    EscalationPath,
    Metric,
    Policy,
    Status,
    Target,
    Threshold,
)

__all__ = [
    "Account",
    "Configuration",
    "Contract",
    "CreditRow",
    "Notifier",
    "Rules",
    "TriageTarget",
]


@dataclass(frozen=True)
class CreditRow:
    """A service credit: ``credit`` (a share of the monthly fee) when compliance < ``below``."""

    below: float
    credit: float


@dataclass(frozen=True)
class Contract:
    """An account's contract: committed compliance, monthly fee and credit rows."""

    commitment: float | None = None
    monthly_fee: float | None = None
    credits: tuple[CreditRow, ...] = ()

    def credit_for(self, compliance: float) -> float:
        """The credit share owed: the row with the lowest ``below`` that compliance is under."""
        row = self.credit_row(compliance)
        return row.credit if row is not None else 0.0

    def credit_row(self, compliance: float) -> CreditRow | None:
        """The row that gives the credit (rows do not stack); None when none applies."""
        rows = [row for row in self.credits if compliance < row.below]
        return min(rows, key=lambda row: row.below) if rows else None


@dataclass(frozen=True)
class Account:
    """A customer account; its tier applies to tickets that carry no ``account_tier``."""

    id: str
    name: str | None = None
    tier: str | None = None
    timezone: str | None = None
    contract: Contract | None = None


@dataclass(frozen=True)
class Notifier:
    """Where alerts go: a Slack or Teams webhook, email recipients, or a signed webhook."""

    id: str
    type: str
    url: str | None = None
    to: tuple[str, ...] = ()
    secret_env: str | None = None


@dataclass(frozen=True)
class Rules:
    """What a policy says for one severity, resolved once: evaluation reads only this."""

    policy: Policy
    targets: Mapping[Metric, Target]
    teams: Mapping[str, Target]
    calendars: Mapping[Metric, Calendar]
    pauses: Mapping[Metric, frozenset[Status]]
    thresholds: tuple[Threshold, ...]
    steps: tuple[Threshold, ...]

    def target(self, metric: Metric, team: str | None = None) -> Target | None:
        """The target of a metric (of a team, for team ownership), if any."""
        if metric is Metric.TEAM_OWNERSHIP:
            return self.teams.get(team) if team is not None else None
        return self.targets.get(metric)


@dataclass(frozen=True)
class TriageTarget:
    """Triage of one ticket field (``severity``, ``team``, ``product``): its model file and
    the confidence a suggestion must reach to be applied (below it, a human decides)."""

    field: str
    model: str
    threshold: float = 0.6


@dataclass(frozen=True, eq=False)
class Configuration:
    """A validated configuration, as core objects."""

    calendars: Mapping[str, Calendar] = field(default_factory=dict)
    tiers: tuple[str, ...] = ()
    accounts: Mapping[str, Account] = field(default_factory=dict)
    policies: tuple[Policy, ...] = ()
    escalation_paths: Mapping[str, EscalationPath] = field(default_factory=dict)
    notifiers: Mapping[str, Notifier] = field(default_factory=dict)
    triage: Mapping[str, TriageTarget] = field(default_factory=dict)
    version: str | None = None
    # Rules per (policy id, severity), built on first use: evaluation's hot path.
    _rules: dict[tuple[str, str], Rules] = field(default_factory=dict, repr=False)

    def policy_for(self, fields: Mapping[str, Any]) -> Policy | None:
        """The first policy whose ``match`` holds for the ticket's fields (no match: None)."""
        for policy in self.policies:
            if policy.match is None or policy.match.matches(fields):
                return policy
        return None

    def tier_rank(self, tier: object) -> int:
        """Position of a tier in ``tiers`` (most important first); unknown tiers sort last."""
        try:
            return self.tiers.index(str(tier))
        except ValueError:
            return len(self.tiers)

    def rules(self, policy: Policy, severity: object) -> Rules:
        """The policy's targets, calendars, pauses, warnings and steps for a severity."""
        key = (policy.id, str(severity))
        found = self._rules.get(key)
        if found is None or found.policy is not policy:
            found = self._rules[key] = self._resolve(policy, key[1])
        return found

    def _resolve(self, policy: Policy, severity: str) -> Rules:
        path = self.escalation_paths.get(policy.escalation) if policy.escalation else None
        calendars = {}
        for metric in METRICS:
            name = policy.calendar_name(metric)
            if name is not None and name in self.calendars:
                calendars[metric] = self.calendars[name]
        return Rules(
            policy=policy,
            targets=dict(policy.targets.get(severity, {})),
            teams=dict(policy.teams.get(severity, {})),
            calendars=calendars,
            pauses={metric: policy.pauses(metric) for metric in METRICS},
            thresholds=policy.thresholds,
            steps=path.thresholds if path is not None else (),
        )
