"""The configuration in force: calendars, tiers, accounts, policies, escalation, notifiers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from slakeeper.core.calendars import Calendar
from slakeeper.core.policies import EscalationPath, Policy

__all__ = ["Account", "Configuration", "Contract", "CreditRow", "Notifier"]


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
        rows = [row for row in self.credits if compliance < row.below]
        return min(rows, key=lambda row: row.below).credit if rows else 0.0


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


@dataclass(frozen=True, eq=False)
class Configuration:
    """A validated configuration, as core objects."""

    calendars: Mapping[str, Calendar] = field(default_factory=dict)
    tiers: tuple[str, ...] = ()
    accounts: Mapping[str, Account] = field(default_factory=dict)
    policies: tuple[Policy, ...] = ()
    escalation_paths: Mapping[str, EscalationPath] = field(default_factory=dict)
    notifiers: Mapping[str, Notifier] = field(default_factory=dict)
    version: str | None = None

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
